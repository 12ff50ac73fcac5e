package org.rwe.report;

import static org.rwe.report.Fmt.esc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rwe.report.ReportInput.Rec;

/**
 * Incidence rates (with the absolute risk difference at the horizon, when the run has it) and the
 * continuous outcomes, from {@code incidence_rate}, {@code absolute_risk} and {@code
 * continuous_outcome_result}.
 */
final class Rates {
  private Rates() {}

  static void incidence(StringBuilder b, ReportInput in) {
    ReportHtml.section(b, "rates", "Incidence rates");
    if (!in.has("incidence_rate")) {
      ReportHtml.notComputed(b, "Incidence rates", "incidence_rate");
      ReportHtml.end(b);
      return;
    }
    List<Rec> rows =
        new ArrayList<>(
            in.rows("incidence_rate", r -> !in.negativeControl(r.integer("outcome_id"))));
    rows.sort(byOutcomeThenAnalysis());
    Map<String, Rec> risk = new HashMap<>();
    Integer horizon = null;
    for (Rec r : in.rows("absolute_risk", r -> true)) {
      risk.put(r.integer("analysis_id") + "/" + r.integer("outcome_id"), r);
      horizon = r.integer("horizon_days");
    }
    b.append("<p class=\"note\">Subjects with the outcome per 1,000 person-years at risk, with")
        .append(" exact Poisson 95% confidence intervals; outcomes of interest (every outcome:")
        .append(" <a href=\"csv/incidence_rate.csv\">csv/incidence_rate.csv</a>).");
    if (horizon != null) {
      b.append(" Risk difference: cumulative risk (1 &#8722; Kaplan-Meier) of target minus")
          .append(" comparator at day ")
          .append(horizon)
          .append(", with its 95% CI.");
    }
    b.append(" A rate is withheld when a count it rests on is below ")
        .append(in.study().minCellCount())
        .append(".</p>\n");
    ReportHtml.analysisKey(b, in);
    b.append("<table class=\"grid\"><thead><tr><th>outcome</th><th>analysis</th>")
        .append("<th>target<br><small>events / person-years</small></th>")
        .append("<th>target rate<br><small>(95% CI)</small></th>")
        .append("<th>comparator<br><small>events / person-years</small></th>")
        .append("<th>comparator rate<br><small>(95% CI)</small></th>");
    if (horizon != null) {
      b.append("<th>risk difference<br><small>day ").append(horizon).append("</small></th>");
    }
    b.append("</tr></thead><tbody>\n");
    Integer lastOutcome = null;
    for (Rec r : rows) {
      int o = r.integer("outcome_id");
      boolean first = lastOutcome == null || lastOutcome != o;
      lastOutcome = o;
      b.append("<tr").append(first ? " class=\"first\"" : "").append("><td>");
      b.append(first ? esc(in.outcomeName(o)) : "").append("</td><td>");
      b.append(in.analysisLabel(r.integer("analysis_id"))).append("</td>");
      for (String arm : List.of("target", "comparator")) {
        b.append("<td class=\"num\">")
            .append(Fmt.count(r.lng(arm + "_outcomes")))
            .append(" / ")
            .append(years(r.num(arm + "_years")))
            .append("</td><td class=\"num\">")
            .append(interval(r.num(arm + "_ir"), r.num(arm + "_ir_lb"), r.num(arm + "_ir_ub"), 2))
            .append("</td>");
      }
      if (horizon != null) {
        Rec a = risk.get(r.integer("analysis_id") + "/" + o);
        b.append("<td class=\"num\">")
            .append(
                a == null
                    ? Fmt.WITHHELD
                    : percentInterval(
                        a.num("risk_difference"), a.num("rd_ci_95_lb"), a.num("rd_ci_95_ub")))
            .append("</td>");
      }
      b.append("</tr>\n");
    }
    b.append("</tbody></table>\n");
    ReportHtml.end(b);
  }

  static void continuous(StringBuilder b, ReportInput in) {
    ReportHtml.section(b, "continuous", "Continuous outcomes");
    if (!in.has("continuous_outcome_result")) {
      ReportHtml.notComputed(b, "Continuous outcomes", "continuous_outcome_result");
      ReportHtml.end(b);
      return;
    }
    List<Rec> rows = new ArrayList<>(in.table("continuous_outcome_result").orElseThrow());
    if (rows.isEmpty()) {
      b.append("<p class=\"absent\">No continuous outcome in this study.</p>\n");
      ReportHtml.end(b);
      return;
    }
    rows.sort(byOutcomeThenAnalysis());
    b.append("<p class=\"note\">Mean change from baseline per arm and the mean difference")
        .append(" (target &#8722; comparator) with its 95% CI: paired within 1:1 matched pairs,")
        .append(" otherwise (weighted) means with a robust standard error. A mean of fewer than ")
        .append(in.study().minCellCount())
        .append(" subjects is withheld.</p>\n");
    ReportHtml.analysisKey(b, in);
    b.append("<table class=\"grid\"><thead><tr><th>outcome</th><th>analysis</th>")
        .append("<th>method</th><th>target<br><small>subjects</small></th>")
        .append("<th>target<br><small>mean change</small></th>")
        .append("<th>comparator<br><small>subjects</small></th>")
        .append("<th>comparator<br><small>mean change</small></th>")
        .append("<th>difference<br><small>(95% CI)</small></th><th>p</th></tr></thead><tbody>\n");
    Integer lastOutcome = null;
    for (Rec r : rows) {
      int o = r.integer("outcome_id");
      boolean first = lastOutcome == null || lastOutcome != o;
      lastOutcome = o;
      b.append("<tr").append(first ? " class=\"first\"" : "").append("><td>");
      b.append(first ? esc(r.str("outcome_name")) : "").append("</td><td>");
      b.append(in.analysisLabel(r.integer("analysis_id"))).append("</td><td>");
      b.append(esc(r.str("method"))).append("</td><td class=\"num\">");
      b.append(Fmt.count(r.lng("target_subjects"))).append("</td><td class=\"num\">");
      b.append(signed(r.num("target_mean"))).append("</td><td class=\"num\">");
      b.append(Fmt.count(r.lng("comparator_subjects"))).append("</td><td class=\"num\">");
      b.append(signed(r.num("comparator_mean"))).append("</td><td class=\"num\">");
      b.append(interval(r.num("mean_difference"), r.num("ci_95_lb"), r.num("ci_95_ub"), 2));
      b.append("</td><td class=\"num\">").append(Fmt.p(r.num("p"))).append("</td></tr>\n");
    }
    b.append("</tbody></table>\n");
    ReportHtml.end(b);
  }

  static Comparator<Rec> byOutcomeThenAnalysis() {
    return Comparator.<Rec>comparingInt(r -> r.integer("outcome_id"))
        .thenComparingInt(r -> r.integer("analysis_id"));
  }

  static String years(Double v) {
    return v == null ? Fmt.WITHHELD : String.format(Locale.ROOT, "%,.0f", v);
  }

  /** A value with its interval; a dash when withheld. */
  static String interval(Double v, Double lb, Double ub, int decimals) {
    if (v == null) {
      return Fmt.WITHHELD;
    }
    String s = signed(v, decimals);
    if (lb == null || ub == null) {
      return s;
    }
    return s + " <small>(" + signed(lb, decimals) + " to " + signed(ub, decimals) + ")</small>";
  }

  static String percentInterval(Double v, Double lb, Double ub) {
    if (v == null) {
      return Fmt.WITHHELD;
    }
    return interval(v * 100, lb == null ? null : lb * 100, ub == null ? null : ub * 100, 1)
        .replace(" <small>", "% <small>")
        .replace(")</small>", "%)</small>");
  }

  static String signed(Double v) {
    return v == null ? Fmt.WITHHELD : signed(v, 2);
  }

  /** A number with a true minus sign, and no "-0.00". */
  static String signed(double v, int decimals) {
    String s = Fmt.num(v, decimals);
    if (s.matches("-0\\.0*")) {
      s = s.substring(1);
    }
    return s.startsWith("-") ? "&#8722;" + s.substring(1) : s;
  }
}
