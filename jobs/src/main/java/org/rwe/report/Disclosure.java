package org.rwe.report;

import java.io.IOException;
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

  /** Tables published and cells masked or withheld, for the stage's counts. */
  static Map<String, Long> publish(RunContext ctx) throws IOException {
    ctx.jobGroup(Stage.REPORT, "disclosure control of the result tables");
    FileSystem fs =
        new Path(ctx.workDir()).getFileSystem(ctx.spark().sparkContext().hadoopConfiguration());
    int m = ctx.settings().minCellCount();
    long start = System.nanoTime();
    // Result tables are study-sized aggregates (analyses x outcomes x covariates or days).
    Map<ResultTable, List<Row>> raw = new LinkedHashMap<>();
    for (ResultTable t : ResultsSchema.ALL) {
      if (!fs.exists(new Path(ctx.aggregatePath(t.name())))) {
        continue;
      }
      Dataset<Row> df = ctx.readAggregate(t.name());
      ResultWriter.validate(df, t);
      raw.put(t, df.collectAsList());
    }
    long t0 = System.nanoTime();
    LOG.info("disclosure control: read {} tables in {} ms", raw.size(), (t0 - start) / 1_000_000);
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
      ResultWriter.write(
          ctx.spark().createDataFrame(e.getValue(), e.getKey().schema()),
          e.getKey(),
          ctx.resultPath(e.getKey().name()));
    }
    LOG.info("disclosure control: wrote results/ in {} ms", (System.nanoTime() - t0) / 1_000_000);
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("results_tables", (long) published.size());
    counts.put("cells_masked_or_withheld", hidden);
    return counts;
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
