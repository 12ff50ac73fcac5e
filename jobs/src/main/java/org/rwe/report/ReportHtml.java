package org.rwe.report;

import static org.rwe.report.Fmt.count;
import static org.rwe.report.Fmt.esc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rwe.report.ReportInput.Rec;
import org.rwe.results.ResultTable;
import org.rwe.results.ResultsSchema;

/**
 * The report page: one self-contained HTML file (inline CSS and SVG, no script, no external
 * resource; a Content-Security-Policy forbids loading any), built from the result tables alone.
 * Each section renders when its table exists and says "not computed in this run" otherwise.
 */
public final class ReportHtml {
  private ReportHtml() {}

  /** Section ids, in page order (the browser test checks that each is there). */
  public static final List<String> SECTIONS =
      List.of(
          "key-results",
          "summary",
          "diagnostics",
          "attrition",
          "table1",
          "balance",
          "ps",
          "km",
          "rates",
          "continuous",
          "forest",
          "negative-controls",
          "tables");

  public static String render(ReportInput in) {
    ReportInput.Study s = in.study();
    StringBuilder b = new StringBuilder(256 * 1024);
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    b.append(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
            + " style-src 'unsafe-inline'; img-src data:\">\n");
    b.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    b.append("<title>").append(esc(s.studyId())).append(" \u2014 study report</title>\n");
    b.append("<style>\n").append(Style.CSS).append("</style>\n</head>\n<body>\n");
    b.append("<header>\n<h1>").append(esc(s.studyId())).append("</h1>\n");
    if (!s.description().isEmpty()) {
      b.append("<p class=\"lede\">").append(esc(s.description())).append("</p>\n");
    }
    b.append("<p class=\"meta\">Run <code>")
        .append(esc(s.runId()))
        .append("</code> &#183; counts below ")
        .append(s.minCellCount())
        .append(" are shown as &lt;")
        .append(s.minCellCount())
        .append(" &#183; ")
        .append(Fmt.WITHHELD)
        .append(" marks a value withheld so that a masked count cannot be recovered</p>\n");
    b.append("<nav>");
    String[] titles = {
      "Key results",
      "Summary",
      "Diagnostics",
      "Attrition",
      "Table 1",
      "Balance",
      "Propensity",
      "Kaplan-Meier",
      "Rates",
      "Continuous",
      "Estimates",
      "Negative controls",
      "Tables"
    };
    for (int i = 0; i < SECTIONS.size(); i++) {
      b.append("<a href=\"#").append(SECTIONS.get(i)).append("\">").append(titles[i]);
      b.append("</a>");
    }
    b.append("</nav>\n</header>\n<main>\n");
    keyResults(b, in);
    summary(b, in);
    diagnostics(b, in);
    attrition(b, in);
    Table1.table1(b, in);
    Table1.balance(b, in);
    Charts.propensity(b, in);
    Charts.kaplanMeier(b, in);
    Rates.incidence(b, in);
    Rates.continuous(b, in);
    ForestPlot.render(b, in);
    Charts.negativeControls(b, in);
    tables(b, in);
    b.append("</main>\n<footer>Built from the shareable result tables of the run only; no")
        .append(" person-level data. ");
    s.versions().forEach((k, v) -> b.append(esc(k)).append(' ').append(esc(v)).append(". "));
    b.append("</footer>\n</body>\n</html>\n");
    return b.toString();
  }

  static void section(StringBuilder b, String id, String title) {
    b.append("<section id=\"").append(id).append("\">\n<h2>").append(esc(title)).append("</h2>\n");
  }

  static void end(StringBuilder b) {
    b.append("</section>\n");
  }

  static void notComputed(StringBuilder b, String what, String table) {
    b.append("<p class=\"absent\">")
        .append(esc(what))
        .append(": not computed in this run (no <code>")
        .append(esc(table))
        .append("</code> table).</p>\n");
  }

  /**
   * The answer first: the primary analysis's estimates for the outcomes of interest, in words and
   * as a forest plot with the arms named, and its diagnostics verdict in one line. Everything after
   * this section is design, diagnostics detail and the sensitivity analyses.
   */
  private static void keyResults(StringBuilder b, ReportInput in) {
    section(b, "key-results", "Key results");
    ReportInput.Study s = in.study();
    ReportInput.Analysis primary = in.primary().orElse(null);
    if (primary == null) {
      b.append("<p class=\"absent\">No primary analysis in this study (study.primaryAnalysisId).")
          .append("</p>\n");
      end(b);
      return;
    }
    b.append("<p class=\"lede\"><b>")
        .append(esc(s.targetName()))
        .append("</b> vs <b>")
        .append(esc(s.comparatorName()))
        .append("</b>, primary analysis ")
        .append(primary.analysisId())
        .append(": ")
        .append(esc(in.analysisName(primary.analysisId())))
        .append(".</p>\n");
    if (!in.has("cohort_method_result")) {
      notComputed(b, "Estimates", "cohort_method_result");
      end(b);
      return;
    }
    List<Rec> rows =
        in.rows(
            "cohort_method_result",
            r -> r.integer("analysis_id") == primary.analysisId() && !r.bool("negative_control"));
    rows.sort(Comparator.comparingInt(r -> r.integer("outcome_id")));
    b.append("<ul class=\"headline\">\n");
    for (Rec r : rows) {
      b.append("<li>").append(esc(r.str("outcome_name"))).append(": ");
      b.append(headline(r, primary.measure())).append("</li>\n");
    }
    b.append("</ul>\n");
    b.append("<p class=\"verdict\">").append(verdict(in, primary.analysisId())).append("</p>\n");
    b.append("<p class=\"note\">").append(primary.measure());
    b.append(" of ").append(esc(s.targetName())).append(" vs ").append(esc(s.comparatorName()));
    b.append(" with its 95% confidence interval (log scale); below 1: fewer events among ");
    b.append(esc(s.targetName())).append(".");
    ForestPlot.notes(b, in, rows);
    ForestPlot.table(b, in, rows, true);
    b.append("<p class=\"note\">The other analyses are sensitivity analyses: their estimates are")
        .append(" under <a href=\"#forest\">Estimates</a>, their diagnostics under")
        .append(" <a href=\"#diagnostics\">Diagnostics</a>.</p>\n");
    end(b);
  }

  /** "HR 0.83 (95% CI 0.68-1.02), p = 0.077; calibrated 0.84 (0.66-1.07)", or why not. */
  static String headline(Rec r, String measure) {
    if (r.num("rr") == null) {
      return ForestPlot.estimate(r, "rr", "ci_95_lb", "ci_95_ub");
    }
    StringBuilder h = new StringBuilder();
    h.append("<b>")
        .append(measure)
        .append(" ")
        .append(Fmt.ratio(r.num("rr")))
        .append("</b> (95% CI ")
        .append(Fmt.bound(r.num("ci_95_lb")))
        .append("&#8211;")
        .append(Fmt.bound(r.num("ci_95_ub")))
        .append("), p ")
        .append(r.num("p") != null && r.num("p") < 0.001 ? "" : "= ")
        .append(Fmt.p(r.num("p")));
    if (r.num("calibrated_rr") != null) {
      h.append("; calibrated on the negative controls ")
          .append(Fmt.ratio(r.num("calibrated_rr")))
          .append(" (")
          .append(Fmt.bound(r.num("calibrated_ci_95_lb")))
          .append("&#8211;")
          .append(Fmt.bound(r.num("calibrated_ci_95_ub")))
          .append(")");
    }
    h.append(" &#183; events ")
        .append(Fmt.count(r.lng("target_outcomes")))
        .append(" / ")
        .append(Fmt.count(r.lng("target_subjects")))
        .append(" vs ")
        .append(Fmt.count(r.lng("comparator_outcomes")))
        .append(" / ")
        .append(Fmt.count(r.lng("comparator_subjects")));
    return h.toString();
  }

  /** The diagnostics of the primary analysis's outcomes of interest, in one line. */
  static String verdict(ReportInput in, int analysisId) {
    List<Rec> rows =
        in.rows(
            "diagnostics_summary",
            r ->
                r.integer("analysis_id") == analysisId
                    && !in.negativeControl(r.integer("outcome_id")));
    if (rows.isEmpty()) {
      return badge(null) + " Diagnostics: not evaluated in this run (no diagnostics_summary).";
    }
    long pass = rows.stream().filter(r -> r.bool("unblind")).count();
    StringBuilder v = new StringBuilder();
    v.append(badge(pass == rows.size() ? "PASS" : "FAIL")).append(" Diagnostics: ");
    v.append(pass).append(" of ").append(rows.size());
    v.append(" outcomes of interest pass every diagnostic");
    List<String> failed = new ArrayList<>();
    for (Rec r : rows) {
      if (r.bool("unblind")) {
        continue;
      }
      List<String> which = new ArrayList<>();
      for (String[] d :
          new String[][] {
            {"balance_diagnostic", "balance"},
            {"equipoise_diagnostic", "equipoise"},
            {"mdrr_diagnostic", "power (MDRR)"},
            {"ease_diagnostic", "systematic error (EASE)"}
          }) {
        if ("FAIL".equals(r.str(d[0]))) {
          which.add(d[1]);
        }
      }
      failed.add(esc(in.outcomeName(r.integer("outcome_id"))) + ": " + String.join(", ", which));
    }
    if (!failed.isEmpty()) {
      v.append(" (failing: ").append(String.join("; ", failed)).append(")");
    }
    return v.append(".").toString();
  }

  private static void summary(StringBuilder b, ReportInput in) {
    ReportInput.Study s = in.study();
    section(b, "summary", "Study summary and design");
    b.append("<dl class=\"design\">\n");
    for (Map.Entry<String, String> e : s.design().entrySet()) {
      b.append("<dt>").append(esc(e.getKey())).append("</dt><dd>").append(esc(e.getValue()));
      b.append("</dd>\n");
    }
    b.append("</dl>\n");
    b.append("<div class=\"cols\">\n<div>\n<h3>Analyses</h3>\n<table class=\"grid\">");
    b.append("<thead><tr><th>id</th><th>description</th></tr></thead><tbody>\n");
    for (ReportInput.Analysis a : s.analyses()) {
      b.append("<tr><td class=\"num\">").append(a.analysisId()).append("</td><td>");
      b.append(esc(a.description())).append("</td></tr>\n");
    }
    b.append("</tbody></table>\n</div>\n<div>\n<h3>Outcomes</h3>\n<table class=\"grid\">");
    b.append("<thead><tr><th>id</th><th>outcome</th><th>role</th></tr></thead><tbody>\n");
    for (ReportInput.Outcome o : s.outcomes()) {
      b.append("<tr><td class=\"num\">").append(o.outcomeId()).append("</td><td>");
      b.append(esc(o.name())).append("</td><td>");
      b.append(o.negativeControl() ? "negative control" : "outcome of interest");
      b.append("</td></tr>\n");
    }
    b.append("</tbody></table>\n</div>\n</div>\n");
    b.append("<details><summary>Resolved configuration (JSON)</summary><pre>");
    b.append(esc(s.resolvedConfigJson())).append("</pre></details>\n");
    end(b);
  }

  private static void diagnostics(StringBuilder b, ReportInput in) {
    section(b, "diagnostics", "Diagnostics");
    if (!in.has("diagnostics_summary")) {
      b.append("<div class=\"box\">\n");
      notComputed(b, "Pass/fail diagnostics", "diagnostics_summary");
      indicators(b, in);
      b.append("</div>\n");
      end(b);
      return;
    }
    List<Rec> rows = new ArrayList<>(in.table("diagnostics_summary").orElseThrow());
    rows.sort(
        Comparator.<Rec>comparingInt(r -> in.negativeControl(r.integer("outcome_id")) ? 1 : 0)
            .thenComparingInt(r -> r.integer("outcome_id"))
            .thenComparingInt(r -> r.integer("analysis_id")));
    long pass = rows.stream().filter(r -> r.bool("unblind")).count();
    b.append("<div class=\"box\">\n<p class=\"verdict\">")
        .append(badge(pass == rows.size() ? "PASS" : "FAIL"))
        .append(" ")
        .append(pass)
        .append(" of ")
        .append(rows.size())
        .append(" estimates pass every diagnostic and may be unblinded.</p>\n");
    b.append("<p class=\"note\">OHDSI's thresholds: balance max |SDM| &lt; 0.1; equipoise: share")
        .append(" of subjects with preference score in [0.3, 0.7]; power: minimum detectable")
        .append(" relative risk; systematic error: EASE from the negative controls.</p>\n");
    analysisKey(b, in);
    b.append("<table class=\"grid\"><thead><tr><th>outcome</th><th>analysis</th>")
        .append("<th>max |SDM|</th><th>equipoise</th><th>MDRR</th><th>EASE</th>")
        .append("<th>unblind</th></tr></thead><tbody>\n");
    for (Rec r : rows) {
      int o = r.integer("outcome_id");
      b.append("<tr").append(in.negativeControl(o) ? " class=\"nc\"" : "").append("><td>");
      b.append(esc(in.outcomeName(o))).append("</td><td>");
      b.append(in.analysisLabel(r.integer("analysis_id"))).append("</td>");
      diagCell(b, r.num("max_sdm"), 3, r.str("balance_diagnostic"));
      diagCell(b, r.num("equipoise"), 2, r.str("equipoise_diagnostic"));
      diagCell(b, r.num("mdrr"), 2, r.str("mdrr_diagnostic"));
      diagCell(b, r.num("ease"), 3, r.str("ease_diagnostic"));
      b.append("<td>").append(badge(r.bool("unblind") ? "PASS" : "FAIL")).append("</td></tr>\n");
    }
    b.append("</tbody></table>\n</div>\n");
    end(b);
  }

  private static void diagCell(StringBuilder b, Double v, int decimals, String verdict) {
    b.append("<td class=\"num\">")
        .append(v == null ? Fmt.WITHHELD : Fmt.num(v, decimals))
        .append(" ")
        .append(badge(verdict))
        .append("</td>");
  }

  /** What the analysis ids of a table stand for. */
  static void analysisKey(StringBuilder b, ReportInput in) {
    b.append("<p class=\"note\">Analyses: ");
    List<String> parts = new ArrayList<>();
    for (ReportInput.Analysis a : in.study().analyses()) {
      parts.add("<b>" + a.analysisId() + "</b> " + esc(a.description()));
    }
    b.append(String.join("; ", parts)).append(".</p>\n");
  }

  static String badge(String verdict) {
    String v = verdict == null ? "NOT EVALUATED" : verdict;
    String cls =
        switch (v) {
          case "PASS" -> "pass";
          case "FAIL" -> "fail";
          default -> "ne";
        };
    return "<span class=\"badge " + cls + "\">" + esc(v) + "</span>";
  }

  /** What the tables of this run do say, without a verdict. */
  private static void indicators(StringBuilder b, ReportInput in) {
    b.append("<p>Indicators available in this run (no pass/fail is given without")
        .append(" <code>diagnostics_summary</code>):</p>\n<ul>\n");
    int focus = in.focusOutcome();
    for (ReportInput.Analysis a : in.study().analyses()) {
      List<Rec> bal =
          in.rows(
              "covariate_balance",
              r -> r.integer("analysis_id") == a.analysisId() && r.integer("outcome_id") == focus);
      Double max =
          bal.stream()
              .map(r -> r.num("std_diff_after"))
              .filter(java.util.Objects::nonNull)
              .map(Math::abs)
              .max(Double::compare)
              .orElse(null);
      if (max != null) {
        b.append("<li>")
            .append(esc(in.analysisName(a.analysisId())))
            .append(", ")
            .append(esc(in.outcomeName(focus)))
            .append(": max |SDM| after adjustment ")
            .append(Fmt.num(max, 3))
            .append(" over ")
            .append(bal.size())
            .append(" covariates (OHDSI's threshold: 0.1)</li>\n");
      }
    }
    for (Rec r : in.rows("propensity_summary", r -> true)) {
      b.append("<li>Propensity model: AUC ")
          .append(r.num("auc") == null ? Fmt.WITHHELD : Fmt.num(r.num("auc"), 3))
          .append("; equipoise (preference score in [0.3, 0.7]) ")
          .append(r.num("equipoise") == null ? Fmt.WITHHELD : Fmt.percent(r.num("equipoise")))
          .append("</li>\n");
    }
    b.append("</ul>\n");
  }

  private static void attrition(StringBuilder b, ReportInput in) {
    section(b, "attrition", "Attrition");
    if (!in.has("attrition")) {
      notComputed(b, "Attrition", "attrition");
      end(b);
      return;
    }
    int focus = in.focusOutcome();
    List<Rec> shared =
        in.rows("attrition", r -> r.integer("analysis_id") == 0 && r.integer("outcome_id") == 0);
    shared.sort(Comparator.comparingInt(r -> r.integer("sequence_number")));
    b.append("<p class=\"note\">Subjects left after each step, per arm; the analysis steps are")
        .append(" shown for <b>")
        .append(esc(in.outcomeName(focus)))
        .append("</b> (every outcome: <a href=\"csv/attrition.csv\">csv/attrition.csv</a>).")
        .append(" A step's removed numbers are shown when both counts around it are")
        .append(" published.</p>\n<div class=\"flow\">\n");
    Trail trail = new Trail();
    for (Rec r : shared) {
      step(b, trail, r);
    }
    b.append("</div>\n");
    Map<Integer, List<Rec>> byAnalysis = new TreeMap<>();
    for (Rec r : in.rows("attrition", r -> r.integer("outcome_id") == focus)) {
      if (r.integer("analysis_id") != 0) {
        byAnalysis.computeIfAbsent(r.integer("analysis_id"), k -> new ArrayList<>()).add(r);
      }
    }
    if (!byAnalysis.isEmpty()) {
      b.append("<div class=\"branches\">\n");
      for (Map.Entry<Integer, List<Rec>> e : byAnalysis.entrySet()) {
        e.getValue().sort(Comparator.comparingInt(r -> r.integer("sequence_number")));
        b.append("<div class=\"flow\"><h3>Analysis ").append(e.getKey()).append(" <small>");
        b.append(esc(in.analysisName(e.getKey()))).append("</small></h3>\n");
        Trail branch = trail.copy();
        for (Rec r : e.getValue()) {
          step(b, branch, r);
        }
        b.append("</div>\n");
      }
      b.append("</div>\n");
    }
    end(b);
  }

  /** The last published count of each arm along the chain drawn so far, and its step. */
  private static final class Trail {
    Long target;
    Long comparator;
    int targetStep;
    int comparatorStep;
    int step;

    Trail copy() {
      Trail t = new Trail();
      t.target = target;
      t.comparator = comparator;
      t.targetStep = targetStep;
      t.comparatorStep = comparatorStep;
      t.step = step;
      return t;
    }
  }

  private static void step(StringBuilder b, Trail trail, Rec r) {
    Long t = r.lng("target_subjects");
    Long c = r.lng("comparator_subjects");
    trail.step++;
    if (trail.step > 1) {
      b.append("<div class=\"arrow\">")
          .append(removed("target", trail.target, t, trail.step - trail.targetStep))
          .append(removed("comparator", trail.comparator, c, trail.step - trail.comparatorStep))
          .append("</div>\n");
    }
    b.append("<div class=\"step\"><div class=\"desc\">")
        .append(esc(r.str("description")))
        .append("</div><div class=\"n\"><span class=\"t\">Target ")
        .append(count(t))
        .append("</span><span class=\"c\">Comparator ")
        .append(count(c))
        .append("</span></div></div>\n");
    // A masked count (fewer than the minimum) ends what subtraction can say.
    if (t != null) {
      trail.target = t < 0 ? null : t;
      trail.targetStep = trail.step;
    }
    if (c != null) {
      trail.comparator = c < 0 ? null : c;
      trail.comparatorStep = trail.step;
    }
  }

  /**
   * The persons removed since the last published count of the arm: never a small number, since the
   * writer withholds a count whose difference from its neighbour is small.
   */
  private static String removed(String arm, Long before, Long after, int steps) {
    if (before == null || after == null || after < 0) {
      return "";
    }
    long d = before - after;
    if (d == 0) {
      return "";
    }
    return "<span>"
        + arm
        + " &#8722;"
        + Fmt.countText(d)
        + (steps > 1 ? " (" + steps + " steps)" : "")
        + "</span>";
  }

  private static void tables(StringBuilder b, ReportInput in) {
    section(b, "tables", "Result tables");
    b.append("<p class=\"note\">Every shareable table of the run as CSV, masked exactly as the")
        .append(" Parquet under <code>results/</code> (a count below ")
        .append(in.study().minCellCount())
        .append(" is written as &#8722;")
        .append(in.study().minCellCount())
        .append(", a withheld value as empty). Columns are documented in")
        .append(" <code>docs/results.md</code>.</p>\n<table class=\"grid\"><thead><tr>")
        .append("<th>table</th><th>rows</th><th>what it holds</th></tr></thead><tbody>\n");
    for (ResultTable t : ResultsSchema.ALL) {
      b.append("<tr><td>");
      if (in.has(t.name())) {
        b.append("<a href=\"csv/").append(t.name()).append(".csv\">").append(t.name());
        b.append(".csv</a></td><td class=\"num\">");
        b.append(in.table(t.name()).orElseThrow().size());
      } else {
        b.append(t.name()).append("</td><td class=\"absent\">not computed in this run");
      }
      b.append("</td><td>").append(esc(t.meaning())).append("</td></tr>\n");
    }
    b.append("</tbody></table>\n");
    end(b);
  }
}
