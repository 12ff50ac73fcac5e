package org.rwe.matching;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.rwe.cohort.StudyPopulation;
import org.rwe.config.AnalysisSettings;
import org.rwe.config.OutcomeDefinition;
import org.rwe.config.StudyPopulationSettings;
import org.rwe.results.ResultsSchema;
import org.rwe.run.RunContext;
import org.rwe.run.Stage;

/**
 * The match stage: per analysis and outcome, the study population (CohortMethod's semantics), then
 * its adjustment (trimming, matching, stratification or IPTW), the attrition of both, and covariate
 * balance before and after.
 */
public final class MatchJob {
  private MatchJob() {}

  /** The unmasked covariate balance, under match/ (restricted). */
  static final String BALANCE = "covariate_balance";

  /**
   * Covariate balance before small-cell masking; the aggregate table when the match stage of this
   * run predates the copy beside the populations.
   */
  public static Dataset<Row> unmaskedBalance(RunContext ctx) {
    String path = ctx.stagePath("match", BALANCE);
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
      if (p.getFileSystem(ctx.spark().sparkContext().hadoopConfiguration()).exists(p)) {
        return ctx.read("match", BALANCE);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return ctx.readAggregate(ResultsSchema.COVARIATE_BALANCE.name());
  }

  public static Map<String, Long> run(RunContext ctx) {
    Dataset<Row> cohort = ctx.read("cohort", "exposure_cohort");
    Dataset<Row> events = ctx.read("cohort", "outcome_events");
    Dataset<Row> ps =
        ctx.read("propensity", "ps").select("row_id", "propensity_score", "preference_score");
    Dataset<Row> covariates = ctx.read("features", "covariates");
    List<Integer> outcomeIds =
        ctx.settings().outcomes().stream().map(OutcomeDefinition::outcomeId).toList();

    List<Row> attrition = new ArrayList<>(ctx.read("cohort", "attrition").collectAsList());
    int cohortSteps = attrition.size();
    Dataset<Row> allPopulations = null;
    Dataset<Row> allBefore = null;
    Dataset<Row> allAfter = null;
    // Analyses with the same study-population options share one population.
    Map<StudyPopulationSettings, Dataset<Row>> populations = new HashMap<>();
    Map<StudyPopulationSettings, List<StudyPopulation.Step>> populationSteps = new HashMap<>();
    // Analyses with the same matching (population, trimming, matching options) share its sets.
    Map<Adjustment.MatchingKey, Dataset<Row>> matchedSets = new HashMap<>();
    for (AnalysisSettings a : ctx.settings().analyses()) {
      ctx.jobGroup(Stage.MATCH, "study population of analysis " + a.analysisId());
      if (!populations.containsKey(a.studyPopulation())) {
        StudyPopulation.Result r =
            StudyPopulation.create(
                cohort,
                events,
                outcomeIds,
                a.studyPopulation(),
                ctx.read("cohort", "entry_bounds"));
        String name = "population_" + populations.size();
        ctx.write(r.population(), "match", name);
        populations.put(a.studyPopulation(), ctx.read("match", name));
        populationSteps.put(a.studyPopulation(), r.attrition());
      }
      Dataset<Row> population =
          populations
              .get(a.studyPopulation())
              .join(ps, "row_id")
              .withColumn("analysis_id", lit(a.analysisId()));
      Map<Integer, Integer> seq = new HashMap<>();
      for (StudyPopulation.Step step : populationSteps.get(a.studyPopulation())) {
        attrition.add(
            RowFactory.create(
                a.analysisId(),
                step.outcomeId(),
                cohortSteps + seq.merge(step.outcomeId(), 1, Integer::sum),
                step.description(),
                step.targetPersons(),
                step.comparatorPersons()));
      }

      ctx.jobGroup(Stage.MATCH, a.adjustment() + " for analysis " + a.analysisId());
      Dataset<Row> trimmed = Adjustment.trim(population, a);
      if (!a.trimming().equals("none")) {
        String what =
            a.trimming().equals("fraction")
                ? "Trimmed by PS: " + a.trimFraction() + " of each arm in the tails"
                : "Trimmed to equipoise: preference score in " + a.equipoiseBounds();
        addCounts(attrition, trimmed, a, what, cohortSteps, seq, outcomeIds);
      }
      Dataset<Row> adjusted =
          switch (a.adjustment()) {
            case "match" -> {
              // Each distinct matching is computed once, written and shared by the analyses
              // with the same key.
              Adjustment.MatchingKey key = Adjustment.matchingKey(a);
              if (!matchedSets.containsKey(key)) {
                String name = "matched_sets_" + matchedSets.size();
                ctx.write(Adjustment.matchedSets(trimmed, covariates, a), "match", name);
                matchedSets.put(key, ctx.read("match", name));
              }
              yield Adjustment.withMatchedSets(trimmed, matchedSets.get(key));
            }
            case "stratify" -> Adjustment.stratify(trimmed, a);
            case "iptw" -> Adjustment.iptw(trimmed, a);
            default ->
                trimmed
                    .withColumn("stratum_id", lit(null).cast("long"))
                    .withColumn("weight", lit(1.0));
          };
      if (a.matched()) {
        addCounts(
            attrition,
            adjusted,
            a,
            "Matched on propensity score (max ratio "
                + a.maxRatio()
                + ", caliper "
                + a.caliper()
                + " "
                + a.caliperScale()
                + ")",
            cohortSteps,
            seq,
            outcomeIds);
      }
      Dataset<Row> rows =
          adjusted.select(
              col("analysis_id"),
              col("outcome_id"),
              col("row_id"),
              col("person_id"),
              col("treatment"),
              col("stratum_id"),
              col("weight"),
              col("propensity_score"),
              col("time_at_risk"),
              col("outcome_count"),
              col("survival_time"));
      allPopulations = allPopulations == null ? rows : allPopulations.unionByName(rows);
      if (a.adjusted()) {
        Dataset<Row> before = population.select("analysis_id", "outcome_id", "row_id", "treatment");
        allBefore = allBefore == null ? before : allBefore.unionByName(before);
      }
    }
    ctx.write(allPopulations, "match", "study_population");
    Dataset<Row> studyPopulation = ctx.read("match", "study_population");

    ctx.writeResult(
        ctx.spark().createDataFrame(attrition, ResultsSchema.ATTRITION.schema()),
        ResultsSchema.ATTRITION);

    ctx.jobGroup(Stage.MATCH, "covariate balance");
    if (allBefore != null) {
      Dataset<Row> after =
          studyPopulation.select("analysis_id", "outcome_id", "row_id", "treatment", "weight");
      // Unmasked, beside the populations (restricted): the diagnostics judge balance on every
      // covariate; the shared table masks the means of small cells.
      ctx.write(
          Balance.compute(allBefore, after, covariates, ctx.read("features", "covariate_ref")),
          "match",
          BALANCE);
      ctx.writeResult(ctx.read("match", BALANCE), ResultsSchema.COVARIATE_BALANCE);
    } else {
      ctx.writeResult(
          ctx.spark().createDataFrame(List.of(), ResultsSchema.COVARIATE_BALANCE.schema()),
          ResultsSchema.COVARIATE_BALANCE);
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("population_rows", studyPopulation.count());
    counts.put(
        "in_matched_sets_or_strata", studyPopulation.filter(col("stratum_id").isNotNull()).count());
    return counts;
  }

  /** One attrition row per outcome: persons left per arm after an adjustment step. */
  private static void addCounts(
      List<Row> attrition,
      Dataset<Row> rows,
      AnalysisSettings a,
      String description,
      int cohortSteps,
      Map<Integer, Integer> seq,
      List<Integer> outcomeIds) {
    List<Row> counts =
        rows.groupBy("outcome_id")
            .agg(
                countDistinct(when(col("treatment").equalTo(1), col("person_id"))),
                countDistinct(when(col("treatment").equalTo(0), col("person_id"))))
            .collectAsList();
    for (int outcomeId : outcomeIds) {
      Row r = counts.stream().filter(x -> x.getInt(0) == outcomeId).findFirst().orElse(null);
      attrition.add(
          RowFactory.create(
              a.analysisId(),
              outcomeId,
              cohortSteps + seq.merge(outcomeId, 1, Integer::sum),
              description,
              r == null ? 0L : r.getLong(1),
              r == null ? 0L : r.getLong(2)));
    }
  }
}
