package org.rwe.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.junit.jupiter.api.Test;

/**
 * Complementary suppression across rows and tables ({@link CrossTable}, {@link
 * Suppression#applyAll}) and the check of what is published ({@link DisclosureAudit}): the leak of
 * issue 16 (one analysis withholds a step that another publishes), numbers at risk against
 * subjects, and random runs of tables that must all come out clean.
 */
class CrossTableSuppressionTest {
  static final int M = 11;

  /** A row of a table from named values; every other column gets a harmless default. */
  static Row row(ResultTable t, Map<String, Object> values) {
    Object[] v = new Object[t.columns().size()];
    for (int i = 0; i < v.length; i++) {
      ResultColumn c = t.columns().get(i);
      v[i] = values.containsKey(c.name()) ? values.get(c.name()) : fill(c.type());
    }
    return RowFactory.create(v);
  }

  static Object fill(DataType type) {
    if (type.sameType(DataTypes.IntegerType)) {
      return 0;
    } else if (type.sameType(DataTypes.LongType)) {
      return 0L;
    } else if (type.sameType(DataTypes.DoubleType)) {
      return 0.5;
    } else if (type.sameType(DataTypes.BooleanType)) {
      return false;
    } else if (type instanceof MapType) {
      return scala.collection.immutable.Map$.MODULE$.empty();
    } else if (type instanceof ArrayType) {
      return scala.jdk.javaapi.CollectionConverters.asScala(List.of()).toSeq();
    }
    return "x";
  }

  static Map<String, Object> m(Object... kv) {
    Map<String, Object> out = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      out.put((String) kv[i], kv[i + 1]);
    }
    return out;
  }

  static Row step(int a, int o, int seq, long target, Long comparator) {
    return row(
        ResultsSchema.ATTRITION,
        m(
            "analysis_id",
            a,
            "outcome_id",
            o,
            "sequence_number",
            seq,
            "target_subjects",
            target,
            "comparator_subjects",
            comparator));
  }

  static Row cmr(int a, int o, long ts, long cs, long to, long co) {
    return row(
        ResultsSchema.COHORT_METHOD_RESULT,
        m(
            "analysis_id",
            a,
            "outcome_id",
            o,
            "target_subjects",
            ts,
            "comparator_subjects",
            cs,
            "target_outcomes",
            to,
            "comparator_outcomes",
            co,
            "rr",
            0.8,
            "target_days",
            ts * 300,
            "comparator_days",
            cs * 300));
  }

  static Object at(List<Row> rows, ResultTable t, int row, String column) {
    return rows.get(row).get(t.indexOf(column));
  }

  /**
   * The sample's case: analysis 1 withholds its comparators after "No prior outcome" (the next step
   * removes 5), analysis 6 publishes the same step. Table by table, the leak stays; together, it
   * goes, and the audit sees the difference.
   */
  @Test
  void aStepWithheldInOneAnalysisIsNotPublishedByAnother() {
    ResultTable t = ResultsSchema.ATTRITION;
    List<Row> attrition =
        List.of(
            step(0, 0, 1, 2000, 9000L),
            step(1, 3, 2, 1600, 3556L),
            step(1, 3, 3, 1580, 3551L),
            step(6, 3, 2, 1600, 3556L),
            step(6, 3, 3, 1500, 3300L));
    // What the per-chain rule alone published (before cross-table families): analysis 1 hides
    // its 3,556, analysis 6 shows it.
    List<Row> chainsOnly =
        List.of(
            step(0, 0, 1, 2000, 9000L),
            step(1, 3, 2, 1600, null),
            step(1, 3, 3, 1580, 3551L),
            step(6, 3, 2, 1600, 3556L),
            step(6, 3, 3, 1500, 3300L));
    Map<ResultTable, List<Row>> tables = new LinkedHashMap<>();
    tables.put(t, chainsOnly);
    List<String> alone = DisclosureAudit.problems(tables, M);
    assertTrue(
        alone.stream()
            .anyMatch(p -> p.contains("(3556)") && p.contains("(3551)") && p.contains("= 5")),
        "the per-table rules leave the leak, and the audit names it: " + alone);

    Map<ResultTable, List<Row>> raw = new LinkedHashMap<>();
    raw.put(t, attrition);
    List<Row> out = Suppression.applyAll(raw, M).get(t);
    tables.put(t, out);
    assertEquals(List.of(), DisclosureAudit.problems(tables, M));
    assertNull(at(out, t, 1, "comparator_subjects"));
    assertNull(at(out, t, 3, "comparator_subjects"), "the same step of analysis 6 too");
    assertEquals(3551L, at(out, t, 2, "comparator_subjects"), "the last step is kept");
    assertEquals(3300L, at(out, t, 4, "comparator_subjects"));
    assertEquals(1600L, at(out, t, 1, "target_subjects"), "the target arm loses nothing");
  }

  /**
   * Numbers at risk are thinned until every difference from each other and from the arm's subjects
   * is 0 or at least the minimum; the survival curve stays where a number is only withheld, and is
   * null where fewer than the minimum are at risk.
   */
  @Test
  void numbersAtRiskAreThinnedAndTheCurveStays() {
    ResultTable km = ResultsSchema.KAPLAN_MEIER_DIST;
    long[] atRisk = {500, 498, 495, 480, 470, 12, 9};
    List<Row> rows = new ArrayList<>();
    for (int d = 0; d < atRisk.length; d++) {
      rows.add(
          row(
              km,
              m(
                  "analysis_id",
                  2,
                  "outcome_id",
                  1,
                  "time_day",
                  d * 10,
                  "target_at_risk",
                  atRisk[d],
                  "comparator_at_risk",
                  600L,
                  "target_survival",
                  1.0 - d / 100.0)));
    }
    Map<ResultTable, List<Row>> raw = new LinkedHashMap<>();
    raw.put(ResultsSchema.COHORT_METHOD_RESULT, List.of(cmr(2, 1, 500, 600, 40, 50)));
    raw.put(km, rows);
    Map<ResultTable, List<Row>> out = Suppression.applyAll(raw, M);
    assertEquals(List.of(), DisclosureAudit.problems(out, M));
    List<Row> k = out.get(km);
    List<Object> shown = new ArrayList<>();
    for (int d = 0; d < atRisk.length; d++) {
      shown.add(at(k, km, d, "target_at_risk"));
    }
    // 500 is the arm's subjects (kept: cohort_method_result ranks first); of two numbers too
    // close, the larger goes: 498 and 495 (3 and 5 from 500), 480 (10 from 470).
    assertEquals(java.util.Arrays.asList(500L, null, null, null, 470L, 12L, -11L), shown);
    assertNotNull(at(k, km, 1, "target_survival"), "withheld at-risk keeps the curve");
    assertNull(at(k, km, 6, "target_survival"), "masked at-risk hides it");
    assertEquals(
        500L,
        at(
            out.get(ResultsSchema.COHORT_METHOD_RESULT),
            ResultsSchema.COHORT_METHOD_RESULT,
            0,
            "target_subjects"));
  }

  /** The fitting sample is both arms of the last shared step: with one arm masked, it goes. */
  @Test
  void theSubjectsFittedDoNotGiveAMaskedArmAway() {
    ResultTable ps = ResultsSchema.PROPENSITY_SUMMARY;
    Map<ResultTable, List<Row>> raw = new LinkedHashMap<>();
    raw.put(ResultsSchema.ATTRITION, List.of(step(0, 0, 1, 40, 3500L), step(0, 0, 2, 8, 3000L)));
    raw.put(ps, List.of(row(ps, m("subjects_fitted", 3008L))));
    Map<ResultTable, List<Row>> naive = new LinkedHashMap<>();
    naive.put(
        ResultsSchema.ATTRITION, List.of(step(0, 0, 1, 40, 3500L), step(0, 0, 2, -11, 3000L)));
    naive.put(ps, raw.get(ps));
    List<String> leak = DisclosureAudit.problems(naive, M);
    assertTrue(leak.stream().anyMatch(p -> p.contains("gives 8 persons")), leak.toString());
    Map<ResultTable, List<Row>> out = Suppression.applyAll(raw, M);
    assertEquals(List.of(), DisclosureAudit.problems(out, M));
    assertNull(at(out.get(ps), ps, 0, "subjects_fitted"));
    // Both arms published and the sum equal: nothing to hide.
    raw.put(ResultsSchema.ATTRITION, List.of(step(0, 0, 1, 400, 3500L), step(0, 0, 2, 300, 3000L)));
    raw.put(ps, List.of(row(ps, m("subjects_fitted", 3300L))));
    assertEquals(3300L, at(Suppression.applyAll(raw, M).get(ps), ps, 0, "subjects_fitted"));
  }

  @Test
  void theAuditReadsOnlyWhatIsPublished() {
    Map<ResultTable, List<Row>> published = new LinkedHashMap<>();
    published.put(ResultsSchema.COHORT_METHOD_RESULT, List.of(cmr(2, 1, 500, 600, 40, 5)));
    published.put(
        ResultsSchema.INCIDENCE_RATE,
        List.of(
            row(
                ResultsSchema.INCIDENCE_RATE,
                m(
                    "analysis_id",
                    2,
                    "outcome_id",
                    1,
                    "target_subjects",
                    493L,
                    "comparator_subjects",
                    600L,
                    "target_outcomes",
                    40L,
                    "comparator_outcomes",
                    -11L))));
    List<String> p = DisclosureAudit.problems(published, M);
    assertTrue(
        p.stream().anyMatch(x -> x.contains("comparator_outcomes = 5 is published")), p.toString());
    assertTrue(p.stream().anyMatch(x -> x.contains("= 7 persons")), "500 - 493: " + p);
    assertEquals(2, p.size(), "nothing else is recoverable: " + p);
    assertEquals(List.of(), DisclosureAudit.problems(published, 1), "no minimum, nothing to find");
  }

  /**
   * Random runs: chains of steps per analysis and outcome with small removals, results, incidence,
   * numbers at risk, subgroups and horizons, some arms tiny. Whatever the values, what applyAll
   * publishes passes the audit, and a count is withheld only when it had to be (some survive).
   */
  @Test
  void randomRunsComeOutClean() {
    Random rnd = new Random(16);
    for (int run = 0; run < 200; run++) {
      Map<ResultTable, List<Row>> raw = randomRun(rnd);
      Map<ResultTable, List<Row>> out = Suppression.applyAll(raw, M);
      List<String> problems = DisclosureAudit.problems(out, M);
      assertEquals(List.of(), problems, "run " + run);
      long published =
          out.get(ResultsSchema.COHORT_METHOD_RESULT).stream()
              .filter(r -> r.get(4) != null)
              .count();
      assertTrue(published > 0 || run % 7 == 0, "run " + run + " kept no subjects");
    }
  }

  static Map<ResultTable, List<Row>> randomRun(Random rnd) {
    List<Row> attrition = new ArrayList<>();
    List<Row> cmr = new ArrayList<>();
    List<Row> ir = new ArrayList<>();
    List<Row> km = new ArrayList<>();
    List<Row> ar = new ArrayList<>();
    List<Row> sub = new ArrayList<>();
    long t0 = 20 + rnd.nextInt(3000);
    long c0 = 20 + rnd.nextInt(6000);
    attrition.add(step(0, 0, 1, t0 + rnd.nextInt(15), c0 + rnd.nextInt(15)));
    attrition.add(step(0, 0, 2, t0, (Long) c0));
    for (int o = 1; o <= 3; o++) {
      long to = t0 - rnd.nextInt(20);
      long co = c0 - rnd.nextInt(20);
      for (int a = 1; a <= 4; a++) {
        long t = to;
        long c = co;
        attrition.add(step(a, o, 3, t, (Long) c));
        for (int s = 4; s < 4 + rnd.nextInt(4); s++) {
          t = Math.max(0, t - rnd.nextInt(a == 1 ? 8 : 40));
          c = Math.max(0, c - rnd.nextInt(a == 1 ? 8 : 40));
          attrition.add(step(a, o, s, t, (Long) c));
        }
        long ev = rnd.nextInt((int) Math.max(1, t / 5 + 1));
        long cev = rnd.nextInt((int) Math.max(1, c / 5 + 1));
        cmr.add(cmr(a, o, t, c, ev, cev));
        ir.add(
            row(
                ResultsSchema.INCIDENCE_RATE,
                m(
                    "analysis_id",
                    a,
                    "outcome_id",
                    o,
                    "target_subjects",
                    t,
                    "comparator_subjects",
                    c,
                    "target_outcomes",
                    ev,
                    "comparator_outcomes",
                    cev)));
        long rt = t;
        long rc = c;
        for (int d = 0; d < 30; d++) {
          km.add(
              row(
                  ResultsSchema.KAPLAN_MEIER_DIST,
                  m(
                      "analysis_id",
                      a,
                      "outcome_id",
                      o,
                      "time_day",
                      d,
                      "target_at_risk",
                      rt,
                      "comparator_at_risk",
                      rc)));
          if (d == 15) {
            ar.add(
                row(
                    ResultsSchema.ABSOLUTE_RISK,
                    m(
                        "analysis_id",
                        a,
                        "outcome_id",
                        o,
                        "horizon_days",
                        d,
                        "target_at_risk",
                        rt,
                        "comparator_at_risk",
                        rc,
                        "target_outcomes",
                        ev / 2,
                        "comparator_outcomes",
                        cev / 2)));
          }
          rt = Math.max(0, rt - rnd.nextInt(6));
          rc = Math.max(0, rc - rnd.nextInt(6));
        }
        long st = t - rnd.nextInt((int) Math.min(t, 20) + 1);
        long sc = c / 2;
        sub.add(
            row(
                ResultsSchema.INTERACTION_RESULT,
                m(
                    "analysis_id",
                    a,
                    "outcome_id",
                    o,
                    "interaction_covariate_id",
                    8532001L,
                    "target_subjects",
                    st,
                    "comparator_subjects",
                    sc,
                    "target_outcomes",
                    Math.min(st, ev - rnd.nextInt((int) ev + 1)),
                    "comparator_outcomes",
                    Math.min(sc, cev / 2))));
      }
    }
    Map<ResultTable, List<Row>> raw = new LinkedHashMap<>();
    raw.put(ResultsSchema.ATTRITION, attrition);
    raw.put(ResultsSchema.COHORT_METHOD_RESULT, cmr);
    raw.put(ResultsSchema.INCIDENCE_RATE, ir);
    raw.put(ResultsSchema.KAPLAN_MEIER_DIST, km);
    raw.put(ResultsSchema.ABSOLUTE_RISK, ar);
    raw.put(ResultsSchema.INTERACTION_RESULT, sub);
    assertFalse(attrition.isEmpty());
    return raw;
  }
}
