package org.rwe.results;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One row of a result table, set column by column by name and checked against the table's
 * declaration when built: a misspelt, repeated or forgotten column fails here, with the table and
 * column named, instead of shifting values into the wrong columns of a published table.
 */
public final class ResultRow {
  private final ResultTable table;
  private final Object[] values;
  private final boolean[] set;

  private ResultRow(ResultTable table) {
    this.table = table;
    this.values = new Object[table.columns().size()];
    this.set = new boolean[values.length];
  }

  public static ResultRow of(ResultTable table) {
    return new ResultRow(table);
  }

  /** Sets a column (null allowed: a value the table leaves empty). */
  public ResultRow set(String column, Object value) {
    int i = table.indexOf(column);
    if (set[i]) {
      throw new IllegalStateException(
          "Result table " + table.name() + ": column " + column + " set twice");
    }
    values[i] = value;
    set[i] = true;
    return this;
  }

  /** The row in the table's column order; every column must have been set. */
  public Row build() {
    for (int i = 0; i < set.length; i++) {
      if (!set[i]) {
        throw new IllegalStateException(
            "Result table " + table.name() + ": column " + table.columnNames().get(i) + " not set");
      }
    }
    return RowFactory.create(values.clone());
  }
}
