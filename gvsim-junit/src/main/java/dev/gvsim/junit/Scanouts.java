package dev.gvsim.junit;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import dev.gvsim.pciefabric.PciFunction;
import dev.gvsim.pciefabric.Scanout;

/** What each display device shows at the end of a run (its first active 32-bit output), as PNG bytes by caption, for the report. */
final class Scanouts {
    private Scanouts() {
    }

    static Map<String, byte[]> pngs(List<PciFunction> devices) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (PciFunction f : devices) {
            for (Scanout s : f.scanouts()) {
                if (s.active() && s.bitsPerPixel() == 32 && s.width() > 0 && s.height() > 0) {
                    out.put(f.id() + " " + s.name() + " (" + s.width() + "x" + s.height() + ")", png(s));
                    break;
                }
            }
        }
        return out;
    }

    static byte[] png(Scanout s) {
        BufferedImage img = new BufferedImage(s.width(), s.height(), BufferedImage.TYPE_INT_RGB);
        int[] row = new int[s.width()];
        for (int y = 0; y < s.height(); y++) {
            s.readRow(y, row);
            img.setRGB(0, y, s.width(), 1, row, 0, s.width());
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }
}
