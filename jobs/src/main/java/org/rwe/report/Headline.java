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
    String measure = ReportInput.measure(analysis.modelType());
    Row estimate =
        one(
            spark,
            published,
            "cohort_method_result",
            analysisId,
            focus.outcomeId(),
            "rr",
            "ci_95_lb",
            "ci_95_ub",
            "p",
            "model_status");
    Row diagnostics =
        one(spark, published, "diagnostics_summary", analysisId, focus.outcomeId(), "unblind");
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
    String text;
    if (estimate == null) {
      text = "not estimated";
    } else if (estimate.isNullAt(0)) {
      text =
          "not estimable or withheld ("
              + (estimate.isNullAt(4) ? "small count" : estimate.getString(4))
              + ")";
    } else {
      Row r = estimate;
      text =
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
        diagnostics == null || diagnostics.isNullAt(0)
            ? "diagnostics not evaluated"
            : "diagnostics " + (diagnostics.getBoolean(0) ? "PASS" : "FAIL");
    return List.of("rwe: report: " + report, what + text + "; " + verdict);
  }

  /**
   * The row of one (analysis, outcome) of a published result table, or null: the tables are keyed
   * by analysis and outcome, so the driver gets one row whatever the number of persons.
   */
  private static Row one(
      SparkSession spark,
      String published,
      String table,
      int analysisId,
      int outcomeId,
      String... columns) {
    List<Row> rows =
        spark
            .read()
            .parquet(new Path(published, "results/" + table).toString())
            .filter(
                col("analysis_id").equalTo(analysisId).and(col("outcome_id").equalTo(outcomeId)))
            .selectExpr(columns)
            .limit(1)
            .collectAsList();
    return rows.isEmpty() ? null : rows.get(0);
  }

  private static String pValue(double p) {
    return p < 0.001 ? "< 0.001" : "= " + Fmt.p(p);
  }

  /** Fmt writes HTML entities; the console gets plain text. */
  private static String plain(String html) {
    return html.replace("&lt;", "<").replace("&#8211;", "-").replace("&#8212;", "-");
  }
}
