package org.rwe.report;

import static org.rwe.report.Fmt.esc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.rwe.report.ReportInput.Rec;

/**
 * Table 1 (baseline characteristics before and after adjustment, with standardized mean
 * differences) and the covariate balance scatter, from {@code covariate_balance}.
 */
final class Table1 {
  private Table1() {}

  /** Covariates per family in Table 1 (demographics are shown whole). */
  static final int TOP_PER_FAMILY = 10;

  /** FeatureExtraction analysis ids, grouped into the families a Table 1 shows. */
  record Family(String title, int fromId, int toId, boolean all) {}

  static final List<Family> FAMILIES =
      List.of(
          new Family("Demographics", 1, 99, true),
          new Family("Conditions (most imbalanced before adjustment)", 100, 399, false),
          new Family("Drugs (most imbalanced before adjustment)", 400, 499, false),
          new Family("Procedures (most imbalanced before adjustment)", 500, 699, false),
          new Family("Measurements (most imbalanced before adjustment)", 700, 899, false),
          new Family("Scores and counts (means)", 900, 999, true));

  /** Continuous covariates (FeatureExtraction's 900s: Charlson, visit counts) show means. */
  static boolean continuous(Rec r) {
    int a = r.integer("covariate_analysis_id");
    return a >= 900 && a <= 999;
  }

  /** Index month says nothing a reader needs in Table 1. */
  static boolean shown(Rec r) {
    return r.integer("covariate_analysis_id") != 7;
  }

  static List<ReportInput.Analysis> balancedAnalyses(ReportInput in) {
    List<ReportInput.Analysis> out = new ArrayList<>();
    for (ReportInput.Analysis a : in.study().analyses()) {
      if (!in.rows("covariate_balance", r -> r.integer("analysis_id") == a.analysisId())
          .isEmpty()) {
        out.add(a);
      }
    }
    return out;
  }

  static void table1(StringBuilder b, ReportInput in) {
    ReportHtml.section(b, "table1", "Table 1: baseline characteristics");
    List<ReportInput.Analysis> analyses = balancedAnalyses(in);
    if (analyses.isEmpty()) {
      ReportHtml.notComputed(b, "Baseline characteristics", "covariate_balance");
      ReportHtml.end(b);
      return;
    }
    int focus = in.focusOutcome();
    // The primary analysis first and open; the sensitivity analyses' tables folded behind it.
    analyses = new ArrayList<>(analyses);
    analyses.sort(Comparator.comparingInt(a -> a.primary() ? 0 : 1));
    boolean folded = false;
    for (ReportInput.Analysis a : analyses) {
      if (!a.primary() && !folded && analyses.get(0).primary()) {
        folded = true;
        b.append("<details class=\"more\"><summary>Table 1 of the sensitivity analyses (")
            .append(analyses.size() - 1)
            .append(")</summary>\n");
      }
      List<Rec> rows =
          in.rows(
              "covariate_balance",
              r -> r.integer("analysis_id") == a.analysisId() && r.integer("outcome_id") == focus);
      b.append("<h3>")
          .append(esc(in.analysisName(a.analysisId())))
          .append(" &#183; population of ")
          .append(esc(in.outcomeName(focus)))
          .append("</h3>\n");
      if (rows.isEmpty()) {
        b.append("<p class=\"absent\">No balance rows for this outcome.</p>\n");
        continue;
      }
      Rec any = rows.get(0);
      b.append("<table class=\"grid t1\"><thead><tr><th rowspan=\"2\">characteristic</th>")
          .append("<th colspan=\"3\">before adjustment</th><th colspan=\"3\">after adjustment")
          .append("</th></tr>\n<tr><th>target<br><small>n = ")
          .append(Fmt.count(any.lng("target_subjects_before")))
          .append("</small></th><th>comparator<br><small>n = ")
          .append(Fmt.count(any.lng("comparator_subjects_before")))
          .append("</small></th><th>SDM</th><th>target<br><small>n = ")
          .append(Fmt.count(any.lng("target_subjects_after")))
          .append("</small></th><th>comparator<br><small>n = ")
          .append(Fmt.count(any.lng("comparator_subjects_after")))
          .append("</small></th><th>SDM</th></tr></thead><tbody>\n");
      for (Family f : FAMILIES) {
        List<Rec> fam = new ArrayList<>();
        for (Rec r : rows) {
          int id = r.integer("covariate_analysis_id");
          if (id >= f.fromId() && id <= f.toId() && shown(r)) {
            fam.add(r);
          }
        }
        if (fam.isEmpty()) {
          continue;
        }
        if (f.all()) {
          fam.sort(
              Comparator.<Rec>comparingInt(r -> r.integer("covariate_analysis_id"))
                  .thenComparing(r -> r.str("covariate_name")));
        } else {
          fam.sort(
              Comparator.<Rec>comparingDouble(r -> -absOrZero(r.num("std_diff_before")))
                  .thenComparing(r -> r.str("covariate_name")));
          fam = fam.subList(0, Math.min(TOP_PER_FAMILY, fam.size()));
        }
        b.append("<tr class=\"family\"><td colspan=\"7\">").append(esc(f.title()));
        b.append("</td></tr>\n");
        for (Rec r : fam) {
          boolean cont = continuous(r);
          b.append("<tr><td>").append(label(r.str("covariate_name")));
          b.append(cont ? " <small>(mean)</small>" : "").append("</td>");
          value(b, r.num("target_mean_before"), cont);
          value(b, r.num("comparator_mean_before"), cont);
          sdm(b, r.num("std_diff_before"));
          value(b, r.num("target_mean_after"), cont);
          value(b, r.num("comparator_mean_after"), cont);
          sdm(b, r.num("std_diff_after"));
          b.append("</tr>\n");
        }
      }
      b.append("</tbody></table>\n");
    }
    if (folded) {
      b.append("</details>\n");
    }
    b.append("<p class=\"note\">Binary characteristics as the share of subjects; scores and")
        .append(" counts as means. SDM: standardized mean difference; |SDM| &#8805; 0.1 is")
        .append(" marked. A share that stands for fewer than ")
        .append(in.study().minCellCount())
        .append(" subjects is shown as an upper bound (&lt;x%) and its SDM is withheld.</p>\n");
    ReportHtml.end(b);
  }

  /** FeatureExtraction's "x during day -365 through 0 days relative to index: name". */
  static final java.util.regex.Pattern WINDOWED =
      java.util.regex.Pattern.compile(
          "(.*) during day (-?\\d+) through (-?\\d+) days relative to index: (.*)");

  /** The concept name first, the window as a short tag: Table 1 is read down its first column. */
  static String label(String name) {
    java.util.regex.Matcher m = WINDOWED.matcher(name == null ? "" : name);
    if (!m.matches()) {
      return esc(name);
    }
    String kind = m.group(1).replace('_', ' ');
    String what =
        kind.startsWith("measurement range") ? kind.substring("measurement range ".length()) : "";
    String window = m.group(2) + " to " + m.group(3) + " d";
    String concept = kind.startsWith("visit count") ? "visits: " + m.group(4) : m.group(4);
    return esc(concept)
        + (what.isEmpty() ? "" : " <small>(" + esc(what) + ")</small>")
        + " <small class=\"win\">"
        + esc(window)
        + "</small>";
  }

  static double absOrZero(Double v) {
    return v == null ? 0 : Math.abs(v);
  }

  private static void value(StringBuilder b, Double v, boolean continuous) {
    b.append("<td class=\"num\">")
        .append(continuous ? Fmt.mean(v) : Fmt.percent(v))
        .append("</td>");
  }

  private static void sdm(StringBuilder b, Double v) {
    boolean high = v != null && Math.abs(v) >= 0.1;
    b.append("<td class=\"num").append(high ? " high" : "").append("\">");
    b.append(Fmt.sdm(v)).append("</td>");
  }

  static void balance(StringBuilder b, ReportInput in) {
    ReportHtml.section(b, "balance", "Covariate balance");
    List<ReportInput.Analysis> analyses = balancedAnalyses(in);
    if (analyses.isEmpty()) {
      ReportHtml.notComputed(b, "Covariate balance", "covariate_balance");
      ReportHtml.end(b);
      return;
    }
    int focus = in.focusOutcome();
    b.append("<p class=\"note\">Each point is a covariate: its absolute standardized mean")
        .append(" difference before (x) and after (y) adjustment, population of <b>")
        .append(esc(in.outcomeName(focus)))
        .append("</b>. Points above the dashed line at 0.1 are out of balance.</p>\n")
        .append("<div class=\"charts\">\n");
    for (ReportInput.Analysis a : analyses) {
      List<Rec> rows =
          in.rows(
              "covariate_balance",
              r -> r.integer("analysis_id") == a.analysisId() && r.integer("outcome_id") == focus);
      List<Rec> plotted =
          rows.stream()
              .filter(r -> r.num("std_diff_before") != null && r.num("std_diff_after") != null)
              .toList();
      double max =
          plotted.stream()
              .flatMap(
                  r ->
                      java.util.stream.Stream.of(r.num("std_diff_before"), r.num("std_diff_after")))
              .filter(Objects::nonNull)
              .mapToDouble(Math::abs)
              .max()
              .orElse(0.1);
      double hi = Math.max(0.2, Math.ceil(max * 10 * 1.05) / 10);
      Svg svg = new Svg(460, 400, 56, 16, 14, 44);
      Svg.Scale x = Svg.linear(0, hi, svg.plotLeft(), svg.plotRight(), 6);
      Svg.Scale y = Svg.linear(0, hi, svg.plotBottom(), svg.plotTop(), 6);
      svg.xAxis(x, "|SDM| before adjustment").yAxis(y, "|SDM| after adjustment");
      svg.line(x.px(0), y.px(0), x.px(hi), y.px(hi), "diag");
      svg.line(x.px(0), y.px(0.1), x.px(hi), y.px(0.1), "threshold");
      for (Rec r : plotted) {
        double before = Math.abs(r.num("std_diff_before"));
        double after = Math.abs(r.num("std_diff_after"));
        svg.circle(
            x.px(before),
            y.px(after),
            3,
            after >= 0.1 ? "pt bad" : "pt",
            r.str("covariate_name")
                + ": before "
                + Fmt.num(r.num("std_diff_before"), 3)
                + ", after "
                + Fmt.num(r.num("std_diff_after"), 3));
      }
      long hidden = rows.size() - plotted.size();
      b.append("<figure>")
          .append(svg.render("covariate balance, " + in.analysisName(a.analysisId())))
          .append("<figcaption>")
          .append(esc(in.analysisName(a.analysisId())))
          .append(": ")
          .append(plotted.size())
          .append(" covariates")
          .append(
              hidden > 0
                  ? "; " + hidden + " not shown (SDM withheld: fewer than the minimum cell count)"
                  : "")
          .append("</figcaption></figure>\n");
    }
    b.append("</div>\n");
    ReportHtml.end(b);
  }
}
