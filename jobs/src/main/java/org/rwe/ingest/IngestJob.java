package org.rwe.ingest;

import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
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
      long blankLines,
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
      // Parquet (not a localCheckpoint: a file survives the loss of an executor). Up to
      // ingest.broadcastPersons persons the facts are broadcast to the tasks that read the
      // events, which check each row where they read it; above it (or should Spark's own size
      // rule not broadcast them) the events are shuffled by person_id to a sort-merge join, which
      // holds nothing per person on the driver. At 1,000,000 persons the broadcast saves a shuffle
      // of every event row: ingest 178 s -> 147 s (docs/benchmarks.md).
      Dataset<Row> persons = null;
      if (wave.stream().anyMatch(t -> t.personLevel() && t != CdmTable.PERSON)) {
        String facts = ctx.stagePath("_staging", "_person_facts_" + wave.get(0).cdmName());
        personInfo(ctx, wave.get(0)).write().mode(SaveMode.Overwrite).parquet(facts);
        persons = ctx.spark().read().parquet(facts);
        if (done.get(CdmTable.PERSON).rowsCurated() <= settings.broadcastPersons()) {
          persons = org.apache.spark.sql.functions.broadcast(persons);
        }
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
      return new TableSummary(t.cdmName(), ABSENT, 0, 0, 0, 0, Map.of(), Map.of(), List.of());
    }
    List<String> dropped =
        l.get().columns().stream().filter(c -> !t.hasColumn(c)).sorted().toList();
    TableSummary summary =
        new TableIngest(ctx, reader, l.get(), settings, today, persons).run(dropped);
    LOG.info(
        "ingest {}: {} read, {} curated, {} rejected{}{}",
        t.cdmName(),
        summary.rowsRead(),
        summary.rowsCurated(),
        summary.rowsRejected(),
        summary.rejectedByRule().isEmpty() ? "" : " " + summary.rejectedByRule(),
        summary.blankLines() == 0 ? "" : "; " + summary.blankLines() + " blank lines skipped");
    checkBudget(summary, t, settings, ctx);
    return summary;
  }

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
              s.blankLines(),
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
      List.of("table_name", "rule", "reason", "raw_values", "source_file", "line");

  static Dataset<Row> emptyRejects(RunContext ctx) {
    List<StructField> fields = new ArrayList<>();
    for (String c : REJECT_COLUMNS) {
      fields.add(
          DataTypes.createStructField(
              c, c.equals("line") ? DataTypes.LongType : DataTypes.StringType, true));
    }
    return ctx.spark()
        .createDataFrame(List.of(), new StructType(fields.toArray(StructField[]::new)));
  }

  private static Dataset<Row> emptyTyped(RunContext ctx, CdmTable t) {
    return Ingest.parse(emptyRaw(ctx, t), t, ctx.settings().ingest(), LocalDate.now());
  }
}
