package dev.gvsim.machine.forwarding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gvsim.arm64mmu.MemoryType;
import dev.gvsim.machine.forwarding.ForwardingModel.Kind;

/**
 * The forwarding model's stages on simulated time, with parameters chosen so every figure can be
 * computed by hand (1 byte/ns copies, a 1 s frame period, a 100x10 frame of 4,000 bytes).
 */
class ForwardingModelTest {
    /** 1 B/ns for every CPU copy, the link and the software encoder; no dispatch work; one frame a second. */
    static final List<String> HAND = List.of("display.upload_bandwidth=1", "display.encode_bandwidth=1", "mem.link.bytes_per_ns=1",
            "display.refresh_overhead=0", "forwarding.fps=1", "forwarding.frames=3", "video.rx550.encode_h265_mpixels=0.002",
            "video.rx550.frame_setup=0", "video.encode_bits_per_pixel=8");
    static final int W = 100;
    static final int H = 10;
    static final long F = 4L * W * H;
    static final long MS = 1_000_000_000L;

    static List<String> with(List<String> base, String... more) {
        List<String> l = new ArrayList<>(base);
        l.addAll(List.of(more));
        return l;
    }

    @Test
    void barReadbackIsTheMmuTimingOfTheAgentsLoads() {
        ForwardingModel m = new ForwardingModel(List.of());
        BarReadback dev = m.readback("device");
        BarReadback nc = m.readback("normal-nc");
        BarReadback ad = m.readback("adaptive");
        // defaults: mem.uc.txn_overhead 16 ns, mem.uc.round_trip 150 ns, mem.link.bytes_per_ns 15.75; a load occupies the path
        // txn_overhead + ceil(bytes * 1000 / 15.75) ps, then waits one round trip; loads go back to back
        long perDeviceLoad = 16_000 + (long) Math.ceil(8 * 1000 / 15.75) + 150_000;
        long perNcLoad = 16_000 + (long) Math.ceil(16 * 1000 / 15.75) + 150_000;
        assertThat(dev.stage2Type()).isEqualTo("device-ngnre");
        assertThat(dev.effective()).isEqualTo(MemoryType.DEVICE_NGNRE);
        assertThat(dev.loadBytes()).as("memcpy_fromio: mem.bulk.device_element_bytes").isEqualTo(8);
        assertThat(dev.samplePs()).isEqualTo(BarReadback.SAMPLE_BYTES / 8 * perDeviceLoad);
        assertThat(dev.sampleTransactions()).isEqualTo(BarReadback.SAMPLE_BYTES / 8);
        assertThat(nc.effective()).isEqualTo(MemoryType.NORMAL_NC);
        assertThat(nc.samplePs()).isEqualTo(BarReadback.SAMPLE_BYTES / 16 * perNcLoad);
        // the RX 580's VRAM BAR is prefetchable: adaptive maps it Normal-NC like normal-nc
        assertThat(ad.stage2Type()).isEqualTo("normal-nc");
        assertThat(ad.samplePs()).isEqualTo(nc.samplePs());
        assertThat(dev.readPs(F)).isEqualTo((long) Math.ceil((double) F * dev.samplePs() / BarReadback.SAMPLE_BYTES));
        assertThat(dev.mbPerS()).isLessThan(nc.mbPerS());
        assertThat(dev.vramBarSize()).isEqualTo(256L << 20);
    }

    @Test
    void naiveStagesAddUpAsComputedByHand() {
        ForwardingModel m = new ForwardingModel(HAND);
        ForwardingRun r = m.run(Kind.NAIVE, "device", W, H);
        long read = r.readback.readPs(F);
        long out = F / 2; // forwarding.sw_encode_ratio 2
        // read-back, shm copy, host copy, encode (1 B/ns each), send of the encoded half
        long latency = read + F * 1000 + F * 1000 + F * 1000 + out * 1000;
        assertThat(r.sent()).isEqualTo(3);
        assertThat(r.dropped()).isZero();
        assertThat(r.minLatencyPs()).isEqualTo(latency);
        assertThat(r.maxLatencyPs()).isEqualTo(latency);
        assertThat(r.latencyPercentilePs(50)).as("HdrHistogram, 3 significant digits").isCloseTo(latency, org.assertj.core.data.Percentage.withPercentage(0.1));
        assertThat(r.stage("bar-readback").busyPs()).isEqualTo(3 * read);
        assertThat(r.stage("sw-encode").bytes()).isEqualTo(3 * out);
        assertThat(r.copiesPerFrame()).isEqualTo(4.0);
        assertThat(r.guestCpuPs()).isEqualTo(3 * (read + F * 1000));
        assertThat(r.hostCpuPs()).isEqualTo(3 * (F * 1000 + F * 1000 + out * 1000));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> links = (Map<String, Map<String, Object>>) r.report().get("perLink");
        assertThat(links.get("pcie")).containsEntry("copies", 1.0).containsEntry("bytesPerFrame", F);
        assertThat(links.get("dram")).containsEntry("copies", 3.0).containsEntry("bytesPerFrame", 2 * F + out);
    }

    @Test
    void lookingGlassOverlapsTheHostUploadWithTheChunkedGuestCopy() {
        ForwardingModel m = new ForwardingModel(HAND);
        ForwardingRun r = m.run(Kind.LOOKING_GLASS, "normal-nc", W, H);
        // GPU copy 4,000 ns over the 1 B/ns link; guest copy 4,000 ns; the upload starts one 1,024-byte chunk after the
        // guest copy started and, as fast as the copy, ends one chunk after it
        long latency = F * 1000 + F * 1000 + 1024 * 1000;
        assertThat(r.minLatencyPs()).isEqualTo(latency);
        assertThat(r.maxLatencyPs()).isEqualTo(latency);
        assertThat(r.latencyPercentilePs(99)).isCloseTo(latency, org.assertj.core.data.Percentage.withPercentage(0.1));
        assertThat(latency).as("less than three copies one after the other").isLessThan(3 * F * 1000);
        assertThat(r.copiesPerFrame()).isEqualTo(3.0);
        assertThat(r.hostCpuPs()).isEqualTo(3 * F * 1000);
        // a slower host upload is not hidden: it ends its own time after it started
        ForwardingRun slow = new ForwardingModel(with(HAND, "forwarding.lg_chunk_bytes=4000")).run(Kind.LOOKING_GLASS, "normal-nc", W, H);
        assertThat(slow.maxLatencyPs()).as("a chunk as large as the frame: no overlap").isEqualTo(3 * F * 1000);
    }

    @Test
    void efficientEncodesInTheGpuAndMovesOnlyTheBitstream() {
        ForwardingModel m = new ForwardingModel(HAND);
        ForwardingRun r = m.run(Kind.EFFICIENT, "normal-nc", W, H);
        // 1,000 pixels at 2,000 pixel/s = 0.5 s; 8,000 bits (8 bit/pixel) = 1,000 bytes DMA'd and sent at 1 B/ns
        long latency = 500 * MS + 1000 * 1000 + 1000 * 1000;
        assertThat(r.minLatencyPs()).isEqualTo(latency);
        assertThat(r.maxLatencyPs()).isEqualTo(latency);
        assertThat(r.copiesPerFrame()).isEqualTo(2.0);
        assertThat(r.stage("bitstream-dma").bytes()).isEqualTo(3 * 1000);
        assertThat(r.sentMbps()).isCloseTo(1000 * 8 * 3 / 3.0 / 1e6, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.guestCpuPs()).isZero();
        // 5-pixel tiles: 2 tile rows, half the damage is one 100x5 row a frame
        ForwardingRun half = new ForwardingModel(with(HAND, "forwarding.dirty_fraction=0.5", "forwarding.tile_px=5")).run(Kind.EFFICIENT,
                "normal-nc", W, H);
        assertThat(half.stage("bitstream-dma").bytes()).as("skip blocks outside the dirty tiles").isEqualTo(3 * 500);
    }

    @Test
    void damageIsABandOfTileRowsMovingOneBandAFrame() {
        // 1080 rows in 64-pixel tiles: 17 rows, the last clipped to 56 pixels; 30 columns (1920 / 64)
        Damage full = new Damage(1920, 1080, 64, 1.0);
        assertThat(full.tileRows).isEqualTo(17);
        assertThat(full.tileCols).isEqualTo(30);
        for (long k = 0; k < 40; k++) {
            assertThat(full.dirtyBytes(k)).as("full damage is the frame").isEqualTo(full.frameBytes());
            assertThat(full.dirtyTiles(k)).isEqualTo(17 * 30);
        }
        Damage quarter = new Damage(1920, 1080, 64, 0.25);
        assertThat(quarter.bandRows).as("ceil(0.25 x 17)").isEqualTo(5);
        assertThat(quarter.firstRow(0)).isZero();
        assertThat(quarter.firstRow(1)).isEqualTo(5);
        assertThat(quarter.firstRow(3)).as("15, wrapping after row 16").isEqualTo(15);
        assertThat(quarter.dirtyPixels(0)).isEqualTo(5 * 64 * 1920L);
        assertThat(quarter.dirtyPixels(3)).as("rows 15, 16 (56 px), 0, 1, 2").isEqualTo((4 * 64 + 56) * 1920L);
        assertThat(new Damage(1920, 1080, 64, 0).dirtyBytes(7)).as("a static desktop").isZero();
        assertThatThrownBy(() -> new Damage(10, 10, 0, 1)).hasMessageContaining("tile size");
    }

    @Test
    void theTileVariantsMoveOnlyTheDirtyTilesAndTheHostGpuEncodes() {
        List<String> hand = with(HAND, "forwarding.tile_px=5");
        ForwardingRun dma = new ForwardingModel(hand).run(Kind.EFFICIENT_TILE_DMA, "normal-nc", W, H);
        // the whole 4,000-byte frame DMA'd at 1 B/ns, the host encoder's 0.5 s (the host engine is rx550 too), 1,000 bytes of
        // bitstream written back and sent at 1 B/ns
        long latency = F * 1000 + 500 * MS + 1000 * 1000 + 1000 * 1000;
        assertThat(dma.minLatencyPs()).isEqualTo(latency);
        assertThat(dma.maxLatencyPs()).isEqualTo(latency);
        assertThat(dma.linkBytes(Stage.PCIE)).isEqualTo(3 * F);
        assertThat(dma.copiesPerFrame()).as("tile DMA, bitstream write-back, send").isEqualTo(3.0);
        ForwardingRun buf = new ForwardingModel(hand).run(Kind.EFFICIENT_DMABUF, "normal-nc", W, H);
        // the encoder reads the frame over the link (4 us) inside its 0.5 s: no copy, the same bytes on the link
        assertThat(buf.minLatencyPs()).isEqualTo(500 * MS + 1000 * 1000 + 1000 * 1000);
        assertThat(buf.linkBytes(Stage.PCIE)).isEqualTo(3 * F);
        assertThat(buf.stage("host-encode-p2p").copy()).isFalse();
        assertThat(buf.copiesPerFrame()).as("bitstream write-back, send").isEqualTo(2.0);
        ForwardingRun half = new ForwardingModel(with(hand, "forwarding.dirty_fraction=0.5")).run(Kind.EFFICIENT_TILE_DMA, "normal-nc", W, H);
        assertThat(half.linkBytes(Stage.PCIE)).as("one 100x5 tile row a frame").isEqualTo(3 * F / 2);
        assertThat(half.minLatencyPs()).isEqualTo(F / 2 * 1000 + 500 * MS + 500 * 1000 + 500 * 1000);
    }

    @Test
    void fullDamageGivesTheFullFrameFiguresAndPartialDamageMovesItsShare() {
        // encoders that hold 4K60 (RK3588: 8K30), so that every frame is captured at both sizes
        List<String> fast = List.of("forwarding.frames=60", "forwarding.encode_engine=rk3588", "forwarding.host_encode_engine=rk3588");
        for (int[] s : new int[][] {{1920, 1080}, {3840, 2160}}) {
            ForwardingModel full = new ForwardingModel(fast);
            long frame = 4L * s[0] * s[1];
            ForwardingRun lg = full.run(Kind.LOOKING_GLASS, "normal-nc", s[0], s[1]);
            ForwardingRun dma = full.run(Kind.EFFICIENT_TILE_DMA, "normal-nc", s[0], s[1]);
            ForwardingRun buf = full.run(Kind.EFFICIENT_DMABUF, "normal-nc", s[0], s[1]);
            ForwardingRun eff = full.run(Kind.EFFICIENT, "normal-nc", s[0], s[1]);
            // full damage: the tile DMA is Looking Glass's full-frame staging copy, per frame captured
            assertThat(dma.stage("tile-dma").bytes() / dma.stage("tile-dma").jobs()).isEqualTo(lg.stage("staging-copy").bytes()
                    / lg.stage("staging-copy").jobs()).isEqualTo(frame);
            assertThat(buf.stage("host-encode-p2p").bytes() / buf.stage("host-encode-p2p").jobs()).isEqualTo(frame);
            // and the efficient pipeline's figures do not depend on the tile grid when every tile is dirty
            ForwardingRun effTiles = new ForwardingModel(with(fast, "forwarding.tile_px=16")).run(Kind.EFFICIENT,
                    "normal-nc", s[0], s[1]);
            Map<String, Object> a = new java.util.LinkedHashMap<>(effTiles.report());
            Map<String, Object> b = new java.util.LinkedHashMap<>(eff.report());
            assertThat((Long) a.remove("dirtyTilesPerFrame")).as("16-pixel tiles: more, smaller tiles").isGreaterThan((Long) b.remove("dirtyTilesPerFrame"));
            assertThat(a.toString()).isEqualTo(b.toString());

            ForwardingModel quarter = new ForwardingModel(with(fast, "forwarding.dirty_fraction=0.25"));
            Damage d = quarter.damage(s[0], s[1]);
            for (Kind k : new Kind[] {Kind.EFFICIENT_TILE_DMA, Kind.EFFICIENT_DMABUF, Kind.EFFICIENT}) {
                ForwardingRun f = k == Kind.EFFICIENT ? eff : k == Kind.EFFICIENT_DMABUF ? buf : dma;
                ForwardingRun p = quarter.run(k, "normal-nc", s[0], s[1]);
                assertThat(p.sent()).isEqualTo(60);
                assertThat(f.sent()).isEqualTo(60);
                long expectDirty = 0;
                for (int i = 0; i < 60; i++) {
                    expectDirty += d.dirtyBytes(i); // every frame is captured at these sizes
                }
                assertThat(p.dirtyBytes()).as(k.word).isEqualTo(expectDirty);
                assertThat(p.linkBytes(Stage.PCIE)).as(k.word + ": fewer bytes over the link").isLessThan(f.linkBytes(Stage.PCIE));
                double share = (double) p.linkBytes(Stage.PCIE) / f.linkBytes(Stage.PCIE);
                assertThat(share).as(k.word + ": the link carries the damage's share of the frame")
                        .isCloseTo((double) expectDirty / (60.0 * frame), org.assertj.core.data.Offset.offset(0.001));
            }
        }
    }

    @Test
    void aSlowEncoderDropsAtCaptureAndTheClientRepeats() {
        // 1,000 pixels at 666.67 pixel/s: 1.5 s per frame, frames every second; presents at 0, 1, 2, 3 s
        ForwardingModel m = new ForwardingModel(with(HAND, "forwarding.frames=4", "video.rx550.encode_h265_mpixels=0.00066666666667"));
        ForwardingRun r = m.run(Kind.EFFICIENT, "normal-nc", W, H);
        // frame 0 at 0 s (busy to ~1.5 s), frame 1 at ~1.5 s (busy to ~3 s), frame 2 never seen, frame 3 at ~3 s
        assertThat(r.sent()).isEqualTo(3);
        assertThat(r.dropped()).isEqualTo(1);
        // sends at ~1.5, ~3.0, ~4.5 s: client slots 0, 2 (1.5 periods rounds up), 3: slot 1 repeats frame 0
        assertThat(r.duplicated()).isEqualTo(1);
        assertThat(r.sentFps()).isLessThan(1.0);
    }

    @Test
    void theSharedLinkAndDramBoundThePipelines() {
        // Looking Glass at 1080p: a 8,294,400-byte GPU copy over a 0.4 B/ns link takes 20.7 ms, more than a 16.7 ms period
        ForwardingRun slowLink = new ForwardingModel(List.of("mem.link.bytes_per_ns=0.4", "forwarding.frames=60")).run(Kind.LOOKING_GLASS,
                "normal-nc", 1920, 1080);
        assertThat(slowLink.stage("staging-copy").busyPs() / slowLink.stage("staging-copy").jobs()).isEqualTo(
                (long) Math.ceil(8_294_400L * 1000 / 0.4));
        assertThat(slowLink.dropped()).isPositive();
        assertThat(slowLink.sentFps()).isLessThan(50);
        // DRAM at 1 B/ns: the guest copy (16.6 MB through DRAM) waits for the bus, the threads stall
        ForwardingRun slowDram = new ForwardingModel(List.of("display.memory_bandwidth=1", "forwarding.frames=60")).run(Kind.LOOKING_GLASS,
                "normal-nc", 1920, 1080);
        assertThat((Long) slowDram.report().get("dramStallPs")).isPositive();
        assertThat(slowDram.sentFps()).isLessThan(60);
        ForwardingRun fast = new ForwardingModel(List.of("forwarding.frames=60")).run(Kind.LOOKING_GLASS, "normal-nc", 1920, 1080);
        assertThat((Long) fast.report().get("dramStallPs")).isZero();
        assertThat(fast.dropped()).isZero();
    }

    @Test
    void runsAreDeterministic() {
        for (Kind k : Kind.values()) {
            Map<String, Object> a = new ForwardingModel(List.of()).run(k, "device", 1920, 1080).report();
            Map<String, Object> b = new ForwardingModel(List.of()).run(k, "device", 1920, 1080).report();
            assertThat(a).as(k.word).isEqualTo(b);
            assertThat(a.toString()).isEqualTo(b.toString());
        }
    }

    @Test
    void hostileParametersAreRefusedByName() {
        assertThatThrownBy(() -> new ForwardingModel(List.of("forwarding.dirty_fraction=2"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forwarding.dirty_fraction").hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> new ForwardingModel(List.of("forwarding.encode_engine=nvenc"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forwarding.encode_engine").hasMessageContaining("rx550").hasMessageContaining("'nvenc'");
        assertThatThrownBy(() -> new ForwardingModel(List.of("forwarding.host_encode_engine=x264"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forwarding.host_encode_engine").hasMessageContaining("'x264'");
        assertThatThrownBy(() -> new ForwardingModel(List.of("forwarding.tile_px=0"))).hasMessageContaining("forwarding.tile_px");
        assertThatThrownBy(() -> new ForwardingModel(List.of("forwarding.codec=vp9"))).hasMessageContaining("h264 or h265");
        assertThatThrownBy(() -> new ForwardingModel(List.of("forwarding.frames=0"))).hasMessageContaining("forwarding.frames");
        assertThatThrownBy(() -> new ForwardingModel(List.of("forwarding.fps=0"))).hasMessageContaining("forwarding.fps");
        assertThatThrownBy(() -> new ForwardingModel(List.of("forwarding.sw_encode_ratio=0.5"))).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new ForwardingModel(List.of("forwarding.nc_read_bytes=3")).readback("normal-nc"))
                .hasMessageContaining("forwarding.nc_read_bytes");
        assertThatThrownBy(() -> new ForwardingModel(List.of("forwarding.fps=0.5"))).hasMessageContaining("1..1000");
        assertThatThrownBy(() -> new ForwardingModel(List.of("display.upload_bandwidth=1e-9"))).hasMessageContaining("display.upload_bandwidth")
                .hasMessageContaining("at least 0.001");
        // an encoder at 1 pixel/s would take 96 days for a 4K frame: refused, not run
        assertThatThrownBy(() -> new ForwardingModel(List.of("video.rx550.encode_h265_mpixels=0.000001")).run(Kind.EFFICIENT, "device", 3840, 2160))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("s of simulated time");
        ForwardingModel m = new ForwardingModel(List.of());
        assertThatThrownBy(() -> m.readback("write-back")).hasMessageContaining("device, normal-nc, adaptive");
        assertThatThrownBy(() -> m.run(Kind.NAIVE, "device", 16384, 16384)).hasMessageContaining("does not fit");
        assertThatThrownBy(() -> m.run(Kind.EFFICIENT_DMABUF, "device", 16384, 16384)).as("the dma-buf is a range of the VRAM BAR")
                .hasMessageContaining("does not fit");
        assertThatThrownBy(() -> m.run(Kind.EFFICIENT, "device", 0, 1080)).hasMessageContaining("1..16384");
    }

    @Test
    void everyForwardingParameterHasASource() {
        for (var d : ForwardingParams.ALL) {
            assertThat(d.source()).as(d.name()).isNotBlank();
            assertThat(dev.gvsim.machine.MachineBuilder.declaredParams().definitions()).containsKey(d.name());
        }
    }
}
