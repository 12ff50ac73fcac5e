package org.rwe.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.rwe.config.AnalysisSettings;
import org.rwe.config.CohortSettings;
import org.rwe.config.OutcomeDefinition;
import org.rwe.config.StudyPopulationSettings;
import org.rwe.config.StudySettings;
import org.rwe.results.ResultTable;
import org.rwe.results.ResultsSchema;
import org.rwe.run.RunContext;

/**
 * The report job: publishes the run's result tables through {@link Disclosure} (never person-level
 * data; each checked against its declaration there), and writes {@code report/index.html} and
 * {@code report/csv/<table>.csv} from the rows published.
 */
public final class ReportJob {
  private ReportJob() {}

  public static Map<String, Long> run(RunContext ctx) throws IOException {
    Disclosure.Published published = Disclosure.publish(ctx);
    FileSystem fs =
        new Path(ctx.workDir()).getFileSystem(ctx.spark().sparkContext().hadoopConfiguration());
    Map<String, List<Row>> rows = new LinkedHashMap<>();
    published.tables().forEach((t, r) -> rows.put(t.name(), r));
    ReportInput input = input(ctx, rows);
    String html = ReportHtml.render(input);

    Path report = new Path(ctx.workDir(), "report");
    fs.delete(report, true);
    write(fs, new Path(report, "index.html"), html);
    long csvFiles = 0;
    for (Map.Entry<String, List<Row>> e : rows.entrySet()) {
      ResultTable t = ResultsSchema.byName(e.getKey()).orElseThrow();
      write(fs, new Path(report, "csv/" + t.name() + ".csv"), Csv.render(t, e.getValue()));
      csvFiles++;
    }
    Map<String, Long> counts = new LinkedHashMap<>(published.counts());
    counts.put("tables", (long) rows.size());
    counts.put("csv_files", csvFiles);
    counts.put("html_bytes", (long) html.getBytes(StandardCharsets.UTF_8).length);
    return counts;
  }

  static void write(FileSystem fs, Path path, String text) {
    // No ".index.html.crc" beside the page a reader opens: write through the raw local system.
    FileSystem target =
        fs instanceof org.apache.hadoop.fs.ChecksumFileSystem c ? c.getRawFileSystem() : fs;
    try (OutputStream out = target.create(path, true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  static ReportInput input(RunContext ctx, Map<String, List<Row>> rows) {
    Map<String, List<ReportInput.Rec>> tables = new LinkedHashMap<>();
    rows.forEach(
        (name, list) -> {
          ResultTable t = ResultsSchema.byName(name).orElseThrow();
          tables.put(name, list.stream().map(r -> ReportInput.Rec.of(r, t)).toList());
        });
    String dir = new Path(ctx.workDir()).getName();
    String runId = dir.endsWith(".inprogress") ? dir.substring(0, dir.length() - 11) : dir;
    Map<String, String> versions = new LinkedHashMap<>();
    String v = ReportJob.class.getPackage().getImplementationVersion();
    versions.put("rwe", v == null ? "dev" : v);
    versions.put("Spark", ctx.spark().version());
    return new ReportInput(study(ctx.settings(), runId, versions), tables);
  }

  /** The design as a reader wants it summarized, from the validated settings. */
  public static ReportInput.Study study(
      StudySettings s, String runId, Map<String, String> versions) {
    List<ReportInput.Analysis> analyses = new ArrayList<>();
    for (AnalysisSettings a : s.analyses()) {
      analyses.add(
          new ReportInput.Analysis(
              a.analysisId(),
              a.description(),
              a.matched(),
              a.modelType(),
              a.analysisId() == s.primaryAnalysisId()));
    }
    List<ReportInput.Outcome> outcomes = new ArrayList<>();
    for (OutcomeDefinition o : s.outcomes()) {
      outcomes.add(new ReportInput.Outcome(o.outcomeId(), o.name(), o.negativeControl()));
    }
    String json;
    try {
      ObjectMapper m = new ObjectMapper();
      com.fasterxml.jackson.databind.node.ObjectNode config =
          (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(s.resolvedJson(null));
      // The study design only: spark settings describe the machine and may carry credentials
      // (spark.conf."spark.hadoop.fs.s3a.secret.key"), which a shareable page must not.
      config.remove("spark");
      json = m.writerWithDefaultPrettyPrinter().writeValueAsString(config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ReportInput.Study(
        s.studyId(),
        s.description(),
        runId,
        s.minCellCount(),
        s.targetName(),
        s.comparatorName(),
        analyses,
        outcomes,
        design(s),
        json,
        versions);
  }

  static Map<String, String> design(StudySettings s) {
    CohortSettings c = s.cohort();
    StudyPopulationSettings p = s.studyPopulation();
    Map<String, String> d = new LinkedHashMap<>();
    switch (c.source()) {
      case "eras" -> {
        d.put(
            "cohorts",
            "every drug era of concept set '"
                + c.erasTargetConceptSet()
                + "' (target) and of '"
                + c.erasComparatorConceptSet()
                + "' (comparator), era start to era end");
        studyPeriodAndRest(d, s);
        return d;
      }
      case "cohortTable" -> {
        d.put(
            "cohorts",
            String.format(
                Locale.ROOT,
                "an OMOP cohort table: cohort %d (target) and cohort %d (comparator)",
                c.targetCohortId(),
                c.comparatorCohortId()));
        studyPeriodAndRest(d, s);
        return d;
      }
      default -> {}
    }
    d.put(
        "base population",
        String.format(
            Locale.ROOT,
            "concept set '%s': at least %d inpatient or %d outpatient diagnoses (on different days"
                + " within %d days); onset = the day the rule is first met",
            c.baseConceptSet(),
            c.minInpatientDiagnoses(),
            c.minOutpatientDiagnoses(),
            c.outpatientWindowDays()));
    d.put(
        "target",
        String.format(
            Locale.ROOT,
            "new users of concept set '%s' (none in the %d days before), index %d to %d days after"
                + " onset%s",
            c.targetConceptSet(),
            c.washoutDays(),
            c.minDaysAfterOnset(),
            c.maxDaysAfterOnset(),
            c.excludedRouteConceptSet().isEmpty()
                ? ""
                : "; routes in '" + c.excludedRouteConceptSet() + "' excluded"));
    d.put(
        "comparator",
        switch (c.comparatorType()) {
          case "delay" ->
              "non-users, indexed at onset + a delay drawn from the target arm's onset-to-index"
                  + " delays";
          case "visit" -> "non-users, indexed at a random qualifying outpatient visit after onset";
          default -> "new users of concept set '" + c.activeComparatorConceptSet() + "'";
        });
    d.put(
        "eligibility at index",
        String.format(
            Locale.ROOT,
            "age at least %d; at least %d days of prior observation",
            c.minAgeAtIndex(),
            c.priorObservationDays()));
    List<String> ex = new ArrayList<>();
    for (CohortSettings.Exclusion e : c.exclusions()) {
      ex.add(
          "'"
              + e.conceptSet()
              + "' "
              + (e.lookbackDays() < 0
                  ? "any time before"
                  : "in the " + e.lookbackDays() + " days before"));
    }
    d.put("exclusions", ex.isEmpty() ? "none" : String.join("; ", ex));
    studyPeriodAndRest(d, s);
    return d;
  }

  /** The design entries every cohort source shares. */
  private static void studyPeriodAndRest(Map<String, String> d, StudySettings s) {
    CohortSettings c = s.cohort();
    StudyPopulationSettings p = s.studyPopulation();
    d.put(
        "study period",
        (c.studyStartDate() == null ? "no start" : c.studyStartDate().toString())
            + " to "
            + (c.studyEndDate() == null ? "no end" : c.studyEndDate().toString()));
    d.put(
        "time at risk",
        String.format(
            Locale.ROOT,
            "day %d after %s to day %d after %s; at least %d day(s) at risk",
            p.riskWindowStart(),
            p.startAnchor(),
            p.riskWindowEnd(),
            p.endAnchor(),
            p.minDaysAtRisk()));
    d.put(
        "prior outcome",
        p.removeSubjectsWithPriorOutcome()
            ? "subjects with the outcome in the "
                + p.priorOutcomeLookback()
                + " days before are removed"
            : "kept");
    d.put("same person in both arms", p.removeDuplicateSubjects());
    d.put(
        "propensity model",
        String.format(
            Locale.ROOT,
            "L1-regularized logistic regression; penalty by %d-fold cross-validation over %s;"
                + " fitted on at most %,d subjects",
            s.propensity().crossValidationFolds(),
            s.propensity().regParams().stream().map(Fmt::plain).toList(),
            s.propensity().maxCohortSizeForFitting()));
    List<String> adj = new ArrayList<>();
    for (AnalysisSettings a : s.analyses()) {
      adj.add(a.analysisId() + ": " + adjustment(a));
    }
    d.put("analyses", String.join("; ", adj));
    d.put("small cells", "counts below " + s.minCellCount() + " are masked (results.minCellCount)");
  }

  /** How an analysis adjusts, in a few words. */
  static String adjustment(AnalysisSettings a) {
    String trim =
        switch (a.trimming()) {
          case "fraction" -> "trimmed (" + Fmt.plain(a.trimFraction()) + " of each tail), ";
          case "equipoise" -> "trimmed to equipoise " + a.equipoiseBounds() + ", ";
          default -> "";
        };
    String how =
        switch (a.adjustment()) {
          case "match" ->
              String.format(
                  Locale.ROOT,
                  "PS matching %s, caliper %s on the %s scale",
                  a.maxRatio() == 1 ? "1:1" : "up to 1:" + (a.maxRatio() == 0 ? "n" : a.maxRatio()),
                  Fmt.plain(a.caliper()),
                  a.caliperScale());
          case "stratify" -> "PS stratification into " + a.numberOfStrata() + " strata";
          case "iptw" ->
              "IPTW ("
                  + a.estimator().toUpperCase(Locale.ROOT)
                  + (a.stabilize() ? ", stabilized" : "")
                  + ")";
          default -> "no adjustment";
        };
    String model =
        a.weighted()
            ? "weighted Cox, robust SE"
            : a.stratified() && a.hasStrata()
                ? "Cox stratified by " + (a.matched() ? "matched set" : "stratum")
                : "unstratified Cox";
    return trim + how + "; " + model;
  }
}
