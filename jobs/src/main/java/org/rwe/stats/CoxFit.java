package org.rwe.stats;

/**
 * Result of {@link CoxModel#fit}: the treatment effect of a one-covariate Cox model.
 *
 * <p>When {@link #status()} is not {@link FitStatus#OK} or {@link FitStatus#NOT_CONVERGED} every
 * estimate is NaN (never infinite, so the row can be written to Parquet/JSON and filtered on
 * status), and only the counts are filled in.
 *
 * @param status whether the estimate is usable; see {@link FitStatus}
 * @param logHr beta, the log hazard ratio per unit of x
 * @param seLogHr model-based standard error, sqrt(1 / information) at beta (coxph's {@code
 *     naive.var}; its {@code var} when not robust)
 * @param robustSe sandwich (Lin-Wei) standard error from the dfbeta residuals, as {@code coxph(...,
 *     robust = TRUE)} without clusters: each row is its own cluster
 * @param robustSeUsed true when {@link #ci95Lb}, {@link #ci95Ub} and the p-values use {@link
 *     #robustSe}; false when they use {@link #seLogHr}
 * @param hr exp(logHr)
 * @param ci95Lb lower bound of the 95% Wald interval of the hazard ratio
 * @param ci95Ub upper bound of the 95% Wald interval of the hazard ratio
 * @param p two-sided Wald p-value for HR = 1
 * @param pOneSidedGreater one-sided Wald p-value against HR &gt; 1 (CohortMethod's {@code
 *     oneSidedP}: small when the hazard is higher under treatment)
 * @param pOneSidedLess one-sided Wald p-value against HR &lt; 1
 * @param logLikNull partial log-likelihood at beta = 0 (coxph's {@code loglik[1]})
 * @param logLik partial log-likelihood at the estimate (coxph's {@code loglik[2]})
 * @param llr log-likelihood ratio logLik - logLikNull (half the likelihood-ratio chi-square)
 * @param iterations Newton-Raphson iterations, counted as coxph counts {@code iter}
 * @param converged whether the relative change in log-likelihood fell below the tolerance
 * @param subjects rows with a positive weight
 * @param events events among them (a count of rows, not a sum of weights)
 */
public record CoxFit(
    FitStatus status,
    double logHr,
    double seLogHr,
    double robustSe,
    boolean robustSeUsed,
    double hr,
    double ci95Lb,
    double ci95Ub,
    double p,
    double pOneSidedGreater,
    double pOneSidedLess,
    double logLikNull,
    double logLik,
    double llr,
    int iterations,
    boolean converged,
    int subjects,
    int events) {

  /** The standard error that the interval and p-values use. */
  public double seUsed() {
    return robustSeUsed ? robustSe : seLogHr;
  }

  /** True when the estimate can be reported. */
  public boolean isUsable() {
    return status == FitStatus.OK;
  }

  static CoxFit degenerate(FitStatus status, boolean robustSeUsed, int subjects, int events) {
    double nan = Double.NaN;
    return new CoxFit(
        status,
        nan,
        nan,
        nan,
        robustSeUsed,
        nan,
        nan,
        nan,
        nan,
        nan,
        nan,
        nan,
        nan,
        nan,
        0,
        false,
        subjects,
        events);
  }
}
