package org.rwe.outcomes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rwe.config.AnalysisSettings;
import org.rwe.stats.CoxModel;
import org.rwe.stats.Effect;
import org.rwe.stats.GlmOptions;
import org.rwe.stats.KaplanMeier;
import org.rwe.stats.LogisticModel;
import org.rwe.stats.PoissonModel;
import org.rwe.stats.PoissonRate;
import org.rwe.stats.RegressionFit;

/**
 * The outcome analysis of one analysis and outcome on its study population, as CohortMethod's
 * {@code fitOutcomeModel}: the analysis's model type (Cox on survival time, Poisson on outcome
 * counts with log days at risk as offset, or logistic on having the outcome) with the treatment as
 * the only covariate, stratified by matched set or PS stratum when the analysis says so (then
 * conditional Poisson or conditional logistic regression), weighted (robust SE) for IPTW; subgroup
 * interaction models; plus counts, incidence rates, follow-up and Kaplan-Meier per arm. Pure:
 * subjects in, numbers out.
 */
public final class OutcomeModels {
  private OutcomeModels() {}

  /**
   * One subject of a population.
   *
   * @param subgroups bit k set when the subject belongs to the study's k-th subgroup (see {@link
   *     org.rwe.config.StudySettings#subgroups()})
   */
  public record Subject(
      int treatment,
      Long stratumId,
      double weight,
      long timeAtRisk,
      long survivalTime,
      long outcomeCount,
      long subgroups)
      implements java.io.Serializable {

    public boolean event() {
      return outcomeCount > 0;
    }

    public boolean inSubgroup(int index) {
      return (subgroups & (1L << index)) != 0;
    }
  }

  /** Counts of one arm. */
  public record Arm(long subjects, long days, long outcomes) implements java.io.Serializable {
    public PoissonRate rate() {
      return PoissonRate.of(outcomes, days);
    }
  }

  /** The treatment effect (hazard, rate or odds ratio) and the counts of both arms. */
  public record Estimate(Arm target, Arm comparator, Effect effect)
      implements java.io.Serializable {}

  public static Estimate estimate(AnalysisSettings a, List<Subject> subjects) {
    double[] x = subjects.stream().mapToDouble(Subject::treatment).toArray();
    RegressionFit fit = fit(a, subjects, new double[][] {x});
    boolean cox = a.modelType().equals("cox");
    return new Estimate(arm(subjects, 1, cox), arm(subjects, 0, cox), fit.effect(0));
  }

  /**
   * The subgroup interaction of one analysis and outcome: the analysis's model with treatment,
   * subgroup and treatment x subgroup, stratified and weighted as the main model. The effect is the
   * interaction term, exp of which is the ratio of the subgroup's relative risk to the rest's
   * (CohortMethod's {@code interactionCovariateIds}). Counts are those of the subgroup's members.
   *
   * @param subgroup index of the subgroup in the study's list (the bit of {@link
   *     Subject#subgroups()})
   */
  public static Estimate interaction(AnalysisSettings a, List<Subject> subjects, int subgroup) {
    int n = subjects.size();
    double[] x = new double[n];
    double[] g = new double[n];
    double[] xg = new double[n];
    for (int i = 0; i < n; i++) {
      Subject s = subjects.get(i);
      x[i] = s.treatment();
      g[i] = s.inSubgroup(subgroup) ? 1 : 0;
      xg[i] = x[i] * g[i];
    }
    RegressionFit fit = fit(a, subjects, new double[][] {x, g, xg});
    List<Subject> members = subjects.stream().filter(s -> s.inSubgroup(subgroup)).toList();
    boolean cox = a.modelType().equals("cox");
    return new Estimate(arm(members, 1, cox), arm(members, 0, cox), fit.effect(2));
  }

  /** The analysis's outcome model on the given covariates. */
  static RegressionFit fit(AnalysisSettings a, List<Subject> subjects, double[][] x) {
    int n = subjects.size();
    long[] stratum = a.stratified() ? new long[n] : null;
    double[] weight = a.weighted() ? new double[n] : null;
    for (int i = 0; i < n; i++) {
      Subject s = subjects.get(i);
      if (stratum != null) {
        stratum[i] = s.stratumId();
      }
      if (weight != null) {
        weight[i] = s.weight();
      }
    }
    return switch (a.modelType()) {
      case "poisson" ->
          PoissonModel.fit(
              subjects.stream().mapToLong(Subject::outcomeCount).toArray(),
              subjects.stream().mapToDouble(Subject::timeAtRisk).toArray(),
              x,
              stratum,
              weight,
              GlmOptions.defaults());
      case "logistic" ->
          LogisticModel.fit(
              subjects.stream().mapToInt(s -> s.event() ? 1 : 0).toArray(),
              x,
              stratum,
              weight,
              GlmOptions.defaults());
      case "cox" ->
          CoxModel.fit(
              subjects.stream().mapToDouble(Subject::survivalTime).toArray(),
              subjects.stream().mapToInt(s -> s.event() ? 1 : 0).toArray(),
              x,
              stratum,
              weight,
              CoxModel.Options.defaults()
                  .withTies(
                      a.ties().equals("breslow") ? CoxModel.Ties.BRESLOW : CoxModel.Ties.EFRON));
      default -> throw new IllegalArgumentException("unknown model type " + a.modelType());
    };
  }

  /**
   * An arm's subjects, days and outcomes as CohortMethod's fitOutcomeModel counts them: the days
   * are the time the model uses, survival time (to the first outcome, or the end of the risk
   * window) for Cox, the whole time at risk for Poisson and logistic models.
   */
  private static Arm arm(List<Subject> subjects, int treatment, boolean cox) {
    long count = 0;
    long days = 0;
    long outcomes = 0;
    for (Subject s : subjects) {
      if (s.treatment() == treatment) {
        count++;
        days += cox ? s.survivalTime() : s.timeAtRisk();
        outcomes += s.event() ? 1 : 0;
      }
    }
    return new Arm(count, days, outcomes);
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
      long comparatorAtRisk)
      implements java.io.Serializable {}

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
