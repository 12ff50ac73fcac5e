package org.rwe.stats;

import java.util.Arrays;

/**
 * Primitive, allocation-light ordering helpers shared by the survival models.
 *
 * <p>The Cox fit has to order up to millions of rows by (stratum, time). A comparator sort over
 * boxed indices is several times slower and allocates per row, so we instead turn both keys into
 * dense integer ranks (one primitive {@code Arrays.sort} plus a binary search per row, O(n log n))
 * and then apply two stable counting sorts (O(n) each): first by time, then by stratum.
 */
final class Sorting {

  private Sorting() {}

  /**
   * Dense 0-based ranks: equal values share a rank and ranks follow the natural order. The number
   * of distinct values is {@code max(rank) + 1}.
   */
  static int[] denseRanks(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int distinct = compactSorted(sorted);
    int[] ranks = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      ranks[i] = Arrays.binarySearch(sorted, 0, distinct, values[i]);
    }
    return ranks;
  }

  /** As {@link #denseRanks(double[])}, for long ids (strata). */
  static int[] denseRanks(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int distinct = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (i == 0 || sorted[i] != sorted[distinct - 1]) {
        sorted[distinct++] = sorted[i];
      }
    }
    int[] ranks = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      ranks[i] = Arrays.binarySearch(sorted, 0, distinct, values[i]);
    }
    return ranks;
  }

  /** Removes duplicates from a sorted array in place; returns the number of distinct values. */
  static int compactSorted(double[] sorted) {
    int distinct = 0;
    for (int i = 0; i < sorted.length; i++) {
      // Compare with == (not Double.compare) so that the caller's -0.0/0.0 handling is the same
      // as everywhere else; callers normalise -0.0 away before ranking.
      if (i == 0 || sorted[i] != sorted[distinct - 1]) {
        sorted[distinct++] = sorted[i];
      }
    }
    return distinct;
  }

  /**
   * Stable counting sort of {@code order} (a permutation of row indices) by {@code key[row]}, where
   * keys lie in {@code [0, max(key)]}.
   */
  static int[] stableSortBy(int[] order, int[] key) {
    int k = 0;
    for (int v : key) {
      k = Math.max(k, v + 1);
    }
    int[] start = new int[k + 1];
    for (int v : key) {
      start[v + 1]++;
    }
    for (int i = 0; i < k; i++) {
      start[i + 1] += start[i];
    }
    int[] out = new int[order.length];
    for (int row : order) {
      out[start[key[row]]++] = row;
    }
    return out;
  }

  /** Row indices ordered by ascending time (ties keep input order). */
  static int[] orderByTime(double[] time) {
    int[] identity = new int[time.length];
    for (int i = 0; i < identity.length; i++) {
      identity[i] = i;
    }
    return stableSortBy(identity, denseRanks(time));
  }

  /**
   * Row indices grouped by stratum (in ascending id order) and by ascending time within a stratum.
   * A null {@code stratum} means a single stratum.
   */
  static int[] orderByStratumThenTime(double[] time, long[] stratum) {
    int[] byTime = orderByTime(time);
    return stratum == null ? byTime : stableSortBy(byTime, denseRanks(stratum));
  }
}
