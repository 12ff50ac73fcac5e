package org.rwe.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rwe.testing.SparkTestSession;

class StudySettingsTest {
  static final Path STUDY =
      SparkTestSession.projectDir().resolve("conf/studies/magnesium-depression.conf");

  private static SettingsException problem(String hocon) {
    return assertThrows(
        SettingsException.class,
        () ->
            StudySettings.fromConfig(
                ConfigFactory.parseString(hocon)
                    .withFallback(ConfigFactory.parseFile(STUDY.toFile()))));
  }

  @Test
  void shippedStudyLoads() {
    StudySettings s = StudySettings.load(STUDY, Map.of());
    assertEquals("magnesium-depression", s.studyId());
    assertEquals(6, s.analyses().size());
    assertEquals("iptw", s.analysis(5).adjustment());
    assertEquals("cohort end", s.analysis(6).studyPopulation().endAnchor());
    assertEquals("cohort start", s.analysis(2).studyPopulation().endAnchor());
    assertTrue(s.analysis(2).matched());
    assertEquals(1, s.analysis(2).maxRatio());
    assertEquals(365, s.studyPopulation().riskWindowEnd());
    assertTrue(s.outcomes().stream().filter(OutcomeDefinition::negativeControl).count() >= 10);
  }

  @Test
  void commandLineOverridesWin() {
    StudySettings s =
        StudySettings.load(
            STUDY, Map.of("cohort.minAgeAtIndex", "21", "results.minCellCount", "5"));
    assertEquals(21, s.cohort().minAgeAtIndex());
    assertEquals(5, s.minCellCount());
  }

  @Test
  void unknownKeyIsNamed() {
    SettingsException e = problem("cohort.minAgeAtIndx = 18");
    assertTrue(e.getMessage().contains("cohort.minAgeAtIndx"), e.getMessage());
  }

  @Test
  void unknownKeyInsideAListElementIsNamed() {
    SettingsException e =
        problem("analyses = [{ analysisId = 1, adjustment = \"none\", caliperr = 0.1 }]");
    assertTrue(e.getMessage().contains("analyses[0].caliperr"), e.getMessage());
  }

  @Test
  void wrongTypeNamesKeyAndExpectation() {
    SettingsException e = problem("cohort.priorObservationDays = \"a year\"");
    assertTrue(e.getMessage().contains("cohort.priorObservationDays"), e.getMessage());
    assertTrue(e.getMessage().contains("expected an integer"), e.getMessage());
  }

  @Test
  void impossibleValuesAreNamed() {
    assertTrue(
        problem("cohort.target.washoutDays = -1")
            .getMessage()
            .contains("cohort.target.washoutDays"));
    SettingsException e = problem("studyPopulation { riskWindowStart = 10, riskWindowEnd = 5 }");
    assertTrue(e.getMessage().contains("studyPopulation.riskWindowEnd"), e.getMessage());
    assertTrue(
        problem("studyPopulation.startAnchor = \"index\"").getMessage().contains("startAnchor"));
  }

  @Test
  void undefinedConceptSetIsNamed() {
    SettingsException e = problem("cohort.target.conceptSet = \"magnesum\"");
    assertTrue(e.getMessage().contains("cohort.target.conceptSet"), e.getMessage());
    assertTrue(e.getMessage().contains("magnesum"), e.getMessage());
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    SettingsException e =
        problem("cohort.minAgeAtIndex = -3\nfoo.bar = 1\npropensity.regParams = []");
    assertEquals(3, e.problems().size(), e.getMessage());
  }

  @Test
  void duplicateAnalysisIdsAreRejected() {
    SettingsException e =
        problem(
            "analyses = [{ analysisId = 1, adjustment = \"none\" }, { analysisId = 1, adjustment = \"none\" }]");
    assertTrue(e.getMessage().contains("analysisId 1 is used twice"), e.getMessage());
  }

  @Test
  void atlasConceptSetExportsAreRead(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    java.nio.file.Files.writeString(
        dir.resolve("nsaids.json"),
        "{\"items\": [{\"concept\": {\"CONCEPT_ID\": 1118084, \"CONCEPT_NAME\": \"celecoxib\"},"
            + " \"isExcluded\": false, \"includeDescendants\": true, \"includeMapped\": false},"
            + " {\"concept\": {\"CONCEPT_ID\": 42, \"CONCEPT_NAME\": \"x\"}, \"isExcluded\": true}]}");
    Path study = dir.resolve("study.conf");
    java.nio.file.Files.writeString(
        study,
        "conceptSets { nsaids { atlasJson = \"nsaids.json\" }, x = [{ conceptIds = [1] }] }\n"
            + "cohort { source = eras, eras { targetConceptSet = nsaids, comparatorConceptSet = x } }\n"
            + "analyses = [{ analysisId = 1 }]\n"
            + "outcomes = [{ outcomeId = 1, conceptSet = x }]\n");
    StudySettings s = StudySettings.load(study, Map.of());
    List<ConceptSetItem> items = s.conceptSets().get("nsaids");
    assertEquals(2, items.size());
    assertEquals(List.of(1118084L), items.get(0).conceptIds());
    assertTrue(items.get(0).descendants());
    assertTrue(items.get(1).excluded());
    java.nio.file.Files.writeString(dir.resolve("nsaids.json"), "{\"name\": \"no items\"}");
    SettingsException e =
        assertThrows(SettingsException.class, () -> StudySettings.load(study, Map.of()));
    assertTrue(e.getMessage().contains("conceptSets.nsaids.atlasJson"), e.getMessage());
  }

  @Test
  void erasSourceNeedsItsConceptSets() {
    SettingsException e = problem("cohort { source = eras }");
    assertTrue(e.getMessage().contains("cohort.eras.targetConceptSet"), e.getMessage());
    assertTrue(e.getMessage().contains("cohort.eras.comparatorConceptSet"), e.getMessage());
  }

  @Test
  void shippedEunomiaStudyLoads() {
    StudySettings s =
        StudySettings.load(
            SparkTestSession.projectDir().resolve("conf/studies/eunomia-celecoxib-diclofenac.conf"),
            Map.of());
    assertEquals("eras", s.cohort().source());
    assertEquals(183, s.studyPopulation().washoutPeriod());
    assertEquals("remove all", s.studyPopulation().removeDuplicateSubjects());
    assertEquals(100, s.analysis(2).maxRatio());
    assertEquals("att", s.analysis(3).estimator());
  }
}
