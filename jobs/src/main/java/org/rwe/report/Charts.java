package org.rwe.report;

import static org.rwe.report.Fmt.esc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.rwe.report.ReportInput.Rec;

/** The propensity, Kaplan-Meier and negative-control charts. */
final class Charts {
  private Charts() {}

  static void propensity(StringBuilder b, ReportInput in) {
    ReportHtml.section(b, "ps", "Propensity and preference score");
    List<Rec> summary = in.rows("propensity_summary", r -> true);
    if (!summary.isEmpty()) {
      Rec s = summary.get(0);
      b.append("<table class=\"grid facts\"><tbody>\n");
      fact(b, "AUC (whole study population)", opt(s.num("auc"), 3));
      fact(b, "cross-validated AUC", opt(s.num("cv_auc"), 3));
      fact(b, "equipoise (preference score in [0.3, 0.7])", Fmt.percent(s.num("equipoise")));
      fact(b, "L1 penalty (by cross-validation)", opt(s.num("reg_param"), 4));
      fact(
          b,
          "covariates with a non-zero coefficient",
          Fmt.count(s.lng("non_zero_coefficients")) + " of " + Fmt.count(s.lng("covariates")));
      fact(b, "subjects fitted", Fmt.count(s.lng("subjects_fitted")));
      b.append("</tbody></table>\n");
    } else {
      ReportHtml.notComputed(b, "Propensity model summary", "propensity_summary");
    }
    if (!in.has("preference_score_dist")) {
      ReportHtml.notComputed(b, "Preference score distribution", "preference_score_dist");
      ReportHtml.end(b);
      return;
    }
    Map<Integer, List<Rec>> byAnalysis = new TreeMap<>();
    for (Rec r : in.table("preference_score_dist").orElseThrow()) {
      byAnalysis.computeIfAbsent(r.integer("analysis_id"), k -> new ArrayList<>()).add(r);
    }
    b.append("<div class=\"charts\">\n");
    for (Map.Entry<Integer, List<Rec>> e : byAnalysis.entrySet()) {
      List<Rec> rows = new ArrayList<>(e.getValue());
      rows.sort(Comparator.comparingDouble(r -> r.num("preference_score")));
      double max =
          rows.stream()
              .flatMap(
                  r ->
                      java.util.stream.Stream.of(
                          r.num("target_density"), r.num("comparator_density")))
              .filter(Objects::nonNull)
              .mapToDouble(Double::doubleValue)
              .max()
              .orElse(1);
      Svg svg = new Svg(460, 300, 52, 16, 28, 44);
      Svg.Scale x = Svg.linear(0, 1, svg.plotLeft(), svg.plotRight(), 5);
      Svg.Scale y = Svg.linear(0, max <= 0 ? 1 : max * 1.05, svg.plotBottom(), svg.plotTop(), 5);
      svg.rect(
          x.px(0.3),
          svg.plotTop(),
          x.px(0.7) - x.px(0.3),
          svg.plotBottom() - svg.plotTop(),
          "band");
      svg.xAxis(x, "preference score").yAxis(y, "density");
      for (String arm : List.of("comparator", "target")) {
        List<double[]> pts = new ArrayList<>();
        pts.add(new double[] {x.px(rows.get(0).num("preference_score")), y.px(0)});
        for (Rec r : rows) {
          Double d = r.num(arm + "_density");
          pts.add(new double[] {x.px(r.num("preference_score")), y.px(d == null ? 0 : d)});
        }
        pts.add(new double[] {x.px(rows.get(rows.size() - 1).num("preference_score")), y.px(0)});
        svg.path(pts, "area " + arm, true);
      }
      legend(svg, svg.plotLeft() + 8, 14);
      b.append("<figure>")
          .append(svg.render("preference score distribution"))
          .append("<figcaption>")
          .append(
              esc(
                  e.getKey() == 0
                      ? "The study's propensity model (every analysis)"
                      : in.analysisName(e.getKey())))
          .append(": shaded, the equipoise zone [0.3, 0.7]</figcaption></figure>\n");
    }
    b.append("</div>\n");
    ReportHtml.end(b);
  }

  private static String opt(Double v, int decimals) {
    return v == null ? Fmt.WITHHELD : Fmt.num(v, decimals);
  }

  private static void fact(StringBuilder b, String what, String html) {
    b.append("<tr><th>").append(esc(what)).append("</th><td class=\"num\">").append(html);
    b.append("</td></tr>\n");
  }

  static void legend(Svg svg, double x, double y) {
    svg.rect(x, y - 9, 12, 10, "key target");
    svg.text(x + 16, y, "target", "legend");
    svg.rect(x + 70, y - 9, 12, 10, "key comparator");
    svg.text(x + 86, y, "comparator", "legend");
  }

  static void kaplanMeier(StringBuilder b, ReportInput in) {
    ReportHtml.section(b, "km", "Kaplan-Meier curves");
    if (!in.has("kaplan_meier_dist")) {
      ReportHtml.notComputed(b, "Kaplan-Meier curves", "kaplan_meier_dist");
      ReportHtml.end(b);
      return;
    }
    Map<List<Integer>, List<Rec>> curves =
        new TreeMap<>(
            Comparator.comparing((List<Integer> k) -> k.get(0)).thenComparing(k -> k.get(1)));
    for (Rec r : in.table("kaplan_meier_dist").orElseThrow()) {
      int o = r.integer("outcome_id");
      if (!in.negativeControl(o)) {
        curves.computeIfAbsent(List.of(o, r.integer("analysis_id")), k -> new ArrayList<>()).add(r);
      }
    }
    b.append("<p class=\"note\">Share of subjects still free of the outcome, with 95% confidence")
        .append(" bands; numbers at risk below each plot (at the first time recorded at or after")
        .append(" the tick). A curve stops where fewer than ")
        .append(in.study().minCellCount())
        .append(" subjects remain at risk.</p>\n<div class=\"charts\">\n");
    for (Map.Entry<List<Integer>, List<Rec>> e : curves.entrySet()) {
      List<Rec> rows = new ArrayList<>(e.getValue());
      rows.sort(Comparator.comparingInt(r -> r.integer("time_day")));
      List<String> withheld = new ArrayList<>();
      for (String arm : List.of("target", "comparator")) {
        if (rows.stream().allMatch(r -> r.num(arm + "_survival") == null)) {
          withheld.add(arm);
        }
      }
      b.append("<figure>")
          .append(kmPlot(rows))
          .append("<figcaption>")
          .append(esc(in.outcomeName(e.getKey().get(0))))
          .append(" &#183; ")
          .append(esc(in.analysisName(e.getKey().get(1))))
          .append(
              withheld.isEmpty()
                  ? ""
                  : " &#183; "
                      + String.join(" and ", withheld)
                      + " curve withheld (its outcome count is below the minimum)")
          .append("</figcaption></figure>\n");
    }
    b.append("</div>\n");
    ReportHtml.end(b);
  }

  static String kmPlot(List<Rec> rows) {
    double lo = 1;
    int maxDay = 1;
    for (Rec r : rows) {
      maxDay = Math.max(maxDay, r.integer("time_day"));
      for (String c :
          List.of(
              "target_survival_lb",
              "comparator_survival_lb",
              "target_survival",
              "comparator_survival")) {
        Double v = r.num(c);
        if (v != null) {
          lo = Math.min(lo, v);
        }
      }
    }
    double yLo = Math.max(0, Math.floor((lo - 0.005) * 20) / 20);
    if (yLo > 0.95) {
      yLo = 0.95;
    }
    Svg svg = new Svg(500, 350, 100, 16, 28, 108);
    double xHi = Svg.niceStep(maxDay / 5.0) * Math.ceil(maxDay / Svg.niceStep(maxDay / 5.0));
    Svg.Scale x = Svg.linear(0, xHi, svg.plotLeft(), svg.plotRight(), 5);
    Svg.Scale y = Svg.linear(yLo, 1, svg.plotBottom(), svg.plotTop(), 5);
    // The axis title sits below the numbers at risk.
    svg.line(svg.plotLeft(), svg.plotBottom(), svg.plotRight(), svg.plotBottom(), "axis");
    for (double t : x.ticks()) {
      double px = x.px(t);
      svg.line(px, svg.plotTop(), px, svg.plotBottom(), "grid");
      svg.line(px, svg.plotBottom(), px, svg.plotBottom() + 4, "axis");
      svg.text(px, svg.plotBottom() + 16, x.label(t), "tick mid");
    }
    svg.text(
        (svg.plotLeft() + svg.plotRight()) / 2, svg.plotBottom() + 34, "days", "axis-title mid");
    svg.yAxis(y, "survival (free of the outcome)");
    for (String arm : List.of("comparator", "target")) {
      List<double[]> upper = new ArrayList<>();
      List<double[]> lower = new ArrayList<>();
      List<double[]> line = new ArrayList<>();
      double prevS = 1;
      double prevLb = 1;
      double prevUb = 1;
      line.add(new double[] {x.px(0), y.px(1)});
      upper.add(new double[] {x.px(0), y.px(1)});
      lower.add(new double[] {x.px(0), y.px(1)});
      for (Rec r : rows) {
        Double s = r.num(arm + "_survival");
        if (s == null) {
          break; // masked: too few at risk from here on
        }
        Double lb = r.num(arm + "_survival_lb");
        Double ub = r.num(arm + "_survival_ub");
        double t = x.px(r.integer("time_day"));
        line.add(new double[] {t, y.px(prevS)});
        line.add(new double[] {t, y.px(s)});
        double l = lb == null ? s : lb;
        double u = ub == null ? s : ub;
        upper.add(new double[] {t, y.px(prevUb)});
        upper.add(new double[] {t, y.px(u)});
        lower.add(new double[] {t, y.px(prevLb)});
        lower.add(new double[] {t, y.px(l)});
        prevS = s;
        prevLb = l;
        prevUb = u;
      }
      List<double[]> band = new ArrayList<>(upper);
      for (int i = lower.size() - 1; i >= 0; i--) {
        band.add(lower.get(i));
      }
      svg.path(band, "band " + arm, true);
      svg.path(line, "curve " + arm, false);
    }
    legend(svg, svg.plotLeft() + 8, 14);
    double rowT = svg.plotBottom() + 58;
    double rowC = svg.plotBottom() + 76;
    svg.text(4, rowT - 18, "at risk", "legend");
    svg.text(4, rowT, "target", "target-text");
    svg.text(4, rowC, "comparator", "comparator-text");
    for (double t : x.ticks()) {
      Rec at = null;
      for (Rec r : rows) {
        if (r.integer("time_day") >= t) {
          at = r;
          break;
        }
      }
      if (at != null) {
        svg.text(x.px(t), rowT, Fmt.countText(at.lng("target_at_risk")), "tick mid");
        svg.text(x.px(t), rowC, Fmt.countText(at.lng("comparator_at_risk")), "tick mid");
      }
    }
    return svg.render("Kaplan-Meier curves");
  }

  static void negativeControls(StringBuilder b, ReportInput in) {
    ReportHtml.section(b, "negative-controls", "Negative controls");
    List<Rec> nc =
        in.rows(
            "cohort_method_result",
            r -> r.bool("negative_control") && r.num("rr") != null && r.num("se_log_rr") != null);
    if (nc.isEmpty()) {
      b.append("<p class=\"absent\">No negative-control estimate in this run (no negative")
          .append(" control in <code>cohort_method_result</code>, or every one masked).</p>\n");
      ReportHtml.end(b);
      return;
    }
    b.append("<p class=\"note\">Estimates for outcomes not caused by the exposure (true hazard")
        .append(" ratio 1). Outside the funnel the estimate is significant at p &lt; 0.05; about")
        .append(" 5% should be, if the design removes systematic error.</p>\n")
        .append("<div class=\"charts\">\n");
    Map<Integer, List<Rec>> byAnalysis = new TreeMap<>();
    for (Rec r : nc) {
      byAnalysis.computeIfAbsent(r.integer("analysis_id"), k -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<Integer, List<Rec>> e : byAnalysis.entrySet()) {
      List<Rec> rows = e.getValue();
      double seMax =
          Math.max(0.25, rows.stream().mapToDouble(r -> r.num("se_log_rr")).max().orElse(1) * 1.1);
      double lo = 0.25;
      double hi = 4;
      for (Rec r : rows) {
        lo = Math.min(lo, r.num("rr"));
        hi = Math.max(hi, r.num("rr"));
      }
      lo = Math.max(0.1, lo * 0.9);
      hi = Math.min(10, hi * 1.1);
      Svg svg = new Svg(460, 320, 56, 16, 14, 44);
      Svg.Scale x = Svg.log(lo, hi, svg.plotLeft(), svg.plotRight());
      Svg.Scale y = Svg.linear(0, seMax, svg.plotBottom(), svg.plotTop(), 5);
      svg.xAxis(x, "hazard ratio").yAxis(y, "standard error of log HR");
      double left = Math.max(lo, Math.exp(-1.96 * seMax));
      double right = Math.min(hi, Math.exp(1.96 * seMax));
      svg.path(
          List.of(
              new double[] {x.px(left), y.px(-Math.log(left) / 1.96)},
              new double[] {x.px(1), y.px(0)},
              new double[] {x.px(right), y.px(Math.log(right) / 1.96)}),
          "funnel",
          false);
      svg.line(x.px(1), svg.plotTop(), x.px(1), svg.plotBottom(), "ref");
      long covering = 0;
      for (Rec r : rows) {
        double rr = Math.min(hi, Math.max(lo, r.num("rr")));
        boolean covers =
            r.num("ci_95_lb") != null && r.num("ci_95_lb") <= 1 && r.num("ci_95_ub") >= 1;
        covering += covers ? 1 : 0;
        svg.circle(
            x.px(rr),
            y.px(r.num("se_log_rr")),
            4,
            covers ? "pt nc" : "pt nc-sig",
            in.outcomeName(r.integer("outcome_id"))
                + ": HR "
                + Fmt.num(r.num("rr"), 2)
                + " (SE "
                + Fmt.num(r.num("se_log_rr"), 2)
                + ")");
      }
      b.append("<figure>")
          .append(svg.render("negative controls"))
          .append("<figcaption>")
          .append(esc(in.analysisName(e.getKey())))
          .append(": ")
          .append(covering)
          .append(" of ")
          .append(rows.size())
          .append(" confidence intervals include 1 (orange: excludes 1)</figcaption></figure>\n");
    }
    b.append("</div>\n");
    ReportHtml.end(b);
  }
}
