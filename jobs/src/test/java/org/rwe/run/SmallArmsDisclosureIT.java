package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rwe.cli.ExitCode;
import org.rwe.config.StudySettings;
import org.rwe.generate.GenerateJob;
import org.rwe.generate.GeneratorSettings;
import org.rwe.testing.DuckDb;
import org.rwe.testing.ShareableScan;
import org.rwe.testing.SparkTestSession;

/**
 * The whole study on a generated extract small enough that most arms and outcome counts are near
 * the minimum cell count: what the run publishes, read back with DuckDB, holds no count below the
 * minimum and no difference or sum between counts of nested or identical groups, in any table or
 * across tables, that gives one away (ShareableScan, written apart from the pipeline's rules).
 */
class SmallArmsDisclosureIT {
  @TempDir Path dir;

  @Test
  void aSmallStudyPublishesNothingRecoverable() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path input = dir.resolve("extract");
    GenerateJob.run(spark, new GeneratorSettings(1200, 7, 2, false, 0.0), input.toString());
    // The shipped study with one penalty and two folds: the propensity model is not what is
    // tested here, and it is most of the run's time.
    Path study = dir.resolve("small.conf");
    Files.writeString(
        study,
        "include file(\""
            + SparkTestSession.projectDir().resolve("conf/studies/magnesium-depression.conf")
            + "\")\npropensity.regParams = [0.003]\npropensity.crossValidationFolds = 2\n");
    StudySettings settings = StudySettings.load(study, Map.of());
    String published =
        Pipeline.run(
            spark,
            settings,
            input.toString(),
            dir.resolve("out").toString(),
            "small",
            Stage.INGEST,
            null);
    ShareableScan.Result scan = ShareableScan.scan(Path.of(published), 11);
    System.out.println("SmallArmsDisclosureIT scan: " + scan);
    assertEquals(List.of(), scan.problems());
    assertTrue(scan.masked() > 50, "small arms: many counts masked: " + scan);
    assertTrue(scan.withheld() > 0, "and some withheld for others: " + scan);
    // The primary estimate still stands for most outcomes: suppression hides counts, not the study.
    Number estimable =
        (Number)
            DuckDb.query(
                    "SELECT count(*) n FROM read_parquet('"
                        + Path.of(published, "results/cohort_method_result")
                        + "/*.parquet') WHERE rr IS NOT NULL")
                .get(0)
                .get("n");
    assertTrue(estimable.longValue() > 0, "some estimates survive");
    assertTrue(
        Files.isDirectory(Path.of(published, "aggregates", "attrition")),
        "the unmasked tables stay beside the person-level folders (restricted)");
  }

  @Test
  void aFailedDisclosureCheckIsExitCodeFour() {
    DisclosureException e =
        new DisclosureException(List.of("results/attrition[...] - results/attrition[...] = 5"));
    assertEquals(4, ExitCode.of(new RuntimeException("wrapped", e)).code);
    assertTrue(e.getMessage().contains("nothing published"), e.getMessage());
  }
}
