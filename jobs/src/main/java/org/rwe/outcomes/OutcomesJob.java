package org.rwe.outcomes;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.bit_or;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.year;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapGroupsFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.rwe.config.AnalysisSettings;
import org.rwe.config.DiagnosticsSettings;
import org.rwe.config.OutcomeDefinition;
import org.rwe.config.SubgroupDefinition;
import org.rwe.matching.MatchJob;
import org.rwe.results.ResultRow;
import org.rwe.results.ResultTable;
import org.rwe.results.ResultsSchema;
import org.rwe.results.Suppression;
import org.rwe.run.DiagnosticsException;
import org.rwe.run.RunContext;
import org.rwe.run.Stage;
import org.rwe.stats.Effect;
import org.rwe.stats.EmpiricalCalibration;
import org.rwe.stats.KaplanMeier;
import org.rwe.stats.PoissonRate;
import org.rwe.stats.Power;

/**
 * The outcomes job: per analysis and outcome, the outcome model (Cox, Poisson or logistic),
 * incidence rates, follow-up, Kaplan-Meier and absolute risk, and the subgroup interactions the
 * analysis asks for; per analysis, the empirical null from the negative controls and the calibrated
 * estimates; the study diagnostics; and the analysis definitions.
 *
 * <p>Bound: each population (one analysis x outcome) is grouped into one Spark task, which computes
 * everything that needs its subjects ({@link #compute}); the driver receives one {@link
 * PopulationResult} per population (estimates, follow-up quantiles, the Kaplan-Meier table on the
 * population's distinct days) and nothing per subject. A task holds its population, about 80 bytes
 * per subject (10 M subjects: under 1 GB of an executor's memory).
 */
public final class OutcomesJob {
  private OutcomesJob() {}

  /** follow_up_dist's quantiles, in the order of {@link OutcomeModels#followUp}. */
  static final List<String> FOLLOW_UP_QUANTILES =
      List.of("min", "p_10", "p_25", "median", "p_75", "p_90", "max");

  public static Map<String, Long> run(RunContext ctx) {
    ctx.jobGroup(Stage.OUTCOMES, "outcome models");
    List<AnalysisSettings> analyses = ctx.settings().analyses();
    // Continuous outcomes (changes in a measured value) are compared as mean differences below;
    // everything else here is about time to event.
    List<OutcomeDefinition> outcomes =
        ctx.settings().outcomes().stream().filter(o -> !o.continuous()).toList();
    DiagnosticsSettings d = ctx.settings().diagnostics();
    int horizon = ctx.settings().absoluteRiskHorizonDays();
    Map<PopulationKey, PopulationResult> byKey = populationResults(ctx, outcomes, horizon);

    Map<PopulationKey, OutcomeModels.Estimate> estimates = new LinkedHashMap<>();
    for (AnalysisSettings a : analyses) {
      for (OutcomeDefinition o : outcomes) {
        estimates.put(key(a, o), byKey.get(key(a, o)).estimate());
      }
    }
    // The empirical null of each analysis, from its negative controls.
    Map<Integer, EmpiricalCalibration.Null> nulls = new HashMap<>();
    for (AnalysisSettings a : analyses) {
      List<Double> logRr = new ArrayList<>();
      List<Double> se = new ArrayList<>();
      for (OutcomeDefinition o : outcomes) {
        Effect f = estimates.get(key(a, o)).effect();
        if (o.negativeControl() && f.isUsable()) {
          logRr.add(f.logRr());
          se.add(f.seLogRr());
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
        PopulationResult p = byKey.get(key(a, o));
        OutcomeModels.Estimate e = estimates.get(key(a, o));
        results.add(resultRow(a, o, e, nulls.get(a.analysisId())));
        rates.add(rateRow(a, o, e));
        double[] ft = p.followUpTarget();
        double[] fc = p.followUpComparator();
        ResultRow f =
            ResultRow.of(ResultsSchema.FOLLOW_UP_DIST)
                .set("analysis_id", a.analysisId())
                .set("outcome_id", o.outcomeId());
        for (int i = 0; i < FOLLOW_UP_QUANTILES.size(); i++) {
          f.set("target_" + FOLLOW_UP_QUANTILES.get(i) + "_days", ft[i]);
          f.set("comparator_" + FOLLOW_UP_QUANTILES.get(i) + "_days", fc[i]);
        }
        // The arm sizes, for the small-cell rule: the quantiles of a few subjects are theirs.
        followUp.add(
            f.set("target_subjects", e.target().subjects())
                .set("comparator_subjects", e.comparator().subjects())
                .build());
        for (OutcomeModels.KmPoint k : p.km()) {
          km.add(
              ResultRow.of(ResultsSchema.KAPLAN_MEIER_DIST)
                  .set("analysis_id", a.analysisId())
                  .set("outcome_id", o.outcomeId())
                  .set("time_day", k.day())
                  .set("target_survival", k.targetSurvival())
                  .set("target_survival_lb", k.targetLb())
                  .set("target_survival_ub", k.targetUb())
                  .set("comparator_survival", k.comparatorSurvival())
                  .set("comparator_survival_lb", k.comparatorLb())
                  .set("comparator_survival_ub", k.comparatorUb())
                  .set("target_at_risk", k.targetAtRisk())
                  .set("comparator_at_risk", k.comparatorAtRisk())
                  .build());
        }
        if (p.risk() != null) {
          risk.add(p.risk());
        }
      }
    }
    write(ctx, results, ResultsSchema.COHORT_METHOD_RESULT);
    write(ctx, rates, ResultsSchema.INCIDENCE_RATE);
    write(ctx, followUp, ResultsSchema.FOLLOW_UP_DIST);
    java.util.Set<ArmKey> hidden = hiddenOutcomes(ctx, results);
    write(ctx, withoutHiddenCurves(km, hidden), ResultsSchema.KAPLAN_MEIER_DIST);
    write(ctx, risk, ResultsSchema.ABSOLUTE_RISK);
    List<Row> diagnostics = diagnostics(ctx, estimates, nulls, hidden);
    write(ctx, diagnostics, ResultsSchema.DIAGNOSTICS_SUMMARY);
    List<Row> defs = new ArrayList<>();
    for (int i = 0; i < analyses.size(); i++) {
      AnalysisSettings a = analyses.get(i);
      defs.add(
          ResultRow.of(ResultsSchema.ANALYSIS)
              .set("analysis_id", a.analysisId())
              .set("description", a.description())
              .set("model_type", a.modelType())
              .set("definition", ctx.settings().resolvedAnalysisJson(i))
              .set("is_primary", a.analysisId() == ctx.settings().primaryAnalysisId())
              .build());
    }
    write(ctx, defs, ResultsSchema.ANALYSIS);
    write(ctx, continuous(ctx), ResultsSchema.CONTINUOUS_OUTCOME_RESULT);
    List<Row> interactions = interactions(ctx, byKey, outcomes);
    write(ctx, interactions, ResultsSchema.INTERACTION_RESULT);

    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("estimates", (long) results.size());
    counts.put("estimable", estimates.values().stream().filter(e -> e.effect().isUsable()).count());
    counts.put("calibrated_analyses", (long) nulls.size());
    counts.put("interaction_estimates", (long) interactions.size());
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

  /**
   * The subgroup interactions of every analysis that asks for them (its interactionCovariateIds),
   * per outcome: one interaction_result row each.
   */
  private static List<Row> interactions(
      RunContext ctx,
      Map<PopulationKey, PopulationResult> byKey,
      List<OutcomeDefinition> outcomes) {
    List<Row> rows = new ArrayList<>();
    for (AnalysisSettings a : ctx.settings().analyses()) {
      for (int i = 0; i < a.interactionCovariateIds().size(); i++) {
        long covariateId = a.interactionCovariateIds().get(i);
        SubgroupDefinition g = ctx.settings().subgroup(covariateId);
        long members = 0;
        for (OutcomeDefinition o : outcomes) {
          PopulationResult p = byKey.get(key(a, o));
          members += p.subgroupMembers()[i];
          OutcomeModels.Estimate e = p.interactions().get(i);
          Effect f = e.effect();
          boolean ok = f.isUsable();
          rows.add(
              ResultRow.of(ResultsSchema.INTERACTION_RESULT)
                  .set("analysis_id", a.analysisId())
                  .set("outcome_id", o.outcomeId())
                  .set("interaction_covariate_id", covariateId)
                  .set("interaction_name", g.name())
                  .set("target_subjects", e.target().subjects())
                  .set("comparator_subjects", e.comparator().subjects())
                  .set("target_days", e.target().days())
                  .set("comparator_days", e.comparator().days())
                  .set("target_outcomes", e.target().outcomes())
                  .set("comparator_outcomes", e.comparator().outcomes())
                  .set("rr", ok ? f.rr() : null)
                  .set("ci_95_lb", ok ? f.ci95Lb() : null)
                  .set("ci_95_ub", ok ? f.ci95Ub() : null)
                  .set("p", ok ? f.p() : null)
                  .set("log_rr", ok ? f.logRr() : null)
                  .set("se_log_rr", ok ? f.seLogRr() : null)
                  .set("model_status", f.status().name())
                  .build());
        }
        if (members == 0 && !outcomes.isEmpty()) {
          ctx.warn(
              "analysis "
                  + a.analysisId()
                  + ": no subject is in subgroup "
                  + covariateId
                  + " ("
                  + g.name()
                  + ")"
                  + (g.byAge()
                      ? ""
                      : ": no subject has covariate " + covariateId + " in the features stage")
                  + "; its interactions are not estimable");
        }
      }
    }
    return rows;
  }

  /**
   * Per row_id of the exposure cohort, the bitmask of the subgroups (bit k for the k-th element of
   * {@code subgroups}) the subject belongs to: by a baseline covariate with a non-zero value, or by
   * age at index (year of index - year of birth, as the age-group covariates count it). Rows in no
   * subgroup may be missing.
   *
   * @param cohort row_id, cohort_start_date, year_of_birth
   * @param covariates row_id, covariate_id, covariate_value (features stage, sparse)
   */
  static Dataset<Row> subgroupMasks(
      Dataset<Row> cohort, Dataset<Row> covariates, List<SubgroupDefinition> subgroups) {
    Column ageMask = lit(0L);
    Column covariateBit = null;
    List<Long> covariateIds = new ArrayList<>();
    for (int k = 0; k < subgroups.size(); k++) {
      SubgroupDefinition g = subgroups.get(k);
      long bit = 1L << k;
      if (g.byAge()) {
        Column age = year(col("cohort_start_date")).minus(col("year_of_birth"));
        ageMask = ageMask.bitwiseOR(when(age.geq(g.minAgeAtIndex()), lit(bit)).otherwise(0L));
      } else {
        covariateIds.add(g.covariateId());
        Column c = col("covariate_id").equalTo(g.covariateId());
        covariateBit = covariateBit == null ? when(c, lit(bit)) : covariateBit.when(c, lit(bit));
      }
    }
    Dataset<Row> byAge = cohort.select(col("row_id"), ageMask.as("age_mask"));
    if (covariateIds.isEmpty()) {
      return byAge.select(col("row_id"), col("age_mask").as("subgroups"));
    }
    Dataset<Row> byCovariate =
        covariates
            .filter(col("covariate_id").isin(covariateIds.toArray()))
            .filter(col("covariate_value").notEqual(0))
            .groupBy("row_id")
            .agg(bit_or(covariateBit.otherwise(0L)).as("covariate_mask"));
    return byAge
        .join(byCovariate, new String[] {"row_id"}, "left")
        .select(
            col("row_id"),
            col("age_mask").bitwiseOR(coalesce(col("covariate_mask"), lit(0L))).as("subgroups"));
  }

  /** Mean differences of the continuous outcomes, per analysis. */
  private static List<Row> continuous(RunContext ctx) {
    List<OutcomeDefinition> continuous =
        ctx.settings().outcomes().stream().filter(OutcomeDefinition::continuous).toList();
    List<Row> rows = new ArrayList<>();
    if (continuous.isEmpty()) {
      return rows;
    }
    // One task per population, as for the time-to-event outcomes: the driver gets the results.
    HashMap<Integer, AnalysisSettings> analyses = analysesById(ctx);
    java.util.HashSet<Integer> outcomeIds = new java.util.HashSet<>();
    continuous.forEach(o -> outcomeIds.add(o.outcomeId()));
    // One result per analysis x continuous outcome reaches the driver.
    Map<PopulationKey, ContinuousOutcomes.Result> byKey = new HashMap<>();
    for (KeyedContinuous k :
        ctx.read("match", "study_population")
            .join(ctx.read("cohort", "measurement_change"), new String[] {"outcome_id", "row_id"})
            .select(
                "analysis_id",
                "outcome_id",
                "treatment",
                "stratum_id",
                "weight",
                "change",
                "row_id")
            .groupByKey((MapFunction<Row, Long>) OutcomesJob::groupKey, Encoders.LONG())
            .flatMapGroups(
                (FlatMapGroupsFunction<Long, Row, KeyedContinuous>)
                    (key, group) -> {
                      List<Row> all = new ArrayList<>();
                      group.forEachRemaining(all::add);
                      AnalysisSettings a = analyses.get(all.get(0).getInt(0));
                      if (a == null || !outcomeIds.contains(all.get(0).getInt(1))) {
                        return java.util.Collections.emptyIterator();
                      }
                      // Stratum (none first), treatment, then row id: a total order, so the sums
                      // add in the same order whatever the partitioning.
                      all.sort(
                          java.util.Comparator.comparing(
                                  (Row r) -> r.isNullAt(3) ? null : r.getLong(3),
                                  java.util.Comparator.nullsFirst(
                                      java.util.Comparator.<Long>naturalOrder()))
                              .thenComparingInt(r -> r.getInt(2))
                              .thenComparingLong(r -> r.getLong(6)));
                      List<ContinuousOutcomes.Subject> subjects = new ArrayList<>(all.size());
                      for (Row r : all) {
                        subjects.add(
                            new ContinuousOutcomes.Subject(
                                r.getInt(2),
                                r.isNullAt(3) ? null : r.getLong(3),
                                r.getDouble(4),
                                r.getDouble(5)));
                      }
                      return List.of(
                              new KeyedContinuous(
                                  PopulationKey.of(all.get(0)), continuousResult(a, subjects)))
                          .iterator();
                    },
                Encoders.javaSerialization(KeyedContinuous.class))
            .collectAsList()) {
      byKey.put(k.key(), k.result());
    }
    for (AnalysisSettings a : ctx.settings().analyses()) {
      for (OutcomeDefinition o : continuous) {
        ContinuousOutcomes.Result r =
            byKey.containsKey(key(a, o)) ? byKey.get(key(a, o)) : continuousResult(a, List.of());
        rows.add(
            ResultRow.of(ResultsSchema.CONTINUOUS_OUTCOME_RESULT)
                .set("analysis_id", a.analysisId())
                .set("outcome_id", o.outcomeId())
                .set("outcome_name", o.name())
                .set("method", r.method())
                .set("target_subjects", r.targetSubjects())
                .set("comparator_subjects", r.comparatorSubjects())
                .set("target_mean", finite(r.targetMean()))
                .set("comparator_mean", finite(r.comparatorMean()))
                .set("mean_difference", finite(r.meanDifference()))
                .set("ci_95_lb", finite(r.ci95Lb()))
                .set("ci_95_ub", finite(r.ci95Ub()))
                .set("p", finite(r.p()))
                .build());
      }
    }
    return rows;
  }

  /** The study's analyses by id, for the population tasks (a serializable map). */
  private static HashMap<Integer, AnalysisSettings> analysesById(RunContext ctx) {
    HashMap<Integer, AnalysisSettings> analyses = new HashMap<>();
    ctx.settings().analyses().forEach(a -> analyses.put(a.analysisId(), a));
    return analyses;
  }

  /** A continuous outcome's population result with its key, as a task returns it. */
  public record KeyedContinuous(PopulationKey key, ContinuousOutcomes.Result result)
      implements java.io.Serializable {}

  /** Paired differences for 1:1 matching, weighted means otherwise. */
  static ContinuousOutcomes.Result continuousResult(
      AnalysisSettings a, List<ContinuousOutcomes.Subject> subjects) {
    return a.matched() && a.maxRatio() == 1
        ? ContinuousOutcomes.paired(subjects)
        : ContinuousOutcomes.weighted(subjects);
  }

  private static void write(RunContext ctx, List<Row> rows, ResultTable table) {
    ctx.writeResult(ctx.spark().createDataFrame(rows, table.schema()), table);
  }

  /** One population: an analysis and an outcome. */
  public record PopulationKey(int analysisId, int outcomeId) implements java.io.Serializable {
    /** From a row whose first two columns are analysis_id and outcome_id. */
    static PopulationKey of(Row r) {
      return new PopulationKey(r.getInt(0), r.getInt(1));
    }
  }

  /** One arm of a population. */
  record ArmKey(PopulationKey population, int treatment) {}

  static PopulationKey key(AnalysisSettings a, OutcomeDefinition o) {
    return new PopulationKey(a.analysisId(), o.outcomeId());
  }

  /** analysis_id and outcome_id in one long, to group a population's rows by. */
  static long groupKey(Row r) {
    return ((long) r.getInt(0) << 32) | (r.getInt(1) & 0xffffffffL);
  }

  /**
   * What the outcome stage computes from one population (one analysis x time-to-event outcome),
   * made in the Spark task that holds it.
   *
   * @param km the Kaplan-Meier table (empty for a population without subjects)
   * @param risk the absolute_risk row (null for a population without subjects)
   * @param interactions per interaction covariate of the analysis, in its order
   * @param subgroupMembers subjects in each of those subgroups
   */
  public record PopulationResult(
      OutcomeModels.Estimate estimate,
      double[] followUpTarget,
      double[] followUpComparator,
      List<OutcomeModels.KmPoint> km,
      Row risk,
      List<OutcomeModels.Estimate> interactions,
      long[] subgroupMembers)
      implements java.io.Serializable {}

  /**
   * Everything that needs one population's subjects, in the order of their row ids.
   *
   * @param interactionSubgroups the study-subgroup index of each interaction covariate of {@code a}
   */
  static PopulationResult compute(
      AnalysisSettings a,
      OutcomeDefinition o,
      List<OutcomeModels.Subject> subjects,
      int horizon,
      int[] interactionSubgroups) {
    List<OutcomeModels.Estimate> interactions = new ArrayList<>();
    long[] members = new long[interactionSubgroups.length];
    for (int i = 0; i < interactionSubgroups.length; i++) {
      int index = interactionSubgroups[i];
      members[i] = subjects.stream().filter(s -> s.inSubgroup(index)).count();
      interactions.add(OutcomeModels.interaction(a, subjects, index));
    }
    return new PopulationResult(
        OutcomeModels.estimate(a, subjects),
        OutcomeModels.followUp(subjects, 1),
        OutcomeModels.followUp(subjects, 0),
        subjects.isEmpty()
            ? List.of()
            : new ArrayList<>(OutcomeModels.kaplanMeierTable(a, subjects)),
        subjects.isEmpty() ? null : riskRow(a, o, subjects, horizon),
        interactions,
        members);
  }

  /** One population's result with its key, as a task returns it. */
  public record KeyedResult(PopulationKey key, PopulationResult result)
      implements java.io.Serializable {}

  /** A subject with the row id it is ordered by. */
  private record Ordered(long rowId, OutcomeModels.Subject subject) {}

  /**
   * Every time-to-event population's result, keyed "analysis/outcome": each population grouped into
   * one task and computed there; populations without a subject (no rows to group) on the driver,
   * from nothing.
   */
  private static Map<PopulationKey, PopulationResult> populationResults(
      RunContext ctx, List<OutcomeDefinition> outcomes, int horizon) {
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
    boolean anyInteraction =
        ctx.settings().analyses().stream().anyMatch(a -> !a.interactionCovariateIds().isEmpty());
    if (anyInteraction) {
      Dataset<Row> masks =
          subgroupMasks(
              ctx.read("cohort", "exposure_cohort"),
              ctx.read("features", "covariates"),
              ctx.settings().subgroups());
      population =
          population
              .join(masks, new String[] {"row_id"}, "left")
              .withColumn("subgroups", coalesce(col("subgroups"), lit(0L)));
    } else {
      population = population.withColumn("subgroups", lit(0L));
    }
    // What the tasks need of the settings (all serializable records).
    HashMap<Integer, AnalysisSettings> analyses = analysesById(ctx);
    HashMap<Integer, int[]> interactionSubgroups = new HashMap<>();
    List<SubgroupDefinition> subgroups = ctx.settings().subgroups();
    for (AnalysisSettings a : ctx.settings().analyses()) {
      interactionSubgroups.put(
          a.analysisId(),
          a.interactionCovariateIds().stream()
              .mapToInt(id -> subgroups.indexOf(ctx.settings().subgroup(id)))
              .toArray());
    }
    HashMap<Integer, OutcomeDefinition> timeToEvent = new HashMap<>();
    for (OutcomeDefinition o : outcomes) {
      timeToEvent.put(o.outcomeId(), o);
    }
    // Bounded by the study: one result per analysis x outcome, its Kaplan-Meier table one row per
    // distinct day of follow-up.
    List<KeyedResult> computed =
        population
            .select(
                "analysis_id",
                "outcome_id",
                "row_id",
                "treatment",
                "stratum_id",
                "weight",
                "time_at_risk",
                "survival_time",
                "outcome_count",
                "subgroups")
            .groupByKey((MapFunction<Row, Long>) OutcomesJob::groupKey, Encoders.LONG())
            .flatMapGroups(
                (FlatMapGroupsFunction<Long, Row, KeyedResult>)
                    (key, rows) -> {
                      List<Ordered> ordered = new ArrayList<>();
                      int analysisId = 0;
                      int outcomeId = 0;
                      while (rows.hasNext()) {
                        Row r = rows.next();
                        analysisId = r.getInt(0);
                        outcomeId = r.getInt(1);
                        ordered.add(
                            new Ordered(
                                r.getLong(2),
                                new OutcomeModels.Subject(
                                    r.getInt(3),
                                    r.isNullAt(4) ? null : r.getLong(4),
                                    r.getDouble(5),
                                    r.getLong(6),
                                    r.getLong(7),
                                    r.getLong(8),
                                    r.getLong(9))));
                      }
                      OutcomeDefinition o = timeToEvent.get(outcomeId);
                      AnalysisSettings a = analyses.get(analysisId);
                      if (o == null || a == null) {
                        return java.util.Collections.emptyIterator();
                      }
                      // Row id order: the sums of every model add in the same order whatever
                      // the partitioning.
                      ordered.sort(java.util.Comparator.comparingLong(Ordered::rowId));
                      List<OutcomeModels.Subject> subjects = new ArrayList<>(ordered.size());
                      ordered.forEach(x -> subjects.add(x.subject()));
                      ordered.clear();
                      return List.of(
                              new KeyedResult(
                                  new PopulationKey(analysisId, outcomeId),
                                  compute(
                                      a,
                                      o,
                                      subjects,
                                      horizon,
                                      interactionSubgroups.get(analysisId))))
                          .iterator();
                    },
                Encoders.javaSerialization(KeyedResult.class))
            .collectAsList();
    Map<PopulationKey, PopulationResult> byKey = new HashMap<>();
    for (KeyedResult r : computed) {
      byKey.put(r.key(), r.result());
    }
    for (AnalysisSettings a : ctx.settings().analyses()) {
      for (OutcomeDefinition o : outcomes) {
        byKey.computeIfAbsent(
            key(a, o),
            k -> compute(a, o, List.of(), horizon, interactionSubgroups.get(a.analysisId())));
      }
    }
    return byKey;
  }

  private static Row resultRow(
      AnalysisSettings a,
      OutcomeDefinition o,
      OutcomeModels.Estimate e,
      EmpiricalCalibration.Null nul) {
    Effect fit = e.effect();
    boolean ok = fit.isUsable();
    EmpiricalCalibration.Calibrated cal =
        ok && nul != null ? EmpiricalCalibration.calibrate(nul, fit.logRr(), fit.seLogRr()) : null;
    Double calP =
        ok && nul != null ? EmpiricalCalibration.calibrateP(nul, fit.logRr(), fit.seLogRr()) : null;
    return ResultRow.of(ResultsSchema.COHORT_METHOD_RESULT)
        .set("analysis_id", a.analysisId())
        .set("outcome_id", o.outcomeId())
        .set("outcome_name", o.name())
        .set("negative_control", o.negativeControl())
        .set("target_subjects", e.target().subjects())
        .set("comparator_subjects", e.comparator().subjects())
        .set("target_days", e.target().days())
        .set("comparator_days", e.comparator().days())
        .set("target_outcomes", e.target().outcomes())
        .set("comparator_outcomes", e.comparator().outcomes())
        .set("rr", ok ? fit.rr() : null)
        .set("ci_95_lb", ok ? fit.ci95Lb() : null)
        .set("ci_95_ub", ok ? fit.ci95Ub() : null)
        .set("p", ok ? fit.p() : null)
        .set("log_rr", ok ? fit.logRr() : null)
        .set("se_log_rr", ok ? fit.seLogRr() : null)
        .set("llr", ok ? fit.llr() : null)
        .set("one_sided_p", ok ? fit.pOneSidedGreater() : null)
        .set("target_estimator", a.weighted() ? a.estimator() : "att")
        .set("calibrated_rr", cal == null ? null : cal.rr())
        .set("calibrated_ci_95_lb", cal == null ? null : cal.ci95Lb())
        .set("calibrated_ci_95_ub", cal == null ? null : cal.ci95Ub())
        .set("calibrated_p", calP)
        .set("calibrated_log_rr", cal == null ? null : cal.logRr())
        .set("calibrated_se_log_rr", cal == null ? null : cal.seLogRr())
        .set("model_status", fit.status().name())
        .build();
  }

  private static Row rateRow(AnalysisSettings a, OutcomeDefinition o, OutcomeModels.Estimate e) {
    PoissonRate t = e.target().rate();
    PoissonRate c = e.comparator().rate();
    return ResultRow.of(ResultsSchema.INCIDENCE_RATE)
        .set("analysis_id", a.analysisId())
        .set("outcome_id", o.outcomeId())
        .set("target_subjects", e.target().subjects())
        .set("target_years", t.personYears())
        .set("target_outcomes", e.target().outcomes())
        .set("target_ir", finite(t.ratePer1000Py()))
        .set("target_ir_lb", finite(t.lower95()))
        .set("target_ir_ub", finite(t.upper95()))
        .set("comparator_subjects", e.comparator().subjects())
        .set("comparator_years", c.personYears())
        .set("comparator_outcomes", e.comparator().outcomes())
        .set("comparator_ir", finite(c.ratePer1000Py()))
        .set("comparator_ir_lb", finite(c.lower95()))
        .set("comparator_ir_ub", finite(c.upper95()))
        .build();
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
    return ResultRow.of(ResultsSchema.ABSOLUTE_RISK)
        .set("analysis_id", a.analysisId())
        .set("outcome_id", o.outcomeId())
        .set("horizon_days", horizon)
        .set("target_risk", 1 - t.survival())
        .set("comparator_risk", 1 - c.survival())
        .set("risk_difference", rd)
        .set("rd_ci_95_lb", finite(rd - Effect.Z_975 * se))
        .set("rd_ci_95_ub", finite(rd + Effect.Z_975 * se))
        .set("target_at_risk", atRisk(subjects, 1, horizon))
        .set("target_outcomes", outcomesBy(subjects, 1, horizon))
        .set("comparator_at_risk", atRisk(subjects, 0, horizon))
        .set("comparator_outcomes", outcomesBy(subjects, 0, horizon))
        .build();
  }

  /** Subjects of an arm still at risk at the start of the day (as the Kaplan-Meier table). */
  static long atRisk(List<OutcomeModels.Subject> subjects, int treatment, int day) {
    return subjects.stream()
        .filter(s -> s.treatment() == treatment && s.survivalTime() >= day)
        .count();
  }

  /** Subjects of an arm with the outcome on or before the day. */
  static long outcomesBy(List<OutcomeModels.Subject> subjects, int treatment, int day) {
    return subjects.stream()
        .filter(s -> s.treatment() == treatment && s.event() && s.survivalTime() <= day)
        .count();
  }

  /**
   * The arms whose outcome count cohort_method_result does not publish (masked or withheld): what
   * is computed from them in other tables (an arm's survival curve, the MDRR) is not published
   * either, or it would give the count away.
   */
  private static java.util.Set<ArmKey> hiddenOutcomes(RunContext ctx, List<Row> results) {
    ResultTable t = ResultsSchema.COHORT_METHOD_RESULT;
    int ti = t.indexOf("target_outcomes");
    int ci = t.indexOf("comparator_outcomes");
    java.util.Set<ArmKey> hidden = new java.util.HashSet<>();
    for (Row r : Suppression.apply(results, t, ctx.settings().minCellCount())) {
      PopulationKey k = PopulationKey.of(r);
      if (r.isNullAt(ti) || r.getLong(ti) < 0) {
        hidden.add(new ArmKey(k, 1));
      }
      if (r.isNullAt(ci) || r.getLong(ci) < 0) {
        hidden.add(new ArmKey(k, 0));
      }
    }
    return hidden;
  }

  static boolean hidden(java.util.Set<ArmKey> hidden, PopulationKey key) {
    return hidden.contains(new ArmKey(key, 1)) || hidden.contains(new ArmKey(key, 0));
  }

  /** Kaplan-Meier rows with the survival of an arm whose outcome count is hidden set to null. */
  private static List<Row> withoutHiddenCurves(List<Row> km, java.util.Set<ArmKey> hidden) {
    if (hidden.isEmpty()) {
      return km;
    }
    List<Row> out = new ArrayList<>(km.size());
    for (Row r : km) {
      PopulationKey k = PopulationKey.of(r);
      boolean t = hidden.contains(new ArmKey(k, 1));
      boolean c = hidden.contains(new ArmKey(k, 0));
      if (!t && !c) {
        out.add(r);
        continue;
      }
      Object[] v = new Object[r.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.get(i);
      }
      for (String bound : List.of("", "_lb", "_ub")) {
        if (t) {
          v[ResultsSchema.KAPLAN_MEIER_DIST.indexOf("target_survival" + bound)] = null;
        }
        if (c) {
          v[ResultsSchema.KAPLAN_MEIER_DIST.indexOf("comparator_survival" + bound)] = null;
        }
      }
      out.add(RowFactory.create(v));
    }
    return out;
  }

  /** PASS/FAIL per analysis and outcome against the thresholds of the diagnostics settings. */
  private static List<Row> diagnostics(
      RunContext ctx,
      Map<PopulationKey, OutcomeModels.Estimate> estimates,
      Map<Integer, EmpiricalCalibration.Null> nulls,
      java.util.Set<ArmKey> hiddenOutcomes) {
    DiagnosticsSettings d = ctx.settings().diagnostics();
    Map<PopulationKey, Double> maxSdm = new HashMap<>();
    // Balance before small-cell masking (the match stage keeps it beside the populations): a
    // covariate whose SDM the shared table withholds still counts for the verdict.
    for (Row r :
        MatchJob.unmaskedBalance(ctx)
            .groupBy("analysis_id", "outcome_id")
            .agg(max(abs(col("std_diff_after"))))
            .collectAsList()) {
      maxSdm.put(PopulationKey.of(r), r.isNullAt(2) ? null : r.getDouble(2));
    }
    Row ps = ctx.readAggregate("propensity_summary").first();
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
            ResultRow.of(ResultsSchema.DIAGNOSTICS_SUMMARY)
                .set("analysis_id", a.analysisId())
                .set("outcome_id", o.outcomeId())
                .set("max_sdm", sdm)
                .set("equipoise", equipoise)
                .set("mdrr", hidden(hiddenOutcomes, key(a, o)) ? null : mdrr)
                .set("ease", ease)
                .set("balance_diagnostic", balance)
                .set("equipoise_diagnostic", equi)
                .set("mdrr_diagnostic", power)
                .set("ease_diagnostic", sys)
                .set("unblind", unblind)
                .build());
      }
    }
    return rows;
  }
}
