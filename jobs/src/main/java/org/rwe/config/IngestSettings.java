package org.rwe.config;

import java.util.Set;

/** Validation thresholds of the ingest stage. */
public record IngestSettings(
    double maxRejectShare,
    int maxDaysSupply,
    int deathGraceDays,
    int minBirthYear,
    String outsideObservation) {

  static IngestSettings from(Cfg c) {
    return new IngestSettings(
        c.numberIn("maxRejectShare", 0, 1),
        c.intAtLeast("maxDaysSupply", 0),
        c.intAtLeast("deathGraceDays", 0),
        c.intAtLeast("minBirthYear", 0),
        c.oneOf("outsideObservation", Set.of("flag", "reject")));
  }
}
