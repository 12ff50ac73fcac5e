package org.rwe.outcomes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.sql.Date;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rwe.config.StudySettings;
import org.rwe.run.RunContext;
import org.rwe.stats.Effect;
import org.rwe.testing.SparkTestSession;

/**
 * The outcomes stage on hand-built stage outputs: model types reach cohort_method_result, the
 * analysis table records them, and subgroup interactions reach interaction_result with the right
 * subgroup membership (covariate and age) and masked counts. The statistics themselves are checked
 * against R in org.rwe.stats; here the expected numbers come from {@link OutcomeModels} on the same
 * subjects.
 */
class OutcomesJobTest {
  static final SparkSession spark = SparkTestSession.get();
  static final long SEED = 20250107;
  static final int PAIRS = 150;

  @TempDir static Path dir;
  static RunContext ctx;
  static StudySettings settings;

  /** The subjects as OutcomeModels sees them, per analysis; subgroup bits 0 female, 1 age. */
  static final Map<Integer, List<OutcomeModels.Subject>> subjects = new HashMap<>();

  @BeforeAll
  static void runOutcomes() {
    System.out.println("OutcomesJobTest: seed " + SEED);
    settings =
        StudySettings.fromConfig(
            ConfigFactory.parseString(
                "conceptSets { x = [{conceptIds = [1]}] }\n"
                    + "cohort { base.conceptSet = x, target.conceptSet = x }\n"
                    + "outcomes = [{ outcomeId = 1, conceptSet = x }]\n"
                    + "analyses = [\n"
                    + " { analysisId = 1, adjustment = none, modelType = poisson,"
                    + "   interactionCovariateIds = [8532001, 65] }\n"
                    + " { analysisId = 2, adjustment = match, stratified = true,"
                    + "   modelType = logistic, interactionCovariateIds = [65] }\n"
                    + " { analysisId = 3, adjustment = match, stratified = true }\n"
                    + "]"));
    ctx = new RunContext(spark, settings, dir.resolve("in").toString(), dir.toString());

    Random rnd = new Random(SEED);
    List<Row> population = new ArrayList<>();
    List<Row> cohort = new ArrayList<>();
    List<Row> covariates = new ArrayList<>();
    for (int a = 1; a <= 3; a++) {
      subjects.put(a, new ArrayList<>());
    }
    for (long row = 1; row <= 2 * PAIRS; row++) {
      int treatment = (int) (row % 2);
      boolean female = rnd.nextBoolean();
      // 10 targets and 10 comparators aged 65 or more: the age subgroup's counts are masked.
      boolean old = row % 30 == 1 || row % 30 == 2;
      int yearOfBirth = old ? 1940 : 1970;
      long days = 30 + rnd.nextInt(335);
      double risk = (treatment == 1 ? 0.25 : 0.2) * (female ? 1.5 : 1);
      long count = rnd.nextDouble() < risk ? 1 + (rnd.nextDouble() < 0.3 ? 1 : 0) : 0;
      long survival = count > 0 ? 1 + rnd.nextInt((int) days) : days;
      cohort.add(RowFactory.create(row, Date.valueOf("2020-06-01"), yearOfBirth));
      if (female) {
        covariates.add(RowFactory.create(row, 8532001L, 1.0));
      } else {
        covariates.add(RowFactory.create(row, 8507001L, 1.0));
      }
      long pair = (row + 1) / 2;
      for (int a = 1; a <= 3; a++) {
        Long stratum = a == 1 ? null : pair;
        population.add(
            RowFactory.create(a, 1, row, treatment, stratum, 1.0, days, survival, count));
        subjects
            .get(a)
            .add(
                new OutcomeModels.Subject(
                    treatment,
                    stratum,
                    1.0,
                    days,
                    survival,
                    count,
                    (female ? 1L : 0L) | (old ? 2L : 0L)));
      }
    }
    ctx.write(
        spark.createDataFrame(
            population,
            new StructType()
                .add("analysis_id", DataTypes.IntegerType)
                .add("outcome_id", DataTypes.IntegerType)
                .add("row_id", DataTypes.LongType)
                .add("treatment", DataTypes.IntegerType)
                .add("stratum_id", DataTypes.LongType)
                .add("weight", DataTypes.DoubleType)
                .add("time_at_risk", DataTypes.LongType)
                .add("survival_time", DataTypes.LongType)
                .add("outcome_count", DataTypes.LongType)),
        "match",
        "study_population");
    ctx.write(
        spark.createDataFrame(
            cohort,
            new StructType()
                .add("row_id", DataTypes.LongType)
                .add("cohort_start_date", DataTypes.DateType)
                .add("year_of_birth", DataTypes.IntegerType)),
        "cohort",
        "exposure_cohort");
    ctx.write(
        spark.createDataFrame(
            covariates,
            new StructType()
                .add("row_id", DataTypes.LongType)
                .add("covariate_id", DataTypes.LongType)
                .add("covariate_value", DataTypes.DoubleType)),
        "features",
        "covariates");
    spark
        .createDataFrame(
            List.of(RowFactory.create(1, 1, 0.05)),
            new StructType()
                .add("analysis_id", DataTypes.IntegerType)
                .add("outcome_id", DataTypes.IntegerType)
                .add("std_diff_after", DataTypes.DoubleType))
        .write()
        .parquet(ctx.aggregatePath("covariate_balance"));
    spark
        .createDataFrame(
            List.of(RowFactory.create(0.5)),
            new StructType().add("equipoise", DataTypes.DoubleType))
        .write()
        .parquet(ctx.aggregatePath("propensity_summary"));

    Map<String, Long> counts = OutcomesJob.run(ctx);
    assertEquals(3L, counts.get("interaction_estimates"));
  }

  static Map<String, Row> rows(String table, String... keys) {
    Map<String, Row> out = new HashMap<>();
    // As published: the stage writes its tables unmasked, the report stage masks them.
    for (Row r :
        org.rwe.results.Suppression.apply(
            ctx.readAggregate(table).collectAsList(),
            org.rwe.results.ResultsSchema.byName(table).orElseThrow(),
            ctx.settings().minCellCount())) {
      StringBuilder k = new StringBuilder();
      for (String c : keys) {
        k.append(r.getAs(c).toString()).append('/');
      }
      out.put(k.toString(), r);
    }
    return out;
  }

  @Test
  void eachAnalysisIsFittedWithItsModelType() {
    Map<String, Row> results = rows("cohort_method_result", "analysis_id");
    for (int a = 1; a <= 3; a++) {
      Effect expected = OutcomeModels.estimate(settings.analysis(a), subjects.get(a)).effect();
      Row r = results.get(a + "/");
      assertEquals("OK", r.getAs("model_status"), "analysis " + a);
      assertEquals(expected.rr(), (double) r.getAs("rr"), 1e-12, "analysis " + a);
      assertEquals(expected.seLogRr(), (double) r.getAs("se_log_rr"), 1e-12, "analysis " + a);
    }
    Map<String, Row> analyses = rows("analysis", "analysis_id");
    assertEquals("poisson", analyses.get("1/").getAs("model_type"));
    assertEquals("logistic", analyses.get("2/").getAs("model_type"));
    assertEquals("cox", analyses.get("3/").getAs("model_type"));
    assertEquals(
        1L,
        analyses.values().stream().filter(r -> r.<Boolean>getAs("is_primary")).count(),
        "one primary analysis");
  }

  @Test
  void interactionsUseTheSubgroupsAndMaskSmallCounts() {
    Map<String, Row> results =
        rows("interaction_result", "analysis_id", "interaction_covariate_id");
    assertEquals(3, results.size());
    assertTrue(results.keySet().containsAll(List.of("1/8532001/", "1/65/", "2/65/")));

    Row female = results.get("1/8532001/");
    OutcomeModels.Estimate expected =
        OutcomeModels.interaction(settings.analysis(1), subjects.get(1), 0);
    assertEquals("female", female.getAs("interaction_name"));
    assertEquals("OK", female.getAs("model_status"));
    assertEquals(expected.effect().rr(), (double) female.getAs("rr"), 1e-12);
    assertEquals(expected.effect().seLogRr(), (double) female.getAs("se_log_rr"), 1e-12);
    assertEquals(expected.target().subjects(), (long) female.getAs("target_subjects"));
    assertEquals(expected.comparator().days(), (long) female.getAs("comparator_days"));
    assertTrue(expected.target().subjects() >= 11);

    // 10 target subjects are 65 or older: fewer than 11, masked as -11.
    Row old = results.get("1/65/");
    OutcomeModels.Estimate byAge =
        OutcomeModels.interaction(settings.analysis(1), subjects.get(1), 1);
    assertEquals(10, byAge.target().subjects());
    assertEquals(-11L, (long) old.getAs("target_subjects"));
    // Days at risk rest on the masked subject count: withheld, or they would give it away.
    assertNull(old.getAs("target_days"));
    boolean outcomesMasked = byAge.target().outcomes() < 11 || byAge.comparator().outcomes() < 11;
    if (outcomesMasked) {
      assertNull(old.getAs("rr"), "an estimate resting on a masked outcome count is withheld");
    } else if (byAge.effect().isUsable()) {
      assertEquals(byAge.effect().rr(), (double) old.getAs("rr"), 1e-12);
    } else {
      assertNull(old.getAs("rr"));
      assertEquals(byAge.effect().status().name(), old.getAs("model_status"));
    }

    Row conditional = results.get("2/65/");
    OutcomeModels.Estimate clr =
        OutcomeModels.interaction(settings.analysis(2), subjects.get(2), 1);
    assertEquals(clr.effect().status().name(), conditional.getAs("model_status"));
  }
}
