package org.rwe.stats;

/**
 * Up-front check that a likelihood with several covariates has a finite, unique maximum, for the
 * designs the pipeline fits: covariates whose rows take at most p + 1 distinct values ("patterns"),
 * e.g. treatment, a subgroup indicator and their product (4 patterns, p = 3).
 *
 * <p>Why it works: when the p + 1 patterns are affinely independent, the differences of the linear
 * predictor between patterns, v_a - v_b = beta . (z_a - z_b), can take any values (any assignment
 * of one number per pattern, up to a constant). The likelihoods here (Cox partial, conditional
 * logistic, conditional Poisson) never decrease along a direction iff, for every event and every
 * subject it is compared with (its risk set, or the controls of its stratum), the event's pattern
 * has the larger value. Record each such comparison as an edge "a >= b" between patterns: a
 * non-constant assignment obeying every edge exists iff the graph is not strongly connected. So: no
 * edge at all means the likelihood is flat; a graph that is not strongly connected means the MLE is
 * infinite (or a coefficient is not identified); strongly connected means it is finite.
 *
 * <p>With more distinct rows than p + 1 (continuous covariates) the check does not apply and the
 * caller relies on Newton-Raphson and the information matrix instead.
 */
final class Patterns {
  /** Bitmasks hold the edges, so at most 63 patterns (p &lt;= 62) are tracked. */
  private static final int MAX_PATTERNS = 63;

  private final int p;
  private final double[][] values;
  private final int[] patternOf;
  private final int count;
  private final boolean simplex;
  private final boolean collinear;
  private final long[] edges;

  private Patterns(double[][] x, double[] weight) {
    p = x.length;
    int n = p == 0 ? 0 : x[0].length;
    int limit = Math.min(p + 1, MAX_PATTERNS);
    values = new double[limit][];
    patternOf = new int[n];
    int k = 0;
    boolean tooMany = false;
    for (int i = 0; i < n; i++) {
      if (weight != null && weight[i] == 0) {
        patternOf[i] = -1;
        continue;
      }
      int found = -1;
      for (int a = 0; a < k && found < 0; a++) {
        boolean same = true;
        for (int j = 0; j < p && same; j++) {
          same = values[a][j] == x[j][i];
        }
        if (same) {
          found = a;
        }
      }
      if (found < 0) {
        if (k == limit) {
          tooMany = true;
          break;
        }
        values[k] = new double[p];
        for (int j = 0; j < p; j++) {
          values[k][j] = x[j][i];
        }
        found = k++;
      }
      patternOf[i] = found;
    }
    count = k;
    // Fewer than p + 1 affinely independent patterns cannot identify p slopes.
    collinear = !tooMany && rankOfDifferences() < p;
    simplex = !tooMany && !collinear && count == p + 1;
    edges = new long[limit];
  }

  /**
   * The patterns of the rows of {@code x} (given as p columns) with a positive weight ({@code
   * weight} null: all rows).
   */
  static Patterns of(double[][] x, double[] weight) {
    return new Patterns(x, weight);
  }

  /** True when the rows take exactly p + 1 affinely independent values: the check applies. */
  boolean simplex() {
    return simplex;
  }

  /** True when the rows span fewer than p dimensions: some coefficient is not identified. */
  boolean collinear() {
    return collinear;
  }

  int count() {
    return count;
  }

  /** Pattern of row i (only meaningful when {@link #simplex()}); -1 for rows with weight 0. */
  int of(int row) {
    return patternOf[row];
  }

  /** Bit of pattern a, for building masks of the patterns in a risk set. */
  static long bit(int a) {
    return 1L << a;
  }

  /** Records that an event of pattern a was compared with subjects of the patterns in mask. */
  void edges(int a, long mask) {
    edges[a] |= mask & ~bit(a);
  }

  boolean anyEdge() {
    for (long e : edges) {
      if (e != 0) {
        return true;
      }
    }
    return false;
  }

  /** Every pattern reaches every other along the edges. */
  boolean stronglyConnected() {
    long all = (count == 64) ? -1L : (1L << count) - 1;
    for (int a = 0; a < count; a++) {
      long reached = bit(a);
      long frontier = reached;
      while (frontier != 0) {
        long next = 0;
        for (int b = 0; b < count; b++) {
          if ((frontier & bit(b)) != 0) {
            next |= edges[b];
          }
        }
        frontier = next & ~reached;
        reached |= next;
      }
      if ((reached & all) != all) {
        return false;
      }
    }
    return true;
  }

  /** Rank of the pattern differences z_a - z_0 (Gaussian elimination with partial pivoting). */
  private int rankOfDifferences() {
    if (count <= 1) {
      return 0;
    }
    int rows = count - 1;
    double[][] m = new double[rows][p];
    double scale = 0;
    for (int a = 1; a < count; a++) {
      for (int j = 0; j < p; j++) {
        m[a - 1][j] = values[a][j] - values[0][j];
        scale = Math.max(scale, Math.abs(m[a - 1][j]));
      }
    }
    double tol = 1e-10 * scale;
    int rank = 0;
    for (int col = 0; col < p && rank < rows; col++) {
      int pivot = rank;
      for (int r = rank + 1; r < rows; r++) {
        if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
          pivot = r;
        }
      }
      if (Math.abs(m[pivot][col]) <= tol) {
        continue;
      }
      double[] tmp = m[pivot];
      m[pivot] = m[rank];
      m[rank] = tmp;
      for (int r = rank + 1; r < rows; r++) {
        double f = m[r][col] / m[rank][col];
        for (int j = col; j < p; j++) {
          m[r][j] -= f * m[rank][j];
        }
      }
      rank++;
    }
    return rank;
  }
}
