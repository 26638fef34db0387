package dev.gvsim.gpupassthroughmodel.layout;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;

/**
 * Reads a profile file (JSON, docs/gpu-passthrough.md "Profile files") into a {@link GpuProfile}.
 * Strict: every key is known, every value has the type its key needs, every sourced value is
 * {@code {"value": V, "source": "…"}} with a non-empty source, and a value marked
 * {@code "unknown"} is replaced by the model's default for that key ({@link #DEFAULTS}, each with
 * its source), listed in the profile's {@code defaultsUsed}. Any defect is one
 * {@link ProfileException} naming the file and the key path ({@code gpu.bars[1].size}).
 */
public final class ProfileParser {
    /** Marks a value nobody published. */
    public static final String UNKNOWN = "unknown";
    /** Next to {@code "value": "unknown"}: the value the model uses instead, for keys with no model default. */
    public static final String ASSUMED = "assumed";

    /** A default the model uses for an unknown value, and where it comes from. */
    public record Default(Object value, String source) {
    }

    /** The defaults for values a profile may mark unknown, by key name. */
    public static final Map<String, Default> DEFAULTS = Map.ofEntries(
            Map.entry("subsystem_vendor_id", new Default(0, "assumption: 0 (PCI Local Bus 3.0 §6.2.4 allows 0 where no subsystem is assigned)")),
            Map.entry("subsystem_id", new Default(0, "assumption: 0 (PCI Local Bus 3.0 §6.2.4)")),
            Map.entry("revision", new Default(0, "assumption: revision 0")),
            Map.entry("no_soft_reset", new Default(false, "assumption: 0, the bit's default meaning (PCI PM 1.2 §3.2.4: D3hot->D0 resets the function)")),
            Map.entry("flr", new Default(false, "assumption: not FLR capable, the conservative choice (Linux then falls back to pm or bus reset)")),
            Map.entry("vendor_reset_time", new Default("100ms", "assumption: gnif/vendor-reset publishes no duration for BACO; 100 ms, the FLR budget "
                    + "(docs/facts/sharing-passthrough.md §2.2)")),
            Map.entry("firmware_init_time", new Default("50ms", "assumption: no published firmware-load time at driver init; 50 ms")),
            Map.entry("total_vfs", new Default(0, "assumption: 0 VFs")),
            Map.entry("first_vf_offset", new Default(1, "assumption: VF 1 at the PF's RID + 1 (the smallest offset PCIe Base 4.0 §9.3.3.9 allows)")),
            Map.entry("vf_stride", new Default(1, "assumption: consecutive VF RIDs (VF Stride 1, PCIe Base 4.0 §9.3.3.10)")),
            Map.entry("sriov", new Default(false, "assumption: no SR-IOV capability unless one is published")),
            Map.entry("time_slice", new Default("2ms", "NVIDIA vGPU default time slice with at most 8 vGPUs per GPU (docs/facts/sharing-passthrough.md §1.1)")));

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final String file;
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final List<String> defaultsUsed = new ArrayList<>();

    private ProfileParser(String file) {
        this.file = file;
    }

    /** Parses {@code in} as the profile file {@code file} (a name for messages: {@code amd-rx580.json}). */
    public static GpuProfile parse(String file, InputStream in) {
        JsonNode root;
        try {
            root = MAPPER.readTree(in);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines().findFirst().orElse("");
            long line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new ProfileException(file, "(document)", "well-formed JSON" + (line > 0 ? " (line " + line + ")" : "") + ": " + msg);
        } catch (IOException e) {
            throw new ProfileException(file, "(document)", "a readable file: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new ProfileException(file, "(document)", "well-formed JSON: " + e.getClass().getSimpleName());
        }
        if (root == null || root.isMissingNode()) {
            throw new ProfileException(file, "(document)", "a JSON object, got an empty file");
        }
        return new ProfileParser(file).profile(root);
    }

    private GpuProfile profile(JsonNode root) {
        object(root, "(document)", Set.of("name", "title", "gpu", "audio", "reset", "partitioning"), Set.of("name", "title", "gpu", "reset"));
        String name = text(root.get("name"), "name");
        if (!name.matches("[a-z0-9][a-z0-9-]{0,63}")) {
            throw new ProfileException(file, "name", "lower-case letters, digits and '-' (at most 64), got \"" + name + "\"");
        }
        String title = text(root.get("title"), "title");
        GpuProfile.Function gpu = function(root.get("gpu"), "gpu", true);
        GpuProfile.Function audio = root.has("audio") ? function(root.get("audio"), "audio", false) : null;
        if (audio != null && audio.vendorId() != gpu.vendorId()) {
            throw new ProfileException(file, "audio.vendor_id", "the graphics function's vendor 0x" + Integer.toHexString(gpu.vendorId()) + " (one card)");
        }
        JsonNode reset = root.get("reset");
        object(reset, "reset", Set.of("methods", "keeps_state_across", "vendor_reset", "vendor_reset_time", "firmware_init_time"),
                Set.of("methods", "keeps_state_across", "vendor_reset", "vendor_reset_time", "firmware_init_time"));
        List<String> methods = names(sourced(reset, "methods", "reset.methods"), "reset.methods", GpuProfile.RESET_METHODS);
        List<String> keeps = names(sourced(reset, "keeps_state_across", "reset.keeps_state_across"), "reset.keeps_state_across",
                GpuProfile.QUIRK_RESETS);
        String vendorReset = text(sourced(reset, "vendor_reset", "reset.vendor_reset"), "reset.vendor_reset");
        if (!GpuProfile.VENDOR_RESETS.contains(vendorReset)) {
            throw new ProfileException(file, "reset.vendor_reset", "one of " + GpuProfile.VENDOR_RESETS + ", got \"" + vendorReset + "\"");
        }
        if (methods.contains("device_specific") && "none".equals(vendorReset)) {
            throw new ProfileException(file, "reset.methods", "device_specific only with a vendor_reset, and vendor_reset is none");
        }
        if (methods.contains("flr") && !gpu.flrCapable()) {
            throw new ProfileException(file, "reset.methods", "flr only if the PCIe capability says FLR capable (gpu.capabilities pcie flr)");
        }
        long vendorPs = duration(sourced(reset, "vendor_reset_time", "reset.vendor_reset_time"), "reset.vendor_reset_time");
        long fwPs = duration(sourced(reset, "firmware_init_time", "reset.firmware_init_time"), "reset.firmware_init_time");
        GpuProfile.Partitioning part = partitioning(root.get("partitioning"), gpu);
        return new GpuProfile(name, file, title, gpu, audio, methods, new LinkedHashSet<>(keeps), vendorReset, vendorPs, fwPs, sources, defaultsUsed,
                part);
    }

    /** The optional {@code partitioning} section: SR-IOV (must agree with the capability list) and mdev-style slices. */
    private GpuProfile.Partitioning partitioning(JsonNode n, GpuProfile.Function gpu) {
        boolean cap = gpu.capability("sriov") != null;
        if (n == null) {
            return new GpuProfile.Partitioning(false, cap, null);
        }
        object(n, "partitioning", Set.of("sriov", "mdev"), Set.of("sriov"));
        boolean sriov = bool(sourced(n, "sriov", "partitioning.sriov"), "partitioning.sriov");
        if (sriov != cap) {
            throw new ProfileException(file, "partitioning.sriov", (cap ? "true" : "false") + " (it must agree with gpu.capabilities, which "
                    + (cap ? "has" : "has no") + " sriov capability)");
        }
        GpuProfile.Mdev mdev = null;
        JsonNode m = n.get("mdev");
        if (m != null) {
            object(m, "partitioning.mdev", Set.of("max_instances", "time_slice", "source"), Set.of("max_instances", "time_slice", "source"));
            source(m, "partitioning.mdev");
            int max = (int) number(sourced(m, "max_instances", "partitioning.mdev.max_instances"), "partitioning.mdev.max_instances", 1, 64);
            long slice = duration(sourced(m, "time_slice", "partitioning.mdev.time_slice"), "partitioning.mdev.time_slice");
            if (slice < 1_000_000_000L || slice > 30_000_000_000L) {
                throw new ProfileException(file, "partitioning.mdev.time_slice", "1ms..30ms (the vGPU slice range, docs/facts/sharing-passthrough.md §1.1)");
            }
            long vram = gpu.bar(GpuProfile.ROLE_VRAM).size();
            if (vram / max < 4096) {
                throw new ProfileException(file, "partitioning.mdev.max_instances", "at most " + vram / 4096 + " (a slice of the VRAM BAR per instance, 4 KiB at least)");
            }
            mdev = new GpuProfile.Mdev(max, slice);
        }
        return new GpuProfile.Partitioning(true, sriov, mdev);
    }

    private GpuProfile.Function function(JsonNode n, String path, boolean graphics) {
        Set<String> keys = Set.of("vendor_id", "device_id", "subsystem_vendor_id", "subsystem_id", "revision", "class_code", "bars", "capabilities");
        object(n, path, keys, keys);
        int vendor = (int) number(sourced(n, "vendor_id", path + ".vendor_id"), path + ".vendor_id", 0, 0xFFFE);
        int device = (int) number(sourced(n, "device_id", path + ".device_id"), path + ".device_id", 0, 0xFFFF);
        int ssvid = (int) number(sourced(n, "subsystem_vendor_id", path + ".subsystem_vendor_id"), path + ".subsystem_vendor_id", 0, 0xFFFF);
        int ssid = (int) number(sourced(n, "subsystem_id", path + ".subsystem_id"), path + ".subsystem_id", 0, 0xFFFF);
        int rev = (int) number(sourced(n, "revision", path + ".revision"), path + ".revision", 0, 0xFF);
        int cls = (int) number(sourced(n, "class_code", path + ".class_code"), path + ".class_code", 0, 0xFFFFFF);
        int base = cls >>> 16;
        if (graphics ? base != 0x03 : cls >>> 8 != 0x0403) {
            throw new ProfileException(file, path + ".class_code", graphics ? "a display controller (base class 0x03), got 0x" + Integer.toHexString(cls)
                    : "an audio device (class 0x0403xx), got 0x" + Integer.toHexString(cls));
        }
        List<GpuProfile.BarSpec> bars = bars(n.get("bars"), path + ".bars", graphics);
        List<GpuProfile.CapSpec> caps = capabilities(n.get("capabilities"), path + ".capabilities", bars);
        return new GpuProfile.Function(vendor, device, ssvid, ssid, rev, cls, bars, caps);
    }

    private List<GpuProfile.BarSpec> bars(JsonNode n, String path, boolean graphics) {
        array(n, path);
        List<GpuProfile.BarSpec> out = new ArrayList<>();
        boolean[] taken = new boolean[6];
        for (int i = 0; i < n.size(); i++) {
            String p = path + "[" + i + "]";
            JsonNode b = n.get(i);
            entry(b, p, Set.of("index", "role", "size", "bits", "prefetchable", "source"));
            int index = (int) number(b.get("index"), p + ".index", 0, 5);
            String role = text(b.get("role"), p + ".role");
            if (!GpuProfile.ROLES.contains(role)) {
                throw new ProfileException(file, p + ".role", "one of " + GpuProfile.ROLES + ", got \"" + role + "\"");
            }
            long bits = number(b.get("bits"), p + ".bits", 32, 64);
            if (bits != 32 && bits != 64) {
                throw new ProfileException(file, p + ".bits", "32 or 64, got " + bits);
            }
            boolean io = GpuProfile.ROLE_IO.equals(role);
            long size = size(b.get("size"), p + ".size", io);
            boolean pref = bool(b.get("prefetchable"), p + ".prefetchable");
            if (io && (bits == 64 || pref)) {
                throw new ProfileException(file, p + ".bits", "an I/O BAR is 32-bit and not prefetchable");
            }
            if (!io && bits == 32 && size > (1L << 31)) {
                throw new ProfileException(file, p + ".size", "at most 2G for a 32-bit BAR");
            }
            if (taken[index] || (bits == 64 && (index == 5 || taken[index + 1]))) {
                throw new ProfileException(file, p + ".index", "a free BAR slot (a 64-bit BAR takes index and index + 1), got " + index);
            }
            for (GpuProfile.BarSpec o : out) {
                if (o.is64() && o.index() + 1 == index) {
                    throw new ProfileException(file, p + ".index", "a free BAR slot (BAR" + o.index() + " is 64-bit and takes " + index + ")");
                }
                if (o.role().equals(role) && !role.equals(GpuProfile.ROLE_MSIX)) {
                    throw new ProfileException(file, p + ".role", "one BAR per role; \"" + role + "\" is already BAR" + o.index());
                }
            }
            taken[index] = true;
            if (bits == 64) {
                taken[index + 1] = true;
            }
            out.add(new GpuProfile.BarSpec(index, role, size, bits == 64, pref));
        }
        if (graphics && (findRole(out, GpuProfile.ROLE_REGISTERS) == null || findRole(out, GpuProfile.ROLE_VRAM) == null)) {
            throw new ProfileException(file, path, "a \"registers\" BAR and a \"vram\" BAR (the driver model maps both)");
        }
        if (!graphics && findRole(out, GpuProfile.ROLE_REGISTERS) == null) {
            throw new ProfileException(file, path, "a \"registers\" BAR");
        }
        return out;
    }

    private static GpuProfile.BarSpec findRole(List<GpuProfile.BarSpec> bars, String role) {
        return bars.stream().filter(b -> b.role().equals(role)).findFirst().orElse(null);
    }

    private List<GpuProfile.CapSpec> capabilities(JsonNode n, String path, List<GpuProfile.BarSpec> bars) {
        array(n, path);
        List<GpuProfile.CapSpec> out = new ArrayList<>();
        Set<String> types = new LinkedHashSet<>();
        int lastStd = 0x3C;
        for (int i = 0; i < n.size(); i++) {
            String p = path + "[" + i + "]";
            JsonNode c = n.get(i);
            if (c == null || !c.isObject() || !c.has("type")) {
                throw new ProfileException(file, p, "an object with a \"type\" (pm, pcie, msi, msix, sriov)");
            }
            String type = text(c.get("type"), p + ".type");
            Set<String> keys;
            switch (type) {
                case "pm":
                    keys = Set.of("type", "offset", "no_soft_reset", "source");
                    break;
                case "pcie":
                    keys = Set.of("type", "offset", "flr", "source");
                    break;
                case "msi":
                    keys = Set.of("type", "offset", "vectors", "source");
                    break;
                case "msix":
                    keys = Set.of("type", "offset", "vectors", "table_bar", "table_offset", "pba_offset", "source");
                    break;
                case "sriov":
                    keys = Set.of("type", "offset", "total_vfs", "first_vf_offset", "vf_stride", "vf_device_id", "vf_bars", "source");
                    break;
                default:
                    throw new ProfileException(file, p + ".type", "one of pm, pcie, msi, msix, sriov, got \"" + type + "\"");
            }
            entry(c, p, keys);
            if (!types.add(type)) {
                throw new ProfileException(file, p + ".type", "each capability once; \"" + type + "\" is listed twice");
            }
            boolean ext = type.equals("sriov");
            int offset = (int) number(c.get("offset"), p + ".offset", ext ? 0x100 : 0x40, ext ? 0xFF8 : 0xFC);
            if ((offset & 3) != 0) {
                throw new ProfileException(file, p + ".offset", "a multiple of 4, got 0x" + Integer.toHexString(offset));
            }
            int len = switch (type) {
                case "pm" -> 8;
                case "pcie" -> 0x3C;
                case "msi" -> 0x0E; // 64-bit, no per-vector masking (PCI Local Bus 3.0 §6.8.1)
                case "msix" -> 12;
                default -> 0x40;
            };
            if (!ext) {
                if (offset <= lastStd || offset + len > 0x100) {
                    throw new ProfileException(file, p + ".offset", "after the previous capability's end (0x" + Integer.toHexString(lastStd)
                            + ") and inside 0x40..0xff with its " + len + " bytes, got 0x" + Integer.toHexString(offset));
                }
                lastStd = offset + len - 1;
            } else if (offset != 0x100) {
                throw new ProfileException(file, p + ".offset", "0x100 (the model places SR-IOV as the first extended capability)");
            }
            boolean nsr = type.equals("pm") && bool(sourced(c, "no_soft_reset", p + ".no_soft_reset"), p + ".no_soft_reset");
            boolean flr = type.equals("pcie") && bool(sourced(c, "flr", p + ".flr"), p + ".flr");
            int vectors = type.equals("msi") ? (int) number(c.get("vectors"), p + ".vectors", 1, 32)
                    : type.equals("msix") ? (int) number(c.get("vectors"), p + ".vectors", 1, 2048) : 0;
            if (type.equals("msi") && Integer.bitCount(vectors) != 1) {
                throw new ProfileException(file, p + ".vectors", "a power of two 1..32, got " + vectors);
            }
            int tableBar = 0;
            long tableOff = 0;
            long pbaOff = 0;
            if (type.equals("msix")) {
                tableBar = (int) number(c.get("table_bar"), p + ".table_bar", 0, 5);
                GpuProfile.BarSpec tb = bars.stream().filter(b -> b.index() == (int) number(c.get("table_bar"), p + ".table_bar", 0, 5)).findFirst()
                        .orElse(null);
                if (tb == null || tb.isIo()) {
                    throw new ProfileException(file, p + ".table_bar", "a declared memory BAR, got " + tableBar);
                }
                tableOff = number(c.get("table_offset"), p + ".table_offset", 0, tb.size() - 16L * vectors);
                pbaOff = number(c.get("pba_offset"), p + ".pba_offset", 0, tb.size() - 8L * ((vectors + 63) / 64));
                if ((tableOff & 7) != 0 || (pbaOff & 7) != 0) {
                    throw new ProfileException(file, p + ".table_offset", "8-byte aligned table and PBA offsets");
                }
                if (pbaOff < tableOff + 16L * vectors && tableOff < pbaOff + 8L * ((vectors + 63) / 64)) {
                    throw new ProfileException(file, p + ".pba_offset", "a PBA that does not overlap the table");
                }
            }
            int vfs = 0;
            int vfOffset = 0;
            int vfStride = 0;
            int vfDevice = 0;
            List<GpuProfile.BarSpec> vfBars = List.of();
            if (type.equals("sriov")) {
                vfs = (int) number(sourced(c, "total_vfs", p + ".total_vfs"), p + ".total_vfs", 0, 255);
                vfOffset = (int) number(sourced(c, "first_vf_offset", p + ".first_vf_offset"), p + ".first_vf_offset", 1, 255);
                vfStride = (int) number(sourced(c, "vf_stride", p + ".vf_stride"), p + ".vf_stride", vfs > 1 ? 1 : 0, 255);
                vfDevice = (int) number(sourced(c, "vf_device_id", p + ".vf_device_id"), p + ".vf_device_id", 0, 0xFFFE);
                if ((long) vfOffset + (long) vfStride * Math.max(0, vfs - 1) > 255) {
                    throw new ProfileException(file, p + ".total_vfs", "VFs whose routing IDs stay on the PF's bus (offset + stride × (TotalVFs − 1) <= 255; "
                            + "the model gives a PF no extra bus numbers), got " + vfOffset + " + " + vfStride + " × " + Math.max(0, vfs - 1));
                }
                vfBars = bars(c.get("vf_bars"), p + ".vf_bars", true);
                for (int k = 0; k < vfBars.size(); k++) {
                    GpuProfile.BarSpec b = vfBars.get(k);
                    if (b.isIo() || GpuProfile.ROLE_MSIX.equals(b.role())) {
                        throw new ProfileException(file, p + ".vf_bars[" + k + "].role", "registers, vram or doorbell (VF BARs are memory BARs, "
                                + "PCIe Base 4.0 §9.3.3.14), got \"" + b.role() + "\"");
                    }
                }
            }
            out.add(new GpuProfile.CapSpec(type, offset, nsr, flr, vectors, tableBar, tableOff, pbaOff, vfs, vfOffset, vfStride, vfDevice, vfBars));
        }
        if (!types.contains("pm") || !types.contains("pcie")) {
            throw new ProfileException(file, path, "a pm and a pcie capability (a passthrough GPU is a PCIe endpoint with power management)");
        }
        return out;
    }

    // ------------------------------------------------------------------ typed leaves

    /** The value of a sourced leaf {@code {"value": V, "source": S}}; an unknown value gives the key's default. */
    private JsonNode sourced(JsonNode parent, String key, String path) {
        JsonNode n = parent.get(key);
        object(n, path, Set.of("value", "source", ASSUMED), Set.of("value", "source"));
        String src = text(n.get("source"), path + ".source");
        if (src.isBlank()) {
            throw new ProfileException(file, path + ".source", "where the value comes from, got an empty string");
        }
        JsonNode v = n.get("value");
        boolean unknown = v.isTextual() && UNKNOWN.equals(v.asText());
        if (n.has(ASSUMED) && !unknown) {
            throw new ProfileException(file, path + "." + ASSUMED, "only with \"value\": \"unknown\" (a published value needs no assumption)");
        }
        if (unknown && n.has(ASSUMED)) {
            JsonNode a = n.get(ASSUMED);
            if (a.isNull() || a.isObject() || (a.isTextual() && UNKNOWN.equals(a.asText()))) {
                throw new ProfileException(file, path + "." + ASSUMED, "the value the model uses in place of the unknown one, got " + kind(a));
            }
            String shown = a.isArray() ? a.toString() : a.asText();
            sources.put(path, "unknown (" + src + "); the profile assumes " + shown);
            defaultsUsed.add(path + " unknown, using the profile's assumption " + shown + " (" + src + ")");
            return a;
        }
        if (unknown) {
            Default d = DEFAULTS.get(key);
            if (d == null) {
                throw new ProfileException(file, path + ".value", "a value (\"unknown\" has no model default for " + key
                        + "; give the value the model should use instead as \"" + ASSUMED + "\")");
            }
            sources.put(path, "unknown (" + src + "); default " + d.value + ": " + d.source);
            defaultsUsed.add(path + " unknown, using " + d.value + " (" + d.source + ")");
            return MAPPER.valueToTree(d.value);
        }
        sources.put(path, src);
        return v;
    }

    /**
     * A BAR or capability entry: exactly {@code keys}, plus an optional {@code "unknown": true} saying
     * that nobody published the entry and its values are the profile's assumption (listed in
     * {@code defaultsUsed} with the entry's source).
     */
    private void entry(JsonNode n, String path, Set<String> keys) {
        Set<String> allowed = new java.util.HashSet<>(keys);
        allowed.add(UNKNOWN);
        object(n, path, allowed, keys);
        source(n, path);
        if (n.has(UNKNOWN)) {
            if (!bool(n.get(UNKNOWN), path + "." + UNKNOWN)) {
                throw new ProfileException(file, path + "." + UNKNOWN, "true or absent (a published entry leaves the key out)");
            }
            defaultsUsed.add(path + " unknown, using the profile's assumed " + describe(n) + " (" + sources.get(path) + ")");
        }
    }

    private static String describe(JsonNode n) {
        StringBuilder b = new StringBuilder();
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!k.equals("source") && !k.equals(UNKNOWN)) {
                JsonNode v = n.get(k);
                b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v.isValueNode() ? v.asText() : v.has("value") ? v.get("value").asText() : v.toString());
            }
        }
        return b.toString();
    }

    private void source(JsonNode obj, String path) {
        String s = text(obj.get("source"), path + ".source");
        if (s.isBlank()) {
            throw new ProfileException(file, path + ".source", "where the values come from, got an empty string");
        }
        sources.put(path, s);
    }

    private void object(JsonNode n, String path, Set<String> allowed, Set<String> required) {
        if (n == null || !n.isObject()) {
            throw new ProfileException(file, path, "an object, got " + kind(n));
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new ProfileException(file, join(path, k), "no such key (known here: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
        for (String k : required.stream().sorted().toList()) {
            if (!n.has(k)) {
                throw new ProfileException(file, join(path, k), "present (missing)");
            }
        }
    }

    private static String join(String path, String k) {
        return path.equals("(document)") ? k : path + "." + k;
    }

    private void array(JsonNode n, String path) {
        if (n == null || !n.isArray()) {
            throw new ProfileException(file, path, "an array, got " + kind(n));
        }
        if (n.size() > 16) {
            throw new ProfileException(file, path, "at most 16 entries, got " + n.size());
        }
    }

    private String text(JsonNode n, String path) {
        if (n == null || !n.isTextual()) {
            throw new ProfileException(file, path, "a string, got " + kind(n));
        }
        String s = n.asText();
        if (s.length() > 400) {
            throw new ProfileException(file, path, "at most 400 characters, got " + s.length());
        }
        return s;
    }

    private boolean bool(JsonNode n, String path) {
        if (n == null || !n.isBoolean()) {
            throw new ProfileException(file, path, "true or false, got " + kind(n));
        }
        return n.asBoolean();
    }

    /** An integer given as a JSON number or a "0x…" / decimal string, inside [min, max]. */
    private long number(JsonNode n, String path, long min, long max) {
        long v;
        if (n != null && n.isIntegralNumber() && n.canConvertToLong()) {
            v = n.asLong();
        } else if (n != null && n.isTextual()) {
            String s = n.asText().trim();
            try {
                v = s.startsWith("0x") || s.startsWith("0X") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new ProfileException(file, path, "an integer (decimal or 0x hex), got \"" + clip(s) + "\"");
            }
        } else {
            throw new ProfileException(file, path, "an integer, got " + kind(n));
        }
        if (v < min || v > max) {
            throw new ProfileException(file, path, "a value in 0x" + Long.toHexString(min) + "..0x" + Long.toHexString(max) + ", got 0x" + Long.toHexString(v));
        }
        return v;
    }

    /** A BAR size: a power of two, "256M", "16K", "4G" or a number of bytes. */
    private long size(JsonNode n, String path, boolean io) {
        long v;
        if (n != null && n.isTextual() && n.asText().matches("[0-9]{1,5}[KMG]")) {
            String s = n.asText();
            long unit = switch (s.charAt(s.length() - 1)) {
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                default -> 1L << 30;
            };
            v = Long.parseLong(s.substring(0, s.length() - 1)) * unit;
        } else {
            v = number(n, path, 1, 1L << 40);
        }
        long min = io ? 4 : 16;
        long max = io ? 256 : 1L << 40;
        if (Long.bitCount(v) != 1 || v < min || v > max) {
            throw new ProfileException(file, path, "a power of two in " + min + ".." + (io ? "256" : "1T") + " bytes (e.g. \"256M\"), got " + v);
        }
        return v;
    }

    /** A duration "100ms", "10us", "2s". */
    private long duration(JsonNode n, String path) {
        String s = text(n, path);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,6})(ns|us|ms|s)").matcher(s);
        if (!m.matches()) {
            throw new ProfileException(file, path, "a duration such as \"100ms\" (ns, us, ms, s), got \"" + clip(s) + "\"");
        }
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ns" -> v * 1_000L;
            case "us" -> v * 1_000_000L;
            case "ms" -> v * 1_000_000_000L;
            default -> v * 1_000_000_000_000L;
        };
    }

    private List<String> names(JsonNode n, String path, List<String> allowed) {
        if (n == null || !n.isArray()) {
            throw new ProfileException(file, path, "an array of names from " + allowed + ", got " + kind(n));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String s = text(n.get(i), path + "[" + i + "]");
            if (!allowed.contains(s) || out.contains(s)) {
                throw new ProfileException(file, path + "[" + i + "]", "one of " + allowed + ", each once, got \"" + clip(s) + "\"");
            }
            out.add(s);
        }
        return out;
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    private static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        if (n.isNull()) {
            return "null";
        }
        if (n.isObject()) {
            return "an object";
        }
        if (n.isArray()) {
            return "an array";
        }
        if (n.isTextual()) {
            return "the string \"" + clip(n.asText()) + "\"";
        }
        return n.getNodeType().name().toLowerCase() + " " + clip(n.toString());
    }
}
