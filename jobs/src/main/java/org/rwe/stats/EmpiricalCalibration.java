package org.rwe.stats;

import org.apache.commons.math3.analysis.MultivariateFunction;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.NelderMeadSimplex;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.SimplexOptimizer;
import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * Empirical calibration from negative controls, as OHDSI's EmpiricalCalibration does it: the
 * empirical null is a Gaussian N(mu, sigma^2) of systematic error on the log scale, fitted by
 * maximum likelihood to the negative-control estimates (each observed as N(mu, sigma^2 + se^2)).
 * Calibrated p-values compare an estimate to that null; calibrated confidence intervals assume the
 * systematic error does not depend on the true effect size (negative controls alone cannot tell
 * otherwise): log RR - mu +/- z sqrt(se^2 + sigma^2). EASE is E|X| for X from the null.
 */
public final class EmpiricalCalibration {
  private EmpiricalCalibration() {}

  private static final NormalDistribution STANDARD = NormalDistribution.of(0, 1);

  /** The fitted null: mean and SD of the systematic error on the log scale. */
  public record Null(double mean, double sd, int controls, double logLikelihood) {}

  /** Negative log-likelihood of the null at (mu, sigma), sigma taken in absolute value. */
  public static double negativeLogLikelihood(
      double mu, double sigma, double[] logRr, double[] seLogRr) {
    double nll = 0;
    for (int i = 0; i < logRr.length; i++) {
      double sd = Math.sqrt(sigma * sigma + seLogRr[i] * seLogRr[i]);
      double z = (logRr[i] - mu) / sd;
      nll += 0.5 * z * z + Math.log(sd) + 0.5 * Math.log(2 * Math.PI);
    }
    return nll;
  }

  /**
   * fitNull: maximum likelihood with Apache Commons Math's Nelder-Mead simplex from (0, 0.1), the
   * starting point EmpiricalCalibration uses. Estimates without a finite log RR or SE are skipped.
   */
  public static Null fitNull(double[] logRr, double[] seLogRr) {
    int n = 0;
    for (int i = 0; i < logRr.length; i++) {
      if (Double.isFinite(logRr[i]) && Double.isFinite(seLogRr[i]) && seLogRr[i] > 0) {
        n++;
      }
    }
    double[] x = new double[n];
    double[] se = new double[n];
    for (int i = 0, j = 0; i < logRr.length; i++) {
      if (Double.isFinite(logRr[i]) && Double.isFinite(seLogRr[i]) && seLogRr[i] > 0) {
        x[j] = logRr[i];
        se[j] = seLogRr[i];
        j++;
      }
    }
    if (n < 2) {
      return new Null(Double.NaN, Double.NaN, n, Double.NaN);
    }
    MultivariateFunction f = p -> negativeLogLikelihood(p[0], p[1], x, se);
    // Restart the simplex from its own optimum until it stops moving: Nelder-Mead can stall.
    double[] start = {0, 0.1};
    PointValuePair best = null;
    for (int round = 0; round < 5; round++) {
      PointValuePair p =
          new SimplexOptimizer(1e-14, 1e-14)
              .optimize(
                  new MaxEval(20000),
                  new ObjectiveFunction(f),
                  GoalType.MINIMIZE,
                  new InitialGuess(start),
                  new NelderMeadSimplex(new double[] {0.1, 0.1}));
      if (best != null && Math.abs(best.getValue() - p.getValue()) < 1e-12) {
        best = p.getValue() < best.getValue() ? p : best;
        break;
      }
      best = best == null || p.getValue() < best.getValue() ? p : best;
      start = best.getPoint();
    }
    return new Null(best.getPoint()[0], Math.abs(best.getPoint()[1]), n, -best.getValue());
  }

  /** Two-sided calibrated p-value of an estimate under the empirical null. */
  public static double calibrateP(Null nul, double logRr, double seLogRr) {
    double sd = Math.sqrt(nul.sd() * nul.sd() + seLogRr * seLogRr);
    double z = (logRr - nul.mean()) / sd;
    double lower = STANDARD.cumulativeProbability(z);
    double upper = STANDARD.survivalProbability(z);
    return Math.min(1.0, 2 * Math.min(lower, upper));
  }

  /** A calibrated estimate: log RR and SE with the systematic error taken out and added in. */
  public record Calibrated(double logRr, double seLogRr, double rr, double ci95Lb, double ci95Ub) {}

  public static Calibrated calibrate(Null nul, double logRr, double seLogRr) {
    double mean = logRr - nul.mean();
    double se = Math.sqrt(seLogRr * seLogRr + nul.sd() * nul.sd());
    double z = STANDARD.inverseSurvivalProbability(0.025);
    return new Calibrated(
        mean, se, Math.exp(mean), Math.exp(mean - z * se), Math.exp(mean + z * se));
  }

  /** Expected absolute systematic error: E|X|, X ~ N(mean, sd^2) (a folded normal's mean). */
  public static double ease(Null nul) {
    double mu = nul.mean();
    double s = nul.sd();
    if (s == 0) {
      return Math.abs(mu);
    }
    return s * Math.sqrt(2 / Math.PI) * Math.exp(-mu * mu / (2 * s * s))
        + mu * (1 - 2 * STANDARD.cumulativeProbability(-mu / s));
  }
}
