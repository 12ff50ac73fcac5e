package org.rwe.stats;

import java.util.Arrays;
import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * Cox proportional hazards model with a single covariate (the treatment), optionally stratified and
 * weighted: the outcome model CohortMethod fits for a target-versus-comparator hazard ratio.
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
 *   <li>the model-based variance is 1 / information; the robust (Lin-Wei sandwich) variance is the
 *       sum of squared weighted dfbeta residuals, each row being its own cluster, as {@code
 *       coxph(..., robust = TRUE)}.
 * </ul>
 *
 * <p>Data whose maximum-likelihood estimate does not exist (no events, no variation in x, no events
 * in one arm, only uninformative risk sets, monotone likelihood) is detected up front and returned
 * as a {@link CoxFit} with a {@link CoxFit.Status} and NaN estimates; the method never throws for
 * such data. Malformed input (mismatched lengths, negative or non-finite times, events other than
 * 0/1, non-finite x, negative or non-finite weights) is a programming error and throws {@link
 * IllegalArgumentException}.
 *
 * <p>Cost: one O(n log n) sort, then O(n) per iteration with no allocation. Strata without events
 * contribute nothing to the partial likelihood and are dropped after sorting, which matters for
 * matched designs where most strata have no outcome.
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

  private static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);
  private static final double Z_975 = STANDARD_NORMAL.inverseCumulativeProbability(0.975);

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
    validate(time, event, x, stratum, weight);
    boolean robustUsed =
        switch (options.variance()) {
          case AUTO -> weight != null;
          case MODEL_BASED -> false;
          case ROBUST -> true;
        };
    Data data = Data.prepare(time, event, x, stratum, weight);
    CoxFit.Status status = data.degenerateStatus();
    if (status != null) {
      return CoxFit.degenerate(status, robustUsed, data.subjects, data.events);
    }
    return new Fitter(data, options.ties() == Ties.EFRON).run(options, robustUsed);
  }

  private static void validate(
      double[] time, int[] event, double[] x, long[] stratum, double[] weight) {
    if (time == null || event == null || x == null) {
      throw new IllegalArgumentException("time, event and x must not be null");
    }
    int n = time.length;
    if (event.length != n
        || x.length != n
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
      if (!Double.isFinite(x[i])) {
        throw new IllegalArgumentException("x[" + i + "] must be finite: " + x[i]);
      }
      if (weight != null && (!(weight[i] >= 0) || Double.isInfinite(weight[i]))) {
        throw new IllegalArgumentException(
            "weight[" + i + "] must be finite and >= 0: " + weight[i]);
      }
    }
  }

  /**
   * The rows that matter, sorted by stratum and ascending time, with x centred (as coxph does, for
   * numerical stability; the partial likelihood does not change).
   */
  private static final class Data {
    int subjects;
    int events;
    boolean noVariation;
    boolean noEventsInOneArm;
    boolean anyInformative;
    boolean boundedAbove;
    boolean boundedBelow;

    // Rows of strata that have at least one event, in (stratum, time) order.
    double[] x;
    double[] w;
    boolean[] dead;
    // Rows groupStart[g] .. groupStart[g+1]-1 share stratum and time; groups
    // stratumStart[s] .. stratumStart[s+1]-1 belong to stratum s.
    int[] groupStart;
    int[] stratumStart;

    static Data prepare(double[] time, int[] event, double[] x, long[] stratum, double[] weight) {
      Data d = new Data();
      int n = time.length;
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
      double sumWx = 0;
      for (int i = 0; i < n; i++) {
        double wi = weight == null ? 1.0 : weight[i];
        if (wi == 0) {
          continue;
        }
        d.subjects++;
        xMin = Math.min(xMin, x[i]);
        xMax = Math.max(xMax, x[i]);
        binary &= x[i] == 0 || x[i] == 1;
        if (event[i] == 1) {
          d.events++;
          if (x[i] == 0) {
            eventsAtZero++;
          } else {
            eventsAtOne++;
          }
        }
        sumW += wi;
        sumWx += wi * x[i];
      }
      d.noVariation = d.subjects == 0 || xMin == xMax;
      d.noEventsInOneArm = binary && (eventsAtZero == 0 || eventsAtOne == 0);
      if (d.events == 0 || d.noVariation || d.noEventsInOneArm) {
        return d;
      }
      double mean = sumWx / sumW;

      int[] order = Sorting.orderByStratumThenTime(t, stratum);

      // One pass over strata in sorted order: keep the strata with an event, and while at it check
      // whether the MLE is finite. Walking a stratum backwards in time, the risk set of an event is
      // every row seen so far, so its min and max x are running extremes. The score at beta -> +inf
      // is sum over events of w * (x - max x of the risk set), negative iff some event has an x
      // below its risk-set maximum (for Breslow and Efron alike); symmetrically at -inf.
      double[] xs = new double[d.subjects];
      double[] ws = new double[d.subjects];
      boolean[] deads = new boolean[d.subjects];
      int[] groupStart = new int[d.subjects + 1];
      int[] stratumStart = new int[d.subjects + 1];
      int rows = 0;
      int groups = 0;
      int strata = 0;
      int pos = 0;
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
        int k = end - 1;
        while (k >= pos) {
          double tk = t[order[k]];
          int groupEnd = k;
          while (k >= pos && t[order[k]] == tk) {
            int row = order[k];
            if (weight == null || weight[row] > 0) {
              runMax = Math.max(runMax, x[row]);
              runMin = Math.min(runMin, x[row]);
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
              d.boundedAbove |= x[row] < runMax;
              d.boundedBelow |= x[row] > runMin;
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
            xs[rows] = x[row] - mean;
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

    CoxFit.Status degenerateStatus() {
      if (events == 0) {
        return CoxFit.Status.NO_EVENTS;
      }
      if (noVariation) {
        return CoxFit.Status.NO_VARIATION;
      }
      if (noEventsInOneArm) {
        return CoxFit.Status.NO_EVENTS_IN_ONE_ARM;
      }
      if (!anyInformative) {
        return CoxFit.Status.NO_INFORMATIVE_EVENTS;
      }
      if (!boundedAbove || !boundedBelow) {
        return CoxFit.Status.MONOTONE_LIKELIHOOD;
      }
      return null;
    }
  }

  /** Newton-Raphson on the partial likelihood, following coxph's coxfit6 control flow. */
  private static final class Fitter {
    private final Data d;
    private final boolean efron;
    // Outputs of the last evaluate() call.
    private double logLik;
    private double score;
    private double information;

    Fitter(Data d, boolean efron) {
      this.d = d;
      this.efron = efron;
    }

    CoxFit run(Options options, boolean robustUsed) {
      double beta = 0;
      double logLikNull = evaluate(beta);
      double best = logLikNull;
      double newBeta = beta + score / information;
      int halving = 0;
      int iterations = 0;
      boolean converged = false;
      for (int iter = 1; iter <= options.maxIterations(); iter++) {
        iterations = iter;
        double newLogLik = evaluate(newBeta);
        boolean finite =
            Double.isFinite(newLogLik) && Double.isFinite(score) && Double.isFinite(information);
        if (finite && Math.abs(1 - best / newLogLik) <= options.epsilon()) {
          beta = newBeta;
          converged = true;
          break;
        }
        if (!finite || newLogLik < best) {
          // Not improving: move back towards the last good beta, more aggressively each time.
          halving++;
          newBeta = (newBeta + halving * beta) / (halving + 1.0);
        } else {
          halving = 0;
          best = newLogLik;
          beta = newBeta;
          newBeta = newBeta + score / information;
        }
      }
      if (!converged) {
        // As coxph: report the last accepted beta, with its information.
        evaluate(beta);
      }
      double finalLogLik = logLik;
      double variance = 1 / information;
      double robustVariance = robustVariance(beta, variance);
      double se = Math.sqrt(variance);
      double robustSe = Math.sqrt(robustVariance);
      double seUsed = robustUsed ? robustSe : se;
      double z = beta / seUsed;
      return new CoxFit(
          converged ? CoxFit.Status.OK : CoxFit.Status.NOT_CONVERGED,
          beta,
          se,
          robustSe,
          robustUsed,
          Math.exp(beta),
          Math.exp(beta - Z_975 * seUsed),
          Math.exp(beta + Z_975 * seUsed),
          2 * STANDARD_NORMAL.survivalProbability(Math.abs(z)),
          STANDARD_NORMAL.survivalProbability(z),
          STANDARD_NORMAL.cumulativeProbability(z),
          logLikNull,
          finalLogLik,
          finalLogLik - logLikNull,
          iterations,
          converged,
          d.subjects,
          d.events);
    }

    /**
     * Log partial likelihood, score and information at beta. Each stratum is walked backwards in
     * time so that the risk-set sums (denominator, first and second moments of x) are running sums.
     */
    double evaluate(double beta) {
      double[] x = d.x;
      double[] w = d.w;
      boolean[] dead = d.dead;
      int[] gs = d.groupStart;
      double ll = 0;
      double u = 0;
      double info = 0;
      for (int s = 0; s + 1 < d.stratumStart.length; s++) {
        double denom = 0;
        double sx = 0;
        double sxx = 0;
        for (int g = d.stratumStart[s + 1] - 1; g >= d.stratumStart[s]; g--) {
          int nDead = 0;
          double deadW = 0;
          double dDenom = 0;
          double dSx = 0;
          double dSxx = 0;
          for (int i = gs[g]; i < gs[g + 1]; i++) {
            double risk = w[i] * Math.exp(beta * x[i]);
            if (dead[i]) {
              nDead++;
              deadW += w[i];
              dDenom += risk;
              dSx += risk * x[i];
              dSxx += risk * x[i] * x[i];
              ll += w[i] * beta * x[i];
              u += w[i] * x[i];
            } else {
              denom += risk;
              sx += risk * x[i];
              sxx += risk * x[i] * x[i];
            }
          }
          if (nDead == 0) {
            continue;
          }
          if (!efron || nDead == 1) {
            denom += dDenom;
            sx += dSx;
            sxx += dSxx;
            double mean = sx / denom;
            ll -= deadW * Math.log(denom);
            u -= deadW * mean;
            info += deadW * (sxx / denom - mean * mean);
          } else {
            // Efron: the k-th of the tied deaths sees the risk set with a fraction k/nDead of the
            // tied deaths' risk removed; each term carries the mean weight of the tied deaths.
            double meanW = deadW / nDead;
            for (int k = 0; k < nDead; k++) {
              denom += dDenom / nDead;
              sx += dSx / nDead;
              sxx += dSxx / nDead;
              double mean = sx / denom;
              ll -= meanW * Math.log(denom);
              u -= meanW * mean;
              info += meanW * (sxx / denom - mean * mean);
            }
          }
        }
      }
      logLik = ll;
      score = u;
      information = info;
      return ll;
    }

    /**
     * Robust variance V * (sum_i (w_i L_i)^2) * V with V = 1 / information and L_i the score
     * residual of row i (coxph: {@code crossprod(residuals(fit, "dfbeta", weighted = TRUE))}).
     *
     * <p>L_i = dead_i (x_i - xbar(t_i)) - r_i sum_{event times t_j <= t_i} dLambda_j (x_i -
     * xbar_j), with r_i = exp(beta x_i). R's coxscore2 loops over the risk set of every event time
     * (quadratic); here the sum is split into x_i * H(t) - G(t) with cumulative H = sum dLambda and
     * G = sum dLambda * xbar, so a backward pass computes the per-time increments and a forward
     * pass accumulates them. Under Efron, a row that dies at a tied time gets only the fractions of
     * the tied-time terms that it was still "at risk" for, and the mean of the tied-time means.
     */
    double robustVariance(double beta, double variance) {
      double[] x = d.x;
      double[] w = d.w;
      boolean[] dead = d.dead;
      int[] gs = d.groupStart;
      int groups = gs.length - 1;
      double[] dH = new double[groups];
      double[] dG = new double[groups];
      double[] deadMean = new double[groups];
      double[] deadH = new double[groups];
      double[] deadG = new double[groups];
      double sum = 0;
      for (int s = 0; s + 1 < d.stratumStart.length; s++) {
        int first = d.stratumStart[s];
        int last = d.stratumStart[s + 1] - 1;
        double denom = 0;
        double sx = 0;
        for (int g = last; g >= first; g--) {
          int nDead = 0;
          double deadW = 0;
          double dDenom = 0;
          double dSx = 0;
          for (int i = gs[g]; i < gs[g + 1]; i++) {
            double risk = w[i] * Math.exp(beta * x[i]);
            denom += risk;
            sx += risk * x[i];
            if (dead[i]) {
              nDead++;
              deadW += w[i];
              dDenom += risk;
              dSx += risk * x[i];
            }
          }
          if (nDead == 0) {
            continue;
          }
          if (!efron || nDead == 1) {
            double hazard = deadW / denom;
            double mean = sx / denom;
            dH[g] = hazard;
            dG[g] = hazard * mean;
            deadMean[g] = mean;
            deadH[g] = hazard;
            deadG[g] = hazard * mean;
          } else {
            double meanW = deadW / nDead;
            double h = 0;
            double gsum = 0;
            double meanSum = 0;
            double hDead = 0;
            double gDead = 0;
            for (int k = 0; k < nDead; k++) {
              double frac = (double) k / nDead;
              double den = denom - frac * dDenom;
              double hazard = meanW / den;
              double mean = (sx - frac * dSx) / den;
              h += hazard;
              gsum += hazard * mean;
              meanSum += mean;
              hDead += hazard * (1 - frac);
              gDead += hazard * (1 - frac) * mean;
            }
            dH[g] = h;
            dG[g] = gsum;
            deadMean[g] = meanSum / nDead;
            deadH[g] = hDead;
            deadG[g] = gDead;
          }
        }
        double cumH = 0;
        double cumG = 0;
        for (int g = first; g <= last; g++) {
          for (int i = gs[g]; i < gs[g + 1]; i++) {
            double r = Math.exp(beta * x[i]);
            double resid;
            if (dead[i]) {
              resid = (x[i] - deadMean[g]) - r * (x[i] * (cumH + deadH[g]) - (cumG + deadG[g]));
            } else {
              resid = -r * (x[i] * (cumH + dH[g]) - (cumG + dG[g]));
            }
            double wr = w[i] * resid;
            sum += wr * wr;
          }
          cumH += dH[g];
          cumG += dG[g];
        }
      }
      return variance * sum * variance;
    }
  }
}
