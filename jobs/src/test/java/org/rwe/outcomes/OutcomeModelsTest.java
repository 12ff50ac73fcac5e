package org.rwe.outcomes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rwe.config.AnalysisSettings;
import org.rwe.config.StudySettings;
import org.rwe.stats.CoxModel;
import org.rwe.stats.Effect;
import org.rwe.stats.FitStatus;

class OutcomeModelsTest {
  static AnalysisSettings analysis(String hocon) {
    return StudySettings.fromConfig(
            ConfigFactory.parseString(
                "conceptSets { x = [{conceptIds = [1]}] }\n"
                    + "cohort { base.conceptSet = x, target.conceptSet = x }\n"
                    + "outcomes = [{ outcomeId = 1, conceptSet = x }]\n"
                    + "analyses = [{ analysisId = 1, "
                    + hocon
                    + " }]"))
        .analysis(1);
  }

  /** A subject with days at risk, the day of the first outcome (0: none), a count, a subgroup. */
  static OutcomeModels.Subject subject(
      int treatment, Long stratum, long days, long firstOutcomeDay, long count, boolean member) {
    return new OutcomeModels.Subject(
        treatment, stratum, 1.0, days, count > 0 ? firstOutcomeDay : days, count, member ? 1L : 0L);
  }

  /**
   * Target: 40 subjects, 100 days each, 6 with one outcome and 2 with two; comparator: 60 subjects,
   * 50 days each, 5 with one outcome. Half of each arm is in subgroup 0.
   */
  static List<OutcomeModels.Subject> twoArms() {
    List<OutcomeModels.Subject> out = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      long count = i < 6 ? 1 : i < 8 ? 2 : 0;
      out.add(subject(1, null, 100, 10 + i, count, i % 2 == 0));
    }
    for (int i = 0; i < 60; i++) {
      out.add(subject(0, null, 50, 5 + i, i < 5 ? 1 : 0, i % 2 == 0));
    }
    return out;
  }

  @Test
  void poissonUsesCountsAndDaysAtRisk() {
    OutcomeModels.Estimate e = OutcomeModels.estimate(analysis("modelType = poisson"), twoArms());
    // IRR = (10 / 4000) / (5 / 3000); se = sqrt(1/10 + 1/5).
    assertEquals(FitStatus.OK, e.effect().status());
    assertEquals((10.0 / 4000) / (5.0 / 3000), e.effect().rr(), 1e-9);
    assertEquals(Math.sqrt(0.1 + 0.2), e.effect().seLogRr(), 1e-9);
    // Counts keep their meaning: subjects with the outcome, not outcomes.
    assertEquals(new OutcomeModels.Arm(40, 4000, 8), e.target());
    assertEquals(new OutcomeModels.Arm(60, 3000, 5), e.comparator());
  }

  @Test
  void logisticUsesHavingTheOutcome() {
    OutcomeModels.Estimate e = OutcomeModels.estimate(analysis("modelType = logistic"), twoArms());
    // OR = (8 * 55) / (32 * 5).
    assertEquals(8.0 * 55 / (32 * 5), e.effect().rr(), 1e-9);
    assertEquals(Math.sqrt(1 / 8.0 + 1 / 32.0 + 1 / 5.0 + 1 / 55.0), e.effect().seLogRr(), 1e-9);
  }

  @Test
  void coxUsesSurvivalTimeAndIsTheDefault() {
    List<OutcomeModels.Subject> subjects = twoArms();
    OutcomeModels.Estimate e = OutcomeModels.estimate(analysis("adjustment = none"), subjects);
    double[] time = subjects.stream().mapToDouble(OutcomeModels.Subject::survivalTime).toArray();
    int[] event = subjects.stream().mapToInt(s -> s.event() ? 1 : 0).toArray();
    double[] x = subjects.stream().mapToDouble(OutcomeModels.Subject::treatment).toArray();
    assertEquals(CoxModel.fit(time, event, x).logHr(), e.effect().logRr(), 1e-12);
  }

  @Test
  void stratifiedAnalysesFitConditionalModels() {
    // Pairs: 6 with only the target's outcome, 3 with only the comparator's, 2 with both.
    List<OutcomeModels.Subject> pairs = new ArrayList<>();
    for (long k = 0; k < 15; k++) {
      boolean target = k < 6 || k == 9 || k == 10;
      boolean comparator = k >= 6 && k < 11;
      pairs.add(subject(1, k, 100, 20, target ? 1 : 0, false));
      pairs.add(subject(0, k, 100, 30, comparator ? 1 : 0, false));
    }
    OutcomeModels.Estimate e =
        OutcomeModels.estimate(
            analysis("adjustment = match, stratified = true, modelType = logistic"), pairs);
    assertEquals(2.0, e.effect().rr(), 1e-9);
    assertEquals(Math.sqrt(1 / 6.0 + 1 / 3.0), e.effect().seLogRr(), 1e-9);
    // Equal days within pairs: conditional Poisson is the ratio of the counts, 8 / 5.
    e =
        OutcomeModels.estimate(
            analysis("adjustment = match, stratified = true, modelType = poisson"), pairs);
    assertEquals(8.0 / 5, e.effect().rr(), 1e-9);
  }

  @Test
  void weightedAnalysesUseRobustStandardErrors() {
    Effect poisson =
        OutcomeModels.estimate(analysis("adjustment = iptw, modelType = poisson"), twoArms())
            .effect();
    Effect plain =
        OutcomeModels.estimate(analysis("adjustment = none, modelType = poisson"), twoArms())
            .effect();
    assertEquals(plain.logRr(), poisson.logRr(), 1e-12);
    // Unit weights: same estimate, but the sandwich SE instead of the model-based one.
    assertEquals(FitStatus.OK, poisson.status());
    assertTrue(Math.abs(poisson.seLogRr() - plain.seLogRr()) > 1e-6);
  }

  @Test
  void zeroEventsInAnArmGiveCountsAndNoEstimate() {
    List<OutcomeModels.Subject> subjects = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      subjects.add(subject(1, null, 100, 0, 0, false));
      subjects.add(subject(0, null, 80, 7, i < 3 ? 1 : 0, false));
    }
    for (String model : List.of("cox", "poisson", "logistic")) {
      OutcomeModels.Estimate e = OutcomeModels.estimate(analysis("modelType = " + model), subjects);
      assertEquals(FitStatus.NO_EVENTS_IN_ONE_ARM, e.effect().status(), model);
      assertTrue(Double.isNaN(e.effect().rr()), model);
      assertEquals(new OutcomeModels.Arm(20, 2000, 0), e.target(), model);
      // Days as CohortMethod counts them: for Cox the survival time (3 subjects stop at their
      // outcome on day 7: 17 x 80 + 3 x 7), for the others the whole time at risk.
      long days = model.equals("cox") ? 17 * 80 + 3 * 7 : 20 * 80;
      assertEquals(new OutcomeModels.Arm(20, days, 3), e.comparator(), model);
    }
  }

  /**
   * Saturated Poisson model with treatment, subgroup and interaction: exp(interaction) is the IRR
   * in the subgroup divided by the IRR outside it.
   */
  @Test
  void interactionIsTheRatioOfTheSubgroupsRateRatios() {
    List<OutcomeModels.Subject> subjects = twoArms();
    OutcomeModels.Estimate e =
        OutcomeModels.interaction(analysis("modelType = poisson"), subjects, 0);
    // In the subgroup (even i): target counts 1,1,1,2 -> 5 over 2000 days; comparator 3 over
    // 1500. Outside: target 1,1,1,2 -> 5 over 2000; comparator 2 over 1500.
    double inside = (5.0 / 2000) / (3.0 / 1500);
    double outside = (5.0 / 2000) / (2.0 / 1500);
    assertEquals(FitStatus.OK, e.effect().status());
    assertEquals(inside / outside, e.effect().rr(), 1e-9);
    assertEquals(Math.sqrt(1 / 5.0 + 1 / 3.0 + 1 / 5.0 + 1 / 2.0), e.effect().seLogRr(), 1e-9);
    assertEquals(new OutcomeModels.Arm(20, 2000, 4), e.target());
    assertEquals(new OutcomeModels.Arm(30, 1500, 3), e.comparator());
    // Nobody in subgroup 1: the interaction is not identified, counts are zero.
    OutcomeModels.Estimate none =
        OutcomeModels.interaction(analysis("modelType = poisson"), subjects, 1);
    assertEquals(FitStatus.NO_VARIATION, none.effect().status());
    assertEquals(new OutcomeModels.Arm(0, 0, 0), none.target());
  }

  static OutcomeModels.Subject s(int treatment, long time, boolean event) {
    return new OutcomeModels.Subject(treatment, null, 1.0, time, time, event ? 1 : 0, 0);
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
