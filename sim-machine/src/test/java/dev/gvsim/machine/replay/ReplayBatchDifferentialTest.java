package dev.gvsim.machine.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.gvsim.guesttraces.format.TraceFiles;
import dev.gvsim.guesttraces.format.TraceReader;
import dev.gvsim.simcore.Json;

/**
 * Issue 29: runs of stores done in one go ({@link Replayer}'s run path, {@code Machine.openRun})
 * against the general per-record path ({@link ReplayOptions#batchRuns} false): the result JSON, the
 * checkpoints taken at record boundaries (inside runs too) and the replays continued from them are
 * the same bytes. Traces: the real QXL trace (plain and with KVM's stage 2), the bundled regression
 * traces, and generated traces with store runs of every size, with and without values, crossing
 * pages and running into unmapped pages (faults), write-combining against uncached and cacheable
 * types, barriers, acquire/release and pair flags, t= and delays, three CPUs interleaved, QXL I/O
 * writes that wake the device's worker (kernel events due inside a run), config writes that turn a
 * BAR's decoding off and on again, and unmaps and remaps.
 */
class ReplayBatchDifferentialTest {
    static final String REAL = "/dev/gvsim/guesttraces/traces/guest/qxl-linux61-arm64-wc.gvt.txt.xz";

    @ParameterizedTest
    @ValueSource(strings = {"none", "kvm", "kvm-fwb"})
    void realTraceSameResultOnBothPaths(String stage2) throws Exception {
        Run general = replay(REAL, null, false, stage2, 0, false);
        Run batch = replay(REAL, null, true, stage2, 0, false);
        assertThat(batch.json).isEqualTo(general.json);
        assertThat(general.runStores).isZero();
        if (stage2.equals("kvm-fwb")) {
            // FWB makes the BARs' stage-2 Normal-WB win: cacheable stores, no write gathering, no runs
            assertThat(batch.runStores).isZero();
        } else {
            // the run path carries nearly the whole trace (1,983,797 accesses, 98 % in page-long store runs),
            // and in the binary form the reader counts nearly all of them ahead
            assertThat(batch.runStores).isGreaterThan(1_900_000L);
            assertThat(batch.peekedStores).isGreaterThan(1_800_000L);
        }
    }

    @Test
    void realTraceCheckpointsInsideRunsAreTheSame() throws Exception {
        // inside the first page-long run, and in the middle of the trace
        for (long at : new long[] {1000, 1_000_003}) {
            Run general = replay(REAL, null, false, null, at, false);
            Run batch = replay(REAL, null, true, null, at, false);
            assertThat(batch.checkpoint).as("checkpoint at %d", at).isEqualTo(general.checkpoint);
            assertThat(batch.json).isEqualTo(general.json);
            // continued from the checkpoint, each way
            assertThat(restoreAndFinish(REAL, null, batch.checkpoint, true, false, null))
                    .isEqualTo(restoreAndFinish(REAL, null, general.checkpoint, false, false, null));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/dev/gvsim/guesttraces/traces/regress/mmio-access-size.gvt.txt",
            "/dev/gvsim/guesttraces/traces/regress/qxl-ids-out-of-range.gvt.txt", "/dev/gvsim/guesttraces/traces/regress/qxl-destroyed-primary.gvt.txt",
            "/dev/gvsim/guesttraces/traces/regress/page-table-out-of-range.gvt.txt", "/dev/gvsim/guesttraces/traces/regress/virtio-gpu-hostile-queue.gvt.txt"})
    void regressionTracesSameResultOnBothPaths(String trace) throws Exception {
        for (boolean cont : new boolean[] {false, true}) {
            assertThat(replay(trace, null, true, null, 0, cont).json).isEqualTo(replay(trace, null, false, null, 0, cont).json);
        }
    }

    @Test
    void generatedTracesSameResultAndCheckpointsOnBothPaths() throws Exception {
        long stores = 0;
        long events = 0;
        long peeked = 0;
        for (int seed = 1; seed <= 40; seed++) {
            Random rnd = new Random(seed);
            String trace = generate(rnd);
            int records = (int) trace.lines().count();
            boolean cont = seed % 2 == 0;
            String stage2 = seed % 5 == 0 ? "kvm" : null;
            Run general = replay("generated", trace, false, stage2, 0, cont);
            Run batch = replay("generated", trace, true, stage2, 0, cont);
            assertThat(batch.json).as("seed %d", seed).isEqualTo(general.json);
            stores += batch.runStores;
            events += batch.events;
            peeked += batch.peekedStores;
            for (int k = 0; k < 3; k++) {
                long at = 1 + rnd.nextInt(records);
                Run g = replay("generated", trace, false, stage2, at, cont);
                Run b = replay("generated", trace, true, stage2, at, cont);
                assertThat(b.checkpoint).as("seed %d checkpoint at %d", seed, at).isEqualTo(g.checkpoint);
                assertThat(b.json).isEqualTo(g.json);
                if (g.checkpoint != null) {
                    assertThat(restoreAndFinish("generated", trace, b.checkpoint, true, cont, stage2)).as("seed %d restored at %d", seed, at)
                            .isEqualTo(restoreAndFinish("generated", trace, g.checkpoint, false, cont, stage2));
                }
            }
        }
        // the generated traces exercise the run path, and device events happen while they replay
        assertThat(stores).isGreaterThan(10_000L);
        assertThat(peeked).isGreaterThan(2_000L);
        assertThat(events).isGreaterThan(0L);
    }

    /**
     * Kernel events due while stores of a run issue (every 37 ns here) run at their time on both
     * paths: each sees the counters and the clock the general path shows it (the run stops before
     * a store whose issue time reaches the event, closes, and the general path runs the event). A
     * value every 3rd store cuts the value-less runs short; every 97th, with a loop of pair stores
     * (two per instruction, four instructions), leaves long runs that the binary reader counts ahead
     * and that the events interrupt.
     */
    @ParameterizedTest
    @ValueSource(ints = {3, 97})
    void kernelEventsDueInsideARunSeeTheStateOfTheirTime(int valueEvery) throws Exception {
        StringBuilder t = new StringBuilder("gvsim-trace 1\nmap va=0xffff800010000000 pa=0x10000000 size=0x4000000 attr=normal-nc\n");
        long va = 0xffff800010000000L;
        for (int k = 0; k < 4 * 512; k++) {
            t.append("wr va=0x").append(Long.toHexString(va + 8L * k)).append(" size=8").append(k % valueEvery == 0 ? " val=0x" + k : "");
            if (valueEvery > 3) {
                t.append(" flags=pair pc=0x").append(Long.toHexString(0xffff000000001000L + 8 * (k / 2 % 4))).append(" sym=memcpy+").append(k / 2 % 4);
            }
            t.append('\n');
            if (k % 512 == 511) {
                t.append("wr va=0x").append(Long.toHexString(va + 8L * k)).append(" size=8 val=0x1\n"); // ends the value-less run
            }
        }
        List<List<String>> seen = new ArrayList<>();
        long[] stores = new long[3];
        long peeked = 0;
        for (int mode = 0; mode < 3; mode++) { // general path; run path; run path on the binary form
            boolean batch = mode > 0;
            dev.gvsim.machine.Machine m = dev.gvsim.machine.MachineBuilder.build("-M virt -device qxl", List.of());
            List<String> log = new ArrayList<>();
            for (long at = 37_000; at < 20_000_000; at += 37_000) {
                m.kernel().schedule(at, (now, arg) -> log.add(now + " " + m.stats().snapshot()), 0);
            }
            Replayer rp = new Replayer(options(batch, false, null), "events", m);
            try (TraceReader in = mode == 2 ? openBinary("events", t.toString()) : open("events", t.toString())) {
                rp.run(in);
            }
            log.add(Json.write(rp.result().toJson()));
            seen.add(log);
            stores[mode] = rp.runStores();
            if (mode == 2) {
                peeked = rp.peekedStores();
            }
        }
        assertThat(seen.get(1)).isEqualTo(seen.get(0));
        assertThat(seen.get(2)).isEqualTo(seen.get(0));
        assertThat(stores[1]).as("the run path was taken").isGreaterThan(1000);
        assertThat(stores[2]).isEqualTo(stores[1]);
        // the value-less stores of the binary form were counted ahead, and events still came between them
        assertThat(peeked).isGreaterThan(valueEvery == 3 ? 300 : 1000);
        assertThat(seen.get(0).size()).as("events ran during the stores").isGreaterThan(20);
    }

    /** A trace of runs of stores and everything that can cut one short or change what it reaches. */
    static String generate(Random rnd) {
        List<String> l = new ArrayList<>();
        l.add("gvsim-trace 1");
        l.add("machine args=\"-M virt -device qxl\"");
        l.add("map va=0xffff800010000000 pa=0x10000000 size=0x4000000 attr=normal-nc"); // BAR0 (QXL RAM)
        l.add("map va=0xffff800014000000 pa=0x14000000 size=0x3000 attr=device-gre"); // 3 pages of BAR1 (VRAM), then unmapped
        l.add("map va=0xffff800020000000 pa=0x10000000 size=0x10000 attr=device-ngnre"); // BAR0 again, uncached
        l.add("map va=0xffff800030000000 pa=0x40000000 size=0x10000 attr=normal-wb"); // guest RAM
        l.add("map va=0xfffffbfffe800000 pa=0x3eff0000 size=0x10000 attr=device-ngnre"); // PCI I/O space
        long[] bases = {0xffff800010000000L, 0xffff800014000000L, 0xffff800020000000L, 0xffff800030000000L};
        long[] spans = {0x20000, 0x4000, 0x10000, 0x10000};
        int n = 20 + rnd.nextInt(40);
        for (int i = 0; i < n; i++) {
            int what = rnd.nextInt(20);
            if (what < 12) {
                int b = rnd.nextInt(10) < 6 ? 0 : rnd.nextInt(bases.length);
                int size = new int[] {1, 2, 4, 8, 8, 8, 16}[rnd.nextInt(7)];
                long va = bases[b] + (rnd.nextInt((int) spans[b]) & -size);
                if (rnd.nextInt(8) == 0) {
                    va += 1; // unaligned
                }
                int count = 1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 700);
                boolean val = rnd.nextInt(3) == 0;
                int cpu = rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0;
                String flags = new String[] {"", "", "", " flags=pair", " flags=rel", " flags=acq"}[rnd.nextInt(6)];
                for (int k = 0; k < count; k++) {
                    StringBuilder sb = new StringBuilder("wr va=0x").append(Long.toHexString(va)).append(" size=").append(size);
                    if (val) {
                        sb.append(" val=0x").append(Long.toHexString(rnd.nextLong() & (size >= 8 ? -1L : (1L << (8 * size)) - 1)));
                    }
                    sb.append(flags);
                    if (cpu != 0) {
                        sb.append(" cpu=").append(cpu);
                    }
                    sb.append(" pc=0x").append(Long.toHexString(0xffff000000001000L + 4 * (k % 4))).append(" sym=f+").append(k % 4);
                    if (rnd.nextInt(300) == 0) {
                        sb.append(" t=").append(1_000_000L * (i + 1) + k);
                    }
                    l.add(sb.toString());
                    if (rnd.nextInt(400) == 0) {
                        l.add("iowr port=0x1000 size=1 val=0"); // QXL_IO_NOTIFY_CMD: the worker wakes later (a kernel event)
                    }
                    if (rnd.nextInt(500) == 0) {
                        l.add("wr va=0x" + Long.toHexString(va) + " size=" + size + " cpu=" + ((cpu + 1) % 3)); // another CPU interleaved
                    }
                    va += size;
                    if (rnd.nextInt(600) == 0) {
                        va += size; // a gap
                    }
                }
            } else if (what == 12) {
                l.add("rd va=0x" + Long.toHexString(bases[0] + (rnd.nextInt(0x20000) & -8)) + " size=8 expect=0x0");
            } else if (what == 13) {
                l.add("iowr port=0x1000 size=1 val=0");
                l.add("wr va=0xfffffbfffe801000 size=1 val=0x0"); // the same through the mapped I/O window
            } else if (what == 14) {
                l.add("delay ps=" + rnd.nextInt(50_000_000));
            } else if (what == 15) {
                l.add("cfgwr bdf=00:01.0 off=4 size=2 val=0x1"); // memory decoding off: the BARs master-abort
                l.add("wr va=0x" + Long.toHexString(bases[0] + 0x100) + " size=8");
                l.add("cfgwr bdf=00:01.0 off=4 size=2 val=0x7");
            } else if (what == 16) {
                l.add("unmap va=0xffff800010000000 size=0x4000000");
                l.add("map va=0xffff800010000000 pa=0x10000000 size=0x4000000 attr=" + (rnd.nextBoolean() ? "normal-nc" : "device-gre"));
            } else if (what == 17) {
                l.add("mark name=m" + i);
            } else if (what == 18) {
                l.add("memset dst=0x" + Long.toHexString(bases[0] + 0x1000) + " len=" + rnd.nextInt(600) + " val=0");
            } else {
                l.add("iord port=0x1004 size=1");
            }
        }
        return String.join("\n", l) + "\n";
    }

    record Run(String json, byte[] checkpoint, long runStores, long events, long peekedStores) {
    }

    /**
     * One replay; on the run path (batch), also of the same trace converted to the binary form, whose
     * reader takes a run's stores on its own short path (BinaryTraceReader.nextRunStore), against
     * the general path on that binary form (the text form's results also carry line numbers): both
     * must give the same bytes, and the run path the same stores as on the text form.
     */
    static Run replay(String name, String text, boolean batch, String stage2, long stopAfter, boolean cont) throws Exception {
        Run run = replay(name, text, batch, stage2, stopAfter, cont, false);
        if (batch) {
            Run general = replay(name, text, false, stage2, stopAfter, cont, true);
            Run bin = replay(name, text, true, stage2, stopAfter, cont, true);
            assertThat(bin.json).as("binary trace, run path").isEqualTo(general.json);
            assertThat(bin.checkpoint).as("binary trace, run path: checkpoint").isEqualTo(general.checkpoint);
            assertThat(bin.runStores).isEqualTo(run.runStores);
            assertThat(run.peekedStores).as("the text reader counts nothing ahead").isZero();
            return new Run(run.json, run.checkpoint, run.runStores, run.events, bin.peekedStores);
        }
        return run;
    }

    private static Run replay(String name, String text, boolean batch, String stage2, long stopAfter, boolean cont, boolean binary)
            throws Exception {
        ReplayOptions o = options(batch, cont, text);
        o.stage2 = stage2;
        o.stopAfterRecords = stopAfter;
        Replayer rp = new Replayer(o, name);
        try (TraceReader in = binary ? openBinary(name, text) : open(name, text)) {
            rp.run(in);
        }
        return new Run(Json.write(rp.result().toJson()), rp.stoppedCheckpoint(), rp.runStores(), rp.machine().kernel().dispatched(),
                rp.peekedStores());
    }

    static String restoreAndFinish(String name, String text, byte[] checkpoint, boolean batch, boolean cont, String stage2) throws Exception {
        String json = restoreAndFinish(name, text, checkpoint, batch, cont, stage2, false);
        if (batch) {
            assertThat(restoreAndFinish(name, text, checkpoint, true, cont, stage2, true)).as("binary trace, restored")
                    .isEqualTo(restoreAndFinish(name, text, checkpoint, false, cont, stage2, true));
        }
        return json;
    }

    private static String restoreAndFinish(String name, String text, byte[] checkpoint, boolean batch, boolean cont, String stage2,
            boolean binary) throws Exception {
        ReplayOptions o = options(batch, cont, text);
        o.stage2 = stage2;
        Replayer rp = Replayer.restore(o, name, checkpoint, "cp");
        try (TraceReader in = binary ? openBinary(name, text) : open(name, text)) {
            rp.run(in);
        }
        return Json.write(rp.result().toJson());
    }

    private static final java.util.Map<String, byte[]> BINARY = new java.util.HashMap<>();

    /** The trace converted to the binary form (docs/trace-binary-format.md), in memory. */
    private static synchronized TraceReader openBinary(String name, String text) throws Exception {
        String key = text != null ? text : name;
        byte[] bin = BINARY.get(key);
        if (bin == null) {
            java.io.ByteArrayOutputStream bo = new java.io.ByteArrayOutputStream();
            try (TraceReader in = open(name, text); dev.gvsim.guesttraces.format.BinaryTraceWriter w = new dev.gvsim.guesttraces.format.BinaryTraceWriter(bo)) {
                dev.gvsim.guesttraces.format.TraceRecord r = new dev.gvsim.guesttraces.format.TraceRecord();
                while (in.next(r)) {
                    w.write(r);
                }
            }
            bin = bo.toByteArray();
            if (text == null) {
                BINARY.put(key, bin); // the real trace: converted once
            }
        }
        TraceReader in = TraceFiles.open(new ByteArrayInputStream(bin));
        assertThat(in).isInstanceOf(dev.gvsim.guesttraces.format.BinaryTraceReader.class);
        return in;
    }

    private static ReplayOptions options(boolean batch, boolean cont, String generated) {
        ReplayOptions o = new ReplayOptions();
        o.batchRuns = batch;
        o.continueAfterFault = cont;
        if (generated != null && generated.hashCode() % 3 != 0) {
            // the QXL worker wakes 150 ns after a notify instead of 10 us: inside the run of stores
            // that follows it, which must then stop before the event and let the kernel run it
            o.paramSets.add("qxl.worker_wakeup_delay=150ns");
        }
        return o;
    }

    private static TraceReader open(String name, String text) throws Exception {
        return text != null ? TraceFiles.open(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))) : TraceFiles.openResource(name);
    }
}
