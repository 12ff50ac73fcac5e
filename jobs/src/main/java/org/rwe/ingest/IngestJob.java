package org.rwe.ingest;

import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.functions;
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
import org.rwe.run.SideBySide;
import org.rwe.run.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.Await;
import scala.concurrent.duration.Duration;

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
          // Observation periods are checked against deaths: deaths first.
          List.of(CdmTable.DEATH),
          List.of(CdmTable.OBSERVATION_PERIOD),
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
    IngestSettings settings = ctx.settings().ingest();
    // Every structural check (tables, files, headers, columns) runs here, before any Spark job,
    // so a broken extract stops in seconds with the file and column named.
    ExtractReader reader = new ExtractReader(ctx.spark(), ctx.inputDir(), settings.delimiterChar());
    Map<CdmTable, Optional<ExtractReader.Located>> located = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (CdmTable t : ORDER) {
      Optional<ExtractReader.Located> l = reader.locate(t);
      if (l.isEmpty() && t.required()) {
        missing.add(t.cdmName());
      }
      if (l.isPresent() && !l.get().hasRows() && t.required()) {
        throw new InputException(
            (l.get().files().size() == 1 ? "File " : "Folder ")
                + l.get().path()
                + " has a header but no rows (table "
                + t.cdmName()
                + " is required)");
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
    LocalDate today = LocalDate.now();
    Map<CdmTable, TableSummary> done = new java.util.EnumMap<>(CdmTable.class);
    // Tables in waves: each wave needs only what earlier waves curated. Within a wave the tables
    // are independent and run side by side (Spark runs concurrent jobs; much of the time per
    // table is planning and scheduling, not data).
    for (List<CdmTable> wave : WAVES) {
      // What the wave's tables are checked against, computed once for the wave and staged as
      // Parquet (not a localCheckpoint: a file survives the loss of an executor, and its size is
      // what Spark's join planning reads). While that file is under
      // spark.sql.autoBroadcastJoinThreshold (10 MB by default: a few hundred thousand persons,
      // see docs/benchmarks.md) the person facts are broadcast to the event scans, which then
      // check their rows where they read them; above it, the events are shuffled by person_id to
      // a sort-merge join.
      Dataset<Row> persons = null;
      if (wave.stream().anyMatch(t -> t.personLevel() && t != CdmTable.PERSON)) {
        String facts = ctx.stagePath("_staging", "_person_facts_" + wave.get(0).cdmName());
        personInfo(ctx, wave.get(0)).write().mode(SaveMode.Overwrite).parquet(facts);
        persons = ctx.spark().read().parquet(facts);
      }
      Dataset<Row> factsOfWave = persons;
      List<TableSummary> ofWave =
          SideBySide.map(
              wave,
              3,
              t -> ingestTable(ctx, reader, t, located.get(t), settings, today, factsOfWave));
      for (int i = 0; i < wave.size(); i++) {
        done.put(wave.get(i), ofWave.get(i));
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
    if (l.isEmpty()) {
      // An optional table the extract does not have: empty outputs, nothing to check.
      ctx.write(emptyTyped(ctx, t).select(Ingest.curatedColumns(t)), "curated", t.cdmName());
      ctx.write(emptyRejects(ctx), "rejects", t.cdmName());
      LOG.info("ingest {}: absent (optional), read as empty", t.cdmName());
      return new TableSummary(t.cdmName(), ABSENT, 0, 0, 0, Map.of(), Map.of(), List.of());
    }
    Dataset<Row> raw = reader.readRaw(l.get());
    List<String> dropped =
        Arrays.stream(raw.columns())
            .filter(
                c ->
                    !c.equals(ExtractReader.SOURCE_FILE)
                        && !c.equals(ExtractReader.CORRUPT_RECORD)
                        && !t.hasColumn(c))
            .sorted()
            .toList();
    // Rows read are counted as the raw rows stream into the checks, independently of them, so
    // that rows_read = rows_curated + rows_rejected is verified, not assumed.
    Observation read = new Observation("ingest_read_" + t.cdmName() + "_" + RUNS.incrementAndGet());
    raw = raw.observe(read, count(lit(1)).as("rows"));
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
    String source = l.map(ExtractReader.Located::source).orElse(ABSENT);
    TableSummary summary = write(ctx, t, checked, read, source, dropped, l);
    LOG.info(
        "ingest {}: {} read, {} curated, {} rejected{}",
        t.cdmName(),
        summary.rowsRead(),
        summary.rowsCurated(),
        summary.rowsRejected(),
        summary.rejectedByRule().isEmpty() ? "" : " " + summary.rejectedByRule());
    checkBudget(summary, t, settings, ctx);
    return summary;
  }

  /** Observation names must be unique among the queries of a session that run at once. */
  private static final java.util.concurrent.atomic.AtomicLong RUNS =
      new java.util.concurrent.atomic.AtomicLong();

  /** The summary's source for an optional table the extract does not have. */
  static final String ABSENT = "(absent: optional table, read as empty)";

  /** Persons, deaths and periods are curated before any table is checked against them. */
  private static Dataset<Row> personInfo(RunContext ctx, CdmTable t) {
    Dataset<Row> persons =
        Ingest.withFlags(ctx.curated("person").withColumn(Ingest.RULE, lit(null).cast("string")));
    Dataset<Row> deaths =
        t == CdmTable.DEATH
            ? emptyTyped(ctx, CdmTable.DEATH)
            : ctx.curated("death").withColumn(Ingest.RULE, lit(null).cast("string"));
    Dataset<Row> periods =
        t == CdmTable.DEATH || t == CdmTable.OBSERVATION_PERIOD
            ? emptyTyped(ctx, CdmTable.OBSERVATION_PERIOD)
            : ctx.curated("observation_period").withColumn(Ingest.RULE, lit(null).cast("string"));
    return Ingest.personInfo(persons, deaths, periods);
  }

  private static TableSummary write(
      RunContext ctx,
      CdmTable t,
      Dataset<Row> checked,
      Observation read,
      String source,
      List<String> dropped,
      Optional<ExtractReader.Located> located) {
    // Checked rows are written once, then split: cheaper than caching them in memory, and the
    // raw files are read only once.
    String staging = ctx.stagePath("_staging", t.cdmName());
    try {
      checked.write().mode(SaveMode.Overwrite).parquet(staging);
    } catch (Exception e) { // SparkException is checked, though Scala throws it undeclared
      throw ExtractReader.explainReadFailure(e, t, located)
          .orElseThrow(() -> e instanceof RuntimeException re ? re : new IllegalStateException(e));
    }
    long rowsRead = metric(read, "rows");
    Dataset<Row> staged = ctx.spark().read().parquet(staging);
    try {
      // Duplicate keys are rare: look for them on the key columns only, and rank rows (a shuffle
      // of whole rows) only when there are some.
      Column[] pk = t.primaryKey().stream().map(functions::col).toArray(Column[]::new);
      boolean duplicates =
          !staged
              .filter(col(Ingest.RULE).isNull())
              .groupBy(pk)
              .count()
              .filter(col("count").gt(1))
              .limit(1)
              .isEmpty();
      if (duplicates) {
        staged =
            Ingest.dedupe(
                    staged,
                    t,
                    ctx.settings().ingest().flagOnly(t).contains(Rules.DUPLICATE_PRIMARY_KEY))
                .localCheckpoint();
      }
      // Counts come with the two writes (observed metrics), not from another pass.
      List<Column> flagCounts = new ArrayList<>();
      for (String flag : Rules.FLAGGING) {
        flagCounts.add(count_if(array_contains(col(Ingest.FLAGS), flag)).as(flag));
      }
      Observation curatedCounts =
          new Observation("ingest_curated_" + t.cdmName() + "_" + RUNS.incrementAndGet());
      ctx.write(
          staged
              .filter(col(Ingest.RULE).isNull())
              .observe(curatedCounts, count(lit(1)).as("rows"), flagCounts.toArray(Column[]::new))
              .select(Ingest.curatedColumns(t)),
          "curated",
          t.cdmName());
      List<Column> ruleCounts = new ArrayList<>();
      for (String rule : Rules.REJECTING) {
        ruleCounts.add(count_if(col(Ingest.RULE).equalTo(rule)).as(rule));
      }
      Observation rejectCounts =
          new Observation("ingest_rejected_" + t.cdmName() + "_" + RUNS.incrementAndGet());
      ctx.write(
          staged
              .filter(col(Ingest.RULE).isNotNull())
              .observe(rejectCounts, count(lit(1)).as("rows"), ruleCounts.toArray(Column[]::new))
              .select(
                  lit(t.cdmName()).as("table_name"),
                  col(Ingest.RULE).as("rule"),
                  Identifiers.mask(col(Ingest.REASON)).as("reason"),
                  Identifiers.mask(col(Ingest.RAW)).as("raw_values"),
                  col(ExtractReader.SOURCE_FILE).as("source_file")),
          "rejects",
          t.cdmName());
      long curated = metric(curatedCounts, "rows");
      long rejected = metric(rejectCounts, "rows");
      Map<String, Long> byRule = new TreeMap<>();
      for (String rule : Rules.REJECTING) {
        long n = metric(rejectCounts, rule);
        if (n > 0) {
          byRule.put(rule, n);
        }
      }
      Map<String, Long> flags = new TreeMap<>();
      for (String flag : Rules.FLAGGING) {
        long n = metric(curatedCounts, flag);
        if (n > 0) {
          flags.put(flag, n);
        }
      }
      long ruled = byRule.values().stream().mapToLong(Long::longValue).sum();
      if (rowsRead != curated + rejected || ruled != rejected) {
        throw new IllegalStateException(
            String.format(
                "Table %s: rows are not conserved: %d read, %d curated + %d rejected (%d by"
                    + " rule %s)",
                t.cdmName(), rowsRead, curated, rejected, ruled, byRule));
      }
      if (byRule.containsKey(Rules.INVALID_UTF8)) {
        throw notUtf8(ctx, t);
      }
      return new TableSummary(
          t.cdmName(), source, rowsRead, curated, rejected, byRule, flags, dropped);
    } finally {
      ctx.delete(staging);
    }
  }

  /** An observed metric, once the action that carried it has finished. */
  private static long metric(Observation o, String name) {
    try {
      Row row = Await.result(o.future(), Duration.create(10, TimeUnit.MINUTES));
      return ((Number) row.getAs(name)).longValue();
    } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
      throw new IllegalStateException("No metric " + name + " from " + o.name(), e);
    }
  }

  /**
   * Bytes that are not UTF-8 past the first 64 KiB of a file surface as U+FFFD in its values: the
   * file is not UTF-8, which is a structural failure like one seen in its head.
   */
  private static InputException notUtf8(RunContext ctx, CdmTable t) {
    List<String> files =
        ctx.read("rejects", t.cdmName())
            .filter(col("rule").equalTo(Rules.INVALID_UTF8))
            .select("source_file")
            .distinct()
            .orderBy("source_file")
            .limit(3)
            .as(Encoders.STRING())
            .collectAsList();
    return new InputException(
        "File "
            + String.join(", ", files)
            + " is not UTF-8 text: values of table "
            + t.cdmName()
            + " hold bytes that are not UTF-8 (convert the file to UTF-8)");
  }

  private static void checkBudget(
      TableSummary s, CdmTable t, IngestSettings settings, RunContext ctx) {
    double budget = settings.maxRejectShare(t);
    if (s.rejectShare() <= budget) {
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
            Locale.ROOT,
            "Table %s: %.1f%% of rows rejected (%d of %d), over the error budget of %.1f%%"
                + " (%s). Top rules: %s. Rejected rows are in %s",
            s.table(),
            100 * s.rejectShare(),
            s.rowsRejected(),
            s.rowsRead(),
            100 * budget,
            settings.maxRejectShareKey(t),
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

  /** The columns of rejects/<table>. */
  static final List<String> REJECT_COLUMNS =
      List.of("table_name", "rule", "reason", "raw_values", "source_file");

  private static Dataset<Row> emptyRejects(RunContext ctx) {
    List<StructField> fields = new ArrayList<>();
    for (String c : REJECT_COLUMNS) {
      fields.add(DataTypes.createStructField(c, DataTypes.StringType, true));
    }
    return ctx.spark()
        .createDataFrame(List.of(), new StructType(fields.toArray(StructField[]::new)));
  }

  private static Dataset<Row> emptyTyped(RunContext ctx, CdmTable t) {
    return Ingest.parse(emptyRaw(ctx, t), t, ctx.settings().ingest(), LocalDate.now());
  }
}
