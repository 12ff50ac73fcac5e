package org.rwe.propensity;

import java.util.Arrays;
import java.util.List;

/**
 * L1-penalized logistic regression by cyclic coordinate descent: the algorithm of R's glmnet
 * (Friedman, Hastie and Tibshirani 2010, J Stat Softw 33(1), section 3), which the golden test
 * checks this against. Minimizes
 *
 * <pre>-(1/n) loglik(b0, beta) + lambda * sum_j |beta_j|</pre>
 *
 * with the intercept unpenalized and the covariates as given (glmnet's {@code standardize = FALSE};
 * the same objective as MLlib's LogisticRegression with regParam = lambda, elasticNetParam = 1 and
 * standardization = false, which fitted the propensity model before).
 *
 * <p>Each outer step is glmnet's quadratic approximation of the log-likelihood at the current
 * estimate (IRLS weights p(1 - p), p kept within [1e-5, 1 - 1e-5] as glmnet keeps it); the
 * penalized weighted least squares problem is solved by cycling over the coordinates with soft
 * thresholding, first over all of them, then over the active (non-zero) ones until they settle,
 * then over all again, until a full pass changes nothing by more than the tolerance. Penalties are
 * solved from the strongest down, each starting from the previous solution (warm starts).
 *
 * <p>Why hand-written: MLlib's optimizer starts one Spark job per iteration (1,800 jobs for the
 * sample's cross-validation, docs/benchmarks.md), and no maintained JVM library fits a lasso
 * logistic path on sparse data. Here a whole path runs inside one Spark task on the task's rows.
 * Deterministic: every sum runs over rows and coordinates in a fixed order.
 */
final class LassoLogistic {
  private LassoLogistic() {}

  /** glmnet's bound on fitted probabilities in the weights (its {@code pmin}). */
  static final double P_MIN = 1e-5;

  /** Coordinate passes allowed within one quadratic approximation (glmnet's maxit is 1e5). */
  static final int MAX_PASSES = 100_000;

  /**
   * The design as a sparse matrix stored by column: column j's rows are {@code rowIndex[colStart[j]
   * .. colStart[j + 1])} with their {@code values}; y is 0 or 1 per row.
   */
  record Design(
      int rows, int columns, int[] colStart, int[] rowIndex, double[] values, double[] y) {
    /** From rows given as sorted sparse index/value arrays. */
    static Design ofRows(int columns, List<int[]> index, List<double[]> value, double[] y) {
      int n = y.length;
      int[] count = new int[columns + 1];
      for (int[] idx : index) {
        for (int j : idx) {
          count[j + 1]++;
        }
      }
      for (int j = 0; j < columns; j++) {
        count[j + 1] += count[j];
      }
      int[] colStart = count.clone();
      int[] next = Arrays.copyOf(count, columns);
      int[] rowIndex = new int[count[columns]];
      double[] values = new double[count[columns]];
      for (int i = 0; i < n; i++) {
        int[] idx = index.get(i);
        double[] val = value.get(i);
        for (int k = 0; k < idx.length; k++) {
          int at = next[idx[k]]++;
          rowIndex[at] = i;
          values[at] = val[k];
        }
      }
      return new Design(n, columns, colStart, rowIndex, values, y);
    }
  }

  /**
   * One penalty's solution.
   *
   * @param outerSteps quadratic approximations used
   * @param converged whether the coefficients settled within the tolerance before maxOuterSteps
   */
  record Solution(
      double lambda, double intercept, double[] beta, int outerSteps, boolean converged) {
    /** The linear predictor b0 + x.beta of one row given as sparse index/value arrays. */
    double margin(int[] index, double[] value) {
      double m = intercept;
      for (int k = 0; k < index.length; k++) {
        m += value[k] * beta[index[k]];
      }
      return m;
    }
  }

  /**
   * The solutions for the given penalties (returned in the order given), each from the previous,
   * stronger one.
   *
   * @param maxOuterSteps quadratic approximations allowed per penalty
   * @param tolerance convergence threshold on the largest weighted squared change of a coefficient,
   *     (1/n) sum_i w_i x_ij^2 (delta beta_j)^2, as glmnet's {@code thresh}
   */
  static List<Solution> path(Design d, List<Double> lambdas, int maxOuterSteps, double tolerance) {
    int n = d.rows();
    int p = d.columns();
    double ySum = 0;
    for (double v : d.y()) {
      ySum += v;
    }
    if (n == 0 || ySum == 0 || ySum == n) {
      throw new IllegalArgumentException(
          "The propensity model needs both treated and comparator subjects in its fitting set ("
              + n
              + " rows, "
              + (long) ySum
              + " treated)");
    }
    double yBar = ySum / n;
    // The intercept lives in a one-element array so that the intercept step can update it and
    // return its change (tasks of one executor run this concurrently: no shared state).
    double[] b0 = {Math.log(yBar / (1 - yBar))};
    double[] beta = new double[p];
    double[] eta = new double[n];
    Arrays.fill(eta, b0[0]);
    Integer[] order = new Integer[lambdas.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    // Strongest penalty first: the path starts at the intercept-only model and warm-starts down.
    Arrays.sort(order, (a, b) -> Double.compare(lambdas.get(b), lambdas.get(a)));
    Solution[] out = new Solution[order.length];
    double[] w = new double[n];
    double[] r = new double[n];
    double[] xv = new double[p];
    boolean[] active = new boolean[p];
    double[] before = new double[p];
    for (int li : order) {
      double lambda = lambdas.get(li);
      int steps = 0;
      boolean converged = false;
      while (steps < maxOuterSteps) {
        steps++;
        // The quadratic approximation at the current estimate: weights and weighted residuals.
        double wSum = 0;
        for (int i = 0; i < n; i++) {
          double pi = 1 / (1 + Math.exp(-eta[i]));
          if (pi < P_MIN) {
            pi = P_MIN;
          } else if (pi > 1 - P_MIN) {
            pi = 1 - P_MIN;
          }
          w[i] = pi * (1 - pi);
          r[i] = d.y()[i] - pi;
          wSum += w[i];
        }
        for (int j = 0; j < p; j++) {
          double s = 0;
          for (int k = d.colStart()[j]; k < d.colStart()[j + 1]; k++) {
            double x = d.values()[k];
            s += w[d.rowIndex()[k]] * x * x;
          }
          xv[j] = s / n;
        }
        double b0Before = b0[0];
        System.arraycopy(beta, 0, before, 0, p);
        boolean settled = false;
        int passes = 0;
        while (passes < MAX_PASSES) {
          passes++;
          double change = pass(d, lambda, beta, w, r, xv, active, false);
          change = Math.max(change, interceptStep(n, wSum, w, r, b0));
          if (change < tolerance) {
            settled = true;
            break;
          }
          while (passes < MAX_PASSES) {
            passes++;
            double c = pass(d, lambda, beta, w, r, xv, active, true);
            c = Math.max(c, interceptStep(n, wSum, w, r, b0));
            if (c < tolerance) {
              break;
            }
          }
        }
        // The new linear predictor, and whether this step moved the estimate at all.
        Arrays.fill(eta, b0[0]);
        double moved = (wSum / n) * (b0[0] - b0Before) * (b0[0] - b0Before);
        for (int j = 0; j < p; j++) {
          if (beta[j] != 0) {
            for (int k = d.colStart()[j]; k < d.colStart()[j + 1]; k++) {
              eta[d.rowIndex()[k]] += d.values()[k] * beta[j];
            }
          }
          double dj = beta[j] - before[j];
          moved = Math.max(moved, xv[j] * dj * dj);
        }
        if (settled && moved < tolerance) {
          converged = true;
          break;
        }
      }
      out[li] = new Solution(lambda, b0[0], beta.clone(), steps, converged);
    }
    return List.of(out);
  }

  /** The unpenalized intercept's exact step for the current residuals; returns its change. */
  private static double interceptStep(int n, double wSum, double[] w, double[] r, double[] b0) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += r[i];
    }
    double delta = s / wSum;
    if (delta == 0) {
      return 0;
    }
    for (int i = 0; i < n; i++) {
      r[i] -= delta * w[i];
    }
    b0[0] += delta;
    return (wSum / n) * delta * delta;
  }

  /**
   * One pass of soft-thresholded coordinate steps over all coordinates (or the active ones only);
   * returns the largest weighted squared change.
   */
  private static double pass(
      Design d,
      double lambda,
      double[] beta,
      double[] w,
      double[] r,
      double[] xv,
      boolean[] active,
      boolean activeOnly) {
    int n = d.rows();
    double largest = 0;
    for (int j = 0; j < d.columns(); j++) {
      if ((activeOnly && !active[j]) || xv[j] == 0) {
        continue;
      }
      double g = 0;
      for (int k = d.colStart()[j]; k < d.colStart()[j + 1]; k++) {
        g += d.values()[k] * r[d.rowIndex()[k]];
      }
      double u = g / n + xv[j] * beta[j];
      double updated = Math.signum(u) * Math.max(Math.abs(u) - lambda, 0) / xv[j];
      double delta = updated - beta[j];
      if (delta == 0) {
        continue;
      }
      beta[j] = updated;
      active[j] = active[j] || updated != 0;
      for (int k = d.colStart()[j]; k < d.colStart()[j + 1]; k++) {
        int i = d.rowIndex()[k];
        r[i] -= delta * w[i] * d.values()[k];
      }
      largest = Math.max(largest, xv[j] * delta * delta);
    }
    return largest;
  }

  /** The penalized objective, -(1/n) loglik + lambda * |beta|_1, for tests and diagnostics. */
  static double objective(Design d, double lambda, double b0, double[] beta) {
    double[] eta = new double[d.rows()];
    Arrays.fill(eta, b0);
    for (int j = 0; j < d.columns(); j++) {
      for (int k = d.colStart()[j]; k < d.colStart()[j + 1]; k++) {
        eta[d.rowIndex()[k]] += d.values()[k] * beta[j];
      }
    }
    double loss = 0;
    for (int i = 0; i < d.rows(); i++) {
      // log(1 + e^eta) - y eta, computed without overflow.
      double e = eta[i];
      loss += (e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e))) - d.y()[i] * e;
    }
    double l1 = 0;
    for (double b : beta) {
      l1 += Math.abs(b);
    }
    return loss / d.rows() + lambda * l1;
  }
}
