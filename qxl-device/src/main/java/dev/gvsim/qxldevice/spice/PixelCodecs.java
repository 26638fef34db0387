package dev.gvsim.qxldevice.spice;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Iterator;
import java.util.zip.Deflater;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The encoders whose output sizes are the bytes on the wire: a lossless LZ-family codec
 * ({@link java.util.zip.Deflater}, standing for spice-server's LZ_RGB/GLZ_RGB, on the 3 colour
 * bytes of each pixel as LZ_RGB32 sends them) and a lossy photographic one (baseline JPEG through
 * javax.imageio, as spice-server's JPEG and MJPEG paths). Only the compressed sizes are kept.
 * One instance per algorithm, not thread-safe; the lossless path reuses its buffers (no
 * allocation once the largest image was seen), the JPEG path allocates inside javax.imageio.
 */
public final class PixelCodecs {
    private final Deflater deflater;
    private byte[] raw = new byte[3 * 4096];
    private final byte[] out = new byte[64 * 1024];
    private BufferedImage image;
    private final ImageWriter jpegWriter;
    private final ImageWriteParam jpegParam;
    private final CountingStream counter = new CountingStream();

    public PixelCodecs(int lzLevel) {
        deflater = new Deflater(lzLevel);
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        if (!it.hasNext()) {
            throw new IllegalStateException("no JPEG ImageWriter in this JDK (javax.imageio)");
        }
        jpegWriter = it.next();
        jpegParam = jpegWriter.getDefaultWriteParam();
        jpegParam.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    }

    /** Compressed size of {@code n} pixels of {@code px} under the lossless codec (0 for none). */
    public int lossless(int[] px, int n) {
        if (n <= 0) {
            return 0;
        }
        int len = n * 3;
        if (raw.length < len) {
            raw = new byte[len];
        }
        for (int i = 0, o = 0; i < n; i++, o += 3) {
            int p = px[i];
            raw[o] = (byte) p;
            raw[o + 1] = (byte) (p >> 8);
            raw[o + 2] = (byte) (p >> 16);
        }
        deflater.reset();
        deflater.setInput(raw, 0, len);
        deflater.finish();
        int total = 0;
        while (!deflater.finished()) {
            total += deflater.deflate(out);
        }
        return total;
    }

    /** Size of the {@code w x h} pixels of {@code px} as a baseline JPEG of {@code quality} (1..100). */
    public int jpeg(int[] px, int w, int h, int quality) {
        if (w <= 0 || h <= 0) {
            return 0;
        }
        if (image == null || image.getWidth() != w || image.getHeight() != h) {
            image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        }
        int[] dst = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        System.arraycopy(px, 0, dst, 0, w * h);
        jpegParam.setCompressionQuality(quality / 100f);
        counter.count = 0;
        try (ImageOutputStream ios = new MemoryCacheImageOutputStream(counter)) {
            jpegWriter.setOutput(ios);
            jpegWriter.write(null, new IIOImage(image, null, null), jpegParam);
            ios.flush();
        } catch (IOException e) {
            throw new IllegalStateException("JPEG encoder failed on a " + w + "x" + h + " image: " + e.getMessage(), e);
        } finally {
            jpegWriter.setOutput(null);
        }
        return (int) counter.count;
    }

    public void close() {
        deflater.end();
        jpegWriter.dispose();
    }

    /** Counts the bytes written to it and keeps none. */
    private static final class CountingStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
