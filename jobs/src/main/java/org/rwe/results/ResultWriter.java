package org.rwe.results;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
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
   * Counts of persons or events in 1..minCellCount-1 are written as -minCellCount (CohortMethod's
   * convention: negative means "fewer than"); values derived from a masked count become null.
   */
  public static Dataset<Row> suppress(Dataset<Row> df, ResultTable table, int minCellCount) {
    if (minCellCount <= 1) {
      return df;
    }
    List<Column> cols = new ArrayList<>();
    for (ResultColumn c : table.columns()) {
      Column v = col(c.name());
      if (c.minCellCounted()) {
        v =
            when(v.gt(0).and(v.lt(minCellCount)), lit(-minCellCount).cast(c.type()))
                .otherwise(v)
                .as(c.name());
      } else if (c.derivedFrom() != null) {
        Column source = col(c.derivedFrom());
        v =
            when(source.gt(0).and(source.lt(minCellCount)), lit(null).cast(c.type()))
                .otherwise(v)
                .as(c.name());
      }
      cols.add(v);
    }
    return df.select(cols.toArray(Column[]::new));
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
    validate(df, table);
    Dataset<Row> masked = suppress(df, table, minCellCount);
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
