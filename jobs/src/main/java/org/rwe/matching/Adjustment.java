package org.rwe.matching;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.rwe.config.AnalysisSettings;
import org.rwe.config.StudyPopulationSettings;

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
   * (overlap) 1-ps and ps. Stabilized as CohortMethod's computeIptw: ATE and ATT multiply each
   * arm's weights by that arm's share, P(T) for targets and P(C) for comparators (ATO has no
   * stabilized form). Truncated at maxWeight when it is set, after stabilizing, as CohortMethod
   * does.
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
                ? when(t, pT).otherwise(odds.multiply(lit(1).minus(pT)))
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
   * matchOnPs: the matched sets of {@link #matchedSets} with their set weights.
   *
   * @param covariates (row_id, covariate_id, covariate_value), needed only for matchOnCovariateIds
   */
  public static Dataset<Row> match(
      Dataset<Row> population, Dataset<Row> covariates, AnalysisSettings a) {
    return withMatchedSets(population, matchedSets(population, covariates, a));
  }

  /** The population's rows that are in a matched set, with stratum_id and the set weights. */
  public static Dataset<Row> withMatchedSets(Dataset<Row> population, Dataset<Row> sets) {
    return withSetWeights(population.join(sets, new String[] {"outcome_id", "row_id"}));
  }

  /**
   * What decides an analysis's matched sets given the PS (one per run): its study population, its
   * trimming and its matching options. Analyses with equal keys share one matching (e.g. the sample
   * study's analyses 2 and 7, which differ only in the outcome model).
   */
  public record MatchingKey(
      StudyPopulationSettings studyPopulation,
      String trimming,
      double trimFraction,
      List<Double> equipoiseBounds,
      int maxRatio,
      double caliper,
      String caliperScale,
      boolean allowReverseMatch,
      List<Long> matchOnCovariateIds) {}

  public static MatchingKey matchingKey(AnalysisSettings a) {
    return new MatchingKey(
        a.studyPopulation(),
        a.trimming(),
        a.trimming().equals("fraction") ? a.trimFraction() : 0,
        a.trimming().equals("equipoise") ? a.equipoiseBounds() : List.of(),
        a.maxRatio(),
        a.caliper(),
        a.caliperScale(),
        a.allowReverseMatch(),
        List.copyOf(new java.util.TreeSet<>(a.matchOnCovariateIds())));
  }

  /**
   * matchOnPs in Spark tasks: (outcome_id, row_id, stratum_id) of every matched row. With
   * matchOnCovariateIds, matching runs within each combination of those covariates' values; with
   * allowReverseMatch and more targets than comparators, comparators are matched to targets. Within
   * those strata the score is the same as without them (logit PS with a standardized-logit
   * caliper), where CohortMethod 5 passes the raw PS with the logit-scale caliper.
   *
   * <p>One task matches one outcome's population: the caliper is computed on the whole outcome
   * population (as CohortMethod does), from its PS in (key, row_id) order, and the set ids count
   * from 0 per outcome, the covariate-value groups in key order, so the sets and their ids are
   * those of the former driver loop (which sorted each outcome by key and row_id and offset each
   * group's ids by the sets before it). The rows reach the task sorted by Spark's shuffle sort
   * (which spills), so only the task's buffers below hold one outcome in memory.
   *
   * <p>Size of one group: the task holds one outcome's population of the matching in primitive
   * arrays: 44 bytes a row here (row id, person id, arm, PS, score, set), about 70 more in
   * GreedyMatcher while it matches (its sorted copies, union-find links and heap; see there), and
   * the arrays grow by half when full: about 130 bytes a row at the peak, so 1.3 GB for an outcome
   * of 10 M rows (a LEGEND-size study; the sort before it spills, the task's rows are not held as
   * objects). A task with less memory than that, or 100 M rows (13 GB), would not fit. The greedy
   * match is not split: its one heap orders the pairs of the whole score line, a round ends the
   * matching only when no pair of the whole group matched, the caliper is the sd of the whole
   * outcome and the set ids are numbered in the order the sets form. Splitting at gaps in the score
   * wider than the caliper would keep the pairs of round 1, but not the stop between rounds (with
   * maxRatio > 1, one part's targets could get another comparator in a round the other part kept
   * going) nor the set ids; so a larger group needs a larger task (more executor memory, or fewer
   * cores an executor); with matchOnCovariateIds only GreedyMatcher's part is per group.
   */
  public static Dataset<Row> matchedSets(
      Dataset<Row> population, Dataset<Row> covariates, AnalysisSettings a) {
    Dataset<Row> keyed = withMatchingCovariateKey(population, covariates, a);
    // Column order as MatchOutcomes reads it.
    keyed =
        keyed.select("outcome_id", "_key", "row_id", "person_id", "treatment", "propensity_score");
    // Keys are ASCII ("id=value,..."), so Spark's byte order of _key is the String order of the
    // former TreeMap of groups.
    return keyed
        .repartition(col("outcome_id"))
        .sortWithinPartitions("outcome_id", "_key", "row_id")
        .mapPartitions(
            new MatchOutcomes(a.maxRatio(), a.caliper(), a.caliperScale(), a.allowReverseMatch()),
            Encoders.row(SETS));
  }

  /**
   * The population's (outcome_id, row_id, person_id, treatment, propensity_score) with {@code
   * _key}: the values of the analysis's matchOnCovariateIds as "id=value,..." in id order (""
   * without them, or for a row that has none of them). Matching runs within each key.
   */
  static Dataset<Row> withMatchingCovariateKey(
      Dataset<Row> population, Dataset<Row> covariates, AnalysisSettings a) {
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
    return keyed.select(
        "outcome_id", "row_id", "person_id", "treatment", "propensity_score", "_key");
  }

  private static final StructType SETS =
      new StructType()
          .add("outcome_id", DataTypes.IntegerType, false)
          .add("row_id", DataTypes.LongType, false)
          .add("stratum_id", DataTypes.LongType, false);

  /**
   * A task's part of the matching: its partition holds whole outcomes, sorted by (outcome, key,
   * row_id); each outcome is buffered in primitive arrays, matched and emitted.
   */
  private static final class MatchOutcomes implements MapPartitionsFunction<Row, Row> {
    private final int maxRatio;
    private final double caliper;
    private final String caliperScale;
    private final boolean allowReverseMatch;

    MatchOutcomes(int maxRatio, double caliper, String caliperScale, boolean allowReverseMatch) {
      this.maxRatio = maxRatio;
      this.caliper = caliper;
      this.caliperScale = caliperScale;
      this.allowReverseMatch = allowReverseMatch;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      // Outcomes one after the other: the next outcome is read only when the previous one's sets
      // have been emitted.
      return new Iterator<>() {
        private Row pending = rows.hasNext() ? rows.next() : null;
        private Iterator<Row> current = java.util.Collections.emptyIterator();

        @Override
        public boolean hasNext() {
          while (!current.hasNext() && pending != null) {
            current = matchOutcome();
          }
          return current.hasNext();
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          return current.next();
        }

        private Iterator<Row> matchOutcome() {
          int outcomeId = pending.getInt(0);
          OutcomeRows o = new OutcomeRows();
          while (pending != null && pending.getInt(0) == outcomeId) {
            o.add(pending);
            pending = rows.hasNext() ? rows.next() : null;
          }
          return o.match(outcomeId);
        }
      };
    }

    /** One outcome's rows in (key, row_id) order, in growable primitive arrays. */
    private final class OutcomeRows {
      private long[] rowId = new long[1024];
      private long[] personId = new long[1024];
      private int[] treatment = new int[1024];
      private double[] ps = new double[1024];
      // Where each key's group starts; keys are compared with the previous row's only.
      private int[] groupStart = new int[16];
      private int groups;
      private String lastKey;
      private int n;

      void add(Row r) {
        if (n == rowId.length) {
          int size = Math.addExact(n, n >> 1);
          rowId = Arrays.copyOf(rowId, size);
          personId = Arrays.copyOf(personId, size);
          treatment = Arrays.copyOf(treatment, size);
          ps = Arrays.copyOf(ps, size);
        }
        String key = r.getString(1);
        if (n == 0 || !key.equals(lastKey)) {
          if (groups == groupStart.length) {
            groupStart = Arrays.copyOf(groupStart, groups * 2);
          }
          groupStart[groups++] = n;
          lastKey = key;
        }
        rowId[n] = r.getLong(2);
        personId[n] = r.getLong(3);
        treatment[n] = r.getInt(4);
        ps[n] = r.getDouble(5);
        n++;
      }

      /** The sets of this outcome's rows, numbered on from the previous key groups' sets. */
      Iterator<Row> match(int outcomeId) {
        // The caliper is computed on the whole outcome population, as CohortMethod does.
        double cal = GreedyMatcher.caliperOnScale(caliper, caliperScale, Arrays.copyOf(ps, n));
        long[] set = new long[n];
        double[] score = new double[n];
        for (int i = 0; i < n; i++) {
          score[i] = GreedyMatcher.score(ps[i], caliperScale, cal);
        }
        long offset = 0;
        for (int g = 0; g < groups; g++) {
          int from = groupStart[g];
          int to = g + 1 < groups ? groupStart[g + 1] : n;
          long treated = 0;
          for (int i = from; i < to; i++) {
            treated += treatment[i];
          }
          if (allowReverseMatch && treated > (to - from) - treated) {
            for (int i = from; i < to; i++) {
              treatment[i] = 1 - treatment[i];
            }
          }
          long[] local =
              GreedyMatcher.match(rowId, personId, treatment, score, from, to, maxRatio, cal);
          long maxStratum = -1;
          for (int i = from; i < to; i++) {
            long s = local[i - from];
            set[i] = s < 0 ? -1 : offset + s;
            maxStratum = Math.max(maxStratum, s);
          }
          offset += maxStratum + 1;
        }
        return new Iterator<>() {
          private int i = next(0);

          private int next(int from) {
            int j = from;
            while (j < n && set[j] < 0) {
              j++;
            }
            return j;
          }

          @Override
          public boolean hasNext() {
            return i < n;
          }

          @Override
          public Row next() {
            if (i >= n) {
              throw new java.util.NoSuchElementException();
            }
            Row r = RowFactory.create(outcomeId, rowId[i], set[i]);
            i = next(i + 1);
            return r;
          }
        };
      }
    }
  }
}
