package org.rwe.features;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Date;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.rwe.config.FeatureSettings;
import org.rwe.testing.SparkTestSession;

/** The Charlson index among the other covariates of FeatureBuilder, with its covariate_ref row. */
class FeatureBuilderCharlsonTest {
  static final SparkSession spark = SparkTestSession.get();

  static Dataset<Row> table(StructType schema, Row... rows) {
    return spark.createDataFrame(List.of(rows), schema);
  }

  @Test
  void charlsonIsCovariate1901() {
    StructType event =
        new StructType()
            .add("person_id", DataTypes.LongType)
            .add("condition_start_date", DataTypes.DateType)
            .add("condition_concept_id", DataTypes.LongType);
    Dataset<Row> cohort =
        table(
            new StructType()
                .add("row_id", DataTypes.LongType)
                .add("person_id", DataTypes.LongType)
                .add("cohort_start_date", DataTypes.DateType)
                .add("gender_concept_id", DataTypes.LongType)
                .add("year_of_birth", DataTypes.IntegerType),
            RowFactory.create(1L, 1L, Date.valueOf("2020-06-01"), 8507L, 1950),
            RowFactory.create(2L, 2L, Date.valueOf("2020-06-01"), 8532L, 1960));
    FeatureBuilder.Inputs in =
        new FeatureBuilder.Inputs(
            table(
                new StructType()
                    .add("person_id", DataTypes.LongType)
                    .add("race_concept_id", DataTypes.LongType)
                    .add("ethnicity_concept_id", DataTypes.LongType),
                RowFactory.create(1L, 0L, 0L),
                RowFactory.create(2L, 0L, 0L)),
            table(
                new StructType()
                    .add("person_id", DataTypes.LongType)
                    .add("visit_start_date", DataTypes.DateType)
                    .add("visit_concept_id", DataTypes.LongType)),
            table(
                event,
                // Type 2 diabetes (under diabetes 201820) long ago, heart failure last month.
                RowFactory.create(1L, Date.valueOf("2001-01-01"), 201826L),
                RowFactory.create(1L, Date.valueOf("2020-05-01"), 316139L)),
            table(
                new StructType()
                    .add("person_id", DataTypes.LongType)
                    .add("drug_exposure_start_date", DataTypes.DateType)
                    .add("drug_concept_id", DataTypes.LongType)),
            table(
                new StructType()
                    .add("person_id", DataTypes.LongType)
                    .add("procedure_date", DataTypes.DateType)
                    .add("procedure_concept_id", DataTypes.LongType)),
            table(
                new StructType()
                    .add("person_id", DataTypes.LongType)
                    .add("measurement_date", DataTypes.DateType)
                    .add("measurement_concept_id", DataTypes.LongType)
                    .add("value_as_number", DataTypes.DoubleType)
                    .add("range_low", DataTypes.DoubleType)
                    .add("range_high", DataTypes.DoubleType)),
            table(
                new StructType()
                    .add("concept_id", DataTypes.LongType)
                    .add("concept_name", DataTypes.StringType)
                    .add("domain_id", DataTypes.StringType)
                    .add("vocabulary_id", DataTypes.StringType)
                    .add("concept_class_id", DataTypes.StringType)
                    .add("concept_code", DataTypes.StringType),
                RowFactory.create(
                    201820L, "Diabetes mellitus", "Condition", "SNOMED", "Disorder", "73211009"),
                RowFactory.create(
                    201826L, "Type 2 diabetes mellitus", "Condition", "SNOMED", "Disorder", "x"),
                RowFactory.create(
                    316139L, "Heart failure", "Condition", "SNOMED", "Disorder", "84114007")),
            table(
                new StructType()
                    .add("ancestor_concept_id", DataTypes.LongType)
                    .add("descendant_concept_id", DataTypes.LongType),
                RowFactory.create(201820L, 201820L),
                RowFactory.create(201826L, 201826L),
                RowFactory.create(316139L, 316139L),
                RowFactory.create(201820L, 201826L)));
    FeatureBuilder.Result r =
        FeatureBuilder.build(cohort, in, Set.of(), new FeatureSettings(-365, -30, 0, 1, List.of()));
    List<Row> charlson =
        r.covariates()
            .filter("covariate_id = 1901")
            .select("row_id", "covariate_value")
            .collectAsList();
    assertEquals(List.of(RowFactory.create(1L, 2.0)), charlson);
    List<Row> ref =
        r.covariateRef()
            .filter("covariate_id = 1901")
            .select("covariate_name", "analysis_id", "concept_id")
            .collectAsList();
    assertEquals(List.of(RowFactory.create("Charlson index - Romano adaptation", 901, 0L)), ref);
  }
}
