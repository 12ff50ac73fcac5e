package org.rwe.results;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.rwe.results.ResultColumn.Kind;

/**
 * The last check before a run is published: reads the shareable tables as a reader gets them
 * (masked and withheld cells included) and tries what a reader can do with them, namely every
 * published count, every sum of a row with one unknown member, and every difference between two
 * published counts of a {@link CrossTable} family. It lists each count of 1..minCellCount-1 that
 * any of them gives away. It knows nothing of how the writer suppressed the cells: it sees only the
 * published values, so a mistake in {@link Suppression} shows here.
 */
public final class DisclosureAudit {
  private DisclosureAudit() {}

  /** What a reader can recover; empty when the tables are safe to publish. */
  public static List<String> problems(Map<ResultTable, List<Row>> published, int m) {
    List<String> problems = new ArrayList<>();
    if (m <= 1) {
      return problems;
    }
    Map<String, CrossTable.View> views = new LinkedHashMap<>();
    for (Map.Entry<ResultTable, List<Row>> e : published.entrySet()) {
      ResultTable t = e.getKey();
      List<Row> rows = e.getValue();
      cells(t, rows, m, problems);
      sums(t, rows, m, problems);
      views.put(t.name(), CrossTable.View.of(t, rows));
    }
    Map<String, ResultTable> byName = new LinkedHashMap<>();
    published.keySet().forEach(t -> byName.put(t.name(), t));
    for (CrossTable.Family f : CrossTable.families(views)) {
      TreeMap<Long, CrossTable.Cell> byValue = new TreeMap<>();
      for (CrossTable.Cell c : f.cells()) {
        Long v = known(value(views, c));
        if (v != null) {
          byValue.putIfAbsent(v, c);
        }
      }
      Map.Entry<Long, CrossTable.Cell> prev = null;
      for (Map.Entry<Long, CrossTable.Cell> e : byValue.entrySet()) {
        if (prev != null && e.getKey() - prev.getKey() < m) {
          problems.add(
              where(byName, published, e.getValue())
                  + " - "
                  + where(byName, published, prev.getValue())
                  + " = "
                  + (e.getKey() - prev.getKey())
                  + " persons ("
                  + f.name()
                  + ")");
        }
        prev = e;
      }
    }
    for (CrossTable.ArmSum sum : CrossTable.armSums(views)) {
      Long total = known(value(views, sum.total()));
      Long t = known(value(views, sum.target()));
      Long c = known(value(views, sum.comparator()));
      if (total == null || (t == null && c == null)) {
        continue;
      }
      long rest = t == null ? total - c : c == null ? total - t : Math.abs(total - t - c);
      if (rest > 0 && rest < m) {
        problems.add(
            "results/propensity_summary.subjects_fitted ("
                + total
                + ") against both arms of the last shared attrition step gives "
                + rest
                + " persons");
      }
    }
    return problems;
  }

  private static Object value(Map<String, CrossTable.View> views, CrossTable.Cell c) {
    return views.get(c.table()).get(c.row(), c.column());
  }

  /** A published count (a mask -m or a withheld null is unknown). */
  private static Long known(Object v) {
    if (v == null) {
      return null;
    }
    long x = ((Number) v).longValue();
    return x < 0 ? null : x;
  }

  private static void cells(ResultTable t, List<Row> rows, int m, List<String> problems) {
    for (int r = 0; r < rows.size(); r++) {
      for (int c = 0; c < t.columns().size(); c++) {
        ResultColumn col = t.columns().get(c);
        Object v = rows.get(r).get(c);
        if (v == null) {
          continue;
        }
        if (col.kind() == Kind.COUNT && !(v instanceof scala.collection.Map<?, ?>)) {
          long x = ((Number) v).longValue();
          if (x > 0 && x < m) {
            problems.add(where(t, rows.get(r)) + "." + col.name() + " = " + x + " is published");
          }
        } else if (col.kind() == Kind.MEAN) {
          double x = ((Number) v).doubleValue();
          Long size = known(rows.get(r).get(t.indexOf(col.sources().get(0))));
          if (size != null && x > 0) {
            String at = where(t, rows.get(r)) + "." + col.name() + " = " + x;
            // The subjects a share stands for, and (for a share) those it leaves out.
            impliedCount(at + " stands for ", x * size, m, problems);
            if (x <= 1) {
              impliedCount(at + " leaves out ", (1 - x) * size, m, problems);
            }
          }
        }
      }
    }
  }

  /** A number of subjects implied by a mean, with a tolerance for the mean's rounding. */
  private static void impliedCount(String what, double n, int m, List<String> problems) {
    if (n > 1e-6 && n < m - 1e-6) {
      problems.add(what + n + " subjects");
    }
  }

  /** A sum of a row with exactly one unknown member gives that member away. */
  private static void sums(ResultTable t, List<Row> rows, int m, List<String> problems) {
    for (Protection p : t.protections()) {
      if (!(p instanceof Protection.Sum s)) {
        continue;
      }
      for (Row row : rows) {
        Long total = known(row.get(t.indexOf(s.total())));
        if (total == null) {
          continue;
        }
        long known = 0;
        List<String> unknown = new ArrayList<>();
        for (String part : s.parts()) {
          Long v = known(row.get(t.indexOf(part)));
          if (v == null) {
            unknown.add(part);
          } else {
            known += v;
          }
        }
        if (s.remainder()) {
          unknown.add(s.remainderMeaning());
        }
        long rest = total - known;
        if (unknown.size() == 1 && rest > 0 && rest < m) {
          problems.add(
              where(t, row)
                  + ": "
                  + s.total()
                  + " - the other parts gives "
                  + unknown.get(0)
                  + " = "
                  + rest);
        } else if (unknown.size() > 1 && rest > 0 && rest < m) {
          problems.add(where(t, row) + ": the hidden parts " + unknown + " add up to " + rest);
        }
      }
    }
  }

  private static String where(
      Map<String, ResultTable> byName, Map<ResultTable, List<Row>> published, CrossTable.Cell c) {
    ResultTable t = byName.get(c.table());
    Row row = published.get(t).get(c.row());
    return where(t, row) + "." + c.column() + " (" + row.get(t.indexOf(c.column())) + ")";
  }

  /** The table and the keys of a row, e.g. {@code attrition[analysis_id=1, outcome_id=3, ...]}. */
  static String where(ResultTable t, Row row) {
    List<String> keys = new ArrayList<>();
    for (int c = 0; c < t.columns().size(); c++) {
      if (t.columns().get(c).kind() == Kind.KEY) {
        keys.add(t.columns().get(c).name() + "=" + row.get(c));
      }
    }
    return "results/" + t.name() + "[" + String.join(", ", keys) + "]";
  }
}
