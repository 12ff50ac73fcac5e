package org.rwe.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rwe.stats.Golden.assertClose;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.rwe.stats.CoxModel.Options;
import org.rwe.stats.CoxModel.Ties;
import org.rwe.stats.CoxModel.VarianceChoice;

/** Hand-worked cases, degenerate data and invariances of {@link CoxModel}. */
class CoxModelTest {

  private static final Options BRESLOW = Options.defaults().withTies(Ties.BRESLOW);

  /**
   * Three subjects, no ties: A (x=1) dies at 1, B (x=0) dies at 2, C (x=1) censored at 3. With u =
   * exp(beta), L = u / (2u + 1) * 1 / (u + 1). The score 1 - 2u/(2u+1) - u/(u+1) is zero at u^2 =
   * 1/2, so beta = -log(2)/2; information 2u/(2u+1)^2 + u/(u+1)^2; L(0) = 1/6.
   */
  @Test
  void threeSubjectsNoTies() {
    double[] time = {1, 2, 3};
    int[] event = {1, 1, 0};
    double[] x = {1, 0, 1};
    double u = Math.sqrt(0.5);
    double beta = -Math.log(2) / 2;
    double info = 2 * u / Math.pow(2 * u + 1, 2) + u / Math.pow(u + 1, 2);
    double logLik = beta - Math.log(2 * u + 1) - Math.log(u + 1);
    for (Options o : new Options[] {Options.defaults(), BRESLOW}) {
      CoxFit fit = CoxModel.fit(time, event, x, null, null, o);
      assertEquals(FitStatus.OK, fit.status());
      assertClose(beta, fit.logHr(), "beta " + o.ties());
      assertClose(Math.sqrt(1 / info), fit.seLogHr(), "se " + o.ties());
      assertClose(-Math.log(6), fit.logLikNull(), "loglik0");
      assertClose(logLik, fit.logLik(), "loglik");
      assertClose(logLik + Math.log(6), fit.llr(), "llr");
      assertClose(Math.exp(beta), fit.hr(), "hr");
      assertFalse(fit.robustSeUsed());
    }
  }

  /**
   * Two tied deaths: A (x=1) and B (x=0) at 1, C (x=0) censored at 2. Breslow: L = u / (u+2)^2,
   * score 1 - 2u/(u+2) = 0 at u = 2. Efron: the second death sees (u+2) - (u+1)/2 = (u+3)/2, so L =
   * 2u / ((u+2)(u+3)), score zero at u^2 = 6. Informations 2 * 2u/(u+2)^2 and 2u/(u+2)^2 +
   * 3u/(u+3)^2.
   */
  @Test
  void tiedDeathsEfronVersusBreslow() {
    double[] time = {1, 1, 2};
    int[] event = {1, 1, 0};
    double[] x = {1, 0, 0};

    CoxFit breslow = CoxModel.fit(time, event, x, null, null, BRESLOW);
    assertClose(Math.log(2), breslow.logHr(), "breslow beta");
    assertClose(Math.sqrt(2), breslow.seLogHr(), "breslow se");
    assertClose(-2 * Math.log(3), breslow.logLikNull(), "breslow loglik0");

    CoxFit efron = CoxModel.fit(time, event, x);
    double u = Math.sqrt(6);
    double info = 2 * u / Math.pow(u + 2, 2) + 3 * u / Math.pow(u + 3, 2);
    assertClose(Math.log(6) / 2, efron.logHr(), "efron beta");
    assertClose(Math.sqrt(1 / info), efron.seLogHr(), "efron se");
    assertClose(-Math.log(6), efron.logLikNull(), "efron loglik0");
  }

  /**
   * Two strata holding the same three subjects: the same beta, twice the information and twice the
   * log-likelihood. Pooling them into one stratum gives a different fit.
   */
  @Test
  void strataAreSeparateRiskSets() {
    double[] time = {1, 2, 3, 1, 2, 3};
    int[] event = {1, 1, 0, 1, 1, 0};
    double[] x = {1, 0, 1, 1, 0, 1};
    long[] stratum = {Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, 42, 42, 42};
    CoxFit single =
        CoxModel.fit(new double[] {1, 2, 3}, new int[] {1, 1, 0}, new double[] {1, 0, 1});
    CoxFit stratified = CoxModel.fit(time, event, x, stratum, null);
    assertClose(single.logHr(), stratified.logHr(), "beta");
    assertClose(single.seLogHr() / Math.sqrt(2), stratified.seLogHr(), "se");
    assertClose(single.robustSe() / Math.sqrt(2), stratified.robustSe(), "robust se");
    assertClose(2 * single.logLik(), stratified.logLik(), "loglik");
    CoxFit pooled = CoxModel.fit(time, event, x);
    assertNotEquals(stratified.logLik(), pooled.logLik(), 1e-6);
  }

  @Test
  void censoredAtAnEventTimeIsStillAtRisk() {
    // B is censored at 1, when A dies: B must be in A's risk set. If it were not, A's risk set
    // {A, C} would be the same as in the data set below and the fits would agree.
    CoxFit censoredAtOne =
        CoxModel.fit(new double[] {1, 1, 3, 4}, new int[] {1, 0, 1, 0}, new double[] {1, 0, 0, 1});
    CoxFit censoredBefore =
        CoxModel.fit(
            new double[] {1, 0.5, 3, 4}, new int[] {1, 0, 1, 0}, new double[] {1, 0, 0, 1});
    assertNotEquals(censoredAtOne.logHr(), censoredBefore.logHr(), 1e-6);
    CoxFit censoredAfter =
        CoxModel.fit(new double[] {1, 2, 3, 4}, new int[] {1, 0, 1, 0}, new double[] {1, 0, 0, 1});
    assertClose(censoredAfter.logHr(), censoredAtOne.logHr(), "beta");
  }

  // ------------------------------------------------------------------ degenerate data

  private static void assertDegenerate(CoxFit fit, FitStatus status) {
    assertEquals(status, fit.status());
    assertFalse(fit.converged());
    assertFalse(fit.isUsable());
    double[] all = {
      fit.logHr(),
      fit.seLogHr(),
      fit.robustSe(),
      fit.hr(),
      fit.ci95Lb(),
      fit.ci95Ub(),
      fit.p(),
      fit.pOneSidedGreater(),
      fit.pOneSidedLess(),
      fit.logLikNull(),
      fit.logLik(),
      fit.llr()
    };
    for (double v : all) {
      assertTrue(Double.isNaN(v), status + ": expected NaN, got " + v);
    }
  }

  @Test
  void noEvents() {
    CoxFit fit = CoxModel.fit(new double[] {1, 2, 3}, new int[] {0, 0, 0}, new double[] {1, 0, 1});
    assertDegenerate(fit, FitStatus.NO_EVENTS);
    assertEquals(3, fit.subjects());
    assertEquals(0, fit.events());
    assertDegenerate(CoxModel.fit(new double[0], new int[0], new double[0]), FitStatus.NO_EVENTS);
  }

  @Test
  void allWeightsZeroIsNoEvents() {
    CoxFit fit =
        CoxModel.fit(
            new double[] {1, 2}, new int[] {1, 1}, new double[] {1, 0}, null, new double[] {0, 0});
    assertDegenerate(fit, FitStatus.NO_EVENTS);
    assertEquals(0, fit.subjects());
  }

  @Test
  void noVariation() {
    CoxFit fit = CoxModel.fit(new double[] {1, 2, 3}, new int[] {1, 1, 0}, new double[] {1, 1, 1});
    assertDegenerate(fit, FitStatus.NO_VARIATION);
  }

  @Test
  void noEventsInOneArm() {
    CoxFit fit =
        CoxModel.fit(new double[] {1, 2, 3, 4}, new int[] {1, 1, 0, 0}, new double[] {1, 1, 0, 0});
    assertDegenerate(fit, FitStatus.NO_EVENTS_IN_ONE_ARM);
    assertEquals(2, fit.events());
  }

  @Test
  void noInformativeEventsInMatchedPairs() {
    // In both pairs the event happens after the partner was censored.
    CoxFit fit =
        CoxModel.fit(
            new double[] {5, 2, 3, 1},
            new int[] {1, 0, 1, 0},
            new double[] {1, 0, 0, 1},
            new long[] {7, 7, 9, 9},
            null);
    assertDegenerate(fit, FitStatus.NO_INFORMATIVE_EVENTS);
  }

  @Test
  void monotoneLikelihoodInMatchedPairs() {
    // Both arms have events, but in every informative pair the treated subject dies first.
    CoxFit fit =
        CoxModel.fit(
            new double[] {1, 5, 2, 4},
            new int[] {1, 0, 1, 1},
            new double[] {1, 0, 1, 0},
            new long[] {1, 1, 2, 2},
            null);
    assertDegenerate(fit, FitStatus.MONOTONE_LIKELIHOOD);
  }

  @Test
  void monotoneLikelihoodWithContinuousCovariate() {
    // Each death has the largest x of its risk set.
    CoxFit fit =
        CoxModel.fit(
            new double[] {1, 2, 3, 4}, new int[] {1, 1, 1, 0}, new double[] {3.5, 2.5, 1.5, 0.5});
    assertDegenerate(fit, FitStatus.MONOTONE_LIKELIHOOD);
  }

  @Test
  void notConvergedKeepsFiniteEstimates() {
    Golden.DataSet d = Golden.dataSet("lung");
    Options one = new Options(Ties.EFRON, 1, 1e-9, VarianceChoice.AUTO);
    CoxFit fit = CoxModel.fit(d.time(), d.event(), d.x(), null, null, one);
    assertEquals(FitStatus.NOT_CONVERGED, fit.status());
    assertFalse(fit.converged());
    assertTrue(Double.isFinite(fit.logHr()) && Double.isFinite(fit.seLogHr()));
  }

  // ------------------------------------------------------------------ invariances

  @Test
  void rowOrderDoesNotMatter() {
    Golden.DataSet d = Golden.dataSet("weighted_strata");
    CoxFit reference = CoxModel.fit(d.time(), d.event(), d.x(), d.stratum(), d.weight());
    int n = d.time().length;
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    Random random = new Random(7);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
    }
    double[] time = new double[n];
    int[] event = new int[n];
    double[] x = new double[n];
    long[] stratum = new long[n];
    double[] weight = new double[n];
    for (int i = 0; i < n; i++) {
      time[i] = d.time()[perm[i]];
      event[i] = d.event()[perm[i]];
      x[i] = d.x()[perm[i]];
      stratum[i] = d.stratum()[perm[i]];
      weight[i] = d.weight()[perm[i]];
    }
    CoxFit shuffled = CoxModel.fit(time, event, x, stratum, weight);
    assertEquals(reference.logHr(), shuffled.logHr(), 1e-12);
    assertEquals(reference.seLogHr(), shuffled.seLogHr(), 1e-12);
    assertEquals(reference.robustSe(), shuffled.robustSe(), 1e-12);
    assertEquals(reference.logLik(), shuffled.logLik(), 1e-9);
  }

  @Test
  void zeroWeightRowsAreIgnored() {
    double[] time = {1, 2, 3, 4, 5, 6};
    int[] event = {1, 1, 0, 1, 0, 1};
    double[] x = {1, 0, 1, 0, 1, 1};
    double[] weight = {0.5, 2, 1.5, 1, 0.7, 0};
    CoxFit withZero = CoxModel.fit(time, event, x, null, weight);
    CoxFit without =
        CoxModel.fit(
            new double[] {1, 2, 3, 4, 5},
            new int[] {1, 1, 0, 1, 0},
            new double[] {1, 0, 1, 0, 1},
            null,
            new double[] {0.5, 2, 1.5, 1, 0.7});
    assertEquals(without.logHr(), withZero.logHr(), 1e-12);
    assertEquals(without.robustSe(), withZero.robustSe(), 1e-12);
    assertEquals(5, withZero.subjects());
    assertEquals(3, withZero.events());
  }

  @Test
  void unitWeightsGiveTheUnweightedFitButTheRobustInterval() {
    Golden.DataSet d = Golden.dataSet("lung");
    double[] ones = new double[d.time().length];
    java.util.Arrays.fill(ones, 1.0);
    CoxFit plain = CoxModel.fit(d.time(), d.event(), d.x());
    CoxFit weighted = CoxModel.fit(d.time(), d.event(), d.x(), null, ones);
    assertEquals(plain.logHr(), weighted.logHr(), 1e-12);
    assertEquals(plain.seLogHr(), weighted.seLogHr(), 1e-12);
    assertEquals(plain.robustSe(), weighted.robustSe(), 1e-12);
    assertFalse(plain.robustSeUsed());
    assertTrue(weighted.robustSeUsed());
    assertClose(
        Math.exp(weighted.logHr() + 1.959963984540054 * weighted.robustSe()),
        weighted.ci95Ub(),
        "robust ci");

    CoxFit modelBased =
        CoxModel.fit(
            d.time(),
            d.event(),
            d.x(),
            null,
            ones,
            Options.defaults().withVariance(VarianceChoice.MODEL_BASED));
    assertFalse(modelBased.robustSeUsed());
    assertEquals(plain.ci95Ub(), modelBased.ci95Ub(), 1e-12);
    CoxFit robust =
        CoxModel.fit(
            d.time(),
            d.event(),
            d.x(),
            null,
            null,
            Options.defaults().withVariance(VarianceChoice.ROBUST));
    assertTrue(robust.robustSeUsed());
    assertEquals(weighted.p(), robust.p(), 1e-12);
  }

  @Test
  void oneSidedPValuesAddUpAndFollowTheSign() {
    CoxFit fit = CoxModel.fit(new double[] {1, 2, 3}, new int[] {1, 1, 0}, new double[] {1, 0, 1});
    assertTrue(fit.logHr() < 0);
    assertClose(1, fit.pOneSidedGreater() + fit.pOneSidedLess(), "sum");
    assertTrue(fit.pOneSidedLess() < fit.pOneSidedGreater());
    assertClose(fit.p(), 2 * fit.pOneSidedLess(), "two-sided");
  }

  @Test
  void nearlyEqualTimesAreTies() {
    // 0.1 + 0.2 != 0.3 in binary floating point; R's timefix makes them one tie, and so do we.
    CoxFit noisy =
        CoxModel.fit(
            new double[] {0.1 + 0.2, 0.3, 1},
            new int[] {1, 1, 0},
            new double[] {1, 0, 0},
            null,
            null,
            BRESLOW);
    assertClose(Math.log(2), noisy.logHr(), "beta");
  }

  @Test
  void rejectsMalformedInput() {
    double[] t = {1, 2};
    int[] e = {1, 0};
    double[] x = {1, 0};
    assertThrows(IllegalArgumentException.class, () -> CoxModel.fit(t, e, new double[] {1}));
    assertThrows(IllegalArgumentException.class, () -> CoxModel.fit(new double[] {-1, 2}, e, x));
    assertThrows(
        IllegalArgumentException.class, () -> CoxModel.fit(new double[] {Double.NaN, 2}, e, x));
    assertThrows(IllegalArgumentException.class, () -> CoxModel.fit(t, new int[] {2, 0}, x));
    assertThrows(
        IllegalArgumentException.class,
        () -> CoxModel.fit(t, e, new double[] {Double.POSITIVE_INFINITY, 0}));
    assertThrows(
        IllegalArgumentException.class, () -> CoxModel.fit(t, e, x, null, new double[] {1, -1}));
    assertThrows(IllegalArgumentException.class, () -> CoxModel.fit(t, e, x, new long[] {1}, null));
  }
}
