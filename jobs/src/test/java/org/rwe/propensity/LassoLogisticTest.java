package org.rwe.propensity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** LassoLogistic against R glmnet (golden/lasso_golden.R beside the numbers it wrote). */
class LassoLogisticTest {
  /** A golden file from the test classpath (jobs/src/test/resources/golden). */
  private static List<String> golden(String name) throws IOException {
    try (var in = LassoLogisticTest.class.getResourceAsStream("/golden/" + name)) {
      if (in == null) {
        throw new IOException("no golden file " + name + " on the test classpath");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
          .lines()
          .toList();
    }
  }

  /** lasso_data.csv: (row, -1, y) per row, then (row, column, value) per non-zero cell. */
  static LassoLogistic.Design design() throws IOException {
    List<String> lines = golden("lasso_data.csv");
    Map<Integer, Double> y = new TreeMap<>();
    Map<Integer, List<double[]>> cells = new TreeMap<>();
    int columns = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      int row = Integer.parseInt(f[0]);
      int column = Integer.parseInt(f[1]);
      double value = Double.parseDouble(f[2]);
      if (column < 0) {
        y.put(row, value);
      } else {
        cells.computeIfAbsent(row, k -> new ArrayList<>()).add(new double[] {column, value});
        columns = Math.max(columns, column + 1);
      }
    }
    List<int[]> index = new ArrayList<>();
    List<double[]> value = new ArrayList<>();
    double[] labels = new double[y.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = y.get(i);
      List<double[]> c = cells.getOrDefault(i, List.of());
      index.add(c.stream().mapToInt(v -> (int) v[0]).toArray());
      value.add(c.stream().mapToDouble(v -> v[1]).toArray());
    }
    return LassoLogistic.Design.ofRows(columns, index, value, labels);
  }

  /** lambda -> (intercept, beta...) as glmnet fitted them. */
  static Map<Double, double[]> glmnet(int columns) throws IOException {
    Map<Double, double[]> out = new TreeMap<>();
    List<String> lines = golden("lasso_golden.csv");
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      double lambda = Double.parseDouble(f[0]);
      int term = Integer.parseInt(f[1]);
      out.computeIfAbsent(lambda, k -> new double[columns + 1])[term + 1] =
          Double.parseDouble(f[2]);
    }
    return out;
  }

  @Test
  void equalsGlmnetAlongThePath() throws IOException {
    LassoLogistic.Design d = design();
    assertEquals(800, d.rows());
    assertEquals(40, d.columns());
    Map<Double, double[]> expected = glmnet(d.columns());
    assertEquals(5, expected.size());
    // In the order given (not descending): warm starts follow the penalty, not the list.
    List<Double> lambdas = List.of(0.001, 0.03, 0.0003, 0.01, 0.003);
    List<LassoLogistic.Solution> path = LassoLogistic.path(d, lambdas, 200, 1e-18);
    int zeros = 0;
    for (int l = 0; l < lambdas.size(); l++) {
      LassoLogistic.Solution s = path.get(l);
      double[] r = expected.get(lambdas.get(l));
      assertEquals(lambdas.get(l), s.lambda());
      assertTrue(s.converged(), "converged at lambda " + s.lambda());
      assertEquals(r[0], s.intercept(), 1e-6, "intercept at lambda " + s.lambda());
      for (int j = 0; j < d.columns(); j++) {
        assertEquals(r[j + 1], s.beta()[j], 1e-6, "beta " + j + " at lambda " + s.lambda());
        // The lasso's zeros are exact in both: the same covariates are left out.
        assertEquals(r[j + 1] == 0, s.beta()[j] == 0, "zero pattern, beta " + j);
        zeros += s.beta()[j] == 0 ? 1 : 0;
      }
      // And the objective is as low as glmnet's (it is the minimum, up to rounding).
      double ours = LassoLogistic.objective(d, s.lambda(), s.intercept(), s.beta());
      double theirs =
          LassoLogistic.objective(
              d, s.lambda(), r[0], java.util.Arrays.copyOfRange(r, 1, r.length));
      assertTrue(ours <= theirs + 1e-12, ours + " vs glmnet's " + theirs);
    }
    // The golden exercises the penalty: many coefficients are zero at the stronger penalties.
    assertTrue(zeros > 40, "zeros along the path: " + zeros);
  }

  @Test
  void aLooseThresholdStaysCloseAndTheStepCapIsReported() throws IOException {
    LassoLogistic.Design d = design();
    Map<Double, double[]> expected = glmnet(d.columns());
    double[] r = expected.get(0.003);
    LassoLogistic.Solution s = LassoLogistic.path(d, List.of(0.003), 200, 1e-7).get(0);
    assertTrue(s.converged());
    // A loose threshold stops early in coefficients (they settle slowly along correlated
    // covariates), not in what the fit is judged by: the objective.
    assertEquals(r[0], s.intercept(), 1e-2);
    double theirs =
        LassoLogistic.objective(d, 0.003, r[0], java.util.Arrays.copyOfRange(r, 1, r.length));
    assertEquals(theirs, LassoLogistic.objective(d, 0.003, s.intercept(), s.beta()), 1e-6);
    // One quadratic approximation is not enough: the cap is reported, not hidden.
    LassoLogistic.Solution capped = LassoLogistic.path(d, List.of(0.003), 1, 1e-14).get(0);
    assertEquals(1, capped.outerSteps());
    assertTrue(!capped.converged());
  }

  @Test
  void oneArmOnlyIsAClearError() {
    LassoLogistic.Design d =
        LassoLogistic.Design.ofRows(
            1,
            List.of(new int[] {0}, new int[] {}),
            List.of(new double[] {1}, new double[] {}),
            new double[] {1, 1});
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> LassoLogistic.path(d, List.of(0.1), 10, 1e-9));
    assertTrue(e.getMessage().contains("both treated and comparator"), e.getMessage());
  }
}
