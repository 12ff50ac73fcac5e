package org.rwe.matching;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.rwe.cohort.StudyPopulation;
import org.rwe.config.AnalysisSettings;
import org.rwe.config.OutcomeDefinition;
import org.rwe.config.StudyPopulationSettings;
import org.rwe.results.ResultsSchema;
import org.rwe.run.RunContext;
import org.rwe.run.Stage;

/**
 * The match job: per analysis and outcome, the study population (CohortMethod semantics), then the
 * adjustment (PS matching), the attrition of both, and covariate balance.
 *
 * <p>Bound: matching runs on the driver, one outcome at a time, on (row id, person id, arm, score)
 * of that outcome's population: about 40 bytes per cohort row.
 */
public final class MatchJob {
  private MatchJob() {}

  public static Map<String, Long> run(RunContext ctx) {
    Dataset<Row> cohort = ctx.read("cohort", "exposure_cohort");
    Dataset<Row> events = ctx.read("cohort", "outcome_events");
    Dataset<Row> ps = ctx.read("propensity", "ps").select("row_id", "propensity_score");
    List<Integer> outcomeIds =
        ctx.settings().outcomes().stream().map(OutcomeDefinition::outcomeId).toList();

    List<Row> attrition = new ArrayList<>(ctx.read("cohort", "attrition").collectAsList());
    int cohortSteps = attrition.size();
    Dataset<Row> allPopulations = null;
    Dataset<Row> allBefore = null;
    Map<StudyPopulationSettings, Dataset<Row>> cache = new HashMap<>();
    Map<StudyPopulationSettings, List<StudyPopulation.Step>> cacheSteps = new HashMap<>();
    long matchedRows = 0;
    for (AnalysisSettings a : ctx.settings().analyses()) {
      ctx.jobGroup(Stage.MATCH, "study population of analysis " + a.analysisId());
      if (!cache.containsKey(a.studyPopulation())) {
        StudyPopulation.Result r =
            StudyPopulation.create(cohort, events, outcomeIds, a.studyPopulation());
        ctx.write(r.population(), "match", "population_" + cache.size());
        cache.put(a.studyPopulation(), ctx.read("match", "population_" + cache.size()));
        cacheSteps.put(a.studyPopulation(), r.attrition());
      }
      Dataset<Row> population =
          cache.get(a.studyPopulation()).withColumn("analysis_id", lit(a.analysisId()));
      Map<Integer, Integer> seq = new HashMap<>();
      for (StudyPopulation.Step step : cacheSteps.get(a.studyPopulation())) {
        int n = seq.merge(step.outcomeId(), 1, Integer::sum);
        attrition.add(
            RowFactory.create(
                a.analysisId(),
                step.outcomeId(),
                cohortSteps + n,
                step.description(),
                step.targetPersons(),
                step.comparatorPersons()));
      }
      Dataset<Row> adjusted;
      if (a.matched()) {
        ctx.jobGroup(Stage.MATCH, "match on the propensity score, analysis " + a.analysisId());
        Dataset<Row> strata = match(ctx, population.join(ps, "row_id"), a, outcomeIds);
        adjusted = population.join(strata, new String[] {"outcome_id", "row_id"});
        // Attrition: persons left after matching, per outcome.
        List<Row> counts =
            adjusted
                .groupBy("outcome_id")
                .agg(
                    org.apache.spark.sql.functions.countDistinct(
                        when(col("treatment").equalTo(1), col("person_id"))),
                    org.apache.spark.sql.functions.countDistinct(
                        when(col("treatment").equalTo(0), col("person_id"))))
                .collectAsList();
        for (int outcomeId : outcomeIds) {
          Row r = counts.stream().filter(x -> x.getInt(0) == outcomeId).findFirst().orElse(null);
          int n = seq.merge(outcomeId, 1, Integer::sum);
          attrition.add(
              RowFactory.create(
                  a.analysisId(),
                  outcomeId,
                  cohortSteps + n,
                  "Matched on propensity score (max ratio "
                      + a.maxRatio()
                      + ", caliper "
                      + a.caliper()
                      + " "
                      + a.caliperScale()
                      + ")",
                  r == null ? 0L : r.getLong(1),
                  r == null ? 0L : r.getLong(2)));
        }
      } else {
        adjusted =
            population
                .withColumn("stratum_id", lit(null).cast("long"))
                .withColumn("weight", lit(1.0));
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
              col("time_at_risk"),
              col("outcome_count"),
              col("survival_time"));
      allPopulations = allPopulations == null ? rows : allPopulations.unionByName(rows);
      if (a.matched()) {
        Dataset<Row> before = population.select("analysis_id", "outcome_id", "row_id", "treatment");
        allBefore = allBefore == null ? before : allBefore.unionByName(before);
      }
    }
    ctx.write(allPopulations, "match", "study_population");
    Dataset<Row> studyPopulation = ctx.read("match", "study_population");
    matchedRows = studyPopulation.filter(col("stratum_id").isNotNull()).count();

    ctx.writeResult(
        ctx.spark().createDataFrame(attrition, ResultsSchema.ATTRITION.schema()),
        ResultsSchema.ATTRITION);

    ctx.jobGroup(Stage.MATCH, "covariate balance");
    if (allBefore != null) {
      Dataset<Row> after =
          studyPopulation
              .filter(col("stratum_id").isNotNull())
              .select("analysis_id", "outcome_id", "row_id", "treatment", "weight");
      Dataset<Row> balance =
          Balance.compute(
              allBefore,
              after,
              ctx.read("features", "covariates"),
              ctx.read("features", "covariate_ref"));
      ctx.writeResult(balance, ResultsSchema.COVARIATE_BALANCE);
    } else {
      ctx.writeResult(
          ctx.spark().createDataFrame(List.of(), ResultsSchema.COVARIATE_BALANCE.schema()),
          ResultsSchema.COVARIATE_BALANCE);
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("population_rows", studyPopulation.count());
    counts.put("matched_rows", matchedRows);
    return counts;
  }

  /**
   * Matches each outcome's population on the driver; returns (outcome_id, row_id, stratum_id,
   * weight) of matched rows. Comparators weigh #targets / #comparators of their matched set.
   */
  static Dataset<Row> match(
      RunContext ctx, Dataset<Row> population, AnalysisSettings a, List<Integer> outcomeIds) {
    Dataset<Row> cached =
        population
            .select("outcome_id", "row_id", "person_id", "treatment", "propensity_score")
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      List<Row> out = new ArrayList<>();
      for (int outcomeId : outcomeIds) {
        List<Row> rows =
            cached.filter(col("outcome_id").equalTo(outcomeId)).orderBy("row_id").collectAsList();
        double[] ps = new double[rows.size()];
        List<GreedyMatcher.Subject> subjects = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
          Row r = rows.get(i);
          ps[i] = r.getDouble(4);
          subjects.add(
              new GreedyMatcher.Subject(
                  r.getLong(1),
                  r.getLong(2),
                  r.getInt(3),
                  GreedyMatcher.score(ps[i], a.caliperScale())));
        }
        double caliper = GreedyMatcher.caliperOnScale(a.caliper(), a.caliperScale(), ps);
        for (GreedyMatcher.Assignment m : GreedyMatcher.match(subjects, a.maxRatio(), caliper)) {
          if (m.stratumId() >= 0) {
            out.add(RowFactory.create(outcomeId, m.rowId(), m.stratumId()));
          }
        }
      }
      StructType schema =
          new StructType()
              .add("outcome_id", DataTypes.IntegerType)
              .add("row_id", DataTypes.LongType)
              .add("stratum_id", DataTypes.LongType);
      Dataset<Row> strata = ctx.spark().createDataFrame(out, schema);
      Dataset<Row> withArm =
          strata.join(
              cached.select("outcome_id", "row_id", "treatment"),
              new String[] {"outcome_id", "row_id"});
      var set = Window.partitionBy("outcome_id", "stratum_id");
      return withArm
          .withColumn("_t", sum(col("treatment")).over(set))
          .withColumn("_n", count(lit(1)).over(set))
          .withColumn(
              "weight",
              when(col("treatment").equalTo(1), lit(1.0))
                  .otherwise(col("_t").divide(col("_n").minus(col("_t")))))
          .select("outcome_id", "row_id", "stratum_id", "weight");
    } finally {
      cached.unpersist();
    }
  }
}
