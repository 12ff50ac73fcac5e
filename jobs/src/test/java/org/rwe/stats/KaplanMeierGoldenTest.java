package org.rwe.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * KaplanMeier against {@code survival::survfit} and {@code summary(fit, times, extend = TRUE)}
 * (goldens from {@code golden/cox_km_golden.R}); 1e-6 relative (see {@link Golden}).
 */
class KaplanMeierGoldenTest {

  private static Map<String, List<Golden.Row>> byCurve(String file) {
    Map<String, List<Golden.Row>> m = new LinkedHashMap<>();
    for (Golden.Row r : Golden.read(file)) {
      m.computeIfAbsent(r.str("curve"), k -> new ArrayList<>()).add(r);
    }
    return m;
  }

  static Stream<Arguments> curves() {
    Map<String, List<Golden.Row>> horizons = byCurve("km_horizon_golden.csv");
    return byCurve("km_golden.csv").entrySet().stream()
        .map(e -> Arguments.of(e.getKey(), e.getValue(), horizons.get(e.getKey())));
  }

  /** Rebuilds the arm that the R script fitted. */
  private static KaplanMeier fitLikeR(Golden.Row spec) {
    String data = spec.str("data");
    Golden.DataSet d = Golden.dataSet(data);
    double arm = spec.num("arm");
    double[] weight = d.weight();
    if (data.equals("all_events") && spec.bool("weighted")) {
      weight =
          Golden.read("data_all_events_weights.csv").stream()
              .mapToDouble(r -> r.num("weight"))
              .toArray();
    }
    List<Integer> keep = new ArrayList<>();
    for (int i = 0; i < d.time().length; i++) {
      if (Double.isNaN(arm) || d.x()[i] == arm) {
        keep.add(i);
      }
    }
    double[] time = keep.stream().mapToDouble(i -> d.time()[i]).toArray();
    int[] event = keep.stream().mapToInt(i -> d.event()[i]).toArray();
    double[] w = null;
    if (spec.bool("weighted")) {
      double[] all = weight;
      w = keep.stream().mapToDouble(i -> all[i]).toArray();
    }
    return KaplanMeier.fit(time, event, w, KaplanMeier.Variance.valueOf(spec.str("variance")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("curves")
  void matchesSurvfit(String curve, List<Golden.Row> expected, List<Golden.Row> horizons) {
    KaplanMeier km = fitLikeR(expected.get(0));
    List<KaplanMeier.Row> rows = km.rows();
    assertEquals(expected.size(), rows.size(), curve + ": number of rows");
    for (int i = 0; i < rows.size(); i++) {
      Golden.Row e = expected.get(i);
      KaplanMeier.Row a = rows.get(i);
      String at = curve + " row " + i + " ";
      assertClose(e.num("time"), a.time(), at + "time");
      assertClose(e.num("n_risk"), a.nAtRisk(), at + "n.risk");
      assertClose(e.num("n_event"), a.nEvents(), at + "n.event");
      assertClose(e.num("n_censor"), a.nCensored(), at + "n.censor");
      assertClose(e.num("surv"), a.survival(), at + "surv");
      assertClose(e.num("se"), a.se(), at + "se");
      assertClose(e.num("lower"), a.lower95(), at + "lower");
      assertClose(e.num("upper"), a.upper95(), at + "upper");
    }
    for (Golden.Row h : horizons) {
      double horizon = h.num("horizon");
      KaplanMeier.Estimate a = km.at(horizon);
      String at = curve + " at " + horizon + " ";
      assertClose(h.num("surv"), a.survival(), at + "surv");
      assertClose(h.num("se"), a.se(), at + "se");
      assertClose(h.num("lower"), a.lower95(), at + "lower");
      assertClose(h.num("upper"), a.upper95(), at + "upper");
    }
  }
}
