package org.rwe.config;

import java.util.Set;

/**
 * CohortMethod's {@code createStudyPopulation} arguments, same names and meaning. Days at risk =
 * end - start + 1.
 */
public record StudyPopulationSettings(
    boolean firstExposureOnly,
    int washoutPeriod,
    boolean restrictToCommonPeriod,
    String removeDuplicateSubjects,
    boolean removeSubjectsWithPriorOutcome,
    int priorOutcomeLookback,
    int riskWindowStart,
    String startAnchor,
    int riskWindowEnd,
    String endAnchor,
    boolean censorAtNewRiskWindow,
    int minDaysAtRisk,
    int maxDaysAtRisk)
    implements java.io.Serializable {

  public static final Set<String> ANCHORS = Set.of("cohort start", "cohort end");
  public static final Set<String> DUPLICATE_OPTIONS =
      Set.of("keep all", "keep first", "remove all", "keep first, truncate to second");
  static final Set<String> KEYS =
      Set.of(
          "firstExposureOnly",
          "washoutPeriod",
          "restrictToCommonPeriod",
          "removeDuplicateSubjects",
          "removeSubjectsWithPriorOutcome",
          "priorOutcomeLookback",
          "riskWindowStart",
          "startAnchor",
          "riskWindowEnd",
          "endAnchor",
          "censorAtNewRiskWindow",
          "minDaysAtRisk",
          "maxDaysAtRisk");

  public boolean startsAtCohortEnd() {
    return startAnchor.equals("cohort end");
  }

  public boolean endsAtCohortEnd() {
    return endAnchor.equals("cohort end");
  }

  static StudyPopulationSettings from(Cfg c) {
    c.onlyKeys(KEYS);
    StudyPopulationSettings s =
        new StudyPopulationSettings(
            c.bool("firstExposureOnly"),
            c.intAtLeast("washoutPeriod", 0),
            c.bool("restrictToCommonPeriod"),
            c.oneOf("removeDuplicateSubjects", DUPLICATE_OPTIONS),
            c.bool("removeSubjectsWithPriorOutcome"),
            c.intAtLeast("priorOutcomeLookback", 0),
            c.integer("riskWindowStart"),
            c.oneOf("startAnchor", ANCHORS),
            c.integer("riskWindowEnd"),
            c.oneOf("endAnchor", ANCHORS),
            c.bool("censorAtNewRiskWindow"),
            c.intAtLeast("minDaysAtRisk", 0),
            c.intAtLeast("maxDaysAtRisk", 0));
    // Same anchor: the window must not end before it starts.
    if (s.startAnchor.equals(s.endAnchor) && s.riskWindowEnd < s.riskWindowStart) {
      c.problem(
          "riskWindowEnd",
          "the risk window ends ("
              + s.riskWindowEnd
              + ") before it starts ("
              + s.riskWindowStart
              + ") on the same anchor");
    }
    if (s.maxDaysAtRisk < s.minDaysAtRisk) {
      c.problem("maxDaysAtRisk", "must be >= minDaysAtRisk (" + s.minDaysAtRisk + ")");
    }
    return s;
  }
}
