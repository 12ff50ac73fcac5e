package org.rwe.config;

import java.util.List;

/** Baseline covariate windows (days relative to index, inclusive) and filters. */
public record FeatureSettings(
    int longTermStartDays,
    int shortTermStartDays,
    int endDays,
    int minSubjects,
    List<String> excludedConceptSets) {

  static FeatureSettings from(Cfg c) {
    FeatureSettings f =
        new FeatureSettings(
            c.integer("longTermStartDays"),
            c.integer("shortTermStartDays"),
            c.integer("endDays"),
            c.intAtLeast("minSubjects", 1),
            c.strings("excludedConceptSets"));
    if (f.longTermStartDays > f.endDays) {
      c.problem("longTermStartDays", "must be <= endDays (" + f.endDays + ")");
    }
    if (f.shortTermStartDays > f.endDays) {
      c.problem("shortTermStartDays", "must be <= endDays (" + f.endDays + ")");
    }
    return f;
  }
}
