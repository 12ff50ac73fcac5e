package org.rwe.matching;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.rwe.matching.GreedyMatcher.Subject;

/** Hand-worked matching cases, as CohortMethod's own tests of matchOnPs. */
class GreedyMatcherTest {
  static Subject t(long row, double score) {
    return new Subject(row, row, 1, score);
  }

  static Subject c(long row, double score) {
    return new Subject(row, row, 0, score);
  }

  static Map<Long, Long> strata(List<Subject> s, int maxRatio, double caliper) {
    Map<Long, Long> out = new TreeMap<>();
    for (GreedyMatcher.Assignment a : GreedyMatcher.match(s, maxRatio, caliper)) {
      out.put(a.rowId(), a.stratumId());
    }
    return out;
  }

  @Test
  void closestPairsFirst() {
    Map<Long, Long> m =
        strata(List.of(t(1, 0.10), t(2, 0.50), c(3, 0.12), c(4, 0.45), c(5, 0.90)), 1, 1);
    assertEquals(m.get(1L), m.get(3L));
    assertEquals(m.get(2L), m.get(4L));
    assertEquals(-1L, m.get(5L));
    assertEquals(2, m.values().stream().filter(v -> v >= 0).distinct().count());
  }

  @Test
  void greedyTieGoesToTheLowerTargetAndTheCaliperIsExclusive() {
    // Both targets are 0.01 from comparator 3; the lower target takes it. Target 2 is left with
    // comparator 4 at 0.08: matched under caliper 0.1, not under 0.08 (exclusive) or 0.05.
    List<Subject> s = List.of(t(1, 0.50), t(2, 0.52), c(3, 0.51), c(4, 0.60));
    Map<Long, Long> wide = strata(s, 1, 0.1);
    assertEquals(wide.get(1L), wide.get(3L));
    assertEquals(wide.get(2L), wide.get(4L));
    Map<Long, Long> exact = strata(s, 1, 0.08 + 1e-15);
    assertEquals(exact.get(2L), exact.get(4L));
    Map<Long, Long> narrow = strata(s, 1, 0.05);
    assertEquals(-1L, narrow.get(2L));
    assertEquals(-1L, narrow.get(4L));
  }

  @Test
  void variableRatioTakesTheNextNearestInLaterRounds() {
    List<Subject> s =
        List.of(t(1, 0.30), c(2, 0.29), c(3, 0.32), c(4, 0.50), t(5, 0.80), c(6, 0.81));
    Map<Long, Long> one = strata(s, 1, 1);
    assertEquals(one.get(1L), one.get(2L));
    assertEquals(-1L, one.get(3L));
    Map<Long, Long> two = strata(s, 2, 1);
    assertEquals(two.get(1L), two.get(2L));
    assertEquals(two.get(1L), two.get(3L));
    assertEquals(two.get(5L), two.get(6L));
    // Round 2: target 5's next nearest unused comparator is 4 (0.30 away).
    assertEquals(two.get(5L), two.get(4L));
    Map<Long, Long> unlimited = strata(s, 0, 0.25);
    assertEquals(unlimited.get(1L), unlimited.get(4L), "0.20 from target 1, within 0.25");
  }

  @Test
  void aPersonIsNeverMatchedToItself() {
    List<Subject> s =
        List.of(
            new Subject(71, 7, 1, 0.40), new Subject(70, 7, 0, 0.40), new Subject(80, 8, 0, 0.45));
    Map<Long, Long> m = strata(s, 1, 1);
    assertEquals(m.get(71L), m.get(80L));
    assertEquals(-1L, m.get(70L));
  }

  @Test
  void sameResultWhateverTheInputOrder() {
    Random rnd = new Random(11);
    List<Subject> s = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      // Coarse scores force many ties, resolved by row id.
      s.add(
          new Subject(
              i, i, rnd.nextDouble() < 0.3 ? 1 : 0, Math.round(rnd.nextGaussian() * 20) / 20.0));
    }
    Map<Long, Long> expected = strata(s, 3, 0.1);
    for (int k = 0; k < 5; k++) {
      List<Subject> shuffled = new ArrayList<>(s);
      Collections.shuffle(shuffled, new Random(k));
      assertEquals(expected, strata(shuffled, 3, 0.1));
    }
  }

  /**
   * The primitive kernel equals the former boxed one (BoxedGreedyMatcher) set for set and id for
   * id: coarse scores (ties), persons in both arms, either arm the larger, ratios 1, 4 and no
   * limit, a caliper and none.
   */
  @Test
  void primitiveKernelEqualsTheFormerBoxedOne() {
    Random rnd = new Random(5);
    int cases = 0;
    for (int trial = 0; trial < 60; trial++) {
      int n = 1 + rnd.nextInt(trial < 50 ? 60 : 3000);
      double share = rnd.nextDouble();
      double grain = rnd.nextBoolean() ? 20 : 1e6;
      List<Long> rowIds = new ArrayList<>();
      for (long r = 0; r < n; r++) {
        rowIds.add(r * 7);
      }
      Collections.shuffle(rowIds, rnd);
      List<Subject> s = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        // About a third of the rows share their person with the row before.
        long person = i > 0 && rnd.nextInt(3) == 0 ? s.get(i - 1).personId() : 1000 + i;
        s.add(
            new Subject(
                rowIds.get(i),
                person,
                rnd.nextDouble() < share ? 1 : 0,
                Math.round(rnd.nextGaussian() * grain) / grain));
      }
      for (int maxRatio : new int[] {1, 4, 0}) {
        for (double caliper : new double[] {0.05, Double.POSITIVE_INFINITY}) {
          Map<Long, Long> expected = new TreeMap<>();
          for (GreedyMatcher.Assignment a : BoxedGreedyMatcher.match(s, maxRatio, caliper)) {
            expected.put(a.rowId(), a.stratumId());
          }
          Map<Long, Long> actual = new TreeMap<>();
          for (GreedyMatcher.Assignment a : GreedyMatcher.match(s, maxRatio, caliper)) {
            actual.put(a.rowId(), a.stratumId());
          }
          assertEquals(expected, actual, "trial " + trial + ", maxRatio " + maxRatio);
          cases++;
        }
      }
    }
    assertEquals(360, cases);
  }

  @Test
  void caliperOnTheStandardizedLogitScale() {
    double[] ps = {0.1, 0.2, 0.3, 0.4};
    double[] logit = {
      Math.log(0.1 / 0.9), Math.log(0.25), Math.log(0.3 / 0.7), Math.log(0.4 / 0.6)
    };
    double mean = (logit[0] + logit[1] + logit[2] + logit[3]) / 4;
    double ss = 0;
    for (double l : logit) {
      ss += (l - mean) * (l - mean);
    }
    double sd = Math.sqrt(ss / 3);
    assertEquals(0.2 * sd, GreedyMatcher.caliperOnScale(0.2, "standardized logit", ps), 1e-12);
    assertEquals(0.05, GreedyMatcher.caliperOnScale(0.05, "propensity score", ps), 0);
    assertEquals(
        Double.POSITIVE_INFINITY, GreedyMatcher.caliperOnScale(0, "standardized logit", ps));
  }

  // CohortMethod's own matchOnPs tests (tests/testthat/test-psFunctions.R), caliper 0 (none):
  // the stratum ids of the matched rows in row order, as matchOnPs returns them.

  /** Matched rows' stratum ids in row order; rows are 1..n with the given arms and scores. */
  static List<Long> cohortMethodCase(int[] treatment, double[] ps, int maxRatio) {
    List<Subject> s = new ArrayList<>();
    for (int i = 0; i < ps.length; i++) {
      s.add(new Subject(i + 1, i + 1, treatment[i], ps[i]));
    }
    return strata(s, maxRatio, Double.POSITIVE_INFINITY).values().stream()
        .filter(v -> v >= 0)
        .toList();
  }

  @Test
  void cohortMethodSimpleOneOnOne() {
    assertEquals(
        List.of(0L, 0L, 1L, 1L),
        cohortMethodCase(new int[] {1, 0, 1, 0, 1}, new double[] {0, 0.1, 0.3, 0.4, 1}, 1));
  }

  @Test
  void cohortMethodSimpleOneOnN() {
    assertEquals(
        List.of(0L, 0L, 0L, 1L, 1L, 1L),
        cohortMethodCase(
            new int[] {0, 1, 0, 0, 1, 0}, new double[] {0, 0.1, 0.12, 0.85, 0.9, 1}, 100));
  }

  @Test
  void cohortMethodOneOnNWithMoreTargetsThanComparators() {
    // PS rowId / 5: 1.0 - 0.8 is 0.19999999999999996 in double, below 0.4 - 0.2 = 0.2, so the
    // pair (4, 5) is the closest and gets stratum 0; target 3 is left without a comparator.
    assertEquals(
        List.of(1L, 1L, 0L, 0L),
        cohortMethodCase(
            new int[] {0, 1, 1, 1, 0}, new double[] {1 / 5.0, 2 / 5.0, 3 / 5.0, 4 / 5.0, 1}, 100));
  }

  @Test
  void cohortMethodOneOnNUsesEveryComparator() {
    assertEquals(
        List.of(1L, 0L, 0L, 0L, 0L, 1L, 1L, 1L),
        cohortMethodCase(
            new int[] {0, 1, 0, 0, 0, 0, 1, 0},
            new double[] {0, 0.1, 0.11, 0.12, 0.13, 0.85, 0.9, 1},
            100));
  }

  @Test
  void cohortMethodMediumOneOnN() {
    int n = 10_000;
    int[] treatment = new int[n];
    double[] ps = new double[n];
    for (int i = 0; i < n; i++) {
      treatment[i] = i % 2;
      ps[i] = (i + 1) / 10_000.0;
    }
    List<Long> strata = cohortMethodCase(treatment, ps, 100);
    assertEquals(4999L, strata.stream().mapToLong(Long::longValue).max().orElse(-1));
    assertEquals(n, strata.size());
  }
}
