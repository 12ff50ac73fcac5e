package org.rwe.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.rwe.config.IngestSettings;
import org.rwe.omop.CdmColumn;
import org.rwe.omop.CdmTable;
import org.rwe.omop.ExtractReader;
import org.rwe.omop.InputException;
import org.rwe.results.ResultsSchema;
import org.rwe.run.RunContext;
import org.rwe.run.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest job: reads each table once, applies {@link Ingest}'s rules, writes curated/ and
 * rejects/, and results/ingest_summary; stops (exit code 3) when a table's rejects exceed the error
 * budget.
 */
public final class IngestJob {
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

  /** Vocabulary first (for unknown-concept flags), then persons, then what hangs off them. */
  static final List<CdmTable> ORDER =
      List.of(
          CdmTable.CONCEPT,
          CdmTable.CONCEPT_ANCESTOR,
          CdmTable.CONCEPT_RELATIONSHIP,
          CdmTable.PERSON,
          CdmTable.DEATH,
          CdmTable.OBSERVATION_PERIOD,
          CdmTable.VISIT_OCCURRENCE,
          CdmTable.CONDITION_OCCURRENCE,
          CdmTable.DRUG_EXPOSURE,
          CdmTable.DRUG_ERA,
          CdmTable.PROCEDURE_OCCURRENCE,
          CdmTable.MEASUREMENT,
          CdmTable.OBSERVATION);

  /** Tables grouped so that each group needs only what the groups before it curated. */
  static final List<List<CdmTable>> WAVES =
      List.of(
          List.of(
              CdmTable.CONCEPT,
              CdmTable.CONCEPT_ANCESTOR,
              CdmTable.CONCEPT_RELATIONSHIP,
              CdmTable.PERSON),
          List.of(CdmTable.DEATH, CdmTable.OBSERVATION_PERIOD),
          List.of(
              CdmTable.DRUG_EXPOSURE,
              CdmTable.CONDITION_OCCURRENCE,
              CdmTable.MEASUREMENT,
              CdmTable.VISIT_OCCURRENCE,
              CdmTable.PROCEDURE_OCCURRENCE,
              CdmTable.DRUG_ERA,
              CdmTable.OBSERVATION));

  /** One table's counts, as written to results/ingest_summary. */
  public record TableSummary(
      String table,
      String source,
      long rowsRead,
      long rowsCurated,
      long rowsRejected,
      Map<String, Long> rejectedByRule,
      Map<String, Long> flaggedByRule,
      List<String> droppedColumns) {
    double rejectShare() {
      return rowsRead == 0 ? 0 : (double) rowsRejected / rowsRead;
    }
  }

  private IngestJob() {}

  public static List<TableSummary> run(RunContext ctx) {
    ExtractReader reader = new ExtractReader(ctx.spark(), ctx.inputDir());
    Map<CdmTable, Optional<ExtractReader.Located>> located = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (CdmTable t : ORDER) {
      Optional<ExtractReader.Located> l = reader.locate(t);
      if (l.isEmpty() && t.required()) {
        missing.add(t.cdmName());
      }
      located.put(t, l);
    }
    if (!missing.isEmpty()) {
      throw new InputException(
          "Required table(s) "
              + missing
              + " not found in "
              + ctx.inputDir()
              + " (expected e.g. "
              + missing.get(0)
              + ".csv, "
              + missing.get(0)
              + ".csv.gz, a folder "
              + missing.get(0)
              + "/ or "
              + missing.get(0)
              + ".parquet)");
    }
    IngestSettings settings = ctx.settings().ingest();
    LocalDate today = LocalDate.now();
    Map<CdmTable, TableSummary> done = new java.util.EnumMap<>(CdmTable.class);
    // Tables in waves: each wave needs only what earlier waves curated. Within a wave the tables
    // are independent and run side by side (Spark runs concurrent jobs; much of the time per
    // table is planning and scheduling, not data).
    for (List<CdmTable> wave : WAVES) {
      // What the wave's tables are checked against, computed once for the wave.
      Dataset<Row> persons =
          wave.stream().anyMatch(t -> t.personLevel() && t != CdmTable.PERSON)
              ? personInfo(ctx, wave.get(0)).localCheckpoint()
              : null;
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(Math.min(wave.size(), 3));
      try {
        Map<CdmTable, java.util.concurrent.Future<TableSummary>> futures = new LinkedHashMap<>();
        for (CdmTable t : wave) {
          futures.put(
              t,
              pool.submit(
                  () -> ingestTable(ctx, reader, t, located.get(t), settings, today, persons)));
        }
        for (Map.Entry<CdmTable, java.util.concurrent.Future<TableSummary>> f :
            futures.entrySet()) {
          try {
            done.put(f.getKey(), f.getValue().get());
          } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
              throw re;
            }
            throw new IllegalStateException(e.getCause());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
    List<TableSummary> summaries = new ArrayList<>();
    for (CdmTable t : ORDER) {
      summaries.add(done.get(t));
    }
    ctx.delete(ctx.workDir() + "/_staging");
    writeSummary(ctx, summaries);
    return summaries;
  }

  private static TableSummary ingestTable(
      RunContext ctx,
      ExtractReader reader,
      CdmTable t,
      Optional<ExtractReader.Located> l,
      IngestSettings settings,
      LocalDate today,
      Dataset<Row> persons) {
    ctx.jobGroup(Stage.INGEST, "validate " + t.cdmName());
    Dataset<Row> raw = l.map(reader::readRaw).orElseGet(() -> emptyRaw(ctx, t));
    List<String> dropped =
        Arrays.stream(raw.columns())
            .filter(c -> !c.equals(ExtractReader.SOURCE_FILE) && !t.hasColumn(c))
            .sorted()
            .toList();
    Dataset<Row> checked = Ingest.parse(raw, t, settings, today);
    if (t == CdmTable.OBSERVATION_PERIOD) {
      checked = Ingest.rejectOverlappingPeriods(checked);
    }
    if (t.personLevel() && t != CdmTable.PERSON) {
      checked = Ingest.checkAgainstPersons(checked, t, persons, settings);
    }
    if (t.conceptColumn() != null) {
      checked = Ingest.flagUnknownConcepts(checked, t, ctx.curated("concept"));
    }
    checked = Ingest.withFlags(checked);
    String source =
        l.map(x -> x.path().getName()).orElse("(absent: optional table, read as empty)");
    TableSummary summary = write(ctx, t, checked, source, dropped);
    if (summary.rowsRead() == 0 && t.required()) {
      throw new InputException(
          "File "
              + source
              + " in "
              + ctx.inputDir()
              + " has a header but no rows (table "
              + t.cdmName()
              + ")");
    }
    LOG.info(
        "ingest {}: {} read, {} curated, {} rejected{}",
        t.cdmName(),
        summary.rowsRead(),
        summary.rowsCurated(),
        summary.rowsRejected(),
        summary.rejectedByRule().isEmpty() ? "" : " " + summary.rejectedByRule());
    checkBudget(summary, settings, ctx);
    return summary;
  }

  /** Persons, deaths and periods are curated before any table is checked against them. */
  private static Dataset<Row> personInfo(RunContext ctx, CdmTable t) {
    Dataset<Row> persons =
        Ingest.withFlags(ctx.curated("person").withColumn(Ingest.RULE, lit(null).cast("string")));
    Dataset<Row> deaths =
        t == CdmTable.DEATH || t == CdmTable.OBSERVATION_PERIOD
            ? emptyTyped(ctx, CdmTable.DEATH)
            : ctx.curated("death").withColumn(Ingest.RULE, lit(null).cast("string"));
    Dataset<Row> periods =
        t == CdmTable.DEATH || t == CdmTable.OBSERVATION_PERIOD
            ? emptyTyped(ctx, CdmTable.OBSERVATION_PERIOD)
            : ctx.curated("observation_period").withColumn(Ingest.RULE, lit(null).cast("string"));
    return Ingest.personInfo(persons, deaths, periods);
  }

  private static TableSummary write(
      RunContext ctx, CdmTable t, Dataset<Row> checked, String source, List<String> dropped) {
    // Checked rows are written once, then split: cheaper than caching them in memory, and the
    // raw files are read only once.
    String staging = ctx.stagePath("_staging", t.cdmName());
    checked.write().mode(org.apache.spark.sql.SaveMode.Overwrite).parquet(staging);
    Dataset<Row> cached = ctx.spark().read().parquet(staging);
    // Duplicate keys are rare: look for them on the key columns only, and rank rows (a shuffle
    // of whole rows) only when there are some.
    org.apache.spark.sql.Column[] pk =
        t.primaryKey().stream()
            .map(org.apache.spark.sql.functions::col)
            .toArray(org.apache.spark.sql.Column[]::new);
    boolean duplicates =
        !cached
            .filter(col(Ingest.RULE).isNull())
            .groupBy(pk)
            .count()
            .filter(col("count").gt(1))
            .limit(1)
            .isEmpty();
    if (duplicates) {
      cached = Ingest.dedupe(cached, t).localCheckpoint();
    }
    try {
      ctx.write(
          cached.filter(col(Ingest.RULE).isNull()).select(Ingest.curatedColumns(t)),
          "curated",
          t.cdmName());
      ctx.write(
          cached
              .filter(col(Ingest.RULE).isNotNull())
              .select(
                  lit(t.cdmName()).as("table_name"),
                  col(Ingest.RULE).as("rule"),
                  col(Ingest.REASON).as("reason"),
                  col(Ingest.RAW).as("raw_values"),
                  col(ExtractReader.SOURCE_FILE).as("source_file")),
          "rejects",
          t.cdmName());
      // One pass over the checked rows: rows per rule (null = curated) and flags of curated rows.
      Map<String, Long> byRule = new java.util.TreeMap<>();
      Map<String, Long> flags = new java.util.TreeMap<>();
      long read = 0;
      long curated = 0;
      for (Row r :
          cached
              .select(
                  col(Ingest.RULE),
                  org.apache
                      .spark
                      .sql
                      .functions
                      .explode_outer(
                          org.apache.spark.sql.functions.when(
                              col(Ingest.RULE)
                                  .isNull()
                                  .and(
                                      org.apache.spark.sql.functions.size(col(Ingest.FLAGS)).gt(0)),
                              org.apache.spark.sql.functions.array_union(
                                  org.apache.spark.sql.functions.array(lit("")),
                                  col(Ingest.FLAGS))))
                      .as("flag"))
              .groupBy(col(Ingest.RULE), col("flag"))
              .count()
              .collectAsList()) {
        long n = r.getLong(2);
        String flag = r.isNullAt(1) ? "" : r.getString(1);
        if (!flag.isEmpty()) {
          flags.merge(flag, n, Long::sum);
          continue;
        }
        read += n;
        if (r.isNullAt(0)) {
          curated += n;
        } else {
          byRule.merge(r.getString(0), n, Long::sum);
        }
      }
      long rejected = read - curated;
      return new TableSummary(t.cdmName(), source, read, curated, rejected, byRule, flags, dropped);
    } finally {
      ctx.delete(staging);
    }
  }

  private static void checkBudget(TableSummary s, IngestSettings settings, RunContext ctx) {
    if (s.rejectShare() <= settings.maxRejectShare()) {
      return;
    }
    String top =
        s.rejectedByRule().entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
            .limit(3)
            .map(e -> e.getKey() + " (" + e.getValue() + ")")
            .collect(Collectors.joining(", "));
    throw new InputException(
        String.format(
            "Table %s: %.1f%% of rows rejected (%d of %d), over the error budget of %.1f%%"
                + " (ingest.maxRejectShare). Top rules: %s. Rejected rows are in %s",
            s.table(),
            100 * s.rejectShare(),
            s.rowsRejected(),
            s.rowsRead(),
            100 * settings.maxRejectShare(),
            top,
            ctx.stagePath("rejects", s.table())));
  }

  private static void writeSummary(RunContext ctx, List<TableSummary> summaries) {
    List<Row> rows = new ArrayList<>();
    for (TableSummary s : summaries) {
      rows.add(
          RowFactory.create(
              s.table(),
              s.source(),
              s.rowsRead(),
              s.rowsCurated(),
              s.rowsRejected(),
              s.rejectShare(),
              scala.jdk.javaapi.CollectionConverters.asScala(s.rejectedByRule()),
              scala.jdk.javaapi.CollectionConverters.asScala(s.flaggedByRule()),
              scala.jdk.javaapi.CollectionConverters.asScala(s.droppedColumns()).toSeq()));
    }
    Dataset<Row> df = ctx.spark().createDataFrame(rows, ResultsSchema.INGEST_SUMMARY.schema());
    ctx.writeResult(df, ResultsSchema.INGEST_SUMMARY);
  }

  private static Dataset<Row> emptyRaw(RunContext ctx, CdmTable t) {
    List<StructField> fields = new ArrayList<>();
    for (CdmColumn c : t.columns()) {
      fields.add(DataTypes.createStructField(c.name(), DataTypes.StringType, true));
    }
    fields.add(DataTypes.createStructField(ExtractReader.SOURCE_FILE, DataTypes.StringType, true));
    return ctx.spark()
        .createDataFrame(List.of(), new StructType(fields.toArray(StructField[]::new)));
  }

  private static Dataset<Row> emptyTyped(RunContext ctx, CdmTable t) {
    return Ingest.parse(emptyRaw(ctx, t), t, ctx.settings().ingest(), LocalDate.now());
  }
}
