package org.rwe.report;

import static org.rwe.report.Fmt.esc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.rwe.report.ReportInput.Rec;

/**
 * The forest plot of every outcome and analysis: a table whose rows carry the numbers as text and a
 * small SVG on one shared log scale, so that the intervals line up and the numbers stay selectable.
 * Calibrated estimates (when the run has them) beside the uncalibrated ones.
 */
final class ForestPlot {
  private ForestPlot() {}

  static final int W = 300;
  static final int H = 24;
  static final int PAD = 10;

  static void render(StringBuilder b, ReportInput in) {
    ReportHtml.section(b, "forest", "Estimates: every outcome and analysis");
    if (!in.has("cohort_method_result")) {
      ReportHtml.notComputed(b, "Estimates", "cohort_method_result");
      ReportHtml.end(b);
      return;
    }
    List<Rec> rows = new ArrayList<>(in.table("cohort_method_result").orElseThrow());
    b.append("<p class=\"note\">Ratio of target vs comparator with its 95% confidence")
        .append(" interval (log scale; an arrow marks an interval beyond the axis): a hazard")
        .append(" ratio (HR) for Cox models, an incidence rate ratio (IRR) for Poisson, an odds")
        .append(" ratio (OR) for logistic.");
    notes(b, in, rows);
    ReportHtml.analysisKey(b, in);
    table(b, in, rows, false);
    ReportHtml.end(b);
  }

  /** What the symbols mean and when an estimate is withheld. */
  static void notes(StringBuilder b, ReportInput in, List<Rec> rows) {
    b.append(
            calibrated(rows)
                ? " Squares: uncalibrated; diamonds: calibrated on the negative controls."
                : " Calibrated estimates: not computed in this run.")
        .append(" An estimate is withheld when an outcome count it rests on is below ")
        .append(in.study().minCellCount())
        .append(".</p>\n");
  }

  static boolean calibrated(List<Rec> rows) {
    return rows.stream().anyMatch(r -> r.num("calibrated_rr") != null);
  }

  /**
   * The estimates of {@code rows} as a table with a plot column on one log scale. With {@code
   * favours}, the axis says which arm an estimate below or above 1 favours (for harmful outcomes: a
   * ratio below 1 means fewer events in the target arm) and the analysis column is left out (the
   * rows are one analysis).
   */
  static void table(StringBuilder b, ReportInput in, List<Rec> input, boolean favours) {
    List<Rec> rows = new ArrayList<>(input);
    rows.sort(
        Comparator.<Rec>comparingInt(r -> r.bool("negative_control") ? 1 : 0)
            .thenComparingInt(r -> r.integer("outcome_id"))
            .thenComparingInt(r -> r.integer("analysis_id")));
    boolean calibrated = calibrated(rows);
    double lo = 0.5;
    double hi = 2;
    for (Rec r : rows) {
      for (String c :
          List.of("ci_95_lb", "ci_95_ub", "calibrated_ci_95_lb", "calibrated_ci_95_ub")) {
        Double v = r.num(c);
        if (v != null && v > 0) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    // Ends on a labelled tick, so the axis reads from one end to the other.
    double[] ends = {0.1, 0.25, 0.5, 1, 2, 4, 10};
    double from = 0.1;
    double to = 10;
    for (double e : ends) {
      if (e <= lo) {
        from = e;
      }
    }
    for (int i = ends.length - 1; i >= 0; i--) {
      if (ends[i] >= hi) {
        to = ends[i];
      }
    }
    if (favours) {
      // Symmetric about 1, so that each arm's label has half the axis.
      double m = Math.max(to, 1 / from);
      from = 1 / m;
      to = m;
    }
    Svg.Scale x = Svg.log(from, to, PAD, W - PAD);
    java.util.Set<String> measures = new java.util.TreeSet<>();
    rows.forEach(r -> measures.add(in.measure(r.integer("analysis_id"))));
    String measure = measures.size() == 1 ? measures.iterator().next() : "estimate";
    b.append("<table class=\"grid forest\"><thead><tr><th>outcome</th>");
    if (!favours) {
      b.append("<th>analysis</th>");
    }
    b.append("<th>target<br><small>events / subjects</small></th>")
        .append("<th>comparator<br><small>events / subjects</small></th>")
        .append("<th>")
        .append(measure)
        .append(" (95% CI)</th>");
    if (calibrated) {
      b.append("<th>calibrated ").append(measure).append(" (95% CI)</th>");
    }
    String title =
        switch (measure) {
          case "HR" -> "hazard ratio";
          case "IRR" -> "incidence rate ratio";
          case "OR" -> "odds ratio";
          default -> "ratio (HR, IRR or OR)";
        };
    b.append("<th>p</th><th class=\"plot\">")
        .append(axis(x, title, favours ? in.study() : null))
        .append("</th></tr></thead><tbody>\n");
    Boolean group = null;
    Integer lastOutcome = null;
    int cols = (calibrated ? 8 : 7) - (favours ? 1 : 0);
    for (Rec r : rows) {
      boolean nc = r.bool("negative_control");
      if (group == null || group != nc) {
        group = nc;
        b.append("<tr class=\"family\"><td colspan=\"").append(cols).append("\">");
        b.append(nc ? "Negative controls (true ratio = 1)" : "Outcomes of interest");
        b.append("</td></tr>\n");
      }
      int outcome = r.integer("outcome_id");
      boolean first = lastOutcome == null || lastOutcome != outcome;
      lastOutcome = outcome;
      // Where the table mixes measures, each estimate says which it is.
      String prefix =
          measures.size() == 1
              ? ""
              : "<small>" + in.measure(r.integer("analysis_id")) + "</small> ";
      b.append("<tr class=\"").append(nc ? "nc" : "oi").append(first ? " first" : "");
      b.append("\"><td>").append(first || favours ? esc(r.str("outcome_name")) : "");
      b.append("</td>");
      if (!favours) {
        b.append("<td>").append(in.analysisLabel(r.integer("analysis_id"))).append("</td>");
      }
      b.append("<td class=\"num\">").append(Fmt.count(r.lng("target_outcomes"))).append(" / ");
      b.append(Fmt.count(r.lng("target_subjects"))).append("</td>");
      b.append("<td class=\"num\">").append(Fmt.count(r.lng("comparator_outcomes")));
      b.append(" / ").append(Fmt.count(r.lng("comparator_subjects"))).append("</td>");
      b.append("<td class=\"num\">")
          .append(r.num("rr") == null ? "" : prefix)
          .append(estimate(r, "rr", "ci_95_lb", "ci_95_ub"))
          .append("</td>");
      if (calibrated) {
        b.append("<td class=\"num\">")
            .append(estimate(r, "calibrated_rr", "calibrated_ci_95_lb", "calibrated_ci_95_ub"))
            .append("</td>");
      }
      b.append("<td class=\"num\">").append(r.num("rr") == null ? "" : Fmt.p(r.num("p")));
      b.append("</td><td class=\"plot\">").append(row(r, x, calibrated)).append("</td></tr>\n");
    }
    b.append("</tbody></table>\n");
  }

  static String estimate(Rec r, String rr, String lb, String ub) {
    if (r.num(rr) == null && r.num("rr") != null) {
      return "<span class=\"absent\">not calibrated</span>";
    }
    if (r.num(rr) == null) {
      String status = r.str("model_status");
      boolean masked =
          isMasked(r.lng("target_outcomes"))
              || isMasked(r.lng("comparator_outcomes"))
              || r.lng("target_outcomes") == null
              || r.lng("comparator_outcomes") == null;
      return "<span class=\"absent\">"
          + (masked ? "withheld (small count)" : esc(status == null ? "not estimable" : status))
          + "</span>";
    }
    return Fmt.ratio(r.num(rr))
        + " <small>("
        + Fmt.bound(r.num(lb))
        + "&#8211;"
        + Fmt.bound(r.num(ub))
        + ")</small>";
  }

  static boolean isMasked(Long v) {
    return v != null && v < 0;
  }

  static String row(Rec r, Svg.Scale x, boolean calibrated) {
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(H)
        .append("\" viewBox=\"0 0 ")
        .append(W)
        .append(' ')
        .append(H)
        .append("\" aria-hidden=\"true\">");
    s.append("<line x1=\"").append(Fmt.xy(x.px(1))).append("\" y1=\"0\" x2=\"");
    s.append(Fmt.xy(x.px(1))).append("\" y2=\"").append(H).append("\" class=\"ref\"/>");
    double yU = calibrated ? H / 2.0 - 4 : H / 2.0;
    interval(s, x, r.num("rr"), r.num("ci_95_lb"), r.num("ci_95_ub"), yU, false);
    if (calibrated) {
      interval(
          s,
          x,
          r.num("calibrated_rr"),
          r.num("calibrated_ci_95_lb"),
          r.num("calibrated_ci_95_ub"),
          H / 2.0 + 5,
          true);
    }
    s.append("</svg>");
    return s.toString();
  }

  private static void interval(
      StringBuilder s, Svg.Scale x, Double rr, Double lb, Double ub, double y, boolean cal) {
    if (rr == null || lb == null || ub == null || rr <= 0 || lb <= 0) {
      return;
    }
    double xl = Math.max(PAD, x.px(lb));
    double xu = Math.min(W - PAD, x.px(ub));
    double xm = Math.max(PAD, Math.min(W - PAD, x.px(rr)));
    String cls = cal ? "ci cal" : "ci";
    s.append("<line x1=\"").append(Fmt.xy(xl)).append("\" y1=\"").append(Fmt.xy(y));
    s.append("\" x2=\"").append(Fmt.xy(xu)).append("\" y2=\"").append(Fmt.xy(y));
    s.append("\" class=\"").append(cls).append("\"/>");
    if (x.px(lb) < PAD) {
      arrow(s, PAD, y, -1, cls);
    }
    if (x.px(ub) > W - PAD) {
      arrow(s, W - PAD, y, 1, cls);
    }
    if (cal) {
      s.append("<path d=\"M")
          .append(Fmt.xy(xm - 5))
          .append(',')
          .append(Fmt.xy(y))
          .append("L")
          .append(Fmt.xy(xm))
          .append(',')
          .append(Fmt.xy(y - 5))
          .append("L")
          .append(Fmt.xy(xm + 5))
          .append(',')
          .append(Fmt.xy(y))
          .append("L")
          .append(Fmt.xy(xm))
          .append(',')
          .append(Fmt.xy(y + 5))
          .append("Z\" class=\"est cal\"/>");
    } else {
      s.append("<rect x=\"")
          .append(Fmt.xy(xm - 4))
          .append("\" y=\"")
          .append(Fmt.xy(y - 4))
          .append("\" width=\"8\" height=\"8\" class=\"est\"/>");
    }
  }

  private static void arrow(StringBuilder s, double x, double y, int dir, String cls) {
    s.append("<path d=\"M")
        .append(Fmt.xy(x + dir * 0))
        .append(',')
        .append(Fmt.xy(y))
        .append("L")
        .append(Fmt.xy(x - dir * 6))
        .append(',')
        .append(Fmt.xy(y - 4))
        .append("L")
        .append(Fmt.xy(x - dir * 6))
        .append(',')
        .append(Fmt.xy(y + 4))
        .append("Z\" class=\"")
        .append(cls)
        .append(" arrowhead\"/>");
  }

  /**
   * One arm's label beside the null line, squeezed (SVG textLength) where a long arm name would run
   * past its half of the axis.
   */
  private static void favoursLabel(
      StringBuilder s, double x, double room, String text, boolean left) {
    // About 5.4 px a character at the label's 10 px font; the entities are one character each.
    int chars = text.replaceAll("&#?[a-z0-9]+;", "x").length();
    s.append("<text x=\"").append(Fmt.xy(x)).append("\" y=\"23\" class=\"favours");
    s.append(left ? " end\"" : "\"");
    if (chars * 5.4 > room) {
      s.append(" textLength=\"")
          .append(Fmt.xy(room))
          .append("\" lengthAdjust=\"spacingAndGlyphs\"");
    }
    s.append(">").append(text).append("</text>");
  }

  /**
   * The axis above the plot column; with {@code favours} a second line names the arm each side
   * favours.
   */
  static String axis(Svg.Scale x, String title, ReportInput.Study favours) {
    int h = favours == null ? 30 : 44;
    int base = favours == null ? 28 : 42;
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(h)
        .append("\" viewBox=\"0 0 ")
        .append(W)
        .append(' ')
        .append(h)
        .append("\" role=\"img\" aria-label=\"")
        .append(esc(title))
        .append(" axis\">");
    s.append("<text x=\"").append(W / 2).append("\" y=\"10\" class=\"axis-title mid\">");
    s.append(esc(title)).append("</text>");
    if (favours != null) {
      double one = x.px(1);
      favoursLabel(s, one - 4, one - PAD - 4, "&#8592; favours " + esc(favours.targetName()), true);
      favoursLabel(
          s,
          one + 4,
          W - PAD - one - 4,
          "favours " + esc(favours.comparatorName()) + " &#8594;",
          false);
    }
    s.append("<line x1=\"").append(PAD).append("\" y1=\"").append(base);
    s.append("\" x2=\"").append(W - PAD).append("\" y2=\"").append(base);
    s.append("\" class=\"axis\"/>");
    for (double t : x.ticks()) {
      s.append("<line x1=\"").append(Fmt.xy(x.px(t))).append("\" y1=\"").append(base - 4);
      s.append("\" x2=\"").append(Fmt.xy(x.px(t))).append("\" y2=\"").append(base);
      s.append("\" class=\"axis\"/>");
      s.append("<text x=\"").append(Fmt.xy(x.px(t))).append("\" y=\"").append(base - 6);
      s.append("\" class=\"tick mid\">").append(x.label(t)).append("</text>");
    }
    s.append("</svg>");
    return s.toString();
  }
}
