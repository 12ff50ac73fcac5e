package org.rwe.stats;

import java.util.Arrays;

/**
 * R survival's {@code timefix = TRUE} ({@code aeqSurv}): times that differ only by floating-point
 * noise are treated as tied.
 *
 * <p>Both {@code coxph} and {@code survfit} apply it by default, so the Java models apply it too;
 * otherwise a time computed as {@code 0.1 + 0.2} and one read as {@code 0.3} would form separate
 * risk sets here but one tie in R, and Efron/Breslow estimates and Kaplan-Meier rows would differ.
 * The rule, as in {@code aeqSurv}: sort the distinct finite times; two neighbours are tied when
 * their difference is at most {@code sqrt(machine epsilon)}, either absolutely or relative to the
 * mean absolute distinct time; each run of tied neighbours is replaced by its smallest member.
 */
final class TimeFix {

  /** {@code sqrt(.Machine$double.eps)} in R. */
  static final double TOLERANCE = Math.sqrt(Math.ulp(1.0));

  private TimeFix() {}

  /** Returns {@code time} itself when nothing is tied, otherwise a corrected copy. */
  static double[] apply(double[] time) {
    double[] sorted = time.clone();
    Arrays.sort(sorted);
    int distinct = Sorting.compactSorted(sorted);
    if (distinct < 2) {
      return time;
    }
    double meanAbs = 0;
    for (int i = 0; i < distinct; i++) {
      meanAbs += Math.abs(sorted[i]);
    }
    meanAbs /= distinct;
    double[] cuts = new double[distinct];
    int nCuts = 0;
    cuts[nCuts++] = sorted[0];
    boolean anyTied = false;
    for (int i = 1; i < distinct; i++) {
      double dy = sorted[i] - sorted[i - 1];
      boolean tied = dy <= TOLERANCE || dy / meanAbs <= TOLERANCE;
      if (tied) {
        anyTied = true;
      } else {
        cuts[nCuts++] = sorted[i];
      }
    }
    if (!anyTied) {
      return time;
    }
    double[] fixed = new double[time.length];
    for (int i = 0; i < time.length; i++) {
      int pos = Arrays.binarySearch(cuts, 0, nCuts, time[i]);
      // Not a cut itself: take the largest cut below it (R's findInterval).
      fixed[i] = pos >= 0 ? cuts[pos] : cuts[-pos - 2];
    }
    return fixed;
  }
}
