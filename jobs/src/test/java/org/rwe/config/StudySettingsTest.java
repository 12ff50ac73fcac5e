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
    assertEquals(7, s.analyses().size());
    assertEquals("poisson", s.analysis(7).modelType());
    assertEquals(List.of(8532001L, 65L), s.analysis(7).interactionCovariateIds());
    assertEquals("cox", s.analysis(2).modelType());
    assertEquals("iptw", s.analysis(5).adjustment());
    assertEquals("cohort end", s.analysis(6).studyPopulation().endAnchor());
    assertEquals("cohort start", s.analysis(2).studyPopulation().endAnchor());
    assertTrue(s.analysis(2).matched());
    assertEquals(1, s.analysis(2).maxRatio());
    assertEquals(365, s.studyPopulation().riskWindowEnd());
    assertTrue(s.outcomes().stream().filter(OutcomeDefinition::negativeControl).count() >= 10);
  }

  @Test
  void thePrimaryAnalysisIsConfiguredOrTheFirstThatAdjusts() {
    StudySettings s = StudySettings.load(STUDY, Map.of());
    assertEquals(2, s.primaryAnalysisId());
    assertEquals("magnesium initiators", s.targetName());
    assertEquals("non-users", s.comparatorName());
    Path file = STUDY;
    StudySettings byDefault =
        StudySettings.fromConfig(
            ConfigFactory.parseString("study.primaryAnalysisId = null")
                .withFallback(ConfigFactory.parseFile(file.toFile())));
    assertEquals(2, byDefault.primaryAnalysisId(), "analysis 1 is crude: the first adjusted is 2");
    StudySettings five = StudySettings.load(STUDY, Map.of("study.primaryAnalysisId", "5"));
    assertEquals(5, five.primaryAnalysisId());
    SettingsException e = problem("study.primaryAnalysisId = 99");
    assertTrue(
        e.getMessage()
            .contains(
                "Invalid value at 'study.primaryAnalysisId': analysis 99 is not defined under"
                    + " analyses (defined: [1, 2, 3, 4, 5, 6, 7])"),
        e.getMessage());
  }

  @Test
  void oneErrorPerMistake() {
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> StudySettings.load(STUDY, Map.of("propensity.crossValidationFolds", "abc")));
    assertEquals(
        List.of(
            "Invalid value at 'propensity.crossValidationFolds': expected an integer, got string"
                + " \"abc\""),
        e.problems(),
        "not also \"must be >= 2, got 0\"");
    SettingsException range = problem("propensity.crossValidationFolds = 1");
    assertEquals(
        List.of("Invalid value at 'propensity.crossValidationFolds': must be >= 2, got 1"),
        range.problems());
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
  void modelTypeAndSubgroupsHaveTheirDefaults() {
    StudySettings s =
        StudySettings.fromConfig(
            ConfigFactory.parseString(
                    "analyses = [{ analysisId = 1, adjustment = \"none\" },"
                        + " { analysisId = 2, adjustment = \"match\", stratified = true,"
                        + " modelType = \"poisson\", interactionCovariateIds = [8532001, 65] }]")
                .withFallback(ConfigFactory.parseFile(STUDY.toFile())));
    assertEquals("cox", s.analysis(1).modelType());
    assertEquals(List.of(), s.analysis(1).interactionCovariateIds());
    assertEquals("poisson", s.analysis(2).modelType());
    assertEquals(List.of(8532001L, 65L), s.analysis(2).interactionCovariateIds());
    assertEquals(2, s.subgroups().size());
    assertEquals("female", s.subgroup(8532001).name());
    assertEquals(0, s.subgroup(8532001).minAgeAtIndex());
    assertEquals(65, s.subgroup(65).minAgeAtIndex());
    assertTrue(s.subgroup(65).byAge());
    assertTrue(s.resolvedAnalysisJson(1).contains("\"modelType\":\"poisson\""));
  }

  @Test
  void badModelTypeIsNamed() {
    SettingsException e =
        problem("analyses = [{ analysisId = 1, adjustment = \"none\", modelType = \"probit\" }]");
    assertTrue(e.getMessage().contains("analyses[0].modelType"), e.getMessage());
    assertTrue(e.getMessage().contains("probit"), e.getMessage());
  }

  @Test
  void interactionCovariatesMustBeDefinedSubgroups() {
    SettingsException e =
        problem(
            "analyses = [{ analysisId = 1, adjustment = \"none\","
                + " interactionCovariateIds = [8507001] }]");
    assertTrue(e.getMessage().contains("analyses[0].interactionCovariateIds"), e.getMessage());
    assertTrue(e.getMessage().contains("8507001"), e.getMessage());
    e =
        problem(
            "analyses = [{ analysisId = 1, adjustment = \"none\","
                + " interactionCovariateIds = [65, 65] }]");
    assertTrue(e.getMessage().contains("analyses[0].interactionCovariateIds"), e.getMessage());
    e = problem("analyses = [{ analysisId = 1, interactionCovariateIds = \"female\" }]");
    assertTrue(e.getMessage().contains("analyses[0].interactionCovariateIds"), e.getMessage());
  }

  @Test
  void subgroupProblemsAreNamed() {
    SettingsException e =
        problem(
            "subgroups = [{ covariateId = 8532001, name = \"female\", minAge = 65 },"
                + " { name = \"no id\" }, { covariateId = 3, minAgeAtIndex = -1 },"
                + " { covariateId = 3, name = \"again\" }]");
    String m = e.getMessage();
    assertTrue(m.contains("subgroups[0].minAge"), m);
    assertTrue(m.contains("subgroups[1].covariateId"), m);
    assertTrue(m.contains("subgroups[2].name"), m);
    assertTrue(m.contains("subgroups[2].minAgeAtIndex"), m);
    assertTrue(m.contains("covariateId 3 is used twice"), m);
    StringBuilder many = new StringBuilder("subgroups = [");
    for (int i = 1; i <= 65; i++) {
      many.append("{ covariateId = ").append(i).append(", name = g").append(i).append(" }\n");
    }
    m = problem(many.append("]").toString()).getMessage();
    assertTrue(m.contains("at most 64 subgroups"), m);
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

  @Test
  void highCorrelationCheckIsValidated() {
    StudySettings s = StudySettings.load(STUDY, Map.of());
    assertEquals("fail", s.propensity().highCorrelation());
    assertEquals(0.5, s.propensity().highCorrelationThreshold());
    SettingsException action = problem("propensity.highCorrelation = \"drop\"");
    assertTrue(action.getMessage().contains("propensity.highCorrelation'"), action.getMessage());
    assertTrue(action.getMessage().contains("remove"), action.getMessage());
    for (String bad : List.of("1.5", "0", "\"high\"")) {
      SettingsException e = problem("propensity.highCorrelationThreshold = " + bad);
      assertTrue(
          e.getMessage().contains("propensity.highCorrelationThreshold"),
          bad + ": " + e.getMessage());
    }
    assertTrue(
        problem("propensity.highCorrelationTreshold = 0.4")
            .getMessage()
            .contains("propensity.highCorrelationTreshold"));
  }

  @Test
  void shufflePartitionsAreAutoByDefaultOrANumber() {
    assertEquals(
        StudySettings.SparkSettings.AUTO_PARTITIONS,
        StudySettings.load(STUDY, Map.of()).spark().shufflePartitions());
    assertEquals(
        7,
        StudySettings.load(STUDY, Map.of("spark.shufflePartitions", "7"))
            .spark()
            .shufflePartitions());
    SettingsException bad = problem("spark.shufflePartitions = many");
    assertTrue(bad.getMessage().contains("spark.shufflePartitions"), bad.getMessage());
    SettingsException zero = problem("spark.shufflePartitions = 0");
    assertTrue(zero.getMessage().contains("must be >= 1"), zero.getMessage());
  }
}
