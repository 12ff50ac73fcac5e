package org.rwe.matching;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Covariate balance as CohortMethod's {@code computeCovariateBalance} (its computeMeansPerGroup):
 * per covariate, the mean per arm and the standardized mean difference (mean_t - mean_c) /
 * sqrt((sd_t^2 + sd_c^2) / 2), before and after adjustment. Unweighted (before; after when every
 * weight is 1, e.g. 1:1 matching): sd^2 = sum((x - mean)^2) / n. Weighted (IPTW; matched sets with
 * more than one comparator, whose comparators weigh #targets / #comparators of their set): with
 * weights w normalized to sum 1 per arm, mean = sum(w x) and sd^2 = |sum(w x^2) - mean^2| / (1 -
 * sum(w^2)), the reliability-weights variance CohortMethod uses. Checked against R in
 * MatchingGoldenTest. Covariates are sparse: a subject without a row has value 0. Sums are exact in
 * integers ({@link #exactSum}), so the result does not depend on how Spark partitions or orders the
 * rows.
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
    Column t = col("treatment").equalTo(1);
    Column c = col("treatment").equalTo(0);
    // Arm sizes: rows before, summed weights after (after is a subset of before: no join needed).
    // One pass over before (a union of joins in the match stage): its arm sizes, collected (one row
    // a population), are also the list of populations CovariateSums sums.
    Dataset<Row> beforeSizes =
        before
            .groupBy("analysis_id", "outcome_id")
            .agg(
                exactSum(when(t, 1.0).otherwise(0.0)).as("n_t"),
                exactSum(when(c, 1.0).otherwise(0.0)).as("n_c"))
            .orderBy("analysis_id", "outcome_id");
    List<Row> sizeRows = beforeSizes.collectAsList();
    Dataset<Row> sizesBefore =
        before.sparkSession().createDataFrame(sizeRows, beforeSizes.schema());
    List<long[]> populations =
        sizeRows.stream().map(r -> new long[] {r.getInt(0), r.getInt(1)}).toList();
    Column w = coalesce(col("weight"), lit(0.0));
    Dataset<Row> sizesAfter =
        after
            .groupBy("analysis_id", "outcome_id")
            .agg(
                exactSum(when(t, w).otherwise(0.0)).as("w_t"),
                exactSum(when(c, w).otherwise(0.0)).as("w_c"),
                exactSum(when(t.and(col("weight").gt(0)), 1.0).otherwise(0.0)).as("k_t"),
                exactSum(when(c.and(col("weight").gt(0)), 1.0).otherwise(0.0)).as("k_c"),
                exactSum(when(t, w.multiply(w)).otherwise(0.0)).as("w2_t"),
                exactSum(when(c, w.multiply(w)).otherwise(0.0)).as("w2_c"),
                // CohortMethod weighs only when some weight is not 1.
                max(when(col("weight").isNotNull().and(col("weight").notEqual(1.0)), 1)
                        .otherwise(0))
                    .as("weighted"));
    // A population that adjustment emptied keeps its rows, with nothing after.
    Dataset<Row> sizes =
        sizesBefore
            .join(sizesAfter, new String[] {"analysis_id", "outcome_id"}, "left")
            .na()
            .fill(0.0, new String[] {"w_t", "w_c", "k_t", "k_c", "w2_t", "w2_c"})
            .na()
            .fill(0, new String[] {"weighted"});
    // Per covariate, subject by subject rather than through a join of every value to every
    // population (CovariateSums says why).
    Dataset<Row> sums =
        CovariateSums.compute(
            populations, before, after, covariates, CovariateSums.ACCUMULATOR_LONGS);
    Dataset<Row> j = sums.join(sizes, new String[] {"analysis_id", "outcome_id"});
    Column mtB = col("s_t").divide(col("n_t"));
    Column mcB = col("s_c").divide(col("n_c"));
    Column vtB = col("ss_t").divide(col("n_t")).minus(mtB.multiply(mtB));
    Column vcB = col("ss_c").divide(col("n_c")).minus(mcB.multiply(mcB));
    Column mtA = col("ws_t").divide(col("w_t"));
    Column mcA = col("ws_c").divide(col("w_c"));
    Column vtA = weightedVariance(col("wss_t"), col("w_t"), col("w2_t"), mtA);
    Column vcA = weightedVariance(col("wss_c"), col("w_c"), col("w2_c"), mcA);
    return j.select(
            col("analysis_id"),
            col("outcome_id"),
            col("covariate_id"),
            mtB.as("target_mean_before"),
            mcB.as("comparator_mean_before"),
            stdDiff(mtB, mcB, vtB, vcB).as("std_diff_before"),
            mtA.as("target_mean_after"),
            mcA.as("comparator_mean_after"),
            stdDiff(mtA, mcA, vtA, vcA).as("std_diff_after"),
            // Arm sizes: the small-cell rule masks a mean that stands for too few subjects.
            col("n_t").cast("long").as("target_subjects_before"),
            col("n_c").cast("long").as("comparator_subjects_before"),
            // Weights above 1 (IPTW, strata with more targets than comparators) must not make
            // an arm look bigger than the subjects it keeps: the size decides what is masked.
            least(round(col("w_t")), col("k_t")).cast("long").as("target_subjects_after"),
            least(round(col("w_c")), col("k_c")).cast("long").as("comparator_subjects_after"))
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
            "std_diff_after",
            "target_subjects_before",
            "comparator_subjects_before",
            "target_subjects_after",
            "comparator_subjects_after");
  }

  /**
   * Variance of one arm after adjustment: the population variance when unweighted; when weighted,
   * CohortMethod's |sum(w x^2)/W - mean^2| / (1 - sum(w^2)/W^2); null when that is undefined (one
   * subject carries all the weight).
   */
  static Column weightedVariance(Column sumWxx, Column sumW, Column sumWw, Column mean) {
    Column population = sumWxx.divide(sumW).minus(mean.multiply(mean));
    Column effective = lit(1).minus(sumWw.divide(sumW.multiply(sumW)));
    return when(col("weighted").equalTo(0), population)
        .when(effective.gt(0), abs(population).divide(effective));
  }

  /**
   * A sum of doubles that does not depend on the order of its terms. Each term t is split into
   * integers, t = whole + high 2^-26 + low 2^-52 (whole = floor(t); high and low the first and
   * second 26 bits of the fraction, low rounded, so the split is exact to 2^-53 absolute); each
   * part is summed as a long, which is exact and so the same in any order, and the three totals are
   * combined once per group. Spark's double sum adds in the order rows arrive from a shuffle, which
   * varies from run to run, so weighted sums (IPTW weights) could differ in their last bits between
   * two runs of the same input; this keeps every run's tables equal bit for bit
   * (docs/operations.md). It replaces a decimal(38,18) sum, as exact but with a BigDecimal addition
   * per term. A long total that would overflow (terms summing past 9.2e18) fails the job under
   * Spark's ANSI mode rather than wrapping.
   */
  static Column exactSum(Column term) {
    Column t = term.cast("double");
    Column whole = floor(t);
    // t - floor(t) is exact for |t| < 2^52 and scaling by a power of two is exact.
    Column fraction = t.minus(whole).multiply(CovariateSums.TWO_26);
    Column high = floor(fraction);
    Column low = floor(fraction.minus(high).multiply(CovariateSums.TWO_26).plus(0.5));
    return CovariateSums.combine(sum(whole), sum(high), sum(low));
  }

  static Column stdDiff(Column meanT, Column meanC, Column varT, Column varC) {
    Column sd = sqrt(varT.plus(varC).divide(2));
    return when(sd.gt(0), meanT.minus(meanC).divide(sd));
  }
}
