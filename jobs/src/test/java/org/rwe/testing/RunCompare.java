package org.rwe.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Compares two runs table by table, row by row, value by value (doubles exactly: "the same results,
 * bit for bit"), read back with DuckDB. Rows are compared in sorted order, so the comparison does
 * not depend on how Spark split the tables into part files.
 */
public final class RunCompare {
  private RunCompare() {}

  /** The Parquet tables of a run (folders holding part files), relative to it, sorted. */
  public static List<String> tables(Path run) {
    try (Stream<Path> files = Files.walk(run)) {
      TreeSet<String> out = new TreeSet<>();
      files
          .filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .forEach(p -> out.add(run.relativize(p.getParent()).toString()));
      return List.copyOf(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every difference between the two runs' tables (empty when they hold the same values). */
  public static List<String> differences(Path a, Path b, String... under) {
    List<String> diffs = new ArrayList<>();
    List<String> ta = filter(tables(a), under);
    List<String> tb = filter(tables(b), under);
    if (!ta.equals(tb)) {
      diffs.add("tables differ: " + ta + " vs " + tb);
    }
    for (String t : ta) {
      if (!tb.contains(t)) {
        continue;
      }
      List<List<Object>> ra = rows(a.resolve(t));
      List<List<Object>> rb = rows(b.resolve(t));
      if (ra.size() != rb.size()) {
        diffs.add(t + ": " + ra.size() + " rows vs " + rb.size());
        continue;
      }
      for (int i = 0; i < ra.size(); i++) {
        if (!ra.get(i).equals(rb.get(i))) {
          diffs.add(t + ": row " + i + " of " + ra.size() + ": " + ra.get(i) + " vs " + rb.get(i));
          break;
        }
      }
    }
    return diffs;
  }

  private static List<String> filter(List<String> tables, String[] under) {
    if (under.length == 0) {
      return tables;
    }
    return tables.stream()
        .filter(t -> Arrays.stream(under).anyMatch(u -> t.equals(u) || t.startsWith(u + "/")))
        .toList();
  }

  /** A table's rows, sorted by every column, with values made comparable. */
  public static List<List<Object>> rows(Path table) {
    List<Map<String, Object>> rows =
        DuckDb.query("SELECT * FROM '" + table + "/*.parquet' ORDER BY ALL");
    List<List<Object>> out = new ArrayList<>(rows.size());
    for (Map<String, Object> r : rows) {
      List<Object> values = new ArrayList<>(r.size());
      for (Object v : r.values()) {
        values.add(comparable(v));
      }
      out.add(values);
    }
    return out;
  }

  private static Object comparable(Object v) {
    try {
      if (v instanceof Array arr) {
        List<Object> items = new ArrayList<>();
        for (Object o : (Object[]) arr.getArray()) {
          items.add(comparable(o));
        }
        return items;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> sorted = new TreeMap<>();
      m.forEach((k, x) -> sorted.put(String.valueOf(k), comparable(x)));
      return sorted;
    }
    // Double.equals compares bits (and NaN equals NaN): exactly what "bit for bit" means.
    return v;
  }
}
