package org.rwe.report;

import java.util.Locale;

/**
 * Text for the report: escaping and the few number formats an epidemiologist expects. Locale-free,
 * so the same results give the same bytes anywhere.
 */
final class Fmt {
  private Fmt() {}

  /** Shown for a value withheld by complementary suppression, or not computable. */
  static final String WITHHELD = "&#8212;";

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** A count: 1,234; a masked count (-m) as "&lt;m"; a withheld one as a dash. HTML. */
  static String count(Long v) {
    if (v == null) {
      return "<span class=\"withheld\" title=\"withheld so that a masked count cannot be"
          + " recovered\">"
          + WITHHELD
          + "</span>";
    }
    if (v < 0) {
      return "<span class=\"masked\" title=\"fewer than " + (-v) + "\">&lt;" + (-v) + "</span>";
    }
    return String.format(Locale.ROOT, "%,d", v);
  }

  /** The same in plain text (for SVG). */
  static String countText(Long v) {
    if (v == null) {
      return "\u2014";
    }
    if (v < 0) {
      return "<" + (-v);
    }
    return String.format(Locale.ROOT, "%,d", v);
  }

  static String num(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** A coordinate for SVG: short, and never NaN (a NaN would be a rendering error). */
  static String xy(double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException("non-finite coordinate " + v);
    }
    String s = String.format(Locale.ROOT, "%.1f", v);
    return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
  }

  /** A hazard ratio or bound: two decimals, three below 0.1. */
  static String ratio(Double v) {
    if (v == null) {
      return WITHHELD;
    }
    return num(v, v < 0.1 ? 3 : 2);
  }

  /**
   * A confidence bound: as {@link #ratio}, with more decimals where rounding would put it on the
   * other side of 1 or on 1 itself (an upper bound of 0.996 is not "1.00": the interval excludes
   * the null, and the p beside it says so).
   */
  static String bound(Double v) {
    if (v == null) {
      return WITHHELD;
    }
    return onItsSide(v, 1.0, v < 0.1 ? 3 : 2);
  }

  /**
   * A p-value: two decimals, three below 0.1, "&lt;0.001" below that; more decimals where rounding
   * would put it on the other side of 0.05 or on 0.05 itself, so that it agrees with its interval.
   */
  static String p(Double v) {
    if (v == null) {
      return WITHHELD;
    }
    return v < 0.001 ? "&lt;0.001" : onItsSide(v, 0.05, v < 0.1 ? 3 : 2);
  }

  /** {@code v} with at least {@code decimals} decimals, and as many more (up to 6) as it takes. */
  static String onItsSide(double v, double threshold, int decimals) {
    int d = decimals;
    while (d < 6) {
      double shown = Double.parseDouble(num(v, d));
      boolean sameSide = Math.signum(shown - threshold) == Math.signum(v - threshold);
      if (sameSide) {
        break;
      }
      d++;
    }
    return num(v, d);
  }

  /** A share as a percentage; a masked mean (negative, CohortMethod's convention) as "&lt;x%". */
  static String percent(Double mean) {
    if (mean == null) {
      return WITHHELD;
    }
    if (mean < 0) {
      return "&lt;" + num(-mean * 100, 1) + "%";
    }
    return num(mean * 100, 1) + "%";
  }

  static String mean(Double mean) {
    if (mean == null) {
      return WITHHELD;
    }
    if (mean < 0) {
      return "&lt;" + num(-mean, -mean < 0.01 ? 3 : 2);
    }
    return num(mean, mean < 0.1 ? 3 : 2);
  }

  static String sdm(Double v) {
    // No "-0.00": a reader takes the sign for a direction.
    return v == null ? WITHHELD : num(Math.abs(v) < 0.005 ? 0 : v, 2);
  }

  /** A setting as written in a config file: 0.0003, not 3.0E-4. */
  static String plain(double v) {
    return new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
  }
}
