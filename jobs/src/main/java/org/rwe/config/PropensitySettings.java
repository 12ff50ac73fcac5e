package org.rwe.config;

import java.util.List;

/** The L1-regularized logistic regression of the propensity score and its cross-validation. */
public record PropensitySettings(
    int maxCohortSizeForFitting,
    int crossValidationFolds,
    List<Double> regParams,
    int maxIterations,
    double tolerance,
    long seed) {

  static PropensitySettings from(Cfg c) {
    PropensitySettings p =
        new PropensitySettings(
            c.intAtLeast("maxCohortSizeForFitting", 0),
            c.intAtLeast("crossValidationFolds", 2),
            c.numbers("regParams"),
            c.intAtLeast("maxIterations", 1),
            c.numberIn("tolerance", 0, 1),
            c.longValue("seed"));
    if (p.regParams.isEmpty()) {
      c.problem("regParams", "needs at least one penalty");
    }
    for (double r : p.regParams) {
      if (!(r >= 0)) {
        c.problem("regParams", "penalties must be >= 0, got " + r);
      }
    }
    return p;
  }
}
