package org.rwe.results;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.rwe.results.ResultColumn.Kind;

/**
 * A shareable result table: its name, meaning, columns in order, and the complementary-suppression
 * rules that say how its cells add up.
 */
public record ResultTable(
    String name, String meaning, List<ResultColumn> columns, List<Protection> protections) {

  public StructType schema() {
    return new StructType(
        columns.stream()
            .map(c -> new StructField(c.name(), c.type(), true, Metadata.empty()))
            .toArray(StructField[]::new));
  }

  public List<String> columnNames() {
    return columns.stream().map(ResultColumn::name).toList();
  }

  public ResultColumn column(String name) {
    return columns.stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException("Result table " + this.name + " has no " + name));
  }

  public int indexOf(String column) {
    int i = columnNames().indexOf(column);
    if (i < 0) {
      throw new IllegalArgumentException("Result table " + name + " has no column " + column);
    }
    return i;
  }

  static Builder table(String name, String meaning) {
    return new Builder(name, meaning);
  }

  static final class Builder {
    private final String name;
    private final String meaning;
    private final List<ResultColumn> columns = new ArrayList<>();
    private final List<Protection> protections = new ArrayList<>();

    Builder(String name, String meaning) {
      this.name = name;
      this.meaning = meaning;
    }

    private Builder add(String column, DataType type, String meaning, Kind kind, String... from) {
      columns.add(new ResultColumn(column, type, meaning, kind, List.of(from)));
      return this;
    }

    /** Identifies the row: analysis, outcome, covariate, step, day. */
    Builder key(String column, DataType type, String meaning) {
      return add(column, type, meaning, Kind.KEY);
    }

    /** A name, setting or measure that is not a count of persons or events. */
    Builder col(String column, DataType type, String meaning) {
      return add(column, type, meaning, Kind.VALUE);
    }

    /** A count of input records of a whole CDM table (data quality): not masked. */
    Builder records(String column, DataType type, String meaning) {
      return add(column, type, meaning, Kind.RECORD_COUNT);
    }

    /** A count of persons or events: masked when below the minimum cell count. */
    Builder count(String column, DataType type, String meaning) {
      return add(column, type, meaning, Kind.COUNT);
    }

    /** The mean of a covariate in an arm of {@code sizeColumn} subjects. */
    Builder mean(String column, DataType type, String meaning, String sizeColumn) {
      return add(column, type, meaning, Kind.MEAN, sizeColumn);
    }

    /** A value computed from counts or means: masked whenever any of them is. */
    Builder derived(String column, DataType type, String meaning, String... fromCounts) {
      return add(column, type, meaning, Kind.DERIVED, fromCounts);
    }

    /** A point of a curve at a count: null only when that count is masked (not withheld). */
    Builder curve(String column, DataType type, String meaning, String atCount) {
      return add(column, type, meaning, Kind.CURVE, atCount);
    }

    /** Complementary suppression within a row: total = parts (+ an unpublished remainder). */
    Builder sum(String total, String... parts) {
      protections.add(new Protection.Sum(total, List.of(parts), false, null));
      return this;
    }

    Builder sumWithRemainder(String total, String part, String remainderMeaning) {
      protections.add(new Protection.Sum(total, List.of(part), true, remainderMeaning));
      return this;
    }

    /** Complementary suppression along an attrition chain. */
    Builder chain(List<String> groupColumns, List<Object> head, String order, String... counts) {
      protections.add(new Protection.Chain(groupColumns, head, order, List.of(counts)));
      return this;
    }

    ResultTable build() {
      ResultTable t =
          new ResultTable(name, meaning, List.copyOf(columns), List.copyOf(protections));
      t.check();
      return t;
    }
  }

  /** The declaration must be self-consistent: a mistake here would silently unmask a cell. */
  private void check() {
    Set<String> seen = new HashSet<>();
    for (ResultColumn c : columns) {
      if (!seen.add(c.name())) {
        throw new IllegalStateException(name + ": column " + c.name() + " declared twice");
      }
    }
    for (ResultColumn c : columns) {
      for (String s : c.sources()) {
        Kind k = column(s).kind();
        if (k != Kind.COUNT && k != Kind.MEAN && k != Kind.RECORD_COUNT) {
          throw new IllegalStateException(
              name + "." + c.name() + " depends on " + s + ", which is not a count or a mean");
        }
      }
      if ((c.kind() == Kind.DERIVED || c.kind() == Kind.MEAN || c.kind() == Kind.CURVE)
          && c.sources().isEmpty()) {
        throw new IllegalStateException(name + "." + c.name() + " names no source column");
      }
    }
    Set<String> inSums = new HashSet<>();
    for (Protection p : protections) {
      p.columns().forEach(this::column);
      // Each sum is protected on its own: a cell withheld for one sum must not be recoverable
      // from another, so sums may not share cells.
      if (p instanceof Protection.Sum) {
        for (String c : p.columns()) {
          if (!inSums.add(c)) {
            throw new IllegalStateException(name + ": column " + c + " is in two sums");
          }
          if (column(c).kind() != Kind.COUNT) {
            throw new IllegalStateException(name + ": sum over " + c + ", which is not a count");
          }
        }
      }
    }
  }
}
