package org.rwe.stats;

import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * Power of a Cox outcome model, as CohortMethod's {@code computeMdrr(modelType = "cox")}
 * (Schoenfeld 1983, Biometrics 39:499-503).
 *
 * <p>Schoenfeld: with E events and a fraction p of subjects in the target arm, the log hazard ratio
 * is estimated with standard error about 1 / sqrt(E p (1 - p)). The minimum detectable relative
 * risk (MDRR) is the hazard ratio that a test at level alpha detects with the given power:
 *
 * <pre>MDRR = exp( sqrt( (z_{1-alpha/2} + z_{power})^2 / (E p (1 - p)) ) )</pre>
 *
 * <p>(z_{1-alpha} for a one-sided test). Reported next to every estimate so that a null result from
 * a study that could not have detected anything is not read as evidence of no effect.
 */
public final class Power {

  private static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);

  private Power() {}

  /** MDRR at alpha 0.05 (two-sided) and power 0.8. */
  public static double mdrrCox(long events, double pTarget) {
    return mdrrCox(events, pTarget, 0.05, 0.8, true);
  }

  /**
   * Minimum detectable relative risk.
   *
   * @param events total events in both arms
   * @param pTarget fraction of subjects in the target arm, in [0, 1]
   * @param alpha type I error
   * @param power 1 - type II error
   * @param twoSided whether the test is two-sided
   * @return the MDRR; positive infinity when there are no events or one arm is empty, as
   *     CohortMethod (nothing is detectable)
   */
  public static double mdrrCox(
      long events, double pTarget, double alpha, double power, boolean twoSided) {
    if (events < 0) {
      throw new IllegalArgumentException("events must be >= 0: " + events);
    }
    if (!(pTarget >= 0 && pTarget <= 1)) {
      throw new IllegalArgumentException("pTarget must be in [0, 1]: " + pTarget);
    }
    if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) {
      throw new IllegalArgumentException("alpha and power must be in (0, 1)");
    }
    if (events == 0) {
      return Double.POSITIVE_INFINITY;
    }
    double zAlpha =
        STANDARD_NORMAL.inverseCumulativeProbability(twoSided ? 1 - alpha / 2 : 1 - alpha);
    double zBeta = STANDARD_NORMAL.inverseCumulativeProbability(power);
    double sum = zAlpha + zBeta;
    return Math.exp(Math.sqrt(sum * sum / (events * pTarget * (1 - pTarget))));
  }

  /**
   * Expected standard error of the log hazard ratio, 1 / sqrt(E p (1 - p)) (CohortMethod's {@code
   * se} column of computeMdrr); positive infinity without events or with an empty arm.
   */
  public static double expectedSeLogHr(long events, double pTarget) {
    if (events < 0 || !(pTarget >= 0 && pTarget <= 1)) {
      throw new IllegalArgumentException("events must be >= 0 and pTarget in [0, 1]");
    }
    return 1 / Math.sqrt(events * pTarget * (1 - pTarget));
  }
}
