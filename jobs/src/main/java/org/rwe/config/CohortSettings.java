package org.rwe.config;

import java.time.LocalDate;
import java.util.List;
import java.util.Set;

/** The study design of the cohort stage: base population, target, comparator, exclusions. */
public record CohortSettings(
    LocalDate studyStartDate,
    LocalDate studyEndDate,
    String baseConceptSet,
    List<Long> inpatientVisitConceptIds,
    List<Long> outpatientVisitConceptIds,
    int minInpatientDiagnoses,
    int minOutpatientDiagnoses,
    int outpatientWindowDays,
    int minAgeAtIndex,
    int priorObservationDays,
    String targetConceptSet,
    String excludedRouteConceptSet,
    int minDaysAfterOnset,
    int maxDaysAfterOnset,
    int washoutDays,
    String comparatorType,
    long comparatorSeed,
    String activeComparatorConceptSet,
    List<Exclusion> exclusions,
    int persistenceGapDays,
    int graceDays) {

  /** Exclude subjects with the concept set in [index - lookbackDays, index]; -1 = any time. */
  public record Exclusion(String conceptSet, int lookbackDays) {}

  static CohortSettings from(Cfg c, Cfg defaults) {
    Cfg base = c.at("base");
    Cfg target = c.at("target");
    Cfg comparator = c.at("comparator");
    List<Exclusion> exclusions =
        c.objects("exclusions").stream()
            .map(
                e -> {
                  Cfg x = new Cfg(e.raw().withFallback(defaults.raw()), e.key(""), c.problems());
                  e.onlyKeys(Set.of("conceptSet", "lookbackDays"));
                  int lookback = x.integer("lookbackDays");
                  if (lookback < -1) {
                    x.problem("lookbackDays", "must be -1 (any time) or >= 0, got " + lookback);
                  }
                  return new Exclusion(x.string("conceptSet"), lookback);
                })
            .toList();
    CohortSettings s =
        new CohortSettings(
            c.optionalDate("studyStartDate"),
            c.optionalDate("studyEndDate"),
            base.string("conceptSet"),
            base.longs("inpatientVisitConceptIds"),
            base.longs("outpatientVisitConceptIds"),
            base.intAtLeast("minInpatientDiagnoses", 1),
            base.intAtLeast("minOutpatientDiagnoses", 1),
            base.intAtLeast("outpatientWindowDays", 0),
            c.intAtLeast("minAgeAtIndex", 0),
            c.intAtLeast("priorObservationDays", 0),
            target.string("conceptSet"),
            target.string("excludedRouteConceptSet"),
            target.integer("minDaysAfterOnset"),
            target.integer("maxDaysAfterOnset"),
            target.intAtLeast("washoutDays", 0),
            comparator.oneOf("type", Set.of("delay", "visit", "active")),
            comparator.longValue("seed"),
            comparator.string("activeConceptSet"),
            exclusions,
            c.intAtLeast("persistenceGapDays", 0),
            c.intAtLeast("graceDays", 0));
    if (s.minDaysAfterOnset > s.maxDaysAfterOnset) {
      target.problem(
          "maxDaysAfterOnset",
          "must be >= minDaysAfterOnset (" + s.minDaysAfterOnset + "), got " + s.maxDaysAfterOnset);
    }
    if (s.baseConceptSet.isEmpty()) {
      base.problem("conceptSet", "the base population needs a concept set");
    }
    if (s.targetConceptSet.isEmpty()) {
      target.problem("conceptSet", "the target exposure needs a concept set");
    }
    if (s.comparatorType.equals("active") && s.activeComparatorConceptSet.isEmpty()) {
      comparator.problem("activeConceptSet", "comparator type 'active' needs a concept set");
    }
    if (s.studyStartDate != null
        && s.studyEndDate != null
        && s.studyEndDate.isBefore(s.studyStartDate)) {
      c.problem("studyEndDate", "is before studyStartDate");
    }
    return s;
  }
}
