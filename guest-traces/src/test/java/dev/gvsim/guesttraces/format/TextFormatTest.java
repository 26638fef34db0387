package dev.gvsim.guesttraces.format;

import static dev.gvsim.guesttraces.format.Traces.one;
import static dev.gvsim.guesttraces.format.Traces.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gvsim.simcore.Access;
import dev.gvsim.simcore.InputException;

import java.util.List;

import org.junit.jupiter.api.Test;

/** One accept and one reject case per rule of docs/trace-format.md (text version 1). */
class TextFormatTest {
    private static final String H = "gvsim-trace 1\n";

    private static void rejects(String text, String... fragments) {
        assertThatThrownBy(() -> parse(text)).isInstanceOf(InputException.class).satisfies(e -> {
            for (String f : fragments) {
                assertThat(e.getMessage()).contains(f);
            }
        });
    }

    // ---- Lines: header

    @Test
    void headerFirstNonCommentLine() throws Exception {
        List<TraceRecord> l = parse("# recorded by hand\n\n   \ngvsim-trace 1   # header\nmark name=a\n");
        assertThat(l).hasSize(1);
        assertThat(l.get(0).line).isEqualTo(5);
        assertThat(l.get(0).index).isEqualTo(1);
    }

    @Test
    void missingHeaderIsAnErrorOnItsLine() {
        rejects("# c\nrd va=0x1000 size=4\n", "line 2: expected header 'gvsim-trace 1' but found 'rd va=0x1000 size=4'");
        rejects("", "line 0: expected header 'gvsim-trace 1' but found end of file");
        rejects("gvsim-trace 2\n", "line 1: expected version 1", "'2'");
        rejects("gvsim-trace\n", "line 1: expected a version");
        rejects("gvsim-trace 1 extra\n", "line 1: expected end of header line but found 'extra'");
    }

    // ---- comments and blank lines

    @Test
    void commentsAndBlankLines() throws Exception {
        List<TraceRecord> l = parse(H + "\n# whole line\n\t\nmark name=a#tail comment\nmark name=\"a # b\" # c\r\n"
                + "rd va=0x1000 size=4   # ioremap(rom)\n");
        assertThat(l).extracting(r -> r.line).containsExactly(5L, 6L, 7L);
        assertThat(l.get(0).name).isEqualTo("a");
        assertThat(l.get(1).name).isEqualTo("a # b");
        assertThat(l.get(2).size).isEqualTo(4);
    }

    // ---- key=value tokens

    @Test
    void keysInAnyOrder() throws Exception {
        TraceRecord a = one("map va=0x1000 pa=0x2000 size=0x1000 attr=normal-nc");
        TraceRecord b = one("map attr=normal-nc size=4096 pa=8192 va=4096");
        assertThat(a.sameContent(b)).isTrue();
    }

    @Test
    void unknownKeyIsAnError() {
        rejects(H + "mark name=a\nrd va=0x10 size=4 colour=red\n", "line 3: expected a key of rd (", "but found 'colour'");
        rejects(H + "rd va=0x10 size=4 val=1\n", "line 2:", "but found 'val'"); // val belongs to wr
        rejects(H + "rd va=0x10 size=4 stray\n", "line 2: expected key=value but found 'stray'");
        rejects(H + "rd va=0x10 size=4 =5\n", "line 2: expected a key before '='");
        rejects(H + "rd va=0x10 size=4 pc=\n", "line 2: expected a value after pc=");
        rejects(H + "rd va=0x10 size=4 va=0x20\n", "line 2: expected each key once but found va twice");
        rejects(H + "rd va=0x10\n", "line 2: expected key size= on rd but found none");
    }

    @Test
    void unknownOpIsAnError() {
        rejects(H + "\nload va=0x10 size=4\n", "line 3: expected an op (meta, machine", "but found 'load'");
        rejects(H + "RD va=0x10 size=4\n", "line 2:", "'RD'");
    }

    // ---- numbers

    @Test
    void numbersHexOrDecimal() throws Exception {
        TraceRecord r = one("rd va=0xFFFF800018000000 size=16 expect=0x0123456789abcdef0011223344556677");
        assertThat(r.va).isEqualTo(0xffff800018000000L);
        assertThat(r.expectHi).isEqualTo(0x0123456789abcdefL);
        assertThat(r.expect).isEqualTo(0x0011223344556677L);
        TraceRecord d = one("rd va=18446603336623849472 size=16 expect=340282366920938463463374607431768211455");
        assertThat(d.va).isEqualTo(0xffff800018000000L);
        assertThat(d.expect).isEqualTo(-1L);
        assertThat(d.expectHi).isEqualTo(-1L);
    }

    @Test
    void badNumberIsAnError() {
        rejects(H + "rd va=0xzz size=4\n", "line 2: expected a number (0x hex or decimal) for va but found '0xzz'");
        rejects(H + "rd va=-4 size=4\n", "line 2: expected a number", "'-4'");
        rejects(H + "rd va=1.5 size=4\n", "line 2: expected a number", "'1.5'");
        rejects(H + "rd va=0x size=4\n", "line 2: expected a number", "'0x'");
        rejects(H + "rd va=0x10000000000000000 size=4\n", "line 2: expected va to fit in 64 bits");
        rejects(H + "rd va=18446744073709551616 size=4\n", "line 2: expected va to fit in 64 bits");
        rejects(H + "rd va=0x10 size=16 expect=340282366920938463463374607431768211456\n", "expected expect to fit in 128 bits");
        rejects(H + "delay ps=0x8000000000000000\n", "line 2: expected ps at most");
    }

    // ---- quoted values

    @Test
    void quotedValuesWithEscapes() throws Exception {
        TraceRecord r = one("meta source=\"Linux 6.1 \\\"drm/qxl\\\" probe\" path=\"C:\\\\x\" empty=\"\"");
        assertThat(r.metaKey(0)).isEqualTo("source");
        assertThat(r.metaValue(0)).isEqualTo("Linux 6.1 \"drm/qxl\" probe");
        assertThat(r.metaValue(1)).isEqualTo("C:\\x");
        assertThat(r.metaValue(2)).isEmpty();
    }

    @Test
    void badQuotingIsAnError() {
        rejects(H + "mark name=\"a\\n\"\n", "line 2: expected \\\" or \\\\ after a backslash but found '\\n'");
        rejects(H + "mark name=\"open\n", "line 2: expected a closing '\"' but found end of line");
        rejects(H + "mark name=\"a\"b\n", "line 2: expected a space after the closing '\"' but found 'b'");
        rejects(H + "mark name=a\"b\"\n", "line 2: expected a quoted value to start with '\"'");
    }

    // ---- x- keys

    @Test
    void xKeysAreKeptInOrderAndRoundTrip() throws Exception {
        TraceRecord r = one("wr va=0xffff80001801149c size=8 x-insn=\"stur x4, [x1, #0x9c]\" x-seq=7");
        assertThat(r.xCount()).isEqualTo(2);
        assertThat(r.xKey(0)).isEqualTo("x-insn");
        assertThat(r.xValue(0)).isEqualTo("stur x4, [x1, #0x9c]");
        assertThat(r.x("x-seq")).isEqualTo("7");
        TraceRecord back = Traces.parse(Traces.text(List.of(r))).get(0);
        assertThat(back.sameContent(r)).isTrue();
        rejects(H + "rd va=0 size=1 x-a=1 x-a=2\n", "line 2: expected each key once but found x-a twice");
        rejects(H + "rd va=0 size=1 x-=1\n", "line 2:", "but found 'x-'");
    }

    // ---- t and cpu

    @Test
    void timeAndCpu() throws Exception {
        List<TraceRecord> l = parse(H + "mark name=a t=100 cpu=3\nmark name=b\nmark name=c t=100\ndelay ps=5 t=0x100\n");
        assertThat(l.get(0).hasT).isTrue();
        assertThat(l.get(0).t).isEqualTo(100);
        assertThat(l.get(0).cpu).isEqualTo(3);
        assertThat(l.get(1).hasT).isFalse();
        assertThat(l.get(1).cpu).isZero();
        assertThat(l.get(3).t).isEqualTo(256);
        rejects(H + "cpu=1\n", "line 2: expected an op");
        rejects(H + "mark name=a cpu=4096\n", "line 2: expected cpu 0..4095 but found '4096'");
    }

    @Test
    void timeGoingBackwardsIsAnError() {
        rejects(H + "mark name=a t=1000\nmark name=b\nmark name=c t=999\n",
                "line 4: expected t >= 1000 (time must not go backwards) but found t=999");
    }

    // ---- CPU access records: pc, sym, flags

    @Test
    void specExampleStore() throws Exception {
        TraceRecord r = one("wr va=0xffff80001801149c size=8 val=0x10000000 pc=0xffffd90fa7dce538 sym=setup_slot+0x38 "
                + "x-insn=\"stur x4, [x1, #0x9c]\"");
        assertThat(r.op).isEqualTo(Op.WR);
        assertThat(r.va).isEqualTo(0xffff80001801149cL);
        assertThat(r.size).isEqualTo(8);
        assertThat(r.hasVal).isTrue();
        assertThat(r.val).isEqualTo(0x10000000L);
        assertThat(r.hasPc).isTrue();
        assertThat(r.pc).isEqualTo(0xffffd90fa7dce538L);
        assertThat(r.sym).isEqualTo("setup_slot+0x38");
        assertThat(r.hasExpect).isFalse();
    }

    @Test
    void symbolsAreInterned() throws Exception {
        List<TraceRecord> l = parse(H + "rd va=0 size=4 sym=qxl_irq_handler+0x2c\nrd va=4 size=4 sym=qxl_irq_handler+0x2c\n");
        assertThat(l.get(0).sym).isSameAs(l.get(1).sym);
    }

    @Test
    void flags() throws Exception {
        assertThat(one("wr va=0x10 size=4 flags=excl,rel").flags).isEqualTo(Access.F_EXCL | Access.F_REL);
        assertThat(one("rd va=0x10 size=8 flags=acq,atomic,pair").flags).isEqualTo(Access.F_ACQ | Access.F_ATOMIC | Access.F_PAIR);
        assertThat(one("wr va=0x40 size=64 flags=zva").flags).isEqualTo(Access.F_ZVA);
        rejects(H + "rd va=0x10 size=4 flags=excl,bogus\n", "line 2: expected flags from excl, acq, rel, atomic, pair, zva but found 'bogus'");
        rejects(H + "rd va=0x10 size=4 flags=excl,\n", "line 2: expected flags", "empty item");
        rejects(H + "rd va=0x40 size=64 flags=zva\n", "line 2: expected flags=zva only on wr");
        rejects(H + "cfgrd bdf=00:01.0 off=0 size=4 flags=acq\n", "line 2:", "but found 'flags'");
    }

    // ---- ops

    @Test
    void metaAndMachine() throws Exception {
        TraceRecord m = one("meta source=\"Linux 6.1 drm/qxl probe\" recorder=\"QEMU TCG plugin\"");
        StringBuilder sb = new StringBuilder();
        m.forEachMeta((k, v) -> sb.append(k).append('=').append(v).append(';'));
        assertThat(sb).hasToString("source=Linux 6.1 drm/qxl probe;recorder=QEMU TCG plugin;");
        assertThat(one("machine args=\"-M virt -device qxl\"").machineArgs).isEqualTo("-M virt -device qxl");
        rejects(H + "machine\n", "line 2: expected key args= on machine but found none");
    }

    @Test
    void mapAllAttrs() throws Exception {
        for (int i = 0; i < TraceRecord.ATTR_NAMES.length; i++) {
            TraceRecord r = one("map va=0xffff800018000000 pa=0x18000000 size=0x2000 attr=" + TraceRecord.ATTR_NAMES[i]);
            assertThat(r.attr).isEqualTo(i);
        }
    }

    @Test
    void badAttrIsAnError() {
        rejects(H + "map va=0x1000 pa=0x1000 size=0x1000 attr=device\n",
                "line 2: expected attr one of device-ngnrne, device-ngnre, device-ngre, device-gre, normal-nc, normal-wt, normal-wb but found 'device'");
        rejects(H + "s2map ipa=0x1000 pa=0x1000 size=0x1000 attr=Normal-NC\n", "line 2: expected attr one of");
    }

    @Test
    void s2mapAndUnmap() throws Exception {
        TraceRecord s = one("s2map ipa=0x40000000 pa=0x80000000 size=0x200000 attr=normal-wb fwb=1");
        assertThat(s.ipa).isEqualTo(0x40000000L);
        assertThat(s.fwb).isEqualTo(1);
        assertThat(one("s2map ipa=0x1000 pa=0x1000 size=0x1000 attr=normal-wb").fwb).isEqualTo(-1);
        TraceRecord u2 = one("unmap ipa=0x40000000 size=0x1000 stage=2");
        assertThat(u2.stage).isEqualTo(2);
        assertThat(u2.ipa).isEqualTo(0x40000000L);
        TraceRecord u1 = one("unmap va=0xffff800018000000 size=0x2000");
        assertThat(u1.stage).isEqualTo(1);
        rejects(H + "s2map ipa=0x1000 pa=0x1000 size=0x1000 attr=normal-wb fwb=2\n", "line 2: expected fwb 0..1 but found '2'");
        rejects(H + "unmap va=0x1000 size=0x1000 stage=2\n", "line 2: expected ipa= (not va=) on unmap stage=2");
        rejects(H + "unmap ipa=0x1000 size=0x1000\n", "line 2: expected va= (ipa= needs stage=2)");
        rejects(H + "unmap va=0x1000 size=0x1000 stage=3\n", "line 2: expected stage=1 or stage=2 but found '3'");
        rejects(H + "map va=0x1000 pa=0x1000 size=0x1000 attr=normal-wb fwb=1\n", "line 2:", "but found 'fwb'");
    }

    @Test
    void badSizeIsAnError() {
        rejects(H + "rd va=0x10 size=3\n", "line 2: expected size 1, 2, 4, 8 or 16 for rd but found size=3");
        rejects(H + "wr va=0x10 size=32\n", "line 2: expected size 1, 2, 4, 8 or 16 for wr but found size=32");
        rejects(H + "cfgrd bdf=00:01.0 off=0 size=8\n", "line 2: expected size 1, 2 or 4 for cfgrd but found size=8");
        rejects(H + "iowr port=0x3f8 size=0 val=1\n", "line 2: expected size 1, 2 or 4 for iowr but found size=0");
        rejects(H + "map va=0x1000 pa=0x1000 size=0x1234 attr=normal-nc\n",
                "line 2: expected size a non-zero multiple of 0x1000 (4 KiB granule) but found size=0x1234");
        rejects(H + "map va=0x1800 pa=0x1000 size=0x1000 attr=normal-nc\n", "line 2: expected va and pa aligned to 0x1000");
        rejects(H + "map va=0xfffffffffffff000 pa=0x1000 size=0x2000 attr=normal-nc\n", "line 2: expected va/pa + size within");
        rejects(H + "rd va=0x10 size=1 expect=0x100\n", "line 2: expected expect to fit in 1 bytes but found expect=0x100");
        rejects(H + "wr va=0x10 size=8 val=0x10000000000000000\n", "line 2: expected val to fit in 8 bytes");
        rejects(H + "memcpy dst=0x0 src=0x0 len=0x100000001\n", "line 2: expected len <= 0x100000000");
        rejects(H + "cfgrd bdf=00:01.0 off=0xffe size=4\n", "line 2: expected off + size <= 0x1000");
    }

    @Test
    void stringOps() throws Exception {
        TraceRecord c = one("memcpy dst=0xffff800010000000 src=0xffff000001000000 len=0x1000 impl=memcpy-toio");
        assertThat(c.dst).isEqualTo(0xffff800010000000L);
        assertThat(c.src).isEqualTo(0xffff000001000000L);
        assertThat(c.len).isEqualTo(0x1000);
        assertThat(c.implName()).isEqualTo("memcpy-toio");
        assertThat(one("memcpy dst=0 src=0 len=4").implName()).isNull();
        TraceRecord s = one("memset dst=0x1000 len=64 val=0xff impl=arm64-memcpy");
        assertThat(s.val).isEqualTo(0xff);
        assertThat(s.hasVal).isTrue();
        rejects(H + "memset dst=0x1000 len=64\n", "line 2: expected key val= on memset but found none");
        rejects(H + "memset dst=0x1000 len=64 val=0x100\n", "line 2: expected memset val 0..0xff");
    }

    @Test
    void configAndIo() throws Exception {
        TraceRecord r = one("cfgrd bdf=01:1f.7 off=0x10 size=4 expect=0xfe000000");
        assertThat(r.bdf).isEqualTo(1 << 8 | 0x1f << 3 | 7);
        assertThat(r.off).isEqualTo(0x10);
        assertThat(r.expect).isEqualTo(0xfe000000L);
        TraceRecord w = one("cfgwr bdf=ff:00.0 off=4 size=2 val=0x0107");
        assertThat(w.bdf).isEqualTo(0xff00);
        assertThat(w.val).isEqualTo(0x107);
        TraceRecord io = one("iord port=0x3f8 size=1 expect=0x60");
        assertThat(io.port).isEqualTo(0x3f8);
        assertThat(one("iowr port=0x1004 size=1 val=0").hasVal).isTrue();
        rejects(H + "cfgwr bdf=00:01.0 off=0 size=4\n", "line 2: expected key val= on cfgwr");
        rejects(H + "iowr port=0x10 size=1\n", "line 2: expected key val= on iowr");
        rejects(H + "iord port=0x100000000 size=1\n", "line 2: expected port 0..4294967295");
    }

    @Test
    void badBdfIsAnError() {
        String msg = "expected bdf as BB:DD.F (hex bus 00-ff, device 00-1f, function 0-7) but found ";
        rejects(H + "cfgrd bdf=00:20.0 off=0 size=4\n", "line 2: " + msg + "'00:20.0'");
        rejects(H + "cfgrd bdf=00:1f.8 off=0 size=4\n", "line 2: " + msg + "'00:1f.8'");
        rejects(H + "cfgrd bdf=100:00.0 off=0 size=4\n", "line 2: " + msg + "'100:00.0'");
        rejects(H + "cfgrd bdf=0000:00:01.0 off=0 size=4\n", "line 2: " + msg);
        rejects(H + "cfgrd bdf=00.01.0 off=0 size=4\n", "line 2: " + msg);
        rejects(H + "cfgrd bdf=0x8 off=0 size=4\n", "line 2: " + msg);
    }

    @Test
    void delayAndMark() throws Exception {
        assertThat(one("delay ps=1000000").ps).isEqualTo(1_000_000);
        assertThat(one("mark name=\"frame 1\"").name).isEqualTo("frame 1");
        rejects(H + "delay\n", "line 2: expected key ps= on delay");
        rejects(H + "mark name=a pc=0x10\n", "line 2:", "but found 'pc'");
    }

    @Test
    void byteOrderMarkAndCrLf() throws Exception {
        List<TraceRecord> l = parse("\ufeffgvsim-trace 1\r\nmark name=a\r\n");
        assertThat(l.get(0).name).isEqualTo("a");
        rejects(H + "mark name=a\rb\n", "line 2: expected a line break only at the end of a line");
        rejects(H + "mark name=\"a\rb\"\n", "line 2: expected a line break only at the end of a line");
        rejects(H + "mark x-\u0001=1 name=a\n", "line 2: expected a key without control characters but found byte 0x1");
    }

    @Test
    void overlongLineIsBounded() {
        String big = "mark name=" + "a".repeat(TextTraceReader.MAX_LINE + 10) + "\n";
        rejects(H + big, "line 2: expected a line of at most 1048576 bytes");
    }

    @Test
    void errorsStickOnceReported() throws Exception {
        TextTraceReader in = new TextTraceReader(new java.io.ByteArrayInputStream((H + "bogus\nmark name=a\n").getBytes()));
        TraceRecord r = new TraceRecord();
        assertThatThrownBy(() -> in.next(r)).hasMessageContaining("line 2");
        assertThatThrownBy(() -> in.next(r)).hasMessageContaining("line 2");
    }
}
