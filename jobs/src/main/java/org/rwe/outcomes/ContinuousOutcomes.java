package org.rwe.outcomes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.statistics.distribution.NormalDistribution;
import org.apache.commons.statistics.distribution.TDistribution;

/**
 * Mean differences of a continuous outcome (e.g. the change in PHQ-9), target minus comparator.
 * Within 1:1 matched pairs the difference is paired (Student t on the pair differences, pairs with
 * both values only); otherwise it is the difference of (weighted) arm means with a
 * heteroscedasticity-robust (HC0) standard error and a normal interval.
 */
public final class ContinuousOutcomes {
  private ContinuousOutcomes() {}

  public record Subject(int treatment, Long stratumId, double weight, double value)
      implements java.io.Serializable {}

  public record Result(
      String method,
      long targetSubjects,
      long comparatorSubjects,
      double targetMean,
      double comparatorMean,
      double meanDifference,
      double ci95Lb,
      double ci95Ub,
      double p)
      implements java.io.Serializable {}

  public static Result paired(List<Subject> subjects) {
    Map<Long, double[]> pairs = new HashMap<>();
    for (Subject s : subjects) {
      double[] pair =
          pairs.computeIfAbsent(s.stratumId(), k -> new double[] {Double.NaN, Double.NaN});
      pair[s.treatment() == 1 ? 0 : 1] = s.value();
    }
    List<double[]> complete = new ArrayList<>();
    for (double[] p : pairs.values()) {
      if (!Double.isNaN(p[0]) && !Double.isNaN(p[1])) {
        complete.add(p);
      }
    }
    int n = complete.size();
    if (n < 2) {
      return empty("paired", n);
    }
    double mt = 0;
    double mc = 0;
    double md = 0;
    for (double[] p : complete) {
      mt += p[0];
      mc += p[1];
      md += p[0] - p[1];
    }
    mt /= n;
    mc /= n;
    md /= n;
    double ss = 0;
    for (double[] p : complete) {
      double d = p[0] - p[1] - md;
      ss += d * d;
    }
    double se = Math.sqrt(ss / (n - 1) / n);
    TDistribution t = TDistribution.of(n - 1);
    double q = t.inverseSurvivalProbability(0.025);
    double p = se > 0 ? 2 * t.survivalProbability(Math.abs(md / se)) : Double.NaN;
    return new Result("paired", n, n, mt, mc, md, md - q * se, md + q * se, p);
  }

  public static Result weighted(List<Subject> subjects) {
    double[] sw = new double[2];
    double[] swy = new double[2];
    long[] n = new long[2];
    for (Subject s : subjects) {
      int arm = s.treatment();
      sw[arm] += s.weight();
      swy[arm] += s.weight() * s.value();
      n[arm]++;
    }
    if (n[0] < 2 || n[1] < 2 || sw[0] <= 0 || sw[1] <= 0) {
      return empty("weighted", Math.min(n[0], n[1]));
    }
    double[] mean = {swy[0] / sw[0], swy[1] / sw[1]};
    double[] var = new double[2];
    for (Subject s : subjects) {
      int arm = s.treatment();
      double r = s.value() - mean[arm];
      var[arm] += s.weight() * s.weight() * r * r;
    }
    double se = Math.sqrt(var[1] / (sw[1] * sw[1]) + var[0] / (sw[0] * sw[0]));
    double md = mean[1] - mean[0];
    NormalDistribution z = NormalDistribution.of(0, 1);
    double q = z.inverseSurvivalProbability(0.025);
    double p = se > 0 ? 2 * z.survivalProbability(Math.abs(md / se)) : Double.NaN;
    return new Result("weighted", n[1], n[0], mean[1], mean[0], md, md - q * se, md + q * se, p);
  }

  private static Result empty(String method, long n) {
    return new Result(
        method, n, n, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
  }
}
