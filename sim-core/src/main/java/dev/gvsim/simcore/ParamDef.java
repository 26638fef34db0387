package dev.gvsim.simcore;

/**
 * The declaration of a model parameter: name (dotted, e.g. {@code mmu.wc.line_bytes}), type, unit,
 * default, where the default comes from, and what it means. Every value a study may vary is one of
 * these (docs/architecture.md, "config as data").
 */
public record ParamDef(String name, Type type, String defaultValue, String unit, String source, String doc) {
    /** Value types. Durations are written with a unit ({@code 150ns}) and stored in ps. */
    public enum Type { LONG, DOUBLE, BOOLEAN, DURATION, STRING }

    public ParamDef {
        if (name == null || !name.matches("[a-z0-9_]+(\\.[a-z0-9_]+)*")) {
            throw new IllegalArgumentException("bad parameter name: " + name);
        }
        Params.parse(name, type, defaultValue); // the default must parse
    }

    public static ParamDef longParam(String name, long def, String unit, String source, String doc) {
        return new ParamDef(name, Type.LONG, Long.toString(def), unit, source, doc);
    }

    public static ParamDef duration(String name, String def, String source, String doc) {
        return new ParamDef(name, Type.DURATION, def, "ps", source, doc);
    }

    public static ParamDef bool(String name, boolean def, String source, String doc) {
        return new ParamDef(name, Type.BOOLEAN, Boolean.toString(def), "", source, doc);
    }

    public static ParamDef doubleParam(String name, double def, String unit, String source, String doc) {
        return new ParamDef(name, Type.DOUBLE, Double.toString(def), unit, source, doc);
    }

    public static ParamDef string(String name, String def, String source, String doc) {
        return new ParamDef(name, Type.STRING, def, "", source, doc);
    }
}
