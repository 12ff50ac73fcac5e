package org.rwe.results;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/** The small-cell rules on hand-built rows: primary, complementary, means, derived values. */
class SuppressionTest {
  static final int M = 11;

  static Row row(Object... v) {
    return RowFactory.create(v);
  }

  /** A cohort_method_result row with the given counts and an estimate. */
  static Row cmr(long ts, long cs, long to, long co) {
    return row(
        2, 1, "o", false, ts, cs, ts * 300, cs * 300, to, co, 0.8, 0.6, 1.1, 0.2, -0.22, 0.15, 1.5,
        0.9, "att", 0.82, 0.55, 1.2, 0.3, -0.2, 0.2, "OK");
  }

  static Row one(ResultTable t, Row r) {
    return Suppression.apply(List.of(r), t, M).get(0);
  }

  static Object at(ResultTable t, Row r, String column) {
    return r.get(t.indexOf(column));
  }

  @Test
  void countsBelowTheMinimumAreWrittenAsMinusTheMinimumAndZeroStays() {
    ResultTable t = ResultsSchema.COHORT_METHOD_RESULT;
    Row r = one(t, cmr(500, 600, 10, 0));
    assertEquals(-11L, at(t, r, "target_outcomes"));
    assertEquals(0L, at(t, r, "comparator_outcomes"));
    assertEquals(500L, at(t, r, "target_subjects"));
    Row edge = one(t, cmr(500, 600, 11, 1));
    assertEquals(11L, at(t, edge, "target_outcomes"), "11 is not a small cell");
    assertEquals(-11L, at(t, edge, "comparator_outcomes"));
  }

  @Test
  void estimatesRestingOnAMaskedCountAreNull() {
    ResultTable t = ResultsSchema.COHORT_METHOD_RESULT;
    Row r = one(t, cmr(500, 600, 40, 3));
    for (String c :
        List.of(
            "rr",
            "ci_95_lb",
            "ci_95_ub",
            "p",
            "log_rr",
            "se_log_rr",
            "llr",
            "calibrated_rr",
            "calibrated_ci_95_lb",
            "calibrated_ci_95_ub",
            "calibrated_p",
            "calibrated_log_rr",
            "calibrated_se_log_rr",
            "one_sided_p")) {
      assertNull(at(t, r, c), c);
    }
    assertEquals(40L, at(t, r, "target_outcomes"));
    assertEquals("OK", at(t, r, "model_status"));
    assertEquals("att", at(t, r, "target_estimator"));
    Row fine = one(t, cmr(500, 600, 40, 30));
    assertEquals(0.8, at(t, fine, "rr"));
    assertEquals(0.82, at(t, fine, "calibrated_rr"));
  }

  @Test
  void daysAtRiskOfAMaskedArmAreNull() {
    ResultTable t = ResultsSchema.COHORT_METHOD_RESULT;
    Row r = one(t, cmr(4, 600, 0, 30));
    assertEquals(-11L, at(t, r, "target_subjects"));
    assertNull(at(t, r, "target_days"));
    assertEquals(180000L, at(t, r, "comparator_days"));
  }

  @Test
  void subjectsWithoutTheOutcomeCannotBeRecoveredWhenFew() {
    ResultTable t = ResultsSchema.COHORT_METHOD_RESULT;
    // 15 subjects, 12 with the outcome: 3 without it would be a small cell by subtraction.
    Row r = one(t, cmr(15, 600, 12, 30));
    assertEquals(15L, at(t, r, "target_subjects"));
    assertNull(at(t, r, "target_outcomes"), "withheld");
    assertNull(at(t, r, "rr"), "an estimate on a withheld count is withheld");
    assertEquals(30L, at(t, r, "comparator_outcomes"));
    // 11 subjects, 1 outcome: the outcome is masked; 10 without it are then unknown (1..10 hidden).
    Row s = one(t, cmr(11, 600, 1, 30));
    assertEquals(11L, at(t, s, "target_subjects"));
    assertEquals(-11L, at(t, s, "target_outcomes"));
    // Everyone had the outcome: the remainder is 0, nothing to hide.
    Row all = one(t, cmr(40, 600, 40, 30));
    assertEquals(40L, at(t, all, "target_outcomes"));
  }

  static final ResultTable SUMS =
      ResultTable.table("sums", "test")
          .key("id", IntegerType, "row")
          .count("total", LongType, "all")
          .count("a", LongType, "part a")
          .count("b", LongType, "part b")
          .count("c", LongType, "part c")
          .sum("total", "a", "b", "c")
          .build();

  @Test
  void aMaskedPartOfAPublishedTotalTakesAnotherPartWithIt() {
    Row r = one(SUMS, row(1, 1000L, 3L, 400L, 597L));
    assertEquals(1000L, r.get(1));
    assertEquals(-11L, r.get(2));
    assertNull(r.get(3), "the smallest other part is withheld");
    assertEquals(597L, r.get(4));
    // Two masked parts that add up to fewer than 11 are still a small cell together.
    Row two = one(SUMS, row(2, 1000L, 3L, 4L, 993L));
    assertEquals(-11L, two.get(2));
    assertEquals(-11L, two.get(3));
    assertNull(two.get(4));
    // Two masked parts that add up to 11 or more protect each other.
    Row pair = one(SUMS, row(3, 1000L, 6L, 7L, 987L));
    assertEquals(987L, pair.get(4));
  }

  static final ResultTable CHAIN =
      ResultTable.table("chain", "test")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .key("sequence_number", IntegerType, "step")
          .col("description", StringType, "step")
          .count("target_subjects", LongType, "left")
          .count("comparator_subjects", LongType, "left")
          .chain(
              List.of("analysis_id", "outcome_id"),
              List.of(0, 0),
              "sequence_number",
              "target_subjects",
              "comparator_subjects")
          .build();

  @Test
  void attritionStepsThatRemoveFewPersonsHideTheCountBeforeThem() {
    List<Row> in =
        List.of(
            row(0, 0, 1, "base", 1000L, 5000L),
            row(0, 0, 2, "no ESRD", 997L, 4990L),
            row(0, 0, 3, "adults", 900L, 4000L),
            row(2, 1, 4, "no prior outcome", 895L, 3999L),
            row(2, 1, 5, "matched", 880L, 880L),
            row(2, 6, 4, "no prior outcome", 900L, 3900L));
    List<Row> out = Suppression.apply(in, CHAIN, M);
    // Target, walking back from 880: 895 (15 more), 900 (5 more: withheld), 997, 1000 (3 more:
    // withheld). Outcome 6 keeps 900 after 900 (0 removed) and 997 before it.
    assertNull(out.get(0).get(4));
    assertEquals(997L, out.get(1).get(4));
    assertNull(out.get(2).get(4), "withheld for outcome 1's chain, so for every chain");
    assertEquals(895L, out.get(3).get(4));
    assertEquals(880L, out.get(4).get(4), "the last count of a chain is kept");
    assertEquals(900L, out.get(5).get(4));
    // Comparator: 4000 is 1 above 3999 and 5000 is 10 above 4990: both withheld.
    assertNull(out.get(0).get(5));
    assertEquals(4990L, out.get(1).get(5));
    assertNull(out.get(2).get(5));
    assertEquals(3999L, out.get(3).get(5));
    assertEquals(880L, out.get(4).get(5));
    assertEquals(3900L, out.get(5).get(5));
  }

  @Test
  void aMaskedTailNeedsNoMore() {
    List<Row> out =
        Suppression.apply(
            List.of(
                row(0, 0, 1, "a", 1000L, 0L),
                row(0, 0, 2, "b", 15L, 0L),
                row(0, 0, 3, "c", 5L, 0L)),
            CHAIN,
            M);
    assertEquals(1000L, out.get(0).get(4));
    assertEquals(15L, out.get(1).get(4), "15 - (1..10) is not a number a reader can have");
    assertEquals(-11L, out.get(2).get(4));
  }

  /** On random chains: every count a reader sees, and every difference he can take, is safe. */
  @Test
  void noSmallCountOrSmallDifferenceSurvivesOnRandomChains() {
    long seed = 20260101L;
    System.out.println("SuppressionTest random chains, seed " + seed);
    Random rnd = new Random(seed);
    for (int trial = 0; trial < 300; trial++) {
      List<Row> in = new ArrayList<>();
      long t = rnd.nextInt(3) == 0 ? rnd.nextInt(30) : 100 + rnd.nextInt(2000);
      int seq = 1;
      for (int i = 0; i < 4; i++, seq++) {
        t -= rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(rnd.nextBoolean() ? 12 : 200);
        t = Math.max(0, t);
        in.add(row(0, 0, seq, "s", t, t));
      }
      for (int outcome = 1; outcome <= 3; outcome++) {
        long u = t;
        for (int i = 0; i < 3; i++) {
          u = Math.max(0, u - (rnd.nextBoolean() ? rnd.nextInt(15) : rnd.nextInt(300)));
          in.add(row(1, outcome, seq + i, "s", u, u));
        }
      }
      List<Row> out = Suppression.apply(in, CHAIN, M);
      for (int outcome = 1; outcome <= 3; outcome++) {
        Long last = null;
        for (Row r : out) {
          int o = r.getInt(1);
          if (o != 0 && o != outcome) {
            continue;
          }
          Long v = (Long) r.get(4);
          if (v == null) {
            continue;
          }
          assertTrue(v <= 0 || v >= M, "trial " + trial + ": published " + v);
          if (v < 0) {
            last = null;
            continue;
          }
          if (last != null) {
            long d = last - v;
            assertTrue(d == 0 || d >= M, "trial " + trial + ": difference " + d + " in " + out);
          }
          last = v;
        }
      }
    }
  }

  @Test
  void aMeanThatStandsForFewSubjectsIsMaskedAsCohortMethodDoes() {
    ResultTable t = ResultsSchema.COVARIATE_BALANCE;
    // 4 of 1000 targets; 11 of 1000 comparators; after: 995 of 1000 (5 without it).
    Row r =
        one(
            t,
            row(
                2, 1, 1003L, "x", 3, 0.004, 0.011, -0.1, 0.995, 0.5, 1.2, 1000L, 1000L, 1000L,
                1000L));
    assertEquals(-0.011, (Double) at(t, r, "target_mean_before"), 1e-12);
    assertEquals(0.011, at(t, r, "comparator_mean_before"));
    assertNull(at(t, r, "std_diff_before"));
    assertNull(at(t, r, "target_mean_after"), "the complement, 5 subjects, is withheld");
    assertNull(at(t, r, "std_diff_after"));
    // A continuous covariate (mean 3.2 visits) with a published size is not a share.
    Row c =
        one(
            t,
            row(2, 1, 923L, "visits", 923, 3.2, 2.9, 0.1, 3.1, 3.0, 0.05, 500L, 600L, 500L, 500L));
    assertEquals(3.2, at(t, c, "target_mean_before"));
    assertEquals(0.1, at(t, c, "std_diff_before"));
  }

  @Test
  void aMaskedMeanDoesNotGiveAwayAMaskedArmSize() {
    ResultTable t = ResultsSchema.COVARIATE_BALANCE;
    Row r = one(t, row(2, 1, 1003L, "x", 3, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 5L, 400L, 5L, 5L));
    assertEquals(-11L, at(t, r, "target_subjects_before"));
    assertNull(at(t, r, "target_mean_before"), "-11/5 would say the arm has 5 subjects");
  }

  @Test
  void survivalIsNullWhereTooFewRemainAtRisk() {
    ResultTable t = ResultsSchema.KAPLAN_MEIER_DIST;
    Row r = one(t, row(2, 1, 300, 0.9, 0.85, 0.95, 0.8, 0.7, 0.9, 7L, 120L));
    assertEquals(-11L, at(t, r, "target_at_risk"));
    assertNull(at(t, r, "target_survival"));
    assertNull(at(t, r, "target_survival_ub"));
    assertEquals(0.8, at(t, r, "comparator_survival"));
  }

  @Test
  void incidenceRatesAreMaskedAndProtectedLikeTheEstimates() {
    ResultTable t = ResultsSchema.INCIDENCE_RATE;
    // Target: 15 subjects, 12 with the outcome (3 without: withheld as in cohort_method_result).
    // Comparator: 600 subjects, 4 with the outcome (masked, and its rate with it).
    Row r =
        one(t, row(2, 1, 15L, 12.0, 12L, 1000.0, 500.0, 1700.0, 600L, 500.0, 4L, 8.0, 2.2, 20.5));
    assertEquals(15L, at(t, r, "target_subjects"));
    assertEquals(12.0, at(t, r, "target_years"));
    assertNull(at(t, r, "target_outcomes"), "withheld");
    assertNull(at(t, r, "target_ir"), "rate x years would give the outcomes away");
    assertEquals(-11L, at(t, r, "comparator_outcomes"));
    assertNull(at(t, r, "comparator_ir"));
    assertNull(at(t, r, "comparator_ir_ub"));
    assertEquals(500.0, at(t, r, "comparator_years"));
    // A masked arm: its person-years are null too.
    Row small =
        one(t, row(2, 1, 5L, 4.0, 0L, 0.0, 0.0, 900.0, 600L, 500.0, 40L, 80.0, 57.0, 109.0));
    assertEquals(-11L, at(t, small, "target_subjects"));
    assertNull(at(t, small, "target_years"));
    assertEquals(80.0, at(t, small, "comparator_ir"));
  }

  @Test
  void followUpQuantilesOfAMaskedArmAreNull() {
    ResultTable t = ResultsSchema.FOLLOW_UP_DIST;
    Object[] v = new Object[t.columns().size()];
    v[0] = 2;
    v[1] = 1;
    for (int i = 2; i < 16; i++) {
      v[i] = 10.0 * i;
    }
    v[16] = 6L;
    v[17] = 600L;
    Row r = one(t, RowFactory.create(v));
    assertEquals(-11L, at(t, r, "target_subjects"));
    assertNull(at(t, r, "target_min_days"));
    assertNull(at(t, r, "target_max_days"));
    assertEquals(90.0, at(t, r, "comparator_min_days"));
  }

  @Test
  void absoluteRiskRestsOnTheCountsAtTheHorizon() {
    ResultTable t = ResultsSchema.ABSOLUTE_RISK;
    Row r = one(t, row(2, 1, 365, 0.01, 0.05, -0.04, -0.06, -0.02, 300L, 3L, 300L, 30L));
    assertEquals(-11L, at(t, r, "target_outcomes"));
    assertNull(at(t, r, "target_risk"), "risk x subjects would give 3 away");
    assertEquals(0.05, at(t, r, "comparator_risk"));
    assertNull(at(t, r, "risk_difference"));
    assertNull(at(t, r, "rd_ci_95_lb"));
  }

  @Test
  void continuousOutcomesOfFewSubjectsAreNull() {
    ResultTable t = ResultsSchema.CONTINUOUS_OUTCOME_RESULT;
    Row r = one(t, row(2, 5, "PHQ-9", "weighted", 9L, 300L, -3.0, -1.5, -1.5, -2.5, -0.5, 0.01));
    assertEquals(-11L, at(t, r, "target_subjects"));
    assertNull(at(t, r, "target_mean"));
    assertEquals(-1.5, at(t, r, "comparator_mean"));
    assertNull(at(t, r, "mean_difference"));
    assertNull(at(t, r, "p"));
  }

  /** What ShareableScan checks on data, on the declaration itself. */
  @Test
  void everyColumnNamedLikeACountIsDeclaredAsOne() {
    java.util.regex.Pattern count =
        java.util.regex.Pattern.compile(
            ".*(subjects|persons|outcomes|events|at_risk|_count)(_before|_after)?");
    for (ResultTable t : ResultsSchema.ALL) {
      for (ResultColumn c : t.columns()) {
        if (count.matcher(c.name()).matches()) {
          assertTrue(
              c.kind() == ResultColumn.Kind.COUNT || c.kind() == ResultColumn.Kind.RECORD_COUNT,
              t.name() + "." + c.name() + " is declared " + c.kind());
        }
      }
    }
  }

  @Test
  void countMapsMaskTheirEntries() {
    ResultTable t =
        ResultTable.table("maps", "test")
            .count(
                "per_rule",
                org.apache.spark.sql.types.DataTypes.createMapType(StringType, LongType),
                "n")
            .build();
    Row r =
        one(
            t,
            row(
                scala.jdk.javaapi.CollectionConverters.asScala(
                    Map.of("a", 3L, "b", 40L, "c", 0L))));
    Map<?, ?> m =
        scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Map<?, ?>) r.get(0));
    assertEquals(Map.of("a", -11L, "b", 40L, "c", 0L), m);
  }

  @Test
  void aMinimumOfOneOrLessMasksNothing() {
    List<Row> in = List.of(cmr(5, 6, 1, 2));
    assertEquals(in, Suppression.apply(in, ResultsSchema.COHORT_METHOD_RESULT, 1));
    assertEquals(in, Suppression.apply(in, ResultsSchema.COHORT_METHOD_RESULT, 0));
  }

  @Test
  void aRowOfTheWrongWidthIsRefusedNamingTheTable() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Suppression.apply(List.of(row(1, 2)), ResultsSchema.ATTRITION, M));
    assertTrue(e.getMessage().contains("attrition"), e.getMessage());
  }

  @Test
  void theDeclarationRefusesRulesThatCouldUnmaskACell() {
    assertThrows(
        IllegalStateException.class,
        () ->
            ResultTable.table("bad", "derived from a plain value")
                .col("x", DoubleType, "x")
                .derived("y", DoubleType, "y", "x")
                .build());
    assertThrows(
        IllegalStateException.class,
        () ->
            ResultTable.table("bad", "two sums share a cell")
                .count("t", LongType, "t")
                .count("a", LongType, "a")
                .count("b", LongType, "b")
                .count("u", LongType, "u")
                .sum("t", "a", "b")
                .sum("u", "a")
                .build());
  }
}
