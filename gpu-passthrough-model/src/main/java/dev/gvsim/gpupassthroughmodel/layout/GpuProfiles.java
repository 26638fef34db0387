package dev.gvsim.gpupassthroughmodel.layout;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bundled GPU profiles ({@code src/main/resources/dev/gvsim/gpupassthroughmodel/profiles/NAME.json},
 * listed in {@link #BUNDLED}), each parsed once. A profile that is not bundled can be given as a path
 * ({@code profile=path/to/card.json}) and is read with the same parser.
 */
public final class GpuProfiles {
    /** The bundled profiles, by name (the file is NAME.json). */
    public static final List<String> BUNDLED = List.of("amd-rx580", "nvidia-t4", "jingjia-jm7201", "mtt-s80", "amd-s7150");
    private static final String DIR = "/dev/gvsim/gpupassthroughmodel/profiles/";
    private static final Map<String, GpuProfile> CACHE = new ConcurrentHashMap<>();

    private GpuProfiles() {
    }

    /** Every bundled profile, in {@link #BUNDLED} order. */
    public static List<GpuProfile> all() {
        List<GpuProfile> out = new ArrayList<>();
        for (String n : BUNDLED) {
            out.add(get(n));
        }
        return out;
    }

    /**
     * A bundled profile by name, or a profile file by path (a name with '/' or ending in .json).
     * {@link ProfileException} for a broken file; {@link IllegalArgumentException} naming the bundled
     * profiles for an unknown name.
     */
    public static GpuProfile get(String nameOrPath) {
        if (nameOrPath.contains("/") || nameOrPath.endsWith(".json")) {
            java.nio.file.Path p = java.nio.file.Path.of(nameOrPath);
            try (InputStream in = java.nio.file.Files.newInputStream(p)) {
                return ProfileParser.parse(p.getFileName().toString(), in);
            } catch (IOException e) {
                throw new IllegalArgumentException("profile file " + nameOrPath + ": cannot be read (" + e.getClass().getSimpleName() + ")");
            }
        }
        if (!BUNDLED.contains(nameOrPath)) {
            throw new IllegalArgumentException("no GPU profile '" + nameOrPath + "' (bundled: " + String.join(", ", BUNDLED)
                    + "; or a path to a .json profile file)");
        }
        return CACHE.computeIfAbsent(nameOrPath, GpuProfiles::readBundled);
    }

    private static GpuProfile readBundled(String name) {
        String file = name + ".json";
        try (InputStream in = GpuProfiles.class.getResourceAsStream(DIR + file)) {
            if (in == null) {
                throw new IllegalStateException("bundled profile " + file + " missing from the class path");
            }
            GpuProfile p = ProfileParser.parse(file, in);
            if (!p.name().equals(name)) {
                throw new ProfileException(file, "name", "\"" + name + "\" (the file's base name), got \"" + p.name() + "\"");
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
