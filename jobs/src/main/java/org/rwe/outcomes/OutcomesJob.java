package org.rwe.outcomes;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.rwe.config.AnalysisSettings;
import org.rwe.config.OutcomeDefinition;
import org.rwe.results.ResultsSchema;
import org.rwe.run.RunContext;
import org.rwe.run.Stage;

/**
 * The outcomes job: one outcome model per analysis and outcome.
 *
 * <p>Bound: each fit collects (arm, set, days, time, event) of one population to the driver, about
 * 40 bytes per subject; populations are fitted one at a time.
 */
public final class OutcomesJob {
  private OutcomesJob() {}

  public static Map<String, Long> run(RunContext ctx) {
    ctx.jobGroup(Stage.OUTCOMES, "outcome models");
    Dataset<Row> population =
        ctx.read("match", "study_population")
            .select(
                "analysis_id",
                "outcome_id",
                "row_id",
                "treatment",
                "stratum_id",
                "time_at_risk",
                "survival_time",
                "outcome_count");
    // Grouped on the driver in one pass; the order within a population is by row id.
    Map<String, List<OutcomeModels.Subject>> byKey = new HashMap<>();
    List<Row> results = new ArrayList<>();
    java.util.Iterator<Row> it =
        population.orderBy("analysis_id", "outcome_id", "row_id").toLocalIterator();
    while (it.hasNext()) {
      Row r = it.next();
      String key = r.getInt(0) + "/" + r.getInt(1);
      byKey
          .computeIfAbsent(key, k -> new ArrayList<>())
          .add(
              new OutcomeModels.Subject(
                  r.getInt(3),
                  r.isNullAt(4) ? null : r.getLong(4),
                  r.getLong(5),
                  r.getLong(6),
                  r.getLong(7) > 0));
    }
    for (AnalysisSettings a : ctx.settings().analyses()) {
      for (OutcomeDefinition o : ctx.settings().outcomes()) {
        List<OutcomeModels.Subject> subjects =
            byKey.getOrDefault(a.analysisId() + "/" + o.outcomeId(), List.of());
        results.add(OutcomeModels.result(a, o, subjects));
      }
    }
    ctx.writeResult(
        ctx.spark().createDataFrame(results, ResultsSchema.COHORT_METHOD_RESULT.schema()),
        ResultsSchema.COHORT_METHOD_RESULT);
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("estimates", (long) results.size());
    counts.put(
        "estimable", ctx.readResult("cohort_method_result").filter(col("rr").isNotNull()).count());
    return counts;
  }
}
