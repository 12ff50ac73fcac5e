package org.rwe.matching;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.rwe.config.AnalysisSettings;

/**
 * The adjustments of CohortMethod on a study population with propensity scores, per outcome:
 * trimByPs (fraction or equipoise), matchOnPs, stratifyByPs and IPTW weights. Each returns the kept
 * rows with {@code stratum_id} (matched set or PS stratum; null when none) and {@code weight} (IPTW
 * weight; for sets and strata the weight that makes the comparators stand for the targets: #targets
 * / #comparators of the set, used for balance and Kaplan-Meier).
 *
 * <p>Input columns: outcome_id, row_id, person_id, treatment, propensity_score, preference_score.
 */
public final class Adjustment {
  private Adjustment() {}

  /** trimByPs: by fraction (lowest target PS, highest comparator PS) or to equipoise. */
  public static Dataset<Row> trim(Dataset<Row> population, AnalysisSettings a) {
    switch (a.trimming()) {
      case "fraction" -> {
        double f = a.trimFraction();
        Dataset<Row> bounds =
            population
                .groupBy("outcome_id")
                .agg(
                    expr("percentile(CASE WHEN treatment = 1 THEN propensity_score END, " + f + ")")
                        .as("_lo"),
                    expr("percentile(CASE WHEN treatment = 0 THEN propensity_score END, "
                            + (1 - f)
                            + ")")
                        .as("_hi"));
        return population
            .join(bounds, "outcome_id")
            .filter(
                when(col("treatment").equalTo(1), col("propensity_score").geq(col("_lo")))
                    .otherwise(col("propensity_score").leq(col("_hi"))))
            .drop("_lo", "_hi");
      }
      case "equipoise" -> {
        return population.filter(
            col("preference_score")
                .between(a.equipoiseBounds().get(0), a.equipoiseBounds().get(1)));
      }
      default -> {
        return population;
      }
    }
  }

  /**
   * stratifyByPs: strata bounded by the PS quantiles (1/n .. (n-1)/n) of the base selection; a row
   * falls in stratum k = the number of bounds at or below its PS, as R's findInterval.
   */
  public static Dataset<Row> stratify(Dataset<Row> population, AnalysisSettings a) {
    int n = a.numberOfStrata();
    StringBuilder probs = new StringBuilder("array(");
    for (int i = 1; i < n; i++) {
      probs.append(i > 1 ? ", " : "").append((double) i / n);
    }
    probs.append(")");
    String base =
        switch (a.stratificationBaseSelection()) {
          case "target" -> "CASE WHEN treatment = 1 THEN propensity_score END";
          case "comparator" -> "CASE WHEN treatment = 0 THEN propensity_score END";
          default -> "propensity_score";
        };
    Dataset<Row> withStrata;
    if (n == 1) {
      withStrata = population.withColumn("stratum_id", lit(0L));
    } else {
      Dataset<Row> bounds =
          population
              .groupBy("outcome_id")
              .agg(expr("percentile(" + base + ", " + probs + ")").as("_bounds"));
      withStrata =
          population
              .join(bounds, "outcome_id")
              .withColumn(
                  "stratum_id",
                  expr("size(filter(_bounds, b -> b <= propensity_score))").cast("long"))
              .drop("_bounds");
    }
    return withSetWeights(withStrata);
  }

  /**
   * IPTW weights (CohortMethod's estimators): ATE 1/ps and 1/(1-ps); ATT 1 and ps/(1-ps); ATO
   * (overlap) 1-ps and ps. Stabilized: ATE multiplies by the arm's share, ATT multiplies the
   * comparator weights by #comparators / #targets, so the weights sum to about the arm sizes.
   * Truncated at maxWeight when it is set.
   */
  public static Dataset<Row> iptw(Dataset<Row> population, AnalysisSettings a) {
    WindowSpec perOutcome = Window.partitionBy("outcome_id");
    Column nT = sum(col("treatment")).over(perOutcome).cast("double");
    Column n = count(lit(1)).over(perOutcome).cast("double");
    Column pT = nT.divide(n);
    Column ps = col("propensity_score");
    Column t = col("treatment").equalTo(1);
    Column w =
        switch (a.estimator()) {
          case "ate" ->
              a.stabilize()
                  ? when(t, pT.divide(ps)).otherwise(lit(1).minus(pT).divide(lit(1).minus(ps)))
                  : when(t, lit(1).divide(ps)).otherwise(lit(1).divide(lit(1).minus(ps)));
          case "ato" -> when(t, lit(1).minus(ps)).otherwise(ps);
          default -> {
            Column odds = ps.divide(lit(1).minus(ps));
            yield a.stabilize()
                ? when(t, lit(1.0)).otherwise(odds.multiply(lit(1).minus(pT)).divide(pT))
                : when(t, lit(1.0)).otherwise(odds);
          }
        };
    if (a.maxWeight() > 0) {
      w = least(w, lit(a.maxWeight()));
    }
    return population.withColumn("stratum_id", lit(null).cast("long")).withColumn("weight", w);
  }

  /** Weight of a set member: 1 for targets, #targets / #comparators for comparators. */
  static Dataset<Row> withSetWeights(Dataset<Row> rows) {
    WindowSpec set = Window.partitionBy("outcome_id", "stratum_id");
    return rows.withColumn("_t", sum(col("treatment")).over(set))
        .withColumn("_n", count(lit(1)).over(set))
        .withColumn(
            "weight",
            when(col("treatment").equalTo(1), lit(1.0))
                .when(col("_n").equalTo(col("_t")), lit(0.0))
                .otherwise(col("_t").divide(col("_n").minus(col("_t")))))
        .drop("_t", "_n");
  }

  /**
   * matchOnPs, on the driver one outcome at a time (bound: about 40 bytes per row of one outcome's
   * population). With matchOnCovariateIds, matching runs within each combination of those
   * covariates' values; with allowReverseMatch and more targets than comparators, comparators are
   * matched to targets.
   *
   * @param covariates (row_id, covariate_id, covariate_value), needed only for matchOnCovariateIds
   */
  public static Dataset<Row> match(
      Dataset<Row> population,
      Dataset<Row> covariates,
      AnalysisSettings a,
      List<Integer> outcomeIds) {
    SparkSession spark = population.sparkSession();
    Dataset<Row> keyed =
        population.select("outcome_id", "row_id", "person_id", "treatment", "propensity_score");
    if (!a.matchOnCovariateIds().isEmpty()) {
      Dataset<Row> key =
          covariates
              .filter(col("covariate_id").isin(a.matchOnCovariateIds().toArray()))
              .groupBy("row_id")
              .agg(
                  expr("concat_ws(',', sort_array(collect_list(concat(covariate_id, '=', covariate_value))))")
                      .as("_key"));
      keyed =
          keyed
              .join(key, new String[] {"row_id"}, "left")
              .withColumn("_key", org.apache.spark.sql.functions.coalesce(col("_key"), lit("")));
    } else {
      keyed = keyed.withColumn("_key", lit(""));
    }
    Dataset<Row> cached = keyed.localCheckpoint();
    List<Row> out = new ArrayList<>();
    for (int outcomeId : outcomeIds) {
      List<Row> rows =
          cached
              .filter(col("outcome_id").equalTo(outcomeId))
              .orderBy("_key", "row_id")
              .collectAsList();
      Map<String, List<Row>> byKey = new java.util.TreeMap<>();
      for (Row r : rows) {
        byKey.computeIfAbsent(r.getString(5), k -> new ArrayList<>()).add(r);
      }
      // The caliper is computed on the whole outcome population, as CohortMethod does.
      double caliper = caliperFor(a, rows);
      long offset = 0;
      for (List<Row> group : byKey.values()) {
        double[] ps = new double[group.size()];
        long treated = 0;
        for (int i = 0; i < group.size(); i++) {
          ps[i] = group.get(i).getDouble(4);
          treated += group.get(i).getInt(3);
        }
        boolean reverse = a.allowReverseMatch() && treated > group.size() - treated;
        List<GreedyMatcher.Subject> subjects = new ArrayList<>(group.size());
        for (int i = 0; i < group.size(); i++) {
          Row r = group.get(i);
          int arm = reverse ? 1 - r.getInt(3) : r.getInt(3);
          subjects.add(
              new GreedyMatcher.Subject(
                  r.getLong(1), r.getLong(2), arm, GreedyMatcher.score(ps[i], a.caliperScale())));
        }
        long maxStratum = -1;
        for (GreedyMatcher.Assignment m : GreedyMatcher.match(subjects, a.maxRatio(), caliper)) {
          if (m.stratumId() >= 0) {
            out.add(RowFactory.create(outcomeId, m.rowId(), offset + m.stratumId()));
            maxStratum = Math.max(maxStratum, m.stratumId());
          }
        }
        offset += maxStratum + 1;
      }
    }
    StructType schema =
        new StructType()
            .add("outcome_id", DataTypes.IntegerType)
            .add("row_id", DataTypes.LongType)
            .add("stratum_id", DataTypes.LongType);
    Dataset<Row> strata = spark.createDataFrame(out, schema);
    return withSetWeights(population.join(strata, new String[] {"outcome_id", "row_id"}));
  }

  private static double caliperFor(AnalysisSettings a, List<Row> rows) {
    double[] ps = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      ps[i] = rows.get(i).getDouble(4);
    }
    return GreedyMatcher.caliperOnScale(a.caliper(), a.caliperScale(), ps);
  }
}
