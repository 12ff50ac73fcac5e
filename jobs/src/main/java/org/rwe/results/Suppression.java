package org.rwe.results;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
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
 *   <li>a {@link Kind#CURVE} value is null when the count it is read at is masked;
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

  /** Applies the rules to one table on its own; minCellCount <= 1 masks nothing. */
  public static List<Row> apply(List<Row> rows, ResultTable table, int minCellCount) {
    Map<ResultTable, List<Row>> one = new LinkedHashMap<>();
    one.put(table, rows);
    return applyAll(one, minCellCount).get(table);
  }

  /**
   * Applies the rules to every shareable table of a run together: each table's own rules, then the
   * {@link CrossTable} families, which withhold counts until no difference between published counts
   * of nested or identical groups in different rows or tables is in 1..minCellCount-1; the two are
   * repeated until neither withholds anything more (a count withheld for a family can make a sum of
   * its row recoverable, and the reverse). minCellCount <= 1 masks nothing.
   */
  public static Map<ResultTable, List<Row>> applyAll(
      Map<ResultTable, List<Row>> tables, int minCellCount) {
    if (minCellCount <= 1) {
      return tables;
    }
    Map<ResultTable, Table> work = new LinkedHashMap<>();
    for (Map.Entry<ResultTable, List<Row>> e : tables.entrySet()) {
      work.put(e.getKey(), Table.of(e.getKey(), e.getValue(), minCellCount));
    }
    work.values().forEach(Table::primary);
    List<CrossTable.Family> families = CrossTable.families(views(work));
    List<CrossTable.ArmSum> armSums = CrossTable.armSums(views(work));
    Map<String, Table> byName = new LinkedHashMap<>();
    work.forEach((decl, t) -> byName.put(decl.name(), t));
    boolean changed = true;
    while (changed) {
      long before = hiddenCells(work);
      work.values().forEach(Table::protect);
      for (CrossTable.Family f : families) {
        protectFamily(f, byName, minCellCount);
      }
      for (CrossTable.ArmSum sum : armSums) {
        protectArmSum(sum, byName, minCellCount);
      }
      changed = hiddenCells(work) != before;
    }
    Map<ResultTable, List<Row>> out = new LinkedHashMap<>();
    for (Map.Entry<ResultTable, Table> e : work.entrySet()) {
      Table t = e.getValue();
      t.means();
      t.derived();
      out.put(e.getKey(), t.emit());
    }
    return out;
  }

  private static Map<String, CrossTable.View> views(Map<ResultTable, Table> work) {
    Map<String, CrossTable.View> views = new LinkedHashMap<>();
    work.forEach((decl, t) -> views.put(decl.name(), CrossTable.View.of(decl, t.raw)));
    return views;
  }

  private static long hiddenCells(Map<ResultTable, Table> work) {
    long n = 0;
    for (Table t : work.values()) {
      for (Status[] st : t.status) {
        for (Status s : st) {
          n += s == Status.PUBLISHED ? 0 : 1;
        }
      }
    }
    return n;
  }

  /**
   * Withholds counts of a family until the distinct published values, in order, are each 0 or at
   * least m apart: the difference of any two of them is then 0 or at least m too. Of two values too
   * close, the one whose cells matter less ({@link CrossTable.Cell#rank}: table, then analysis) is
   * withheld, with every cell of that value (a cell left published would give the same difference);
   * between equals, the larger value (an earlier attrition step). One pass over the values in
   * order, with the values kept so far on a stack.
   */
  static void protectFamily(CrossTable.Family f, Map<String, Table> work, int m) {
    java.util.TreeMap<Long, List<CrossTable.Cell>> byValue = new java.util.TreeMap<>();
    for (CrossTable.Cell c : f.cells()) {
      Table t = work.get(c.table());
      int col = t.decl.indexOf(c.column());
      Long v = t.count(c.row(), col);
      if (v != null && v >= 0 && t.status.get(c.row())[col] == Status.PUBLISHED) {
        byValue.computeIfAbsent(v, k -> new ArrayList<>()).add(c);
      }
    }
    java.util.ArrayDeque<Long> kept = new java.util.ArrayDeque<>();
    for (Long v : byValue.keySet()) {
      boolean keep = true;
      while (!kept.isEmpty() && v - kept.peek() < m) {
        long prev = kept.peek();
        if (bestRank(byValue.get(prev)) <= bestRank(byValue.get(v))) {
          keep = false; // v matters less, or as much and is larger: it goes
          break;
        }
        kept.pop(); // prev matters less: it goes, and v is compared with the value before it
        withhold(byValue.get(prev), work);
      }
      if (keep) {
        kept.push(v);
      } else {
        withhold(byValue.get(v), work);
      }
    }
  }

  /** Withholds a sum of both arms unless both are published and it adds nothing small. */
  static void protectArmSum(CrossTable.ArmSum sum, Map<String, Table> work, int m) {
    Long total = published(sum.total(), work);
    if (total == null) {
      return;
    }
    Long t = published(sum.target(), work);
    Long c = published(sum.comparator(), work);
    long gap = t == null || c == null ? 1 : Math.abs(total - t - c);
    if (gap > 0 && gap < m) {
      withhold(List.of(sum.total()), work);
    }
  }

  /** A cell's value if it is published, else null. */
  private static Long published(CrossTable.Cell c, Map<String, Table> work) {
    Table t = work.get(c.table());
    int col = t.decl.indexOf(c.column());
    return t.status.get(c.row())[col] == Status.PUBLISHED ? t.count(c.row(), col) : null;
  }

  private static void withhold(List<CrossTable.Cell> cells, Map<String, Table> work) {
    for (CrossTable.Cell c : cells) {
      Table t = work.get(c.table());
      t.status.get(c.row())[t.decl.indexOf(c.column())] = Status.WITHHELD;
    }
  }

  private static long bestRank(List<CrossTable.Cell> cells) {
    return cells.stream().mapToLong(CrossTable.Cell::rank).min().orElse(Long.MAX_VALUE);
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

    static Table of(ResultTable table, List<Row> rows, int m) {
      int n = table.columns().size();
      List<Object[]> values = new ArrayList<>(rows.size());
      List<Status[]> status = new ArrayList<>(rows.size());
      for (Row r : rows) {
        if (r.size() != n) {
          throw new IllegalStateException(
              "Result table "
                  + table.name()
                  + ": a row has "
                  + r.size()
                  + " values, declared "
                  + n);
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
      return new Table(table, values, status, m);
    }

    /** The table's own complementary rules (sums within a row, chains across rows). */
    void protect() {
      for (Protection p : decl.protections()) {
        if (p instanceof Protection.Sum sum) {
          for (int row = 0; row < raw.size(); row++) {
            protectSum(row, sum);
          }
        } else if (p instanceof Protection.Chain chain) {
          protectChain(chain);
        }
      }
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
        if (col.kind() != Kind.DERIVED && col.kind() != Kind.CURVE) {
          continue;
        }
        List<Integer> sources = col.sources().stream().map(decl::indexOf).toList();
        Status hides = col.kind() == Kind.CURVE ? Status.MASKED : null;
        for (int row = 0; row < raw.size(); row++) {
          Status[] st = status.get(row);
          if (sources.stream()
              .anyMatch(s -> hides == null ? st[s] != Status.PUBLISHED : st[s] == hides)) {
            st[c] = Status.WITHHELD;
          }
        }
      }
    }

    List<Row> emit() {
      List<Row> out = new ArrayList<>(raw.size());
      org.apache.spark.sql.types.StructType schema = decl.schema();
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
        // With the schema: readers may address the masked rows by column name.
        out.add(new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(v, schema));
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
