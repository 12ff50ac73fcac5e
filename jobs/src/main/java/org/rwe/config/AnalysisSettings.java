package org.rwe.config;

import java.util.Set;

/**
 * One analysis of the grid, numbered as CohortMethod numbers them: how the population is adjusted
 * (none, PS matching) and how the outcome model is fitted.
 */
public record AnalysisSettings(
    int analysisId,
    String description,
    String adjustment,
    int maxRatio,
    double caliper,
    String caliperScale,
    boolean stratified,
    String ties,
    StudyPopulationSettings studyPopulation) {

  public static final Set<String> ADJUSTMENTS = Set.of("none", "match");
  public static final Set<String> CALIPER_SCALES =
      Set.of("propensity score", "standardized", "standardized logit");

  public boolean matched() {
    return adjustment.equals("match");
  }

  static AnalysisSettings from(Cfg element, Cfg defaults, Cfg studyPopulation) {
    element.onlyKeys(
        Set.of(
            "analysisId",
            "description",
            "adjustment",
            "maxRatio",
            "caliper",
            "caliperScale",
            "stratified",
            "ties",
            "studyPopulation"));
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
            c.bool("stratified"),
            c.oneOf("ties", Set.of("efron", "breslow")),
            StudyPopulationSettings.from(pop));
    if (a.stratified && !a.matched()) {
      c.problem("stratified", "a stratified outcome model needs adjustment = \"match\"");
    }
    return a;
  }
}
