package org.rwe.results;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StringType;

/**
 * Writes docs/results.md from {@link ResultsSchema}: the documentation of every shareable table is
 * generated from the one declaration, never edited by hand (a test fails when it is stale).
 *
 * <p>{@code java -cp ... org.rwe.results.ResultsDoc docs/results.md}
 */
public final class ResultsDoc {
  private ResultsDoc() {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "docs/results.md");
    Files.writeString(out, markdown(), StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
  }

  /** The type DuckDB (and most Parquet readers) report for a column. */
  public static String duckDbType(DataType t) {
    if (t instanceof IntegerType) {
      return "INTEGER";
    } else if (t instanceof LongType) {
      return "BIGINT";
    } else if (t instanceof DoubleType) {
      return "DOUBLE";
    } else if (t instanceof StringType) {
      return "VARCHAR";
    } else if (t instanceof BooleanType) {
      return "BOOLEAN";
    } else if (t instanceof ArrayType a) {
      return duckDbType(a.elementType()) + "[]";
    } else if (t instanceof MapType m) {
      return "MAP(" + duckDbType(m.keyType()) + ", " + duckDbType(m.valueType()) + ")";
    }
    throw new IllegalArgumentException("no DuckDB name for " + t.simpleString());
  }

  static String rule(ResultTable t, ResultColumn c) {
    String sources = c.sources().stream().map(s -> "`" + s + "`").collect(Collectors.joining(", "));
    return switch (c.kind()) {
      case KEY -> "key";
      case VALUE -> "";
      case RECORD_COUNT -> "record count (not masked)";
      case COUNT -> "**count**: masked";
      case MEAN -> "mean: masked as -min / " + sources + " when it stands for fewer than min";
      case DERIVED ->
          "null when "
              + c.sources().stream().map(x -> "`" + x + "`").collect(Collectors.joining(" or "))
              + " is masked or withheld";
      case CURVE -> "null when " + sources + " is masked (not when it is only withheld)";
    };
  }

  public static String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("# Result tables\n\n");
    b.append(
        "<!-- Generated from jobs/src/main/java/org/rwe/results/ResultsSchema.java by"
            + " org.rwe.results.ResultsDoc. Do not edit: change the declaration, then run\n"
            + "     mvn -o -q test -Dtest=ResultsDocTest -Drwe.writeDocs=true -->\n\n");
    b.append(
        """
        Every table a run shares is declared once, in `ResultsSchema`: its columns, their types and
        meaning, and what the small-cell rules do to each. The writer checks every table against
        this declaration before writing it (a column added, dropped, renamed, reordered or retyped
        fails the run), the rules below are applied from it, and this page is generated from it.
        Names follow OHDSI CohortMethod's results model where it has one.

        Where they are, per run (`<output>/<study id>/<run id>/`):

        - `results/<table>/`: one Parquet file per table, rows sorted, the same bytes for the same
          input and configuration. Read it with DuckDB:
          `duckdb -c "SELECT * FROM 'results/cohort_method_result/*.parquet'"`.
        - `report/csv/<table>.csv`: the same rows as CSV (a null is an empty field; maps and lists
          are JSON), beside `report/index.html`.

        Nothing person-level is written to either: no person, subject or row id, no date of birth,
        no date tied to one person.

        ## Small-cell protection

        `results.minCellCount` (default 11, the common CMS rule; written *min* below) applies to
        `results/` and `report/` alike. The stages write their tables unmasked to `aggregates/`
        (restricted, like the person-level folders); the report stage applies the rules to all
        tables of the run together, checks the outcome, and only then writes `results/`. The
        rules, in the order they are applied:

        1. **Counts.** A count of persons or events (**count** below) between 1 and min - 1 is
           written as **-min** (e.g. -11): CohortMethod's convention, a negative value -x means
           "fewer than x". Zero is written as 0.
        2. **Complementary suppression.** Where cells of a table add up (listed per table below),
           and where counts of different rows or tables describe nested or identical groups
           (*Across tables*, below), a further count is **withheld (null)** when a masked cell,
           or an unpublished small difference, could otherwise be had by subtraction. Null in a
           count column always means "withheld to protect another cell".
        3. **Means.** A covariate mean whose implied number of subjects (mean x arm size) is
           between 0 and min is written as -min / arm size (CohortMethod's convention: "below
           this share"), or null when the arm size itself is masked; a mean of at most 1 whose
           complement ((1 - mean) x arm size) is between 0 and min is withheld (null): "all but 3
           subjects" is a small cell too.
        4. **Derived values.** Rates, estimates and standardized differences computed from a
           masked or withheld count or mean are null: a hazard ratio's standard error, for one,
           would give its event count away.

        Record counts of `ingest_summary` are not masked: they count rows of a whole CDM table
        that failed a data-quality rule, with no concept, cohort or clinical attribute attached,
        and `rows_read = rows_curated + rows_rejected` must stay checkable by anyone.

        Known limits: a survival curve's steps are published at every day where an arm changes
        (as CohortMethod does): with the numbers at risk around a step, they tell how many had
        the outcome that day. The numbers at risk are thinned (across tables, below), which
        blurs but does not erase that; publish the curves on a coarse time grid where it
        matters. An arm's survival curve, and the MDRR of `diagnostics_summary`, are null where
        `cohort_method_result` hides the outcome count they would give away. A weighted mean
        after adjustment (IPTW, PS strata) is judged on the arm's sum of weights (at most its
        subjects), which approximates, but does not count, the subjects behind the mean.

        """);
    b.append("### Across tables\n\n").append(CrossTable.describe()).append("\n");
    b.append(
        """
        ## Tables

        """);
    for (ResultTable t : ResultsSchema.ALL) {
      b.append("- [`").append(t.name()).append("`](#").append(t.name()).append(")\n");
    }
    for (ResultTable t : ResultsSchema.ALL) {
      b.append("\n### ").append(t.name()).append("\n\n").append(t.meaning()).append("\n\n");
      b.append("| column | type | small cells | meaning |\n| --- | --- | --- | --- |\n");
      for (ResultColumn c : t.columns()) {
        b.append("| `")
            .append(c.name())
            .append("` | ")
            .append(duckDbType(c.type()))
            .append(" | ")
            .append(rule(t, c))
            .append(" | ")
            .append(c.meaning().replace("|", "\\|"))
            .append(" |\n");
      }
      if (!t.protections().isEmpty()) {
        b.append("\nComplementary suppression:\n\n");
        for (Protection p : t.protections()) {
          b.append("- ").append(p.describe()).append(".\n");
        }
      }
    }
    return b.toString();
  }
}
