package dev.gvsim.guesttraces.importers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.gvsim.simcore.InputException;

/**
 * The screen updates a real recording shows: what QEMU 7.2's virtio-gpu ran, from a QEMU log
 * ({@code -trace 'virtio_gpu_cmd_*'}; hw/display/trace-events). The log has no guest RAM, so the
 * rings and pixels cannot be replayed, but each command line names its resource and rectangle:
 * {@code virtio_gpu_cmd_res_create_2d res 0x%x, fmt 0x%x, w %d, h %d},
 * {@code virtio_gpu_cmd_set_scanout id %d, res 0x%x, w %d, h %d, x %d, y %d},
 * {@code virtio_gpu_cmd_res_xfer_toh_2d res 0x%x} and
 * {@code virtio_gpu_cmd_res_flush res 0x%x, w %d, h %d, x %d, y %d}. The transfer's rectangle is not
 * logged; Linux 6.1's plane update sends TRANSFER_TO_HOST_2D and RESOURCE_FLUSH for the same damage
 * rectangle (drivers/gpu/drm/virtio/virtgpu_plane.c {@code virtio_gpu_primary_plane_update}:
 * {@code virtio_gpu_update_dumb_bo(vgdev, plane->state, &rect)} then
 * {@code virtio_gpu_resource_flush(plane, rect.x1, rect.y1, ...)}), so a driver model replaying the
 * flushes as TRANSFER + FLUSH of their rectangles sends the commands the guest sent, at the logged
 * times, with its own pixels.
 */
public final class VirtioGpuLogDamage {
    /** A RESOURCE_FLUSH: when (µs after the log's first command line), which resource, which rectangle. */
    public record Flush(long timeUs, int resource, int x, int y, int width, int height) {
    }

    /** A RESOURCE_CREATE_2D. */
    public record Resource(int id, int format, int width, int height) {
    }

    public final String source;
    public final List<Resource> resources;
    public final List<Flush> flushes;
    public final int transfers;
    /** The resource scanout 0 showed last (0 if none). */
    public final int scanout0Resource;

    private VirtioGpuLogDamage(String source, List<Resource> resources, List<Flush> flushes, int transfers, int scanout0Resource) {
        this.source = source;
        this.resources = Collections.unmodifiableList(resources);
        this.flushes = Collections.unmodifiableList(flushes);
        this.transfers = transfers;
        this.scanout0Resource = scanout0Resource;
    }

    /** The resource scanout 0 shows (the framebuffer the flushes are for), or null. */
    public Resource framebuffer() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            if (resources.get(i).id == scanout0Resource) {
                return resources.get(i);
            }
        }
        return null;
    }

    public static VirtioGpuLogDamage read(Path file) throws IOException, InputException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads a QEMU log (plain, xz or gzip). A log with no {@code virtio_gpu_cmd_res_flush} line is an error. */
    public static VirtioGpuLogDamage read(InputStream raw, String source) throws IOException, InputException {
        List<Resource> resources = new ArrayList<>();
        List<Flush> flushes = new ArrayList<>();
        int transfers = 0;
        int scanout0 = 0;
        long firstUs = Long.MIN_VALUE;
        QemuLogLine tok = new QemuLogLine();
        try (BufferedReader r = new BufferedReader(Importers.reader(raw))) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                int at = tok.prefix(line);
                if (at < 0 || !line.startsWith("virtio_gpu_cmd_", at)) {
                    continue;
                }
                int e = QemuLogLine.nameEnd(line, at);
                String name = line.substring(at, e);
                if (tok.hasTs && firstUs == Long.MIN_VALUE) {
                    firstUs = tok.tsUs;
                }
                long t = tok.hasTs ? tok.tsUs - firstUs : 0;
                String args = line.substring(e).trim();
                switch (name) {
                    case "virtio_gpu_cmd_res_create_2d" -> {
                        long[] v = fields(args, new String[] {"res", "fmt", "w", "h"}, source, lineNo, name);
                        resources.add(new Resource((int) v[0], (int) v[1], (int) v[2], (int) v[3]));
                    }
                    case "virtio_gpu_cmd_set_scanout" -> {
                        long[] v = fields(args, new String[] {"id", "res", "w", "h", "x", "y"}, source, lineNo, name);
                        if (v[0] == 0) {
                            scanout0 = (int) v[1];
                        }
                    }
                    case "virtio_gpu_cmd_res_xfer_toh_2d" -> transfers++;
                    case "virtio_gpu_cmd_res_flush" -> {
                        long[] v = fields(args, new String[] {"res", "w", "h", "x", "y"}, source, lineNo, name);
                        flushes.add(new Flush(t, (int) v[0], (int) v[3], (int) v[4], (int) v[1], (int) v[2]));
                    }
                    default -> {
                    }
                }
            }
        }
        if (flushes.isEmpty()) {
            throw new InputException(source + ": no virtio_gpu_cmd_res_flush line: expected a QEMU log recorded with -trace "
                    + "'virtio_gpu_cmd_*' (or -trace virtio_gpu_cmd_res_flush and virtio_gpu_cmd_res_create_2d) of a guest that drew");
        }
        return new VirtioGpuLogDamage(source, resources, flushes, transfers, scanout0);
    }

    /** The values of {@code key value, key value, ...} in that order (hex with 0x, else decimal, 0..2^31-1). */
    private static long[] fields(String args, String[] keys, String source, int lineNo, String name) throws InputException {
        String[] parts = args.split(",");
        long[] v = new long[keys.length];
        String expected = String.join(" N, ", keys) + " N";
        if (parts.length != keys.length) {
            throw new InputException(source + " line " + lineNo + ": " + name + ": expected '" + expected + "', got '"
                    + QemuLogLine.shorten(args) + "'");
        }
        for (int i = 0; i < keys.length; i++) {
            String p = parts[i].trim();
            int sp = p.indexOf(' ');
            if (sp < 0 || !p.substring(0, sp).equals(keys[i])) {
                throw new InputException(source + " line " + lineNo + ": " + name + ": expected '" + expected + "', got '"
                        + QemuLogLine.shorten(args) + "'");
            }
            String num = p.substring(sp + 1).trim();
            try {
                long x = num.startsWith("0x") ? Long.parseLong(num.substring(2), 16) : Long.parseLong(num);
                if (x < 0 || x > Integer.MAX_VALUE) {
                    throw new NumberFormatException();
                }
                v[i] = x;
            } catch (NumberFormatException ex) {
                throw new InputException(source + " line " + lineNo + ": " + name + ": " + keys[i] + " is not a number from 0 to "
                        + Integer.MAX_VALUE + ": '" + QemuLogLine.shorten(num) + "'");
            }
        }
        return v;
    }
}
