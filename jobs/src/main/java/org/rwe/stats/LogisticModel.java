package org.rwe.stats;

import java.util.Arrays;

/**
 * Logistic regression of having the outcome (yes/no, time ignored): the odds ratio of
 * CohortMethod's {@code modelType = "logistic"}.
 *
 * <ul>
 *   <li>Unstratified: logit P(y = 1) = a + x b, optionally weighted (IPTW), as {@code glm(y ~ x,
 *       family = binomial, weights = w)}; robust (HC0 sandwich) variance when weighted.
 *   <li>Stratified (matched sets, PS strata): conditional logistic regression with the exact
 *       conditional likelihood, as {@code survival::clogit(y ~ x + strata(stratum), method =
 *       "exact")} (its default): per stratum with d cases among n, P(the cases are these d) = exp(b
 *       . sum_cases x) / sum over all d-subsets T of exp(b . sum_T x). With one case per stratum
 *       (1:k matching) this is the Cox partial likelihood of a stratified model with a common event
 *       time. Strata without a case or without a control carry no information.
 * </ul>
 *
 * <p>The sum over d-subsets is computed by the recursion of Gail, Lubin and Rubinstein (1981), B(k,
 * j) = B(k-1, j) + r_k B(k-1, j-1) with r_k = exp(b . x_k), normalised by the binomial coefficient
 * and carried in log space with the first and second derivatives as ratios, so that large strata
 * neither overflow nor lose precision. Cost per iteration: O(n min(d, n - d) p^2) per stratum (the
 * complement of the cases is used when d &gt; n / 2); PS strata of tens of thousands of subjects
 * with thousands of cases take seconds.
 */
public final class LogisticModel {
  private LogisticModel() {}

  /**
   * @param outcome 1 for subjects with the outcome, 0 otherwise
   * @param x the covariates, one array per covariate (treatment first, by convention)
   * @param stratum stratum per row for the conditional model, or null
   * @param weight non-negative weights (unstratified only), or null
   */
  public static RegressionFit fit(
      int[] outcome, double[][] x, long[] stratum, double[] weight, GlmOptions options) {
    if (outcome == null) {
      throw new IllegalArgumentException("outcome must not be null");
    }
    int n = outcome.length;
    Glm.validate(x, n, stratum, weight, options);
    boolean[] use = new boolean[n];
    double[] mask = new double[n];
    double[] y = new double[n];
    int subjects = 0;
    long events = 0;
    for (int i = 0; i < n; i++) {
      if (outcome[i] != 0 && outcome[i] != 1) {
        throw new IllegalArgumentException("outcome[" + i + "] must be 0 or 1: " + outcome[i]);
      }
      use[i] = weight == null || weight[i] > 0;
      if (use[i]) {
        mask[i] = 1;
        y[i] = outcome[i];
        subjects++;
        events += outcome[i];
      }
    }
    Glm.Rows rows = new Glm.Rows(use, mask, subjects, events);
    Patterns patterns = Patterns.of(x, mask);
    boolean robustUsed = stratum == null && options.robustUsed(weight != null);
    FitStatus status = Glm.commonStatus(x, y, rows, patterns);
    if (status == null) {
      status =
          stratum == null
              ? Glm.unconditionalStatus(Glm.Family.BINOMIAL, y, rows, patterns)
              : conditionalStatus(y, rows, stratum, patterns);
    }
    if (status != null) {
      return RegressionFit.degenerate(status, x.length, robustUsed, subjects, events);
    }
    if (stratum == null) {
      return Glm.fitUnconditional(Glm.Family.BINOMIAL, y, null, x, weight, rows, options);
    }
    return new Conditional(y, x, stratum, rows).fit(options);
  }

  /**
   * Along a direction the conditional likelihood never decreases iff in every stratum every case
   * scores at least as high as every control: the edges of {@link Patterns} go from cases to the
   * controls of their stratum.
   */
  private static FitStatus conditionalStatus(
      double[] y, Glm.Rows rows, long[] stratum, Patterns patterns) {
    if (!patterns.simplex()) {
      return null;
    }
    int[] order = Glm.orderByStratum(stratum);
    int pos = 0;
    while (pos < order.length) {
      int end = pos;
      long casePatterns = 0;
      long controlPatterns = 0;
      while (end < order.length && stratum[order[end]] == stratum[order[pos]]) {
        int i = order[end++];
        if (rows.use()[i]) {
          if (y[i] > 0) {
            casePatterns |= Patterns.bit(patterns.of(i));
          } else {
            controlPatterns |= Patterns.bit(patterns.of(i));
          }
        }
      }
      for (int a = 0; a < patterns.count(); a++) {
        if ((casePatterns & Patterns.bit(a)) != 0) {
          patterns.edges(a, controlPatterns);
        }
      }
      pos = end;
    }
    if (!patterns.anyEdge()) {
      return FitStatus.NO_INFORMATIVE_EVENTS;
    }
    return patterns.stronglyConnected() ? null : FitStatus.MONOTONE_LIKELIHOOD;
  }

  /** The exact conditional likelihood, over the strata that have both cases and controls. */
  private static final class Conditional implements Newton.LogLikelihood {
    private final int p;
    private final Glm.Rows rows;
    // Per informative stratum s, rows stratumStart[s] .. stratumStart[s+1]-1 of u (row-major),
    // where u = x - stratum mean of x, negated when the complement is used; size[s] = m, the
    // subset size summed over (d, or n - d when smaller); caseSum = sum over cases of (x - mean).
    private final double[] u;
    private final int[] stratumStart;
    private final int[] size;
    private final double[] caseSum;
    private final double[] logBinomial;
    private final double[] logInt;
    private final int largestSize;

    Conditional(double[] y, double[][] x, long[] stratum, Glm.Rows rows) {
      this.p = x.length;
      this.rows = rows;
      int[] order = Glm.orderByStratum(stratum);
      int n = order.length;
      double[] us = new double[n * p];
      int[] starts = new int[n + 1];
      int[] sizes = new int[n];
      double[] sums = new double[n * p];
      double[] logBinom = new double[n];
      int kept = 0;
      int strata = 0;
      int largest = 0;
      double[] mean = new double[p];
      int pos = 0;
      while (pos < n) {
        int end = pos;
        int cases = 0;
        int members = 0;
        Arrays.fill(mean, 0);
        while (end < n && stratum[order[end]] == stratum[order[pos]]) {
          int i = order[end++];
          if (rows.use()[i]) {
            members++;
            cases += (int) y[i];
            for (int j = 0; j < p; j++) {
              mean[j] += x[j][i];
            }
          }
        }
        if (cases > 0 && cases < members) {
          boolean complement = cases > members - cases;
          int m = complement ? members - cases : cases;
          starts[strata] = kept;
          sizes[strata] = m;
          double lb = 0;
          for (int k = 1; k <= m; k++) {
            lb += Math.log((double) (members - m + k) / k);
          }
          logBinom[strata] = lb;
          for (int j = 0; j < p; j++) {
            mean[j] /= members;
          }
          for (int k = pos; k < end; k++) {
            int i = order[k];
            if (!rows.use()[i]) {
              continue;
            }
            for (int j = 0; j < p; j++) {
              double centred = x[j][i] - mean[j];
              us[kept * p + j] = complement ? -centred : centred;
              if (y[i] > 0) {
                sums[strata * p + j] += centred;
              }
            }
            kept++;
          }
          largest = Math.max(largest, members);
          strata++;
        }
        pos = end;
      }
      starts[strata] = kept;
      this.u = Arrays.copyOf(us, kept * p);
      this.stratumStart = Arrays.copyOf(starts, strata + 1);
      this.size = Arrays.copyOf(sizes, strata);
      this.caseSum = Arrays.copyOf(sums, strata * p);
      this.logBinomial = Arrays.copyOf(logBinom, strata);
      this.largestSize = Arrays.stream(this.size).max().orElse(0);
      this.logInt = new double[largest + 1];
      for (int k = 1; k <= largest; k++) {
        logInt[k] = Math.log(k);
      }
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

    /**
     * Per stratum: log L = b . caseSum - log C(n, m) - log A(n, m), where A(k, j) = B(k, j) / C(k,
     * j) is the mean over j-subsets of the first k rows of exp(b . sum u), and g = dA/A, h = d2A/A
     * are the mean and second moment of sum u under the tilted distribution. The score is caseSum -
     * g and the information h - g g'. (Centring within the stratum makes sum_all u = 0, so the
     * complement's sum over (n - d)-subsets of exp(-b . sum u) equals the original's.)
     */
    @Override
    public double evaluate(double[] beta, double[] score, double[][] info) {
      Arrays.fill(score, 0);
      for (double[] row : info) {
        Arrays.fill(row, 0);
      }
      double ll = 0;
      int pp = p * p;
      double[] logA = new double[largestSize + 1];
      double[] g = new double[(largestSize + 1) * p];
      double[] h = new double[(largestSize + 1) * pp];
      for (int s = 0; s + 1 < stratumStart.length; s++) {
        int first = stratumStart[s];
        int members = stratumStart[s + 1] - first;
        int m = size[s];
        // Row 0: A(0, 0) = 1 with zero moments; A(0, j > 0) = 0.
        logA[0] = 0;
        Arrays.fill(logA, 1, m + 1, Double.NEGATIVE_INFINITY);
        Arrays.fill(g, 0, (m + 1) * p, 0);
        Arrays.fill(h, 0, (m + 1) * pp, 0);
        for (int k = 1; k <= members; k++) {
          int row = first + k - 1;
          double eta = 0;
          for (int j = 0; j < p; j++) {
            eta += beta[j] * u[row * p + j];
          }
          // A(k, j) = ((k - j) / k) A(k-1, j) + (j / k) r_k A(k-1, j-1), j from high to low so that
          // index j - 1 still holds row k - 1's values.
          for (int j = Math.min(k, m); j >= 1; j--) {
            double withNew = logInt[j] - logInt[k] + eta + logA[j - 1];
            double pi;
            if (j == k) {
              logA[j] = withNew;
              pi = 1;
            } else {
              double without = logInt[k - j] - logInt[k] + logA[j];
              if (without >= withNew) {
                double e = Math.exp(withNew - without);
                logA[j] = without + Math.log1p(e);
                pi = e / (1 + e);
              } else {
                double e = Math.exp(without - withNew);
                logA[j] = withNew + Math.log1p(e);
                pi = 1 / (1 + e);
              }
            }
            int gj = j * p;
            int gPrev = (j - 1) * p;
            int hj = j * pp;
            int hPrev = (j - 1) * pp;
            for (int a = 0; a < p; a++) {
              double ua = u[row * p + a];
              for (int b = 0; b < p; b++) {
                double ub = u[row * p + b];
                double added =
                    ua * ub + ua * g[gPrev + b] + g[gPrev + a] * ub + h[hPrev + a * p + b];
                h[hj + a * p + b] = (1 - pi) * h[hj + a * p + b] + pi * added;
              }
            }
            for (int a = 0; a < p; a++) {
              g[gj + a] = (1 - pi) * g[gj + a] + pi * (u[row * p + a] + g[gPrev + a]);
            }
          }
        }
        ll -= logBinomial[s] + logA[m];
        for (int a = 0; a < p; a++) {
          double c = caseSum[s * p + a];
          ll += beta[a] * c;
          // g is E[sum over the m-subset of u]: with the complement, the controls' sum of -(x -
          // mean), which equals the cases' sum of (x - mean) because the centred values sum to 0.
          score[a] += c - g[m * p + a];
          for (int b = 0; b < p; b++) {
            info[a][b] += h[m * pp + a * p + b] - g[m * p + a] * g[m * p + b];
          }
        }
      }
      return ll;
    }
  }
}
