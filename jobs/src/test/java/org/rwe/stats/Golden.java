package org.rwe.stats;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;

/**
 * Reads the golden CSV files written by {@code golden/cox_km_golden.R} and compares numbers.
 *
 * <p>Tolerance: a value matches when it is within 1e-6 relative of R's, or within 1e-12 absolute
 * (for values that are exactly 0 in R, such as a standard error before the first event). NaN
 * matches NaN/NA and infinities match infinities of the same sign.
 */
final class Golden {

  static final double RELATIVE_TOLERANCE = 1e-6;
  static final double ABSOLUTE_TOLERANCE = 1e-12;

  private Golden() {}

  /** One CSV row, by column name. */
  record Row(Map<String, String> values) {
    String str(String column) {
      String v = values.get(column);
      assertNotNull(v, "no column " + column);
      return v;
    }

    double num(String column) {
      String v = str(column);
      return switch (v) {
        case "NA", "NaN" -> Double.NaN;
        case "Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        default -> Double.parseDouble(v);
      };
    }

    boolean bool(String column) {
      return Boolean.parseBoolean(str(column).toLowerCase());
    }
  }

  /** The rows of a golden CSV, read by the shared reader with this class's number rules. */
  static List<Row> read(String file) {
    return org.rwe.testing.GoldenCsv.read(file).stream().map(r -> new Row(r.cells())).toList();
  }

  /** A data set written by the R script: columns time, event, x, stratum, weight. */
  record DataSet(double[] time, int[] event, double[] x, long[] stratum, double[] weight) {}

  static DataSet dataSet(String name) {
    List<Row> rows = read("data_" + name + ".csv");
    int n = rows.size();
    double[] time = new double[n];
    int[] event = new int[n];
    double[] x = new double[n];
    long[] stratum = new long[n];
    double[] weight = new double[n];
    boolean hasStratum = false;
    boolean hasWeight = false;
    for (int i = 0; i < n; i++) {
      Row row = rows.get(i);
      time[i] = row.num("time");
      event[i] = (int) row.num("event");
      x[i] = row.num("x");
      if (!row.str("stratum").equals("NA")) {
        hasStratum = true;
        // Ids up to 1e12-ish are written as exact integers by sprintf("%.17g").
        stratum[i] = (long) row.num("stratum");
      }
      if (!row.str("weight").equals("NA")) {
        hasWeight = true;
        weight[i] = row.num("weight");
      }
    }
    return new DataSet(time, event, x, hasStratum ? stratum : null, hasWeight ? weight : null);
  }

  static boolean close(double expected, double actual) {
    if (Double.isNaN(expected) || Double.isNaN(actual)) {
      return Double.isNaN(expected) && Double.isNaN(actual);
    }
    if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
      return expected == actual;
    }
    double diff = Math.abs(expected - actual);
    return diff <= ABSOLUTE_TOLERANCE || diff <= RELATIVE_TOLERANCE * Math.abs(expected);
  }

  static void assertClose(double expected, double actual, String what) {
    if (!close(expected, actual)) {
      fail(what + ": expected " + expected + " (R) but was " + actual);
    }
  }
}
