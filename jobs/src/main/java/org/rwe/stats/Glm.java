package org.rwe.stats;

import java.util.Arrays;

/**
 * What {@link PoissonModel} and {@link LogisticModel} share: input checks, the up-front checks for
 * an infinite or unidentified MLE, and the unconditional fit (intercept + covariates, optional
 * weights, HC0 sandwich variance) by Newton-Raphson on the driver (see {@link Newton} for why not a
 * library).
 */
final class Glm {
  private Glm() {}

  /** The two likelihoods, both with their canonical link. */
  enum Family {
    /** log link, offset log(time); log-likelihood with its -log(y!) constant, as R's logLik. */
    POISSON,
    /** logit link; Bernoulli log-likelihood. */
    BINOMIAL
  }

  /**
   * The rows a model uses (positive weight; for Poisson also positive time) and their counts.
   *
   * @param use per row, whether it enters the likelihood
   * @param mask 1 for used rows and 0 otherwise, the "weight" that {@link Patterns} reads
   */
  record Rows(boolean[] use, double[] mask, int subjects, long events) {}

  static void validate(double[][] x, int n, long[] stratum, double[] weight, GlmOptions options) {
    if (x == null || x.length == 0) {
      throw new IllegalArgumentException("at least one covariate is needed");
    }
    if (options == null) {
      throw new IllegalArgumentException("options must not be null");
    }
    for (double[] column : x) {
      if (column == null || column.length != n) {
        throw new IllegalArgumentException("all arrays must have the same length " + n);
      }
      for (int i = 0; i < n; i++) {
        if (!Double.isFinite(column[i])) {
          throw new IllegalArgumentException("x[" + i + "] must be finite: " + column[i]);
        }
      }
    }
    if ((stratum != null && stratum.length != n) || (weight != null && weight.length != n)) {
      throw new IllegalArgumentException("all arrays must have the same length " + n);
    }
    if (weight != null) {
      for (int i = 0; i < n; i++) {
        if (!(weight[i] >= 0) || Double.isInfinite(weight[i])) {
          throw new IllegalArgumentException(
              "weight[" + i + "] must be finite and >= 0: " + weight[i]);
        }
      }
    }
    if (stratum != null && weight != null) {
      // The pipeline never asks for it: weighted analyses (IPTW) have no matched sets or strata.
      throw new IllegalArgumentException(
          "conditional (stratified) models take no weights: pass weight = null");
    }
    if (stratum != null && options.variance() == CoxModel.VarianceChoice.ROBUST) {
      throw new IllegalArgumentException(
          "conditional (stratified) models have no robust variance here");
    }
  }

  /**
   * Checks shared by every model, on the used rows: no events; covariates that do not vary or are
   * collinear; and, for a single 0/1 covariate, events in one arm only. Null when none applies.
   */
  static FitStatus commonStatus(double[][] x, double[] y, Rows rows, Patterns patterns) {
    if (rows.events() == 0) {
      return FitStatus.NO_EVENTS;
    }
    if (rows.subjects() == 0 || patterns.collinear()) {
      return FitStatus.NO_VARIATION;
    }
    if (x.length == 1) {
      boolean binary = true;
      boolean eventsAtZero = false;
      boolean eventsAtOne = false;
      for (int i = 0; i < y.length; i++) {
        if (!rows.use()[i]) {
          continue;
        }
        binary &= x[0][i] == 0 || x[0][i] == 1;
        if (y[i] > 0) {
          eventsAtZero |= x[0][i] == 0;
          eventsAtOne |= x[0][i] == 1;
        }
      }
      if (binary && !(eventsAtZero && eventsAtOne)) {
        return FitStatus.NO_EVENTS_IN_ONE_ARM;
      }
    }
    return null;
  }

  /**
   * With an intercept and p + 1 affinely independent patterns the model is saturated, so its MLE is
   * finite iff every pattern has an event (and, for the binomial, a non-event too).
   */
  static FitStatus unconditionalStatus(Family family, double[] y, Rows rows, Patterns patterns) {
    if (!patterns.simplex()) {
      return null;
    }
    boolean[] hasEvent = new boolean[patterns.count()];
    boolean[] hasNonEvent = new boolean[patterns.count()];
    for (int i = 0; i < y.length; i++) {
      if (rows.use()[i]) {
        if (y[i] > 0) {
          hasEvent[patterns.of(i)] = true;
        } else {
          hasNonEvent[patterns.of(i)] = true;
        }
      }
    }
    for (int a = 0; a < patterns.count(); a++) {
      if (!hasEvent[a] || (family == Family.BINOMIAL && !hasNonEvent[a])) {
        return FitStatus.MONOTONE_LIKELIHOOD;
      }
    }
    return null;
  }

  /**
   * Maximum likelihood with an intercept: log E[y] = a + x b + offset (Poisson) or logit P(y = 1) =
   * a + x b (binomial), each row weighted. Starts at the null model's MLE (b = 0, a in closed
   * form), so the start's log-likelihood is the null model's. The robust variance is HC0,
   * (Z'WVZ)^-1 (sum_i (w_i (y_i - mu_i))^2 z_i z_i') (Z'WVZ)^-1, as {@code sandwich::vcovHC(fit,
   * type = "HC0")}.
   */
  static RegressionFit fitUnconditional(
      Family family,
      double[] y,
      double[] offset,
      double[][] x,
      double[] weight,
      Rows rows,
      GlmOptions options) {
    int p = x.length;
    int q = p + 1;
    boolean[] use = rows.use();
    int n = y.length;
    double sumW = 0;
    double sumWy = 0;
    double sumWt = 0;
    double constant = 0;
    for (int i = 0; i < n; i++) {
      if (!use[i]) {
        continue;
      }
      double w = weight == null ? 1 : weight[i];
      sumW += w;
      sumWy += w * y[i];
      if (family == Family.POISSON) {
        sumWt += w * Math.exp(offset[i]);
        constant -= w * logFactorial((long) y[i]);
      }
    }
    double[] start = new double[q];
    start[0] =
        family == Family.POISSON
            ? Math.log(sumWy / sumWt)
            : Math.log(sumWy / sumW) - Math.log1p(-sumWy / sumW);
    double logConstant = constant;
    Newton.LogLikelihood f =
        (theta, score, info) -> {
          Arrays.fill(score, 0);
          for (double[] row : info) {
            Arrays.fill(row, 0);
          }
          double ll = logConstant;
          double[] z = new double[q];
          z[0] = 1;
          for (int i = 0; i < n; i++) {
            if (!use[i]) {
              continue;
            }
            double w = weight == null ? 1 : weight[i];
            double eta = theta[0];
            for (int j = 0; j < p; j++) {
              z[j + 1] = x[j][i];
              eta += theta[j + 1] * z[j + 1];
            }
            double mu;
            double v;
            if (family == Family.POISSON) {
              eta += offset[i];
              mu = Math.exp(eta);
              v = mu;
              ll += w * (y[i] * eta - mu);
            } else {
              mu = 1 / (1 + Math.exp(-eta));
              v = mu * (1 - mu);
              // y eta - log(1 + e^eta), without overflow for large |eta|.
              ll +=
                  w
                      * (y[i] * eta
                          - (eta > 0
                              ? eta + Math.log1p(Math.exp(-eta))
                              : Math.log1p(Math.exp(eta))));
            }
            for (int a = 0; a < q; a++) {
              score[a] += w * (y[i] - mu) * z[a];
              for (int b = 0; b <= a; b++) {
                info[a][b] += w * v * z[a] * z[b];
              }
            }
          }
          for (int a = 0; a < q; a++) {
            for (int b = 0; b < a; b++) {
              info[b][a] = info[a][b];
            }
          }
          return ll;
        };
    boolean robustUsed = options.robustUsed(weight != null);
    Newton.Result r = Newton.maximize(f, start, options.maxIterations(), options.epsilon());
    if (r.inverseInformation() == null) {
      return RegressionFit.degenerate(
          FitStatus.NO_VARIATION, p, robustUsed, rows.subjects(), rows.events());
    }
    double[][] meat = new double[q][q];
    double[] theta = r.beta();
    double[] z = new double[q];
    z[0] = 1;
    for (int i = 0; i < n; i++) {
      if (!use[i]) {
        continue;
      }
      double w = weight == null ? 1 : weight[i];
      double eta = theta[0];
      for (int j = 0; j < p; j++) {
        z[j + 1] = x[j][i];
        eta += theta[j + 1] * z[j + 1];
      }
      double mu = family == Family.POISSON ? Math.exp(eta + offset[i]) : 1 / (1 + Math.exp(-eta));
      double s = w * (y[i] - mu);
      for (int a = 0; a < q; a++) {
        for (int b = 0; b < q; b++) {
          meat[a][b] += s * s * z[a] * z[b];
        }
      }
    }
    double[][] robust = Newton.sandwich(r.inverseInformation(), meat);
    return new RegressionFit(
        r.converged() ? FitStatus.OK : FitStatus.NOT_CONVERGED,
        Arrays.copyOfRange(theta, 1, q),
        block(r.inverseInformation()),
        block(robust),
        robustUsed,
        r.logLikStart(),
        r.logLik(),
        r.iterations(),
        r.converged(),
        rows.subjects(),
        rows.events());
  }

  /** The covariates' block of a (p + 1) x (p + 1) matrix whose first row is the intercept's. */
  private static double[][] block(double[][] m) {
    int p = m.length - 1;
    double[][] out = new double[p][];
    for (int a = 0; a < p; a++) {
      out[a] = Arrays.copyOfRange(m[a + 1], 1, p + 1);
    }
    return out;
  }

  /** log(y!) for a count. */
  static double logFactorial(long y) {
    double s = 0;
    for (long k = 2; k <= y; k++) {
      s += Math.log(k);
    }
    return s;
  }

  /** Row indices grouped by stratum id (ascending), input order within a stratum. */
  static int[] orderByStratum(long[] stratum) {
    int[] identity = new int[stratum.length];
    for (int i = 0; i < identity.length; i++) {
      identity[i] = i;
    }
    return Sorting.stableSortBy(identity, Sorting.denseRanks(stratum));
  }

  /** NaN matrix for models without a robust variance. */
  static double[][] nanMatrix(int p) {
    double[][] m = new double[p][p];
    for (double[] row : m) {
      Arrays.fill(row, Double.NaN);
    }
    return m;
  }
}
