package dev.gvsim.machine.qos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.gvsim.machine.MachineBuilder;
import dev.gvsim.machine.MachineFile;
import dev.gvsim.machine.MachineFile.MachineFileException;
import dev.gvsim.pciefabric.DeviceOptions;
import dev.gvsim.simcore.Json;

/**
 * A multi-VM machine in one JSON file (docs/qos.md, "Machine file"): several guests sharing one host
 * GPU, each with its own machine (the {@code machine} object of a {@link MachineFile}, whose
 * {@code virtio-gpu-pci} is the VM's device), its scheduling options and optionally its trace:
 *
 * <pre>
 * { "comment": "...",
 *   "set": { "qos.policy": "equal-share" },
 *   "vms": [ { "name": "desk", "workload": "recorded", "trace": "desk.trace.xz", "fps": 60,
 *              "machine": { "type": "virt", "devices": [ { "driver": "virtio-gpu-pci" } ] } },
 *            { "name": "bench", "workload": "heavy", "weight": 2, "cap": 50,
 *              "machine": { "type": "virt", "devices": [ { "driver": "virtio-gpu-pci", "xres": "1920", "yres": "1080" } ] } } ] }
 * </pre>
 *
 * A VM's keys are the {@code -device virtio-gpu-pci,vm=NAME,...} options of {@link QosMachine}
 * ({@code name} is {@code vm}); its machine holds exactly one {@code virtio-gpu-pci}, last (nothing
 * refers to an endpoint, and a trace appends the recorded mode to it). {@code set} holds the model
 * parameters for the shared GPU and every VM's machine; a VM's machine has no {@code set} of its own.
 * A relative trace path is taken from the file's directory. Any defect is a
 * {@link MachineFileException} naming the file and the key.
 */
public final class QosMachineFile {
    static final List<String> TOP_KEYS = List.of("comment", "set", "vms");
    static final List<String> VM_KEYS = List.of("name", "workload", "weight", "cap", "fps", "batches", "frame_cost", "trace", "speedup", "machine",
            "comment");
    static final String GPU = "virtio-gpu-pci";
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Pattern OPTION = Pattern.compile("option (\\w+)");

    private QosMachineFile() {
    }

    /** The guests and the parameter settings ({@code NAME=VALUE}, sorted) of a file. */
    public record Description(List<QosMachine.Guest> guests, List<String> sets) {
        public Description {
            guests = List.copyOf(guests);
            sets = List.copyOf(sets);
        }
    }

    /** Reads and checks a file (each VM's machine is built once to check it). */
    public static Description read(Path file) {
        return parse(file.toString(), MachineFile.readText(file));
    }

    /** Parses and checks {@code text} as the file {@code name}. */
    public static Description parse(String name, String text) {
        JsonNode root = MachineFile.readJson(name, text);
        if (root == null || root.isMissingNode() || !root.isObject()) {
            throw new MachineFileException(name, null, "a JSON object with a \"vms\" list (a multi-VM machine file)");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!TOP_KEYS.contains(k)) {
                throw new MachineFileException(name, k, "one of the keys " + String.join(", ", TOP_KEYS) + ", got an unknown key"
                        + (k.equals("machine") ? " (a one-machine file: give it with -machine-file to the other commands; gvsim qos needs \"vms\")" : ""));
            }
        }
        List<String> sets = new ArrayList<>();
        JsonNode set = root.get("set");
        if (set != null) {
            if (!set.isObject()) {
                throw new MachineFileException(name, "set", "an object of NAME: VALUE model parameters");
            }
            Map<String, String> sorted = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = set.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                sorted.put(e.getKey(), scalar(name, "set." + e.getKey(), e.getValue()));
            }
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                try {
                    MachineBuilder.declaredParams().set(e.getKey() + "=" + e.getValue());
                } catch (IllegalArgumentException ex) {
                    throw new MachineFileException(name, "set." + e.getKey(), "a model parameter: " + ex.getMessage());
                }
                sets.add(e.getKey() + "=" + e.getValue());
            }
        }
        JsonNode vms = root.get("vms");
        if (vms == null || !vms.isArray() || vms.isEmpty()) {
            throw new MachineFileException(name, "vms", "a list of at least one VM {\"name\": ..., \"machine\": {...}}, got "
                    + (vms == null ? "nothing" : vms.isArray() ? "an empty list" : vms.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        List<QosMachine.Guest> guests = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < vms.size(); i++) {
            QosMachine.Guest g = vm(name, i, vms.get(i));
            if (!names.add(g.name())) {
                throw new MachineFileException(name, "vms[" + i + "].name", "a name no other VM has, got '" + g.name() + "' again");
            }
            guests.add(g);
        }
        return new Description(guests, sets);
    }

    private static QosMachine.Guest vm(String name, int i, JsonNode v) {
        String at = "vms[" + i + "]";
        if (!v.isObject()) {
            throw new MachineFileException(name, at, "an object {\"name\": ..., \"machine\": {...}, ...}");
        }
        for (Iterator<String> it = v.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!VM_KEYS.contains(k)) {
                throw new MachineFileException(name, at + "." + k, "one of the keys " + String.join(", ", VM_KEYS) + ", got an unknown key");
            }
        }
        JsonNode nm = v.get("name");
        if (nm == null || !nm.isTextual()) {
            throw new MachineFileException(name, at + ".name", "a string, the VM's name");
        }
        JsonNode m = v.get("machine");
        if (m == null || !m.isObject()) {
            throw new MachineFileException(name, at + ".machine", "an object, the VM's machine (type, devices: one " + GPU + ")");
        }
        if (m.has("set")) {
            throw new MachineFileException(name, at + ".machine.set", "no per-VM parameters: give them in the top-level \"set\" (they apply to the "
                    + "shared GPU and every VM's machine)");
        }
        MachineFile.Spec spec;
        try {
            ObjectNode wrap = MAPPER.createObjectNode();
            wrap.set("machine", m);
            spec = MachineFile.parse(name, wrap.toString());
        } catch (MachineFileException e) {
            throw new MachineFileException(e.getMessage().replace("key 'machine", "key '" + at + ".machine"));
        }
        List<DeviceOptions.DeviceSpec> devs = spec.devices();
        long gpus = devs.stream().filter(d -> d.driver().equals(GPU)).count();
        if (gpus != 1 || !devs.get(devs.size() - 1).driver().equals(GPU)) {
            throw new MachineFileException(name, at + ".machine.devices", "exactly one " + GPU + " device, the last one (the VM's device on the "
                    + "shared GPU), got " + gpus + (gpus == 1 ? " that is not the last" : ""));
        }
        // the VM's options as a -device virtio-gpu-pci,vm=NAME,... for QosMachine's checks
        StringBuilder opt = new StringBuilder(GPU).append(",vm=").append(nm.asText());
        for (String k : VM_KEYS) {
            if (k.equals("name") || k.equals("machine") || k.equals("comment") || !v.has(k)) {
                continue;
            }
            String val = scalar(name, at + "." + k, v.get(k));
            if (val.indexOf(',') >= 0 || val.chars().anyMatch(Character::isWhitespace)) {
                throw new MachineFileException(name, at + "." + k, "a value without commas or spaces, got '" + val + "'");
            }
            opt.append(',').append(k).append('=').append(val);
        }
        devs.get(devs.size() - 1).props().forEach((k, val) -> opt.append(',').append(k).append('=').append(val));
        devs.get(devs.size() - 1).props().forEach((k, val) -> {
            if (val.indexOf(',') >= 0 || val.chars().anyMatch(Character::isWhitespace)) {
                throw new MachineFileException(name, at + ".machine.devices[" + (devs.size() - 1) + "]." + k, "a value without commas or spaces");
            }
        });
        String prefix = new MachineFile.Spec(spec.type(), spec.props(), devs.subList(0, devs.size() - 1), Map.of()).args();
        try {
            return QosMachine.guest(i + 1, opt.toString(), prefix);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage().replaceFirst("^-device #\\d+( \\(vm=[^)]*\\))?: ", "");
            Matcher o = OPTION.matcher(msg);
            String key = at + ".machine.devices[" + (devs.size() - 1) + "] (" + GPU + ")";
            if (o.find()) {
                String k = o.group(1);
                key = k.equals("vm") ? at + ".name" : VM_KEYS.contains(k) ? at + "." + k : key;
            }
            throw new MachineFileException(name, key, "a valid value: " + msg);
        }
    }

    private static String scalar(String name, String key, JsonNode n) {
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isIntegralNumber()) {
            return n.bigIntegerValue().toString();
        }
        if (n.isNumber()) {
            return n.decimalValue().toPlainString();
        }
        if (n.isBoolean()) {
            return n.asBoolean() ? "on" : "off";
        }
        throw new MachineFileException(name, key, "a string, a number or a boolean, got " + n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
    }

    /** The file for {@code guests} and {@code sets}: what {@link #parse} reads back to the same description. */
    public static String write(List<QosMachine.Guest> guests, List<String> sets) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, String> set = new TreeMap<>();
        for (String s : sets) {
            int eq = s.indexOf('=');
            set.put(s.substring(0, eq), s.substring(eq + 1));
        }
        root.put("set", set);
        List<Object> vms = new ArrayList<>();
        for (QosMachine.Guest g : guests) {
            ObjectNode v = MAPPER.createObjectNode();
            v.put("name", g.name());
            v.put("workload", g.workload().option);
            v.put("weight", g.weight());
            v.put("cap", g.cap());
            v.put("fps", g.fps());
            v.put("batches", g.batches());
            if (g.frameCostPs() > 0) {
                v.put("frame_cost", g.frameCostPs() + "ps");
            }
            if (g.trace() != null) {
                v.put("trace", g.trace());
                v.put("speedup", g.speedup());
            }
            DeviceOptions o = DeviceOptions.parse(g.machineArgs());
            MachineFile.Spec spec = new MachineFile.Spec(o.machine(), o.machineProps(), o.devices(), Map.of());
            Map<String, Object> machine = new LinkedHashMap<>(spec.toJson());
            machine.remove("set");
            v.set("machine", MAPPER.valueToTree(machine));
            vms.add(v);
        }
        root.put("vms", vms);
        return Json.write(root);
    }
}
