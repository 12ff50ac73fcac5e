package org.rwe.matching;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Greedy nearest-neighbour matching as CohortMethod's {@code matchOnPs} does it: in round r = 1, 2,
 * ..., maxRatio every target that has fewer than r comparators may take one more; all candidate
 * pairs (a target and its nearest unused comparator on either side) sit in one heap and the
 * globally closest pair is matched first, as long as its distance is below the caliper. Pure and
 * deterministic: ties in distance go to the lower target then the lower comparator position, and
 * positions are given by sorting on (score, row id). A target is never matched to a comparator row
 * of the same person (a person may be in both arms).
 */
public final class GreedyMatcher {
  private GreedyMatcher() {}

  /** Input subject: its row, person, arm and matching score (e.g. logit PS). */
  public record Subject(long rowId, long personId, int treatment, double score) {}

  /** A row's matched set, or -1 when unmatched. */
  public record Assignment(long rowId, long stratumId) {}

  /**
   * @param maxRatio comparators per target at most; 0 means no limit
   * @param caliper maximum distance on the score's scale (exclusive, as CohortMethod); use
   *     Double.POSITIVE_INFINITY for none
   * @return each subject's set, in the input order
   */
  public static List<Assignment> match(List<Subject> subjects, int maxRatio, double caliper) {
    int n = subjects.size();
    long[] rowId = new long[n];
    long[] personId = new long[n];
    int[] treatment = new int[n];
    double[] score = new double[n];
    for (int i = 0; i < n; i++) {
      Subject x = subjects.get(i);
      rowId[i] = x.rowId();
      personId[i] = x.personId();
      treatment[i] = x.treatment();
      score[i] = x.score();
    }
    long[] stratum = match(rowId, personId, treatment, score, 0, n, maxRatio, caliper);
    List<Assignment> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Assignment(rowId[i], stratum[i]));
    }
    return out;
  }

  /**
   * The same on primitive arrays (no object per subject): subjects {@code from} (inclusive) to
   * {@code to} (exclusive) of the arrays, treatment 1 for a target and 0 for a comparator. Working
   * memory: about 80 bytes a subject (the order, the sorted score, person and arm, the available
   * comparators' links, the sets and at most two heap entries a target).
   *
   * @return the set of subject from + i at index i (-1 when unmatched); sets are numbered from 0 in
   *     the order they are formed
   */
  public static long[] match(
      long[] rowId,
      long[] personId,
      int[] treatment,
      double[] score,
      int from,
      int to,
      int maxRatio,
      double caliper) {
    int n = to - from;
    // Positions by (score, row id), as a stable sort of the subjects.
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = from + i;
    }
    sort(order, score, rowId);
    double[] sc = new double[n];
    long[] person = new long[n];
    boolean[] treated = new boolean[n];
    for (int i = 0; i < n; i++) {
      sc[i] = score[order[i]];
      person[i] = personId[order[i]];
      treated[i] = treatment[order[i]] == 1;
    }
    int[] stratum = new int[n];
    Arrays.fill(stratum, -1);
    int[] stratumSize = new int[n];
    int strata = 0;
    Available available = new Available(n);
    int treatedCount = 0;
    for (int i = 0; i < n; i++) {
      if (treated[i]) {
        available.remove(i);
        treatedCount++;
      }
    }
    int comparatorCount = n - treatedCount;
    int limit = maxRatio == 0 ? Math.max(1, comparatorCount) : maxRatio;
    Heap heap = new Heap();
    for (int round = 1; round <= limit && !available.isEmpty(); round++) {
      heap.clear();
      for (int i = 0; i < n; i++) {
        if (treated[i] && (stratum[i] == -1 || stratumSize[stratum[i]] < round)) {
          // Both neighbours start in the heap, as in CohortMethod.
          int left = nearestLeft(person, available, i);
          int right = nearestRight(person, available, i);
          if (left >= 0) {
            heap.add(sc[i] - sc[left], i, left);
          }
          if (right >= 0) {
            heap.add(sc[right] - sc[i], i, right);
          }
        }
      }
      int matchedThisRound = 0;
      while (!heap.isEmpty() && !available.isEmpty()) {
        double distance = heap.distance[0];
        int t = heap.treated[0];
        int comparator = heap.comparator[0];
        heap.poll();
        if (!(distance < caliper)) {
          break;
        }
        boolean needs = stratum[t] == -1 || stratumSize[stratum[t]] < round;
        if (!needs) {
          continue;
        }
        if (!available.contains(comparator)) {
          int left = nearestLeft(person, available, t);
          int right = nearestRight(person, available, t);
          if (left >= 0 || right >= 0) {
            double dl = left < 0 ? Double.POSITIVE_INFINITY : sc[t] - sc[left];
            double dr = right < 0 ? Double.POSITIVE_INFINITY : sc[right] - sc[t];
            if (dl <= dr) {
              heap.add(dl, t, left);
            } else {
              heap.add(dr, t, right);
            }
          }
          continue;
        }
        if (stratum[t] == -1) {
          stratum[t] = strata++;
        }
        int id = stratum[t];
        stratum[comparator] = id;
        stratumSize[id]++;
        available.remove(comparator);
        matchedThisRound++;
      }
      if (matchedThisRound == 0) {
        break;
      }
    }
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[order[i] - from] = stratum[i];
    }
    return out;
  }

  /** The nearest available comparator below position t of another person, or -1. */
  private static int nearestLeft(long[] person, Available available, int t) {
    int c = available.lower(t);
    while (c >= 0 && person[c] == person[t]) {
      c = available.lower(c);
    }
    return c;
  }

  /** The nearest available comparator above position t of another person, or -1. */
  private static int nearestRight(long[] person, Available available, int t) {
    int c = available.higher(t);
    while (c >= 0 && person[c] == person[t]) {
      c = available.higher(c);
    }
    return c;
  }

  /**
   * The available positions 0..n-1 with removal and the next lower and higher available position,
   * as a TreeSet of positions would give them: two union-find arrays (each removed position links
   * to its neighbour; path halving), near-constant time a query.
   */
  private static final class Available {
    // up[p]: p itself when available, else towards p + 1; up[n] is the end sentinel.
    private final int[] up;
    // down[p + 1]: p itself when available, else towards p - 1; down[0] is the start sentinel.
    private final int[] down;
    private final boolean[] in;
    private int size;

    Available(int n) {
      up = new int[n + 1];
      down = new int[n + 1];
      in = new boolean[n];
      for (int p = 0; p <= n; p++) {
        up[p] = p;
        down[p] = p;
      }
      Arrays.fill(in, true);
      size = n;
    }

    boolean isEmpty() {
      return size == 0;
    }

    boolean contains(int p) {
      return in[p];
    }

    void remove(int p) {
      if (in[p]) {
        in[p] = false;
        size--;
        up[p] = p + 1;
        down[p + 1] = p;
      }
    }

    /** The least available position above p, or -1. */
    int higher(int p) {
      int r = p + 1;
      while (up[r] != r) {
        up[r] = up[up[r]];
        r = up[r];
      }
      return r == in.length ? -1 : r;
    }

    /** The greatest available position below p, or -1. */
    int lower(int p) {
      int r = p; // down index of position p - 1
      while (down[r] != r) {
        down[r] = down[down[r]];
        r = down[r];
      }
      return r - 1;
    }
  }

  /**
   * A binary min-heap of candidate pairs ordered by (distance, target position, comparator
   * position): Double.compare on the distance, as the former PriorityQueue's comparator, so it pops
   * the same pairs in the same order (equal entries are the same pair).
   */
  private static final class Heap {
    double[] distance = new double[64];
    int[] treated = new int[64];
    int[] comparator = new int[64];
    private int size;

    boolean isEmpty() {
      return size == 0;
    }

    void clear() {
      size = 0;
    }

    void add(double d, int t, int c) {
      if (size == distance.length) {
        int grown = Math.addExact(size, size >> 1);
        distance = Arrays.copyOf(distance, grown);
        treated = Arrays.copyOf(treated, grown);
        comparator = Arrays.copyOf(comparator, grown);
      }
      int i = size++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (compare(d, t, c, parent) >= 0) {
          break;
        }
        set(i, parent);
        i = parent;
      }
      distance[i] = d;
      treated[i] = t;
      comparator[i] = c;
    }

    /** Removes the least entry (read it at index 0 first). */
    void poll() {
      int last = --size;
      if (last == 0) {
        return;
      }
      double d = distance[last];
      int t = treated[last];
      int c = comparator[last];
      int i = 0;
      int half = last >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        int right = child + 1;
        if (right < last && compareAt(right, child) < 0) {
          child = right;
        }
        if (compare(d, t, c, child) <= 0) {
          break;
        }
        set(i, child);
        i = child;
      }
      distance[i] = d;
      treated[i] = t;
      comparator[i] = c;
    }

    private void set(int to, int from) {
      distance[to] = distance[from];
      treated[to] = treated[from];
      comparator[to] = comparator[from];
    }

    private int compare(double d, int t, int c, int j) {
      int r = Double.compare(d, distance[j]);
      if (r != 0) {
        return r;
      }
      r = Integer.compare(t, treated[j]);
      return r != 0 ? r : Integer.compare(c, comparator[j]);
    }

    private int compareAt(int i, int j) {
      return compare(distance[i], treated[i], comparator[i], j);
    }
  }

  /** Sorts the subject indexes by (score, row id), stably (a merge sort on primitive arrays). */
  private static void sort(int[] order, double[] score, long[] rowId) {
    int n = order.length;
    int[] buffer = new int[n];
    int[] a = order;
    int[] b = buffer;
    for (int width = 1; width < n; width *= 2) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + 2 * width, n);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          int x = a[i];
          int y = a[j];
          int c = Double.compare(score[y], score[x]);
          if (c == 0) {
            c = Long.compare(rowId[y], rowId[x]);
          }
          // Take from the right run only when strictly smaller: stable.
          b[k++] = c < 0 ? a[j++] : a[i++];
        }
        while (i < mid) {
          b[k++] = a[i++];
        }
        while (j < hi) {
          b[k++] = a[j++];
        }
      }
      int[] swap = a;
      a = b;
      b = swap;
    }
    if (a != order) {
      System.arraycopy(a, 0, order, 0, n);
    }
  }

  /**
   * The caliper on the matching scale, as CohortMethod computes it from the population: none when
   * the caliper is 0 or every PS is the same; on the standardized logit scale, times the sd of the
   * finite logits (a PS of exactly 0 or 1 has none).
   */
  public static double caliperOnScale(double caliper, String scale, double[] ps) {
    if (caliper <= 0 || Arrays.stream(ps).distinct().count() < 2) {
      return Double.POSITIVE_INFINITY;
    }
    return switch (scale) {
      case "propensity score" -> caliper;
      case "standardized" -> caliper * sd(ps);
      default -> {
        double[] logit =
            Arrays.stream(ps).map(GreedyMatcher::logit).filter(Double::isFinite).toArray();
        yield caliper * sd(logit);
      }
    };
  }

  /**
   * The score matched on: logit(PS) for the standardized logit scale when there is a caliper, else
   * the PS itself (CohortMethod's matchOnPs matches on the PS when it has no caliper).
   */
  public static double score(double ps, String scale, double caliper) {
    return scale.equals("standardized logit") && Double.isFinite(caliper) ? logit(ps) : ps;
  }

  static double logit(double p) {
    return Math.log(p / (1 - p));
  }

  /** Sample standard deviation (n - 1), as R's sd(). */
  static double sd(double[] v) {
    if (v.length < 2) {
      return 0;
    }
    double mean = Arrays.stream(v).average().orElse(0);
    double ss = 0;
    for (double x : v) {
      ss += (x - mean) * (x - mean);
    }
    return Math.sqrt(ss / (v.length - 1));
  }
}
