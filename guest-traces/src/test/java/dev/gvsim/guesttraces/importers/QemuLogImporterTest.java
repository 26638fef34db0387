package dev.gvsim.guesttraces.importers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceRecord;
import dev.gvsim.simcore.InputException;

import java.util.List;

import org.junit.jupiter.api.Test;

class QemuLogImporterTest {
    private static Imported imp(String log) throws Exception {
        return Imported.of("qemu-log", log, new ImportOptions());
    }

    private static Imported imp(String log, ImportOptions o) throws Exception {
        return Imported.of("qemu-log", log, o);
    }

    // one QXL config-read pair and one QXL I/O write pair, as QEMU 7.2 logs them (qxl_root)
    private static final String[] BODY = {
        "pci_cfg_read qxl 00:01.0 @0x0 -> 0x1001b36",
        "memory_region_ops_read cpu 0 mr 0x55dfa77b4990 addr 0x8000 value 0x1001b36 size 4 name 'pcie-mmcfg-mmio'",
        "memory_region_ops_write cpu 0 mr 0x55dfa80353b0 addr 0x3eff1005 value 0x0 size 1 name 'qxl-ioports'",
        "qxl_io_write 0 undefined addr=5 (QXL_IO_RESET) val=0 size=1 async=0",
    };

    private static String withPrefixes(String... prefixes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < BODY.length; i++) {
            sb.append(prefixes[i]).append(BODY[i]).append('\n');
        }
        return sb.toString();
    }

    @Test
    void pidAtTimePrefixGivesPicosecondsFromTheFirstLine() throws Exception {
        Imported r = imp(withPrefixes("6366@1795462857.535561:", "6366@1795462857.535578:", "6366@1795462858.535162:",
                "6366@1795462858.535172:"));
        assertThat(r.body(true)).containsExactly(
                "cfgrd t=0 bdf=00:01.0 off=0x0 size=4 expect=0x1001b36",
                "iowr t=999601000000 port=0x1005 size=1 val=0x0");
        assertThat(r.report.pairedLines()).isEqualTo(2);
    }

    @Test
    void iso8601PrefixGivesTheSameRecords() throws Exception {
        Imported r = imp(withPrefixes("2026-11-25T16:00:59.999900Z ", "2026-11-25T16:01:00.000000Z ",
                "2026-11-25T17:01:00.000100+01:00 ", "2026-11-25T16:01:00.000200Z "));
        assertThat(r.body(true)).containsExactly(
                "cfgrd t=0 bdf=00:01.0 off=0x0 size=4 expect=0x1001b36",
                "iowr t=200000000 port=0x1005 size=1 val=0x0");
        assertThat(QemuLogImporter.iso8601Micros("1970-01-02T00:00:01.5Z", 0, 22)).isEqualTo(86_401_500_000L);
    }

    @Test
    void barePrefixGivesRecordsWithoutTime() throws Exception {
        Imported r = imp(withPrefixes("", "", "", ""));
        assertThat(r.body(true)).containsExactly(
                "cfgrd bdf=00:01.0 off=0x0 size=4 expect=0x1001b36",
                "iowr port=0x1005 size=1 val=0x0");
    }

    @Test
    void headerStatesSourceVersionAndMachine() throws Exception {
        Imported r = imp("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n" + withPrefixes("", "", "", ""),
                new ImportOptions().machine("-M virt,highmem=on").device("qxl"));
        TraceRecord meta = r.records.get(0);
        assertThat(meta.op).isEqualTo(Op.META);
        assertThat(meta.metaKey(0)).isEqualTo("source");
        assertThat(meta.metaValue(0)).isEqualTo("test.log");
        assertThat(meta.metaValue(2)).isEqualTo("7.2.22");
        assertThat(r.records.get(1).machineArgs).isEqualTo("-M virt,highmem=on -device qxl");
        assertThat(imp("").records.get(0).metaValue(2)).isEqualTo("unknown");
        assertThat(imp("").records.get(1).machineArgs).isEqualTo("-M virt");
        assertThat(imp("", new ImportOptions().qemuVersion("7.2.22")).records.get(0).metaValue(2)).isEqualTo("7.2.22");
    }

    @Test
    void memoryRegionOpsInAllFormsBecomeIdentityMappedAccesses() throws Exception {
        String log = ""
                // post-6.1, with name: virtio-pci common cfg in the 64-bit window
                + "memory_region_ops_read cpu 0 mr 0x55e4df373c20 addr 0x8000000004 value 0x30000002 size 4 name 'virtio-pci-common-virtio-gpu'\n"
                // pre-6.1, no name
                + "memory_region_ops_write cpu 0 mr 0x55e4df373c20 addr 0x8000000014 value 0xb size 1\n"
                // old form without cpu, %# zero printed as "0"
                + "memory_region_ops_read mr 0x55e4df373720 addr 0x1000000c value 0 size 4\n"
                + "memory_region_ops_read cpu -1 mr 0x55e4df373720 addr 0x10000008 value 0x50 size 8\n";
        Imported r = imp(log);
        assertThat(r.body(false)).containsExactly(
                "map va=0x8000000000 pa=0x8000000000 size=0x1000 attr=device-ngnre",
                "rd va=0x8000000004 size=4 expect=0x30000002",
                "wr va=0x8000000014 size=1 val=0xb",
                "map va=0x10000000 pa=0x10000000 size=0x1000 attr=device-ngnre",
                "rd va=0x1000000c size=4 expect=0x0",
                "rd va=0x10000008 size=8 expect=0x50");
    }

    @Test
    void aBarNamedByUpdateMappingsIsMappedWhole() throws Exception {
        Imported r = imp("pci_update_mappings_add virtio-gpu-pci 00:01.0 4,0x8000000000+0x4000\n"
                + "memory_region_ops_write cpu 0 mr 0x1 addr 0x8000003000 value 0x0 size 2 name 'virtio-pci-notify-virtio-gpu'\n"
                + "memory_region_ops_read cpu 0 mr 0x1 addr 0x8000002008 value 0x1 size 4 name 'virtio-pci-device-virtio-gpu'\n");
        assertThat(r.body(false)).containsExactly(
                "mark name=\"pci_update_mappings_add virtio-gpu-pci 00:01.0 4,0x8000000000+0x4000\"",
                "map va=0x8000000000 pa=0x8000000000 size=0x4000 attr=device-ngnre",
                "wr va=0x8000003000 size=2 val=0x0",
                "rd va=0x8000002008 size=4 expect=0x1");
    }

    @Test
    void configWritePairIsOneRecordWithTheEcamSize() throws Exception {
        Imported r = imp(""
                + "memory_region_ops_write cpu 0 mr 0x1 addr 0x8004 value 0x400 size 2 name 'pcie-mmcfg-mmio'\n"
                + "pci_cfg_write qxl 00:01.0 @0x4 <- 0x400\n"
                + "pci_cfg_read pcie-root-port 00:01.0 @0x18 -> 0xff0100\n"
                + "memory_region_ops_read cpu 0 mr 0x1 addr 0x8018 value 0xff0100 size 4 name 'pcie-mmcfg-mmio'\n"
                // an absent function: no pci_cfg_read, QEMU traces ~0 as a 64-bit value
                + "memory_region_ops_read cpu 0 mr 0x1 addr 0x10000 value 0xffffffffffffffff size 4 name 'pcie-mmcfg-mmio'\n"
                + "memory_region_ops_read cpu 0 mr 0x1 addr 0x100000 value 0x1001b36 size 4 name 'pcie-mmcfg-mmio'\n");
        assertThat(r.body(false)).containsExactly(
                "cfgwr bdf=00:01.0 off=0x4 size=2 val=0x400",
                "cfgrd bdf=00:01.0 off=0x18 size=4 expect=0xff0100",
                "cfgrd bdf=00:02.0 off=0x0 size=4 expect=0xffffffff",
                "cfgrd bdf=01:00.0 off=0x0 size=4 expect=0x1001b36");
        assertThat(r.report.pairedLines()).isEqualTo(2);
        assertThat(r.report.inferredSizes()).isZero();
        assertThat(r.records.get(r.records.size() - 1).metaValue(0)).isEqualTo("00:01.0=qxl");
    }

    @Test
    void pciCfgWithoutEcamLineGetsAnInferredSizeMarked() throws Exception {
        Imported r = imp("pci_cfg_read qxl 01:00.0 @0x6 -> 0x10\n" + "pci_cfg_write qxl 01:00.0 @0x10 <- 0xffffffff\n"
                // the pre-7.1 form: slot:func in decimal, no bus
                + "pci_cfg_read qxl 01:0 @0x3d -> 0x1\n");
        assertThat(r.body(false)).containsExactly(
                "cfgrd bdf=01:00.0 off=0x6 size=2 expect=0x10 x-size=inferred",
                "cfgwr bdf=01:00.0 off=0x10 size=4 val=0xffffffff x-size=inferred",
                "cfgrd bdf=00:01.0 off=0x3d size=1 expect=0x1 x-size=inferred");
        assertThat(r.report.inferredSizes()).isEqualTo(3);
    }

    @Test
    void unnamedEcamLinesArePairedAndTheirRegionLearnt() throws Exception {
        // QEMU before 6.1: no name; the ECAM offset 0x8000 would otherwise look like flash0
        Imported r = imp("pci_cfg_read qxl 01:0 @0x0 -> 0x1001b36\n"
                + "memory_region_ops_read cpu 0 mr 0x77 addr 0x8000 value 0x1001b36 size 4\n"
                + "memory_region_ops_write cpu 0 mr 0x77 addr 0x8004 value 0x3 size 2\n"
                + "pci_cfg_write qxl 01:0 @0x4 <- 0x3\n"
                + "memory_region_ops_read cpu 0 mr 0x77 addr 0x10000 value 0xffffffff size 4\n"
                + "memory_region_ops_read cpu 0 mr 0x99 addr 0x9000018 value 0x90 size 4\n");
        assertThat(r.body(false)).containsExactly(
                "cfgrd bdf=00:01.0 off=0x0 size=4 expect=0x1001b36",
                "cfgwr bdf=00:01.0 off=0x4 size=2 val=0x3",
                "cfgrd bdf=00:02.0 off=0x0 size=4 expect=0xffffffff");
        assertThat(r.report.filteredRegions()).containsEntry("pl011", 1L);
    }

    @Test
    void qxlIoWriteAloneUsesTheIoBarBaseOrBecomesANote() throws Exception {
        Imported noBase = imp("qxl_io_write 0 native addr=0 (QXL_IO_NOTIFY_CMD) val=0 size=1 async=0\n");
        assertThat(noBase.lines(false, Op.META).get(1)).startsWith("meta note=\"qxl_io_write without a known QXL I/O BAR base");
        assertThat(noBase.report.notes()).isEqualTo(1);
        assertThat(noBase.count(Op.IOWR)).isZero();

        Imported mapped = imp("pci_update_mappings_add qxl 01:00.0 3,0x1000+0x20\n"
                + "qxl_io_write 0 native addr=17 (QXL_IO_MEMSLOT_ADD_ASYNC) val=2 size=1 async=1\n");
        assertThat(mapped.lines(false, Op.IOWR)).containsExactly("iowr port=0x1011 size=1 val=0x2");

        Imported fromConfig = imp("pci_cfg_write qxl 00:01.0 @0x1c <- 0x1021\n"
                + "qxl_io_write 0 native addr=3 (QXL_IO_UPDATE_IRQ) val=0 size=1 async=0\n");
        assertThat(fromConfig.lines(false, Op.IOWR)).containsExactly("iowr port=0x1023 size=1 val=0x0");
    }

    @Test
    void ioBarBehindABridgeIsAPortNumber() throws Exception {
        // qxl_rp: the I/O BAR sits in the root port's I/O space, QEMU prints the port
        Imported r = imp("memory_region_ops_write cpu 0 mr 0x55dadd00f740 addr 0x1005 value 0x0 size 1 name 'qxl-ioports'\n"
                + "qxl_io_write 0 undefined addr=5 (QXL_IO_RESET) val=0 size=1 async=0\n");
        assertThat(r.body(false)).containsExactly("iowr port=0x1005 size=1 val=0x0");
    }

    @Test
    void platformRegionsAreFilteredUnlessKept() throws Exception {
        String log = "memory_region_ops_write cpu 0 mr 0x1 addr 0x9000000 value 0x41 size 4 name 'pl011'\n"
                + "memory_region_ops_read cpu 0 mr 0x2 addr 0x8010000 value 0x0 size 4 name 'gic_cpu'\n"
                + "memory_region_ops_read cpu 0 mr 0x3 addr 0x9020000 value 0x51 size 1 name 'fwcfg.data'\n"
                + "memory_region_ops_read cpu 0 mr 0x3 addr 0x4000000 value 0x0 size 4 name 'virt.flash1'\n"
                + "memory_region_ops_read cpu 0 mr 0x4 addr 0x9010000 value 0x5f size 4 name 'pl031'\n"
                + "memory_region_ops_read cpu 0 mr 0x5 addr 0x9030400 value 0x0 size 4 name 'pl061'\n";
        Imported r = imp(log);
        assertThat(r.body(false)).isEmpty();
        assertThat(r.report.filteredRegions()).containsExactly(java.util.Map.entry("fwcfg.data", 1L),
                java.util.Map.entry("gic_cpu", 1L), java.util.Map.entry("pl011", 1L), java.util.Map.entry("pl031", 1L),
                java.util.Map.entry("pl061", 1L), java.util.Map.entry("virt.flash1", 1L));

        Imported kept = imp(log, new ImportOptions().keepPlatformRegions(true));
        assertThat(kept.report.filteredRegions()).isEmpty();
        assertThat(kept.body(false)).startsWith("map va=0x9000000 pa=0x9000000 size=0x1000 attr=device-ngnre",
                "wr va=0x9000000 size=4 val=0x41");
        assertThat(kept.count(Op.RD)).isEqualTo(5);
    }

    @Test
    void unknownEventsAndNonEventLinesAreSkippedAndCounted() throws Exception {
        Imported r = imp("qxl_ring_command_check 0 undefined\n" + "qxl_ring_command_check 0 native\n"
                + "qemu_spice_wakeup 0\n" + "qemu-system-aarch64: warning: something\n" + "\n"
                + "msix_write_config dev virtio-gpu-pci enabled 1 masked 0\n");
        assertThat(r.body(false)).isEmpty();
        assertThat(r.report.skippedByEvent()).containsExactly(java.util.Map.entry(ImportReport.NOT_AN_EVENT, 2L),
                java.util.Map.entry("msix_write_config", 1L), java.util.Map.entry("qemu_spice_wakeup", 1L),
                java.util.Map.entry("qxl_ring_command_check", 2L));
        assertThat(r.report.linesRead()).isEqualTo(6);
        // with an extra mark prefix, msix_write_config becomes a mark
        Imported m = imp("msix_write_config dev virtio-gpu-pci enabled 1 masked 0\n",
                new ImportOptions().markPrefix("msix_"));
        assertThat(m.body(false)).containsExactly("mark name=\"msix_write_config dev virtio-gpu-pci enabled 1 masked 0\"");
    }

    @Test
    void virtioEventsAreMarksWithoutHostPointers() throws Exception {
        Imported r = imp("6432@10.000001:virtio_queue_notify vdev 0x55e4df37b4c0 n 0 vq 0x55e4df3877a0\n"
                + "6430@10.000002:virtio_gpu_cmd_res_flush res 0x1, w 1280, h 800, x 0, y 0\n"
                + "6430@10.000003:virtqueue_pop vq 0x55e4df3877a0 elem 0x55e4df6fca00 in_num 1 out_num 1\n");
        assertThat(r.body(true)).containsExactly("mark t=0 name=\"virtio_queue_notify n 0\"",
                "mark t=1000000 name=\"virtio_gpu_cmd_res_flush res 0x1, w 1280, h 800, x 0, y 0\"");
        assertThat(r.report.skippedByEvent()).containsEntry("virtqueue_pop", 1L);
    }

    @Test
    void timeGoingBackwardsIsClampedAndCounted() throws Exception {
        Imported r = imp("1@5.000010:virtio_set_status vdev 0x1 val 0\n" + "2@5.000004:virtio_set_status vdev 0x1 val 1\n"
                + "1@5.000020:virtio_set_status vdev 0x1 val 3\n");
        assertThat(r.body(true)).containsExactly("mark t=0 name=\"virtio_set_status val 0\"",
                "mark t=0 name=\"virtio_set_status val 1\"", "mark t=10000000 name=\"virtio_set_status val 3\"");
        assertThat(r.report.clampedTimestamps()).isEqualTo(1);
    }

    @Test
    void malformedKnownEventLineIsAnErrorWithItsLineNumber() {
        assertThatThrownBy(() -> imp("qemu_spice_wakeup 0\n" + "qxl_ring_command_check 0 native\n"
                + "memory_region_ops_read cpu 0 mr 0x1 addr 0xzz value 0x0 size 4 name 'x'\n"))
                .isInstanceOf(InputException.class).hasMessageStartingWith("line 3: malformed memory_region_ops_read line");
        assertThatThrownBy(() -> imp("pci_cfg_read qxl 00:01.0 @0x0 => 0x1\n")).isInstanceOf(InputException.class)
                .hasMessageStartingWith("line 1: malformed pci_cfg_read line: expected '->'");
        assertThatThrownBy(() -> imp("\n\nqxl_io_write 0 native addr=0 (QXL_IO_NOTIFY_CMD) val=256 size=1 async=0\n"))
                .isInstanceOf(InputException.class).hasMessageStartingWith("line 3: malformed qxl_io_write line");
        assertThatThrownBy(() -> imp("memory_region_ops_write cpu 0 mr 0x1 addr 0x10 value 0x0 size 3 name 'x'\n"))
                .isInstanceOf(InputException.class).hasMessageContaining("size 1, 2, 4 or 8");
        assertThatThrownBy(() -> imp("pci_update_mappings_add qxl 00:01.0 9,0x1000+0x20\n"))
                .isInstanceOf(InputException.class).hasMessageContaining("BAR index");
        assertThatThrownBy(() -> imp("memory_region_ops_read cpu 0 mr 0x1 addr 0xffc value 0x0 size 8 name 'pcie-mmcfg-mmio'\n"))
                .isInstanceOf(InputException.class).hasMessageStartingWith("line 1:");
    }

    @Test
    void anOverlongLineIsAnErrorNotAnOutOfMemory() {
        String longLine = "x".repeat(LineReader.MAX_LINE + 10);
        assertThatThrownBy(() -> imp("qemu_spice_wakeup 0\n" + longLine + "\n")).isInstanceOf(InputException.class)
                .hasMessageStartingWith("line 2: longer than");
    }

    @Test
    void unknownFormatIsAnInputError() {
        assertThatThrownBy(() -> Importers.importFile("simpletrace", java.nio.file.Path.of("/nonexistent"), null,
                new ImportOptions())).isInstanceOf(InputException.class).hasMessageContaining("qemu-log, mmiotrace");
    }

    @Test
    void gzipAndXzInputAreDetected() throws Exception {
        String log = String.join("\n", BODY) + "\n";
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream g = new java.util.zip.GZIPOutputStream(gz)) {
            g.write(log.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        java.io.ByteArrayOutputStream xz = new java.io.ByteArrayOutputStream();
        try (org.tukaani.xz.XZOutputStream x = new org.tukaani.xz.XZOutputStream(xz, new org.tukaani.xz.LZMA2Options(1))) {
            x.write(log.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        List<String> plain = imp(log).body(false);
        assertThat(plain).hasSize(2);
        assertThat(Imported.of("qemu-log", new java.io.ByteArrayInputStream(gz.toByteArray()), "a.gz", new ImportOptions())
                .body(false)).isEqualTo(plain);
        assertThat(Imported.of("qemu-log", new java.io.ByteArrayInputStream(xz.toByteArray()), "a.xz", new ImportOptions())
                .body(false)).isEqualTo(plain);
    }

    @Test
    void importFileWritesATraceFileThatReadsBack(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path in = dir.resolve("run.log");
        java.nio.file.Files.writeString(in, String.join("\n", BODY) + "\n");
        java.nio.file.Path out = dir.resolve("run.gvt.txt");
        ImportReport rep;
        try (dev.gvsim.guesttraces.format.TraceWriter w = dev.gvsim.guesttraces.format.TraceFiles.create(out, false)) {
            rep = Importers.importFile("qemu-log", in, w, new ImportOptions().device("qxl"));
        }
        assertThat(rep.recordsWritten()).isEqualTo(5); // meta, machine, cfgrd, iowr, meta pci_devices
        assertThat(rep.linesRead()).isEqualTo(4);
        List<String> lines = java.nio.file.Files.readAllLines(out);
        assertThat(lines).containsExactly("gvsim-trace 1", "meta source=run.log format=qemu-log qemu_version=unknown",
                "machine args=\"-M virt -device qxl\"", "cfgrd bdf=00:01.0 off=0x0 size=4 expect=0x1001b36",
                "iowr port=0x1005 size=1 val=0x0", "meta pci_devices=00:01.0=qxl", "end records=5");
    }

    /**
     * virtio_gpu_cmd_* lines are counted per command whether or not they become marks (the mark
     * prefixes only decide the records); other virtio_gpu_* events are not commands.
     */
    @Test
    void countsVirtioGpuCommandLinesPerCommand() throws Exception {
        String log = String.join("\n",
                "7@1.000001:virtio_gpu_cmd_get_edid scanout 0",
                "7@1.000002:virtio_gpu_cmd_get_display_info ",
                "7@1.000003:virtio_gpu_cmd_res_flush res 0x2, w 8, h 16, x 0, y 0",
                "7@1.000004:virtio_gpu_cmd_res_flush res 0x2, w 1280, h 800, x 0, y 0",
                "7@1.000005:virtio_gpu_features virgl 0",
                "7@1.000006:virtio_queue_notify vdev 0x55 n 0 vq 0x56") + "\n";
        Imported marked = imp(log);
        assertThat(marked.report.virtioGpuCommands()).containsExactly(java.util.Map.entry("get_display_info", 1L),
                java.util.Map.entry("get_edid", 1L), java.util.Map.entry("res_flush", 2L));
        assertThat(marked.report.virtioGpuCommandCount()).isEqualTo(4);
        assertThat(marked.lines(false, dev.gvsim.guesttraces.format.Op.MARK)).hasSize(6);

        Imported unmarked = imp(log, new ImportOptions().clearMarkPrefixes());
        assertThat(unmarked.report.virtioGpuCommands()).isEqualTo(marked.report.virtioGpuCommands());
        assertThat(unmarked.lines(false, dev.gvsim.guesttraces.format.Op.MARK)).isEmpty();
        assertThat(unmarked.report.skippedByEvent()).containsEntry("virtio_gpu_cmd_res_flush", 2L);
    }
}
