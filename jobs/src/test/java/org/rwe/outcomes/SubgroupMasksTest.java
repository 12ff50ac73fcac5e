package org.rwe.outcomes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.rwe.config.SubgroupDefinition;
import org.rwe.testing.SparkTestSession;

/** Subgroup membership from baseline covariates and from age at index, worked by hand. */
class SubgroupMasksTest {
  static final SparkSession spark = SparkTestSession.get();

  @Test
  void membershipComesFromCovariatesAndAgeAtIndex() {
    StructType cohortSchema =
        new StructType()
            .add("row_id", DataTypes.LongType)
            .add("cohort_start_date", DataTypes.DateType)
            .add("year_of_birth", DataTypes.IntegerType);
    Dataset<Row> cohort =
        spark.createDataFrame(
            List.of(
                // 65 in 2020: in the age subgroup; female.
                RowFactory.create(1L, Date.valueOf("2020-01-15"), 1955),
                // 64 in 2020 (born 1956): not; male, with an unrelated covariate.
                RowFactory.create(2L, Date.valueOf("2020-12-31"), 1956),
                // 80, female with covariate value 0 (absent).
                RowFactory.create(3L, Date.valueOf("2019-06-01"), 1939),
                // 30, female.
                RowFactory.create(4L, Date.valueOf("2021-03-01"), 1991)),
            cohortSchema);
    StructType covariateSchema =
        new StructType()
            .add("row_id", DataTypes.LongType)
            .add("covariate_id", DataTypes.LongType)
            .add("covariate_value", DataTypes.DoubleType);
    Dataset<Row> covariates =
        spark.createDataFrame(
            List.of(
                RowFactory.create(1L, 8532001L, 1.0),
                RowFactory.create(2L, 8507001L, 1.0),
                RowFactory.create(2L, 4242210L, 1.0),
                RowFactory.create(3L, 8532001L, 0.0),
                RowFactory.create(4L, 8532001L, 1.0),
                RowFactory.create(4L, 4242210L, 1.0)),
            covariateSchema);
    List<SubgroupDefinition> subgroups =
        List.of(
            new SubgroupDefinition(8532001, "female", 0),
            new SubgroupDefinition(65, "age >= 65", 65),
            new SubgroupDefinition(4242210, "prior condition", 0));
    Map<Long, Long> mask = new TreeMap<>();
    for (Row r : OutcomesJob.subgroupMasks(cohort, covariates, subgroups).collectAsList()) {
      mask.put(r.getLong(0), r.getLong(1));
    }
    assertEquals(Map.of(1L, 0b011L, 2L, 0b100L, 3L, 0b010L, 4L, 0b101L), mask);
  }
}
