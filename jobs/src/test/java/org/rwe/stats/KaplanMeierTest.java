package org.rwe.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rwe.stats.Golden.assertClose;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-worked cases and edge cases of {@link KaplanMeier}. */
class KaplanMeierTest {

  /**
   * Deaths at 1 and 2, censored at 2 and 3: S(1) = 3/4, S(2) = 3/4 * 2/3 = 1/2 (the subject
   * censored at 2 is at risk at 2), Greenwood var(S(2)) = S^2 (1/(4*3) + 1/(3*2)) = 1/16.
   */
  @Test
  void handWorked() {
    KaplanMeier km = KaplanMeier.fit(new double[] {2, 1, 3, 2}, new int[] {1, 1, 0, 0});
    List<KaplanMeier.Row> rows = km.rows();
    assertEquals(3, rows.size());
    KaplanMeier.Row r1 = rows.get(0);
    assertEquals(1, r1.time());
    assertEquals(4, r1.nAtRisk());
    assertEquals(1, r1.nEvents());
    assertEquals(0, r1.nCensored());
    assertClose(0.75, r1.survival(), "S(1)");
    assertClose(0.75 * Math.sqrt(1.0 / 12), r1.se(), "se(1)");
    KaplanMeier.Row r2 = rows.get(1);
    assertEquals(3, r2.nAtRisk());
    assertEquals(1, r2.nEvents());
    assertEquals(1, r2.nCensored());
    assertClose(0.5, r2.survival(), "S(2)");
    assertClose(0.25, r2.se(), "se(2)");
    double z = 1.959963984540054;
    assertClose(0.5 * Math.exp(-z * 0.5), r2.lower95(), "lower");
    assertClose(Math.min(1, 0.5 * Math.exp(z * 0.5)), r2.upper95(), "upper");
    KaplanMeier.Row r3 = rows.get(2);
    assertEquals(1, r3.nAtRisk());
    assertEquals(0, r3.nEvents());
    assertClose(0.5, r3.survival(), "S(3)");
  }

  @Test
  void horizonIsAStepFunction() {
    KaplanMeier km = KaplanMeier.fit(new double[] {2, 1, 3, 2}, new int[] {1, 1, 0, 0});
    KaplanMeier.Estimate before = km.at(0.5);
    assertEquals(1, before.survival());
    assertEquals(0, before.se());
    assertEquals(0.75, km.at(1).survival(), 1e-15);
    assertEquals(0.75, km.at(1.999).survival(), 1e-15);
    assertEquals(0.5, km.at(2).survival(), 1e-15);
    assertEquals(0.5, km.at(1e9).survival(), 1e-15);
    assertEquals(365, km.at(365).time());
  }

  /** Integer weights are frequencies: Greenwood on the weighted curve equals the expanded data. */
  @Test
  void integerWeightsEqualReplicatedRows() {
    KaplanMeier weighted =
        KaplanMeier.fit(
            new double[] {1, 2, 3, 4},
            new int[] {1, 0, 1, 1},
            new double[] {2, 1, 3, 1},
            KaplanMeier.Variance.GREENWOOD);
    KaplanMeier expanded =
        KaplanMeier.fit(new double[] {1, 1, 2, 3, 3, 3, 4}, new int[] {1, 1, 0, 1, 1, 1, 1});
    assertEquals(expanded.rows().size(), weighted.rows().size());
    for (int i = 0; i < expanded.rows().size(); i++) {
      KaplanMeier.Row e = expanded.rows().get(i);
      KaplanMeier.Row w = weighted.rows().get(i);
      assertClose(e.nAtRisk(), w.nAtRisk(), "n.risk");
      assertClose(e.survival(), w.survival(), "surv");
      assertClose(e.se(), w.se(), "se");
    }
  }

  @Test
  void defaultVarianceFollowsWeights() {
    double[] t = {1, 2};
    int[] e = {1, 0};
    assertEquals(KaplanMeier.Variance.GREENWOOD, KaplanMeier.fit(t, e).variance());
    assertEquals(KaplanMeier.Variance.GREENWOOD, KaplanMeier.fit(t, e, null).variance());
    assertEquals(
        KaplanMeier.Variance.ROBUST, KaplanMeier.fit(t, e, new double[] {0.5, 1.5}).variance());
  }

  @Test
  void survivalReachingZeroHasNoInterval() {
    KaplanMeier km = KaplanMeier.fit(new double[] {1, 2}, new int[] {1, 1});
    KaplanMeier.Row last = km.rows().get(1);
    assertEquals(0, last.survival());
    assertTrue(Double.isNaN(last.lower95()) && Double.isNaN(last.upper95()));
  }

  @Test
  void emptyInputGivesAnEmptyCurve() {
    KaplanMeier km = KaplanMeier.fit(new double[0], new int[0]);
    assertTrue(km.rows().isEmpty());
    assertEquals(1, km.at(10).survival());
  }

  @Test
  void rejectsMalformedInput() {
    assertThrows(
        IllegalArgumentException.class, () -> KaplanMeier.fit(new double[] {1}, new int[] {1, 0}));
    assertThrows(
        IllegalArgumentException.class, () -> KaplanMeier.fit(new double[] {-1}, new int[] {1}));
    assertThrows(
        IllegalArgumentException.class, () -> KaplanMeier.fit(new double[] {1}, new int[] {3}));
    assertThrows(
        IllegalArgumentException.class,
        () -> KaplanMeier.fit(new double[] {1}, new int[] {1}, new double[] {-0.5}));
    assertThrows(
        IllegalArgumentException.class,
        () -> KaplanMeier.fit(new double[] {1}, new int[] {1}).at(Double.NaN));
  }
}
