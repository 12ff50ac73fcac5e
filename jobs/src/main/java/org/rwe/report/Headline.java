package org.rwe.report;

import static org.apache.spark.sql.functions.col;

import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.rwe.config.AnalysisSettings;
import org.rwe.config.OutcomeDefinition;
import org.rwe.config.StudySettings;

/**
 * What {@code bin/rwe run} prints when a run is published: where the report is, and the primary
 * analysis's estimate for the first outcome of interest with its diagnostics verdict. Read from the
 * published (masked) result tables, so the console shows what the report shows.
 */
public final class Headline {
  private Headline() {}

  public static List<String> lines(SparkSession spark, StudySettings s, String published) {
    String report = new Path(published, "report/index.html").toString();
    int analysisId = s.primaryAnalysisId();
    OutcomeDefinition focus =
        s.outcomes().stream().filter(o -> !o.negativeControl()).findFirst().orElse(null);
    AnalysisSettings analysis =
        s.analyses().stream().filter(a -> a.analysisId() == analysisId).findFirst().orElse(null);
    if (focus == null || analysis == null) {
      return List.of("rwe: report: " + report);
    }
    String measure =
        switch (analysis.modelType()) {
          case "poisson" -> "IRR";
          case "logistic" -> "OR";
          default -> "HR";
        };
    List<Row> rows =
        spark
            .read()
            .parquet(new Path(published, "results/cohort_method_result").toString())
            .filter(
                col("analysis_id")
                    .equalTo(analysisId)
                    .and(col("outcome_id").equalTo(focus.outcomeId())))
            .select("rr", "ci_95_lb", "ci_95_ub", "p", "model_status")
            .collectAsList();
    List<Row> verdicts =
        spark
            .read()
            .parquet(new Path(published, "results/diagnostics_summary").toString())
            .filter(
                col("analysis_id")
                    .equalTo(analysisId)
                    .and(col("outcome_id").equalTo(focus.outcomeId())))
            .select("unblind")
            .collectAsList();
    String what =
        "rwe: primary result ("
            + s.targetName()
            + " vs "
            + s.comparatorName()
            + ", "
            + focus.name()
            + ", analysis "
            + analysisId
            + "): ";
    String estimate;
    if (rows.isEmpty()) {
      estimate = "not estimated";
    } else if (rows.get(0).isNullAt(0)) {
      estimate =
          "not estimable or withheld ("
              + (rows.get(0).isNullAt(4) ? "small count" : rows.get(0).getString(4))
              + ")";
    } else {
      Row r = rows.get(0);
      estimate =
          measure
              + " "
              + plain(Fmt.ratio(r.getDouble(0)))
              + " (95% CI "
              + plain(Fmt.bound(r.getDouble(1)))
              + "-"
              + plain(Fmt.bound(r.getDouble(2)))
              + "), p "
              + (r.isNullAt(3) ? "n/a" : plain(pValue(r.getDouble(3))));
    }
    String verdict =
        verdicts.isEmpty() || verdicts.get(0).isNullAt(0)
            ? "diagnostics not evaluated"
            : "diagnostics " + (verdicts.get(0).getBoolean(0) ? "PASS" : "FAIL");
    return List.of("rwe: report: " + report, what + estimate + "; " + verdict);
  }

  private static String pValue(double p) {
    return p < 0.001 ? "< 0.001" : "= " + Fmt.p(p);
  }

  /** Fmt writes HTML entities; the console gets plain text. */
  private static String plain(String html) {
    return html.replace("&lt;", "<").replace("&#8211;", "-").replace("&#8212;", "-");
  }
}
