package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rwe.config.StudySettings;
import org.rwe.results.ResultTable;
import org.rwe.results.ResultsSchema;
import org.rwe.testing.SparkTestSession;

/**
 * What each stage's output depends on, and what it owns: the decisions behind resume. A change to a
 * section recomputes the stage that reads it and every stage after, never one before.
 */
class StageTest {
  static final Path STUDY =
      SparkTestSession.projectDir().resolve("conf/studies/magnesium-depression.conf");

  static final InputFingerprint INPUT =
      new InputFingerprint(
          "file:/data/extract",
          List.of(
              new InputFingerprint.Table(
                  "person",
                  "person.csv",
                  "csv",
                  10,
                  List.of(new InputFingerprint.DataFile("", 10, 1000)))));

  static Map<Stage, StageStamp.Basis> bases(Map<String, String> overrides, InputFingerprint in) {
    return StageStamp.bases(StudySettings.load(STUDY, overrides), in, "1.0", "4.2.0");
  }

  /** The stages whose hash differs from the shipped study's when {@code key} is overridden. */
  static List<Stage> changedBy(String key, String value) {
    Map<Stage, StageStamp.Basis> before = bases(Map.of(), INPUT);
    Map<Stage, StageStamp.Basis> after = bases(Map.of(key, value), INPUT);
    List<Stage> changed = new ArrayList<>();
    for (Stage s : Stage.values()) {
      if (!before.get(s).hash().equals(after.get(s).hash())) {
        changed.add(s);
      }
    }
    return changed;
  }

  static List<Stage> from(Stage first) {
    return java.util.Arrays.stream(Stage.values())
        .filter(s -> s.ordinal() >= first.ordinal())
        .toList();
  }

  @Test
  void aSectionChangeRecomputesItsStageAndEveryLaterOne() {
    assertEquals(from(Stage.INGEST), changedBy("ingest.maxDaysSupply", "300"));
    assertEquals(from(Stage.COHORT), changedBy("cohort.minAgeAtIndex", "21"));
    assertEquals(from(Stage.COHORT), changedBy("cohort.target.washoutDays", "180"));
    assertEquals(from(Stage.COHORT), changedBy("defaults.outcome.negativeControl", "true"));
    assertEquals(from(Stage.FEATURES), changedBy("features.minSubjects", "7"));
    assertEquals(from(Stage.PROPENSITY), changedBy("propensity.crossValidationFolds", "5"));
    assertEquals(from(Stage.MATCH), changedBy("studyPopulation.minDaysAtRisk", "2"));
    assertEquals(from(Stage.OUTCOMES), changedBy("results.minCellCount", "5"));
    assertEquals(from(Stage.MATCH), changedBy("defaults.analysis.caliper", "0.1"));
    assertEquals(
        from(Stage.MATCH), changedBy("studyPopulation.removeDuplicateSubjects", "remove all"));
    assertEquals(from(Stage.COHORT), changedBy("defaults.outcome.followUpTargetDay", "200"));
    assertEquals(from(Stage.OUTCOMES), changedBy("diagnostics.maxSdm", "0.2"));
    assertEquals(from(Stage.OUTCOMES), changedBy("diagnostics.failOnFailure", "true"));
    assertEquals(from(Stage.OUTCOMES), changedBy("absoluteRisk.horizonDays", "180"));
  }

  /**
   * A cohort table (cohort.source = "cohortTable") is read from outside the extract: rewriting it
   * under the same name recomputes the cohort stage and every later one, as a changed setting.
   */
  @Test
  void aCohortTableRewrittenInPlaceRecomputesFromTheCohortStage(@TempDir Path dir)
      throws Exception {
    Path table = dir.resolve("cohort.csv");
    Files.writeString(
        table,
        "cohort_definition_id,subject_id,cohort_start_date,cohort_end_date\n1,1,2020-01-01,2020-02-01\n");
    Map<String, String> overrides =
        Map.of("cohort.source", "cohortTable", "cohort.cohortTable.path", table.toString());
    Map<Stage, StageStamp.Basis> before = bases(overrides, INPUT);
    Files.writeString(
        table,
        "cohort_definition_id,subject_id,cohort_start_date,cohort_end_date\n2,1,2020-01-01,2020-02-01\n");
    Files.setLastModifiedTime(
        table, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
    Map<Stage, StageStamp.Basis> after = bases(overrides, INPUT);
    List<Stage> changed = new ArrayList<>();
    for (Stage s : Stage.values()) {
      if (!before.get(s).hash().equals(after.get(s).hash())) {
        changed.add(s);
      }
    }
    assertEquals(from(Stage.COHORT), changed);
    assertEquals(
        "the file named by 'cohort.cohortTable.path' changed",
        StageStamp.staleness(
            new StageStamp(
                Stage.COHORT,
                before.get(Stage.COHORT).hash(),
                before.get(Stage.COHORT).parts(),
                java.time.Instant.now(),
                1,
                Map.of(),
                List.of()),
            after.get(Stage.COHORT)));
  }

  @Test
  void everyDeclaredFileSettingIsASettingOfThePipeline() {
    var reference = StudySettings.reference();
    for (Stage s : Stage.values()) {
      for (String setting : s.files()) {
        assertTrue(reference.hasPath(setting), s + " reads a file named by unknown " + setting);
      }
    }
  }

  @Test
  void settingsThatCannotChangeAResultRecomputeNothing() {
    assertEquals(List.of(), changedBy("spark.shufflePartitions", "200"));
    assertEquals(List.of(), changedBy("spark.master", "local[1]"));
    // The report prints the study's description: only it is redone.
    assertEquals(List.of(Stage.REPORT), changedBy("study.description", "another description"));
  }

  @Test
  void theInputAndTheVersionsInvalidateEverything() {
    InputFingerprint touched =
        new InputFingerprint(
            INPUT.root(),
            List.of(
                new InputFingerprint.Table(
                    "person",
                    "person.csv",
                    "csv",
                    10,
                    List.of(new InputFingerprint.DataFile("", 10, 2000)))));
    Map<Stage, StageStamp.Basis> a = bases(Map.of(), INPUT);
    Map<Stage, StageStamp.Basis> b = bases(Map.of(), touched);
    Map<Stage, StageStamp.Basis> c =
        StageStamp.bases(StudySettings.load(STUDY, Map.of()), INPUT, "1.1", "4.2.0");
    for (Stage s : Stage.values()) {
      assertNotEquals(a.get(s).hash(), b.get(s).hash(), "a file rewritten in place: " + s);
      assertNotEquals(a.get(s).hash(), c.get(s).hash(), "another product version: " + s);
    }
    // The run id ignores modification times: the same extract delivered again keeps its id.
    assertEquals(INPUT.runIdHash(), touched.runIdHash());
    assertNotEquals(INPUT.contentHash(), touched.contentHash());
  }

  @Test
  void theLogSaysWhatChanged() {
    Map<Stage, StageStamp.Basis> before = bases(Map.of(), INPUT);
    Map<Stage, StageStamp.Basis> after = bases(Map.of("features.minSubjects", "7"), INPUT);
    StageStamp stored =
        new StageStamp(
            Stage.FEATURES,
            before.get(Stage.FEATURES).hash(),
            before.get(Stage.FEATURES).parts(),
            java.time.Instant.now(),
            1,
            Map.of(),
            List.of());
    assertEquals(
        "config 'features' changed", StageStamp.staleness(stored, after.get(Stage.FEATURES)));
    StageStamp storedPropensity =
        new StageStamp(
            Stage.PROPENSITY,
            before.get(Stage.PROPENSITY).hash(),
            before.get(Stage.PROPENSITY).parts(),
            java.time.Instant.now(),
            1,
            Map.of(),
            List.of());
    assertEquals(
        "an earlier stage changed",
        StageStamp.staleness(storedPropensity, after.get(Stage.PROPENSITY)));
    assertEquals("no complete output", StageStamp.staleness(null, after.get(Stage.PROPENSITY)));
  }

  @Test
  void everyDeclaredSectionIsASettingOfThePipeline() {
    var reference = StudySettings.reference();
    for (Stage s : Stage.values()) {
      for (String section : s.sections()) {
        assertTrue(reference.hasPath(section), s + " depends on unknown section " + section);
      }
    }
  }

  @Test
  void everyResultTableIsOwnedByExactlyOneStage() {
    Map<String, Stage> owner = new HashMap<>();
    for (Stage s : Stage.values()) {
      for (String out : s.outputs()) {
        Stage previous = owner.put(out, s);
        assertEquals(null, previous, out + " is claimed by " + previous + " and " + s);
        for (String other : owner.keySet()) {
          if (!other.equals(out)) {
            assertTrue(
                !out.startsWith(other + "/") && !other.startsWith(out + "/"),
                out + " and " + other + " overlap");
          }
        }
      }
    }
    // The stages write their tables unmasked to aggregates/; the last stage alone publishes them,
    // all together, to results/ (disclosure control across tables needs every table at once).
    assertEquals(Stage.last(), owner.get("results"), "results/ is published by the last stage");
    for (ResultTable t : ResultsSchema.ALL) {
      Stage s = owner.get("aggregates/" + t.name());
      assertTrue(s != null, "no stage declares aggregates/" + t.name() + " among its outputs");
      // A table with counts masked by results.minCellCount must be recomputed when it changes.
      boolean masked =
          t.columns().stream().anyMatch(c -> c.minCellCounted() || !c.sources().isEmpty());
      if (masked) {
        assertTrue(
            dependsOn(Stage.last(), "results"),
            t.name()
                + " has masked counts but the stage that masks it does not depend on 'results'");
      }
    }
  }

  /** Whether a stage or one before it reads the section. */
  static boolean dependsOn(Stage stage, String section) {
    for (Stage s : Stage.values()) {
      if (s.ordinal() <= stage.ordinal() && s.sections().contains(section)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void stageNamesParseAndTheLastStageCompletesARun() {
    assertEquals(Stage.MATCH, Stage.parse("Match", "--from"));
    assertEquals(Stage.values()[Stage.values().length - 1], Stage.last());
  }
}
