package org.rwe.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rwe.report.ReportInput.Rec;

/** The page and its pieces, without Spark: absent tables, masked cells, formats, scales. */
class ReportHtmlTest {

  static ReportInput.Study study() {
    return new ReportInput.Study(
        "s",
        "a <study> & more",
        "r1",
        11,
        "treated",
        "untreated",
        List.of(
            new ReportInput.Analysis(1, "crude", false, "cox", false),
            new ReportInput.Analysis(2, "matched", true, "cox", true),
            new ReportInput.Analysis(3, "matched, rates", true, "poisson", false)),
        List.of(new ReportInput.Outcome(1, "o1", false), new ReportInput.Outcome(101, "nc", true)),
        Map.of("target", "new users"),
        "{}",
        Map.of("rwe", "test"));
  }

  static Rec rec(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return new Rec(m);
  }

  static Rec cmr(int a, int o, Long to, Long co, Double rr) {
    return rec(
        "analysis_id",
        a,
        "outcome_id",
        o,
        "outcome_name",
        "o" + o,
        "negative_control",
        o > 100,
        "target_subjects",
        500L,
        "comparator_subjects",
        500L,
        "target_outcomes",
        to,
        "comparator_outcomes",
        co,
        "rr",
        rr,
        "ci_95_lb",
        rr == null ? null : rr * 0.8,
        "ci_95_ub",
        rr == null ? null : rr * 1.25,
        "p",
        rr == null ? null : 0.04,
        "se_log_rr",
        rr == null ? null : 0.11,
        "model_status",
        "OK",
        "calibrated_rr",
        null,
        "calibrated_ci_95_lb",
        null,
        "calibrated_ci_95_ub",
        null);
  }

  @Test
  void aSectionWhoseTableIsAbsentSaysSo() {
    String html = ReportHtml.render(new ReportInput(study(), Map.of()));
    for (String id : ReportHtml.SECTIONS) {
      assertTrue(html.contains("<section id=\"" + id + "\">"), id);
    }
    for (String t :
        List.of(
            "diagnostics_summary",
            "attrition",
            "covariate_balance",
            "preference_score_dist",
            "kaplan_meier_dist",
            "cohort_method_result")) {
      assertTrue(html.contains("not computed in this run (no <code>" + t + "</code>"), t);
    }
    assertTrue(html.contains("a &lt;study&gt; &amp; more"), "text is escaped");
  }

  @Test
  void maskedAndWithheldCountsReadAsSuch() {
    ReportInput in =
        new ReportInput(
            study(),
            Map.of(
                "cohort_method_result",
                List.of(
                    cmr(1, 1, 40L, 35L, 1.2),
                    cmr(2, 1, 40L, -11L, null),
                    cmr(2, 101, null, 30L, null))));
    String html = ReportHtml.render(in);
    assertTrue(html.contains("&lt;11</span> / 500"), "a masked count");
    assertTrue(html.contains("title=\"withheld so that a masked count cannot be recovered\""));
    // Twice in the table of every estimate, and the primary analysis's twice more in the key
    // results (its headline and its plot).
    assertEquals(4, ReportTest.count(html, "withheld (small count)"));
    assertTrue(html.contains("1.20 <small>(0.96&#8211;1.50)</small>"), "HR (95% CI)");
    assertTrue(html.contains("Calibrated estimates: not computed in this run."));
    assertTrue(html.contains("No negative-control estimate in this run"));
  }

  @Test
  void theKeyResultsComeFirstWithTheArmsNamedAndTheVerdictInOneLine() {
    Rec diagnostics =
        rec(
            "analysis_id",
            2,
            "outcome_id",
            1,
            "unblind",
            false,
            "balance_diagnostic",
            "PASS",
            "equipoise_diagnostic",
            "PASS",
            "mdrr_diagnostic",
            "FAIL",
            "ease_diagnostic",
            "PASS",
            "max_sdm",
            0.05,
            "equipoise",
            0.6,
            "mdrr",
            3.0,
            "ease",
            0.1);
    ReportInput in =
        new ReportInput(
            study(),
            Map.of(
                "cohort_method_result",
                List.of(
                    cmr(1, 1, 40L, 35L, 1.3),
                    cmr(2, 1, 40L, 35L, 0.83),
                    cmr(3, 1, 40L, 35L, 0.9),
                    cmr(2, 101, 30L, 30L, 1.0)),
                "diagnostics_summary",
                List.of(diagnostics)));
    String html = ReportHtml.render(in);
    int key = html.indexOf("<section id=\"key-results\">");
    assertTrue(key >= 0 && key < html.indexOf("<section id=\"summary\">"), "first on the page");
    String section = html.substring(key, html.indexOf("</section>", key));
    assertTrue(
        section.contains("<b>treated</b> vs <b>untreated</b>, primary analysis 2: matched."),
        section);
    assertTrue(section.contains("o1: <b>HR 0.83</b> (95% CI 0.66&#8211;1.04), p = 0.040"), section);
    assertTrue(section.contains("&#8592; favours treated"), "the arms on the plot's axis");
    assertTrue(section.contains("favours untreated &#8594;"));
    assertTrue(
        section.contains(
            "0 of 1 outcomes of interest pass every diagnostic (failing: o1: power (MDRR))."),
        section);
    assertEquals(1, ReportTest.count(section, "<tr class=\"oi"), "the primary analysis only");
    assertFalse(section.contains("<tr class=\"nc"), "no negative control among the key results");

    // The table of every estimate says which ratio each one is where the measures differ.
    int forest = html.indexOf("<section id=\"forest\">");
    String all = html.substring(forest, html.indexOf("</section>", forest));
    assertTrue(all.contains("<th>estimate (95% CI)</th>"), "a mixed table's header");
    assertTrue(all.contains("<small>IRR</small> 0.90"), "the Poisson analysis's estimate");
    assertTrue(all.contains("<small>HR</small> 1.30"), "a Cox analysis's estimate");
    assertFalse(all.contains("Hazard ratios"), "not every estimate is a hazard ratio");
  }

  @Test
  void pValuesAndBoundsNeverRoundAcrossTheLineTheyAreReadAgainst() {
    assertEquals("0.0498", Fmt.p(0.0498), "not 0.050 beside an interval that excludes 1");
    assertEquals("0.0502", Fmt.p(0.0502));
    assertEquals("0.050", Fmt.p(0.05));
    assertEquals("0.23", Fmt.p(0.234));
    assertEquals("0.077", Fmt.p(0.0771));
    assertEquals("0.996", Fmt.bound(0.996), "not 1.00 for an interval that excludes 1");
    assertEquals("1.004", Fmt.bound(1.004));
    assertEquals("1.00", Fmt.bound(1.0));
    assertEquals("0.68", Fmt.bound(0.681));
  }

  @Test
  void attritionShowsRemovedPersonsOnlyBetweenPublishedCounts() {
    List<Rec> steps =
        List.of(
            rec(
                "analysis_id",
                0,
                "outcome_id",
                0,
                "sequence_number",
                1,
                "description",
                "a",
                "target_subjects",
                1000L,
                "comparator_subjects",
                3000L),
            rec(
                "analysis_id",
                0,
                "outcome_id",
                0,
                "sequence_number",
                2,
                "description",
                "b",
                "target_subjects",
                null,
                "comparator_subjects",
                2980L),
            rec(
                "analysis_id",
                0,
                "outcome_id",
                0,
                "sequence_number",
                3,
                "description",
                "c",
                "target_subjects",
                950L,
                "comparator_subjects",
                -11L));
    String html = ReportHtml.render(new ReportInput(study(), Map.of("attrition", steps)));
    assertTrue(html.contains("target &#8722;50 (2 steps)"), "across the withheld step");
    assertTrue(html.contains("comparator &#8722;20<"));
    assertFalse(html.contains("comparator &#8722;2,9"), "nothing subtracted from a masked count");
  }

  @Test
  void table1PutsTheConceptFirst() {
    assertEquals(
        "Hypomagnesemia <small class=\"win\">-365 to 0 d</small>",
        Table1.label(
            "condition_group during day -365 through 0 days relative to index: Hypomagnesemia"));
    assertEquals(
        "Magnesium <small>(below normal)</small> <small class=\"win\">-30 to 0 d</small>",
        Table1.label(
            "measurement range below normal during day -30 through 0 days relative to index:"
                + " Magnesium"));
    assertEquals("gender = FEMALE", Table1.label("gender = FEMALE"));
  }

  @Test
  void formats() {
    assertEquals("1,234", Fmt.count(1234L));
    assertEquals("<11", Fmt.countText(-11L));
    assertEquals("&lt;0.7%", Fmt.percent(-11.0 / 1500));
    assertEquals("0.00", Fmt.sdm(-0.001), "no negative zero");
    assertEquals("0.0003", Fmt.plain(3.0E-4));
    assertEquals("&lt;0.001", Fmt.p(0.0004));
    assertThrows(IllegalArgumentException.class, () -> Fmt.xy(Double.NaN));
  }

  @Test
  void scales() {
    Svg.Scale log = Svg.log(0.4, 3, 0, 100);
    assertEquals(List.of(0.5, 1.0, 2.0), log.ticks());
    assertEquals(0.0, log.px(0.4), 1e-9);
    assertEquals(100.0, log.px(3), 1e-9);
    Svg.Scale lin = Svg.linear(0, 365, 0, 365, 5);
    assertEquals(List.of(0.0, 100.0, 200.0, 300.0), lin.ticks());
    assertEquals(2.5, Svg.niceStep(2.2), 1e-12);
  }

  @Test
  void theReportLeavesTheMachinesSettingsOut() {
    org.rwe.config.StudySettings s =
        org.rwe.config.StudySettings.load(
            org.rwe.testing.SparkTestSession.projectDir()
                .resolve("conf/studies/magnesium-depression.conf"),
            Map.of("spark.conf.\"spark.hadoop.fs.s3a.secret.key\"", "hunter2"));
    ReportInput.Study study = ReportJob.study(s, "r", Map.of());
    assertFalse(study.resolvedConfigJson().contains("hunter2"));
    assertTrue(study.resolvedConfigJson().contains("\"minCellCount\" : 11"));
    assertTrue(study.design().get("propensity model").contains("[0.0003, 0.001, 0.003, 0.01]"));
  }
}
