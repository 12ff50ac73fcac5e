package org.rwe.results;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.rwe.results.ResultColumn.Kind;

/**
 * The small-cell rules, applied to the rows of one result table as its declaration says (pure: no
 * Spark). In order:
 *
 * <ol>
 *   <li>primary: a {@link Kind#COUNT} in 1..m-1 is written as -m (CohortMethod's convention: a
 *       negative value -x means "fewer than x");
 *   <li>complementary: the table's {@link Protection}s withhold (write null) further counts, so
 *       that no masked cell, and no unpublished small difference, can be recovered by subtraction;
 *   <li>a {@link Kind#MEAN} whose implied number (mean x arm size) is in (0, m) is written as -m /
 *       size (CohortMethod's convention for balance), or null when the size is not published; a
 *       mean of at most 1 whose complement ((1 - mean) x size) is in (0, m) is withheld (null);
 *   <li>a {@link Kind#DERIVED} value is null when any count or mean it comes from is masked or
 *       withheld.
 * </ol>
 *
 * Result tables are aggregates: the rows of one table are held on the driver.
 */
public final class Suppression {
  private Suppression() {}

  enum Status {
    PUBLISHED,
    MASKED,
    WITHHELD
  }

  /** Applies the rules; minCellCount <= 1 masks nothing. */
  public static List<Row> apply(List<Row> rows, ResultTable table, int minCellCount) {
    if (minCellCount <= 1) {
      return rows;
    }
    int n = table.columns().size();
    List<Object[]> values = new ArrayList<>(rows.size());
    List<Status[]> status = new ArrayList<>(rows.size());
    for (Row r : rows) {
      if (r.size() != n) {
        throw new IllegalStateException(
            "Result table " + table.name() + ": a row has " + r.size() + " values, declared " + n);
      }
      Object[] v = new Object[n];
      for (int i = 0; i < n; i++) {
        v[i] = r.get(i);
      }
      values.add(v);
      Status[] s = new Status[n];
      Arrays.fill(s, Status.PUBLISHED);
      status.add(s);
    }
    Table t = new Table(table, values, status, minCellCount);
    t.primary();
    for (Protection p : table.protections()) {
      if (p instanceof Protection.Sum sum) {
        for (int row = 0; row < values.size(); row++) {
          t.protectSum(row, sum);
        }
      } else if (p instanceof Protection.Chain chain) {
        t.protectChain(chain);
      }
    }
    t.means();
    t.derived();
    return t.emit();
  }

  /** Working state: raw values and the status of every cell. */
  private static final class Table {
    final ResultTable decl;
    final List<Object[]> raw;
    final List<Status[]> status;
    final int m;

    Table(ResultTable decl, List<Object[]> raw, List<Status[]> status, int m) {
      this.decl = decl;
      this.raw = raw;
      this.status = status;
      this.m = m;
    }

    boolean small(Long v) {
      return v != null && v > 0 && v < m;
    }

    Long count(int row, int col) {
      Object v = raw.get(row)[col];
      return v == null ? null : ((Number) v).longValue();
    }

    void primary() {
      for (int c = 0; c < decl.columns().size(); c++) {
        ResultColumn col = decl.columns().get(c);
        if (col.kind() != Kind.COUNT) {
          continue;
        }
        if (col.type() instanceof org.apache.spark.sql.types.MapType) {
          for (Object[] v : raw) {
            v[c] = maskMap(v[c]);
          }
          continue;
        }
        for (int row = 0; row < raw.size(); row++) {
          if (small(count(row, c))) {
            status.get(row)[c] = Status.MASKED;
          }
        }
      }
    }

    /** Count maps (e.g. per rule) mask their entries; they take part in no sum. */
    Object maskMap(Object map) {
      if (map == null) {
        return null;
      }
      Map<Object, Object> in = new LinkedHashMap<>();
      if (map instanceof scala.collection.Map<?, ?> sm) {
        in.putAll(scala.jdk.javaapi.CollectionConverters.asJava(sm));
      } else {
        in.putAll((Map<?, ?>) map);
      }
      Map<Object, Object> out = new LinkedHashMap<>();
      in.forEach(
          (k, v) -> {
            Long x = v == null ? null : ((Number) v).longValue();
            out.put(k, small(x) ? Long.valueOf(-m) : v);
          });
      return scala.jdk.javaapi.CollectionConverters.asScala(out);
    }

    /** A member of a sum: a column of the row, or the unpublished remainder (col = -1). */
    private record Member(int col, long value) {}

    /**
     * Withholds parts until no masked cell or small remainder is recoverable and no set of hidden
     * parts adds up to fewer than m.
     */
    void protectSum(int row, Protection.Sum sum) {
      int total = decl.indexOf(sum.total());
      List<Integer> parts = sum.parts().stream().map(decl::indexOf).toList();
      Long t = count(row, total);
      if (t == null || parts.stream().anyMatch(p -> count(row, p) == null)) {
        return; // nothing published to subtract from
      }
      List<Member> members = new ArrayList<>();
      long covered = 0;
      for (int p : parts) {
        long v = count(row, p);
        members.add(new Member(p, v));
        covered += v;
      }
      if (sum.remainder()) {
        if (covered > t) {
          throw new IllegalStateException(
              "Result table "
                  + decl.name()
                  + ": "
                  + sum.parts()
                  + " exceed "
                  + sum.total()
                  + " ("
                  + covered
                  + " > "
                  + t
                  + ")");
        }
        members.add(new Member(-1, t - covered));
      }
      Status[] st = status.get(row);
      for (int guard = 0; guard <= members.size() + 1; guard++) {
        boolean totalKnown = st[total] == Status.PUBLISHED;
        List<Member> hidden =
            members.stream().filter(x -> x.col() < 0 || st[x.col()] != Status.PUBLISHED).toList();
        long hiddenSum = hidden.stream().mapToLong(Member::value).sum();
        boolean violated;
        if (!totalKnown) {
          violated = false; // the total is hidden: no part can be had by subtraction
        } else if (hidden.size() == 1) {
          Member h = hidden.get(0);
          violated = h.col() < 0 ? small(h.value()) : st[h.col()] == Status.MASKED;
        } else {
          violated = small(hiddenSum);
        }
        if (!violated) {
          return;
        }
        Member next =
            members.stream()
                .filter(x -> x.col() >= 0 && st[x.col()] == Status.PUBLISHED && x.value() > 0)
                .min(Comparator.comparingLong(Member::value))
                .orElse(null);
        if (next != null) {
          st[next.col()] = Status.WITHHELD;
        } else {
          st[total] = Status.WITHHELD;
        }
      }
    }

    /**
     * Walks every chain (the shared head, then one group's rows) from its last row back to its
     * first, withholding a count whose difference from the next published count is small. Walking
     * backwards keeps each chain's last count, which other tables publish too (the subjects of
     * cohort_method_result). A head row withheld for one chain is withheld for all; since counts
     * along a chain do not increase, hiding more rows cannot make a published difference small, but
     * the walk is repeated until nothing changes all the same.
     */
    void protectChain(Protection.Chain chain) {
      List<Integer> groupCols = chain.groupColumns().stream().map(decl::indexOf).toList();
      int order = decl.indexOf(chain.order());
      Map<List<Object>, List<Integer>> groups = new LinkedHashMap<>();
      for (int row = 0; row < raw.size(); row++) {
        List<Object> key = new ArrayList<>();
        for (int g : groupCols) {
          key.add(raw.get(row)[g]);
        }
        groups.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
      }
      Comparator<Integer> byOrder =
          Comparator.comparingLong(r -> ((Number) raw.get(r)[order]).longValue());
      List<Integer> head = new ArrayList<>(groups.getOrDefault(chain.head(), List.of()));
      head.sort(byOrder);
      List<List<Integer>> chains = new ArrayList<>();
      for (Map.Entry<List<Object>, List<Integer>> g : groups.entrySet()) {
        if (!g.getKey().equals(chain.head())) {
          List<Integer> rows = new ArrayList<>(head);
          List<Integer> own = new ArrayList<>(g.getValue());
          own.sort(byOrder);
          rows.addAll(own);
          chains.add(rows);
        }
      }
      if (chains.isEmpty()) {
        chains.add(head);
      }
      for (String countColumn : chain.counts()) {
        int c = decl.indexOf(countColumn);
        boolean changed = true;
        while (changed) {
          changed = false;
          for (List<Integer> rows : chains) {
            changed |= walkBack(rows, c);
          }
        }
      }
    }

    /** One backward walk; true when it withheld a count. */
    boolean walkBack(List<Integer> rows, int c) {
      boolean changed = false;
      Long nextPublished = null;
      for (int i = rows.size() - 1; i >= 0; i--) {
        int row = rows.get(i);
        Long v = count(row, c);
        Status[] st = status.get(row);
        if (v == null || st[c] != Status.PUBLISHED) {
          continue;
        }
        if (nextPublished != null && small(Math.abs(v - nextPublished))) {
          st[c] = Status.WITHHELD;
          changed = true;
        } else {
          nextPublished = v;
        }
      }
      return changed;
    }

    void means() {
      for (int c = 0; c < decl.columns().size(); c++) {
        ResultColumn col = decl.columns().get(c);
        if (col.kind() != Kind.MEAN) {
          continue;
        }
        int size = decl.indexOf(col.sources().get(0));
        for (int row = 0; row < raw.size(); row++) {
          Object mean = raw.get(row)[c];
          Long n = count(row, size);
          if (mean == null || n == null || n <= 0) {
            continue;
          }
          double x = ((Number) mean).doubleValue();
          // A tolerance so that 11 subjects of 1,000 (mean 0.011) are not masked by rounding.
          double implied = x * n;
          double complement = (1 - x) * n;
          if (x > 0 && implied < m - 1e-6) {
            status.get(row)[c] = Status.MASKED;
          } else if (x <= 1 && complement > 1e-6 && complement < m - 1e-6) {
            status.get(row)[c] = Status.WITHHELD;
          }
        }
      }
    }

    void derived() {
      for (int c = 0; c < decl.columns().size(); c++) {
        ResultColumn col = decl.columns().get(c);
        if (col.kind() != Kind.DERIVED) {
          continue;
        }
        List<Integer> sources = col.sources().stream().map(decl::indexOf).toList();
        for (int row = 0; row < raw.size(); row++) {
          Status[] st = status.get(row);
          if (sources.stream().anyMatch(s -> st[s] != Status.PUBLISHED)) {
            st[c] = Status.WITHHELD;
          }
        }
      }
    }

    List<Row> emit() {
      List<Row> out = new ArrayList<>(raw.size());
      for (int row = 0; row < raw.size(); row++) {
        Object[] v = raw.get(row).clone();
        Status[] st = status.get(row);
        for (int c = 0; c < v.length; c++) {
          ResultColumn col = decl.columns().get(c);
          if (st[c] == Status.WITHHELD) {
            v[c] = null;
          } else if (st[c] == Status.MASKED) {
            v[c] = masked(col, row);
          }
        }
        out.add(RowFactory.create(v));
      }
      return out;
    }

    Object masked(ResultColumn col, int row) {
      if (col.kind() == Kind.MEAN) {
        int size = decl.indexOf(col.sources().get(0));
        Long n = count(row, size);
        // -m / size tells the reader "below m subjects"; when the size itself is hidden, the
        // bound would give the size away.
        return status.get(row)[size] == Status.PUBLISHED ? -(double) m / n : null;
      }
      if (col.type() instanceof IntegerType) {
        return -m;
      }
      if (col.type().sameType(DataTypes.LongType)) {
        return (long) -m;
      }
      if (col.type().sameType(DataTypes.DoubleType)) {
        return (double) -m;
      }
      throw new IllegalStateException(
          "Result table " + decl.name() + ": count column " + col.name() + " is not numeric");
    }
  }
}
