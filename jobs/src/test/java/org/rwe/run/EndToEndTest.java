package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rwe.results.ResultTable;
import org.rwe.results.ResultsSchema;
import org.rwe.testing.DuckDb;

/**
 * The whole pipeline on a freshly generated extract with a known answer: the PS-matched estimate
 * recovers the true hazard ratio, the crude one does not, matching balances the covariates, and
 * negative controls come out null. Results are read back with DuckDB, an independent reader.
 */
class EndToEndTest {
  static String run;

  @BeforeAll
  static void runPipeline() throws Exception {
    run = SampleRun.get().published();
  }

  static String table(String name) {
    return "'" + run + "/results/" + name + "/*.parquet'";
  }

  static Map<String, Object> estimate(int analysisId, int outcomeId) {
    List<Map<String, Object>> rows =
        DuckDb.query(
            "SELECT * FROM "
                + table("cohort_method_result")
                + " WHERE analysis_id = "
                + analysisId
                + " AND outcome_id = "
                + outcomeId);
    assertEquals(1, rows.size());
    return rows.get(0);
  }

  @Test
  void matchedEstimateCoversTheTruthAndTheCrudeDoesNot() {
    Map<String, Object> crude = estimate(1, 1);
    Map<String, Object> matched = estimate(2, 1);
    System.out.println("outcome 1 crude " + crude + "\noutcome 1 matched " + matched);
    double truth = 0.8;
    assertTrue(
        DuckDb.number(matched.get("ci_95_lb")) < truth
            && truth < DuckDb.number(matched.get("ci_95_ub")),
        "matched CI covers the true HR: " + matched);
    assertTrue(
        DuckDb.number(crude.get("ci_95_lb")) > truth,
        "confounding pushes the crude estimate above the truth: " + crude);
  }

  @Test
  void matchingBalancesEveryCovariate() {
    double maxAfter =
        DuckDb.number(
            DuckDb.query(
                    "SELECT max(abs(std_diff_after)) m FROM "
                        + table("covariate_balance")
                        + " WHERE analysis_id = 2 AND outcome_id = 1")
                .get(0)
                .get("m"));
    double maxBefore =
        DuckDb.number(
            DuckDb.query(
                    "SELECT max(abs(std_diff_before)) m FROM "
                        + table("covariate_balance")
                        + " WHERE analysis_id = 2 AND outcome_id = 1")
                .get(0)
                .get("m"));
    System.out.println("max |SDM| before " + maxBefore + ", after " + maxAfter);
    assertTrue(maxBefore > 0.2, "the generator confounds: " + maxBefore);
    assertTrue(maxAfter < 0.1, "max |std_diff_after| " + maxAfter);
  }

  @Test
  void negativeControlsAreMostlyNull() {
    List<Map<String, Object>> nc =
        DuckDb.query(
            "SELECT outcome_id, rr, ci_95_lb, ci_95_ub FROM "
                + table("cohort_method_result")
                + " WHERE analysis_id = 2 AND negative_control");
    assertTrue(nc.size() >= 10);
    long covering =
        nc.stream()
            .filter(r -> r.get("rr") != null)
            .filter(
                r -> DuckDb.number(r.get("ci_95_lb")) < 1 && DuckDb.number(r.get("ci_95_ub")) > 1)
            .count();
    System.out.println("negative controls covering 1: " + covering + " of " + nc.size());
    assertTrue(covering >= Math.ceil(0.8 * nc.size()), covering + " of " + nc.size());
  }

  @Test
  void everyInputRowIsCuratedOrRejected() {
    List<Map<String, Object>> summary = DuckDb.query("SELECT * FROM " + table("ingest_summary"));
    assertEquals(13, summary.size());
    for (Map<String, Object> s : summary) {
      long read = ((Number) s.get("rows_read")).longValue();
      long curated = ((Number) s.get("rows_curated")).longValue();
      long rejected = ((Number) s.get("rows_rejected")).longValue();
      assertEquals(read, curated + rejected, s.toString());
      String t = (String) s.get("table_name");
      // What was written agrees with the summary.
      assertEquals(curated, count(run + "/curated/" + t), t);
      assertEquals(rejected, count(run + "/rejects/" + t), t);
    }
    // The generator's defects are caught, each by its rule.
    assertTrue(
        DuckDb.query(
                    "SELECT 1 FROM '"
                        + run
                        + "/rejects/condition_occurrence/*.parquet' WHERE rule = 'end_before_start'")
                .size()
            > 0);
  }

  static long count(String folder) {
    return ((Number)
            DuckDb.query("SELECT count(*) n FROM '" + folder + "/*.parquet'").get(0).get("n"))
        .longValue();
  }

  @Test
  void theRunIsPublishedWholeWithItsManifest() throws Exception {
    Path runDir = Path.of(run);
    assertTrue(Files.exists(runDir.resolve("_SUCCESS")));
    assertTrue(Files.exists(runDir.resolve("_manifest.json")));
    assertFalse(Files.exists(Path.of(run + ".inprogress")));
    assertEquals("e2e", Files.readString(runDir.getParent().resolve("latest")).trim());
    String manifest = Files.readString(runDir.resolve("_manifest.json"));
    assertTrue(manifest.contains("\"stages\""));
    assertTrue(manifest.contains("\"spark\" : \"4.2.0\""), manifest.substring(0, 400));
  }

  @Test
  void everySparkJobOfTheRunIsNamedAfterItsStage() throws Exception {
    List<String> groups = SampleRun.get().jobGroups();
    assertTrue(groups.size() > 50, "jobs seen: " + groups.size());
    java.util.Set<String> expected = new java.util.TreeSet<>();
    for (Stage s : Stage.values()) {
      expected.add("rwe-" + s.id());
    }
    for (String g : groups) {
      assertTrue(expected.contains(g), "a Spark job outside every stage's job group: " + g);
    }
    assertEquals(expected, new java.util.TreeSet<>(groups), "every stage shows in the Spark UI");
  }

  @Test
  void resultTablesMatchTheirDeclarationWhenReadByDuckDb() {
    for (ResultTable t : ResultsSchema.ALL) {
      Map<String, String> schema = DuckDb.schema(run + "/results/" + t.name());
      assertEquals(t.columnNames(), List.copyOf(schema.keySet()), t.name());
      for (String column : schema.keySet()) {
        assertFalse(
            column.equals("person_id") || column.equals("row_id") || column.equals("subject_id"),
            "person-level column " + column + " in shareable table " + t.name());
      }
    }
  }
}
