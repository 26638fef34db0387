package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzz targets (Jazzer's JUnit integration, docs/fuzzing.md) for virtio-gpu-pci's
 * ring and command parsing, over {@link HostileGuest} (a guest RAM whose every device write is checked
 * by an oracle independent of the device). Under {@code mvn verify} they replay the inputs committed
 * under src/test/resources/dev/gvsim/virtiogpudevice/VirtioGpuJazzerTestInputs/METHOD/ (seeds and any
 * crash found); {@code JAZZER_FUZZ=1 mvn -B -o -pl virtio-gpu-device -am test
 * -Dsurefire.failIfNoSpecifiedTests=false -Dtest=VirtioGpuJazzerTest#METHOD} fuzzes one target.
 *
 * <p>Contract: no throwable; the pass ends; the device writes only the used ring and device-writable
 * buffers; a queue error is one of QEMU 7.2's virtio_error texts with DEVICE_NEEDS_RESET in the
 * status, no error leaves the status at 0x0f; every popped chain is returned except those QEMU
 * leaves in flight (a request shorter than its header); and a reset always heals: a
 * GET_DISPLAY_INFO after it is answered OK_DISPLAY_INFO.
 */
class VirtioGpuJazzerTest {
    /** The window of guest RAM the fuzzer's bytes cover (rings at its start, buffers and tables after them). */
    static final int WINDOW = 0x10000;

    /**
     * Arbitrary guest RAM contents + a notify. Byte 0: bit 0 EVENT_IDX, bit 1 INDIRECT_DESC, bit 2
     * address fixups (a descriptor address without bit 63 is folded into the window, a length without
     * bit 31 into 0..8191, in the descriptor table and the indirect tables it names, so that most
     * chains reach the command layer), bit 3 Bus Master off for a first notify. Byte 1: queue size
     * 2^(b % 7). The rest: guest RAM from the descriptor table on (desc at +0, avail at +0x400, used
     * at +0x600).
     */
    @FuzzTest(maxExecutions = 1_000_000, maxDuration = "30m")
    void ringsAndCommands(byte[] data) {
        int ctl = data.length > 0 ? data[0] : 0;
        int size = 1 << ((data.length > 1 ? data[1] & 0xFF : 6) % 7);
        long features = ((ctl & 1) != 0 ? 1L << F_EVENT_IDX : 0) | ((ctl & 2) != 0 ? 1L << F_INDIRECT_DESC : 0);
        HostileGuest g = new HostileGuest(features, size);
        int n = Math.min(Math.max(0, data.length - 2), WINDOW);
        for (int i = 0; i < n; i++) {
            g.ram.write(i, 1, data[2 + i] & 0xFF);
        }
        if ((ctl & 4) != 0) {
            for (int i = 0; i < size; i++) {
                long dsc = HostileGuest.DESC + (long) DESC_SIZE * i;
                fix(g, dsc);
                int flags = (int) g.raw.read(dsc + DESC_FLAGS, 2);
                long addr = g.raw.read(dsc + DESC_ADDR, 8);
                long len = g.raw.read(dsc + DESC_LEN, 4);
                if ((flags & VIRTQ_DESC_F_INDIRECT) != 0 && g.raw.reachable(addr, len) && addr + len <= HostileGuest.BASE + WINDOW) {
                    for (long k = 0; k < Math.min(len / DESC_SIZE, 64); k++) {
                        fix(g, addr + DESC_SIZE * k);
                    }
                }
            }
        }
        if ((ctl & 8) != 0) {
            g.d.configWrite(0x04, 2, 0x2);
            g.notifyAndRun();
            g.d.configWrite(0x04, 2, 0x6);
            if (g.d.chains[0] != 0) {
                throw new IllegalStateException("a chain was popped with Bus Master off");
            }
            g.wr(COMMON_STATUS, 1, 0xf); // clearing Bus Master cleared DRIVER_OK (virtio_write_config)
        }
        g.notifyAndRun();
        checkPass(g);
        g.readScanouts();
        int t = g.resetAndAskDisplayInfo(features);
        if (t != RESP_OK_DISPLAY_INFO || g.status() != 0xf || g.violation != null) {
            throw new IllegalStateException("a reset did not heal the device: response 0x" + Integer.toHexString(t) + ", status 0x"
                    + Long.toHexString(g.status()) + ", " + g.violation + ", queue errors " + g.d.queueErrors);
        }
    }

    /**
     * One well-formed chain carrying arbitrary command bytes: bytes 0-1 the response buffer length
     * (0..65535; 0 = no writable segment), byte 2 how many readable segments the request is split
     * into (1..8), the rest the request (the control header and body). A request of at least the
     * header's 24 bytes must be answered with a defined response code that fits the buffer.
     */
    @FuzzTest(maxExecutions = 1_000_000, maxDuration = "30m")
    void command(byte[] data) {
        int respLen = data.length > 1 ? (data[0] & 0xFF) | (data[1] & 0xFF) << 8 : 64;
        int splits = 1 + (data.length > 2 ? (data[2] & 0xFF) % 8 : 0);
        int reqLen = Math.max(0, data.length - 3);
        HostileGuest g = new HostileGuest(1L << F_INDIRECT_DESC, 64);
        long req = HostileGuest.BUFFERS;
        long resp = HostileGuest.BUFFERS + 0x20000;
        for (int i = 0; i < reqLen; i++) {
            g.ram.write(req - HostileGuest.BASE + i, 1, data[3 + i] & 0xFF);
        }
        int seg = 0;
        if (reqLen == 0) {
            g.desc(HostileGuest.DESC, seg++, req, 1, VIRTQ_DESC_F_NEXT, 1); // a 1-byte request (zero-sized buffers are a queue error)
        } else {
            int per = Math.max(1, (reqLen + splits - 1) / splits);
            for (int off = 0; off < reqLen; off += per) {
                g.desc(HostileGuest.DESC, seg, req + off, Math.min(per, reqLen - off), VIRTQ_DESC_F_NEXT, seg + 1);
                seg++;
            }
        }
        if (respLen > 0) {
            g.desc(HostileGuest.DESC, seg, resp, respLen, VIRTQ_DESC_F_WRITE, 0);
        } else {
            // the last readable segment ends the chain
            g.raw.write(HostileGuest.DESC + (long) DESC_SIZE * (seg - 1) + DESC_FLAGS, 2, 0);
        }
        g.offer(0);
        g.notifyAndRun();
        checkPass(g);
        if (g.queueError()) {
            throw new IllegalStateException("a well-formed chain broke the queue: " + g.d.queueErrors);
        }
        if (Math.max(reqLen, 1) >= HDR_SIZE) {
            if (g.usedIdx() != 1 || g.usedId(0) != 0) {
                throw new IllegalStateException("a request with a full header was not answered");
            }
            long used = g.usedLen(0);
            if (used > respLen) {
                throw new IllegalStateException("used.len " + used + " > the writable " + respLen + " bytes");
            }
            if (used >= 4 && !HostileGuest.RESPONSES.contains((int) g.raw.read(resp, 4))) {
                throw new IllegalStateException("undefined response type 0x" + Long.toHexString(g.raw.read(resp, 4)));
            }
        }
    }

    /**
     * A sequence of commands on one device (so that resources created and backed by earlier commands
     * meet later ones), each a well-formed chain checked as {@link CommandPropertiesTest} checks it.
     * Per command: byte 0 the response layout (low 2 bits: 0..3 writable segments; the rest selects
     * their lengths), byte 1 the readable splits (1..4), byte 2 the request length (24 + b, or b when
     * bit 7 is set: a short request), then the request's type, flags and body words (little-endian,
     * 4 bytes each, as many as the length needs; missing bytes are 0). At most 24 commands.
     */
    @FuzzTest(maxExecutions = 1_000_000, maxDuration = "30m")
    void commandSequence(byte[] data) {
        HostileGuest g = new HostileGuest(1L << F_INDIRECT_DESC, 64);
        int p = 0;
        int[] lens = {24, 408, 1056, 2048, 7, 100, 4096, 40};
        for (int k = 0; k < 24 && p + 3 <= data.length; k++) {
            int layout = data[p] & 0xFF;
            int splits = 1 + (data[p + 1] & 0xFF) % 4;
            int l = data[p + 2] & 0xFF;
            int reqLen = (l & 0x80) != 0 ? 1 + (l & 0x1F) : HDR_SIZE + l;
            p += 3;
            int words = Math.max(2, (reqLen + 3) / 4 - 4);
            int[] w = new int[words];
            for (int i = 0; i < words && p < data.length; i++) {
                int v = 0;
                for (int b = 0; b < 4 && p < data.length; b++) {
                    v |= (data[p++] & 0xFF) << 8 * b;
                }
                w[i] = v;
            }
            java.util.List<Integer> body = new java.util.ArrayList<>();
            for (int i = 2; i < words; i++) {
                body.add(w[i]);
            }
            java.util.List<Integer> resp = new java.util.ArrayList<>();
            for (int i = 0; i < (layout & 3); i++) {
                resp.add(lens[(layout >>> (2 + i)) & 7]);
            }
            CommandPropertiesTest.check(g, new CommandPropertiesTest.Cmd(w[0], w[1], body, reqLen, splits, resp), k);
        }
        if (g.resetAndAskDisplayInfo(1L << F_INDIRECT_DESC) != RESP_OK_DISPLAY_INFO) {
            throw new IllegalStateException("a reset did not heal the device");
        }
    }

    private static void fix(HostileGuest g, long dsc) {
        long addr = g.raw.read(dsc + DESC_ADDR, 8);
        if (addr >= 0) {
            g.raw.write(dsc + DESC_ADDR, 8, HostileGuest.BASE + (addr & (WINDOW - 1)));
        }
        long len = g.raw.read(dsc + DESC_LEN, 4);
        if ((len & 0x8000_0000L) == 0) {
            g.raw.write(dsc + DESC_LEN, 4, len & 0x1FFF);
        }
    }

    static void checkPass(HostileGuest g) {
        if (g.violation != null) {
            throw new IllegalStateException(g.violation);
        }
        long status = g.status();
        if (g.queueError()) {
            if ((status & S_NEEDS_RESET) == 0) {
                throw new IllegalStateException("a queue error without DEVICE_NEEDS_RESET: status 0x" + Long.toHexString(status));
            }
            String unknown = g.unknownQueueError();
            if (unknown != null) {
                throw new IllegalStateException("not a QEMU virtio_error: " + unknown);
            }
        } else if (status != 0xf) {
            throw new IllegalStateException("no queue error but status 0x" + Long.toHexString(status));
        }
        long returned = g.d.chains[0] - g.d.control.shortRequests;
        if (g.d.vqs[0].usedIdx() != (int) (returned & 0xFFFF) && !g.queueError()) {
            throw new IllegalStateException("used.idx " + g.d.vqs[0].usedIdx() + " but " + returned + " chains answered");
        }
    }
}
