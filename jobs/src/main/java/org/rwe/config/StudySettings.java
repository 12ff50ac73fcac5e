package org.rwe.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The whole resolved study: one validated settings record per stage, built eagerly at start-up.
 * Every problem is reported at once, naming its key; unknown keys are errors.
 */
public record StudySettings(
    String studyId,
    String description,
    String targetName,
    String comparatorName,
    int primaryAnalysisId,
    SparkSettings spark,
    IngestSettings ingest,
    Map<String, List<ConceptSetItem>> conceptSets,
    CohortSettings cohort,
    StudyPopulationSettings studyPopulation,
    FeatureSettings features,
    PropensitySettings propensity,
    List<AnalysisSettings> analyses,
    List<OutcomeDefinition> outcomes,
    List<SubgroupDefinition> subgroups,
    DiagnosticsSettings diagnostics,
    int absoluteRiskHorizonDays,
    int minCellCount,
    Config resolved) {

  /**
   * Where user keys may be free-form names (concept sets, Spark pass-through settings, per-table
   * ingest overrides, which IngestSettings checks itself).
   */
  private static final List<String> OPEN_OBJECTS =
      List.of("conceptSets", "spark.conf", "ingest.tables");

  /**
   * @param shufflePartitions Spark SQL's shuffle partitions, or {@link #AUTO_PARTITIONS}: derived
   *     from the size of the input and the cores when the run starts
   */
  public record SparkSettings(String master, int shufflePartitions, Map<String, String> conf) {
    public static final int AUTO_PARTITIONS = 0;
  }

  public static Config reference() {
    return ConfigFactory.parseResources(StudySettings.class.getClassLoader(), "reference.conf");
  }

  /**
   * Loads reference.conf < study file < overrides, validates, and builds the records.
   *
   * @param studyFile the study's HOCON file, or null for the defaults alone
   * @param overrides {@code -Dkey=value} pairs from the command line
   */
  public static StudySettings load(Path studyFile, Map<String, String> overrides) {
    Config user = ConfigFactory.empty();
    if (studyFile != null) {
      if (!Files.isRegularFile(studyFile)) {
        throw new SettingsException("Study configuration file not found: " + studyFile);
      }
      try {
        user = ConfigFactory.parseFile(studyFile.toFile());
      } catch (ConfigException e) {
        throw new SettingsException("Cannot parse " + studyFile + ": " + e.getMessage());
      }
    }
    Config cli;
    try {
      cli = ConfigFactory.parseMap(overrides, "command line");
    } catch (ConfigException e) {
      throw new SettingsException("Bad -D override: " + e.getMessage());
    }
    return fromConfig(cli.withFallback(user));
  }

  public static StudySettings fromConfig(Config user) {
    Config reference = reference();
    List<String> problems = new ArrayList<>();
    unknownKeys(user, reference, problems);
    Config merged;
    try {
      merged = user.withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new SettingsException("Cannot resolve configuration: " + e.getMessage());
    }
    StudySettings s = build(new Cfg(merged, "", problems));
    if (!problems.isEmpty()) {
      throw new SettingsException(problems);
    }
    return s;
  }

  private static void unknownKeys(Config user, Config reference, List<String> problems) {
    Set<String> unknown = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String path = e.getKey();
      if (OPEN_OBJECTS.stream().anyMatch(p -> path.startsWith(p + "."))) {
        continue;
      }
      if (!reference.hasPathOrNull(path)) {
        unknown.add(path);
      }
    }
    for (String path : unknown) {
      problems.add(
          "Unknown key '" + path + "' (not a setting of this pipeline; see reference.conf)");
    }
  }

  /** "auto" or a number of partitions (at least 1). */
  private static int shufflePartitions(Cfg spark) {
    com.typesafe.config.Config raw = spark.raw();
    if (raw.hasPath("shufflePartitions")
        && raw.getValue("shufflePartitions").valueType()
            == com.typesafe.config.ConfigValueType.STRING
        && raw.getString("shufflePartitions").equals("auto")) {
      return SparkSettings.AUTO_PARTITIONS;
    }
    return spark.intAtLeast("shufflePartitions", 1);
  }

  private static StudySettings build(Cfg c) {
    Cfg defaults = c.at("defaults");
    Cfg sparkCfg = c.at("spark");
    Map<String, String> sparkConf = new LinkedHashMap<>();
    if (sparkCfg.isObject("conf")) {
      for (Map.Entry<String, ConfigValue> e : sparkCfg.raw().getConfig("conf").entrySet()) {
        sparkConf.put(e.getKey().replace("\"", ""), String.valueOf(e.getValue().unwrapped()));
      }
    }
    SparkSettings spark =
        new SparkSettings(sparkCfg.string("master"), shufflePartitions(sparkCfg), sparkConf);

    Map<String, List<ConceptSetItem>> conceptSets = new LinkedHashMap<>();
    Cfg sets = c.at("conceptSets");
    for (String name : new TreeSet<>(sets.keys())) {
      List<ConceptSetItem> items = new ArrayList<>();
      if (sets.isObject(name)) {
        conceptSets.put(name, AtlasConceptSet.read(sets.at(name)));
        continue;
      }
      for (Cfg item : sets.objects(name)) {
        items.add(
            ConceptSetItem.from(
                new Cfg(
                    item.raw().withFallback(defaults.at("conceptSetItem").raw()),
                    item.key(""),
                    c.problems())));
      }
      conceptSets.put(name, List.copyOf(items));
    }

    Cfg studyPopulationCfg = c.at("studyPopulation");
    StudyPopulationSettings studyPopulation = StudyPopulationSettings.from(studyPopulationCfg);

    List<AnalysisSettings> analyses = new ArrayList<>();
    for (Cfg a : c.objects("analyses")) {
      analyses.add(AnalysisSettings.from(a, defaults.at("analysis"), studyPopulationCfg));
    }
    List<OutcomeDefinition> outcomes = new ArrayList<>();
    for (Cfg o : c.objects("outcomes")) {
      outcomes.add(OutcomeDefinition.from(o, defaults.at("outcome")));
    }

    List<SubgroupDefinition> subgroups = new ArrayList<>();
    for (Cfg g : c.objects("subgroups")) {
      subgroups.add(SubgroupDefinition.from(g, defaults.at("subgroup")));
    }

    StudySettings s =
        new StudySettings(
            c.string("study.id"),
            c.string("study.description"),
            c.string("study.targetName"),
            c.string("study.comparatorName"),
            primaryAnalysisId(c, analyses),
            spark,
            IngestSettings.from(c.at("ingest")),
            conceptSets,
            CohortSettings.from(c.at("cohort"), defaults.at("exclusion")),
            studyPopulation,
            FeatureSettings.from(c.at("features")),
            PropensitySettings.from(c.at("propensity")),
            List.copyOf(analyses),
            List.copyOf(outcomes),
            List.copyOf(subgroups),
            DiagnosticsSettings.from(c.at("diagnostics")),
            c.intAtLeast("absoluteRisk.horizonDays", 1),
            c.intAtLeast("results.minCellCount", 0),
            c.raw());
    s.crossCheck(c);
    return s;
  }

  /** The configured primary analysis, or the first adjusted analysis (the first of all if none). */
  private static int primaryAnalysisId(Cfg c, List<AnalysisSettings> analyses) {
    if (c.has("study.primaryAnalysisId")) {
      int id = c.integer("study.primaryAnalysisId");
      if (!analyses.isEmpty() && analyses.stream().noneMatch(a -> a.analysisId() == id)) {
        c.problem(
            "study.primaryAnalysisId",
            "analysis "
                + id
                + " is not defined under analyses (defined: "
                + analyses.stream().map(a -> String.valueOf(a.analysisId())).toList()
                + ")");
      }
      return id;
    }
    return analyses.stream()
        .filter(AnalysisSettings::adjusted)
        .findFirst()
        .or(() -> analyses.stream().findFirst())
        .map(AnalysisSettings::analysisId)
        .orElse(0);
  }

  /**
   * Checks that span stages: ids unique, every concept set used is defined, every interaction
   * covariate of an analysis is a defined subgroup.
   */
  private void crossCheck(Cfg c) {
    if (!studyId.matches("[A-Za-z0-9._-]+")) {
      c.problem("study.id", "must be a plain name ([A-Za-z0-9._-]+), got '" + studyId + "'");
    }
    Set<Integer> ids = new HashSet<>();
    for (AnalysisSettings a : analyses) {
      if (!ids.add(a.analysisId())) {
        c.problem("analyses", "analysisId " + a.analysisId() + " is used twice");
      }
    }
    if (analyses.isEmpty()) {
      c.problem("analyses", "the study defines no analysis");
    }
    if (subgroups.size() > 64) {
      // Membership travels as one bit per subgroup in a 64-bit mask (OutcomesJob).
      c.problem("subgroups", "at most 64 subgroups, got " + subgroups.size());
    }
    Set<Long> subgroupIds = new TreeSet<>();
    for (SubgroupDefinition g : subgroups) {
      if (!subgroupIds.add(g.covariateId())) {
        c.problem("subgroups", "covariateId " + g.covariateId() + " is used twice");
      }
    }
    for (int i = 0; i < analyses.size(); i++) {
      for (long id : analyses.get(i).interactionCovariateIds()) {
        if (!subgroupIds.contains(id)) {
          c.problems()
              .add(
                  "Invalid value at 'analyses["
                      + i
                      + "].interactionCovariateIds': covariate "
                      + id
                      + " is not a subgroup defined under subgroups (defined: "
                      + subgroupIds
                      + ")");
        }
      }
    }
    ids.clear();
    for (OutcomeDefinition o : outcomes) {
      if (!ids.add(o.outcomeId())) {
        c.problem("outcomes", "outcomeId " + o.outcomeId() + " is used twice");
      }
      requireConceptSet(c, "outcomes[outcomeId=" + o.outcomeId() + "].conceptSet", o.conceptSet());
    }
    if (outcomes.isEmpty()) {
      c.problem("outcomes", "the study defines no outcome");
    }
    requireConceptSet(c, "cohort.base.conceptSet", cohort.baseConceptSet());
    requireConceptSet(c, "cohort.target.conceptSet", cohort.targetConceptSet());
    requireConceptSet(c, "cohort.eras.targetConceptSet", cohort.erasTargetConceptSet());
    requireConceptSet(c, "cohort.eras.comparatorConceptSet", cohort.erasComparatorConceptSet());
    for (OutcomeDefinition o : outcomes) {
      if (o.cohortId() != 0 && !cohort.source().equals("cohortTable")) {
        c.problems()
            .add(
                "Invalid value at 'outcomes[outcomeId="
                    + o.outcomeId()
                    + "].cohortId': outcome cohorts need cohort.source = \"cohortTable\"");
      }
    }
    requireConceptSet(c, "cohort.target.excludedRouteConceptSet", cohort.excludedRouteConceptSet());
    if (cohort.comparatorType().equals("active")) {
      requireConceptSet(
          c, "cohort.comparator.activeConceptSet", cohort.activeComparatorConceptSet());
    }
    for (int i = 0; i < cohort.exclusions().size(); i++) {
      requireConceptSet(
          c, "cohort.exclusions[" + i + "].conceptSet", cohort.exclusions().get(i).conceptSet());
    }
    for (String name : features.excludedConceptSets()) {
      requireConceptSet(c, "features.excludedConceptSets", name);
    }
  }

  private void requireConceptSet(Cfg c, String key, String name) {
    if (!name.isEmpty() && !conceptSets.containsKey(name)) {
      c.problems()
          .add(
              "Invalid value at '"
                  + key
                  + "': concept set '"
                  + name
                  + "' is not defined under conceptSets (defined: "
                  + new TreeSet<>(conceptSets.keySet())
                  + ")");
    }
  }

  /** The subgroup with this covariate id. */
  public SubgroupDefinition subgroup(long covariateId) {
    return subgroups.stream()
        .filter(g -> g.covariateId() == covariateId)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("No subgroup " + covariateId));
  }

  public AnalysisSettings analysis(int analysisId) {
    return analyses.stream()
        .filter(a -> a.analysisId() == analysisId)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("No analysis " + analysisId));
  }

  /** The i-th analysis as resolved (its element merged with the defaults), as JSON. */
  public String resolvedAnalysisJson(int i) {
    com.typesafe.config.Config element = resolved.getConfigList("analyses").get(i);
    com.typesafe.config.Config merged =
        element.withFallback(resolved.getConfig("defaults.analysis"));
    com.typesafe.config.Config pop =
        element.hasPath("studyPopulation")
            ? element
                .getConfig("studyPopulation")
                .withFallback(resolved.getConfig("studyPopulation"))
            : resolved.getConfig("studyPopulation");
    merged = merged.withValue("studyPopulation", pop.root());
    return merged.root().render(ConfigRenderOptions.concise());
  }

  /** The resolved configuration as JSON (for the manifest and stage hashes). */
  public String resolvedJson(String path) {
    ConfigRenderOptions opts = ConfigRenderOptions.concise().setFormatted(false);
    return path == null ? resolved.root().render(opts) : resolved.getValue(path).render(opts);
  }
}
