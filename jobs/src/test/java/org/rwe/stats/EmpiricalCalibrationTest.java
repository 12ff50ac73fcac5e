package org.rwe.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The empirical null against base R (optim on the same likelihood, script
 * golden/empirical_calibration_golden.R): maximum likelihood to 1e-8 relative, parameters to 1e-4
 * (optimizers stop at slightly different points of a flat optimum), calibrated p and EASE to 1e-4.
 */
class EmpiricalCalibrationTest {
  static List<String[]> csv(String name) throws IOException {
    try (InputStream in = EmpiricalCalibrationTest.class.getResourceAsStream("/golden/" + name)) {
      List<String[]> rows = new ArrayList<>();
      String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
      for (int i = 1; i < lines.length; i++) {
        if (!lines[i].isBlank()) {
          rows.add(lines[i].replace("\"", "").split(","));
        }
      }
      return rows;
    }
  }

  @Test
  void nullMatchesR() throws IOException {
    List<String[]> data = csv("ec_data.csv");
    for (String[] g : csv("ec_golden.csv")) {
      String set = g[0].trim();
      List<Double> x = new ArrayList<>();
      List<Double> se = new ArrayList<>();
      for (String[] d : data) {
        if (d[0].equals(set)) {
          x.add(Double.parseDouble(d[1]));
          se.add(Double.parseDouble(d[2]));
        }
      }
      double[] logRr = x.stream().mapToDouble(Double::doubleValue).toArray();
      double[] seLogRr = se.stream().mapToDouble(Double::doubleValue).toArray();
      EmpiricalCalibration.Null fit = EmpiricalCalibration.fitNull(logRr, seLogRr);
      double rNll = Double.parseDouble(g[3].trim());
      assertEquals(rNll, -fit.logLikelihood(), 1e-8 * Math.abs(rNll) + 1e-10, set);
      assertTrue(-fit.logLikelihood() <= rNll + 1e-9, set + ": at least as good as R's optimum");
      assertEquals(Double.parseDouble(g[1].trim()), fit.mean(), 1e-4, set + " mean");
      assertEquals(Double.parseDouble(g[2].trim()), fit.sd(), 1e-4, set + " sd");
      double p =
          EmpiricalCalibration.calibrateP(
              fit, Double.parseDouble(g[4].trim()), Double.parseDouble(g[5].trim()));
      assertEquals(Double.parseDouble(g[6].trim()), p, 1e-4, set + " p");
      assertEquals(
          Double.parseDouble(g[7].trim()), EmpiricalCalibration.ease(fit), 1e-4, set + " ease");
    }
  }

  @Test
  void calibrationWidensAndRecentersTheInterval() {
    EmpiricalCalibration.Null nul = new EmpiricalCalibration.Null(0.2, 0.1, 10, 0);
    EmpiricalCalibration.Calibrated c = EmpiricalCalibration.calibrate(nul, 0.2, 0.1);
    assertEquals(0.0, c.logRr(), 1e-15);
    assertEquals(Math.sqrt(0.02), c.seLogRr(), 1e-15);
    assertEquals(Math.exp(-1.959963984540054 * Math.sqrt(0.02)), c.ci95Lb(), 1e-12);
    // An estimate exactly at the null's mean is not significant at all.
    assertEquals(1.0, EmpiricalCalibration.calibrateP(nul, 0.2, 0.1), 1e-15);
  }

  @Test
  void easeOfANullWithoutErrorIsZeroAndGrowsWithBias() {
    assertEquals(0, EmpiricalCalibration.ease(new EmpiricalCalibration.Null(0, 0, 5, 0)), 0);
    assertEquals(
        0.3, EmpiricalCalibration.ease(new EmpiricalCalibration.Null(-0.3, 0, 5, 0)), 1e-15);
    // Folded normal with mu = 0: sigma * sqrt(2 / pi).
    assertEquals(
        0.2 * Math.sqrt(2 / Math.PI),
        EmpiricalCalibration.ease(new EmpiricalCalibration.Null(0, 0.2, 5, 0)),
        1e-15);
  }
}
