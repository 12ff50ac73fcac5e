package org.rwe.stats;

import java.util.Arrays;

/**
 * Poisson regression of outcome counts with log(time at risk) as offset: the incidence rate ratio
 * of CohortMethod's {@code modelType = "poisson"}.
 *
 * <ul>
 *   <li>Unstratified: log E[y] = a + x b + log(time), optionally weighted (IPTW), as {@code glm(y ~
 *       x + offset(log(time)), family = poisson, weights = w)}; robust (HC0 sandwich) variance when
 *       weighted.
 *   <li>Stratified (matched sets, PS strata): the conditional likelihood given each stratum's total
 *       count, a multinomial with cell probabilities time_i exp(x_i b) / sum_j time_j exp(x_j b).
 *       The stratum intercepts drop out. Its MLE, information and likelihood ratio equal those of
 *       the unconditional model with one intercept per stratum ({@code glm(y ~ x + factor(stratum)
 *       + offset(log(time)), family = poisson)}), which is how the tests check it against R; strata
 *       without events contribute nothing.
 * </ul>
 *
 * <p>Rows with weight 0 or time 0 (and count 0) are ignored. Data whose MLE is infinite or not
 * identified is returned with a {@link FitStatus} and NaN estimates (see {@link Patterns} for the
 * several-covariate case).
 */
public final class PoissonModel {
  private PoissonModel() {}

  /**
   * @param count outcomes per row, &gt;= 0
   * @param time time at risk per row, finite and &gt;= 0 (&gt; 0 where count &gt; 0)
   * @param x the covariates, one array per covariate (treatment first, by convention)
   * @param stratum stratum per row for the conditional model, or null
   * @param weight non-negative weights (unstratified only), or null
   */
  public static RegressionFit fit(
      long[] count,
      double[] time,
      double[][] x,
      long[] stratum,
      double[] weight,
      GlmOptions options) {
    if (count == null || time == null) {
      throw new IllegalArgumentException("count and time must not be null");
    }
    int n = count.length;
    if (time.length != n) {
      throw new IllegalArgumentException("all arrays must have the same length " + n);
    }
    Glm.validate(x, n, stratum, weight, options);
    boolean[] use = new boolean[n];
    double[] mask = new double[n];
    double[] y = new double[n];
    double[] offset = new double[n];
    int subjects = 0;
    long events = 0;
    for (int i = 0; i < n; i++) {
      if (count[i] < 0) {
        throw new IllegalArgumentException("count[" + i + "] must be >= 0: " + count[i]);
      }
      if (!(time[i] >= 0) || Double.isInfinite(time[i])) {
        throw new IllegalArgumentException("time[" + i + "] must be finite and >= 0: " + time[i]);
      }
      if (time[i] == 0 && count[i] > 0) {
        throw new IllegalArgumentException("count[" + i + "] > 0 with no time at risk");
      }
      use[i] = time[i] > 0 && (weight == null || weight[i] > 0);
      if (use[i]) {
        mask[i] = 1;
        y[i] = count[i];
        offset[i] = Math.log(time[i]);
        subjects++;
        events += count[i];
      }
    }
    Glm.Rows rows = new Glm.Rows(use, mask, subjects, events);
    Patterns patterns = Patterns.of(x, mask);
    boolean robustUsed = stratum == null && options.robustUsed(weight != null);
    FitStatus status = Glm.commonStatus(x, y, rows, patterns);
    if (status == null) {
      status =
          stratum == null
              ? Glm.unconditionalStatus(Glm.Family.POISSON, y, rows, patterns)
              : conditionalStatus(y, rows, stratum, patterns);
    }
    if (status != null) {
      return RegressionFit.degenerate(status, x.length, robustUsed, subjects, events);
    }
    if (stratum == null) {
      return Glm.fitUnconditional(Glm.Family.POISSON, y, offset, x, weight, rows, options);
    }
    return new Conditional(y, offset, x, stratum, rows).fit(options);
  }

  /** Events compared with every other subject of their stratum: the edges of {@link Patterns}. */
  private static FitStatus conditionalStatus(
      double[] y, Glm.Rows rows, long[] stratum, Patterns patterns) {
    if (!patterns.simplex()) {
      return null;
    }
    int[] order = Glm.orderByStratum(stratum);
    int pos = 0;
    while (pos < order.length) {
      int end = pos;
      long eventPatterns = 0;
      long allPatterns = 0;
      while (end < order.length && stratum[order[end]] == stratum[order[pos]]) {
        int i = order[end++];
        if (rows.use()[i]) {
          allPatterns |= Patterns.bit(patterns.of(i));
          if (y[i] > 0) {
            eventPatterns |= Patterns.bit(patterns.of(i));
          }
        }
      }
      for (int a = 0; a < patterns.count(); a++) {
        if ((eventPatterns & Patterns.bit(a)) != 0) {
          patterns.edges(a, allPatterns);
        }
      }
      pos = end;
    }
    if (!patterns.anyEdge()) {
      return FitStatus.NO_INFORMATIVE_EVENTS;
    }
    return patterns.stronglyConnected() ? null : FitStatus.MONOTONE_LIKELIHOOD;
  }

  /**
   * The conditional (multinomial) likelihood: per stratum with Y events, log(Y! / prod y_i!) +
   * sum_i y_i log(pi_i), pi_i = exp(eta_i) / sum_j exp(eta_j), eta_i = x_i b + log(time_i).
   */
  private static final class Conditional implements Newton.LogLikelihood {
    private final int p;
    // Rows of strata with at least one event, grouped by stratum; x row-major.
    private final double[] x;
    private final double[] y;
    private final double[] offset;
    private final int[] stratumStart;
    private final double[] stratumEvents;
    private final double constant;
    private final Glm.Rows rows;

    Conditional(double[] y, double[] offset, double[][] x, long[] stratum, Glm.Rows rows) {
      this.p = x.length;
      this.rows = rows;
      int[] order = Glm.orderByStratum(stratum);
      int n = order.length;
      double[] xs = new double[n * p];
      double[] ys = new double[n];
      double[] os = new double[n];
      int[] starts = new int[n + 1];
      double[] totals = new double[n];
      int kept = 0;
      int strata = 0;
      double c = 0;
      int pos = 0;
      while (pos < n) {
        int end = pos;
        double total = 0;
        double logFactorials = 0;
        while (end < n && stratum[order[end]] == stratum[order[pos]]) {
          int i = order[end++];
          if (rows.use()[i]) {
            total += y[i];
            logFactorials += Glm.logFactorial((long) y[i]);
          }
        }
        if (total > 0) {
          starts[strata] = kept;
          totals[strata++] = total;
          c += Glm.logFactorial((long) total) - logFactorials;
          for (int k = pos; k < end; k++) {
            int i = order[k];
            if (rows.use()[i]) {
              for (int j = 0; j < p; j++) {
                xs[kept * p + j] = x[j][i];
              }
              ys[kept] = y[i];
              os[kept] = offset[i];
              kept++;
            }
          }
        }
        pos = end;
      }
      starts[strata] = kept;
      this.x = xs;
      this.y = ys;
      this.offset = os;
      this.stratumStart = Arrays.copyOf(starts, strata + 1);
      this.stratumEvents = totals;
      this.constant = c;
    }

    RegressionFit fit(GlmOptions options) {
      Newton.Result r =
          Newton.maximize(this, new double[p], options.maxIterations(), options.epsilon());
      if (r.inverseInformation() == null) {
        return RegressionFit.degenerate(
            FitStatus.NO_VARIATION, p, false, rows.subjects(), rows.events());
      }
      return new RegressionFit(
          r.converged() ? FitStatus.OK : FitStatus.NOT_CONVERGED,
          r.beta(),
          r.inverseInformation(),
          Glm.nanMatrix(p),
          false,
          r.logLikStart(),
          r.logLik(),
          r.iterations(),
          r.converged(),
          rows.subjects(),
          rows.events());
    }

    @Override
    public double evaluate(double[] beta, double[] score, double[][] info) {
      Arrays.fill(score, 0);
      for (double[] row : info) {
        Arrays.fill(row, 0);
      }
      double ll = constant;
      double[] eta = new double[y.length];
      double[] sx = new double[p];
      double[] sxx = new double[p * p];
      for (int s = 0; s + 1 < stratumStart.length; s++) {
        int first = stratumStart[s];
        int last = stratumStart[s + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = first; i < last; i++) {
          double e = offset[i];
          for (int j = 0; j < p; j++) {
            e += beta[j] * x[i * p + j];
          }
          eta[i] = e;
          max = Math.max(max, e);
        }
        // Sums scaled by exp(-max) so that nothing overflows.
        double denom = 0;
        Arrays.fill(sx, 0);
        Arrays.fill(sxx, 0);
        for (int i = first; i < last; i++) {
          double r = Math.exp(eta[i] - max);
          denom += r;
          for (int a = 0; a < p; a++) {
            double xa = x[i * p + a];
            sx[a] += r * xa;
            for (int b = 0; b < p; b++) {
              sxx[a * p + b] += r * xa * x[i * p + b];
            }
            score[a] += y[i] * xa;
          }
          ll += y[i] * eta[i];
        }
        double total = stratumEvents[s];
        ll -= total * (max + Math.log(denom));
        for (int a = 0; a < p; a++) {
          double meanA = sx[a] / denom;
          score[a] -= total * meanA;
          for (int b = 0; b < p; b++) {
            info[a][b] += total * (sxx[a * p + b] / denom - meanA * sx[b] / denom);
          }
        }
      }
      return ll;
    }
  }
}
