package dev.gvsim.guesttraces.importers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.tukaani.xz.XZInputStream;

import dev.gvsim.guesttraces.format.TextTraceWriter;
import dev.gvsim.simcore.InputException;
import net.jqwik.api.Example;

/**
 * Bounded fuzzing of the QEMU-log and mmiotrace importers (issue 10): lines of the real QEMU logs
 * and of an mmiotrace sample, mutated (bytes flipped, fields cut, numbers replaced, lines duplicated
 * or dropped), either import or fail with an {@link InputException} naming the line; never another
 * exception, never a hang. {@code -Dgvsim.fuzz.tries=N} for a long run (docs/fuzzing.md).
 */
class ImporterFuzzTest {
    static final int TRIES = Integer.getInteger("gvsim.fuzz.tries", 3000);
    static final String LOG = "/dev/gvsim/guesttraces/traces/qemu-log/uefi_vgpurp1_qxlrp2.trace.xz";
    static final String[] MMIOTRACE = {
        "VERSION 20070824",
        "PCIDEV 0008 1b360100 17 0 10000000 14000000 18000000 1001 0 0 0 4000000 4000000 2000 20 0 0 0 qxl",
        "MAP 1.000001 1 0x18000000 0xffff800018000000 0x2000 0x0 0",
        "R 4 1.000002 1 0x18000000 0x4f525851 0x0 0",
        "W 8 1.000003 1 0x1800149c 0x10000000 0x0 0",
        "MARK 1.000004 probe done",
        "UNKNOWN 1.000005 1 0x18000010 0x0 0x1 0",
        "UNMAP 1.000006 1 0xffff800018000000",
    };

    static List<String> realLines() throws IOException {
        List<String> out = new ArrayList<>();
        try (InputStream in = new XZInputStream(ImporterFuzzTest.class.getResourceAsStream(LOG))) {
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String l : all.split("\n")) {
                if (!l.contains("pl011") && !l.contains("gic")) {
                    out.add(l);
                }
            }
        }
        return out;
    }

    static String mutate(String line, Random r) {
        StringBuilder b = new StringBuilder(line);
        switch (r.nextInt(6)) {
            case 0 -> { // flip a character
                if (b.length() > 0) {
                    b.setCharAt(r.nextInt(b.length()), (char) (32 + r.nextInt(95)));
                }
            }
            case 1 -> { // cut the line
                b.setLength(b.length() == 0 ? 0 : r.nextInt(b.length()));
            }
            case 2 -> { // a huge or negative number in place of a hex field
                int i = b.indexOf("0x");
                if (i >= 0) {
                    b.insert(i + 2, r.nextBoolean() ? "ffffffffffffffffffff" : "-1");
                }
            }
            case 3 -> b.append(' ').append(b); // doubled fields
            case 4 -> b.insert(r.nextInt(b.length() + 1), (char) r.nextInt(0x10000)); // any UTF-16 unit
            default -> {
                // unchanged
            }
        }
        return b.toString();
    }

    static void importOnce(String format, String text) {
        try {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            TextTraceWriter w = new TextTraceWriter(sink);
            Importers.importStream(format, new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "fuzz", w, new ImportOptions());
        } catch (InputException e) {
            assertThat(e.getMessage()).as("an importer error names the line").containsPattern("line \\d+");
        } catch (IOException e) {
            // a writer refusing a record the importer built would show up here: it must not
            fail("IOException from an in-memory import: " + e + " on input:\n" + text, e);
        } catch (RuntimeException e) {
            fail("importer threw " + e + " on input:\n" + text, e);
        }
    }

    @Example
    void mutatedRealQemuLogLinesImportOrFailWithALineNumber() throws Exception {
        List<String> lines = realLines();
        Random r = new Random(20261125);
        for (int t = 0; t < TRIES; t++) {
            StringBuilder doc = new StringBuilder();
            int start = r.nextInt(lines.size());
            int n = 1 + r.nextInt(20);
            for (int i = 0; i < n && start + i < lines.size(); i++) {
                String l = lines.get(start + i);
                doc.append(r.nextInt(3) == 0 ? mutate(l, r) : l).append('\n');
            }
            importOnce("qemu-log", doc.toString());
        }
    }

    @Example
    void mutatedMmiotraceImportsOrFailsWithALineNumber() {
        Random r = new Random(7);
        for (int t = 0; t < TRIES; t++) {
            StringBuilder doc = new StringBuilder();
            for (String l : MMIOTRACE) {
                int k = r.nextInt(10);
                if (k == 0) {
                    continue; // dropped
                }
                doc.append(k < 4 ? mutate(l, r) : l).append('\n');
                if (k == 9) {
                    doc.append(l).append('\n'); // repeated
                }
            }
            importOnce("mmiotrace", doc.toString());
        }
    }

    /** Found by the long run: a lone pci_cfg_read whose value cannot fit the access its offset allows. */
    @Example
    void loneConfigReadWiderThanItsOffsetAllowsIsAMalformedLine() {
        String in = "16272@1795465067.590231:pci_cfg_read pcie-root-port 00:02.0 @0x7 -> 0x1b36\n";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Importers.importStream("qemu-log",
                new ByteArrayInputStream(in.getBytes(StandardCharsets.UTF_8)), "regress", new TextTraceWriter(new ByteArrayOutputStream()),
                new ImportOptions())).isInstanceOf(InputException.class).hasMessageContaining("line 1")
                .hasMessageContaining("1-byte config access at offset 0x7");
    }
}
