package org.rwe.matching;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The eight per-covariate sums of {@link Balance}, per (analysis_id, outcome_id, covariate_id): per
 * arm, sum(x) and sum(x^2) over the population before adjustment, sum(w x) and sum(w x^2) after.
 *
 * <p>Why not a join of populations to covariate values: every subject is in one population per
 * analysis and outcome (96 in the default study), so that join makes (values x populations) rows, 2
 * billion at 1,000,000 persons, each through Spark's row machinery and sorts; it did not finish in
 * the match stage's time (docs/benchmarks.md). Here the covariate values and the population rows
 * (before and after) are both partitioned by subject; a task loads its part of the covariate values
 * into a hash map by subject (the smaller side, about values / partitions), streams its population
 * rows past it, and adds every value into per-(population, covariate) accumulators held in
 * primitive arrays. The same number of additions, without a Spark row or a sort per addition.
 *
 * <p>Exact, so independent of partitioning and order: every term is split into three integers as
 * {@link Balance#exactSum} splits it ({@link #addSplit}) and summed as longs, in the tasks and
 * again across tasks; the totals are combined into a double once per group, with exactSum's
 * formula.
 *
 * <p>Memory: a task holds 24 longs per (population, covariate), for at most {@link
 * #ACCUMULATOR_LONGS} longs (64 MiB; with more populations x covariates than that, populations are
 * summed in batches, each a pass over the subjects), and its part of the covariate values, at most
 * about {@link #VALUES_PER_TASK} (the number of partitions grows with the values). The driver
 * collects the list of populations (analyses x outcomes) and a count per distinct covariate id (the
 * width of the covariate table, not its length).
 */
final class CovariateSums {
  private CovariateSums() {}

  /** Sums per population and covariate, in the order of Balance's column names. */
  static final String[] SUMS = {"s_t", "ss_t", "s_c", "ss_c", "ws_t", "wss_t", "ws_c", "wss_c"};

  /** Integers per exact sum: floor, then the fraction's first and second 26 bits. */
  static final int LIMBS = 3;

  static final int PER_COVARIATE = SUMS.length * LIMBS;
  static final long ACCUMULATOR_LONGS = 8L << 20;
  static final long VALUES_PER_TASK = 4_000_000L;
  static final double TWO_26 = 0x1p26;

  /** The (analysis_id, outcome_id) pairs of before, in order. */
  static List<long[]> populations(Dataset<Row> before) {
    List<long[]> populations = new ArrayList<>();
    for (Row r :
        before
            .select("analysis_id", "outcome_id")
            .distinct()
            .orderBy("analysis_id", "outcome_id")
            .collectAsList()) {
      populations.add(new long[] {r.getInt(0), r.getInt(1)});
    }
    return populations;
  }

  /**
   * @param populations the (analysis_id, outcome_id) pairs of before, in order ({@link
   *     #populations}; Balance has them from its arm sizes, which saves a pass over before)
   * @param before (analysis_id, outcome_id, row_id, treatment): every subject of a population
   *     before adjustment
   * @param after (analysis_id, outcome_id, row_id, treatment, weight): the subjects adjustment
   *     kept, a subset of before's (rows of a population not in before are ignored)
   * @param covariates (row_id, covariate_id, covariate_value)
   * @return (analysis_id, outcome_id, covariate_id, s_t, ss_t, s_c, ss_c, ws_t, wss_t, ws_c,
   *     wss_c), one row per covariate seen in a population before adjustment
   * @param budgetLongs accumulator longs a task may hold ({@link #ACCUMULATOR_LONGS})
   */
  static Dataset<Row> compute(
      List<long[]> populations,
      Dataset<Row> before,
      Dataset<Row> after,
      Dataset<Row> covariates,
      long budgetLongs) {
    SparkSession spark = before.sparkSession();
    List<Row> widths =
        covariates.groupBy("covariate_id").count().orderBy("covariate_id").collectAsList();
    long[] covariateIds = widths.stream().mapToLong(r -> r.getLong(0)).toArray();
    long values = widths.stream().mapToLong(r -> r.getLong(1)).sum();
    if (populations.isEmpty() || covariateIds.length == 0) {
      return spark.createDataFrame(List.of(), RESULT);
    }
    int partitions =
        (int)
            Math.max(
                Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions")),
                (values + VALUES_PER_TASK - 1) / VALUES_PER_TASK);
    // Both sides hash-partitioned on row_id (as a long on both: the hash depends on the type)
    // into the same number of partitions: partition i of each holds the same subjects, so the
    // tasks can zip them.
    JavaRDD<Row> valueParts =
        covariates
            .select(
                col("row_id").cast("long").as("row_id"),
                col("covariate_id").cast("long").as("covariate_id"),
                col("covariate_value").cast("double").as("covariate_value"))
            .repartition(partitions, col("row_id"))
            .toJavaRDD();
    int perBatch =
        (int)
            Math.max(
                1,
                Math.min(
                    populations.size(),
                    budgetLongs / Math.max(1, (long) covariateIds.length * PER_COVARIATE)));
    // Rows before adjustment carry a null weight, rows after a number (0 where dropped).
    Dataset<Row> members =
        before
            .select(
                col("analysis_id"),
                col("outcome_id"),
                col("row_id").cast("long").as("row_id"),
                col("treatment"),
                lit(null).cast("double").as("weight"))
            .unionByName(
                after.select(
                    col("analysis_id"),
                    col("outcome_id"),
                    col("row_id").cast("long").as("row_id"),
                    col("treatment"),
                    coalesce(col("weight"), lit(0.0)).as("weight")));
    Dataset<Row> partial = null;
    for (int from = 0; from < populations.size(); from += perBatch) {
      List<long[]> batch = populations.subList(from, Math.min(populations.size(), from + perBatch));
      Dataset<Row> rows = members;
      if (batch.size() < populations.size()) {
        Column in = lit(false);
        for (long[] p : batch) {
          in = in.or(col("analysis_id").equalTo(p[0]).and(col("outcome_id").equalTo(p[1])));
        }
        rows = members.filter(in);
      }
      JavaRDD<Row> sums =
          valueParts.zipPartitions(
              rows.repartition(partitions, col("row_id")).toJavaRDD(),
              new Accumulate(batch, covariateIds));
      Dataset<Row> part = spark.createDataFrame(sums, PARTIAL);
      partial = partial == null ? part : partial.unionByName(part);
    }
    List<Column> totals = new ArrayList<>();
    for (int j = 0; j < PER_COVARIATE; j++) {
      totals.add(sum(col("l" + j)).as("l" + j));
    }
    Dataset<Row> summed =
        partial
            .groupBy("analysis_id", "outcome_id", "covariate_id")
            .agg(totals.get(0), totals.subList(1, totals.size()).toArray(Column[]::new));
    List<Column> out =
        new ArrayList<>(List.of(col("analysis_id"), col("outcome_id"), col("covariate_id")));
    for (int s = 0; s < SUMS.length; s++) {
      out.add(
          combine(col("l" + s * LIMBS), col("l" + (s * LIMBS + 1)), col("l" + (s * LIMBS + 2)))
              .as(SUMS[s]));
    }
    return summed.select(out.toArray(Column[]::new));
  }

  /** The total of split terms, as {@link Balance#exactSum} combines its three long sums. */
  static Column combine(Column whole, Column high, Column low) {
    return whole
        .cast("double")
        .plus(high.cast("double").plus(low.cast("double").divide(TWO_26)).divide(TWO_26));
  }

  /**
   * t as three integers, whole + high 2^-26 + low 2^-52, the same split as {@link
   * Balance#exactSum}'s Spark expressions, added into acc[at..at+2].
   */
  static void addSplit(long[] acc, int at, double t) {
    double whole = Math.floor(t);
    double fraction = (t - whole) * TWO_26;
    double high = Math.floor(fraction);
    acc[at] = Math.addExact(acc[at], (long) whole);
    acc[at + 1] += (long) high;
    acc[at + 2] += (long) Math.floor((fraction - high) * TWO_26 + 0.5);
  }

  static final StructType PARTIAL = partialSchema();
  static final StructType RESULT = resultSchema();

  private static StructType partialSchema() {
    StructType s =
        new StructType()
            .add("analysis_id", DataTypes.IntegerType, false)
            .add("outcome_id", DataTypes.IntegerType, false)
            .add("covariate_id", DataTypes.LongType, false);
    for (int j = 0; j < PER_COVARIATE; j++) {
      s = s.add("l" + j, DataTypes.LongType, false);
    }
    return s;
  }

  private static StructType resultSchema() {
    StructType s =
        new StructType()
            .add("analysis_id", DataTypes.IntegerType)
            .add("outcome_id", DataTypes.IntegerType)
            .add("covariate_id", DataTypes.LongType);
    for (String name : SUMS) {
      s = s.add(name, DataTypes.DoubleType);
    }
    return s;
  }

  /** One task's subjects: its covariate values by subject, then its population rows past them. */
  static final class Accumulate implements FlatMapFunction2<Iterator<Row>, Iterator<Row>, Row> {
    private final long[][] populations;
    private final long[] covariateIds;

    Accumulate(List<long[]> populations, long[] covariateIds) {
      this.populations = populations.toArray(long[][]::new);
      this.covariateIds = covariateIds;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> values, Iterator<Row> members) {
      // The task's covariate values, by subject, in compressed sparse rows: subject s has the
      // values at [start[s], start[s + 1]) of dense (index into covariateIds) and x.
      SubjectIndex subjects = new SubjectIndex();
      int n = 0;
      int[] subjectOf = new int[1024];
      int[] denseOf = new int[1024];
      double[] xOf = new double[1024];
      while (values.hasNext()) {
        Row v = values.next();
        if (n == subjectOf.length) {
          subjectOf = Arrays.copyOf(subjectOf, 2 * n);
          denseOf = Arrays.copyOf(denseOf, 2 * n);
          xOf = Arrays.copyOf(xOf, 2 * n);
        }
        subjectOf[n] = subjects.add(v.getLong(0));
        denseOf[n] = Arrays.binarySearch(covariateIds, v.getLong(1));
        xOf[n] = v.getDouble(2);
        n++;
      }
      int[] start = new int[subjects.size() + 1];
      for (int i = 0; i < n; i++) {
        start[subjectOf[i] + 1]++;
      }
      for (int s = 0; s < subjects.size(); s++) {
        start[s + 1] += start[s];
      }
      int[] fill = Arrays.copyOf(start, subjects.size());
      int[] dense = new int[n];
      double[] xs = new double[n];
      for (int i = 0; i < n; i++) {
        int at = fill[subjectOf[i]]++;
        dense[at] = denseOf[i];
        xs[at] = xOf[i];
      }
      subjectOf = null;
      denseOf = null;
      xOf = null;
      Map<Long, Integer> index = new HashMap<>();
      for (int p = 0; p < populations.length; p++) {
        index.put(populations[p][0] << 32 | populations[p][1], p);
      }
      int k = covariateIds.length;
      long[] acc = new long[populations.length * k * PER_COVARIATE];
      boolean[] seen = new boolean[populations.length * k];
      while (members.hasNext()) {
        Row m = members.next();
        Integer p = index.get((long) m.getInt(0) << 32 | m.getInt(1));
        int subject = subjects.find(m.getLong(2));
        if (p == null || subject < 0) {
          continue; // a population of after only, or a subject without covariates (all 0)
        }
        boolean target = m.getInt(3) == 1;
        boolean isBefore = m.isNullAt(4);
        double w = isBefore ? 1.0 : m.getDouble(4);
        if (w == 0.0) {
          continue;
        }
        // s_t, ss_t, then ws_t, wss_t for targets; s_c, ss_c, then ws_c, wss_c for comparators.
        int offset = (isBefore ? 0 : 4 * LIMBS) + (target ? 0 : 2 * LIMBS);
        for (int i = start[subject]; i < start[subject + 1]; i++) {
          int cell = p * k + dense[i];
          if (isBefore) {
            seen[cell] = true;
          }
          int at = cell * PER_COVARIATE + offset;
          double x = xs[i];
          // w x and (w x) x, as Balance's Spark expressions multiply; w is 1 before adjustment.
          double wx = w * x;
          addSplit(acc, at, wx);
          addSplit(acc, at + LIMBS, wx * x);
        }
      }
      List<Row> out = new ArrayList<>();
      for (int p = 0; p < populations.length; p++) {
        for (int c = 0; c < k; c++) {
          int cell = p * k + c;
          if (!seen[cell]) {
            continue;
          }
          Object[] row = new Object[3 + PER_COVARIATE];
          row[0] = (int) populations[p][0];
          row[1] = (int) populations[p][1];
          row[2] = covariateIds[c];
          for (int j = 0; j < PER_COVARIATE; j++) {
            row[3 + j] = acc[cell * PER_COVARIATE + j];
          }
          out.add(RowFactory.create(row));
        }
      }
      return out.iterator();
    }
  }

  /**
   * Row ids to dense subject numbers 0, 1, ...: open addressing on primitive longs. Row ids are
   * built from person ids and dates, and Long.hashCode folds them into few buckets
   * (java.util.HashMap spent most of its time in collision trees), so keys are mixed with
   * MurmurHash3's finalizer.
   */
  static final class SubjectIndex {
    private long[] keys = new long[1 << 10];
    private int[] numbers = new int[1 << 10];
    private boolean[] used = new boolean[1 << 10];
    private int size;

    int size() {
      return size;
    }

    /** The subject's number, a new one for a row id not seen before. */
    int add(long rowId) {
      int slot = slot(rowId);
      if (used[slot]) {
        return numbers[slot];
      }
      if (2 * (size + 1) > keys.length) {
        grow();
        slot = slot(rowId);
      }
      used[slot] = true;
      keys[slot] = rowId;
      numbers[slot] = size;
      return size++;
    }

    /** The subject's number, or -1. */
    int find(long rowId) {
      int slot = slot(rowId);
      return used[slot] ? numbers[slot] : -1;
    }

    /** The key's slot, or the free slot where it would go. */
    private int slot(long rowId) {
      int mask = keys.length - 1;
      int slot = (int) mix(rowId) & mask;
      while (used[slot] && keys[slot] != rowId) {
        slot = (slot + 1) & mask;
      }
      return slot;
    }

    private void grow() {
      long[] oldKeys = keys;
      int[] oldNumbers = numbers;
      boolean[] oldUsed = used;
      keys = new long[oldKeys.length * 2];
      numbers = new int[oldKeys.length * 2];
      used = new boolean[oldKeys.length * 2];
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldUsed[i]) {
          int slot = slot(oldKeys[i]);
          used[slot] = true;
          keys[slot] = oldKeys[i];
          numbers[slot] = oldNumbers[i];
        }
      }
    }

    static long mix(long h) {
      h ^= h >>> 33;
      h *= 0xff51afd7ed558ccdL;
      h ^= h >>> 33;
      h *= 0xc4ceb9fe1a85ec53L;
      return h ^ (h >>> 33);
    }
  }
}
