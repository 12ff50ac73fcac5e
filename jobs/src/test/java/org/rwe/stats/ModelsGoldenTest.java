package org.rwe.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rwe.stats.Golden.assertClose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Cox model with several covariates, the Poisson and the logistic models against R (goldens
 * from {@code golden/models_golden.R}: coxph with strata, weights and both tie methods; glm with
 * offsets, weights and HC0 sandwich; conditional Poisson through its equivalence with stratum
 * intercepts; clogit exact). Every coefficient, both standard errors, log-likelihoods and the Wald
 * summaries, to 1e-6 relative (see {@link Golden}); the Cox iteration counts as well.
 */
class ModelsGoldenTest {

  /** A data set of models_golden.R. */
  record Data(
      double[] time,
      int[] event,
      double[] days,
      long[] count,
      double[] x,
      double[] g,
      double[] z,
      long[] stratum,
      double[] weight) {

    static Data read(String name) {
      List<Golden.Row> rows = Golden.read("models_data_" + name + ".csv");
      int n = rows.size();
      Data d =
          new Data(
              new double[n],
              new int[n],
              new double[n],
              new long[n],
              new double[n],
              new double[n],
              new double[n],
              new long[n],
              new double[n]);
      boolean stratified = false;
      boolean weighted = false;
      for (int i = 0; i < n; i++) {
        Golden.Row r = rows.get(i);
        d.time[i] = r.num("time");
        d.event[i] = (int) r.num("event");
        d.days[i] = r.num("days");
        d.count[i] = (long) r.num("count");
        d.x[i] = r.num("x");
        d.g[i] = r.num("g");
        d.z[i] = r.num("z");
        if (!r.str("stratum").equals("NA")) {
          stratified = true;
          d.stratum[i] = (long) r.num("stratum");
        }
        if (!r.str("weight").equals("NA")) {
          weighted = true;
          d.weight[i] = r.num("weight");
        }
      }
      return new Data(
          d.time,
          d.event,
          d.days,
          d.count,
          d.x,
          d.g,
          d.z,
          stratified ? d.stratum : null,
          weighted ? d.weight : null);
    }

    /** The covariates of R's right-hand side: x; x * g (x, g, x:g); x + z. */
    double[][] covariates(String terms) {
      return switch (terms) {
        case "x" -> new double[][] {x};
        case "interaction" -> {
          double[] xg = new double[x.length];
          for (int i = 0; i < x.length; i++) {
            xg[i] = x[i] * g[i];
          }
          yield new double[][] {x, g, xg};
        }
        case "continuous" -> new double[][] {x, z};
        default -> throw new IllegalArgumentException(terms);
      };
    }
  }

  static Stream<Arguments> cases() {
    Map<String, List<Golden.Row>> byCase = new LinkedHashMap<>();
    for (Golden.Row r : Golden.read("models_golden.csv")) {
      String key =
          r.str("model") + " " + r.str("dataset") + " " + r.str("ties") + " " + r.str("terms");
      byCase.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
    }
    return byCase.entrySet().stream().map(e -> Arguments.of(e.getKey().trim(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesR(String name, List<Golden.Row> terms) {
    Golden.Row first = terms.get(0);
    Data d = Data.read(first.str("dataset"));
    assertEquals(first.bool("stratified"), d.stratum() != null, name + " stratified");
    assertEquals(first.bool("weighted"), d.weight() != null, name + " weighted");
    double[][] x = d.covariates(first.str("terms"));
    RegressionFit fit =
        switch (first.str("model")) {
          case "cox" ->
              CoxModel.fit(
                  d.time(),
                  d.event(),
                  x,
                  d.stratum(),
                  d.weight(),
                  CoxModel.Options.defaults().withTies(CoxModel.Ties.valueOf(first.str("ties"))));
          case "poisson" ->
              PoissonModel.fit(
                  d.count(), d.days(), x, d.stratum(), d.weight(), GlmOptions.defaults());
          case "logistic" ->
              LogisticModel.fit(d.event(), x, d.stratum(), d.weight(), GlmOptions.defaults());
          default -> throw new IllegalArgumentException(first.str("model"));
        };
    assertEquals(FitStatus.OK, fit.status(), name + " status");
    assertTrue(fit.converged(), name + " converged");
    assertEquals(terms.size(), fit.coefficients().length, name + " coefficients");
    assertEquals((int) first.num("n"), fit.subjects(), name + " subjects");
    assertEquals((long) first.num("events"), fit.events(), name + " events");
    assertEquals(first.bool("weighted"), fit.robustSeUsed(), name + " robust used");
    assertClose(first.num("loglik0"), fit.logLikNull(), name + " loglik0");
    assertClose(first.num("loglik"), fit.logLik(), name + " loglik");
    assertClose(first.num("llr"), fit.llr(), name + " llr");
    if (first.str("model").equals("cox")) {
      assertEquals((int) first.num("iter"), fit.iterations(), name + " iterations");
    }
    for (int j = 0; j < terms.size(); j++) {
      Golden.Row r = terms.get(j);
      String at = name + " " + r.str("term") + " ";
      Effect e = fit.effect(j);
      assertClose(r.num("coef"), fit.coefficients()[j], at + "coef");
      assertClose(r.num("se_model"), fit.se(j), at + "se (model)");
      assertClose(r.num("se_robust"), fit.robustSe(j), at + "se (robust)");
      assertClose(r.num("se_used"), e.seLogRr(), at + "se used");
      assertClose(r.num("rr"), e.rr(), at + "rr");
      assertClose(r.num("ci_lb"), e.ci95Lb(), at + "ci lb");
      assertClose(r.num("ci_ub"), e.ci95Ub(), at + "ci ub");
      assertClose(r.num("p"), e.p(), at + "p");
    }
  }
}
