package org.rwe.config;

import java.time.LocalDate;
import java.util.List;
import java.util.Set;

/** The study design of the cohort stage: base population, target, comparator, exclusions. */
public record CohortSettings(
    String source,
    String erasTargetConceptSet,
    String erasComparatorConceptSet,
    String cohortTablePath,
    long targetCohortId,
    long comparatorCohortId,
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

  public boolean design() {
    return source.equals("design");
  }

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
    Cfg eras = c.at("eras");
    Cfg table = c.at("cohortTable");
    CohortSettings s =
        new CohortSettings(
            c.oneOf("source", Set.of("design", "eras", "cohortTable")),
            eras.string("targetConceptSet"),
            eras.string("comparatorConceptSet"),
            table.string("path"),
            table.longValue("targetCohortId"),
            table.longValue("comparatorCohortId"),
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
    switch (s.source) {
      case "design" -> {
        if (s.baseConceptSet.isEmpty()) {
          base.problem("conceptSet", "the base population needs a concept set");
        }
        if (s.targetConceptSet.isEmpty()) {
          target.problem("conceptSet", "the target exposure needs a concept set");
        }
      }
      case "eras" -> {
        if (s.erasTargetConceptSet.isEmpty()) {
          eras.problem("targetConceptSet", "cohort source 'eras' needs a target concept set");
        }
        if (s.erasComparatorConceptSet.isEmpty()) {
          eras.problem(
              "comparatorConceptSet", "cohort source 'eras' needs a comparator concept set");
        }
      }
      default -> {
        if (s.cohortTablePath.isEmpty()) {
          table.problem("path", "cohort source 'cohortTable' needs the path of a cohort table");
        }
        if (s.targetCohortId == s.comparatorCohortId) {
          table.problem("comparatorCohortId", "must differ from targetCohortId");
        }
      }
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
