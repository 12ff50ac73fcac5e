package org.rwe.results;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** A shareable result table: its name, meaning, and columns in order. */
public record ResultTable(String name, String meaning, List<ResultColumn> columns) {

  public StructType schema() {
    return new StructType(
        columns.stream()
            .map(
                c ->
                    new StructField(
                        c.name(), c.type(), true, org.apache.spark.sql.types.Metadata.empty()))
            .toArray(StructField[]::new));
  }

  public List<String> columnNames() {
    return columns.stream().map(ResultColumn::name).toList();
  }

  static Builder table(String name, String meaning) {
    return new Builder(name, meaning);
  }

  static final class Builder {
    private final String name;
    private final String meaning;
    private final List<ResultColumn> columns = new ArrayList<>();

    Builder(String name, String meaning) {
      this.name = name;
      this.meaning = meaning;
    }

    Builder col(String column, DataType type, String meaning) {
      columns.add(new ResultColumn(column, type, meaning, false, null));
      return this;
    }

    /** A count of persons or events: masked when below the minimum cell count. */
    Builder count(String column, DataType type, String meaning) {
      columns.add(new ResultColumn(column, type, meaning, true, null));
      return this;
    }

    /** A value computed from a count: masked whenever that count is. */
    Builder derived(String column, DataType type, String meaning, String fromCount) {
      columns.add(new ResultColumn(column, type, meaning, false, fromCount));
      return this;
    }

    ResultTable build() {
      return new ResultTable(name, meaning, List.copyOf(columns));
    }
  }
}
