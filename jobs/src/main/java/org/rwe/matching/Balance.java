package org.rwe.matching;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Covariate balance as CohortMethod's {@code computeCovariateBalance}: per covariate, the mean per
 * arm and the standardized mean difference (mean_t - mean_c) / sqrt((sd_t^2 + sd_c^2) / 2), before
 * and after adjustment, weighted after (matched comparators weigh #targets / #comparators of their
 * set). Covariates are sparse: a subject without a row has value 0. Sums are exact ({@link
 * #exactSum}), so the result does not depend on how Spark partitions or orders the rows.
 */
public final class Balance {
  private Balance() {}

  /**
   * @param before (analysis_id, outcome_id, row_id, treatment) of the population before adjustment
   * @param after (analysis_id, outcome_id, row_id, treatment, weight) after adjustment
   * @param covariates (row_id, covariate_id, covariate_value)
   * @param ref (covariate_id, covariate_name, analysis_id)
   */
  public static Dataset<Row> compute(
      Dataset<Row> before, Dataset<Row> after, Dataset<Row> covariates, Dataset<Row> ref) {
    Dataset<Row> keyed =
        before
            .select("analysis_id", "outcome_id", "row_id", "treatment")
            .join(
                after.select(col("analysis_id"), col("outcome_id"), col("row_id"), col("weight")),
                new String[] {"analysis_id", "outcome_id", "row_id"},
                "left");
    Column w = org.apache.spark.sql.functions.coalesce(col("weight"), lit(0.0));
    Column t = col("treatment").equalTo(1);
    Column c = col("treatment").equalTo(0);
    // Arm sizes: rows before, summed weights after.
    Dataset<Row> sizes =
        keyed
            .groupBy("analysis_id", "outcome_id")
            .agg(
                exactSum(when(t, 1.0).otherwise(0.0)).as("n_t"),
                exactSum(when(c, 1.0).otherwise(0.0)).as("n_c"),
                exactSum(when(t, w).otherwise(0.0)).as("w_t"),
                exactSum(when(c, w).otherwise(0.0)).as("w_c"));
    Column x = col("covariate_value");
    Dataset<Row> sums =
        keyed
            .join(covariates, "row_id")
            .groupBy("analysis_id", "outcome_id", "covariate_id")
            .agg(
                exactSum(when(t, x).otherwise(0.0)).as("s_t"),
                exactSum(when(t, x.multiply(x)).otherwise(0.0)).as("ss_t"),
                exactSum(when(c, x).otherwise(0.0)).as("s_c"),
                exactSum(when(c, x.multiply(x)).otherwise(0.0)).as("ss_c"),
                exactSum(when(t, w.multiply(x)).otherwise(0.0)).as("ws_t"),
                exactSum(when(t, w.multiply(x).multiply(x)).otherwise(0.0)).as("wss_t"),
                exactSum(when(c, w.multiply(x)).otherwise(0.0)).as("ws_c"),
                exactSum(when(c, w.multiply(x).multiply(x)).otherwise(0.0)).as("wss_c"));
    Dataset<Row> j = sums.join(sizes, new String[] {"analysis_id", "outcome_id"});
    Column mtB = col("s_t").divide(col("n_t"));
    Column mcB = col("s_c").divide(col("n_c"));
    Column vtB = col("ss_t").divide(col("n_t")).minus(mtB.multiply(mtB));
    Column vcB = col("ss_c").divide(col("n_c")).minus(mcB.multiply(mcB));
    Column mtA = col("ws_t").divide(col("w_t"));
    Column mcA = col("ws_c").divide(col("w_c"));
    Column vtA = col("wss_t").divide(col("w_t")).minus(mtA.multiply(mtA));
    Column vcA = col("wss_c").divide(col("w_c")).minus(mcA.multiply(mcA));
    return j.select(
            col("analysis_id"),
            col("outcome_id"),
            col("covariate_id"),
            mtB.as("target_mean_before"),
            mcB.as("comparator_mean_before"),
            stdDiff(mtB, mcB, vtB, vcB).as("std_diff_before"),
            mtA.as("target_mean_after"),
            mcA.as("comparator_mean_after"),
            stdDiff(mtA, mcA, vtA, vcA).as("std_diff_after"))
        .join(
            ref.select(
                col("covariate_id"),
                col("covariate_name"),
                col("analysis_id").as("covariate_analysis_id")),
            "covariate_id")
        .select(
            "analysis_id",
            "outcome_id",
            "covariate_id",
            "covariate_name",
            "covariate_analysis_id",
            "target_mean_before",
            "comparator_mean_before",
            "std_diff_before",
            "target_mean_after",
            "comparator_mean_after",
            "std_diff_after");
  }

  /**
   * A sum of doubles that does not depend on the order of its terms: each term rounded to 18
   * decimals, added exactly as a decimal, the total back to a double. Spark's double sum adds in
   * the order rows arrive from a shuffle, which varies from run to run, so weighted sums (IPTW
   * weights) could differ in their last bits between two runs of the same input; this keeps every
   * run's tables equal bit for bit (docs/operations.md).
   */
  static Column exactSum(Column term) {
    return sum(term.cast("decimal(38,18)")).cast("double");
  }

  static Column stdDiff(Column meanT, Column meanC, Column varT, Column varC) {
    Column sd = sqrt(varT.plus(varC).divide(2));
    return when(sd.gt(0), meanT.minus(meanC).divide(sd));
  }
}
