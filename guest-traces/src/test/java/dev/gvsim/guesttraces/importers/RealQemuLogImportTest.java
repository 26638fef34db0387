package dev.gvsim.guesttraces.importers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.guesttraces.format.TraceRecord;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Every bundled real QEMU 7.2.22 log (traces/README.md) imports without error; the record counts are
 * those of the logs' own events: cfgrd + cfgwr = the ECAM ('pcie-mmcfg-mmio') lines, iowr = the
 * 'qxl-ioports' lines (each folded with its qxl_io_write), rd + wr = the BAR register lines
 * (msix-table, virtio-pci-*), and every pci_cfg_* line pairs with its ECAM line (no inferred size).
 */
class RealQemuLogImportTest {
    static final String DIR = "/dev/gvsim/guesttraces/traces/qemu-log/";

    static Imported load(String name) throws Exception {
        try (InputStream in = RealQemuLogImportTest.class.getResourceAsStream(DIR + name + ".trace.xz")) {
            assertThat(in).as(name).isNotNull();
            return Imported.of("qemu-log", in, name + ".trace.xz", new ImportOptions());
        }
    }

    @ParameterizedTest
    @CsvSource({
        // name,              lines, records, cfgrd, cfgwr, iowr, rd, wr, map, mark, paired, pl011
        "qxl_root,            45925, 196,     111,   38,    40,   0,  0,  0,   4,    158,    43016",
        "qxl_rp,              51809, 521,     355,   102,   40,   5,  10, 1,   5,    466,    48411",
        "vgpu_root,           46261, 665,     282,   44,    0,    29, 97, 2,   208,  295,    42438",
        "uefi_qxl_root,       65540, 893,     683,   141,   46,   0,  0,  0,   20,   659,    51797",
        "uefi_vgpurp1_qxlrp2, 86241, 3322,    2379,  573,   48,   86, 148, 3,  82,   2548,   66152",
        "vgpu_fbpartial,      62231, 2226,    282,   44,    0,    29, 357, 2,  1509, 295,    50975",
        "vgpu_rp,             61463, 1034,    596,   111,   0,    34, 102, 3,  185,  676,    56176",
        "vgpu_2out,           60360, 660,     282,   44,    0,    29, 96,  2,  204,  295,    53720",
        "vgpu_2out_noedid,    59872, 682,     282,   44,    0,    29, 100, 2,  222,  295,    54005",
        "uefi_vgpu_rp,        85774, 2710,    1636,  335,   0,    110, 237, 3, 386,  1636,   65724",
    })
    void importsEveryBundledLog(String name, long lines, long records, long cfgrd, long cfgwr, long iowr, long rd, long wr,
            long map, long mark, long paired, long pl011) throws Exception {
        Imported r = load(name);
        ImportReport rep = r.report;
        assertThat(rep.linesRead()).isEqualTo(lines);
        assertThat(rep.recordsWritten()).isEqualTo(records).isEqualTo(r.records.size());
        assertThat(r.count(Op.CFGRD)).isEqualTo(cfgrd);
        assertThat(r.count(Op.CFGWR)).isEqualTo(cfgwr);
        assertThat(r.count(Op.IOWR)).isEqualTo(iowr);
        assertThat(r.count(Op.RD)).isEqualTo(rd);
        assertThat(r.count(Op.WR)).isEqualTo(wr);
        assertThat(r.count(Op.MAP)).isEqualTo(map);
        assertThat(r.count(Op.MARK)).isEqualTo(mark);
        assertThat(r.count(Op.MACHINE)).isEqualTo(1);
        assertThat(rep.pairedLines()).isEqualTo(paired);
        assertThat(rep.inferredSizes()).isZero();
        assertThat(rep.notes()).isZero();
        assertThat(rep.clampedTimestamps()).isZero();
        assertThat(rep.filteredRegions()).containsEntry("pl011", pl011);
        // every line is accounted for: records, folded pairs, filtered or skipped
        long dataRecords = records - 3; // meta header, machine, meta pci_devices
        assertThat(dataRecords - map + paired + rep.filteredLines() + rep.skippedLines()).isEqualTo(lines);
        TraceRecord meta = r.records.get(0);
        assertThat(meta.metaValue(0)).isEqualTo(name + ".trace.xz");
        assertThat(meta.metaValue(1)).isEqualTo("qemu-log");
        assertThat(meta.metaValue(2)).isEqualTo("unknown");
        // t never goes backwards and starts at 0
        long last = 0;
        for (TraceRecord t : r.records) {
            if (t.hasT) {
                assertThat(t.t).isGreaterThanOrEqualTo(last);
                last = t.t;
            }
        }
    }

    /**
     * The virtio_gpu_cmd_* lines of a log are counted per command in the report and kept as marks (one
     * per line); they are all the trace says about the commands, since a QEMU log holds no guest RAM.
     * uefi_vgpurp1_qxlrp2 was recorded without the virtio-gpu trace events.
     */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "vgpu_root;           75;  {get_display_info=1, get_edid=1, res_back_attach=1, res_create_2d=1, res_flush=34, res_xfer_toh_2d=34, set_scanout=3}",
        "vgpu_fbpartial;      595; {get_display_info=1, get_edid=1, res_back_attach=1, res_create_2d=1, res_flush=294, res_xfer_toh_2d=294, set_scanout=3}",
        "vgpu_rp;             65;  {get_display_info=1, get_edid=1, res_back_attach=1, res_create_2d=1, res_flush=29, res_xfer_toh_2d=29, set_scanout=3}",
        "vgpu_2out;           74;  {get_display_info=1, get_edid=2, res_back_attach=1, res_create_2d=1, res_flush=33, res_xfer_toh_2d=33, set_scanout=3}",
        "vgpu_2out_noedid;    80;  {get_display_info=1, res_back_attach=1, res_create_2d=1, res_flush=37, res_xfer_toh_2d=37, set_scanout=3}",
        "uefi_vgpu_rp;        115; {get_display_info=2, get_edid=1, res_back_attach=3, res_back_detach=1, res_create_2d=3, res_flush=50, res_unref=1, res_xfer_toh_2d=49, set_scanout=5}",
        "uefi_vgpurp1_qxlrp2; 0;   {}"})
    void countsTheVirtioGpuCommandsTheLogNames(String name, long total, String perCommand) throws Exception {
        Imported r = load(name);
        assertThat(r.report.virtioGpuCommandCount()).isEqualTo(total);
        assertThat(r.report.virtioGpuCommands().toString()).isEqualTo(perCommand);
        long marks = r.lines(false, Op.MARK).stream().filter(s -> s.matches(".* name=\"?virtio_gpu_cmd_.*")).count();
        assertThat(marks).as("one mark per command line").isEqualTo(total);
    }

    private static Optional<String> first(Imported r, Op op, String contains) {
        return r.lines(false, op).stream().filter(s -> s.contains(contains)).findFirst();
    }

    @Test
    void qxlRootExactRecords() throws Exception {
        Imported r = load("qxl_root");
        // QXL vendor/device id (1b36:0100, QEMU hw/display/qxl.c) and the host bridge's 1b36:0008
        assertThat(first(r, Op.CFGRD, "bdf=00:01.0 off=0x0 ")).hasValue("cfgrd bdf=00:01.0 off=0x0 size=4 expect=0x1001b36");
        assertThat(r.lines(true, Op.CFGRD).get(0)).isEqualTo("cfgrd t=1465560000000 bdf=00:00.0 off=0x0 size=4 expect=0x81b36");
        // BAR0 sizing: 64 MiB memory BAR
        assertThat(first(r, Op.CFGRD, "bdf=00:01.0 off=0x10 size=4 expect=0xfc")).hasValue(
                "cfgrd bdf=00:01.0 off=0x10 size=4 expect=0xfc000000");
        assertThat(r.lines(false, Op.IOWR).get(0)).isEqualTo("iowr port=0x1005 size=1 val=0x0"); // QXL_IO_RESET
        assertThat(r.lines(false, Op.IOWR).get(1)).isEqualTo("iowr port=0x1011 size=1 val=0x1"); // MEMSLOT_ADD_ASYNC
        assertThat(r.lines(false, Op.MARK)).contains("mark name=\"pci_update_mappings_add qxl 00:01.0 3,0x1000+0x20\"");
        assertThat(r.records.get(r.records.size() - 1).metaValue(0)).isEqualTo("00:00.0=gpex-root 00:01.0=qxl");
        // the 40 QXL I/O writes as the facts count them
        List<String> io = r.lines(false, Op.IOWR);
        assertThat(io.stream().filter(s -> s.startsWith("iowr port=0x1000 ")).count()).isEqualTo(27); // NOTIFY_CMD
        assertThat(io.stream().filter(s -> s.startsWith("iowr port=0x1003 ")).count()).isEqualTo(6); // UPDATE_IRQ
    }

    @Test
    void qxlBehindRootPortAndVirtioGpuExactRecords() throws Exception {
        Imported rp = load("qxl_rp");
        assertThat(first(rp, Op.CFGRD, "bdf=01:00.0 off=0x0 ")).hasValue("cfgrd bdf=01:00.0 off=0x0 size=4 expect=0x1001b36");
        assertThat(rp.lines(false, Op.CFGWR)).containsSubsequence("cfgwr bdf=00:01.0 off=0x18 size=4 val=0x0",
                "cfgwr bdf=00:01.0 off=0x18 size=4 val=0xff0100"); // bus numbers: primary 0, secondary 1, subordinate ff
        assertThat(rp.lines(false, Op.IOWR).get(0)).isEqualTo("iowr port=0x1005 size=1 val=0x0");
        assertThat(rp.lines(false, Op.MAP)).containsExactly("map va=0x1a000000 pa=0x1a000000 size=0x1000 attr=device-ngnre");

        Imported vg = load("vgpu_root");
        assertThat(first(vg, Op.CFGRD, "bdf=00:01.0 off=0x0 ")).hasValue("cfgrd bdf=00:01.0 off=0x0 size=4 expect=0x10501af4");
        assertThat(vg.lines(false, Op.MAP)).containsExactly(
                "map va=0x8000000000 pa=0x8000000000 size=0x4000 attr=device-ngnre",
                "map va=0x10000000 pa=0x10000000 size=0x1000 attr=device-ngnre");
        // virtio-pci common cfg: device_feature_select / device_feature (VIRTIO 1.1 §4.1.4.3)
        assertThat(vg.body(false)).containsSubsequence("wr va=0x8000000000 size=4 val=0x0",
                "rd va=0x8000000004 size=4 expect=0x30000002");
        assertThat(vg.lines(false, Op.MARK).stream().filter(s -> s.startsWith("mark name=\"virtio_gpu_cmd_res_flush")).count())
                .isEqualTo(34);
    }
}
