package dev.gvsim.simcore;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parameter values of one machine: declared {@link ParamDef}s and the overrides a user gave
 * with {@code --set NAME=VALUE}. Unknown names and unparsable values are errors that name the
 * parameter and what was expected. Read at wiring time, never on hot paths.
 */
public final class Params {
    private final Map<String, ParamDef> defs = new TreeMap<>();
    private final Map<String, String> overrides = new TreeMap<>();

    /** Declares a parameter; declaring the same name twice with a different definition is a bug. */
    public Params declare(ParamDef def) {
        ParamDef old = defs.putIfAbsent(def.name(), def);
        if (old != null && !old.equals(def)) {
            throw new IllegalStateException("parameter declared twice differently: " + def.name());
        }
        return this;
    }

    public Params declareAll(Iterable<ParamDef> all) {
        for (ParamDef d : all) {
            declare(d);
        }
        return this;
    }

    /** Sets an override from text; throws {@link IllegalArgumentException} with a one-line reason. */
    public Params set(String name, String value) {
        ParamDef d = defs.get(name);
        if (d == null) {
            throw new IllegalArgumentException("unknown parameter '" + name + "' (see `gvsim params` for the list)");
        }
        parse(name, d.type(), value);
        overrides.put(name, value.trim());
        return this;
    }

    /** Sets {@code NAME=VALUE}. */
    public Params set(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("expected NAME=VALUE, got '" + assignment + "'");
        }
        return set(assignment.substring(0, eq).trim(), assignment.substring(eq + 1));
    }

    private String raw(ParamDef d) {
        ParamDef known = defs.get(d.name());
        if (known == null) {
            declare(d);
        }
        String o = overrides.get(d.name());
        return o != null ? o : d.defaultValue();
    }

    public long getLong(ParamDef d) {
        return (Long) parse(d.name(), d.type(), raw(d));
    }

    public long getDuration(ParamDef d) {
        return (Long) parse(d.name(), d.type(), raw(d));
    }

    public double getDouble(ParamDef d) {
        return (Double) parse(d.name(), d.type(), raw(d));
    }

    public boolean getBoolean(ParamDef d) {
        return (Boolean) parse(d.name(), d.type(), raw(d));
    }

    public String getString(ParamDef d) {
        return raw(d);
    }

    public Map<String, ParamDef> definitions() {
        return java.util.Collections.unmodifiableMap(defs);
    }

    /** Overrides as given, sorted by name. */
    public Map<String, String> overrides() {
        return java.util.Collections.unmodifiableMap(overrides);
    }

    /** Effective values of all declared parameters, sorted (for JSON output). */
    public Map<String, Object> effective() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (ParamDef d : defs.values()) {
            out.put(d.name(), parse(d.name(), d.type(), raw(d)));
        }
        return out;
    }

    static Object parse(String name, ParamDef.Type type, String text) {
        String t = text == null ? "" : text.trim();
        try {
            switch (type) {
                case LONG:
                    return t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
                case DOUBLE:
                    return Double.parseDouble(t);
                case BOOLEAN:
                    if (t.equals("true") || t.equals("on") || t.equals("1")) {
                        return Boolean.TRUE;
                    }
                    if (t.equals("false") || t.equals("off") || t.equals("0")) {
                        return Boolean.FALSE;
                    }
                    throw new IllegalArgumentException();
                case DURATION:
                    return SimTime.parse(t);
                default:
                    return t;
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("parameter '" + name + "': '" + text + "' is not a valid " + type.name().toLowerCase()
                    + (type == ParamDef.Type.DURATION ? " (e.g. 150ns)" : ""));
        }
    }
}
