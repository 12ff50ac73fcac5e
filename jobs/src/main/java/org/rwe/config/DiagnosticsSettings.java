package org.rwe.config;

/** Thresholds of CohortMethod's study diagnostics, and whether a failure stops the run. */
public record DiagnosticsSettings(
    double maxSdm,
    double minEquipoise,
    double maxMdrr,
    double maxEase,
    int minNegativeControls,
    boolean failOnFailure) {

  static DiagnosticsSettings from(Cfg c) {
    return new DiagnosticsSettings(
        c.numberIn("maxSdm", 0, 10),
        c.numberIn("minEquipoise", 0, 1),
        c.numberIn("maxMdrr", 1, Double.MAX_VALUE),
        c.numberIn("maxEase", 0, 10),
        c.intAtLeast("minNegativeControls", 2),
        c.bool("failOnFailure"));
  }
}
