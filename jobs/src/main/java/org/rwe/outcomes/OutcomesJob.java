package org.rwe.outcomes;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.rwe.config.AnalysisSettings;
import org.rwe.config.DiagnosticsSettings;
import org.rwe.config.OutcomeDefinition;
import org.rwe.results.ResultTable;
import org.rwe.results.ResultsSchema;
import org.rwe.run.DiagnosticsException;
import org.rwe.run.RunContext;
import org.rwe.run.Stage;
import org.rwe.stats.CoxFit;
import org.rwe.stats.EmpiricalCalibration;
import org.rwe.stats.KaplanMeier;
import org.rwe.stats.PoissonRate;
import org.rwe.stats.Power;

/**
 * The outcomes job: per analysis and outcome, the outcome model, incidence rates, follow-up,
 * Kaplan-Meier and absolute risk; per analysis, the empirical null from the negative controls and
 * the calibrated estimates; the study diagnostics; and the analysis definitions.
 *
 * <p>Bound: populations are read to the driver one after another in (analysis, outcome) order,
 * about 40 bytes per subject each.
 */
public final class OutcomesJob {
  private OutcomesJob() {}

  public static Map<String, Long> run(RunContext ctx) {
    ctx.jobGroup(Stage.OUTCOMES, "outcome models");
    Map<String, List<OutcomeModels.Subject>> byKey = populations(ctx);
    List<AnalysisSettings> analyses = ctx.settings().analyses();
    // Continuous outcomes (changes in a measured value) are compared as mean differences below;
    // everything else here is about time to event.
    List<OutcomeDefinition> outcomes =
        ctx.settings().outcomes().stream().filter(o -> !o.continuous()).toList();
    DiagnosticsSettings d = ctx.settings().diagnostics();
    int horizon = ctx.settings().absoluteRiskHorizonDays();

    Map<String, OutcomeModels.Estimate> estimates = new LinkedHashMap<>();
    for (AnalysisSettings a : analyses) {
      for (OutcomeDefinition o : outcomes) {
        estimates.put(
            key(a, o), OutcomeModels.estimate(a, byKey.getOrDefault(key(a, o), List.of())));
      }
    }
    // The empirical null of each analysis, from its negative controls.
    Map<Integer, EmpiricalCalibration.Null> nulls = new HashMap<>();
    for (AnalysisSettings a : analyses) {
      List<Double> logRr = new ArrayList<>();
      List<Double> se = new ArrayList<>();
      for (OutcomeDefinition o : outcomes) {
        CoxFit f = estimates.get(key(a, o)).fit();
        if (o.negativeControl() && f.isUsable()) {
          logRr.add(f.logHr());
          se.add(f.seUsed());
        }
      }
      if (logRr.size() >= d.minNegativeControls()) {
        nulls.put(
            a.analysisId(),
            EmpiricalCalibration.fitNull(
                logRr.stream().mapToDouble(Double::doubleValue).toArray(),
                se.stream().mapToDouble(Double::doubleValue).toArray()));
      } else if (outcomes.stream().anyMatch(OutcomeDefinition::negativeControl)) {
        ctx.warn(
            "analysis "
                + a.analysisId()
                + ": "
                + logRr.size()
                + " negative controls with an estimate, fewer than"
                + " diagnostics.minNegativeControls = "
                + d.minNegativeControls()
                + ": no calibration");
      }
    }

    List<Row> results = new ArrayList<>();
    List<Row> rates = new ArrayList<>();
    List<Row> followUp = new ArrayList<>();
    List<Row> km = new ArrayList<>();
    List<Row> risk = new ArrayList<>();
    for (AnalysisSettings a : analyses) {
      for (OutcomeDefinition o : outcomes) {
        List<OutcomeModels.Subject> subjects = byKey.getOrDefault(key(a, o), List.of());
        OutcomeModels.Estimate e = estimates.get(key(a, o));
        results.add(resultRow(a, o, e, nulls.get(a.analysisId())));
        rates.add(rateRow(a, o, e));
        double[] ft = OutcomeModels.followUp(subjects, 1);
        double[] fc = OutcomeModels.followUp(subjects, 0);
        Object[] f = new Object[16];
        f[0] = a.analysisId();
        f[1] = o.outcomeId();
        for (int i = 0; i < 7; i++) {
          f[2 + i] = ft[i];
          f[9 + i] = fc[i];
        }
        followUp.add(RowFactory.create(f));
        if (!subjects.isEmpty()) {
          for (OutcomeModels.KmPoint p : OutcomeModels.kaplanMeierTable(a, subjects)) {
            km.add(
                RowFactory.create(
                    a.analysisId(),
                    o.outcomeId(),
                    p.day(),
                    p.targetSurvival(),
                    p.targetLb(),
                    p.targetUb(),
                    p.comparatorSurvival(),
                    p.comparatorLb(),
                    p.comparatorUb(),
                    p.targetAtRisk(),
                    p.comparatorAtRisk()));
          }
          risk.add(riskRow(a, o, subjects, horizon));
        }
      }
    }
    write(ctx, results, ResultsSchema.COHORT_METHOD_RESULT);
    write(ctx, rates, ResultsSchema.INCIDENCE_RATE);
    write(ctx, followUp, ResultsSchema.FOLLOW_UP_DIST);
    write(ctx, km, ResultsSchema.KAPLAN_MEIER_DIST);
    write(ctx, risk, ResultsSchema.ABSOLUTE_RISK);
    List<Row> diagnostics = diagnostics(ctx, estimates, nulls);
    write(ctx, diagnostics, ResultsSchema.DIAGNOSTICS_SUMMARY);
    List<Row> defs = new ArrayList<>();
    for (int i = 0; i < analyses.size(); i++) {
      AnalysisSettings a = analyses.get(i);
      defs.add(
          RowFactory.create(
              a.analysisId(), a.description(), ctx.settings().resolvedAnalysisJson(i)));
    }
    write(ctx, defs, ResultsSchema.ANALYSIS);
    write(ctx, continuous(ctx), ResultsSchema.CONTINUOUS_OUTCOME_RESULT);

    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("estimates", (long) results.size());
    counts.put("estimable", estimates.values().stream().filter(e -> e.fit().isUsable()).count());
    counts.put("calibrated_analyses", (long) nulls.size());
    if (d.failOnFailure()) {
      List<String> failed = failedDiagnostics(diagnostics);
      if (!failed.isEmpty()) {
        // Every table is written (in the run's work folder, for review); the run is not
        // published and ends with exit code 4.
        throw new DiagnosticsException(failed);
      }
    }
    return counts;
  }

  /** "analysis A, outcome O: balance, mdrr" for every row of diagnostics_summary with a FAIL. */
  static List<String> failedDiagnostics(List<Row> diagnostics) {
    String[] names = {"balance", "equipoise", "mdrr", "ease"};
    List<String> failed = new ArrayList<>();
    for (Row r : diagnostics) {
      List<String> which = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        if ("FAIL".equals(r.getString(6 + i))) {
          which.add(names[i]);
        }
      }
      if (!which.isEmpty()) {
        failed.add(
            "analysis "
                + r.getInt(0)
                + ", outcome "
                + r.getInt(1)
                + ": "
                + String.join(", ", which)
                + " (diagnostics.failOnFailure = true)");
      }
    }
    return failed;
  }

  /** Mean differences of the continuous outcomes, per analysis. */
  private static List<Row> continuous(RunContext ctx) {
    List<OutcomeDefinition> continuous =
        ctx.settings().outcomes().stream().filter(OutcomeDefinition::continuous).toList();
    List<Row> rows = new ArrayList<>();
    if (continuous.isEmpty()) {
      return rows;
    }
    Map<String, List<ContinuousOutcomes.Subject>> byKey = new HashMap<>();
    Iterator<Row> it =
        ctx.read("match", "study_population")
            .join(ctx.read("cohort", "measurement_change"), new String[] {"outcome_id", "row_id"})
            // row_id last: a total order, so the sums below add in the same order on every run.
            .orderBy("analysis_id", "outcome_id", "stratum_id", "treatment", "row_id")
            .select("analysis_id", "outcome_id", "treatment", "stratum_id", "weight", "change")
            .toLocalIterator();
    while (it.hasNext()) {
      Row r = it.next();
      byKey
          .computeIfAbsent(r.getInt(0) + "/" + r.getInt(1), k -> new ArrayList<>())
          .add(
              new ContinuousOutcomes.Subject(
                  r.getInt(2),
                  r.isNullAt(3) ? null : r.getLong(3),
                  r.getDouble(4),
                  r.getDouble(5)));
    }
    for (AnalysisSettings a : ctx.settings().analyses()) {
      for (OutcomeDefinition o : continuous) {
        List<ContinuousOutcomes.Subject> subjects = byKey.getOrDefault(key(a, o), List.of());
        ContinuousOutcomes.Result r =
            a.matched() && a.maxRatio() == 1
                ? ContinuousOutcomes.paired(subjects)
                : ContinuousOutcomes.weighted(subjects);
        rows.add(
            RowFactory.create(
                a.analysisId(),
                o.outcomeId(),
                o.name(),
                r.method(),
                r.targetSubjects(),
                r.comparatorSubjects(),
                finite(r.targetMean()),
                finite(r.comparatorMean()),
                finite(r.meanDifference()),
                finite(r.ci95Lb()),
                finite(r.ci95Ub()),
                finite(r.p())));
      }
    }
    return rows;
  }

  private static void write(RunContext ctx, List<Row> rows, ResultTable table) {
    ctx.writeResult(ctx.spark().createDataFrame(rows, table.schema()), table);
  }

  static String key(AnalysisSettings a, OutcomeDefinition o) {
    return a.analysisId() + "/" + o.outcomeId();
  }

  /** Every population, grouped on the driver in one ordered pass. */
  private static Map<String, List<OutcomeModels.Subject>> populations(RunContext ctx) {
    Dataset<Row> population =
        ctx.read("match", "study_population")
            .select(
                "analysis_id",
                "outcome_id",
                "row_id",
                "treatment",
                "stratum_id",
                "weight",
                "time_at_risk",
                "survival_time",
                "outcome_count");
    Map<String, List<OutcomeModels.Subject>> byKey = new HashMap<>();
    Iterator<Row> it = population.orderBy("analysis_id", "outcome_id", "row_id").toLocalIterator();
    while (it.hasNext()) {
      Row r = it.next();
      byKey
          .computeIfAbsent(r.getInt(0) + "/" + r.getInt(1), k -> new ArrayList<>())
          .add(
              new OutcomeModels.Subject(
                  r.getInt(3),
                  r.isNullAt(4) ? null : r.getLong(4),
                  r.getDouble(5),
                  r.getLong(6),
                  r.getLong(7),
                  r.getLong(8) > 0));
    }
    return byKey;
  }

  private static Row resultRow(
      AnalysisSettings a,
      OutcomeDefinition o,
      OutcomeModels.Estimate e,
      EmpiricalCalibration.Null nul) {
    CoxFit fit = e.fit();
    boolean ok = fit.isUsable();
    EmpiricalCalibration.Calibrated cal =
        ok && nul != null ? EmpiricalCalibration.calibrate(nul, fit.logHr(), fit.seUsed()) : null;
    Double calP =
        ok && nul != null ? EmpiricalCalibration.calibrateP(nul, fit.logHr(), fit.seUsed()) : null;
    return RowFactory.create(
        a.analysisId(),
        o.outcomeId(),
        o.name(),
        o.negativeControl(),
        e.target().subjects(),
        e.comparator().subjects(),
        e.target().days(),
        e.comparator().days(),
        e.target().outcomes(),
        e.comparator().outcomes(),
        ok ? fit.hr() : null,
        ok ? fit.ci95Lb() : null,
        ok ? fit.ci95Ub() : null,
        ok ? fit.p() : null,
        ok ? fit.logHr() : null,
        ok ? fit.seUsed() : null,
        ok ? fit.llr() : null,
        ok ? fit.pOneSidedGreater() : null,
        a.weighted() ? a.estimator() : "att",
        cal == null ? null : cal.rr(),
        cal == null ? null : cal.ci95Lb(),
        cal == null ? null : cal.ci95Ub(),
        calP,
        cal == null ? null : cal.logRr(),
        cal == null ? null : cal.seLogRr(),
        fit.status().name());
  }

  private static Row rateRow(AnalysisSettings a, OutcomeDefinition o, OutcomeModels.Estimate e) {
    PoissonRate t = e.target().rate();
    PoissonRate c = e.comparator().rate();
    return RowFactory.create(
        a.analysisId(),
        o.outcomeId(),
        e.target().subjects(),
        t.personYears(),
        e.target().outcomes(),
        finite(t.ratePer1000Py()),
        finite(t.lower95()),
        finite(t.upper95()),
        e.comparator().subjects(),
        c.personYears(),
        e.comparator().outcomes(),
        finite(c.ratePer1000Py()),
        finite(c.lower95()),
        finite(c.upper95()));
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static Row riskRow(
      AnalysisSettings a, OutcomeDefinition o, List<OutcomeModels.Subject> subjects, int horizon) {
    KaplanMeier.Estimate t = OutcomeModels.kaplanMeier(a, subjects, 1).at(horizon);
    KaplanMeier.Estimate c = OutcomeModels.kaplanMeier(a, subjects, 0).at(horizon);
    double rd = (1 - t.survival()) - (1 - c.survival());
    double se = Math.sqrt(t.se() * t.se() + c.se() * c.se());
    return RowFactory.create(
        a.analysisId(),
        o.outcomeId(),
        horizon,
        1 - t.survival(),
        1 - c.survival(),
        rd,
        finite(rd - 1.959963984540054 * se),
        finite(rd + 1.959963984540054 * se));
  }

  /** PASS/FAIL per analysis and outcome against the thresholds of the diagnostics settings. */
  private static List<Row> diagnostics(
      RunContext ctx,
      Map<String, OutcomeModels.Estimate> estimates,
      Map<Integer, EmpiricalCalibration.Null> nulls) {
    DiagnosticsSettings d = ctx.settings().diagnostics();
    Map<String, Double> maxSdm = new HashMap<>();
    for (Row r :
        ctx.readResult("covariate_balance")
            .groupBy("analysis_id", "outcome_id")
            .agg(max(abs(col("std_diff_after"))))
            .collectAsList()) {
      maxSdm.put(r.getInt(0) + "/" + r.getInt(1), r.isNullAt(2) ? null : r.getDouble(2));
    }
    Row ps = ctx.readResult("propensity_summary").first();
    double equipoise = ps.getDouble(ps.fieldIndex("equipoise"));
    List<Row> rows = new ArrayList<>();
    for (AnalysisSettings a : ctx.settings().analyses()) {
      EmpiricalCalibration.Null nul = nulls.get(a.analysisId());
      Double ease = nul == null ? null : EmpiricalCalibration.ease(nul);
      for (OutcomeDefinition o : ctx.settings().outcomes()) {
        if (o.continuous()) {
          continue;
        }
        OutcomeModels.Estimate e = estimates.get(key(a, o));
        Double sdm = maxSdm.get(key(a, o));
        long events = e.target().outcomes() + e.comparator().outcomes();
        long subjects = e.target().subjects() + e.comparator().subjects();
        Double mdrr =
            subjects == 0
                ? null
                : finite(Power.mdrrCox(events, (double) e.target().subjects() / subjects));
        String balance = sdm == null ? "NOT EVALUATED" : sdm < d.maxSdm() ? "PASS" : "FAIL";
        String equi = equipoise >= d.minEquipoise() ? "PASS" : "FAIL";
        String power = mdrr == null ? "FAIL" : mdrr < d.maxMdrr() ? "PASS" : "FAIL";
        String sys = ease == null ? "NOT EVALUATED" : ease < d.maxEase() ? "PASS" : "FAIL";
        boolean unblind =
            !balance.equals("FAIL")
                && !equi.equals("FAIL")
                && !power.equals("FAIL")
                && !sys.equals("FAIL");
        rows.add(
            RowFactory.create(
                a.analysisId(),
                o.outcomeId(),
                sdm,
                equipoise,
                mdrr,
                ease,
                balance,
                equi,
                power,
                sys,
                unblind));
      }
    }
    return rows;
  }
}
