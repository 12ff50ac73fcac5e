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
 * Writes a result table: checks it against its declaration (names, order, types), sorts it so that
 * the bytes do not depend on partitioning, and writes one Parquet file. Masking is the caller's
 * ({@link Suppression}, applied to every table of a run together before they are published).
 */
public final class ResultWriter {
  private ResultWriter() {}

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

  /** Writes the table as it is (already masked, or unmasked to a restricted folder). */
  public static void write(Dataset<Row> df, ResultTable table, String dir) {
    validate(df, table);
    // Sort by every sortable column: the file is then the same whatever the partitioning.
    Column[] order =
        table.columns().stream()
            .filter(c -> !(c.type() instanceof org.apache.spark.sql.types.MapType))
            .filter(c -> !(c.type() instanceof org.apache.spark.sql.types.ArrayType))
            .map(c -> col(c.name()).asc_nulls_first())
            .toArray(Column[]::new);
    df.coalesce(1).sortWithinPartitions(order).write().mode(SaveMode.Overwrite).parquet(dir);
  }
}
