package org.rwe.matching;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.TreeSet;
import org.rwe.matching.GreedyMatcher.Assignment;
import org.rwe.matching.GreedyMatcher.Subject;

/**
 * GreedyMatcher as it was before its primitive arrays (commit c000404, boxed Subjects, a TreeSet of
 * available comparators and a PriorityQueue of pairs): the reference the primitive kernel must
 * equal set for set and id for id.
 */
final class BoxedGreedyMatcher {
  private BoxedGreedyMatcher() {}

  private record Pair(double distance, int treated, int comparator) {}

  /**
   * @param maxRatio comparators per target at most; 0 means no limit
   * @param caliper maximum distance on the score's scale (exclusive, as CohortMethod); use
   *     Double.POSITIVE_INFINITY for none
   */
  static List<Assignment> match(List<Subject> subjects, int maxRatio, double caliper) {
    Subject[] s = subjects.toArray(Subject[]::new);
    Arrays.sort(
        s,
        (a, b) -> {
          int c = Double.compare(a.score(), b.score());
          return c != 0 ? c : Long.compare(a.rowId(), b.rowId());
        });
    int n = s.length;
    long[] stratum = new long[n];
    Arrays.fill(stratum, -1);
    int[] stratumSize = new int[n];
    List<Integer> strataOwner = new ArrayList<>();
    TreeSet<Integer> available = new TreeSet<>();
    int treatedCount = 0;
    for (int i = 0; i < n; i++) {
      if (s[i].treatment() == 0) {
        available.add(i);
      } else {
        treatedCount++;
      }
    }
    int comparatorCount = n - treatedCount;
    int limit = maxRatio == 0 ? Math.max(1, comparatorCount) : maxRatio;
    PriorityQueue<Pair> heap =
        new PriorityQueue<>(
            (a, b) -> {
              int c = Double.compare(a.distance(), b.distance());
              if (c != 0) {
                return c;
              }
              c = Integer.compare(a.treated(), b.treated());
              return c != 0 ? c : Integer.compare(a.comparator(), b.comparator());
            });
    for (int round = 1; round <= limit && !available.isEmpty(); round++) {
      heap.clear();
      for (int i = 0; i < n; i++) {
        if (s[i].treatment() == 1 && (stratum[i] == -1 || stratumSize[(int) stratum[i]] < round)) {
          // Both neighbours start in the heap, as in CohortMethod.
          Integer left = nearestLeft(s, available, i);
          Integer right = nearestRight(s, available, i);
          if (left != null) {
            heap.add(new Pair(s[i].score() - s[left].score(), i, left));
          }
          if (right != null) {
            heap.add(new Pair(s[right].score() - s[i].score(), i, right));
          }
        }
      }
      int matchedThisRound = 0;
      while (!heap.isEmpty() && !available.isEmpty()) {
        Pair p = heap.poll();
        if (!(p.distance() < caliper)) {
          break;
        }
        int t = p.treated();
        boolean needs = stratum[t] == -1 || stratumSize[(int) stratum[t]] < round;
        if (!needs) {
          continue;
        }
        if (!available.contains(p.comparator())) {
          Pair next = nearest(s, available, t);
          if (next != null) {
            heap.add(next);
          }
          continue;
        }
        if (stratum[t] == -1) {
          stratum[t] = strataOwner.size();
          strataOwner.add(t);
        }
        int id = (int) stratum[t];
        stratum[p.comparator()] = id;
        stratumSize[id]++;
        available.remove(p.comparator());
        matchedThisRound++;
      }
      if (matchedThisRound == 0) {
        break;
      }
    }
    List<Assignment> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Assignment(s[i].rowId(), stratum[i]));
    }
    return out;
  }

  private static Pair nearest(Subject[] s, TreeSet<Integer> available, int t) {
    Integer left = nearestLeft(s, available, t);
    Integer right = nearestRight(s, available, t);
    if (left == null && right == null) {
      return null;
    }
    double dl = left == null ? Double.POSITIVE_INFINITY : s[t].score() - s[left].score();
    double dr = right == null ? Double.POSITIVE_INFINITY : s[right].score() - s[t].score();
    return dl <= dr ? new Pair(dl, t, left) : new Pair(dr, t, right);
  }

  private static Integer nearestLeft(Subject[] s, TreeSet<Integer> available, int t) {
    Integer c = available.lower(t);
    while (c != null && s[c].personId() == s[t].personId()) {
      c = available.lower(c);
    }
    return c;
  }

  private static Integer nearestRight(Subject[] s, TreeSet<Integer> available, int t) {
    Integer c = available.higher(t);
    while (c != null && s[c].personId() == s[t].personId()) {
      c = available.higher(c);
    }
    return c;
  }
}
