package dev.nettyshm.bench;

import java.util.ArrayList;
import java.util.List;

/** A Markdown table of the reports: the first column names the row, the others hold numbers, right-aligned. */
public final class MarkdownTable {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public MarkdownTable(List<String> header) {
        this.header = List.copyOf(header);
    }

    public MarkdownTable(String... header) {
        this(List.of(header));
    }

    /** Adds a row; missing trailing cells stay empty. */
    public MarkdownTable row(List<String> cells) {
        if (cells.size() > header.size()) {
            throw new IllegalArgumentException(cells.size() + " cells for " + header.size() + " columns");
        }
        List<String> row = new ArrayList<>(cells);
        while (row.size() < header.size()) {
            row.add("");
        }
        rows.add(row);
        return this;
    }

    public MarkdownTable row(String... cells) {
        return row(List.of(cells));
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        line(out, header);
        out.append("|---|").append("---:|".repeat(header.size() - 1)).append('\n');
        rows.forEach(row -> line(out, row));
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells) {
        out.append('|');
        cells.forEach(cell -> out.append(cell.isEmpty() ? " |" : " " + cell + " |"));
        out.append('\n');
    }
}
