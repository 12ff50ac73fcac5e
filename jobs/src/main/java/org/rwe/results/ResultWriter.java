package org.rwe.results;

import static org.apache.spark.sql.functions.col;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.StructField;

/**
 * Writes a shareable result table: checks it against its declaration (names, order, types), masks
 * small cells, sorts it so that the bytes do not depend on partitioning, and writes one Parquet
 * file.
 */
public final class ResultWriter {
  private ResultWriter() {}

  /**
   * Applies the small-cell rules of {@link Suppression} as the table's declaration says. Result
   * tables are aggregates, so their rows are brought to the driver for it.
   */
  public static Dataset<Row> suppress(Dataset<Row> df, ResultTable table, int minCellCount) {
    if (minCellCount <= 1) {
      return df;
    }
    List<Row> masked = Suppression.apply(df.collectAsList(), table, minCellCount);
    return df.sparkSession().createDataFrame(masked, table.schema());
  }

  /** Fails on any drift between the data and the declared schema. */
  public static void validate(Dataset<Row> df, ResultTable table) {
    List<String> actual = Arrays.asList(df.columns());
    if (!actual.equals(table.columnNames())) {
      throw new IllegalStateException(
          "Result table "
              + table.name()
              + " drifted from its declaration: columns "
              + actual
              + ", declared "
              + table.columnNames());
    }
    StructField[] fields = df.schema().fields();
    for (int i = 0; i < fields.length; i++) {
      ResultColumn declared = table.columns().get(i);
      if (!fields[i].dataType().sameType(declared.type())) {
        throw new IllegalStateException(
            "Result table "
                + table.name()
                + ": column "
                + declared.name()
                + " must be of type "
                + declared.type().simpleString()
                + " but was actually of type "
                + fields[i].dataType().simpleString());
      }
    }
  }

  public static void write(Dataset<Row> df, ResultTable table, String dir, int minCellCount) {
    write(suppress(df, table, minCellCount), table, dir);
  }

  /** Writes the table as it is (already masked, or unmasked to a restricted folder). */
  public static void write(Dataset<Row> df, ResultTable table, String dir) {
    validate(df, table);
    Dataset<Row> masked = df;
    // Sort by every sortable column: the file is then the same whatever the partitioning.
    Column[] order =
        table.columns().stream()
            .filter(c -> !(c.type() instanceof org.apache.spark.sql.types.MapType))
            .filter(c -> !(c.type() instanceof org.apache.spark.sql.types.ArrayType))
            .map(c -> col(c.name()).asc_nulls_first())
            .toArray(Column[]::new);
    masked.coalesce(1).sortWithinPartitions(order).write().mode(SaveMode.Overwrite).parquet(dir);
  }
}
