package org.lifeboat.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A plain text table; a cell with line breaks spans several lines. */
final class Table {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        this.header = header;
    }

    void row(Object... cells) {
        String[] r = new String[header.length];
        for (int i = 0; i < r.length; i++) r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
        rows.add(r);
    }

    void print(PrintStream out) {
        int[] w = new int[header.length];
        for (int i = 0; i < w.length; i++) w[i] = header[i].length();
        for (String[] r : rows) {
            for (int i = 0; i < w.length; i++) {
                for (String line : r[i].split("\n", -1)) w[i] = Math.max(w[i], line.length());
            }
        }
        line(out, header, w);
        int total = 0;
        for (int x : w) total += x + 2;
        out.println("-".repeat(Math.max(0, total - 2)));
        for (String[] r : rows) {
            String[][] cells = new String[r.length][];
            int height = 1;
            for (int i = 0; i < r.length; i++) {
                cells[i] = r[i].split("\n", -1);
                height = Math.max(height, cells[i].length);
            }
            for (int h = 0; h < height; h++) {
                String[] l = new String[r.length];
                for (int i = 0; i < r.length; i++) l[i] = h < cells[i].length ? cells[i][h] : "";
                line(out, l, w);
            }
        }
        out.println("-".repeat(Math.max(0, total - 2)));
    }

    private static void line(PrintStream out, String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            sb.append(cells[i]);
            if (i < cells.length - 1) sb.append(" ".repeat(w[i] - cells[i].length() + 2));
        }
        out.println(sb.toString().stripTrailing());
    }
}
