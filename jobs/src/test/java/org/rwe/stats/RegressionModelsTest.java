package org.rwe.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rwe.stats.Golden.assertClose;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked cases, equivalences and degenerate data of {@link PoissonModel}, {@link
 * LogisticModel} and the several-covariate {@link CoxModel}. The comparisons with R are in {@link
 * ModelsGoldenTest}.
 */
class RegressionModelsTest {

  private static final GlmOptions GLM = GlmOptions.defaults();

  private static double[][] cols(double[]... c) {
    return c;
  }

  /** Two arms: IRR = (y1 / t1) / (y0 / t0), se = sqrt(1/y1 + 1/y0) (saturated Poisson model). */
  @Test
  void poissonTwoArmsIsTheRateRatio() {
    long[] count = {3, 0, 2, 1, 1, 0};
    double[] time = {100, 50, 200, 30, 70, 100};
    double[] x = {1, 1, 1, 0, 0, 0};
    RegressionFit f = PoissonModel.fit(count, time, cols(x), null, null, GLM);
    assertEquals(FitStatus.OK, f.status());
    assertClose(Math.log((5.0 / 350) / (2.0 / 200)), f.coefficients()[0], "log irr");
    assertClose(Math.sqrt(1 / 5.0 + 1 / 2.0), f.se(0), "se");
    assertEquals(7, f.events());
    assertEquals(6, f.subjects());
    assertFalse(f.robustSeUsed());
  }

  /** Two arms: OR = ad / bc, se = sqrt(1/a + 1/b + 1/c + 1/d). */
  @Test
  void logisticTwoArmsIsTheOddsRatio() {
    // Target: 3 with, 5 without; comparator: 2 with, 8 without.
    int[] y = new int[18];
    double[] x = new double[18];
    for (int i = 0; i < 8; i++) {
      x[i] = 1;
      y[i] = i < 3 ? 1 : 0;
    }
    for (int i = 8; i < 18; i++) {
      y[i] = i < 10 ? 1 : 0;
    }
    RegressionFit f = LogisticModel.fit(y, cols(x), null, null, GLM);
    assertEquals(FitStatus.OK, f.status());
    assertClose(Math.log(3.0 * 8 / (5 * 2)), f.coefficients()[0], "log or");
    assertClose(Math.sqrt(1 / 3.0 + 1 / 5.0 + 1 / 2.0 + 1 / 8.0), f.se(0), "se");
  }

  /** Matched pairs: OR = discordant pairs with the target as case / with the comparator as case. */
  @Test
  void conditionalLogisticOnPairsIsTheDiscordantPairRatio() {
    // 6 pairs target-case only, 3 comparator-case only, 2 both, 4 neither.
    int pairs = 15;
    int[] y = new int[2 * pairs];
    double[] x = new double[2 * pairs];
    long[] stratum = new long[2 * pairs];
    for (int k = 0; k < pairs; k++) {
      x[2 * k] = 1;
      stratum[2 * k] = k;
      stratum[2 * k + 1] = k;
      y[2 * k] = k < 6 || (k >= 9 && k < 11) ? 1 : 0;
      y[2 * k + 1] = (k >= 6 && k < 11) ? 1 : 0;
    }
    RegressionFit f = LogisticModel.fit(y, cols(x), stratum, null, GLM);
    assertEquals(FitStatus.OK, f.status());
    assertClose(Math.log(6.0 / 3), f.coefficients()[0], "log or");
    assertClose(Math.sqrt(1 / 6.0 + 1 / 3.0), f.se(0), "se");
    assertTrue(Double.isNaN(f.robustSe(0)));
  }

  /** Pairs with equal time: conditional Poisson is a binomial split of each pair's total. */
  @Test
  void conditionalPoissonOnPairsWithEqualTimeIsTheCountRatio() {
    long[] count = {2, 1, 0, 3, 4, 0, 1, 1, 0, 0};
    double[] time = {10, 10, 20, 20, 5, 5, 7, 7, 9, 9};
    double[] x = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0};
    long[] stratum = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5};
    RegressionFit f = PoissonModel.fit(count, time, cols(x), stratum, null, GLM);
    assertEquals(FitStatus.OK, f.status());
    // Target 7 events, comparator 5.
    assertClose(Math.log(7.0 / 5), f.coefficients()[0], "log irr");
    assertClose(Math.sqrt(1 / 7.0 + 1 / 5.0), f.se(0), "se");
  }

  /**
   * With one case per stratum, the exact conditional likelihood is the Cox partial likelihood of a
   * stratified model in which every subject has the same time (one death per risk set).
   */
  @Test
  void conditionalLogisticWithOneCasePerStratumEqualsStratifiedCox() {
    Random rnd = new Random(7);
    int sets = 120;
    int n = sets * 4;
    int[] y = new int[n];
    double[] x = new double[n];
    double[] g = new double[n];
    double[] xg = new double[n];
    long[] stratum = new long[n];
    double[] time = new double[n];
    for (int s = 0; s < sets; s++) {
      int caseRow = rnd.nextInt(4);
      for (int k = 0; k < 4; k++) {
        int i = 4 * s + k;
        stratum[i] = s;
        x[i] = k == 0 ? 1 : 0;
        g[i] = rnd.nextBoolean() ? 1 : 0;
        xg[i] = x[i] * g[i];
        y[i] = k == caseRow ? 1 : 0;
        time[i] = 1;
      }
    }
    RegressionFit clr = LogisticModel.fit(y, cols(x, g, xg), stratum, null, GLM);
    RegressionFit cox =
        CoxModel.fit(
            time,
            y,
            cols(x, g, xg),
            stratum,
            null,
            CoxModel.Options.defaults().withTies(CoxModel.Ties.BRESLOW));
    assertEquals(FitStatus.OK, clr.status());
    for (int j = 0; j < 3; j++) {
      assertClose(cox.coefficients()[j], clr.coefficients()[j], "coef " + j);
      assertClose(cox.se(j), clr.se(j), "se " + j);
    }
    assertClose(cox.logLik(), clr.logLik(), "loglik");
    assertClose(cox.logLikNull(), clr.logLikNull(), "loglik0");
  }

  /**
   * Swapping cases and controls negates the log odds ratio and keeps its SE; in strata with more
   * cases than controls the likelihood is computed through the complement, so both paths meet.
   */
  @Test
  void conditionalLogisticIsSymmetricInCasesAndControls() {
    Random rnd = new Random(11);
    int n = 300;
    int[] y = new int[n];
    int[] flipped = new int[n];
    double[] x = new double[n];
    long[] stratum = new long[n];
    for (int i = 0; i < n; i++) {
      stratum[i] = i % 3;
      x[i] = rnd.nextDouble() < 0.4 ? 1 : 0;
      double risk = 0.2 + 0.3 * stratum[i] + 0.1 * x[i];
      y[i] = rnd.nextDouble() < risk ? 1 : 0;
      flipped[i] = 1 - y[i];
    }
    RegressionFit a = LogisticModel.fit(y, cols(x), stratum, null, GLM);
    RegressionFit b = LogisticModel.fit(flipped, cols(x), stratum, null, GLM);
    assertEquals(FitStatus.OK, a.status());
    assertClose(a.coefficients()[0], -b.coefficients()[0], "coef");
    assertClose(a.se(0), b.se(0), "se");
    assertClose(a.logLik(), b.logLik(), "loglik");
  }

  @Test
  void zeroEventsInAnArmGiveAStatusNotAnInfiniteEstimate() {
    long[] count = {1, 2, 0, 0};
    double[] time = {10, 10, 10, 10};
    double[] x = {1, 1, 0, 0};
    RegressionFit p = PoissonModel.fit(count, time, cols(x), null, null, GLM);
    assertEquals(FitStatus.NO_EVENTS_IN_ONE_ARM, p.status());
    assertTrue(Double.isNaN(p.coefficients()[0]));
    assertEquals(3, p.events());
    assertTrue(Double.isNaN(p.effect(0).rr()));
    assertFalse(p.effect(0).isUsable());

    int[] y = {1, 0, 0, 0};
    assertEquals(
        FitStatus.NO_EVENTS_IN_ONE_ARM, LogisticModel.fit(y, cols(x), null, null, GLM).status());
    long[] pairs = {1, 1, 2, 2};
    assertEquals(
        FitStatus.NO_EVENTS_IN_ONE_ARM, LogisticModel.fit(y, cols(x), pairs, null, GLM).status());
    assertEquals(
        FitStatus.NO_EVENTS_IN_ONE_ARM,
        PoissonModel.fit(count, time, cols(x), pairs, null, GLM).status());
    assertEquals(
        FitStatus.NO_EVENTS,
        PoissonModel.fit(new long[4], time, cols(x), null, null, GLM).status());
  }

  @Test
  void everyTargetWithTheOutcomeIsMonotone() {
    int[] y = {1, 1, 1, 0, 0};
    double[] x = {1, 1, 0, 0, 0};
    assertEquals(
        FitStatus.MONOTONE_LIKELIHOOD, LogisticModel.fit(y, cols(x), null, null, GLM).status());
  }

  @Test
  void concordantPairsOnlyAreUninformative() {
    int[] y = {1, 1, 0, 0, 1, 1};
    double[] x = {1, 0, 1, 0, 1, 0};
    long[] pairs = {1, 1, 2, 2, 3, 3};
    assertEquals(
        FitStatus.NO_INFORMATIVE_EVENTS, LogisticModel.fit(y, cols(x), pairs, null, GLM).status());
  }

  /**
   * Treatment, subgroup and interaction, with events everywhere but where the test removes them.
   */
  private static final class Interaction {
    final int n = 400;
    final double[] time = new double[n];
    final int[] event = new int[n];
    final long[] count = new long[n];
    final double[] x = new double[n];
    final double[] g = new double[n];
    final double[] xg = new double[n];
    final long[] pair = new long[n];

    Interaction(long seed) {
      Random rnd = new Random(seed);
      for (int i = 0; i < n; i++) {
        x[i] = i % 2;
        g[i] = rnd.nextBoolean() ? 1 : 0;
        xg[i] = x[i] * g[i];
        pair[i] = i / 2;
        time[i] = 1 + rnd.nextInt(300);
        event[i] = rnd.nextDouble() < 0.4 ? 1 : 0;
        count[i] = event[i];
      }
    }

    double[][] covariates() {
      return cols(x, g, xg);
    }

    /** No outcome among the targets in the subgroup. */
    Interaction withoutEventsInSubgroupTargets() {
      for (int i = 0; i < n; i++) {
        if (xg[i] == 1) {
          event[i] = 0;
          count[i] = 0;
        }
      }
      return this;
    }

    /** The subgroup contains no target. */
    Interaction withoutSubgroupTargets() {
      for (int i = 0; i < n; i++) {
        if (x[i] == 1) {
          g[i] = 0;
          xg[i] = 0;
        }
      }
      return this;
    }
  }

  @Test
  void interactionWithoutEventsInASubgroupArmIsMonotone() {
    Interaction d = new Interaction(3).withoutEventsInSubgroupTargets();
    double[] days = d.time;
    assertEquals(
        FitStatus.MONOTONE_LIKELIHOOD,
        CoxModel.fit(d.time, d.event, d.covariates(), null, null, CoxModel.Options.defaults())
            .status());
    assertEquals(
        FitStatus.MONOTONE_LIKELIHOOD,
        CoxModel.fit(d.time, d.event, d.covariates(), d.pair, null, CoxModel.Options.defaults())
            .status());
    assertEquals(
        FitStatus.MONOTONE_LIKELIHOOD,
        PoissonModel.fit(d.count, days, d.covariates(), null, null, GLM).status());
    assertEquals(
        FitStatus.MONOTONE_LIKELIHOOD,
        PoissonModel.fit(d.count, days, d.covariates(), d.pair, null, GLM).status());
    assertEquals(
        FitStatus.MONOTONE_LIKELIHOOD,
        LogisticModel.fit(d.event, d.covariates(), null, null, GLM).status());
    assertEquals(
        FitStatus.MONOTONE_LIKELIHOOD,
        LogisticModel.fit(d.event, d.covariates(), d.pair, null, GLM).status());
  }

  @Test
  void interactionWithoutTargetsInTheSubgroupIsNotIdentified() {
    Interaction d = new Interaction(5).withoutSubgroupTargets();
    assertEquals(
        FitStatus.NO_VARIATION,
        CoxModel.fit(d.time, d.event, d.covariates(), null, null, CoxModel.Options.defaults())
            .status());
    assertEquals(
        FitStatus.NO_VARIATION,
        PoissonModel.fit(d.count, d.time, d.covariates(), d.pair, null, GLM).status());
    assertEquals(
        FitStatus.NO_VARIATION,
        LogisticModel.fit(d.event, d.covariates(), null, null, GLM).status());
  }

  @Test
  void interactionWithEventsEverywhereIsEstimable() {
    Interaction d = new Interaction(9);
    RegressionFit cox =
        CoxModel.fit(d.time, d.event, d.covariates(), d.pair, null, CoxModel.Options.defaults());
    assertEquals(FitStatus.OK, cox.status());
    assertEquals(3, cox.coefficients().length);
    assertEquals(
        FitStatus.OK, LogisticModel.fit(d.event, d.covariates(), d.pair, null, GLM).status());
    assertEquals(
        FitStatus.OK,
        PoissonModel.fit(d.count, d.time, d.covariates(), d.pair, null, GLM).status());
  }

  @Test
  void weightedModelsUseTheRobustVarianceAndStratifiedOnesTakeNoWeights() {
    Interaction d = new Interaction(13);
    double[] w = new double[d.n];
    java.util.Arrays.fill(w, 1.0);
    RegressionFit unweighted = PoissonModel.fit(d.count, d.time, cols(d.x), null, null, GLM);
    RegressionFit weighted = PoissonModel.fit(d.count, d.time, cols(d.x), null, w, GLM);
    assertTrue(weighted.robustSeUsed());
    assertClose(unweighted.coefficients()[0], weighted.coefficients()[0], "unit weights");
    assertClose(weighted.robustSe(0), weighted.effect(0).seLogRr(), "robust se used");
    assertThrows(
        IllegalArgumentException.class,
        () -> LogisticModel.fit(d.event, cols(d.x), d.pair, w, GLM));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            PoissonModel.fit(
                new long[] {1}, new double[] {0}, cols(new double[] {1}), null, null, GLM));
  }
}
