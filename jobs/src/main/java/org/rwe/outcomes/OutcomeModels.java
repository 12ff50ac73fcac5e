package org.rwe.outcomes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rwe.config.AnalysisSettings;
import org.rwe.stats.CoxFit;
import org.rwe.stats.CoxModel;
import org.rwe.stats.KaplanMeier;
import org.rwe.stats.PoissonRate;

/**
 * The outcome analysis of one analysis and outcome on its study population, as CohortMethod's
 * {@code fitOutcomeModel}: Cox on survival time with the treatment as the only covariate,
 * stratified by matched set or PS stratum when the analysis says so, weighted (robust SE) for IPTW;
 * plus counts, incidence rates, follow-up and Kaplan-Meier per arm. Pure: subjects in, numbers out.
 */
public final class OutcomeModels {
  private OutcomeModels() {}

  /** One subject of a population. */
  public record Subject(
      int treatment,
      Long stratumId,
      double weight,
      long timeAtRisk,
      long survivalTime,
      boolean event) {}

  /** Counts of one arm. */
  public record Arm(long subjects, long days, long outcomes) {
    public PoissonRate rate() {
      return PoissonRate.of(outcomes, days);
    }
  }

  public record Estimate(Arm target, Arm comparator, CoxFit fit) {}

  public static Estimate estimate(AnalysisSettings a, List<Subject> subjects) {
    int n = subjects.size();
    double[] time = new double[n];
    int[] event = new int[n];
    double[] x = new double[n];
    long[] stratum = a.stratified() ? new long[n] : null;
    double[] weight = a.weighted() ? new double[n] : null;
    long[] t = new long[3];
    long[] c = new long[3];
    for (int i = 0; i < n; i++) {
      Subject s = subjects.get(i);
      time[i] = s.survivalTime();
      event[i] = s.event() ? 1 : 0;
      x[i] = s.treatment();
      if (stratum != null) {
        stratum[i] = s.stratumId();
      }
      if (weight != null) {
        weight[i] = s.weight();
      }
      long[] arm = s.treatment() == 1 ? t : c;
      arm[0]++;
      arm[1] += s.timeAtRisk();
      arm[2] += event[i];
    }
    CoxModel.Options options =
        CoxModel.Options.defaults()
            .withTies(a.ties().equals("breslow") ? CoxModel.Ties.BRESLOW : CoxModel.Ties.EFRON);
    CoxFit fit = CoxModel.fit(time, event, x, stratum, weight, options);
    return new Estimate(new Arm(t[0], t[1], t[2]), new Arm(c[0], c[1], c[2]), fit);
  }

  /** R's quantile type 7 of the days at risk of one arm: min, p10, p25, median, p75, p90, max. */
  public static double[] followUp(List<Subject> subjects, int treatment) {
    double[] days =
        subjects.stream()
            .filter(s -> s.treatment() == treatment)
            .mapToDouble(Subject::timeAtRisk)
            .sorted()
            .toArray();
    double[] probs = {0, 0.1, 0.25, 0.5, 0.75, 0.9, 1};
    double[] out = new double[probs.length];
    for (int i = 0; i < probs.length; i++) {
      out[i] = quantile7(days, probs[i]);
    }
    return out;
  }

  static double quantile7(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    double h = (sorted.length - 1) * p;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  /** Kaplan-Meier of one arm (weighted when the analysis weighs subjects). */
  public static KaplanMeier kaplanMeier(AnalysisSettings a, List<Subject> subjects, int treatment) {
    List<Subject> arm = subjects.stream().filter(s -> s.treatment() == treatment).toList();
    double[] time = arm.stream().mapToDouble(Subject::survivalTime).toArray();
    int[] event = arm.stream().mapToInt(s -> s.event() ? 1 : 0).toArray();
    boolean weighted = arm.stream().anyMatch(s -> s.weight() != 1.0);
    double[] weight = weighted ? arm.stream().mapToDouble(Subject::weight).toArray() : null;
    return KaplanMeier.fit(time, event, weight);
  }

  /** One row of the Kaplan-Meier table: both arms at one day. */
  public record KmPoint(
      int day,
      double targetSurvival,
      double targetLb,
      double targetUb,
      double comparatorSurvival,
      double comparatorLb,
      double comparatorUb,
      long targetAtRisk,
      long comparatorAtRisk) {}

  /**
   * Both arms on the union of their event and censoring days, each carried forward, with the
   * (unweighted) number of subjects still at risk at that day.
   */
  public static List<KmPoint> kaplanMeierTable(AnalysisSettings a, List<Subject> subjects) {
    KaplanMeier t = kaplanMeier(a, subjects, 1);
    KaplanMeier c = kaplanMeier(a, subjects, 0);
    long[] tTimes = times(subjects, 1);
    long[] cTimes = times(subjects, 0);
    java.util.TreeSet<Integer> days = new java.util.TreeSet<>();
    days.add(0);
    t.rows().forEach(r -> days.add((int) r.time()));
    c.rows().forEach(r -> days.add((int) r.time()));
    List<KmPoint> out = new ArrayList<>();
    for (int day : days) {
      KaplanMeier.Estimate te = day == 0 ? null : t.at(day);
      KaplanMeier.Estimate ce = day == 0 ? null : c.at(day);
      out.add(
          new KmPoint(
              day,
              te == null ? 1 : te.survival(),
              te == null ? 1 : te.lower95(),
              te == null ? 1 : te.upper95(),
              ce == null ? 1 : ce.survival(),
              ce == null ? 1 : ce.lower95(),
              ce == null ? 1 : ce.upper95(),
              atRisk(tTimes, day),
              atRisk(cTimes, day)));
    }
    return out;
  }

  private static long[] times(List<Subject> subjects, int treatment) {
    return subjects.stream()
        .filter(s -> s.treatment() == treatment)
        .mapToLong(Subject::survivalTime)
        .sorted()
        .toArray();
  }

  /** Subjects whose time is at least the day (still at risk at its start). */
  static long atRisk(long[] sortedTimes, long day) {
    int idx = Arrays.binarySearch(sortedTimes, day);
    if (idx < 0) {
      return sortedTimes.length - (-idx - 1);
    }
    while (idx > 0 && sortedTimes[idx - 1] == day) {
      idx--;
    }
    return sortedTimes.length - idx;
  }
}
