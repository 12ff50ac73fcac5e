package org.rwe.stats;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * Kaplan-Meier (product-limit) survival curve for one arm, optionally weighted, matching R's {@code
 * survfit(Surv(time, event) ~ 1)} with its defaults: one row per distinct time (event or censoring
 * time), {@code timefix = TRUE}, 95% intervals with {@code conf.type = "log"} (upper limit capped
 * at 1).
 *
 * <p>Standard errors:
 *
 * <ul>
 *   <li>{@link Variance#GREENWOOD}: Greenwood's formula on (weighted) counts; survfit's choice when
 *       unweighted or weighted with integer weights.
 *   <li>{@link Variance#ROBUST}: the infinitesimal-jackknife variance survfit switches to by
 *       default when weights are fractional (e.g. IPTW), each row its own cluster. Greenwood on
 *       weighted counts treats weights as frequencies and is too small for such weights.
 * </ul>
 *
 * <p>Where the curve reaches 0, the interval is undefined (NaN), the Greenwood SE is NaN and the
 * robust SE is 0, as in survfit.
 */
public final class KaplanMeier {

  /** Standard error of the survival estimate. */
  public enum Variance {
    GREENWOOD,
    ROBUST
  }

  /**
   * One row per distinct time, as survfit.
   *
   * @param time the (distinct) time
   * @param nAtRisk (weighted) number with time &gt;= this time
   * @param nEvents (weighted) number of events at this time
   * @param nCensored (weighted) number censored at this time
   * @param survival S(time), right-continuous
   * @param se standard error of S(time) (summary.survfit's {@code std.err})
   * @param lower95 lower 95% limit, log transform
   * @param upper95 upper 95% limit, log transform, at most 1
   */
  public record Row(
      double time,
      double nAtRisk,
      double nEvents,
      double nCensored,
      double survival,
      double se,
      double lower95,
      double upper95) {}

  /**
   * Survival at a chosen time, e.g. a 365-day horizon for a risk difference (1 - survival is the
   * cumulative incidence).
   *
   * @param time the horizon asked for
   * @param survival S(time)
   * @param se standard error of S(time)
   * @param lower95 lower 95% limit
   * @param upper95 upper 95% limit
   */
  public record Estimate(double time, double survival, double se, double lower95, double upper95) {}

  private static final double Z_975 =
      NormalDistribution.of(0, 1).inverseCumulativeProbability(0.975);

  private final List<Row> rows;
  private final Variance variance;

  private KaplanMeier(List<Row> rows, Variance variance) {
    this.rows = rows;
    this.variance = variance;
  }

  /** Unweighted curve, Greenwood SE. */
  public static KaplanMeier fit(double[] time, int[] event) {
    return fit(time, event, null, Variance.GREENWOOD);
  }

  /**
   * Curve with survfit's default variance for the data: Greenwood when {@code weight} is null,
   * robust otherwise (for fractional weights that is what survfit does; for frequency weights ask
   * for Greenwood explicitly).
   */
  public static KaplanMeier fit(double[] time, int[] event, double[] weight) {
    return fit(time, event, weight, weight == null ? Variance.GREENWOOD : Variance.ROBUST);
  }

  /**
   * Curve with an explicit variance.
   *
   * @param time follow-up time per row, finite and &gt;= 0
   * @param event 1 for the outcome at {@code time}, 0 for censoring
   * @param weight non-negative weight per row, or null
   * @param variance which standard error to report
   */
  public static KaplanMeier fit(double[] time, int[] event, double[] weight, Variance variance) {
    validate(time, event, weight);
    if (variance == null) {
      throw new IllegalArgumentException("variance must not be null");
    }
    int n = time.length;
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      t[i] = time[i] + 0.0; // -0.0 -> 0.0
    }
    t = TimeFix.apply(t);
    int[] order = Sorting.orderByTime(t);

    // Distinct times and their (weighted) event and censoring counts.
    int[] groupStart = new int[n + 1];
    double[] dead = new double[n];
    double[] censored = new double[n];
    double[] groupW2 = new double[n];
    int groups = 0;
    for (int pos = 0; pos < n; pos++) {
      int row = order[pos];
      if (pos == 0 || t[row] != t[order[pos - 1]]) {
        groupStart[groups++] = pos;
      }
      double wi = weight == null ? 1.0 : weight[row];
      if (event[row] == 1) {
        dead[groups - 1] += wi;
      } else {
        censored[groups - 1] += wi;
      }
      groupW2[groups - 1] += wi * wi;
    }
    groupStart[groups] = n;
    // Numbers at risk summed from the last time backwards (as survfit), so that the last risk set
    // is exactly the weight of its own rows and S reaches exactly 0 when everybody dies.
    double[] atRisk = new double[groups];
    double[] atRiskW2 = new double[groups]; // sum of w^2 over rows with time > this one
    double runW = 0;
    double runW2 = 0;
    for (int g = groups - 1; g >= 0; g--) {
      atRiskW2[g] = runW2;
      runW += dead[g] + censored[g];
      runW2 += groupW2[g];
      atRisk[g] = runW;
    }

    List<Row> out = new ArrayList<>(groups);
    double survival = 1;
    double greenwood = 0; // sum of d / (Y (Y - d)); also C(t) of the robust variance
    double leftTerms = 0; // robust: sum over rows that left of (w * influence / S)^2
    for (int g = 0; g < groups; g++) {
      double y = atRisk[g];
      double d = dead[g];
      if (d > 0) {
        survival *= (y - d) / y;
        greenwood += d / (y * (y - d));
      }
      double se;
      double seLog; // standard error of log S, for the interval
      if (variance == Variance.GREENWOOD) {
        seLog = Math.sqrt(greenwood);
        se = survival * seLog; // 0 * inf = NaN where S reaches 0, as summary.survfit
      } else {
        // Influence of row i on S(t), divided by -S(t): dead_i / (Y - d) at its own time minus
        // C(min(t, T_i)). Rows still at risk after t share -C(t); rows that left keep their term.
        for (int j = groupStart[g]; j < groupStart[g + 1]; j++) {
          int row = order[j];
          double wi = weight == null ? 1.0 : weight[row];
          double term = (event[row] == 1 ? 1 / (y - d) : 0) - greenwood;
          leftTerms += wi * wi * term * term;
        }
        double sum = leftTerms + greenwood * greenwood * atRiskW2[g];
        se = survival == 0 ? 0 : survival * Math.sqrt(sum);
        seLog = survival == 0 ? Double.NaN : se / survival;
      }
      double lower = Double.NaN;
      double upper = Double.NaN;
      if (survival > 0) {
        lower = Math.exp(Math.log(survival) - Z_975 * seLog);
        upper = Math.min(1, Math.exp(Math.log(survival) + Z_975 * seLog));
      }
      out.add(new Row(t[order[groupStart[g]]], y, d, censored[g], survival, se, lower, upper));
    }
    return new KaplanMeier(Collections.unmodifiableList(out), variance);
  }

  private static void validate(double[] time, int[] event, double[] weight) {
    if (time == null || event == null) {
      throw new IllegalArgumentException("time and event must not be null");
    }
    int n = time.length;
    if (event.length != n || (weight != null && weight.length != n)) {
      throw new IllegalArgumentException("all arrays must have the same length " + n);
    }
    for (int i = 0; i < n; i++) {
      if (!(time[i] >= 0) || Double.isInfinite(time[i])) {
        throw new IllegalArgumentException("time[" + i + "] must be finite and >= 0: " + time[i]);
      }
      if (event[i] != 0 && event[i] != 1) {
        throw new IllegalArgumentException("event[" + i + "] must be 0 or 1: " + event[i]);
      }
      if (weight != null && (!(weight[i] >= 0) || Double.isInfinite(weight[i]))) {
        throw new IllegalArgumentException(
            "weight[" + i + "] must be finite and >= 0: " + weight[i]);
      }
    }
  }

  /** The curve, one row per distinct time in ascending order. */
  public List<Row> rows() {
    return rows;
  }

  /** The variance the standard errors use. */
  public Variance variance() {
    return variance;
  }

  /**
   * Survival at {@code horizon}: the row of the last time &lt;= horizon (the curve is a
   * right-continuous step function). Before the first time, S = 1 with SE 0. After the last time
   * the last row is carried forward, as {@code summary(fit, times = horizon, extend = TRUE)}; note
   * that this is an extrapolation when the last row is a censoring.
   */
  public Estimate at(double horizon) {
    if (Double.isNaN(horizon)) {
      throw new IllegalArgumentException("horizon must not be NaN");
    }
    int lo = 0;
    int hi = rows.size() - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (rows.get(mid).time() <= horizon) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) {
      return new Estimate(horizon, 1, 0, 1, 1);
    }
    Row r = rows.get(found);
    return new Estimate(horizon, r.survival(), r.se(), r.lower95(), r.upper95());
  }
}
