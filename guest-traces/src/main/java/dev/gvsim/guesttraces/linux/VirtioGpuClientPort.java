package dev.gvsim.guesttraces.linux;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import dev.gvsim.guesttraces.guest.GuestFault;

/**
 * The DRM client path into a {@link VirtioGpuLinuxDriver} (virtgpu_ioctl.c): a userspace driver's
 * ioctl becomes one control-queue command built in the driver's command slots (virtgpu_vq.c), sent,
 * notified and waited for. Used by the VA-API model ({@link VaapiVideoClient}): CONTEXT_INIT →
 * CTX_CREATE, RESOURCE_CREATE_BLOB, CTX_ATTACH_RESOURCE, EXECBUFFER → SUBMIT_3D, RESOURCE_FLUSH.
 */
public final class VirtioGpuClientPort {
    private final VirtioGpuLinuxDriver drv;

    public VirtioGpuClientPort(VirtioGpuLinuxDriver drv) {
        this.drv = drv;
    }

    public VirtioGpuLinuxDriver driver() {
        return drv;
    }

    /**
     * One command: the request's words after the 24-byte header (its ctx_id, and FLAG_FENCE with the
     * next fence id when {@code fence}), an optional data segment at {@code dataPa}, then notify and
     * wait for the completion; returns the response type (0 if none came).
     */
    public int command(int type, int ctxId, boolean fence, int[] words, long dataPa, long dataLen, String sym) throws GuestFault {
        return command(type, ctxId, fence, words, dataPa, dataLen, HDR_SIZE, sym);
    }

    /** The kernel VA of the last command's response (its slot's response area), valid until the next command. */
    public long responseVa() {
        return lastCmdVa + VirtioGpuLinuxDriver.SLOT_RESP;
    }

    private long lastCmdVa;

    /** As {@link #command(int, int, boolean, int[], long, long, String)} with a response of {@code respSize} bytes (at most 2 KiB). */
    public int command(int type, int ctxId, boolean fence, int[] words, long dataPa, long dataLen, int respSize, String sym) throws GuestFault {
        if (respSize > VirtioGpuLinuxDriver.SLOT - VirtioGpuLinuxDriver.SLOT_RESP) {
            throw new IllegalArgumentException("a response of " + respSize + " bytes does not fit the command slot");
        }
        int size = HDR_SIZE + 4 * words.length;
        long c = drv.command(type, size, respSize);
        lastCmdVa = c;
        if (ctxId != 0) {
            drv.put(c + HDR_CTX_ID, 4, ctxId, 0, sym);
        }
        if (fence) {
            drv.put(c + HDR_FLAGS, 4, FLAG_FENCE, 0, sym);
            drv.put(c + HDR_FENCE_ID, 8, ++drv.fenceIds, 0, sym);
        }
        for (int i = 0; i < words.length; i++) {
            drv.put(c + HDR_SIZE + 4L * i, 4, words[i] & 0xFFFF_FFFFL, 0, sym);
        }
        drv.queue(c, size, dataPa, dataLen, respSize);
        drv.lastResponse = 0;
        drv.submit(sym);
        return drv.lastResponse;
    }

    /** Notifies the driver made (a virtqueue_kick that notified) so far. */
    public long notifies() {
        return drv.kicks;
    }

    /** Interrupts the driver took so far. */
    public long interrupts() {
        return drv.irqs;
    }

    /** The kernel's linear-map address of guest physical {@code pa}. */
    public long linearVa(long pa) {
        return drv.linearVa(pa);
    }
}
