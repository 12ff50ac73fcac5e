package org.rwe.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.rwe.results.DisclosureAudit;
import org.rwe.results.ResultTable;
import org.rwe.results.ResultWriter;
import org.rwe.results.ResultsSchema;
import org.rwe.results.Suppression;
import org.rwe.run.DisclosureException;
import org.rwe.run.RunContext;
import org.rwe.run.SideBySide;
import org.rwe.run.Stage;

/**
 * The run's one gate to shareable output: reads every result table the stages wrote unmasked
 * (aggregates/, restricted), applies the small-cell rules to all of them together (within rows,
 * along chains and across tables), checks the outcome as a reader would see it, and only then
 * writes results/. A recoverable count stops the run (exit 4) with nothing published.
 */
final class Disclosure {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Disclosure.class);

  private Disclosure() {}

  /** What the gate published: the rows of each table, and counts for the stage's log. */
  record Published(Map<ResultTable, List<Row>> tables, Map<String, Long> counts) {}

  /**
   * Publishes the run's result tables; the report is built from the rows returned (the same as
   * written to results/), so results/ is not read back.
   */
  static Published publish(RunContext ctx) throws IOException {
    ctx.jobGroup(Stage.REPORT, "disclosure control of the result tables");
    FileSystem fs =
        new Path(ctx.workDir()).getFileSystem(ctx.spark().sparkContext().hadoopConfiguration());
    int m = ctx.settings().minCellCount();
    long start = System.nanoTime();
    long bound = rowBound(ctx, fs);
    List<ResultTable> present = new ArrayList<>();
    for (ResultTable t : ResultsSchema.ALL) {
      if (fs.exists(new Path(ctx.aggregatePath(t.name())))) {
        present.add(t);
      }
    }
    // Tables are small: the time per table is planning and scheduling, so they are read (and
    // written below) side by side; each table's rows do not depend on the others'.
    List<List<Row>> read =
        SideBySide.map(
            present,
            CONCURRENT_TABLES,
            t -> {
              Dataset<Row> df = ctx.readAggregate(t.name());
              ResultWriter.validate(df, t);
              // Result tables are study-sized; the limit makes a table that is not (a bug
              // upstream) fail here instead of filling the driver.
              List<Row> rows =
                  df.limit((int) Math.min(Integer.MAX_VALUE, bound + 1)).collectAsList();
              if (rows.size() > bound) {
                throw new IllegalStateException(
                    "Result table "
                        + t.name()
                        + " has more than "
                        + bound
                        + " rows, more than a study of this size can make (analyses x outcomes x"
                        + " (covariates + days)): not collected to the driver");
              }
              return rows;
            });
    Map<ResultTable, List<Row>> raw = new LinkedHashMap<>();
    for (int i = 0; i < present.size(); i++) {
      raw.put(present.get(i), read.get(i));
    }
    long t0 = System.nanoTime();
    LOG.debug("disclosure control: read {} tables in {} ms", raw.size(), (t0 - start) / 1_000_000);
    Map<ResultTable, List<Row>> published = Suppression.applyAll(raw, m);
    long t1 = System.nanoTime();
    List<String> problems = DisclosureAudit.problems(published, m);
    LOG.info(
        "disclosure control: rules {} ms, check {} ms, {} recoverable counts",
        (t1 - t0) / 1_000_000,
        (System.nanoTime() - t1) / 1_000_000,
        problems.size());
    fs.delete(new Path(ctx.workDir(), "results"), true);
    if (!problems.isEmpty()) {
      throw new DisclosureException(problems);
    }
    long hidden = 0;
    for (Map.Entry<ResultTable, List<Row>> e : published.entrySet()) {
      hidden += changed(raw.get(e.getKey()), e.getValue());
    }
    SideBySide.map(
        new ArrayList<>(published.keySet()),
        CONCURRENT_TABLES,
        t -> {
          ResultWriter.write(
              ctx.spark().createDataFrame(published.get(t), t.schema()),
              t,
              ctx.resultPath(t.name()));
          return null;
        });
    LOG.debug("disclosure control: wrote results/ in {} ms", (System.nanoTime() - t0) / 1_000_000);
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("results_tables", (long) published.size());
    counts.put("cells_masked_or_withheld", hidden);
    return new Published(published, counts);
  }

  /** Up to this many tables are read or written at once. */
  private static final int CONCURRENT_TABLES = 4;

  /**
   * The most rows a result table of this study can have: per analysis (and the shared rows) and
   * outcome, one per covariate or one per day of follow-up (at most 100 years), plus the per-table
   * rows of ingest and the propensity model.
   */
  static long rowBound(RunContext ctx, FileSystem fs) throws IOException {
    long covariates = 0;
    if (fs.exists(new Path(ctx.stagePath("features", "covariate_ref")))) {
      covariates = ctx.read("features", "covariate_ref").count();
    }
    long analyses = ctx.settings().analyses().size() + 1L;
    long outcomes = ctx.settings().outcomes().size() + 1L;
    return analyses * outcomes * (covariates + 36_600) + covariates + 10_000;
  }

  private static long changed(List<Row> before, List<Row> after) {
    long n = 0;
    for (int r = 0; r < before.size(); r++) {
      for (int c = 0; c < before.get(r).size(); c++) {
        n += java.util.Objects.equals(before.get(r).get(c), after.get(r).get(c)) ? 0 : 1;
      }
    }
    return n;
  }
}
