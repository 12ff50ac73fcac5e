package org.rwe.stats;

import java.util.Arrays;

/**
 * Result of an outcome model with one or more covariates ({@link CoxModel}, {@link PoissonModel},
 * {@link LogisticModel}): one coefficient per covariate (intercepts and strata are not reported),
 * their model-based and robust variances, and the log-likelihoods.
 *
 * <p>When {@link #status()} is neither {@link FitStatus#OK} nor {@link FitStatus#NOT_CONVERGED}
 * every number is NaN and only the counts are filled in.
 *
 * @param status whether the estimates are usable
 * @param coefficients one per covariate, in the order given
 * @param modelVariance information^-1 (for models with an intercept, the covariates' block of it)
 * @param robustVariance the sandwich variance (Lin-Wei for Cox, HC0 for the GLMs; each row its own
 *     cluster), NaN where the model does not provide one
 * @param robustSeUsed true when {@link #effect(int)} uses the robust variance
 * @param logLikNull log-likelihood with every covariate coefficient at 0 (intercepts refitted)
 * @param logLik log-likelihood at the estimate
 * @param iterations Newton-Raphson iterations
 * @param converged whether the relative change in log-likelihood fell below the tolerance
 * @param subjects rows with a positive weight
 * @param events rows with the outcome among them (for Poisson: the sum of the counts)
 */
public record RegressionFit(
    FitStatus status,
    double[] coefficients,
    double[][] modelVariance,
    double[][] robustVariance,
    boolean robustSeUsed,
    double logLikNull,
    double logLik,
    int iterations,
    boolean converged,
    int subjects,
    long events) {

  /** Model-based standard error of coefficient j. */
  public double se(int j) {
    return Math.sqrt(modelVariance[j][j]);
  }

  /** Robust standard error of coefficient j (NaN when the model has none). */
  public double robustSe(int j) {
    return Math.sqrt(robustVariance[j][j]);
  }

  /** The standard error that the intervals and p-values use. */
  public double seUsed(int j) {
    return robustSeUsed ? robustSe(j) : se(j);
  }

  /** logLik - logLikNull. */
  public double llr() {
    return logLik - logLikNull;
  }

  /** Coefficient j as a relative risk with its interval and p-values. */
  public Effect effect(int j) {
    if (status != FitStatus.OK && status != FitStatus.NOT_CONVERGED) {
      return Effect.none(status);
    }
    return Effect.wald(status, coefficients[j], seUsed(j), llr());
  }

  public boolean isUsable() {
    return status == FitStatus.OK;
  }

  static RegressionFit degenerate(
      FitStatus status, int covariates, boolean robustSeUsed, int subjects, long events) {
    double[] nan = new double[covariates];
    Arrays.fill(nan, Double.NaN);
    double[][] nanMatrix = new double[covariates][];
    for (int j = 0; j < covariates; j++) {
      nanMatrix[j] = nan.clone();
    }
    return new RegressionFit(
        status,
        nan,
        nanMatrix,
        nanMatrix,
        robustSeUsed,
        Double.NaN,
        Double.NaN,
        0,
        false,
        subjects,
        events);
  }
}
