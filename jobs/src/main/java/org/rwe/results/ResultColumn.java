package org.rwe.results;

import java.util.List;
import org.apache.spark.sql.types.DataType;

/**
 * One column of a shareable result table, with what the small-cell rules do to it ({@link Kind}).
 * {@code sources} names the columns a derived value or a mean depends on.
 */
public record ResultColumn(
    String name, DataType type, String meaning, Kind kind, List<String> sources) {

  /** What a column holds, as far as disclosure control is concerned. */
  public enum Kind {
    /** Identifies the row (analysis, outcome, covariate, step, day): never masked. */
    KEY,
    /** A name, setting or measure that is not a count of persons or events: never masked. */
    VALUE,
    /**
     * A count of input records of a whole CDM table (data quality): no clinical attribute of anyone
     * is tied to it, so it is not masked (and rows_read = rows_curated + rows_rejected stays
     * checkable).
     */
    RECORD_COUNT,
    /** A count of persons or events: 1..minCellCount-1 is written as -minCellCount. */
    COUNT,
    /**
     * The mean of a covariate in an arm whose size is {@code sources.get(0)}: masked when the
     * implied number (mean x size) is in (0, minCellCount).
     */
    MEAN,
    /**
     * Computed from the counts or means in {@code sources}: null when any of them is masked or
     * withheld.
     */
    DERIVED,
    /**
     * A point of a curve (e.g. survival) at a count in {@code sources} (the number at risk): null
     * when that count is masked (below the minimum), not when it is withheld only so that no
     * difference between two published counts is small. The curve's value is a ratio, not a count;
     * thinning the numbers at risk shown beside a curve must not erase the curve.
     */
    CURVE
  }

  public ResultColumn {
    sources = List.copyOf(sources);
  }

  public boolean minCellCounted() {
    return kind == Kind.COUNT;
  }
}
