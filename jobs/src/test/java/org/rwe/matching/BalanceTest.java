package org.rwe.matching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.rwe.testing.SparkTestSession;

/** Standardized differences worked by hand on six subjects. */
class BalanceTest {
  static final SparkSession spark = SparkTestSession.get();

  @Test
  void standardizedDifferenceBeforeAndAfter() {
    // Targets 1,2,3; comparators 4,5,6. Covariate 1001 present in 1,2 (mean 2/3) and in 4 (1/3).
    // Matched sets: {1,4}, {2,5}: after, target mean 1, comparator mean 1/2.
    StructType pop =
        new StructType()
            .add("analysis_id", DataTypes.IntegerType)
            .add("outcome_id", DataTypes.IntegerType)
            .add("row_id", DataTypes.LongType)
            .add("treatment", DataTypes.IntegerType)
            .add("weight", DataTypes.DoubleType);
    List<Row> before = new ArrayList<>();
    for (long i = 1; i <= 6; i++) {
      before.add(RowFactory.create(2, 1, i, i <= 3 ? 1 : 0, 1.0));
    }
    List<Row> after =
        List.of(
            RowFactory.create(2, 1, 1L, 1, 1.0),
            RowFactory.create(2, 1, 4L, 0, 1.0),
            RowFactory.create(2, 1, 2L, 1, 1.0),
            RowFactory.create(2, 1, 5L, 0, 1.0));
    Dataset<Row> covariates =
        spark.createDataFrame(
            List.of(
                RowFactory.create(1L, 1001L, 1.0),
                RowFactory.create(2L, 1001L, 1.0),
                RowFactory.create(4L, 1001L, 1.0)),
            new StructType()
                .add("row_id", DataTypes.LongType)
                .add("covariate_id", DataTypes.LongType)
                .add("covariate_value", DataTypes.DoubleType));
    Dataset<Row> ref =
        spark.createDataFrame(
            List.of(RowFactory.create(1001L, "x", 1)),
            new StructType()
                .add("covariate_id", DataTypes.LongType)
                .add("covariate_name", DataTypes.StringType)
                .add("analysis_id", DataTypes.IntegerType));
    Row b =
        Balance.compute(
                spark.createDataFrame(before, pop),
                spark.createDataFrame(after, pop),
                covariates,
                ref)
            .first();
    double mt = 2.0 / 3;
    double mc = 1.0 / 3;
    double sd = Math.sqrt((mt * (1 - mt) + mc * (1 - mc)) / 2);
    assertEquals(mt, b.<Double>getAs("target_mean_before"), 1e-12);
    assertEquals(mc, b.<Double>getAs("comparator_mean_before"), 1e-12);
    assertEquals((mt - mc) / sd, b.<Double>getAs("std_diff_before"), 1e-12);
    assertEquals(1.0, b.<Double>getAs("target_mean_after"), 1e-12);
    assertEquals(0.5, b.<Double>getAs("comparator_mean_after"), 1e-12);
    assertEquals(0.5 / Math.sqrt((0 + 0.25) / 2), b.<Double>getAs("std_diff_after"), 1e-12);
    // Arm sizes, for the small-cell rule on means: 3 and 3 before, 2 and 2 matched after.
    assertEquals(3L, b.<Long>getAs("target_subjects_before"));
    assertEquals(3L, b.<Long>getAs("comparator_subjects_before"));
    assertEquals(2L, b.<Long>getAs("target_subjects_after"));
    assertEquals(2L, b.<Long>getAs("comparator_subjects_after"));
  }

  @Test
  void noVarianceGivesNoDifference() {
    assertNull(
        spark
            .range(1)
            .select(
                Balance.stdDiff(
                    org.apache.spark.sql.functions.lit(1.0),
                    org.apache.spark.sql.functions.lit(1.0),
                    org.apache.spark.sql.functions.lit(0.0),
                    org.apache.spark.sql.functions.lit(0.0)))
            .first()
            .get(0));
  }
}
