package dev.gvsim.guesttraces.importers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gvsim.guesttraces.format.Op;
import dev.gvsim.simcore.InputException;

import org.junit.jupiter.api.Test;

/** A hand-written mmiotrace following kernel/trace/trace_mmiotrace.c's printf formats. */
class MmiotraceImporterTest {
    static final String SAMPLE = ""
            + "VERSION 20070824\n"
            + "PCIDEV 0008 1b360100 b 10000008 14000008 18000000 1001 0 0 0 4000000 4000000 2000 20 0 0 0 qxl\n"
            + "PCIDEV 0010 1af41050 c 0 10000000 0 0 800000000c 0 0 0 1000 0 0 4000 0 0 virtio-pci\n"
            + "PCIDEV 0000 1b360008 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
            + "LSPCI 00:01.0 VGA compatible controller\n"
            + "MAP 10.000100 1 0x18000000 0xffffc90000010000 0x2000 0x0 0\n"
            + "R 4 10.000200 1 0x18000000 0x4f525851 0xffffffffa0001234 0\n"
            + "W 4 10.000300 1 0x18000004 0x2 0x0 0\n"
            + "MAP 10.000400 2 0x13ffe004 0xffffc90000021004 0x2000 0x0 0\n"
            + "W 8 10.000500 2 0x13fff49c 0x10000000 0x0 0\n"
            + "MARK 10.000600 frame 1 done\n"
            + "UNKNOWN 10.000700 1 0x18000008 0f,b7,07 0xffffffffa0005678 0\n"
            + "MARK 0.000000 Lost 3 events.\n"
            + "R 1 10.000800 7 0x18001000 0x5 0x0 0\n"
            + "R 2 10.000900 9 0x50000000 0x1234 0x0 0\n"
            + "UNMAP 10.001000 1 0x0 0\n";

    @Test
    void sampleBecomesMapsAccessesMarksAndMachine() throws Exception {
        Imported r = Imported.of("mmiotrace", SAMPLE, new ImportOptions());
        assertThat(r.lines(true, Op.META)).containsExactly(
                "meta source=test.log format=mmiotrace",
                "meta mmiotrace_version=20070824",
                "meta pcidev=00:01.0 ids=1b36:0100 irq=11 resources=\"bar0=0x10000008+0x4000000 bar1=0x14000008+0x4000000"
                        + " bar2=0x18000000+0x2000 bar3=0x1001+0x20\" driver=qxl",
                "meta pcidev=00:02.0 ids=1af4:1050 irq=12 resources=\"bar1=0x10000000+0x1000 bar4=0x800000000c+0x4000\""
                        + " driver=virtio-pci",
                "meta pcidev=00:00.0 ids=1b36:0008 irq=0",
                "meta t=800000000 note=\"mmiotrace access without a MAP at line 15: identity-mapped 0x50000000\"");
        assertThat(r.lines(false, Op.MACHINE)).containsExactly("machine args=\"-M virt -device qxl -device virtio-gpu-pci\"");
        assertThat(r.body(true)).containsExactly(
                "map t=0 va=0xffffc90000010000 pa=0x18000000 size=0x2000 attr=device-ngnre",
                "rd t=100000000 va=0xffffc90000010000 size=4 expect=0x4f525851 pc=0xffffffffa0001234",
                "wr t=200000000 va=0xffffc90000010004 size=4 val=0x2",
                // ioremap of the QXL RAM header at an offset inside its page: widened to 3 pages
                "map t=300000000 va=0xffffc90000021000 pa=0x13ffe000 size=0x3000 attr=device-ngnre",
                "wr t=400000000 va=0xffffc9000002249c size=8 val=0x10000000",
                "mark t=500000000 name=\"frame 1 done\"",
                "mark t=600000000 name=\"mmiotrace UNKNOWN map 1 phys 0x18000008 opcode 0f,b7,07 pc 0xffffffffa0005678\"",
                "mark t=600000000 name=\"Lost 3 events.\"",
                // unknown map id 7, but the address lies in map 1
                "rd t=700000000 va=0xffffc90000011000 size=1 expect=0x5",
                "map t=800000000 va=0x50000000 pa=0x50000000 size=0x1000 attr=device-ngnre",
                "rd t=800000000 va=0x50000000 size=2 expect=0x1234",
                "unmap t=900000000 va=0xffffc90000010000 size=0x2000");
        assertThat(r.report.clampedTimestamps()).isEqualTo(1);
        assertThat(r.report.skippedByEvent()).containsExactly(java.util.Map.entry("LSPCI", 1L));
        assertThat(r.report.notes()).isEqualTo(1);
        assertThat(r.report.linesRead()).isEqualTo(16);
    }

    @Test
    void callerDevicesOverrideRecognisedOnes() throws Exception {
        Imported r = Imported.of("mmiotrace", SAMPLE, new ImportOptions().device("qxl,bus=rp1"));
        assertThat(r.lines(false, Op.MACHINE)).containsExactly("machine args=\"-M virt -device qxl,bus=rp1\"");
    }

    @Test
    void malformedKnownLinesAreErrorsWithTheirLineNumber() {
        assertThatThrownBy(() -> Imported.of("mmiotrace", "VERSION 20070824\nR 3 10.000200 1 0x18000000 0x4f 0x0 0\n",
                new ImportOptions())).isInstanceOf(InputException.class).hasMessageStartingWith("line 2: malformed R line")
                .hasMessageContaining("width 1, 2, 4 or 8");
        assertThatThrownBy(() -> Imported.of("mmiotrace", "MAP 10.000100 1 0x18000000\n", new ImportOptions()))
                .isInstanceOf(InputException.class).hasMessageStartingWith("line 1: malformed MAP line");
        assertThatThrownBy(() -> Imported.of("mmiotrace", "\nMAP 10.000100 1 0x18000000 0xffffc90000010010 0x10 0x0 0\n",
                new ImportOptions())).isInstanceOf(InputException.class).hasMessageStartingWith("line 2: malformed MAP line")
                .hasMessageContaining("same offset");
        assertThatThrownBy(() -> Imported.of("mmiotrace", "PCIDEV 0008 1b360100 b 1 2 3\n", new ImportOptions()))
                .isInstanceOf(InputException.class).hasMessageStartingWith("line 1: malformed PCIDEV line");
        assertThatThrownBy(() -> Imported.of("mmiotrace", "W 1 1.000000 1 0x10 0x100 0x0 0\n", new ImportOptions()))
                .isInstanceOf(InputException.class).hasMessageContaining("fits in 1 bytes");
    }
}
