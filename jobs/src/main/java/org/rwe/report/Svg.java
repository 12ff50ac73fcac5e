package org.rwe.report;

import static org.rwe.report.Fmt.esc;
import static org.rwe.report.Fmt.xy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small SVG writer: plot area, linear and log scales with readable ticks, and the shapes the
 * report's charts need. Inline SVG keeps the report one file that opens offline and prints well.
 */
final class Svg {
  final int width;
  final int height;
  final int left;
  final int right;
  final int top;
  final int bottom;
  private final StringBuilder body = new StringBuilder();

  Svg(int width, int height, int left, int right, int top, int bottom) {
    this.width = width;
    this.height = height;
    this.left = left;
    this.right = right;
    this.top = top;
    this.bottom = bottom;
  }

  /** A scale from data to pixels. */
  interface Scale {
    double px(double v);

    List<Double> ticks();

    String label(double v);
  }

  static Scale linear(double lo, double hi, double pxLo, double pxHi, int maxTicks) {
    double step = niceStep((hi - lo) / Math.max(1, maxTicks));
    List<Double> ticks = new ArrayList<>();
    for (double t = Math.ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step) {
      ticks.add(Math.abs(t) < 1e-12 ? 0.0 : t);
    }
    int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
    return new Scale() {
      public double px(double v) {
        return pxLo + (v - lo) / (hi - lo) * (pxHi - pxLo);
      }

      public List<Double> ticks() {
        return ticks;
      }

      public String label(double v) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
      }
    };
  }

  /** A log scale for ratios: ticks at 0.1, 0.25, 0.5, 1, 2, 4, 10 ... within [lo, hi]. */
  static Scale log(double lo, double hi, double pxLo, double pxHi) {
    double[] candidates = {0.01, 0.1, 0.25, 0.5, 1, 2, 4, 10, 100};
    List<Double> ticks = new ArrayList<>();
    for (double c : candidates) {
      if (c >= lo * 0.999 && c <= hi * 1.001) {
        ticks.add(c);
      }
    }
    return new Scale() {
      public double px(double v) {
        return pxLo + (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) * (pxHi - pxLo);
      }

      public List<Double> ticks() {
        return ticks;
      }

      public String label(double v) {
        return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : Fmt.num(v, v < 0.1 ? 2 : 2);
      }
    };
  }

  static double niceStep(double raw) {
    if (raw <= 0 || !Double.isFinite(raw)) {
      return 1;
    }
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / mag;
    double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
    return nice * mag;
  }

  double plotLeft() {
    return left;
  }

  double plotRight() {
    return width - right;
  }

  double plotTop() {
    return top;
  }

  double plotBottom() {
    return height - bottom;
  }

  Svg raw(String s) {
    body.append(s).append('\n');
    return this;
  }

  Svg line(double x1, double y1, double x2, double y2, String cls) {
    body.append("<line x1=\"")
        .append(xy(x1))
        .append("\" y1=\"")
        .append(xy(y1))
        .append("\" x2=\"")
        .append(xy(x2))
        .append("\" y2=\"")
        .append(xy(y2))
        .append("\" class=\"")
        .append(cls)
        .append("\"/>\n");
    return this;
  }

  Svg rect(double x, double y, double w, double h, String cls) {
    body.append("<rect x=\"")
        .append(xy(x))
        .append("\" y=\"")
        .append(xy(y))
        .append("\" width=\"")
        .append(xy(Math.max(0, w)))
        .append("\" height=\"")
        .append(xy(Math.max(0, h)))
        .append("\" class=\"")
        .append(cls)
        .append("\"/>\n");
    return this;
  }

  Svg circle(double x, double y, double r, String cls, String title) {
    body.append("<circle cx=\"")
        .append(xy(x))
        .append("\" cy=\"")
        .append(xy(y))
        .append("\" r=\"")
        .append(xy(r))
        .append("\" class=\"")
        .append(cls)
        .append("\">");
    if (title != null) {
      body.append("<title>").append(esc(title)).append("</title>");
    }
    body.append("</circle>\n");
    return this;
  }

  /** A path through the points; {@code close} makes it a filled area. */
  Svg path(List<double[]> points, String cls, boolean close) {
    if (points.isEmpty()) {
      return this;
    }
    StringBuilder d = new StringBuilder();
    for (int i = 0; i < points.size(); i++) {
      d.append(i == 0 ? 'M' : 'L').append(xy(points.get(i)[0])).append(',');
      d.append(xy(points.get(i)[1]));
    }
    if (close) {
      d.append('Z');
    }
    body.append("<path d=\"").append(d).append("\" class=\"").append(cls).append("\"/>\n");
    return this;
  }

  Svg text(double x, double y, String text, String cls) {
    body.append("<text x=\"")
        .append(xy(x))
        .append("\" y=\"")
        .append(xy(y))
        .append("\" class=\"")
        .append(cls)
        .append("\">")
        .append(esc(text))
        .append("</text>\n");
    return this;
  }

  Svg rotatedText(double x, double y, String text, String cls) {
    body.append("<text transform=\"translate(")
        .append(xy(x))
        .append(',')
        .append(xy(y))
        .append(") rotate(-90)\" class=\"")
        .append(cls)
        .append("\">")
        .append(esc(text))
        .append("</text>\n");
    return this;
  }

  /** Bottom axis with ticks, grid lines and a title. */
  Svg xAxis(Scale x, String title) {
    line(plotLeft(), plotBottom(), plotRight(), plotBottom(), "axis");
    for (double t : x.ticks()) {
      double px = x.px(t);
      line(px, plotTop(), px, plotBottom(), "grid");
      line(px, plotBottom(), px, plotBottom() + 4, "axis");
      text(px, plotBottom() + 16, x.label(t), "tick mid");
    }
    text((plotLeft() + plotRight()) / 2, height - 6, title, "axis-title mid");
    return this;
  }

  Svg yAxis(Scale y, String title) {
    line(plotLeft(), plotTop(), plotLeft(), plotBottom(), "axis");
    for (double t : y.ticks()) {
      double py = y.px(t);
      line(plotLeft(), py, plotRight(), py, "grid");
      line(plotLeft() - 4, py, plotLeft(), py, "axis");
      text(plotLeft() - 7, py + 4, y.label(t), "tick end");
    }
    rotatedText(
        Math.max(14, plotLeft() - 40), (plotTop() + plotBottom()) / 2, title, "axis-title mid");
    return this;
  }

  String render(String ariaLabel) {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
        + width
        + " "
        + height
        + "\" width=\""
        + width
        + "\" height=\""
        + height
        + "\" role=\"img\" aria-label=\""
        + esc(ariaLabel)
        + "\">\n"
        + body
        + "</svg>";
  }
}
