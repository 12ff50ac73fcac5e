package org.rwe.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rwe.config.StudySettings;
import org.rwe.run.Pipeline;
import org.rwe.run.Stage;
import org.rwe.testing.DuckDb;
import org.rwe.testing.SparkTestSession;

/**
 * Real input no one here wrote: OHDSI's Eunomia GiBleed (CDM v5.3, exported by DuckDB) loads
 * completely under its study's ingest settings, with every known quirk handled in the open and
 * counted. Counts are checked against the extract's README, against the input files (counted here
 * with a CSV reading of our own) and, for the flags, against DuckDB queries over the curated
 * tables.
 */
class EunomiaIngestTest {
  static final Path INPUT = SparkTestSession.projectDir().resolve("sample-data/eunomia-gibleed");
  static final Path STUDY =
      SparkTestSession.projectDir().resolve("conf/studies/eunomia-celecoxib-diclofenac.conf");

  /** Rows per table, as sample-data/eunomia-gibleed/README.md lists them. */
  static final Map<String, Long> README_ROWS =
      Map.ofEntries(
          Map.entry("person", 2_694L),
          Map.entry("observation_period", 5_343L),
          Map.entry("visit_occurrence", 1_037L),
          Map.entry("condition_occurrence", 65_332L),
          Map.entry("drug_exposure", 67_707L),
          Map.entry("drug_era", 52_508L),
          Map.entry("procedure_occurrence", 37_409L),
          Map.entry("measurement", 44_053L),
          Map.entry("observation", 1_477L),
          Map.entry("concept", 444L),
          Map.entry("concept_ancestor", 65_690L),
          Map.entry("concept_relationship", 8L),
          Map.entry("death", 0L));

  @TempDir static Path dir;
  static String run;

  /**
   * The study through its outcome models (the report is not needed here): the ingest tests read its
   * curated tables, {@link #theCrudeAnalysisEqualsCohortMethods} its results.
   */
  @BeforeAll
  static void ingest() {
    System.out.println("EunomiaIngestTest: the study on " + INPUT);
    run =
        Pipeline.run(
            SparkTestSession.get(),
            StudySettings.load(STUDY, Map.of()),
            INPUT.toString(),
            dir.resolve("out").toString(),
            "eunomia",
            Stage.INGEST,
            Stage.OUTCOMES);
  }

  /**
   * CohortMethod v6.0.2's own results for this design on Eunomia GiBleed (its test fixture, as
   * issue 15 quotes them), analysis 1 (crude Cox), GI bleed: attrition, subjects, days, outcomes
   * and the HR. Equal here because the common period is taken from every entry of both cohorts
   * (CohortMethod's CreateCohorts.sql; 4 target subjects were lost when it was taken after the
   * first-exposure and observation restrictions) and the days are the Cox model's survival time.
   * The CI is not compared: CohortMethod's comes from the likelihood profile (Cyclops), ours is
   * Wald. Analyses 2 and 3 rest on the propensity model, whose fit (Cyclops's prior variance by
   * cross-validation vs our L1 penalty grid) differs, so their matched sets and weights do.
   */
  @Test
  void theCrudeAnalysisEqualsCohortMethods() {
    Map<String, Object> r =
        DuckDb.query(
                "SELECT * FROM "
                    + table("aggregates", "cohort_method_result")
                    + " WHERE analysis_id = 1 AND outcome_id = 1")
            .get(0);
    assertEquals(1797L, ((Number) r.get("target_subjects")).longValue());
    assertEquals(830L, ((Number) r.get("comparator_subjects")).longValue());
    assertEquals(54388L, ((Number) r.get("target_days")).longValue());
    assertEquals(25102L, ((Number) r.get("comparator_days")).longValue());
    assertEquals(113L, ((Number) r.get("target_outcomes")).longValue());
    assertEquals(46L, ((Number) r.get("comparator_outcomes")).longValue());
    assertEquals(1.1341, ((Number) r.get("rr")).doubleValue(), 0.001, "HR");
    // CohortMethod's attrition: original 1844 / 850, 183 days prior observation 1800 / 830,
    // common period 1797 / 830, and so to the end.
    List<Map<String, Object>> steps =
        DuckDb.query(
            "SELECT description, target_subjects t, comparator_subjects c FROM "
                + table("aggregates", "attrition")
                + " WHERE analysis_id IN (0, 1) ORDER BY analysis_id, sequence_number");
    assertEquals(List.of(1844L, 850L), counts(steps.get(0)));
    assertEquals(List.of(1800L, 830L), counts(steps.get(1)));
    Map<String, Object> common =
        steps.stream()
            .filter(m -> m.get("description").equals("Restrict to common period"))
            .findFirst()
            .orElseThrow();
    assertEquals(List.of(1797L, 830L), counts(common));
    assertEquals(List.of(1797L, 830L), counts(steps.get(steps.size() - 1)));
  }

  private static List<Long> counts(Map<String, Object> step) {
    return List.of(((Number) step.get("t")).longValue(), ((Number) step.get("c")).longValue());
  }

  static String table(String stage, String name) {
    return "'" + run + "/" + stage + "/" + name + "/*.parquet'";
  }

  static Map<String, Object> summary(String t) {
    return DuckDb.query(
            "SELECT * FROM "
                + table("aggregates", "ingest_summary")
                + " WHERE table_name = '"
                + t
                + "'")
        .get(0);
  }

  static Map<String, Long> byRule(String t, String column) {
    Map<String, Long> out = new TreeMap<>();
    for (Map<String, Object> r :
        DuckDb.query(
            "SELECT unnest(map_keys("
                + column
                + ")) k, unnest(map_values("
                + column
                + ")) v FROM "
                + table("aggregates", "ingest_summary")
                + " WHERE table_name = '"
                + t
                + "'")) {
      out.put((String) r.get("k"), ((Number) r.get("v")).longValue());
    }
    return out;
  }

  static long scalar(String sql) {
    return ((Number) DuckDb.query(sql).get(0).values().iterator().next()).longValue();
  }

  @Test
  void everyTableLoadsCompletelyAndConservesItsRows() throws IOException {
    for (Map.Entry<String, Long> e : README_ROWS.entrySet()) {
      String t = e.getKey();
      Map<String, Object> s = summary(t);
      long read = ((Number) s.get("rows_read")).longValue();
      long curated = ((Number) s.get("rows_curated")).longValue();
      long rejected = ((Number) s.get("rows_rejected")).longValue();
      assertEquals(e.getValue(), read, t + ": rows_read as the README says");
      assertEquals(read, curated + rejected, t + ": conservation");
      assertEquals(scalar("SELECT count(*) FROM " + table("curated", t)), curated, t);
      assertEquals(scalar("SELECT count(*) FROM " + table("rejects", t)), rejected, t);
      Path file = INPUT.resolve(t + ".csv.gz");
      if (Files.exists(file)) {
        assertEquals(
            Extract.records(
                new String(Extract.gunzip(Files.readAllBytes(file)), StandardCharsets.UTF_8)),
            read,
            t + ": rows_read = records in the file");
      }
    }
    // Every table but observation_period, drug_exposure and drug_era loads in full.
    for (String t : README_ROWS.keySet()) {
      if (!List.of("observation_period", "drug_exposure", "drug_era").contains(t)) {
        assertEquals(0L, summary(t).get("rows_rejected"), t);
      }
    }
  }

  @Test
  void anExposureBeforeBirthIsRejectedWithItsEra() {
    // Person 5002, born 1976, has an exposure (drug_exposure_id 60184, 2,324 days of supply)
    // starting 1970-06-10, and the drug era made from it (drug_era_id 73217).
    assertEquals(Map.of("event_before_birth", 1L), byRule("drug_exposure", "rejected_by_rule"));
    assertEquals(Map.of("event_before_birth", 1L), byRule("drug_era", "rejected_by_rule"));
    for (String t : List.of("drug_exposure", "drug_era")) {
      Map<String, Object> reject = DuckDb.query("SELECT * FROM " + table("rejects", t)).get(0);
      assertTrue(((String) reject.get("raw_values")).contains("\"person_id\":\"5002.0\""), t);
      assertTrue(
          ((String) reject.get("reason")).contains("is before the year of birth 1976"),
          (String) reject.get("reason"));
    }
  }

  @Test
  void observationPeriodsOfPersonsNotInPersonAreRejectedAndCounted() {
    assertEquals(
        Map.of("unknown_person", 2_649L), byRule("observation_period", "rejected_by_rule"));
    double share = ((Number) summary("observation_period").get("reject_share")).doubleValue();
    assertTrue(
        share > 0.05 && share <= 0.5,
        "over the default 5% budget, within the study's 50%: " + share);
    assertEquals(
        0L,
        scalar(
            "SELECT count(*) FROM "
                + table("rejects", "observation_period")
                + " r JOIN "
                + table("curated", "person")
                + " p ON p.person_id = CAST(CAST(json_extract_string(r.raw_values, '$.person_id')"
                + " AS DOUBLE) AS BIGINT)"),
        "no rejected period belongs to a known person");
    assertEquals(
        2_694L,
        scalar("SELECT count(DISTINCT person_id) FROM " + table("curated", "observation_period")),
        "every person keeps its period");
  }

  @Test
  void collidingIdsAndLongSuppliesAreKeptAndFlagged() {
    assertEquals(
        // 263 exposures in the file last more than 365 days; one of them starts before birth.
        Map.of("days_supply_out_of_range", 262L, "duplicate_primary_key", 4_384L),
        withoutObservationFlags(byRule("drug_exposure", "flagged_by_rule")));
    assertEquals(
        Map.of("duplicate_primary_key", 2_183L),
        withoutObservationFlags(byRule("measurement", "flagged_by_rule")));
    assertEquals(
        Map.of("duplicate_primary_key", 6L),
        withoutObservationFlags(byRule("observation", "flagged_by_rule")));
    // Independently: ids used twice, and supplies above 365 days, in what was curated.
    assertEquals(
        4_384L,
        scalar(
            "SELECT count(*) - count(DISTINCT drug_exposure_id) FROM "
                + table("curated", "drug_exposure")));
    assertEquals(
        262L,
        scalar(
            "SELECT count(*) FROM "
                + table("curated", "drug_exposure")
                + " WHERE days_supply > 365"));
    assertEquals(
        2_183L,
        scalar(
            "SELECT count(*) - count(DISTINCT measurement_id) FROM "
                + table("curated", "measurement")));
  }

  /** unknown_concept and outside_observation are checked separately, against DuckDB. */
  static Map<String, Long> withoutObservationFlags(Map<String, Long> flags) {
    Map<String, Long> out = new TreeMap<>(flags);
    out.remove(Rules.OUTSIDE_OBSERVATION);
    out.remove(Rules.UNKNOWN_CONCEPT);
    return out;
  }

  @Test
  void flagsMatchAnIndependentCount() {
    for (String[] t :
        new String[][] {
          {"condition_occurrence", "condition_start_date", "condition_concept_id"},
          {"drug_exposure", "drug_exposure_start_date", "drug_concept_id"},
          {"measurement", "measurement_date", "measurement_concept_id"}
        }) {
      long outside =
          scalar(
              "SELECT count(*) FROM "
                  + table("curated", t[0])
                  + " e WHERE NOT EXISTS (SELECT 1 FROM "
                  + table("curated", "observation_period")
                  + " o WHERE o.person_id = e.person_id AND e."
                  + t[1]
                  + " BETWEEN o.observation_period_start_date AND o.observation_period_end_date)");
      long unknown =
          scalar(
              "SELECT count(*) FROM "
                  + table("curated", t[0])
                  + " e WHERE e."
                  + t[2]
                  + " <> 0 AND e."
                  + t[2]
                  + " NOT IN (SELECT concept_id FROM "
                  + table("curated", "concept")
                  + ")");
      Map<String, Long> flags = byRule(t[0], "flagged_by_rule");
      assertEquals(outside, flags.getOrDefault(Rules.OUTSIDE_OBSERVATION, 0L), t[0]);
      assertEquals(unknown, flags.getOrDefault(Rules.UNKNOWN_CONCEPT, 0L), t[0]);
    }
  }

  @Test
  void quirksOfTheExportAreHandled() throws IOException {
    // Ids written as 6.0 are the integer 6.
    assertEquals(
        1L, scalar("SELECT count(*) FROM " + table("curated", "person") + " WHERE person_id = 6"));
    assertEquals("BIGINT", DuckDb.schema(run + "/curated/person").get("person_id"));
    // measurement_time (a date in this export) is not used: dropped and listed.
    @SuppressWarnings("unchecked")
    List<String> dropped =
        DuckDb.query(
                "SELECT unnest(dropped_columns) c FROM "
                    + table("aggregates", "ingest_summary")
                    + " WHERE table_name = 'measurement'")
            .stream()
            .map(r -> (String) r.get("c"))
            .toList();
    assertTrue(dropped.contains("measurement_time"), dropped.toString());
    assertFalse(DuckDb.schema(run + "/curated/measurement").containsKey("measurement_time"));
    // Empty condition end dates are nulls, GI bleeding among them.
    long emptyEnds = 0;
    List<String> header = null;
    for (String line :
        new String(
                Extract.gunzip(Files.readAllBytes(INPUT.resolve("condition_occurrence.csv.gz"))),
                StandardCharsets.UTF_8)
            .split("\n")) {
      String[] f = line.split(",", -1);
      if (header == null) {
        header = List.of(f);
        continue;
      }
      emptyEnds += f[header.indexOf("condition_end_date")].isEmpty() ? 1 : 0;
    }
    assertTrue(emptyEnds > 0);
    assertEquals(
        emptyEnds,
        scalar(
            "SELECT count(*) FROM "
                + table("curated", "condition_occurrence")
                + " WHERE condition_end_date IS NULL"));
    assertEquals(
        0L,
        scalar(
            "SELECT count(*) FROM "
                + table("curated", "condition_occurrence")
                + " WHERE condition_concept_id = 192671 AND condition_end_date IS NOT NULL"));
    // No death table: an optional table, read as empty and said so.
    assertEquals(IngestJob.ABSENT, summary("death").get("source"));
  }
}
