package org.rwe.matching;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.rwe.config.AnalysisSettings;
import org.rwe.testing.GoldenCsv;
import org.rwe.testing.SparkTestSession;

/**
 * Matching, IPTW weights and covariate balance against R (goldens and the reasons for their
 * construction in {@code golden/matching_golden.R}): matched sets equal MatchIt 4.5.1's
 * nearest-neighbour matching (caliper 0.2 standardized on logit(PS), ratio 1, 4 and 100) with the
 * targets taken in CohortMethod's closest-pair-first order, which the script checks against a
 * brute-force statement of CohortMethod's rule; weights equal CohortMethod's estimators; means and
 * standardized differences equal CohortMethod's computeMeansPerGroup. Numbers to 1e-9 relative.
 */
class MatchingGoldenTest {
  static final SparkSession spark = SparkTestSession.get();
  static final double TOLERANCE = 1e-9;
  static final List<GoldenCsv.Row> DATA = GoldenCsv.read("matching_data.csv");
  static final String[] COVARIATES = {"x1", "x2", "x3", "visits"};

  static Dataset<Row> population() {
    StructType schema = AdjustmentTest.POPULATION;
    List<Row> rows = new ArrayList<>();
    for (GoldenCsv.Row r : DATA) {
      long id = r.integer("row_id");
      double ps = r.num("ps");
      rows.add(RowFactory.create(1, id, id, (int) r.integer("treatment"), ps, ps));
    }
    return spark.createDataFrame(rows, schema);
  }

  /** Covariate i + 1 is column COVARIATES[i]; zeros have no row, as in the covariates table. */
  static Dataset<Row> covariates() {
    List<Row> rows = new ArrayList<>();
    for (GoldenCsv.Row r : DATA) {
      for (int i = 0; i < COVARIATES.length; i++) {
        double v = r.num(COVARIATES[i]);
        if (v != 0) {
          rows.add(RowFactory.create(r.integer("row_id"), (long) i + 1, v));
        }
      }
    }
    return spark.createDataFrame(
        rows,
        new StructType()
            .add("row_id", DataTypes.LongType)
            .add("covariate_id", DataTypes.LongType)
            .add("covariate_value", DataTypes.DoubleType));
  }

  static AnalysisSettings analysis(String hocon) {
    return AdjustmentTest.analysis(hocon);
  }

  /** Target row -> its comparators' rows, sorted, from rows with a stratum id. */
  static Map<Long, List<Long>> matchedSets(Dataset<Row> adjusted) {
    Map<Long, Long> targetOf = new HashMap<>();
    List<Row> rows = adjusted.select("row_id", "treatment", "stratum_id").collectAsList();
    for (Row r : rows) {
      if (r.getInt(1) == 1) {
        targetOf.put(r.getLong(2), r.getLong(0));
      }
    }
    Map<Long, List<Long>> sets = new TreeMap<>();
    for (Row r : rows) {
      if (r.getInt(1) == 0) {
        sets.computeIfAbsent(targetOf.get(r.getLong(2)), k -> new ArrayList<>()).add(r.getLong(0));
      }
    }
    sets.values().forEach(l -> l.sort(Long::compare));
    return sets;
  }

  static Map<Long, List<Long>> goldenSets(int maxRatio) {
    Map<Long, List<Long>> sets = new TreeMap<>();
    for (GoldenCsv.Row r : GoldenCsv.read("matching_golden.csv")) {
      if (r.integer("max_ratio") == maxRatio) {
        List<Long> comparators = new ArrayList<>();
        for (String c : r.str("comparator_row_ids").split(";")) {
          comparators.add(Long.parseLong(c));
        }
        sets.put(r.integer("target_row_id"), comparators);
      }
    }
    return sets;
  }

  static void assertClose(double expected, double actual, String what) {
    if (!(Math.abs(expected - actual) <= TOLERANCE * Math.max(1, Math.abs(expected)))) {
      fail(what + ": expected " + expected + " (R) but was " + actual);
    }
  }

  @ParameterizedTest(name = "maxRatio {0}")
  @ValueSource(ints = {1, 4, 100})
  void matchedSetsEqualMatchIt(int maxRatio) {
    Map<Long, List<Long>> expected = goldenSets(maxRatio);
    assertTrue(expected.size() > 50, "golden has matched sets");
    Dataset<Row> matched =
        Adjustment.match(
            population(),
            covariates(),
            analysis(
                "adjustment = match, maxRatio = "
                    + maxRatio
                    + ", caliper = 0.2, caliperScale = \"standardized logit\""));
    assertEquals(expected, matchedSets(matched));
  }

  /** MatchIt's own orders give other sets on these data (matchit_orders.csv): why the order. */
  @Test
  void matchItsBuiltInOrdersAreNotCohortMethods() {
    Map<String, Long> differing = new HashMap<>();
    for (GoldenCsv.Row r : GoldenCsv.read("matchit_orders.csv")) {
      differing.put(r.str("m_order"), r.integer("targets_with_another_set"));
    }
    assertEquals(0L, differing.get("cohortmethod"));
    for (String order : List.of("largest", "smallest", "random", "data")) {
      assertTrue(differing.get(order) > 0, order);
    }
  }

  @Test
  void iptwWeightsEqualCohortMethods() {
    Map<String, Map<Long, Double>> expected = new TreeMap<>();
    for (GoldenCsv.Row r : GoldenCsv.read("iptw_golden.csv")) {
      String key =
          "estimator = "
              + r.str("estimator")
              + ", stabilize = "
              + r.str("stabilize").toLowerCase()
              + ", maxWeight = "
              + r.num("max_weight");
      expected.computeIfAbsent(key, k -> new HashMap<>()).put(r.integer("row_id"), r.num("weight"));
    }
    assertEquals(12, expected.size());
    Dataset<Row> population = population();
    for (Map.Entry<String, Map<Long, Double>> e : expected.entrySet()) {
      List<Row> rows =
          Adjustment.iptw(population, analysis("adjustment = iptw, " + e.getKey()))
              .select("row_id", "weight")
              .collectAsList();
      assertEquals(e.getValue().size(), rows.size(), e.getKey());
      for (Row r : rows) {
        assertClose(
            e.getValue().get(r.getLong(0)), r.getDouble(1), e.getKey() + ", row " + r.getLong(0));
      }
    }
  }

  static Stream<Arguments> balanceScenarios() {
    return Stream.of(
        Arguments.of("iptw att stabilized", "adjustment = iptw, estimator = att"),
        Arguments.of(
            "iptw ate stabilized max 2.5", "adjustment = iptw, estimator = ate, maxWeight = 2.5"),
        Arguments.of("iptw ate", "adjustment = iptw, estimator = ate, stabilize = false"),
        Arguments.of("iptw ato", "adjustment = iptw, estimator = ato"),
        Arguments.of("match 1:1", "adjustment = match, maxRatio = 1"),
        Arguments.of("match 1:4", "adjustment = match, maxRatio = 4"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("balanceScenarios")
  void balanceEqualsCohortMethods(String scenario, String hocon) {
    AnalysisSettings a = analysis(hocon);
    Dataset<Row> population = population();
    Dataset<Row> covariates = covariates();
    Dataset<Row> adjusted =
        a.adjustment().equals("iptw")
            ? Adjustment.iptw(population, a)
            : Adjustment.match(population, covariates, a);
    Dataset<Row> ref =
        spark.createDataFrame(
            List.of(
                RowFactory.create(1L, "x1", 0),
                RowFactory.create(2L, "x2", 0),
                RowFactory.create(3L, "x3", 0),
                RowFactory.create(4L, "visits", 0)),
            new StructType()
                .add("covariate_id", DataTypes.LongType)
                .add("covariate_name", DataTypes.StringType)
                .add("analysis_id", DataTypes.IntegerType));
    Map<Long, Row> actual = new HashMap<>();
    for (Row r :
        Balance.compute(
                population
                    .withColumn("analysis_id", lit(1))
                    .select("analysis_id", "outcome_id", "row_id", "treatment"),
                adjusted
                    .withColumn("analysis_id", lit(1))
                    .select("analysis_id", "outcome_id", "row_id", "treatment", "weight"),
                covariates,
                ref)
            .collectAsList()) {
      actual.put(r.getAs("covariate_id"), r);
    }
    int compared = 0;
    for (GoldenCsv.Row e : GoldenCsv.read("balance_golden.csv")) {
      if (!e.str("scenario").equals(scenario)) {
        continue;
      }
      Row r = actual.get(e.integer("covariate_id"));
      for (String column :
          List.of(
              "target_mean_before",
              "comparator_mean_before",
              "std_diff_before",
              "target_mean_after",
              "comparator_mean_after",
              "std_diff_after")) {
        assertClose(
            e.num(column),
            r.<Double>getAs(column),
            scenario + ", covariate " + e.integer("covariate_id") + ", " + column);
      }
      compared++;
    }
    assertEquals(COVARIATES.length, compared);
  }
}
