package org.rwe.stats;

/**
 * Newton-Raphson maximisation of a concave log-likelihood in a few parameters, with the control
 * flow of R survival's {@code coxfit6} (which {@link CoxModel} must reproduce iteration for
 * iteration): from the start, step by information^-1 score; stop when the relative change in
 * log-likelihood is at most epsilon; when a step does not improve (or leaves the finite range),
 * move back towards the last accepted point, more aggressively each time.
 *
 * <p>Why not a library: the models here have 1 to 4 parameters and their data are already on the
 * driver; Commons Math's optimisers would need the same gradient and Hessian code and would not
 * follow coxph's steps, and MLlib's GeneralizedLinearRegression would start one Spark job per
 * iteration of every fit (hundreds of fits per run) and has neither conditional likelihoods nor
 * sandwich variances. The linear algebra is a p x p Cholesky decomposition.
 */
final class Newton {
  private Newton() {}

  /** A concave log-likelihood with its gradient (score) and negative Hessian (information). */
  interface LogLikelihood {
    /**
     * Evaluates at {@code beta}, overwriting {@code score} (length p) and {@code information} (p x
     * p, symmetric), and returns the log-likelihood.
     */
    double evaluate(double[] beta, double[] score, double[][] information);
  }

  /**
   * @param beta the estimate (the last accepted point when not converged)
   * @param logLikStart log-likelihood at the start
   * @param logLik log-likelihood at beta
   * @param inverseInformation information^-1 at beta, or null when the information is singular
   * @param iterations iterations used, counted as coxph counts {@code iter}
   * @param converged whether the relative change in log-likelihood fell below epsilon
   */
  record Result(
      double[] beta,
      double logLikStart,
      double logLik,
      double[][] inverseInformation,
      int iterations,
      boolean converged) {}

  static Result maximize(LogLikelihood f, double[] start, int maxIterations, double epsilon) {
    int p = start.length;
    double[] beta = start.clone();
    double[] score = new double[p];
    double[][] info = new double[p][p];
    double logLikStart = f.evaluate(beta, score, info);
    double best = logLikStart;
    double[] step = solve(info, score);
    if (step == null) {
      return new Result(beta, logLikStart, logLikStart, null, 0, false);
    }
    double[] newBeta = add(beta, step);
    int halving = 0;
    int iterations = 0;
    boolean converged = false;
    double logLik = logLikStart;
    for (int iter = 1; iter <= maxIterations; iter++) {
      iterations = iter;
      double newLogLik = f.evaluate(newBeta, score, info);
      boolean finite = Double.isFinite(newLogLik) && allFinite(score) && allFinite(info);
      if (finite && Math.abs(1 - best / newLogLik) <= epsilon) {
        beta = newBeta;
        logLik = newLogLik;
        converged = true;
        break;
      }
      if (!finite || newLogLik < best) {
        // Not improving: move back towards the last good beta, more aggressively each time.
        halving++;
        for (int j = 0; j < p; j++) {
          newBeta[j] = (newBeta[j] + halving * beta[j]) / (halving + 1.0);
        }
      } else {
        halving = 0;
        best = newLogLik;
        beta = newBeta.clone();
        step = solve(info, score);
        if (step == null) {
          break;
        }
        newBeta = add(newBeta, step);
      }
    }
    if (!converged) {
      // As coxph: report the last accepted beta, with its information.
      logLik = f.evaluate(beta, score, info);
    }
    return new Result(beta, logLikStart, logLik, invert(info), iterations, converged);
  }

  private static double[] add(double[] a, double[] b) {
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] + b[i];
    }
    return out;
  }

  private static boolean allFinite(double[] v) {
    for (double x : v) {
      if (!Double.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  private static boolean allFinite(double[][] m) {
    for (double[] row : m) {
      if (!allFinite(row)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Lower-triangular L with L L' = a, or null when a is not (numerically) positive definite: a
   * pivot at most 1e-12 of the largest diagonal element, about coxph's {@code toler.chol}.
   */
  static double[][] cholesky(double[][] a) {
    int p = a.length;
    double maxDiag = 0;
    for (int i = 0; i < p; i++) {
      maxDiag = Math.max(maxDiag, Math.abs(a[i][i]));
    }
    double[][] l = new double[p][p];
    for (int i = 0; i < p; i++) {
      for (int j = 0; j <= i; j++) {
        double s = a[i][j];
        for (int k = 0; k < j; k++) {
          s -= l[i][k] * l[j][k];
        }
        if (i == j) {
          if (!(s > 1e-12 * maxDiag)) {
            return null;
          }
          l[i][i] = Math.sqrt(s);
        } else {
          l[i][j] = s / l[j][j];
        }
      }
    }
    return l;
  }

  /** a^-1 b for symmetric positive definite a, or null when a is singular. */
  static double[] solve(double[][] a, double[] b) {
    double[][] l = cholesky(a);
    return l == null ? null : solveCholesky(l, b);
  }

  /** a^-1 b given the Cholesky factor L of a: forward then back substitution. */
  private static double[] solveCholesky(double[][] l, double[] b) {
    int p = b.length;
    double[] y = new double[p];
    for (int i = 0; i < p; i++) {
      double s = b[i];
      for (int k = 0; k < i; k++) {
        s -= l[i][k] * y[k];
      }
      y[i] = s / l[i][i];
    }
    double[] x = new double[p];
    for (int i = p - 1; i >= 0; i--) {
      double s = y[i];
      for (int k = i + 1; k < p; k++) {
        s -= l[k][i] * x[k];
      }
      x[i] = s / l[i][i];
    }
    return x;
  }

  /** a^-1 for symmetric positive definite a, or null when a is singular. */
  static double[][] invert(double[][] a) {
    double[][] l = cholesky(a);
    if (l == null) {
      return null;
    }
    int p = a.length;
    double[][] inv = new double[p][];
    for (int j = 0; j < p; j++) {
      double[] e = new double[p];
      e[j] = 1;
      inv[j] = solveCholesky(l, e);
    }
    // Symmetrise: the columns are computed independently.
    for (int i = 0; i < p; i++) {
      for (int j = 0; j < i; j++) {
        double m = (inv[i][j] + inv[j][i]) / 2;
        inv[i][j] = m;
        inv[j][i] = m;
      }
    }
    return inv;
  }

  /** a b a for symmetric a and b (the sandwich). */
  static double[][] sandwich(double[][] a, double[][] b) {
    int p = a.length;
    double[][] ab = new double[p][p];
    for (int i = 0; i < p; i++) {
      for (int j = 0; j < p; j++) {
        double s = 0;
        for (int k = 0; k < p; k++) {
          s += a[i][k] * b[k][j];
        }
        ab[i][j] = s;
      }
    }
    double[][] out = new double[p][p];
    for (int i = 0; i < p; i++) {
      for (int j = 0; j < p; j++) {
        double s = 0;
        for (int k = 0; k < p; k++) {
          s += ab[i][k] * a[k][j];
        }
        out[i][j] = s;
      }
    }
    return out;
  }
}
