package org.rwe.config;

import java.util.List;
import java.util.Set;

/**
 * One analysis of the grid, numbered as CohortMethod numbers them: which population (study
 * population options), how it is adjusted (none, PS matching, PS stratification, IPTW; optional
 * trimming first) and how the outcome model is fitted (Cox, Poisson or logistic; stratified by
 * matched set or PS stratum; with subgroup interaction terms). Option names follow CohortMethod's
 * matchOnPs / stratifyByPs / trimByPs / createPs(estimator) / fitOutcomeModel.
 */
public record AnalysisSettings(
    int analysisId,
    String description,
    String adjustment,
    int maxRatio,
    double caliper,
    String caliperScale,
    boolean allowReverseMatch,
    List<Long> matchOnCovariateIds,
    int numberOfStrata,
    String stratificationBaseSelection,
    String estimator,
    boolean stabilize,
    double maxWeight,
    String trimming,
    double trimFraction,
    List<Double> equipoiseBounds,
    boolean stratified,
    String ties,
    String modelType,
    List<Long> interactionCovariateIds,
    StudyPopulationSettings studyPopulation)
    implements java.io.Serializable {

  public static final Set<String> ADJUSTMENTS = Set.of("none", "match", "stratify", "iptw");

  /** CohortMethod's outcome model types: hazard, incidence rate or odds ratio. */
  public static final Set<String> MODEL_TYPES = Set.of("cox", "poisson", "logistic");

  public static final Set<String> CALIPER_SCALES =
      Set.of("propensity score", "standardized", "standardized logit");
  static final Set<String> KEYS =
      Set.of(
          "analysisId",
          "description",
          "adjustment",
          "maxRatio",
          "caliper",
          "caliperScale",
          "allowReverseMatch",
          "matchOnCovariateIds",
          "numberOfStrata",
          "stratificationBaseSelection",
          "estimator",
          "stabilize",
          "maxWeight",
          "trimming",
          "trimFraction",
          "equipoiseBounds",
          "stratified",
          "ties",
          "modelType",
          "interactionCovariateIds",
          "studyPopulation");

  public boolean matched() {
    return adjustment.equals("match");
  }

  public boolean weighted() {
    return adjustment.equals("iptw");
  }

  /** Matched sets or PS strata: the outcome model may be stratified by them. */
  public boolean hasStrata() {
    return adjustment.equals("match") || adjustment.equals("stratify");
  }

  public boolean adjusted() {
    return !adjustment.equals("none") || !trimming.equals("none");
  }

  static AnalysisSettings from(Cfg element, Cfg defaults, Cfg studyPopulation) {
    element.onlyKeys(KEYS);
    Cfg c =
        new Cfg(element.raw().withFallback(defaults.raw()), element.key(""), element.problems());
    Cfg pop =
        new Cfg(
            c.raw().getConfig("studyPopulation").withFallback(studyPopulation.raw()),
            element.key("studyPopulation"),
            element.problems());
    AnalysisSettings a =
        new AnalysisSettings(
            c.intAtLeast("analysisId", 1),
            c.string("description"),
            c.oneOf("adjustment", ADJUSTMENTS),
            c.intAtLeast("maxRatio", 0),
            c.numberIn("caliper", 0, Double.MAX_VALUE),
            c.oneOf("caliperScale", CALIPER_SCALES),
            c.bool("allowReverseMatch"),
            c.longs("matchOnCovariateIds"),
            c.intAtLeast("numberOfStrata", 1),
            c.oneOf("stratificationBaseSelection", Set.of("all", "target", "comparator")),
            c.oneOf("estimator", Set.of("att", "ate", "ato")),
            c.bool("stabilize"),
            c.numberIn("maxWeight", 0, Double.MAX_VALUE),
            c.oneOf("trimming", Set.of("none", "fraction", "equipoise")),
            c.numberIn("trimFraction", 0, 0.5),
            c.numbers("equipoiseBounds"),
            c.bool("stratified"),
            c.oneOf("ties", Set.of("efron", "breslow")),
            c.oneOf("modelType", MODEL_TYPES),
            c.longs("interactionCovariateIds"),
            StudyPopulationSettings.from(pop));
    if (a.stratified && !a.hasStrata()) {
      c.problem(
          "stratified",
          "a stratified outcome model needs matched sets or strata (adjustment = \"match\" or"
              + " \"stratify\"), got adjustment = \""
              + a.adjustment
              + "\"");
    }
    if (a.interactionCovariateIds.stream().distinct().count() != a.interactionCovariateIds.size()) {
      c.problem("interactionCovariateIds", "lists a covariate twice: " + a.interactionCovariateIds);
    }
    if (a.equipoiseBounds.size() != 2
        || !(a.equipoiseBounds.get(0) >= 0
            && a.equipoiseBounds.get(0) < a.equipoiseBounds.get(1)
            && a.equipoiseBounds.get(1) <= 1)) {
      c.problem("equipoiseBounds", "expected [lower, upper] with 0 <= lower < upper <= 1");
    }
    return a;
  }
}
