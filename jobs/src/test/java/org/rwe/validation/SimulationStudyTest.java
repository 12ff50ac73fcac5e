package org.rwe.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rwe.stats.EmpiricalCalibration;

/** The simulation study's arithmetic, on hand-made estimates (the replicates run outside CI). */
class SimulationStudyTest {

  private static SimulationStudy.Estimate est(
      int rep, int outcome, boolean control, double truth, double logRr, double lb, double ub) {
    return new SimulationStudy.Estimate(
        rep, 1000 + rep, 2, outcome, control, truth, logRr, 0.1, lb, ub, lb * 0.9, ub * 1.1);
  }

  @Test
  void biasRmseAndCoverageAreOfTheLogRatioAgainstTheTruth() {
    List<SimulationStudy.Estimate> e =
        List.of(
            est(1, 1, false, 0.8, Math.log(0.8) + 0.1, 0.7, 1.0), // covers
            est(2, 1, false, 0.8, Math.log(0.8) - 0.3, 0.5, 0.75), // misses; calibrated covers
            est(3, 1, false, 0.8, Double.NaN, Double.NaN, Double.NaN), // not estimable
            est(1, 101, true, 1.0, 0.2, 1.01, 1.5), // misses, calibrated (0.909) covers
            est(1, 102, true, 1.0, 0.0, 0.8, 1.2)); // covers
    List<SimulationStudy.Performance> p = SimulationStudy.summarize(e);
    assertEquals(2, p.size());
    SimulationStudy.Performance nc = p.get(0);
    SimulationStudy.Performance o1 = p.get(1);
    assertEquals("negative controls", nc.outcomes());
    assertEquals("outcome 1", o1.outcomes());
    assertEquals(2, o1.estimates());
    assertEquals(1, o1.notEstimable());
    assertEquals((0.1 - 0.3) / 2, o1.bias(), 1e-12);
    assertEquals(Math.sqrt((0.01 + 0.09) / 2), o1.rmse(), 1e-12);
    assertEquals(0.5, o1.coverage(), 1e-12);
    assertEquals(1.0, o1.calibratedCoverage(), 1e-12);
    assertEquals(0.1, nc.bias(), 1e-12);
    assertEquals(0.5, nc.coverage(), 1e-12);
    assertEquals(1.0, nc.calibratedCoverage(), 1e-12);
  }

  @Test
  void negativeControlsAreCalibratedWithANullFittedOnTheOtherControlsOnly() {
    Map<Integer, double[]> truth = new HashMap<>();
    truth.put(1, new double[] {0.8, 0});
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create(2, 1, -0.2, 0.1, 0.67, 0.99, 0.6, 1.1));
    double[] logRr = {0.30, 0.25, 0.35, 0.20, 0.40, 0.28};
    for (int i = 0; i < logRr.length; i++) {
      truth.put(101 + i, new double[] {1.0, 1});
      rows.add(RowFactory.create(2, 101 + i, logRr[i], 0.1, 1.1, 1.6, 0.5, 2.0));
    }
    List<SimulationStudy.Estimate> e = SimulationStudy.estimates(1, 7, truth, rows);
    assertEquals(7, e.size());
    // Outcome 1 keeps the pipeline's calibrated interval.
    assertEquals(0.6, e.get(0).calibratedCi95Lb(), 0);
    assertEquals(1.1, e.get(0).calibratedCi95Ub(), 0);
    // Control 101's null comes from controls 102..106 alone.
    EmpiricalCalibration.Null nul =
        EmpiricalCalibration.fitNull(
            new double[] {0.25, 0.35, 0.20, 0.40, 0.28}, new double[] {0.1, 0.1, 0.1, 0.1, 0.1});
    EmpiricalCalibration.Calibrated c = EmpiricalCalibration.calibrate(nul, 0.30, 0.1);
    assertEquals(c.ci95Lb(), e.get(1).calibratedCi95Lb(), 1e-12);
    assertEquals(c.ci95Ub(), e.get(1).calibratedCi95Ub(), 1e-12);
    // Systematic error of about +0.3: the uncalibrated interval misses 1, the calibrated covers.
    assertTrue(e.get(1).calibratedCi95Lb() < 1 && 1 < e.get(1).calibratedCi95Ub());
  }

  @Test
  void estimatesRoundTripThroughTheCsvThatAStudyIsContinuedFrom(@TempDir Path dir)
      throws Exception {
    SimulationStudy.Estimate a = est(4, 1, false, 0.8, -0.25, 0.6, 0.95);
    SimulationStudy.Estimate b = est(4, 2, false, 0.9, Double.NaN, Double.NaN, Double.NaN);
    Path f = dir.resolve("estimates.csv");
    Files.writeString(f, SimulationStudy.Estimate.HEADER + "\n" + a.csv() + "\n" + b.csv() + "\n");
    List<SimulationStudy.Estimate> back = SimulationStudy.read(f);
    assertEquals(a, back.get(0));
    assertEquals(b.outcomeId(), back.get(1).outcomeId());
    assertTrue(Double.isNaN(back.get(1).logRr()));
  }
}
