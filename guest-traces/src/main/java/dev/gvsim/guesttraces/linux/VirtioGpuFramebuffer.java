package dev.gvsim.guesttraces.linux;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import dev.gvsim.guesttraces.guest.GuestCpu;
import dev.gvsim.guesttraces.guest.GuestFault;

/**
 * The memory side of {@link VirtioGpuLinuxDriver}'s fbdev dumb buffer: its shmem pages, their
 * vmap and mem_entry list, and the drawing into it (B8G8R8X8, {@code width * 4} bytes a line).
 */
final class VirtioGpuFramebuffer {
    private final GuestCpu cpu;
    private final long vaFb;
    private final long fbPa;
    private final int width;
    private final int height;

    VirtioGpuFramebuffer(GuestCpu cpu, long vaFb, long fbPa, int width, int height) {
        this.cpu = cpu;
        this.vaFb = vaFb;
        this.fbPa = fbPa;
        this.width = width;
        this.height = height;
    }

    /** Seed of the page shuffle: the shmem pages' physical order is fixed for a given run. */
    static final long PAGE_SEED = 0x6_1L;

    /**
     * The dumb buffer's shmem pages and virtio_gpu_object_shmem_init: page i of the buffer is a
     * physical page of the framebuffer area in a deterministic shuffled order (shmem pages are not
     * contiguous); the fbdev vmap maps them at {@code vaFb} (one map per physically contiguous
     * run); the mem_entry array holds one entry per run, as drm_gem_shmem_get_pages_sgt's
     * sg_alloc_table_from_pages merges them (3 stores each: addr, length, padding). Returns the
     * number of entries.
     */
    int shmemInit(long size, long ents) throws GuestFault {
        int n = (int) (size / 0x1000);
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        long x = PAGE_SEED;
        for (int i = n - 1; i > 0; i--) { // Fisher-Yates over a 64-bit LCG (Knuth MMIX)
            x = x * 6364136223846793005L + 1442695040888963407L;
            int j = (int) ((x >>> 33) % (i + 1));
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int k = 0;
        for (int i = 0; i < n;) {
            int run = 1;
            while (i + run < n && perm[i + run] == perm[i] + run) {
                run++;
            }
            long pa = fbPa + perm[i] * 0x1000L;
            long len = run * 0x1000L;
            cpu.map(vaFb + i * 0x1000L, pa, len, "normal-wb", "fbdev dumb buffer vmap (shmem pages)");
            long e = ents + (long) k * MEM_ENTRY_SIZE;
            cpu.write(e + MEM_ENTRY_ADDR, 8, pa, 0, "virtio_gpu_object_shmem_init");
            cpu.write(e + MEM_ENTRY_LENGTH, 4, len, 0, "virtio_gpu_object_shmem_init");
            cpu.write(e + MEM_ENTRY_LENGTH + 4, 4, 0, 0, "virtio_gpu_object_shmem_init");
            k++;
            i += run;
        }
        return k;
    }

    /**
     * A filled rectangle in the framebuffer: 8-byte stores, two B8G8R8X8 pixels each; clipped to
     * the buffer and to even x and width. Returns the rectangle drawn {x, y, w, h} (the damage).
     */
    int[] fill(int x, int y, int w, int h, int rgb) throws GuestFault {
        x = Math.max(0, Math.min(x, width - 1)) & ~1;
        y = Math.max(0, Math.min(y, height - 1));
        w = Math.min(w, width - x) & ~1;
        h = Math.min(h, height - y);
        long two = (rgb & 0xFFFFFFL) | ((rgb & 0xFFFFFFL) << 32);
        for (int row = 0; row < h; row++) {
            long line = vaFb + (y + row) * width * 4L + x * 4L;
            for (int col = 0; col < w; col += 2) {
                cpu.write(line + col * 4L, 8, two, 0, "fb_fillrect");
            }
        }
        return new int[] {x, y, Math.max(0, w), Math.max(0, h)};
    }
}
