package dev.gvsim.simcli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.Scanout;

/**
 * {@code --dump-scanout DIR}: writes, for every device with display outputs, the one it currently
 * shows (its first active {@link Scanout}: QXL's primary surface before the VBE framebuffer) as
 * {@code <id>-scanout.png}. A device with several heads (virtio-gpu's {@code scanout<k>} outputs, with
 * {@code max_outputs} > 1) also gets each further active 32-bit head as {@code <id>-scanout<k>.png}
 * (QXL's views, primary and VBE, are alternatives, not heads: only the first is written).
 */
final class ScanoutDump {
    private ScanoutDump() {
    }

    /** Writes the PNGs; returns one line per device that had nothing to write, saying why. */
    static List<String> dump(List<PciFunction> devices, Path dir) throws IOException {
        List<String> skipped = new ArrayList<>();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                    : e instanceof java.nio.file.FileAlreadyExistsException ? "a file of that name exists" : e.getClass().getSimpleName();
            throw new IOException("--dump-scanout " + dir + ": cannot create the directory: " + why + " (" + e.getMessage() + ")", e);
        }
        for (PciFunction f : devices) {
            if (f.scanouts().isEmpty()) {
                continue;
            }
            Scanout s = f.scanouts().stream().filter(Scanout::active).findFirst().orElse(null);
            if (s == null) {
                skipped.add(f.id() + " has no active scanout; nothing dumped");
            } else if (s.bitsPerPixel() != 32 || s.width() <= 0 || s.height() <= 0) {
                skipped.add(f.id() + " " + s.name() + " is " + s.width() + "x" + s.height() + "x" + s.bitsPerPixel()
                        + "; only 32-bit outputs are dumped");
            } else {
                write(s, dir.resolve(fileName(f)));
                for (Scanout o : f.scanouts()) {
                    if (o != s && o.active() && o.name().matches("scanout[0-9]+") && o.bitsPerPixel() == 32 && o.width() > 0 && o.height() > 0) {
                        write(o, dir.resolve(fileName(f).replace("-scanout.png", "-" + o.name() + ".png")));
                    }
                }
            }
        }
        return skipped;
    }

    /** {@code <id>-scanout.png}, the id's characters outside [A-Za-z0-9_.-] replaced by '_'. */
    static String fileName(PciFunction f) {
        return f.id().replaceAll("[^A-Za-z0-9_.-]", "_") + "-scanout.png";
    }

    private static void write(Scanout s, Path out) throws IOException {
        Files.write(out, png(s));
    }

    /**
     * What each display device shows, as PNG bytes by caption ({@code <id> <output>}), in device order;
     * the same choice of outputs as {@link #dump} (for the HTML report).
     */
    static java.util.Map<String, byte[]> pngs(List<PciFunction> devices) throws IOException {
        java.util.Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        for (PciFunction f : devices) {
            Scanout s = f.scanouts().stream().filter(Scanout::active).findFirst().orElse(null);
            if (s == null || s.bitsPerPixel() != 32 || s.width() <= 0 || s.height() <= 0) {
                continue;
            }
            out.put(f.id() + " " + s.name() + " (" + s.width() + "x" + s.height() + ")", png(s));
            for (Scanout o : f.scanouts()) {
                if (o != s && o.active() && o.name().matches("scanout[0-9]+") && o.bitsPerPixel() == 32 && o.width() > 0 && o.height() > 0) {
                    out.put(f.id() + " " + o.name() + " (" + o.width() + "x" + o.height() + ")", png(o));
                }
            }
        }
        return out;
    }

    private static byte[] png(Scanout s) throws IOException {
        int w = s.width();
        int h = s.height();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] line = new int[w];
        for (int y = 0; y < h; y++) {
            s.readRow(y, line);
            img.setRGB(0, y, w, 1, line, 0, w);
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", bytes)) {
            throw new IOException("no PNG writer available");
        }
        return bytes.toByteArray();
    }
}
