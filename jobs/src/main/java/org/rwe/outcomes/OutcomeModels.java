package org.rwe.outcomes;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.rwe.config.AnalysisSettings;
import org.rwe.config.OutcomeDefinition;
import org.rwe.stats.CoxFit;
import org.rwe.stats.CoxModel;

/**
 * Fits the outcome model of one analysis and outcome on its study population, as CohortMethod's
 * {@code fitOutcomeModel}: Cox on survival time with the treatment as the only covariate,
 * stratified by matched set when the analysis says so.
 */
public final class OutcomeModels {
  private OutcomeModels() {}

  /** One subject of the population: arm, matched set, days at risk, survival time, event. */
  public record Subject(
      int treatment, Long stratumId, long timeAtRisk, long survivalTime, boolean event) {}

  /** A cohort_method_result row. */
  public static Row result(AnalysisSettings a, OutcomeDefinition o, List<Subject> subjects) {
    int n = subjects.size();
    double[] time = new double[n];
    int[] event = new int[n];
    double[] x = new double[n];
    long[] stratum = a.stratified() ? new long[n] : null;
    long targetSubjects = 0;
    long comparatorSubjects = 0;
    long targetDays = 0;
    long comparatorDays = 0;
    long targetOutcomes = 0;
    long comparatorOutcomes = 0;
    for (int i = 0; i < n; i++) {
      Subject s = subjects.get(i);
      time[i] = s.survivalTime();
      event[i] = s.event() ? 1 : 0;
      x[i] = s.treatment();
      if (stratum != null) {
        stratum[i] = s.stratumId();
      }
      if (s.treatment() == 1) {
        targetSubjects++;
        targetDays += s.timeAtRisk();
        targetOutcomes += event[i];
      } else {
        comparatorSubjects++;
        comparatorDays += s.timeAtRisk();
        comparatorOutcomes += event[i];
      }
    }
    CoxModel.Options options =
        CoxModel.Options.defaults()
            .withTies(a.ties().equals("breslow") ? CoxModel.Ties.BRESLOW : CoxModel.Ties.EFRON);
    CoxFit fit = CoxModel.fit(time, event, x, stratum, null, options);
    boolean ok = fit.isUsable();
    return RowFactory.create(
        a.analysisId(),
        o.outcomeId(),
        o.name(),
        o.negativeControl(),
        targetSubjects,
        comparatorSubjects,
        targetDays,
        comparatorDays,
        targetOutcomes,
        comparatorOutcomes,
        ok ? fit.hr() : null,
        ok ? fit.ci95Lb() : null,
        ok ? fit.ci95Ub() : null,
        ok ? fit.p() : null,
        ok ? fit.logHr() : null,
        ok ? fit.seUsed() : null,
        ok ? fit.llr() : null,
        fit.status().name(),
        // Calibrated estimates: not computed yet (empirical calibration on negative controls).
        null,
        null,
        null,
        null);
  }
}
