package dev.gvsim.virtiogpudevice;

import static dev.gvsim.virtiogpudevice.layout.VirtioGpuLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * jqwik properties of the control command layer (docs/fuzzing.md), over {@link HostileGuest}: every
 * command type of enum virtio_gpu_ctrl_type (and codes that are none), with request fields drawn from
 * small ids, edge values and anything, at any request length and split, and any response buffer
 * layout, never throws, never breaks the queue (the chains are well formed), is answered with a
 * defined response code when the header is complete (left in flight otherwise, as QEMU does), with
 * used.len at most the writable bytes, and the device never writes outside the writable segments and
 * the used ring (the oracle of {@link HostileGuest}). Sequences of commands share one device, so
 * resources created, backed, scanned out and unreferenced by earlier commands meet later ones.
 */
class CommandPropertiesTest {
    static final List<Integer> TYPES = List.of(CMD_GET_DISPLAY_INFO, CMD_RESOURCE_CREATE_2D, CMD_RESOURCE_UNREF, CMD_SET_SCANOUT,
            CMD_RESOURCE_FLUSH, CMD_TRANSFER_TO_HOST_2D, CMD_RESOURCE_ATTACH_BACKING, CMD_RESOURCE_DETACH_BACKING, CMD_GET_CAPSET_INFO,
            CMD_GET_CAPSET, CMD_GET_EDID, CMD_RESOURCE_ASSIGN_UUID, CMD_RESOURCE_CREATE_BLOB, CMD_SET_SCANOUT_BLOB, CMD_CTX_CREATE,
            CMD_CTX_DESTROY, CMD_CTX_ATTACH_RESOURCE, CMD_CTX_DETACH_RESOURCE, CMD_RESOURCE_CREATE_3D, CMD_TRANSFER_TO_HOST_3D,
            CMD_TRANSFER_FROM_HOST_3D, CMD_SUBMIT_3D, CMD_RESOURCE_MAP_BLOB, CMD_RESOURCE_UNMAP_BLOB, CMD_UPDATE_CURSOR, CMD_MOVE_CURSOR);

    /** One command: type, flags, body words, request length, readable splits, writable segment lengths. */
    record Cmd(int type, int flags, List<Integer> body, int reqLen, int splits, List<Integer> resp) {
    }

    @Provide
    Arbitrary<Integer> field() {
        // ids collide (0..3), sizes and offsets at their edges, guest addresses in and out of RAM, or anything
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(0, 3)),
                net.jqwik.api.Tuple.of(3, Arbitraries.of(1, 2, 4, 16, 64, 67, 128, 256, 1280, 800, 4096, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
                        0xFFFF_FFF0, 0xFFFF_0000, 1 << 20, 0x4000_0000, 0x4001_0000, 0x4010_0000)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 4096)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
    }

    @Provide
    Arbitrary<Cmd> command() {
        Arbitrary<Integer> type = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, Arbitraries.of(TYPES)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
        Arbitrary<Integer> flags = Arbitraries.of(0, FLAG_FENCE, FLAG_FENCE | FLAG_INFO_RING_IDX, 0xFFFF_FFFF);
        Arbitrary<List<Integer>> body = field().list().ofMaxSize(40);
        // request length: the body's own, or cut short / padded (header only, shorter than the header, longer)
        Arbitrary<Integer> reqLen = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.just(-1)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 200)), net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 23)));
        Arbitrary<Integer> splits = Arbitraries.integers().between(1, 4);
        Arbitrary<List<Integer>> resp = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.of(24, 408, 1056, 2048, 4096)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 2100))).list().ofMinSize(0).ofMaxSize(3);
        return Combinators.combine(type, flags, body, reqLen, splits, resp).as(Cmd::new);
    }

    @Property
    void everyCommandIsAnsweredWithADefinedCodeInsideTheWritableSegments(@ForAll("command") Cmd c, @ForAll boolean eventIdx) {
        HostileGuest g = new HostileGuest(1L << F_INDIRECT_DESC | (eventIdx ? 1L << F_EVENT_IDX : 0), 64);
        check(g, c, 0);
    }

    @Property(tries = 200)
    void sequencesOfCommandsOnOneDeviceKeepTheContract(@ForAll @Size(min = 2, max = 24) List<@net.jqwik.api.From("command") Cmd> cmds) {
        HostileGuest g = new HostileGuest(1L << F_INDIRECT_DESC, 64);
        for (int k = 0; k < cmds.size(); k++) {
            check(g, cmds.get(k), k);
        }
        assertThat(g.resetAndAskDisplayInfo(1L << F_INDIRECT_DESC)).as("a reset heals").isEqualTo(RESP_OK_DISPLAY_INFO);
    }

    @Property(tries = 300)
    void truncatedRequestsOfEveryTypeAreAnsweredOrLeftInFlight(@ForAll("types") int type, @ForAll @IntRange(min = 1, max = 120) int reqLen,
            @ForAll @IntRange(min = 1, max = 3) int splits) {
        HostileGuest g = new HostileGuest(1L << F_INDIRECT_DESC, 64);
        check(g, new Cmd(type, 0, List.of(1, 1, 64, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), reqLen, splits,
                List.of(2048)), 0);
    }

    @Provide
    Arbitrary<Integer> types() {
        return Arbitraries.of(TYPES);
    }

    /** Sends {@code c} as the k-th chain (descriptors and buffers of its own), runs the pass, checks the answer. */
    static void check(HostileGuest g, Cmd c, int k) {
        int slot = (k * 8) % 64;
        long req = HostileGuest.BUFFERS + 0x2000L * (k % 32);
        long resp = HostileGuest.BUFFERS + 0x40000 + 0x3000L * (k % 32);
        int len = c.reqLen() < 0 ? HDR_SIZE + 4 * c.body().size() : c.reqLen();
        g.raw.write(req + HDR_TYPE, 4, c.type() & 0xFFFF_FFFFL);
        g.raw.write(req + HDR_FLAGS, 4, c.flags() & 0xFFFF_FFFFL);
        g.raw.write(req + HDR_FENCE_ID, 8, 0x1234_5678L + k);
        g.raw.write(req + HDR_CTX_ID, 4, 0);
        g.raw.write(req + HDR_RING_IDX, 4, 0);
        for (int i = 0; i < c.body().size(); i++) {
            g.raw.write(req + HDR_SIZE + 4L * i, 4, c.body().get(i) & 0xFFFF_FFFFL);
        }
        for (int i = c.body().size(); HDR_SIZE + 4 * i < Math.max(len, 200); i++) {
            g.raw.write(req + HDR_SIZE + 4L * i, 4, 0);
        }
        // readable segments: len split into at most c.splits() pieces, then the writable ones
        int segs = 0;
        int per = Math.max(1, (len + c.splits() - 1) / c.splits());
        for (int off = 0; off < len; off += per) {
            g.desc(HostileGuest.DESC, slot + segs, req + off, Math.min(per, len - off), VIRTQ_DESC_F_NEXT, slot + segs + 1);
            segs++;
        }
        long writable = 0;
        long[] respAt = new long[c.resp().size()];
        long at = resp;
        for (int i = 0; i < c.resp().size(); i++) {
            int l = c.resp().get(i);
            respAt[i] = at;
            for (long b = 0; b < l; b += 8) {
                g.raw.write(at + b, 8, 0xA5A5_A5A5_A5A5_A5A5L); // poison: a response shows what it wrote
            }
            g.desc(HostileGuest.DESC, slot + segs, at, l, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, slot + segs + 1);
            segs++;
            writable += l;
            at += (l + 0xFFL) & ~0xFFL;
        }
        // the last descriptor ends the chain
        long last = HostileGuest.DESC + (long) DESC_SIZE * (slot + segs - 1) + DESC_FLAGS;
        g.raw.write(last, 2, g.raw.read(last, 2) & ~VIRTQ_DESC_F_NEXT);
        int usedBefore = g.usedIdx();
        long inFlightBefore = g.d.control.shortRequests;
        g.offer(slot);
        g.notifyAndRun();

        assertThat(g.violation).as("device writes").isNull();
        assertThat(g.d.queueErrors).as("a well-formed chain never breaks the queue").isEmpty();
        g.readScanouts(); // the display reads what the commands set up, and never throws
        assertThat(g.status()).isEqualTo(0xf);
        if (len < HDR_SIZE) {
            // VIRTIO_GPU_FILL_CMD on the header: no response, the command stays in QEMU's fenceq
            assertThat(g.usedIdx()).isEqualTo(usedBefore);
            assertThat(g.d.control.shortRequests).isEqualTo(inFlightBefore + 1);
            return;
        }
        assertThat(g.usedIdx()).as("answered").isEqualTo((usedBefore + 1) & 0xFFFF);
        int s = usedBefore % 64;
        assertThat(g.usedId(s)).isEqualTo(slot);
        long used = g.usedLen(s);
        assertThat(used).as("used.len <= writable bytes").isLessThanOrEqualTo(writable);
        if (used >= 4) {
            long type = 0;
            for (int b = 0; b < 4; b++) {
                type |= (long) byteAt(g, c, respAt, b) << 8 * b;
            }
            assertThat(HostileGuest.RESPONSES).as("response type 0x%x to command 0x%x", type, c.type()).contains((int) type);
        }
    }

    /** Byte {@code n} of the response, across the writable segments. */
    static int byteAt(HostileGuest g, Cmd c, long[] respAt, int n) {
        for (int i = 0; i < respAt.length; i++) {
            int l = c.resp().get(i);
            if (n < l) {
                return (int) g.raw.read(respAt[i] + n, 1);
            }
            n -= l;
        }
        throw new IllegalStateException("past the writable segments");
    }
}
