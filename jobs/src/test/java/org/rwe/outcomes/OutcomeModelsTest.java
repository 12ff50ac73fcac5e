package org.rwe.outcomes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class OutcomeModelsTest {
  static OutcomeModels.Subject s(int treatment, long time, boolean event) {
    return new OutcomeModels.Subject(treatment, null, 1.0, time, time, event);
  }

  @Test
  void followUpQuantilesAreRType7() {
    // R: quantile(c(1, 2, 4, 10), c(0, .1, .25, .5, .75, .9, 1)) = 1 1.3 1.75 3 5.5 8.2 10
    List<OutcomeModels.Subject> subjects =
        List.of(s(1, 1, false), s(1, 2, false), s(1, 4, false), s(1, 10, false), s(0, 7, false));
    assertArrayEquals(
        new double[] {1, 1.3, 1.75, 3, 5.5, 8.2, 10}, OutcomeModels.followUp(subjects, 1), 1e-12);
    assertArrayEquals(new double[] {7, 7, 7, 7, 7, 7, 7}, OutcomeModels.followUp(subjects, 0), 0);
  }

  @Test
  void numbersAtRiskCountSubjectsStillFollowed() {
    long[] times = {1, 3, 3, 5};
    assertEquals(4, OutcomeModels.atRisk(times, 0));
    assertEquals(4, OutcomeModels.atRisk(times, 1));
    assertEquals(3, OutcomeModels.atRisk(times, 2));
    assertEquals(3, OutcomeModels.atRisk(times, 3));
    assertEquals(1, OutcomeModels.atRisk(times, 4));
    assertEquals(0, OutcomeModels.atRisk(times, 6));
  }
}
