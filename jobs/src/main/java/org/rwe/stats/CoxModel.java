package org.rwe.stats;

import java.util.Arrays;

/**
 * Cox proportional hazards model, optionally stratified and weighted: the outcome model
 * CohortMethod fits for a target-versus-comparator hazard ratio (one covariate, the treatment,
 * returned as a {@link CoxFit}), or with several covariates, e.g. treatment, a subgroup indicator
 * and their interaction (returned as a {@link RegressionFit}).
 *
 * <p>It reproduces R's {@code survival::coxph} (right-censored data, {@code timefix = TRUE}):
 *
 * <ul>
 *   <li>risk sets are built within strata; a subject censored at an event time is still at risk at
 *       that time;
 *   <li>ties are handled by Efron's approximation (coxph's default) or Breslow's; with weights,
 *       Efron uses the mean weight of the tied deaths, as coxph does;
 *   <li>Newton-Raphson from beta = 0 with coxph's step-halving, stopping when the relative change
 *       in log-likelihood is at most {@code epsilon} (1e-9);
 *   <li>the model-based variance is information^-1; the robust (Lin-Wei sandwich) variance is V
 *       (sum of outer products of weighted dfbeta residuals) V, each row being its own cluster, as
 *       {@code coxph(..., robust = TRUE)}.
 * </ul>
 *
 * <p>Data whose maximum-likelihood estimate does not exist (no events, no variation in x, no events
 * in one arm, only uninformative risk sets, monotone likelihood) is detected up front and returned
 * with a {@link FitStatus} and NaN estimates; the method never throws for such data. With one
 * covariate the check is exact for any x; with several it is exact when the rows take p + 1
 * affinely independent values (binary treatment x subgroup designs, see {@link Patterns}), and
 * otherwise left to the information matrix. Malformed input (mismatched lengths, negative or
 * non-finite times, events other than 0/1, non-finite x, negative or non-finite weights) is a
 * programming error and throws {@link IllegalArgumentException}.
 *
 * <p>Cost: one O(n log n) sort, then O(n p^2) per iteration. Strata without events contribute
 * nothing to the partial likelihood and are dropped after sorting, which matters for matched
 * designs where most strata have no outcome.
 */
public final class CoxModel {

  /** How tied event times are handled. */
  public enum Ties {
    /** Efron's approximation; coxph's default and ours. */
    EFRON,
    /** Breslow's approximation. */
    BRESLOW
  }

  /** Which standard error drives the confidence interval and p-values. */
  public enum VarianceChoice {
    /**
     * Model-based when unweighted, robust when weights are given: with (propensity score) weights
     * the model-based variance treats weights as frequencies and is too small. This is what
     * CohortMethod does.
     */
    AUTO,
    /** Always sqrt(1 / information). */
    MODEL_BASED,
    /** Always the sandwich estimator. */
    ROBUST
  }

  /**
   * Fitting options.
   *
   * @param ties tie handling
   * @param maxIterations Newton-Raphson iterations before giving up (coxph's {@code iter.max})
   * @param epsilon convergence tolerance on the relative change in log-likelihood (coxph's {@code
   *     eps})
   * @param variance which standard error the interval and p-values use
   */
  public record Options(Ties ties, int maxIterations, double epsilon, VarianceChoice variance) {

    /** Efron, 30 iterations, 1e-9, {@link VarianceChoice#AUTO}. */
    public static Options defaults() {
      return new Options(Ties.EFRON, 30, 1e-9, VarianceChoice.AUTO);
    }

    public Options {
      if (ties == null || variance == null) {
        throw new IllegalArgumentException("ties and variance must not be null");
      }
      if (maxIterations < 1) {
        throw new IllegalArgumentException("maxIterations must be >= 1: " + maxIterations);
      }
      if (!(epsilon > 0)) {
        throw new IllegalArgumentException("epsilon must be > 0: " + epsilon);
      }
    }

    public Options withTies(Ties newTies) {
      return new Options(newTies, maxIterations, epsilon, variance);
    }

    public Options withVariance(VarianceChoice newVariance) {
      return new Options(ties, maxIterations, epsilon, newVariance);
    }
  }

  private CoxModel() {}

  /** Unstratified, unweighted fit with Efron ties. */
  public static CoxFit fit(double[] time, int[] event, double[] x) {
    return fit(time, event, x, null, null, Options.defaults());
  }

  /**
   * Fit with default options (Efron ties).
   *
   * @param time follow-up time per row, finite and &gt;= 0 (only the order matters)
   * @param event 1 for the outcome at {@code time}, 0 for censoring
   * @param x covariate, typically treatment 1 = target, 0 = comparator
   * @param stratum stratum id per row (e.g. matched set), or null for no strata
   * @param weight non-negative weight per row (e.g. IPTW), or null for unweighted; rows with weight
   *     0 are ignored
   */
  public static CoxFit fit(
      double[] time, int[] event, double[] x, long[] stratum, double[] weight) {
    return fit(time, event, x, stratum, weight, Options.defaults());
  }

  /** Fit with explicit options; see {@link #fit(double[], int[], double[], long[], double[])}. */
  public static CoxFit fit(
      double[] time, int[] event, double[] x, long[] stratum, double[] weight, Options options) {
    if (x == null) {
      throw new IllegalArgumentException("time, event and x must not be null");
    }
    RegressionFit f = fit(time, event, new double[][] {x}, stratum, weight, options);
    if (f.status() != FitStatus.OK && f.status() != FitStatus.NOT_CONVERGED) {
      return CoxFit.degenerate(f.status(), f.robustSeUsed(), f.subjects(), (int) f.events());
    }
    Effect e = f.effect(0);
    return new CoxFit(
        f.status(),
        e.logRr(),
        f.se(0),
        f.robustSe(0),
        f.robustSeUsed(),
        e.rr(),
        e.ci95Lb(),
        e.ci95Ub(),
        e.p(),
        e.pOneSidedGreater(),
        e.pOneSidedLess(),
        f.logLikNull(),
        f.logLik(),
        f.llr(),
        f.iterations(),
        f.converged(),
        f.subjects(),
        (int) f.events());
  }

  /**
   * Fit with several covariates, as {@code coxph(Surv(time, event) ~ x1 + x2 + ... +
   * strata(stratum), weights = weight, ties = ..., robust = TRUE)}.
   *
   * @param x the covariates, one array of length n per covariate (at least one)
   * @see #fit(double[], int[], double[], long[], double[]) for the other arguments
   */
  public static RegressionFit fit(
      double[] time, int[] event, double[][] x, long[] stratum, double[] weight, Options options) {
    validate(time, event, x, stratum, weight);
    boolean robustUsed =
        switch (options.variance()) {
          case AUTO -> weight != null;
          case MODEL_BASED -> false;
          case ROBUST -> true;
        };
    Data data = Data.prepare(time, event, x, stratum, weight);
    FitStatus status = data.degenerateStatus();
    if (status != null) {
      return RegressionFit.degenerate(status, x.length, robustUsed, data.subjects, data.events);
    }
    return new Fitter(data, options.ties() == Ties.EFRON).run(options, robustUsed);
  }

  private static void validate(
      double[] time, int[] event, double[][] x, long[] stratum, double[] weight) {
    if (time == null || event == null || x == null) {
      throw new IllegalArgumentException("time, event and x must not be null");
    }
    if (x.length == 0) {
      throw new IllegalArgumentException("at least one covariate is needed");
    }
    int n = time.length;
    for (double[] column : x) {
      if (column == null || column.length != n) {
        throw new IllegalArgumentException("all arrays must have the same length " + n);
      }
    }
    if (event.length != n
        || (stratum != null && stratum.length != n)
        || (weight != null && weight.length != n)) {
      throw new IllegalArgumentException("all arrays must have the same length " + n);
    }
    for (int i = 0; i < n; i++) {
      if (!(time[i] >= 0) || Double.isInfinite(time[i])) {
        throw new IllegalArgumentException("time[" + i + "] must be finite and >= 0: " + time[i]);
      }
      if (event[i] != 0 && event[i] != 1) {
        throw new IllegalArgumentException("event[" + i + "] must be 0 or 1: " + event[i]);
      }
      for (double[] column : x) {
        if (!Double.isFinite(column[i])) {
          throw new IllegalArgumentException("x[" + i + "] must be finite: " + column[i]);
        }
      }
      if (weight != null && (!(weight[i] >= 0) || Double.isInfinite(weight[i]))) {
        throw new IllegalArgumentException(
            "weight[" + i + "] must be finite and >= 0: " + weight[i]);
      }
    }
  }

  /**
   * The rows that matter, sorted by stratum and ascending time, with every covariate centred (as
   * coxph does, for numerical stability; the partial likelihood does not change).
   */
  private static final class Data {
    int p;
    int subjects;
    int events;
    boolean noVariation;
    boolean noEventsInOneArm;
    // One covariate: whether some event has another x in its risk set, and whether some event is
    // below (above) the maximum (minimum) x of its risk set.
    boolean anyInformative;
    boolean boundedAbove;
    boolean boundedBelow;
    // Several covariates: the pattern graph, when it applies.
    Patterns patterns;

    // Rows of strata that have at least one event, in (stratum, time) order; x row-major (row i,
    // covariate j at i * p + j).
    double[] x;
    double[] w;
    boolean[] dead;
    // Rows groupStart[g] .. groupStart[g+1]-1 share stratum and time; groups
    // stratumStart[s] .. stratumStart[s+1]-1 belong to stratum s.
    int[] groupStart;
    int[] stratumStart;

    static Data prepare(double[] time, int[] event, double[][] x, long[] stratum, double[] weight) {
      Data d = new Data();
      int n = time.length;
      int p = x.length;
      d.p = p;
      // Like coxph, fix near-ties on all rows before anything is dropped. "+ 0.0" maps -0.0 to 0.0
      // so that the two zeros form one tie.
      double[] t = new double[n];
      for (int i = 0; i < n; i++) {
        t[i] = time[i] + 0.0;
      }
      t = TimeFix.apply(t);

      // Counts and the global checks, on rows with a positive weight.
      double xMin = Double.POSITIVE_INFINITY;
      double xMax = Double.NEGATIVE_INFINITY;
      boolean binary = true;
      int eventsAtZero = 0;
      int eventsAtOne = 0;
      double sumW = 0;
      double[] sumWx = new double[p];
      for (int i = 0; i < n; i++) {
        double wi = weight == null ? 1.0 : weight[i];
        if (wi == 0) {
          continue;
        }
        d.subjects++;
        double x0 = x[0][i];
        xMin = Math.min(xMin, x0);
        xMax = Math.max(xMax, x0);
        binary &= x0 == 0 || x0 == 1;
        if (event[i] == 1) {
          d.events++;
          if (x0 == 0) {
            eventsAtZero++;
          } else {
            eventsAtOne++;
          }
        }
        sumW += wi;
        for (int j = 0; j < p; j++) {
          sumWx[j] += wi * x[j][i];
        }
      }
      if (p == 1) {
        d.noVariation = d.subjects == 0 || xMin == xMax;
        d.noEventsInOneArm = binary && (eventsAtZero == 0 || eventsAtOne == 0);
      } else {
        d.patterns = Patterns.of(x, weight);
        d.noVariation = d.subjects == 0 || d.patterns.collinear();
      }
      if (d.events == 0 || d.noVariation || d.noEventsInOneArm) {
        return d;
      }
      double[] mean = new double[p];
      for (int j = 0; j < p; j++) {
        mean[j] = sumWx[j] / sumW;
      }
      Patterns patterns = d.patterns != null && d.patterns.simplex() ? d.patterns : null;

      int[] order = Sorting.orderByStratumThenTime(t, stratum);

      // One pass over strata in sorted order: keep the strata with an event, and while at it check
      // whether the MLE is finite. Walking a stratum backwards in time, the risk set of an event is
      // every row seen so far. One covariate: its min and max x are running extremes; the score at
      // beta -> +inf is sum over events of w * (x - max x of the risk set), negative iff some event
      // has an x below its risk-set maximum (for Breslow and Efron alike); symmetrically at -inf.
      // Several covariates: the running set of patterns in the risk set gives the edges of
      // Patterns.
      double[] xs = new double[d.subjects * p];
      double[] ws = new double[d.subjects];
      boolean[] deads = new boolean[d.subjects];
      int[] groupStart = new int[d.subjects + 1];
      int[] stratumStart = new int[d.subjects + 1];
      int rows = 0;
      int groups = 0;
      int strata = 0;
      int pos = 0;
      double[] x0 = x[0];
      while (pos < n) {
        int end = pos + 1;
        if (stratum != null) {
          long s = stratum[order[pos]];
          while (end < n && stratum[order[end]] == s) {
            end++;
          }
        } else {
          end = n;
        }
        boolean hasEvent = false;
        double runMax = Double.NEGATIVE_INFINITY;
        double runMin = Double.POSITIVE_INFINITY;
        long riskSetPatterns = 0;
        int k = end - 1;
        while (k >= pos) {
          double tk = t[order[k]];
          int groupEnd = k;
          while (k >= pos && t[order[k]] == tk) {
            int row = order[k];
            if (weight == null || weight[row] > 0) {
              runMax = Math.max(runMax, x0[row]);
              runMin = Math.min(runMin, x0[row]);
              if (patterns != null) {
                riskSetPatterns |= Patterns.bit(patterns.of(row));
              }
            }
            k--;
          }
          for (int j = k + 1; j <= groupEnd; j++) {
            int row = order[j];
            if (event[row] == 1 && (weight == null || weight[row] > 0)) {
              hasEvent = true;
              if (runMax > runMin) {
                d.anyInformative = true;
              }
              d.boundedAbove |= x0[row] < runMax;
              d.boundedBelow |= x0[row] > runMin;
              if (patterns != null) {
                patterns.edges(patterns.of(row), riskSetPatterns);
              }
            }
          }
        }
        if (hasEvent) {
          stratumStart[strata++] = groups;
          boolean firstInStratum = true;
          double lastTime = Double.NaN;
          for (int j = pos; j < end; j++) {
            int row = order[j];
            double wi = weight == null ? 1.0 : weight[row];
            if (wi == 0) {
              continue;
            }
            if (firstInStratum || t[row] != lastTime) {
              firstInStratum = false;
              groupStart[groups++] = rows;
              lastTime = t[row];
            }
            for (int c = 0; c < p; c++) {
              xs[rows * p + c] = x[c][row] - mean[c];
            }
            ws[rows] = wi;
            deads[rows] = event[row] == 1;
            rows++;
          }
        }
        pos = end;
      }
      groupStart[groups] = rows;
      stratumStart[strata] = groups;
      d.x = xs;
      d.w = ws;
      d.dead = deads;
      d.groupStart = Arrays.copyOf(groupStart, groups + 1);
      d.stratumStart = Arrays.copyOf(stratumStart, strata + 1);
      return d;
    }

    FitStatus degenerateStatus() {
      if (events == 0) {
        return FitStatus.NO_EVENTS;
      }
      if (noVariation) {
        return FitStatus.NO_VARIATION;
      }
      if (noEventsInOneArm) {
        return FitStatus.NO_EVENTS_IN_ONE_ARM;
      }
      if (p == 1) {
        if (!anyInformative) {
          return FitStatus.NO_INFORMATIVE_EVENTS;
        }
        if (!boundedAbove || !boundedBelow) {
          return FitStatus.MONOTONE_LIKELIHOOD;
        }
      } else if (patterns.simplex()) {
        if (!patterns.anyEdge()) {
          return FitStatus.NO_INFORMATIVE_EVENTS;
        }
        if (!patterns.stronglyConnected()) {
          return FitStatus.MONOTONE_LIKELIHOOD;
        }
      }
      return null;
    }
  }

  /** Newton-Raphson on the partial likelihood, following coxph's coxfit6 control flow. */
  private static final class Fitter implements Newton.LogLikelihood {
    private final Data d;
    private final int p;
    private final boolean efron;

    Fitter(Data d, boolean efron) {
      this.d = d;
      this.p = d.p;
      this.efron = efron;
    }

    RegressionFit run(Options options, boolean robustUsed) {
      Newton.Result r =
          Newton.maximize(this, new double[p], options.maxIterations(), options.epsilon());
      if (r.inverseInformation() == null) {
        // Only reachable with continuous covariates that are collinear on the informative rows.
        return RegressionFit.degenerate(
            FitStatus.NO_VARIATION, p, robustUsed, d.subjects, d.events);
      }
      double[][] variance = r.inverseInformation();
      double[][] robust = Newton.sandwich(variance, scoreResidualCrossProduct(r.beta()));
      return new RegressionFit(
          r.converged() ? FitStatus.OK : FitStatus.NOT_CONVERGED,
          r.beta(),
          variance,
          robust,
          robustUsed,
          r.logLikStart(),
          r.logLik(),
          r.iterations(),
          r.converged(),
          d.subjects,
          d.events);
    }

    private double linearPredictor(double[] beta, int i) {
      double eta = 0;
      for (int j = 0; j < p; j++) {
        eta += beta[j] * d.x[i * p + j];
      }
      return eta;
    }

    /**
     * Log partial likelihood, score and information at beta. Each stratum is walked backwards in
     * time so that the risk-set sums (denominator, first and second moments of x) are running sums.
     */
    @Override
    public double evaluate(double[] beta, double[] score, double[][] info) {
      double[] x = d.x;
      double[] w = d.w;
      boolean[] dead = d.dead;
      int[] gs = d.groupStart;
      double ll = 0;
      Arrays.fill(score, 0);
      for (double[] row : info) {
        Arrays.fill(row, 0);
      }
      double[] sx = new double[p];
      double[] sxx = new double[p * p];
      double[] dSx = new double[p];
      double[] dSxx = new double[p * p];
      double[] mean = new double[p];
      for (int s = 0; s + 1 < d.stratumStart.length; s++) {
        double denom = 0;
        Arrays.fill(sx, 0);
        Arrays.fill(sxx, 0);
        for (int g = d.stratumStart[s + 1] - 1; g >= d.stratumStart[s]; g--) {
          int nDead = 0;
          double deadW = 0;
          double dDenom = 0;
          Arrays.fill(dSx, 0);
          Arrays.fill(dSxx, 0);
          for (int i = gs[g]; i < gs[g + 1]; i++) {
            double risk = w[i] * Math.exp(linearPredictor(beta, i));
            int base = i * p;
            if (dead[i]) {
              nDead++;
              deadW += w[i];
              dDenom += risk;
              for (int a = 0; a < p; a++) {
                double xa = x[base + a];
                dSx[a] += risk * xa;
                for (int b = 0; b < p; b++) {
                  dSxx[a * p + b] += risk * xa * x[base + b];
                }
                ll += w[i] * beta[a] * xa;
                score[a] += w[i] * xa;
              }
            } else {
              denom += risk;
              for (int a = 0; a < p; a++) {
                double xa = x[base + a];
                sx[a] += risk * xa;
                for (int b = 0; b < p; b++) {
                  sxx[a * p + b] += risk * xa * x[base + b];
                }
              }
            }
          }
          if (nDead == 0) {
            continue;
          }
          if (!efron || nDead == 1) {
            denom += dDenom;
            for (int a = 0; a < p; a++) {
              sx[a] += dSx[a];
            }
            for (int ab = 0; ab < p * p; ab++) {
              sxx[ab] += dSxx[ab];
            }
            addDeathTerm(denom, sx, sxx, deadW, mean, score, info);
            ll -= deadW * Math.log(denom);
          } else {
            // Efron: the k-th of the tied deaths sees the risk set with a fraction k/nDead of the
            // tied deaths' risk removed; each term carries the mean weight of the tied deaths.
            double meanW = deadW / nDead;
            for (int k = 0; k < nDead; k++) {
              denom += dDenom / nDead;
              for (int a = 0; a < p; a++) {
                sx[a] += dSx[a] / nDead;
              }
              for (int ab = 0; ab < p * p; ab++) {
                sxx[ab] += dSxx[ab] / nDead;
              }
              addDeathTerm(denom, sx, sxx, meanW, mean, score, info);
              ll -= meanW * Math.log(denom);
            }
          }
        }
      }
      return ll;
    }

    /** One death's contribution to score and information, given its risk-set sums. */
    private void addDeathTerm(
        double denom,
        double[] sx,
        double[] sxx,
        double weight,
        double[] mean,
        double[] score,
        double[][] info) {
      for (int a = 0; a < p; a++) {
        mean[a] = sx[a] / denom;
        score[a] -= weight * mean[a];
      }
      for (int a = 0; a < p; a++) {
        for (int b = 0; b < p; b++) {
          info[a][b] += weight * (sxx[a * p + b] / denom - mean[a] * mean[b]);
        }
      }
    }

    /**
     * The meat of the robust variance: sum_i (w_i L_i)(w_i L_i)' with L_i the score residual vector
     * of row i (coxph: {@code crossprod(residuals(fit, "dfbeta", weighted = TRUE))} is V times this
     * times V).
     *
     * <p>L_i = dead_i (x_i - xbar(t_i)) - r_i sum_{event times t_j <= t_i} dLambda_j (x_i -
     * xbar_j), with r_i = exp(beta . x_i). R's coxscore2 loops over the risk set of every event
     * time (quadratic); here the sum is split into x_i * H(t) - G(t) with cumulative H = sum
     * dLambda and G = sum dLambda * xbar, so a backward pass computes the per-time increments and a
     * forward pass accumulates them. Under Efron, a row that dies at a tied time gets only the
     * fractions of the tied-time terms that it was still "at risk" for, and the mean of the
     * tied-time means.
     */
    double[][] scoreResidualCrossProduct(double[] beta) {
      double[] x = d.x;
      double[] w = d.w;
      boolean[] dead = d.dead;
      int[] gs = d.groupStart;
      int groups = gs.length - 1;
      double[] dH = new double[groups];
      double[] dG = new double[groups * p];
      double[] deadMean = new double[groups * p];
      double[] deadH = new double[groups];
      double[] deadG = new double[groups * p];
      double[][] meat = new double[p][p];
      double[] sx = new double[p];
      double[] dSx = new double[p];
      double[] cumG = new double[p];
      double[] resid = new double[p];
      for (int s = 0; s + 1 < d.stratumStart.length; s++) {
        int first = d.stratumStart[s];
        int last = d.stratumStart[s + 1] - 1;
        double denom = 0;
        Arrays.fill(sx, 0);
        for (int g = last; g >= first; g--) {
          int nDead = 0;
          double deadW = 0;
          double dDenom = 0;
          Arrays.fill(dSx, 0);
          for (int i = gs[g]; i < gs[g + 1]; i++) {
            double risk = w[i] * Math.exp(linearPredictor(beta, i));
            denom += risk;
            for (int a = 0; a < p; a++) {
              sx[a] += risk * x[i * p + a];
            }
            if (dead[i]) {
              nDead++;
              deadW += w[i];
              dDenom += risk;
              for (int a = 0; a < p; a++) {
                dSx[a] += risk * x[i * p + a];
              }
            }
          }
          if (nDead == 0) {
            continue;
          }
          if (!efron || nDead == 1) {
            double hazard = deadW / denom;
            dH[g] = hazard;
            deadH[g] = hazard;
            for (int a = 0; a < p; a++) {
              double mean = sx[a] / denom;
              dG[g * p + a] = hazard * mean;
              deadMean[g * p + a] = mean;
              deadG[g * p + a] = hazard * mean;
            }
          } else {
            double meanW = deadW / nDead;
            for (int k = 0; k < nDead; k++) {
              double frac = (double) k / nDead;
              double den = denom - frac * dDenom;
              double hazard = meanW / den;
              dH[g] += hazard;
              deadH[g] += hazard * (1 - frac);
              for (int a = 0; a < p; a++) {
                double mean = (sx[a] - frac * dSx[a]) / den;
                dG[g * p + a] += hazard * mean;
                deadMean[g * p + a] += mean / nDead;
                deadG[g * p + a] += hazard * (1 - frac) * mean;
              }
            }
          }
        }
        double cumH = 0;
        Arrays.fill(cumG, 0);
        for (int g = first; g <= last; g++) {
          for (int i = gs[g]; i < gs[g + 1]; i++) {
            double r = Math.exp(linearPredictor(beta, i));
            for (int a = 0; a < p; a++) {
              double xa = x[i * p + a];
              if (dead[i]) {
                resid[a] =
                    (xa - deadMean[g * p + a])
                        - r * (xa * (cumH + deadH[g]) - (cumG[a] + deadG[g * p + a]));
              } else {
                resid[a] = -r * (xa * (cumH + dH[g]) - (cumG[a] + dG[g * p + a]));
              }
              resid[a] *= w[i];
            }
            for (int a = 0; a < p; a++) {
              for (int b = 0; b < p; b++) {
                meat[a][b] += resid[a] * resid[b];
              }
            }
          }
          cumH += dH[g];
          for (int a = 0; a < p; a++) {
            cumG[a] += dG[g * p + a];
          }
        }
      }
      return meat;
    }
  }
}
