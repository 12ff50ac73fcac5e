package org.rwe.outcomes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mean differences against R (golden/continuous_golden.R: t.test paired; lm + HC0), to 1e-9. */
class ContinuousOutcomesTest {
  static List<String[]> csv(String name) throws IOException {
    try (InputStream in = ContinuousOutcomesTest.class.getResourceAsStream("/golden/" + name)) {
      List<String[]> rows = new ArrayList<>();
      String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
      for (int i = 1; i < lines.length; i++) {
        if (!lines[i].isBlank()) {
          rows.add(lines[i].replace("\"", "").split(","));
        }
      }
      return rows;
    }
  }

  static void check(String[] golden, ContinuousOutcomes.Result r) {
    assertEquals(Double.parseDouble(golden[1].trim()), r.meanDifference(), 1e-9);
    assertEquals(Double.parseDouble(golden[2].trim()), r.ci95Lb(), 1e-9);
    assertEquals(Double.parseDouble(golden[3].trim()), r.ci95Ub(), 1e-9);
    assertEquals(Double.parseDouble(golden[4].trim()), r.p(), 1e-9);
  }

  @Test
  void pairedAndWeightedEqualR() throws IOException {
    List<String[]> golden = csv("continuous_golden.csv");
    List<ContinuousOutcomes.Subject> pairs = new ArrayList<>();
    for (String[] r : csv("continuous_pairs.csv")) {
      long stratum = Long.parseLong(r[0]);
      pairs.add(new ContinuousOutcomes.Subject(1, stratum, 1, Double.parseDouble(r[1])));
      pairs.add(new ContinuousOutcomes.Subject(0, stratum, 1, Double.parseDouble(r[2])));
    }
    // A pair with one member missing its value does not count.
    pairs.add(new ContinuousOutcomes.Subject(1, 999L, 1, 100));
    ContinuousOutcomes.Result paired = ContinuousOutcomes.paired(pairs);
    assertEquals(40, paired.targetSubjects());
    check(golden.get(0), paired);

    List<ContinuousOutcomes.Subject> weighted = new ArrayList<>();
    for (String[] r : csv("continuous_weighted.csv")) {
      weighted.add(
          new ContinuousOutcomes.Subject(
              (int) Double.parseDouble(r[0]),
              null,
              Double.parseDouble(r[1]),
              Double.parseDouble(r[2])));
    }
    check(golden.get(1), ContinuousOutcomes.weighted(weighted));
  }
}
