package org.rwe.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rwe.stats.Golden.assertClose;

import org.apache.commons.statistics.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class PowerTest {

  /**
   * Against CohortMethod's Schoenfeld formula evaluated in R (golden/mdrr_golden.csv), 1e-6
   * relative.
   */
  @Test
  void matchesCohortMethodFormula() {
    for (Golden.Row r : Golden.read("mdrr_golden.csv")) {
      long events = (long) r.num("events");
      double p = r.num("p_target");
      String at = "events=" + events + " p=" + p + " ";
      double mdrr = Power.mdrrCox(events, p, r.num("alpha"), r.num("power"), r.bool("two_sided"));
      assertClose(r.num("mdrr"), mdrr, at + "mdrr");
      assertClose(r.num("se"), Power.expectedSeLogHr(events, p), at + "se");
    }
  }

  @Test
  void defaultsAreTwoSidedFivePercentEightyPercentPower() {
    assertEquals(Power.mdrrCox(100, 0.3, 0.05, 0.8, true), Power.mdrrCox(100, 0.3));
  }

  /**
   * Schoenfeld's relation, independent of the R goldens: log(MDRR) = (z_{1-alpha/2} + z_power) *
   * expected SE, and balanced arms need the fewest events.
   */
  @Test
  void schoenfeldRelation() {
    NormalDistribution n = NormalDistribution.of(0, 1);
    double z = n.inverseCumulativeProbability(0.975) + n.inverseCumulativeProbability(0.8);
    assertClose(z * Power.expectedSeLogHr(200, 0.4), Math.log(Power.mdrrCox(200, 0.4)), "log mdrr");
    assertTrue(Power.mdrrCox(200, 0.5) < Power.mdrrCox(200, 0.4));
    assertTrue(Power.mdrrCox(400, 0.5) < Power.mdrrCox(200, 0.5));
    assertEquals(Double.POSITIVE_INFINITY, Power.mdrrCox(0, 0.5));
    assertEquals(Double.POSITIVE_INFINITY, Power.mdrrCox(10, 1.0));
  }

  @Test
  void rejectsInvalidInput() {
    assertThrows(IllegalArgumentException.class, () -> Power.mdrrCox(-1, 0.5));
    assertThrows(IllegalArgumentException.class, () -> Power.mdrrCox(10, 1.5));
    assertThrows(IllegalArgumentException.class, () -> Power.mdrrCox(10, 0.5, 0, 0.8, true));
  }
}
