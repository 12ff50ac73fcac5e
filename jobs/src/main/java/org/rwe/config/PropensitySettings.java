package org.rwe.config;

import java.util.List;
import java.util.Set;

/**
 * The L1-regularized logistic regression of the propensity score, its cross-validation, and the
 * check before the fit for covariates that almost perfectly predict treatment (CohortMethod's
 * errorOnHighCorrelation): those whose |univariable correlation| with treatment is at least
 * highCorrelationThreshold are reported and, by highCorrelation, kept ("warn"), left out of the
 * model ("remove") or stop the run with exit code 4 ("fail", CohortMethod's stopOnError).
 */
public record PropensitySettings(
    int maxCohortSizeForFitting,
    int crossValidationFolds,
    List<Double> regParams,
    int maxIterations,
    double tolerance,
    long seed,
    String highCorrelation,
    double highCorrelationThreshold) {

  public static final Set<String> HIGH_CORRELATION_ACTIONS = Set.of("warn", "remove", "fail");

  static PropensitySettings from(Cfg c) {
    PropensitySettings p =
        new PropensitySettings(
            c.intAtLeast("maxCohortSizeForFitting", 0),
            c.intAtLeast("crossValidationFolds", 2),
            c.numbers("regParams"),
            c.intAtLeast("maxIterations", 1),
            c.numberIn("tolerance", 0, 1),
            c.longValue("seed"),
            c.oneOf("highCorrelation", HIGH_CORRELATION_ACTIONS),
            c.numberIn("highCorrelationThreshold", 0, 1));
    if (p.regParams.isEmpty()) {
      c.problem("regParams", "needs at least one penalty");
    }
    for (double r : p.regParams) {
      if (!(r >= 0)) {
        c.problem("regParams", "penalties must be >= 0, got " + r);
      }
    }
    if (p.highCorrelationThreshold == 0) {
      c.problem("highCorrelationThreshold", "must be > 0 (a correlation of 0 flags everything)");
    }
    return p;
  }
}
