package org.rwe.matching;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.rwe.config.AnalysisSettings;
import org.rwe.config.StudySettings;
import org.rwe.testing.SparkTestSession;

/** IPTW weights, PS strata and trimming worked by hand on ten subjects. */
class AdjustmentTest {
  static final SparkSession spark = SparkTestSession.get();

  static AnalysisSettings analysis(String hocon) {
    return StudySettings.fromConfig(
            ConfigFactory.parseString(
                "conceptSets { x = [{conceptIds = [1]}] }\n"
                    + "cohort { base.conceptSet = x, target.conceptSet = x }\n"
                    + "outcomes = [{ outcomeId = 1, conceptSet = x }]\n"
                    + "analyses = [{ analysisId = 1, "
                    + hocon
                    + " }]"))
        .analysis(1);
  }

  /** The study population's columns that adjustment reads (MatchingGoldenTest shares them). */
  static final StructType COVARIATES =
      new StructType()
          .add("row_id", DataTypes.LongType)
          .add("covariate_id", DataTypes.LongType)
          .add("covariate_value", DataTypes.DoubleType);

  static final StructType POPULATION =
      new StructType()
          .add("outcome_id", DataTypes.IntegerType)
          .add("row_id", DataTypes.LongType)
          .add("person_id", DataTypes.LongType)
          .add("treatment", DataTypes.IntegerType)
          .add("propensity_score", DataTypes.DoubleType)
          .add("preference_score", DataTypes.DoubleType);

  /** Rows 1..5 targets with PS 0.2..0.6, rows 6..10 comparators with PS 0.1..0.5. */
  static Dataset<Row> population() {
    StructType schema = POPULATION;
    List<Row> rows = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      boolean target = i <= 5;
      double ps = target ? 0.1 + 0.1 * i : 0.1 * (i - 5);
      rows.add(RowFactory.create(1, (long) i, (long) i, target ? 1 : 0, ps, ps));
    }
    return spark.createDataFrame(rows, schema);
  }

  static Map<Long, Row> byRow(Dataset<Row> df) {
    Map<Long, Row> out = new TreeMap<>();
    for (Row r : df.collectAsList()) {
      out.put(r.getAs("row_id"), r);
    }
    return out;
  }

  @Test
  void iptwWeights() {
    Map<Long, Row> att =
        byRow(Adjustment.iptw(population(), analysis("adjustment = iptw, stabilize = false")));
    assertEquals(1.0, att.get(3L).<Double>getAs("weight"), 1e-15);
    assertEquals(0.3 / 0.7, att.get(8L).<Double>getAs("weight"), 1e-15, "ATT: ps / (1 - ps)");
    Map<Long, Row> attStable = byRow(Adjustment.iptw(population(), analysis("adjustment = iptw")));
    assertEquals(0.5, attStable.get(3L).<Double>getAs("weight"), 1e-15, "stabilized ATT: P(T)");
    assertEquals(
        0.5 * 0.3 / 0.7,
        attStable.get(8L).<Double>getAs("weight"),
        1e-15,
        "stabilized ATT: P(C) ps / (1 - ps)");
    Map<Long, Row> ate =
        byRow(Adjustment.iptw(population(), analysis("adjustment = iptw, estimator = ate")));
    assertEquals(
        0.5 / 0.4, ate.get(3L).<Double>getAs("weight"), 1e-15, "stabilized ATE: P(T) / ps");
    assertEquals(0.5 / 0.7, ate.get(8L).<Double>getAs("weight"), 1e-15);
    Map<Long, Row> ato =
        byRow(Adjustment.iptw(population(), analysis("adjustment = iptw, estimator = ato")));
    assertEquals(0.6, ato.get(3L).<Double>getAs("weight"), 1e-15, "overlap: 1 - ps for targets");
    assertEquals(0.3, ato.get(8L).<Double>getAs("weight"), 1e-15);
    Map<Long, Row> truncated =
        byRow(
            Adjustment.iptw(
                population(),
                analysis("adjustment = iptw, estimator = ate, stabilize = false, maxWeight = 4")));
    assertEquals(4.0, truncated.get(1L).<Double>getAs("weight"), 1e-15, "1 / 0.2 = 5 truncated");
  }

  @Test
  void strataFromPsQuantiles() {
    // PS of all ten: 0.1 .. 0.6 with 0.2..0.5 twice; quintile bounds (R type 7) of
    // {0.1,0.2,0.2,0.3,0.3,0.4,0.4,0.5,0.5,0.6}: 0.2, 0.28, 0.4, 0.5 (rounding aside).
    Map<Long, Row> s =
        byRow(
            Adjustment.stratify(
                population(), analysis("adjustment = stratify, numberOfStrata = 5")));
    assertEquals(0L, (long) s.get(6L).getAs("stratum_id"), "0.1 is below every bound");
    assertEquals(1L, (long) s.get(1L).getAs("stratum_id"), "0.2 equals the first bound");
    assertEquals(4L, (long) s.get(5L).getAs("stratum_id"), "0.6 is above every bound");
    // Comparator weights make them stand for the targets of their stratum.
    long stratum = s.get(8L).getAs("stratum_id");
    long targets =
        s.values().stream()
            .filter(
                r -> (long) r.getAs("stratum_id") == stratum && r.<Integer>getAs("treatment") == 1)
            .count();
    long comparators =
        s.values().stream()
            .filter(
                r -> (long) r.getAs("stratum_id") == stratum && r.<Integer>getAs("treatment") == 0)
            .count();
    assertEquals((double) targets / comparators, s.get(8L).<Double>getAs("weight"), 1e-15);
  }

  @Test
  void trimming() {
    // Fraction 0.2: drop targets below their 20th percentile PS (0.28 -> row 1 at 0.2) and
    // comparators above their 80th percentile (0.42 -> row 10 at 0.5).
    Map<Long, Row> f =
        byRow(Adjustment.trim(population(), analysis("trimming = fraction, trimFraction = 0.2")));
    assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), List.copyOf(f.keySet()));
    Map<Long, Row> e =
        byRow(
            Adjustment.trim(
                population(), analysis("trimming = equipoise, equipoiseBounds = [0.3, 0.5]")));
    assertEquals(List.of(2L, 3L, 4L, 8L, 9L, 10L), List.copyOf(e.keySet()));
  }

  /**
   * CohortMethod's "matching with extra variable(s)" tests (test-psFunctions.R): rows 1..100
   * alternating comparator/target, PS row / 100, age floor((100 - row) / 10), sex in blocks of 5;
   * 1:1 without caliper within age (50 sets) or within age and sex (40 sets).
   */
  @Test
  void matchingWithinCovariatesAsCohortMethod() {
    StructType schema = POPULATION;
    List<Row> rows = new ArrayList<>();
    List<Row> covariates = new ArrayList<>();
    Map<Long, String> group = new TreeMap<>();
    for (int i = 1; i <= 100; i++) {
      long age = (100 - i) / 10;
      long sex = ((i - 1) / 5) % 2;
      rows.add(RowFactory.create(1, (long) i, (long) i, (i - 1) % 2, i / 100.0, i / 100.0));
      if (age != 0) {
        covariates.add(RowFactory.create((long) i, 1003L, (double) age));
      }
      if (sex != 0) {
        covariates.add(RowFactory.create((long) i, 8507001L, 1.0));
      }
      group.put((long) i, age + "/" + sex);
    }
    Dataset<Row> population = spark.createDataFrame(rows, schema);
    Dataset<Row> cov = spark.createDataFrame(covariates, COVARIATES);
    for (String ids : List.of("[1003]", "[1003, 8507001]")) {
      Map<Long, Row> m =
          byRow(
              Adjustment.match(
                  population,
                  cov,
                  analysis(
                      "adjustment = match, maxRatio = 1, caliper = 0, matchOnCovariateIds = "
                          + ids)));
      Map<Long, java.util.Set<String>> keys = new TreeMap<>();
      for (Row r : m.values()) {
        long row = r.getAs("row_id");
        String key = ids.contains("8507001") ? group.get(row) : group.get(row).split("/")[0];
        keys.computeIfAbsent(r.<Long>getAs("stratum_id"), k -> new java.util.TreeSet<>()).add(key);
      }
      assertEquals(ids.contains("8507001") ? 40 : 50, keys.size(), ids);
      assertEquals(keys.size() - 1L, (long) ((TreeMap<Long, ?>) keys).lastKey(), ids);
      keys.forEach((k, v) -> assertEquals(1, v.size(), "set " + k + " mixes " + v));
    }
  }

  /**
   * The matching in Spark tasks gives the former driver loop's sets and ids (re-run here: each
   * outcome sorted by key and row id, the caliper from the whole outcome, the boxed kernel, ids
   * offset per key group), with covariate keys, reverse matching, several outcomes and ratios,
   * whatever the partitioning of the input and of the shuffle.
   */
  @Test
  void matchedSetsInTasksEqualTheFormerDriverLoop() {
    java.util.Random rnd = new java.util.Random(3);
    List<Row> rows = new ArrayList<>();
    List<Row> covariates = new ArrayList<>();
    long rowId = 0;
    for (int outcomeId : new int[] {3, 1, 2}) {
      // Outcome 2 has more targets than comparators (reverse matching).
      double share = outcomeId == 2 ? 0.7 : 0.3;
      for (int i = 0; i < 400; i++) {
        rowId += 1 + rnd.nextInt(3);
        long person = i > 0 && rnd.nextInt(4) == 0 ? rowId - 1 : rowId;
        double ps = Math.round(1000 / (1 + Math.exp(-rnd.nextGaussian()))) / 1000.0;
        rows.add(
            RowFactory.create(outcomeId, rowId, person, rnd.nextDouble() < share ? 1 : 0, ps, ps));
        if (rnd.nextInt(3) > 0) {
          covariates.add(RowFactory.create(rowId, 1003L, (double) rnd.nextInt(3)));
        }
        if (rnd.nextBoolean()) {
          covariates.add(RowFactory.create(rowId, 8507001L, 1.0));
        }
      }
    }
    Dataset<Row> population = spark.createDataFrame(rows, POPULATION);
    Dataset<Row> cov = spark.createDataFrame(covariates, COVARIATES);
    String partitions = spark.conf().get("spark.sql.shuffle.partitions");
    try {
      for (String hocon :
          List.of(
              "maxRatio = 1, caliper = 0.2, matchOnCovariateIds = [8507001, 1003],"
                  + " allowReverseMatch = true",
              "maxRatio = 4, caliper = 0.2",
              "maxRatio = 0, caliper = 0.05, caliperScale = \"propensity score\","
                  + " allowReverseMatch = true")) {
        AnalysisSettings a = analysis("adjustment = match, " + hocon);
        Map<String, Long> expected = formerDriverLoop(population, cov, a);
        assertEquals(true, expected.size() > 300, hocon);
        for (int shuffle : new int[] {1, 5}) {
          spark.conf().set("spark.sql.shuffle.partitions", shuffle);
          Map<String, Long> actual = new TreeMap<>();
          for (Row r :
              Adjustment.matchedSets(population.repartition(3 + shuffle), cov, a).collectAsList()) {
            actual.put(r.getInt(0) + "/" + r.getLong(1), r.getLong(2));
          }
          assertEquals(expected, actual, hocon + ", " + shuffle + " shuffle partitions");
        }
      }
    } finally {
      spark.conf().set("spark.sql.shuffle.partitions", partitions);
    }
  }

  /** Adjustment.match as it was at commit c000404, on the driver: outcome/row -> set id. */
  static Map<String, Long> formerDriverLoop(
      Dataset<Row> population, Dataset<Row> covariates, AnalysisSettings a) {
    // The covariate key as the former loop made it (unchanged since c000404).
    Dataset<Row> keyed = Adjustment.withMatchingCovariateKey(population, covariates, a);
    Map<String, Long> out = new TreeMap<>();
    for (Row o : keyed.select("outcome_id").distinct().collectAsList()) {
      int outcomeId = o.getInt(0);
      List<Row> all =
          keyed.filter("outcome_id = " + outcomeId).orderBy("_key", "row_id").collectAsList();
      Map<String, List<Row>> byKey = new TreeMap<>();
      for (Row r : all) {
        byKey.computeIfAbsent(r.getString(5), k -> new ArrayList<>()).add(r);
      }
      double[] ps = all.stream().mapToDouble(r -> r.getDouble(4)).toArray();
      double caliper = GreedyMatcher.caliperOnScale(a.caliper(), a.caliperScale(), ps);
      long offset = 0;
      for (List<Row> group : byKey.values()) {
        long treated = group.stream().mapToLong(r -> r.getInt(3)).sum();
        boolean reverse = a.allowReverseMatch() && treated > group.size() - treated;
        List<GreedyMatcher.Subject> subjects = new ArrayList<>();
        for (Row r : group) {
          subjects.add(
              new GreedyMatcher.Subject(
                  r.getLong(1),
                  r.getLong(2),
                  reverse ? 1 - r.getInt(3) : r.getInt(3),
                  GreedyMatcher.score(r.getDouble(4), a.caliperScale(), caliper)));
        }
        long max = -1;
        for (GreedyMatcher.Assignment m :
            BoxedGreedyMatcher.match(subjects, a.maxRatio(), caliper)) {
          if (m.stratumId() >= 0) {
            out.put(outcomeId + "/" + m.rowId(), offset + m.stratumId());
            max = Math.max(max, m.stratumId());
          }
        }
        offset += max + 1;
      }
    }
    return out;
  }
}
