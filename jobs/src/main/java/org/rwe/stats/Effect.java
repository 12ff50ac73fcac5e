package org.rwe.stats;

import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * One coefficient of an outcome model as a relative risk (hazard ratio, incidence rate ratio or
 * odds ratio, depending on the model) with its Wald 95% CI and p-values: the numbers of a {@code
 * cohort_method_result} or {@code interaction_result} row.
 *
 * @param status whether the estimate is usable; every number is NaN unless it is {@link
 *     FitStatus#OK} or {@link FitStatus#NOT_CONVERGED}
 * @param logRr the coefficient
 * @param seLogRr its standard error (robust when the model used the sandwich variance)
 * @param rr exp(logRr)
 * @param ci95Lb lower bound of the 95% Wald interval of rr
 * @param ci95Ub upper bound of the 95% Wald interval of rr
 * @param p two-sided Wald p-value for rr = 1
 * @param pOneSidedGreater one-sided p-value against rr &gt; 1 (CohortMethod's {@code oneSidedP})
 * @param pOneSidedLess one-sided p-value against rr &lt; 1
 * @param llr log-likelihood ratio of the model against all its covariate coefficients at 0
 */
public record Effect(
    FitStatus status,
    double logRr,
    double seLogRr,
    double rr,
    double ci95Lb,
    double ci95Ub,
    double p,
    double pOneSidedGreater,
    double pOneSidedLess,
    double llr)
    implements java.io.Serializable {

  private static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);

  /** The standard normal's 97.5% quantile: every 95% interval of the pipeline uses it. */
  public static final double Z_975 = STANDARD_NORMAL.inverseCumulativeProbability(0.975);

  /** The Wald summaries of a coefficient and its standard error. */
  static Effect wald(FitStatus status, double logRr, double se, double llr) {
    double z = logRr / se;
    return new Effect(
        status,
        logRr,
        se,
        Math.exp(logRr),
        Math.exp(logRr - Z_975 * se),
        Math.exp(logRr + Z_975 * se),
        2 * STANDARD_NORMAL.survivalProbability(Math.abs(z)),
        STANDARD_NORMAL.survivalProbability(z),
        STANDARD_NORMAL.cumulativeProbability(z),
        llr);
  }

  /** No estimate: every number NaN. */
  public static Effect none(FitStatus status) {
    double nan = Double.NaN;
    return new Effect(status, nan, nan, nan, nan, nan, nan, nan, nan, nan);
  }

  /** True when the estimate can be reported. */
  public boolean isUsable() {
    return status == FitStatus.OK;
  }
}
