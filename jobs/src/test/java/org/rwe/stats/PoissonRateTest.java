package org.rwe.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rwe.stats.Golden.assertClose;

import org.junit.jupiter.api.Test;

class PoissonRateTest {

  /** Against {@code poisson.test} (golden/poisson_golden.csv), 1e-6 relative. */
  @Test
  void matchesPoissonTest() {
    for (Golden.Row r : Golden.read("poisson_golden.csv")) {
      long events = (long) r.num("events");
      PoissonRate rate = PoissonRate.of(events, r.num("person_days"));
      String at = "events=" + events + " ";
      assertClose(r.num("person_years"), rate.personYears(), at + "person-years");
      assertClose(r.num("rate_per_1000py"), rate.ratePer1000Py(), at + "rate");
      assertClose(r.num("lower95"), rate.lower95(), at + "lower");
      assertClose(r.num("upper95"), rate.upper95(), at + "upper");
    }
  }

  /** With no events the upper count limit is -log(0.025): P(X = 0 | mu) = exp(-mu) = 0.025. */
  @Test
  void zeroEventsByHand() {
    PoissonRate rate = PoissonRate.of(0, 365.25);
    assertEquals(0, rate.ratePer1000Py());
    assertEquals(0, rate.lower95());
    assertClose(-Math.log(0.025) * 1000, rate.upper95(), "upper");
  }

  @Test
  void noPersonTimeGivesNaN() {
    PoissonRate rate = PoissonRate.of(3, 0);
    assertTrue(Double.isNaN(rate.ratePer1000Py()));
    assertTrue(Double.isNaN(rate.lower95()));
    assertTrue(Double.isNaN(rate.upper95()));
  }

  @Test
  void rejectsInvalidInput() {
    assertThrows(IllegalArgumentException.class, () -> PoissonRate.of(-1, 10));
    assertThrows(IllegalArgumentException.class, () -> PoissonRate.of(1, -10));
    assertThrows(IllegalArgumentException.class, () -> PoissonRate.of(1, Double.NaN));
  }
}
