package dev.gvsim.guesttraces.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.gvsim.simcore.InputException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Keeps docs/trace-format.md honest: its tables of keys, ops, attributes and flags are compared with
 * what the reader accepts ({@link TextCodec#ALLOWED}, {@link TextCodec#REQUIRED}, {@link Op},
 * {@link TraceRecord#ATTR_NAMES}, {@link TraceRecord#FLAG_NAMES}), its examples are parsed, and it
 * refers to nothing outside the repository. A new op, key, attribute or flag without documentation
 * fails here.
 */
class TraceFormatDocTest {
    /** Maven runs the tests with the module directory as working directory. */
    static final Path DOC = Path.of("..", "docs", "trace-format.md");
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    static List<String> docLines() throws IOException {
        if (!Files.isRegularFile(DOC)) {
            fail(DOC.toAbsolutePath().normalize() + " not found (the tests must run with guest-traces as working directory)");
        }
        return Files.readAllLines(DOC, StandardCharsets.UTF_8);
    }

    /** Lines outside fenced code blocks. */
    static List<String> prose(List<String> lines) {
        List<String> out = new ArrayList<>();
        boolean fenced = false;
        for (String l : lines) {
            if (l.startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced) {
                out.add(l);
            }
        }
        return out;
    }

    /** Markdown tables by the text of their first header cell; each row as its trimmed cells. */
    static Map<String, List<List<String>>> tables(List<String> lines) {
        Map<String, List<List<String>>> t = new LinkedHashMap<>();
        List<List<String>> current = null;
        for (String l : prose(lines)) {
            if (!l.startsWith("|")) {
                current = null;
                continue;
            }
            List<String> cells = cells(l);
            if (current == null) {
                current = new ArrayList<>();
                if (t.put(cells.get(0), current) != null) {
                    fail("two tables whose first column is '" + cells.get(0) + "' in " + DOC);
                }
            } else if (!cells.get(0).matches("-+")) {
                current.add(cells);
            }
        }
        return t;
    }

    private static List<String> cells(String row) {
        String s = row.strip();
        s = s.substring(1, s.endsWith("|") ? s.length() - 1 : s.length());
        List<String> out = new ArrayList<>();
        for (String c : s.split("\\|", -1)) {
            out.add(c.strip());
        }
        return out;
    }

    static List<String> code(String cell) {
        List<String> out = new ArrayList<>();
        Matcher m = CODE.matcher(cell);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The single `word` a first cell holds. */
    private static String name(List<String> row) {
        List<String> c = code(row.get(0));
        assertThat(c).as("first cell of row %s", row).hasSize(1);
        return c.get(0);
    }

    private static List<List<String>> table(String firstHeader) throws IOException {
        List<List<String>> rows = tables(docLines()).get(firstHeader);
        assertThat(rows).as("table with first column '%s' in %s", firstHeader, DOC).isNotNull().isNotEmpty();
        return rows;
    }

    private static int keyId(String key) {
        int k = Arrays.asList(TextCodec.KEY_NAMES).indexOf(key);
        if (k < 0) {
            fail(DOC + " names key '" + key + "', which the reader does not know");
        }
        return k;
    }

    private static Set<String> keyNames(int mask) {
        Set<String> s = new TreeSet<>();
        for (int k = 0; k < TextCodec.KEY_NAMES.length; k++) {
            if ((mask & (1 << k)) != 0) {
                s.add(TextCodec.KEY_NAMES[k]);
            }
        }
        return s;
    }

    private static Set<String> keysIn(String cell) {
        Set<String> s = new TreeSet<>();
        for (String c : code(cell)) {
            keyId(c);
            s.add(c);
        }
        return s;
    }

    @Test
    void opsTableListsEveryOpWithTheKeysTheReaderRequiresAndAccepts() throws IOException {
        Set<Op> seen = EnumSet.noneOf(Op.class);
        for (List<String> row : table("op")) {
            String word = name(row);
            Op op = Op.fromWord(word);
            assertThat(op).as("op '%s' of the ops table", word).isNotNull();
            assertThat(seen.add(op)).as("op %s listed once", word).isTrue();
            assertThat(row).as("row of %s: op | required | optional | meaning", word).hasSize(4);
            Set<String> required = keysIn(row.get(1));
            Set<String> optional = keysIn(row.get(2));
            int req = TextCodec.REQUIRED[op.ordinal()];
            int opt = TextCodec.ALLOWED[op.ordinal()] & ~TextCodec.COMMON & ~req;
            assertThat(required).as("required keys of %s", word).isEqualTo(keyNames(req));
            assertThat(optional).as("optional keys of %s (t, cpu and x- keys are documented once, for every op)", word)
                    .isEqualTo(keyNames(opt));
        }
        assertThat(seen).as("ops documented").isEqualTo(EnumSet.allOf(Op.class));
    }

    @Test
    void keysTableListsEveryKeyWithTheOpsThatAcceptIt() throws IOException {
        Set<String> seen = new HashSet<>();
        for (List<String> row : table("key")) {
            String key = name(row);
            int k = keyId(key);
            assertThat(seen.add(key)).as("key %s listed once", key).isTrue();
            assertThat(row).as("row of %s: key | ops | value", key).hasSize(3);
            Set<Op> documented = EnumSet.noneOf(Op.class);
            if (row.get(1).equals("every op")) {
                documented.addAll(EnumSet.allOf(Op.class));
            } else {
                for (String w : code(row.get(1))) {
                    Op op = Op.fromWord(w);
                    assertThat(op).as("op '%s' in the row of key %s", w, key).isNotNull();
                    documented.add(op);
                }
            }
            Set<Op> accepting = EnumSet.noneOf(Op.class);
            for (Op op : Op.values()) {
                if ((TextCodec.ALLOWED[op.ordinal()] & (1 << k)) != 0) {
                    accepting.add(op);
                }
            }
            assertThat(documented).as("ops that accept %s=", key).isEqualTo(accepting);
            assertThat(row.get(2)).as("value of %s", key).isNotBlank();
        }
        assertThat(seen).as("keys documented").containsExactlyInAnyOrder(TextCodec.KEY_NAMES);
    }

    @Test
    void attributeAndFlagTablesMatchTheNamesInTheirOrder() throws IOException {
        // the order matters: it is the attr index of the binary form and the canonical flags order
        assertThat(table("attr").stream().map(TraceFormatDocTest::name)).containsExactly(TraceRecord.ATTR_NAMES);
        assertThat(table("flag").stream().map(TraceFormatDocTest::name)).containsExactly(TraceRecord.FLAG_NAMES);
    }

    @Test
    void statedLimitsAreTheReadersLimits() throws IOException {
        String doc = String.join("\n", docLines()).replaceAll("\\s+", " ");
        assertThat(doc).contains("cpu` | every op | issuing CPU, 0 … " + RecordRules.MAX_CPU + ",");
        assertThat(doc).contains("At most " + TraceRecord.MAX_X_KEYS + " per record");
        assertThat(doc).contains("in any number up to " + TraceRecord.MAX_META);
        assertThat(doc).contains(String.format(Locale.ROOT, "at most %,d bytes before its line break", TextTraceReader.MAX_LINE - 1));
        assertThat(RecordRules.MAX_STRING_LEN).isEqualTo(1L << 32);
        assertThat(doc).contains("| `len` | `memcpy`, `memset` | bytes, 0 … 2^32 |");
        assertThat(RecordRules.MAX_ZVA).isEqualTo(2048);
        assertThat(doc).contains("a power of two, 4 … 2048");
    }

    @Test
    void examplesAreValidTraces() throws IOException, InputException {
        List<String> lines = docLines();
        int examples = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("```")) {
                continue;
            }
            StringBuilder block = new StringBuilder();
            int j = i + 1;
            while (j < lines.size() && !lines.get(j).startsWith("```")) {
                block.append(lines.get(j++)).append('\n');
            }
            if (block.toString().startsWith("gvsim-trace ")) {
                examples++;
                try (TextTraceReader r = new TextTraceReader(new ByteArrayInputStream(block.toString().getBytes(StandardCharsets.UTF_8)))) {
                    TraceRecord rec = new TraceRecord();
                    int n = 0;
                    while (r.next(rec)) {
                        n++;
                    }
                    assertThat(n).as("records of the example at line %d", i + 1).isPositive();
                } catch (InputException e) {
                    fail("example at line " + (i + 1) + " of " + DOC + ": " + e.getMessage());
                }
            }
            i = j;
        }
        assertThat(examples).isPositive();
    }

    @Test
    void refersOnlyToItselfAndFilesOfTheRepository() throws IOException {
        List<String> prose = prose(docLines());
        Set<String> anchors = new HashSet<>();
        for (String l : prose) {
            if (l.startsWith("#")) {
                String h = l.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 -]", "");
                anchors.add(h.replace(' ', '-'));
            }
        }
        Pattern link = Pattern.compile("\\]\\(([^)]*)\\)");
        Pattern path = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+/?");
        for (String l : prose) {
            assertThat(l).as("no URLs in %s", DOC).doesNotContain("://");
            Matcher m = link.matcher(l);
            while (m.find()) {
                String target = m.group(1);
                assertThat(target).as("link in line '%s'", l).startsWith("#");
                assertThat(anchors).as("anchor %s", target).contains(target.substring(1));
            }
            for (String c : code(l)) {
                if (path.matcher(c).matches()) {
                    assertThat(Path.of("..", c)).as("path `%s` named in %s", c, DOC).exists();
                }
            }
        }
    }
}
