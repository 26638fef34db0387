package dev.gvsim.simcli.util;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table for terminal summaries: a header row and rows of cells, columns as wide as
 * their widest cell, numbers (cells that start with a digit) right-aligned, two spaces between
 * columns, every line indented.
 */
public final class Table {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    public Table(String... header) {
        this.header = header.clone();
    }

    public Table row(Object... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException("row of " + cells.length + " cells in a table of " + header.length + " columns");
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            Object c = cells[i];
            r[i] = c == null ? "-" : c instanceof Long || c instanceof Integer ? String.format("%,d", ((Number) c).longValue()) : c.toString();
        }
        rows.add(r);
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    public void print(PrintWriter out, String indent) {
        int[] w = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            w[i] = header[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        boolean[] numeric = new boolean[header.length];
        for (int i = 0; i < header.length; i++) {
            numeric[i] = !rows.isEmpty();
            for (String[] r : rows) {
                numeric[i] &= r[i].equals("-") || !r[i].isEmpty() && Character.isDigit(r[i].charAt(0)) && !r[i].startsWith("0x")
                        && r[i].chars().allMatch(ch -> Character.isDigit(ch) || ch == ',');
            }
        }
        line(out, indent, header, w, numeric);
        for (String[] r : rows) {
            line(out, indent, r, w, numeric);
        }
    }

    private static void line(PrintWriter out, String indent, String[] cells, int[] w, boolean[] numeric) {
        StringBuilder sb = new StringBuilder(indent);
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i];
            int pad = w[i] - c.length();
            if (numeric[i]) {
                sb.append(" ".repeat(pad)).append(c);
            } else {
                sb.append(c);
                if (i < cells.length - 1) {
                    sb.append(" ".repeat(pad));
                }
            }
            if (i < cells.length - 1) {
                sb.append("  ");
            }
        }
        out.println(sb.toString().stripTrailing());
    }
}
