package org.rwe.propensity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PropensityModelTest {
  @Test
  void aucCountsTiesAsHalf() {
    // Treated 0.9, 0.5; controls 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.5=0.5, 0.5>0.1) = 3.5 / 4.
    assertEquals(
        0.875,
        PropensityModel.auc(new double[] {0.9, 0.5, 0.5, 0.1}, new int[] {1, 1, 0, 0}),
        1e-12);
    assertEquals(1.0, PropensityModel.auc(new double[] {0.2, 0.1}, new int[] {1, 0}), 1e-12);
    assertTrue(Double.isNaN(PropensityModel.auc(new double[] {0.2}, new int[] {1})));
  }

  @Test
  void preferenceScoreRemovesThePrevalence() {
    // With 20% treated, a PS of 0.2 is perfect equipoise.
    assertEquals(0.5, PropensityModel.preference(0.2, 0.2), 1e-12);
    // Walker: ln(F/(1-F)) = ln(PS/(1-PS)) - ln(P/(1-P)).
    double f = PropensityModel.preference(0.6, 0.3);
    assertEquals(Math.log(0.6 / 0.4) - Math.log(0.3 / 0.7), Math.log(f / (1 - f)), 1e-12);
  }

  private static List<String[]> csv(String name) throws java.io.IOException {
    try (var in = PropensityModelTest.class.getResourceAsStream("/golden/" + name)) {
      assertTrue(in != null, "golden file " + name);
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
          .lines()
          .skip(1)
          .map(l -> l.split(","))
          .toList();
    }
  }

  /** Against R (golden/density_golden.R): bw.nrd0 and the exact Gaussian kernel sum. */
  @Test
  void densityFromTheHistogramEqualsR() throws java.io.IOException {
    Map<String, long[]> counts = new TreeMap<>();
    for (String[] f : csv("density_data.csv")) {
      double v = Double.parseDouble(f[1]);
      int bin = (int) Math.min(Math.floor(v * PropensityModel.DENSITY_BINS), 9999);
      counts.computeIfAbsent(f[0], k -> new long[PropensityModel.DENSITY_BINS])[bin]++;
    }
    Map<String, List<double[]>> golden = new TreeMap<>();
    for (String[] f : csv("density_golden.csv")) {
      golden
          .computeIfAbsent(f[0], k -> new ArrayList<>())
          .add(new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[3])});
    }
    assertEquals(List.of("single", "skewed", "tied"), List.copyOf(golden.keySet()));
    for (String sample : golden.keySet()) {
      List<double[]> g = golden.get(sample);
      double[] grid = g.stream().mapToDouble(r -> r[0]).toArray();
      double[] ours = PropensityModel.density(counts.get(sample), grid);
      for (int i = 0; i < grid.length; i++) {
        double r = g.get(i)[1];
        assertEquals(r, ours[i], 1e-9 * Math.max(1, Math.abs(r)), sample + " at " + grid[i]);
      }
    }
  }
}
