package org.rwe.matching;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.rwe.testing.SparkTestSession;

/**
 * The balance sums, summed subject by subject in tasks, against an exact reference (BigDecimal sums
 * of the same double terms) and against Balance.exactSum's Spark expressions; bit for bit the same
 * for any partitioning and any accumulator budget.
 */
class CovariateSumsTest {
  static final SparkSession spark = SparkTestSession.get();

  static final StructType BEFORE =
      new StructType()
          .add("analysis_id", DataTypes.IntegerType)
          .add("outcome_id", DataTypes.IntegerType)
          .add("row_id", DataTypes.LongType)
          .add("treatment", DataTypes.IntegerType);
  static final StructType AFTER = BEFORE.add("weight", DataTypes.DoubleType);
  static final StructType COVARIATES =
      new StructType()
          .add("row_id", DataTypes.LongType)
          .add("covariate_id", DataTypes.LongType)
          .add("covariate_value", DataTypes.DoubleType);

  /** Values binary, counts, fractions, negative and large; weights 0, 1 and awkward. */
  record Data(List<Row> before, List<Row> after, List<Row> covariates) {
    static Data random(long seed) {
      Random r = new Random(seed);
      List<Row> before = new ArrayList<>();
      List<Row> after = new ArrayList<>();
      List<Row> covariates = new ArrayList<>();
      double[] awkward = {1.0, 1.0, 1.0, 3.0, 17.0, 0.1, 1.0 / 3, -2.5, 1e6 + 0.1, 7e-9};
      for (long subject = 0; subject < 400; subject++) {
        // Row ids as the cohort builds them (person and date in one long): they collide in
        // Long.hashCode, which the task's index must survive.
        long rowId = (subject / 3) << 32 | (19000 + subject % 3);
        for (int c = 0; c < 12; c++) {
          if (r.nextDouble() < 0.4) {
            covariates.add(RowFactory.create(rowId, 1000L * c + 1, awkward[r.nextInt(10)]));
          }
        }
        int treatment = r.nextInt(2);
        for (int[] population : new int[][] {{2, 1}, {2, 7}, {5, 1}}) {
          if (r.nextDouble() < 0.1) {
            continue; // not in this population
          }
          before.add(RowFactory.create(population[0], population[1], rowId, treatment));
          double u = r.nextDouble();
          if (u < 0.3) {
            continue; // dropped by adjustment
          }
          double weight =
              population[0] == 5 ? 0.2 + 9 * r.nextDouble() : u < 0.4 ? 0.0 : u < 0.8 ? 1.0 : 0.5;
          after.add(RowFactory.create(population[0], population[1], rowId, treatment, weight));
        }
      }
      // A population only after (the crude analysis, which has no balance): ignored.
      after.add(RowFactory.create(1, 1, 0L, 1, 1.0));
      return new Data(before, after, covariates);
    }

    Dataset<Row> frame(List<Row> rows, StructType schema, int partitions) {
      return spark.createDataFrame(rows, schema).repartition(partitions);
    }

    Dataset<Row> sums(int partitions, long budgetLongs) {
      Dataset<Row> b = frame(before, BEFORE, partitions);
      return CovariateSums.compute(
          CovariateSums.populations(b),
          b,
          frame(after, AFTER, partitions),
          frame(covariates, COVARIATES, partitions),
          budgetLongs);
    }
  }

  static Map<String, Row> byKey(Dataset<Row> sums) {
    Map<String, Row> out = new HashMap<>();
    for (Row r : sums.collectAsList()) {
      out.put(
          r.getAs("analysis_id") + "/" + r.getAs("outcome_id") + "/" + r.getAs("covariate_id"), r);
    }
    return out;
  }

  @Test
  void sumsEqualExactSumsOfTheSameTerms() {
    Data d = Data.random(7);
    Map<Long, List<double[]>> values = new HashMap<>();
    for (Row c : d.covariates()) {
      values
          .computeIfAbsent(c.getLong(0), k -> new ArrayList<>())
          .add(new double[] {c.getLong(1), c.getDouble(2)});
    }
    // Reference: BigDecimal sums of the double terms x, x*x, w*x, (w*x)*x.
    Map<String, BigDecimal[]> expected = new HashMap<>();
    for (boolean isBefore : new boolean[] {true, false}) {
      for (Row m : isBefore ? d.before() : d.after()) {
        if (m.getInt(0) == 1) {
          continue;
        }
        double w = isBefore ? 1.0 : m.getDouble(4);
        int offset = (isBefore ? 0 : 4) + (m.getInt(3) == 1 ? 0 : 2);
        for (double[] v : values.getOrDefault(m.getLong(2), List.of())) {
          String key = m.getInt(0) + "/" + m.getInt(1) + "/" + (long) v[0];
          BigDecimal[] s = expected.computeIfAbsent(key, k -> zeros());
          double wx = w * v[1];
          s[offset] = s[offset].add(new BigDecimal(wx));
          s[offset + 1] = s[offset + 1].add(new BigDecimal(wx * v[1]));
        }
      }
    }
    Map<String, Row> actual = byKey(d.sums(3, CovariateSums.ACCUMULATOR_LONGS));
    assertEquals(expected.keySet(), actual.keySet());
    for (Map.Entry<String, BigDecimal[]> e : expected.entrySet()) {
      for (int s = 0; s < CovariateSums.SUMS.length; s++) {
        double want = e.getValue()[s].doubleValue();
        double got = actual.get(e.getKey()).<Double>getAs(CovariateSums.SUMS[s]);
        assertEquals(
            want,
            got,
            1e-13 * Math.max(1, Math.abs(want)),
            e.getKey() + " " + CovariateSums.SUMS[s]);
      }
    }
  }

  @Test
  void theSameBitsForAnyPartitioningAndBudget() {
    Data d = Data.random(11);
    Map<String, Row> one = byKey(d.sums(1, CovariateSums.ACCUMULATOR_LONGS));
    String before = spark.conf().get("spark.sql.shuffle.partitions");
    try {
      spark.conf().set("spark.sql.shuffle.partitions", "11");
      // A budget of one population per batch: three passes.
      Map<String, Row> other = byKey(d.sums(5, 12 * CovariateSums.PER_COVARIATE));
      assertEquals(one.keySet(), other.keySet());
      for (String key : one.keySet()) {
        for (String s : CovariateSums.SUMS) {
          assertEquals(
              Double.doubleToLongBits(one.get(key).<Double>getAs(s)),
              Double.doubleToLongBits(other.get(key).<Double>getAs(s)),
              key + " " + s);
        }
      }
    } finally {
      spark.conf().set("spark.sql.shuffle.partitions", before);
    }
  }

  @Test
  void theTasksSplitTermsAsExactSumDoes() {
    Data d = Data.random(13);
    Dataset<Row> after = spark.createDataFrame(d.after(), AFTER).filter(col("analysis_id").gt(1));
    Dataset<Row> sql =
        after
            .join(spark.createDataFrame(d.covariates(), COVARIATES), "row_id")
            .groupBy("analysis_id", "outcome_id", "covariate_id")
            .agg(
                Balance.exactSum(
                        when(
                            col("treatment").equalTo(1),
                            col("weight").multiply(col("covariate_value"))))
                    .as("ws_t"),
                Balance.exactSum(
                        when(
                            col("treatment").equalTo(0),
                            col("weight")
                                .multiply(col("covariate_value"))
                                .multiply(col("covariate_value"))))
                    .as("wss_c"));
    Map<String, Row> tasks = byKey(d.sums(4, CovariateSums.ACCUMULATOR_LONGS));
    int compared = 0;
    for (Row r : sql.collectAsList()) {
      Row t = tasks.get(r.get(0) + "/" + r.get(1) + "/" + r.get(2));
      for (String s : new String[] {"ws_t", "wss_c"}) {
        Double want = r.getAs(s);
        if (want != null) {
          assertEquals(
              Double.doubleToLongBits(want), Double.doubleToLongBits(t.<Double>getAs(s)), s);
          compared++;
        }
      }
    }
    assertTrue(compared > 50, "compared " + compared);
  }

  @Test
  void rowIdsThatCollideInLongHashCodeFindTheirSubjects() {
    CovariateSums.SubjectIndex index = new CovariateSums.SubjectIndex();
    for (long i = 0; i < 5000; i++) {
      assertEquals(i, index.add(i << 32 | i)); // Long.hashCode of each is 0
    }
    assertEquals(5000, index.size());
    assertEquals(1234, index.find(1234L << 32 | 1234L));
    assertEquals(1234, index.add(1234L << 32 | 1234L));
    assertEquals(-1, index.find(5000L << 32 | 5000L));
  }

  static BigDecimal[] zeros() {
    BigDecimal[] z = new BigDecimal[CovariateSums.SUMS.length];
    java.util.Arrays.fill(z, BigDecimal.ZERO);
    return z;
  }
}
