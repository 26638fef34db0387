package dev.gvsim.pciefabric;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QEMU-style machine options: {@code -M virt} / {@code -machine virt,...} and
 * {@code -device DRIVER[,PROP=VALUE]...} (QemuOpts syntax, util/qemu-option.c: comma-separated,
 * {@code ,,} is a literal comma, a bare {@code PROP} means {@code PROP=on}). {@code addr=SLOT[.FN]}
 * is hexadecimal (QEMU hw/core/qdev-properties-system.c set_pci_devfn). Errors are
 * {@link IllegalArgumentException}s that name the bad token and what was expected.
 */
public final class DeviceOptions {
    /** Options that are accepted and ignored here (they configure parts this parser does not build), with their arity. */
    private static final Map<String, Integer> IGNORED = new LinkedHashMap<>();

    static {
        for (String o : new String[] {"-m", "-cpu", "-smp", "-nic", "-bios", "-kernel", "-initrd", "-append", "-spice", "-display", "-serial",
                "-accel", "-msg", "-trace", "-D", "-drive", "-netdev", "-chardev", "-mon", "-monitor", "-vga", "-name", "-global"}) {
            IGNORED.put(o, 1);
        }
        for (String o : new String[] {"-nographic", "-no-reboot", "-enable-kvm", "-S", "-nodefaults"}) {
            IGNORED.put(o, 0);
        }
    }

    private final String machine;
    private final List<DeviceSpec> devices;

    private Map<String, String> machineProps = new java.util.LinkedHashMap<>();

    /** The properties given with the machine type ({@code -M virt,gic-version=3}), in order; the type excluded. */
    public Map<String, String> machineProps() {
        return java.util.Collections.unmodifiableMap(machineProps);
    }

    private DeviceOptions(String machine, List<DeviceSpec> devices) {
        this.machine = machine;
        this.devices = Collections.unmodifiableList(devices);
    }

    /** A {@code -device} option: the driver and its properties in the order given. */
    public record DeviceSpec(String driver, Map<String, String> props) {
        public DeviceSpec {
            props = Collections.unmodifiableMap(new LinkedHashMap<>(props));
        }

        /** {@code id=}, or null. */
        public String id() {
            return props.get("id");
        }

        /** {@code bus=}, or null (the machine's default bus). */
        public String bus() {
            return props.get("bus");
        }

        /** Slot from {@code addr=SLOT[.FN]}, or −1 if no address was given. */
        public int slot() {
            String a = props.get("addr");
            return a == null ? -1 : parseAddr(driver, a)[0];
        }

        /** Function from {@code addr=SLOT[.FN]}, 0 if not given. */
        public int fn() {
            String a = props.get("addr");
            return a == null ? 0 : parseAddr(driver, a)[1];
        }

        /** An integer property (decimal or 0x hex), or {@code def}; errors name the property. */
        public long intProp(String name, long def, long min, long max) {
            String v = props.get(name);
            if (v == null) {
                return def;
            }
            long n;
            try {
                n = v.startsWith("0x") || v.startsWith("0X") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Parameter '" + name + "' of " + driver + " expects an integer, got '" + v + "'");
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException("Property " + driver + "." + name + " doesn't take value " + v + " (range " + min + ".." + max + ")");
            }
            return n;
        }
    }

    public String machine() {
        return machine;
    }

    public List<DeviceSpec> devices() {
        return devices;
    }

    /** Parses a command line such as {@code -M virt -device pcie-root-port,id=rp1,chassis=1 -device qxl,bus=rp1,addr=0x2}. */
    public static DeviceOptions parse(String args) {
        List<String> toks = tokenize(args == null ? "" : args);
        String machine = "virt";
        Map<String, String> machineProps = new java.util.LinkedHashMap<>();
        List<DeviceSpec> devices = new ArrayList<>();
        for (int i = 0; i < toks.size(); i++) {
            String t = toks.get(i);
            String opt = t.startsWith("--") ? t.substring(1) : t;
            switch (opt) {
                case "-M", "-machine" -> {
                    String v = need(toks, i, t, "a machine type, e.g. -M virt");
                    i++;
                    Map<String, String> m = opts(v, "type", t);
                    machine = m.remove("type");
                    if (machine == null || machine.isEmpty()) {
                        throw new IllegalArgumentException("option " + t + " '" + v + "': expected a machine type first, e.g. virt");
                    }
                    machineProps.putAll(m);
                }
                case "-device" -> {
                    String v = need(toks, i, t, "DRIVER[,PROP=VALUE...]");
                    i++;
                    Map<String, String> m = opts(v, "driver", t);
                    String driver = m.remove("driver");
                    if (driver == null || driver.isEmpty()) {
                        throw new IllegalArgumentException("-device '" + v + "': expected the device driver name first, e.g. -device qxl,bus=rp1");
                    }
                    DeviceSpec spec = new DeviceSpec(driver, m);
                    if (spec.props().containsKey("addr")) {
                        parseAddr(driver, spec.props().get("addr"));
                    }
                    devices.add(spec);
                }
                default -> {
                    Integer arity = IGNORED.get(opt);
                    if (arity == null) {
                        throw new IllegalArgumentException("unknown option '" + t + "' (expected -M/-machine TYPE or -device DRIVER[,PROP=VALUE...])");
                    }
                    if (arity == 1) {
                        need(toks, i, t, "an argument");
                        i++;
                    }
                }
            }
        }
        DeviceOptions d = new DeviceOptions(machine, devices);
        d.machineProps = machineProps;
        return d;
    }

    private static String need(List<String> toks, int i, String opt, String what) {
        if (i + 1 >= toks.size() || toks.get(i + 1).isEmpty()) {
            throw new IllegalArgumentException("option " + opt + " requires an argument: " + what);
        }
        return toks.get(i + 1);
    }

    /** QemuOpts parsing with an implied first key. */
    private static Map<String, String> opts(String s, String impliedKey, String opt) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',') {
                if (i + 1 < s.length() && s.charAt(i + 1) == ',') {
                    cur.append(',');
                    i++;
                    continue;
                }
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        for (int k = 0; k < parts.size(); k++) {
            String p = parts.get(k);
            if (p.isEmpty()) {
                throw new IllegalArgumentException(opt + " '" + s + "': empty parameter (expected PROP=VALUE)");
            }
            int eq = p.indexOf('=');
            String key;
            String val;
            if (k == 0 && eq < 0) {
                key = impliedKey;
                val = p;
            } else if (eq < 0) {
                key = p; // short-form boolean: PROP means PROP=on
                val = "on";
            } else {
                key = p.substring(0, eq);
                val = p.substring(eq + 1);
            }
            if (key.isEmpty()) {
                throw new IllegalArgumentException(opt + " '" + s + "': parameter '" + p + "' has no name (expected PROP=VALUE)");
            }
            if (out.containsKey(key)) {
                throw new IllegalArgumentException(opt + " '" + s + "': parameter '" + key + "' given twice");
            }
            out.put(key, val);
        }
        return out;
    }

    /** {@code SLOT[.FN]}, both hexadecimal, slot 0..0x1f, function 0..7. */
    static int[] parseAddr(String driver, String a) {
        String s = a.trim();
        String slotText = s;
        String fnText = null;
        int dot = s.indexOf('.');
        if (dot >= 0) {
            slotText = s.substring(0, dot);
            fnText = s.substring(dot + 1);
        }
        int slot = hex(driver, a, slotText);
        int fn = fnText == null ? 0 : hex(driver, a, fnText);
        if (slot > 0x1F || fn > 7) {
            throw new IllegalArgumentException("Property '" + driver + ".addr' doesn't take value '" + a + "' (expected SLOT[.FN] with slot 0..1f, function 0..7)");
        }
        return new int[] {slot, fn};
    }

    private static int hex(String driver, String whole, String t) {
        String x = t.startsWith("0x") || t.startsWith("0X") ? t.substring(2) : t;
        if (x.isEmpty() || x.length() > 4) {
            throw new IllegalArgumentException("Property '" + driver + ".addr' doesn't take value '" + whole + "' (expected SLOT[.FN] in hex)");
        }
        try {
            return Integer.parseInt(x, 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Property '" + driver + ".addr' doesn't take value '" + whole + "' (expected SLOT[.FN] in hex)");
        }
    }

    /**
     * Splits on whitespace; single or double quotes group (shell word splitting without expansions).
     * An unterminated quote is an {@link IllegalArgumentException}.
     */
    public static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean in = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                in = true;
            } else if (Character.isWhitespace(c)) {
                if (in) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    in = false;
                }
            } else {
                cur.append(c);
                in = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unterminated quote in options: " + s);
        }
        if (in) {
            out.add(cur.toString());
        }
        return out;
    }
}
