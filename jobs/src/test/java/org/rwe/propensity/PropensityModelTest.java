package org.rwe.propensity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
