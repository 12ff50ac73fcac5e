package org.rwe.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rwe.config.StudySettings;
import org.rwe.results.ResultTable;
import org.rwe.run.RunContext;
import org.rwe.testing.Chromium;
import org.rwe.testing.ShareableScan;
import org.rwe.testing.SparkTestSession;

/**
 * The report job on synthetic result tables that hold every section's input and small cells: the
 * page has every section, masks what must be masked, exports every table as CSV masked the same
 * way, is the same bytes twice, and renders in Chromium without an error.
 */
class ReportTest {
  @TempDir static Path dir;
  static Path run;
  static String html;
  static Map<String, Long> counts;

  @BeforeAll
  static void writeTablesAndReport() throws Exception {
    SparkSession spark = SparkTestSession.get();
    StudySettings settings =
        StudySettings.load(
            SparkTestSession.projectDir().resolve("conf/studies/magnesium-depression.conf"),
            Map.of());
    run = dir.resolve("synthetic.inprogress");
    RunContext ctx = new RunContext(spark, settings, "unused", run.toString());
    System.out.println("ReportTest: synthetic results, seed " + SyntheticResults.SEED);
    for (Map.Entry<ResultTable, List<Row>> e : SyntheticResults.tables().entrySet()) {
      ctx.writeResult(spark.createDataFrame(e.getValue(), e.getKey().schema()), e.getKey());
    }
    long t0 = System.nanoTime();
    counts = ReportJob.run(ctx);
    System.out.printf(
        "ReportTest: report stage %.1f s, %s%n", (System.nanoTime() - t0) / 1e9, counts);
    html = Files.readString(run.resolve("report/index.html"), StandardCharsets.UTF_8);
  }

  @Test
  void everySectionIsRenderedFromItsTable() {
    for (String id : ReportHtml.SECTIONS) {
      assertTrue(html.contains("<section id=\"" + id + "\">"), id);
    }
    assertFalse(html.contains("not computed in this run ("), "every input table is present");
    assertTrue(html.contains("calibrated HR (95% CI)"), "calibrated estimates beside the others");
    assertTrue(html.contains("aria-label=\"Kaplan-Meier curves\""));
    assertTrue(html.contains("aria-label=\"preference score distribution\""));
    assertTrue(html.contains("aria-label=\"negative controls\""));
    assertTrue(html.contains("aria-label=\"covariate balance, "));
    assertTrue(html.contains("estimates pass every diagnostic"));
    assertTrue(html.contains("<span class=\"badge fail\">FAIL</span>"), "outcome 7 lacks power");
  }

  @Test
  void theReportShowsMaskedCellsAsFewerThanTheMinimumAndTheirEstimatesWithheld() {
    // Outcome 7 has 4 comparator events: masked, and its hazard ratio withheld.
    assertTrue(html.contains("<span class=\"masked\" title=\"fewer than 11\">&lt;11</span>"));
    assertTrue(html.contains("withheld (small count)"));
    // The rare covariate (4 of 1,500 targets) is an upper bound in Table 1.
    assertTrue(html.contains("&lt;0.7%"), "11 / 1,500 = 0.73%");
    // The 2 persons of the 'at least 1 day at risk' step are nowhere: the count before it is
    // withheld, so no removed number of 2 appears.
    assertFalse(html.contains("&#8722;2<"), "a removed count of 2");
  }

  @Test
  void theSelfContainedPageLoadsNothingFromOutside() {
    assertTrue(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for (String outside : List.of("https://", "<script", "<link", "<img", "src=", "@import")) {
      assertFalse(html.contains(outside), outside);
    }
    // The only http URL is the SVG namespace, which browsers never fetch.
    assertEquals(count(html, "http://"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  }

  static int count(String s, String what) {
    return s.split(java.util.regex.Pattern.quote(what), -1).length - 1;
  }

  @Test
  void everyTableIsExportedAsCsvMaskedLikeItsParquetAndNothingSmallOrPersonLevelIsShared()
      throws Exception {
    ShareableScan.Result scan = ShareableScan.scan(run, 11);
    System.out.println("ReportTest scan: " + scan);
    assertEquals(List.of(), scan.problems());
    assertEquals(SyntheticResults.tables().size(), scan.parquetTables());
    assertEquals(scan.parquetTables(), scan.csvFiles());
    assertTrue(scan.masked() > 0, "the synthetic tables have small cells");
    assertTrue(scan.withheld() > 0, "and complementary suppression");
  }

  @Test
  void theScanCatchesWhatItMust() throws Exception {
    // An unmasked copy of the tables (minCellCount 0) must fail the scan.
    SparkSession spark = SparkTestSession.get();
    Path raw = dir.resolve("raw");
    for (Map.Entry<ResultTable, List<Row>> e : SyntheticResults.tables().entrySet()) {
      if (!List.of("attrition", "covariate_balance", "cohort_method_result")
          .contains(e.getKey().name())) {
        continue;
      }
      org.rwe.results.ResultWriter.write(
          spark.createDataFrame(e.getValue(), e.getKey().schema()),
          e.getKey(),
          raw.resolve("results/" + e.getKey().name()).toString());
    }
    Files.createDirectories(raw.resolve("results/person_dates"));
    spark
        .sql("SELECT 1L AS person_id, DATE'1970-01-01' AS birth_date")
        .write()
        .parquet(raw.resolve("results/person_dates/x").toString());
    List<String> problems = ShareableScan.scan(raw, 11).problems();
    System.out.println("ReportTest: the scan of unmasked tables found " + problems.size());
    assertTrue(problems.stream().anyMatch(p -> p.contains("comparator_outcomes = 4")), "count");
    assertTrue(
        problems.stream()
            .anyMatch(
                p -> p.contains("rests on a masked value") || p.contains("target_mean_before")),
        "mean");
    assertTrue(problems.stream().anyMatch(p -> p.contains("removes 2")), "attrition difference");
    assertTrue(problems.stream().anyMatch(p -> p.contains("results/person_dates: not declared")));
  }

  @Test
  void theSameResultsGiveTheSameReportBytes() throws Exception {
    RunContext ctx =
        new RunContext(
            SparkTestSession.get(),
            StudySettings.load(
                SparkTestSession.projectDir().resolve("conf/studies/magnesium-depression.conf"),
                Map.of()),
            "unused",
            run.toString());
    byte[] before = Files.readAllBytes(run.resolve("report/index.html"));
    byte[] csvBefore = Files.readAllBytes(run.resolve("report/csv/covariate_balance.csv"));
    ReportJob.run(ctx);
    assertTrue(
        java.util.Arrays.equals(before, Files.readAllBytes(run.resolve("report/index.html"))));
    assertTrue(
        java.util.Arrays.equals(
            csvBefore, Files.readAllBytes(run.resolve("report/csv/covariate_balance.csv"))));
  }

  @Test
  void rendersInChromiumWithoutErrors() throws Exception {
    Assumptions.assumeTrue(
        Chromium.executable().isPresent() || Chromium.required(),
        "no Chromium here (CI requires it: RWE_REQUIRE_BROWSER=1)");
    Path shot = SparkTestSession.projectDir().resolve("target/report-synthetic.png");
    Chromium.Page page = Chromium.open(run.resolve("report/index.html"), 1280, PROBE, shot);
    System.out.println(
        "ReportTest: Chromium loaded the report in " + page.loadMillis() + " ms: " + page.dom());
    System.out.println("ReportTest: warnings " + page.warnings() + "; screenshot " + shot);
    assertEquals(List.of(), page.errors());
    assertEquals(
        List.of(run.resolve("report/index.html").toUri().toString()),
        page.requests(),
        "the page requests nothing but itself");
    List<String> sections = new ArrayList<>();
    page.dom().get("sections").forEach(n -> sections.add(n.asText()));
    assertEquals(ReportHtml.SECTIONS, sections);
    assertTrue(page.dom().get("svgs").asInt() > 40, "charts drawn: " + page.dom());
    assertTrue(
        page.dom().get("scrollWidth").asInt() <= 1280, "nothing overflows sideways: " + page.dom());
    assertTrue(Files.size(shot) > 50_000, "a screenshot of a whole page");
  }

  static final String PROBE = ReportTestProbe.PROBE;
}
