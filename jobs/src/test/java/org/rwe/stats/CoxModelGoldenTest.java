package org.rwe.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rwe.stats.Golden.assertClose;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CoxModel against {@code survival::coxph} (goldens from {@code golden/cox_km_golden.R}): every
 * data set, both tie methods; 1e-6 relative (see {@link Golden}).
 */
class CoxModelGoldenTest {

  static Stream<Arguments> cases() {
    return Golden.read("cox_golden.csv").stream()
        .map(r -> Arguments.of(r.str("dataset"), r.str("ties"), r));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void matchesCoxph(String dataset, String ties, Golden.Row r) {
    Golden.DataSet d = Golden.dataSet(dataset);
    assertEquals(r.bool("weighted"), d.weight() != null);
    assertEquals(r.bool("stratified"), d.stratum() != null);
    CoxModel.Options options = CoxModel.Options.defaults().withTies(CoxModel.Ties.valueOf(ties));
    CoxFit fit = CoxModel.fit(d.time(), d.event(), d.x(), d.stratum(), d.weight(), options);

    String at = dataset + " " + ties + " ";
    assertEquals(FitStatus.OK, fit.status(), at + "status");
    assertTrue(fit.converged());
    assertEquals((int) r.num("n"), fit.subjects(), at + "subjects");
    assertEquals((int) r.num("events"), fit.events(), at + "events");
    assertClose(r.num("coef"), fit.logHr(), at + "coef");
    assertClose(r.num("se_model"), fit.seLogHr(), at + "se (model)");
    assertClose(r.num("se_robust"), fit.robustSe(), at + "robust se");
    assertClose(r.num("se_used"), fit.seUsed(), at + "se used");
    assertEquals(r.bool("weighted"), fit.robustSeUsed(), at + "robust used");
    assertClose(r.num("loglik0"), fit.logLikNull(), at + "loglik0");
    assertClose(r.num("loglik"), fit.logLik(), at + "loglik");
    assertClose(r.num("llr"), fit.llr(), at + "llr");
    assertEquals((int) r.num("iter"), fit.iterations(), at + "iterations");
    assertClose(r.num("hr"), fit.hr(), at + "hr");
    assertClose(r.num("ci_lb"), fit.ci95Lb(), at + "ci lb");
    assertClose(r.num("ci_ub"), fit.ci95Ub(), at + "ci ub");
    assertClose(r.num("p"), fit.p(), at + "p");
    assertClose(r.num("p_greater"), fit.pOneSidedGreater(), at + "p greater");
    assertClose(r.num("p_less"), fit.pOneSidedLess(), at + "p less");
  }
}
