package dev.gvsim.machine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gvsim.pciefabric.DeviceOptions;
import dev.gvsim.pciefabric.DeviceOptions.DeviceSpec;

/**
 * A machine described once, in a JSON file (docs/machine-files.md): the shape {@code gvsim lspci
 * --json} prints, so that one round-trips into the other. The defining part is the {@code machine}
 * object:
 *
 * <pre>
 * { "machine": { "type": "virt", "props": {},
 *                "devices": [ { "driver": "pcie-root-port", "id": "rp1", "chassis": "1" },
 *                             { "driver": "qxl-vga", "bus": "rp1" } ],
 *                "set": { "pci.allocator": "edk2" } } }
 * </pre>
 *
 * {@code type} and {@code props} are {@code -M TYPE,PROP=VALUE}, each device is one {@code -device
 * DRIVER,PROP=VALUE...} in order, {@code set} the {@code --set NAME=VALUE} parameters. The keys
 * {@code lspci --json} adds ({@link #DERIVED_KEYS}) describe the machine as built and are ignored when
 * reading. Any other key, a value of the wrong type, bad JSON, or a machine that does not build is a
 * {@link MachineFileException} naming the file, the key (or line and column) and what was expected.
 */
public final class MachineFile {
    /** Top-level keys {@code lspci --json} prints beside {@code machine}: what was built, ignored on reading. */
    public static final List<String> DERIVED_KEYS = List.of("allocator", "functions", "assigned", "failures");
    /** A free-text key allowed at the top level and in the machine object, for people. */
    public static final String COMMENT = "comment";
    /** Larger than this is not a machine file (a real one is a few KiB). */
    public static final long MAX_BYTES = 1L << 20;

    private static final List<String> MACHINE_KEYS = List.of("type", "props", "devices", "set", COMMENT);
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private MachineFile() {
    }

    /** A machine: {@code -M type,props}, the devices in order, the parameter overrides. */
    public record Spec(String type, Map<String, String> props, List<DeviceSpec> devices, Map<String, String> set) {
        public Spec {
            props = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(props));
            devices = List.copyOf(devices);
            set = java.util.Collections.unmodifiableMap(new TreeMap<>(set));
        }

        /** The QEMU-style options {@link MachineBuilder#build} takes: {@code -M virt,… -device …}. */
        public String args() {
            StringBuilder sb = new StringBuilder("-M ").append(quote(qemuOpts(type, props)));
            for (DeviceSpec d : devices) {
                sb.append(" -device ").append(quote(qemuOpts(d.driver(), d.props())));
            }
            return sb.toString();
        }

        /**
         * What follows {@code -M virt} for a builder that names the type itself: the devices, preceded by
         * {@code -M TYPE,PROPS} when there are machine properties (a later {@code -M} adds its properties).
         */
        public String deviceArgs() {
            String a = args();
            return props.isEmpty() ? a.substring(a.indexOf(' ') + 1).substring(type.length()).strip() : a;
        }

        /** {@code set} as {@code NAME=VALUE} strings, sorted by name. */
        public List<String> sets() {
            List<String> out = new ArrayList<>();
            set.forEach((k, v) -> out.add(k + "=" + v));
            return out;
        }

        /** The same machine with {@code -device} options appended after its own devices (the command-line rule). */
        public Spec plusDevices(List<String> deviceOptions) {
            if (deviceOptions == null || deviceOptions.isEmpty()) {
                return this;
            }
            StringBuilder sb = new StringBuilder();
            for (String d : deviceOptions) {
                sb.append(" -device ").append(quote(d));
            }
            List<DeviceSpec> all = new ArrayList<>(devices);
            all.addAll(DeviceOptions.parse(sb.toString()).devices());
            return new Spec(type, props, all, set);
        }

        /** Builds it (the machine's parameters first, then {@code extraSets}, which win). */
        public Machine build(List<String> extraSets) {
            List<String> all = new ArrayList<>(sets());
            all.addAll(extraSets);
            return MachineBuilder.build(args(), all);
        }

        /** The {@code machine} object of a machine file. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            // JSON objects (not maps, which gvsim's JSON writes sorted) keep the properties in the order given
            m.put("type", type);
            com.fasterxml.jackson.databind.node.ObjectNode pn = MAPPER.createObjectNode();
            props.forEach(pn::put);
            m.put("props", pn);
            List<com.fasterxml.jackson.databind.node.ObjectNode> devs = new ArrayList<>();
            for (DeviceSpec d : devices) {
                com.fasterxml.jackson.databind.node.ObjectNode dn = MAPPER.createObjectNode();
                dn.put("driver", d.driver());
                d.props().forEach(dn::put);
                devs.add(dn);
            }
            m.put("devices", devs);
            m.put("set", set);
            return m;
        }
    }

    /** A machine as given by a type, {@code -device} options and a machine file: {@code args} null when none was given. */
    public record Resolved(String args, List<String> sets, Spec spec) {
    }

    /**
     * The rule for a machine file given with other options, one for the CLI and the JUnit extension:
     * the file's devices first, then {@code deviceOptions} ({@code DRIVER,PROP=VALUE} each); the
     * file's {@code set} first, then {@code sets} (which win); a machine type given with a file is an
     * error. Without a file: {@code -M type} (virt if null) and the devices, or null args if neither.
     */
    public static Resolved resolve(String machineType, List<String> deviceOptions, Path file, List<String> sets) {
        List<String> devs = deviceOptions == null ? List.of() : deviceOptions;
        List<String> extra = sets == null ? List.of() : sets;
        if (file == null) {
            if (machineType == null && devs.isEmpty()) {
                return new Resolved(null, new ArrayList<>(extra), null);
            }
            StringBuilder sb = new StringBuilder("-M ").append(machineType == null ? "virt" : machineType);
            for (String d : devs) {
                sb.append(" -device ").append(quote(d));
            }
            return new Resolved(sb.toString(), new ArrayList<>(extra), null);
        }
        if (machineType != null) {
            throw new IllegalArgumentException("-M " + machineType + " and -machine-file " + file
                    + " both give the machine type: give it in one place (the file's machine.type)");
        }
        Spec spec;
        Spec fromFile = read(file);
        try {
            spec = fromFile.plusDevices(devs);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-device given with -machine-file " + file + ": " + e.getMessage(), e);
        }
        List<String> all = new ArrayList<>(spec.sets());
        all.addAll(extra);
        return new Resolved(spec.args(), all, spec);
    }

    /** The machine as built: its options ({@link Machine#args()}) and its parameter overrides. */
    public static Spec of(Machine m) {
        DeviceOptions o = DeviceOptions.parse(m.args());
        return new Spec(o.machine(), o.machineProps(), o.devices(), m.params().overrides());
    }

    /**
     * What {@code gvsim lspci --json} prints: {@code machine} (this file's defining object) and, derived
     * from the machine as built, {@code allocator}, {@code functions} (per function: bdf, ids, class,
     * BARs, bridge bus numbers and windows), {@code assigned} and {@code failures}.
     */
    public static Map<String, Object> lspciJson(Machine m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("machine", of(m).toJson());
        out.put("allocator", m.params().getString(Machine.ALLOCATOR));
        out.put("functions", m.pci().describe());
        out.put("assigned", m.pci().allocationLog());
        out.put("failures", m.pci().allocationFailures());
        return out;
    }

    /** Reads and checks a machine file (the machine is built once to check it). */
    public static Spec read(Path file) {
        return parse(file.toString(), readText(file));
    }

    /**
     * The text of a machine-shaped file ({@code -machine-file}, {@code qos -machine-file}): an existing,
     * readable file of at most {@link #MAX_BYTES}; each refusal is one error naming the file.
     */
    public static String readText(Path file) {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new MachineFileException(name, null, "a file, got a directory");
        }
        if (!Files.exists(file)) {
            throw new MachineFileException(name, null, "an existing file: no such file");
        }
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new MachineFileException(name, null, "at most " + MAX_BYTES + " bytes (a machine file is a few KiB), got " + size);
            }
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new MachineFileException(name, null, "a readable file: " + e.getMessage());
        }
    }

    /** {@code text} as JSON (duplicate keys refused); a syntax error names the file, line and column. Null or missing for an empty text. */
    public static JsonNode readJson(String name, String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String msg = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines().findFirst().orElse("");
            String where = at == null || at.getLineNr() < 1 ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            throw new MachineFileException("machine file " + name + ": " + where + "expected well-formed JSON (" + msg + ")");
        }
    }

    /** Parses and checks {@code text} as the machine file {@code name} (a name for messages). */
    public static Spec parse(String name, String text) {
        JsonNode root = readJson(name, text);
        if (root == null || root.isMissingNode()) {
            throw new MachineFileException(name, null, "a JSON object with a \"machine\" key, got an empty file");
        }
        if (!root.isObject()) {
            throw new MachineFileException(name, null, "a JSON object with a \"machine\" key, got " + kind(root));
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!k.equals("machine") && !k.equals(COMMENT) && !DERIVED_KEYS.contains(k)) {
                throw new MachineFileException(name, k, "one of the keys machine, " + COMMENT + " (or, ignored, " + String.join(", ", DERIVED_KEYS)
                        + "), got an unknown key");
            }
        }
        JsonNode m = root.get("machine");
        if (m == null) {
            throw new MachineFileException(name, "machine", "an object describing the machine (type, devices, ...), but the key is missing");
        }
        if (!m.isObject()) {
            throw new MachineFileException(name, "machine", "an object (type, props, devices, set), got " + kind(m));
        }
        for (Iterator<String> it = m.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!MACHINE_KEYS.contains(k)) {
                throw new MachineFileException(name, "machine." + k, "one of the keys " + String.join(", ", MACHINE_KEYS) + ", got an unknown key");
            }
        }
        JsonNode t = m.get("type");
        if (t == null || !t.isTextual()) {
            throw new MachineFileException(name, "machine.type", "a string, the machine type (virt), got " + (t == null ? "nothing" : kind(t)));
        }
        String type = word(name, "machine.type", t.asText());
        Map<String, String> props = strings(name, "machine.props", m.get("props"));
        Map<String, String> set = strings(name, "machine.set", m.get("set"));
        List<DeviceSpec> devices = new ArrayList<>();
        JsonNode ds = m.get("devices");
        if (ds != null && !ds.isArray()) {
            throw new MachineFileException(name, "machine.devices", "a list of devices, got " + kind(ds));
        }
        if (ds != null) {
            for (int i = 0; i < ds.size(); i++) {
                String key = "machine.devices[" + i + "]";
                JsonNode d = ds.get(i);
                if (!d.isObject()) {
                    throw new MachineFileException(name, key, "an object {\"driver\": ..., PROP: VALUE...}, got " + kind(d));
                }
                JsonNode drv = d.get("driver");
                if (drv == null || !drv.isTextual()) {
                    throw new MachineFileException(name, key + ".driver", "a string, the device driver (see 'gvsim devices'), got "
                            + (drv == null ? "nothing" : kind(drv)));
                }
                Map<String, String> dp = strings(name, key, d);
                dp.remove("driver");
                devices.add(new DeviceSpec(word(name, key + ".driver", drv.asText()), dp));
            }
        }
        Spec spec = new Spec(type, props, devices, set);
        check(name, spec);
        return spec;
    }

    /** Builds the machine; a failure is blamed on the first device whose prefix does not build, else on the machine. */
    private static void check(String name, Spec spec) {
        for (String s : spec.sets()) {
            try {
                MachineBuilder.declaredParams().set(s);
            } catch (IllegalArgumentException e) {
                throw new MachineFileException(name, "machine.set." + s.substring(0, s.indexOf('=')), "a model parameter: " + e.getMessage());
            }
        }
        try {
            spec.build(List.of());
        } catch (IllegalArgumentException e) {
            String key = "machine";
            for (int n = 0; n <= spec.devices().size(); n++) {
                try {
                    new Spec(spec.type(), spec.props(), spec.devices().subList(0, n), spec.set()).build(List.of());
                } catch (IllegalArgumentException prefix) {
                    key = n == 0 ? "machine" : "machine.devices[" + (n - 1) + "] (" + spec.devices().get(n - 1).driver() + ")";
                    break;
                }
            }
            throw new MachineFileException(name, key, "a machine that builds: " + e.getMessage());
        }
    }

    /** An object of string (or number, boolean) values; null node = empty. */
    private static Map<String, String> strings(String name, String key, JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null) {
            return out;
        }
        if (!n.isObject()) {
            throw new MachineFileException(name, key, "an object of NAME: VALUE, got " + kind(n));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = key + "." + e.getKey();
            JsonNode v = e.getValue();
            String text;
            if (v.isTextual()) {
                text = v.asText();
            } else if (v.isIntegralNumber()) {
                text = v.bigIntegerValue().toString();
            } else if (v.isBoolean()) {
                text = v.asBoolean() ? "on" : "off";
            } else {
                throw new MachineFileException(name, k, "a string, an integer or a boolean, got " + kind(v));
            }
            if (e.getKey().isEmpty() || e.getKey().chars().anyMatch(c -> c == '=' || c == ',' || c == '\'' || c == '"' || Character.isWhitespace(c))) {
                throw new MachineFileException(name, k, "a property name without '=', ',', quotes or spaces");
            }
            if (text.indexOf('\'') >= 0 && text.indexOf('"') >= 0) {
                throw new MachineFileException(name, k, "a value without both kinds of quote");
            }
            out.put(e.getKey(), text);
        }
        return out;
    }

    private static String word(String name, String key, String v) {
        if (v.isEmpty() || v.chars().anyMatch(c -> c == '=' || c == ',' || c == '\'' || c == '"' || Character.isWhitespace(c))) {
            throw new MachineFileException(name, key, "a name without '=', ',', quotes or spaces, got '" + v + "'");
        }
        return v;
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** QemuOpts text: the first word, then {@code ,PROP=VALUE} with commas doubled. */
    public static String qemuOpts(String first, Map<String, String> props) {
        StringBuilder sb = new StringBuilder(first);
        props.forEach((k, v) -> sb.append(',').append(k).append('=').append(v.replace(",", ",,")));
        return sb.toString();
    }

    /** One token for {@link DeviceOptions#parse}: quoted if it holds white space or a quote. */
    static String quote(String token) {
        boolean plain = token.chars().noneMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '"');
        if (plain) {
            return token;
        }
        return token.indexOf('\'') >= 0 ? '"' + token + '"' : '\'' + token + '\'';
    }

    /** A defect in a machine file: the file, the key or position, and what was expected. Exit 2 in the CLI. */
    public static final class MachineFileException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public MachineFileException(String file, String key, String expected) {
            super("machine file " + file + ": " + (key == null ? "" : "key '" + key + "': ") + "expected " + expected);
        }

        public MachineFileException(String message) {
            super(message);
        }
    }
}
