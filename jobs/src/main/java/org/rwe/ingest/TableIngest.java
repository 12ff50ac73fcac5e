package org.rwe.ingest;

import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.CollectionAccumulator;
import org.rwe.config.IngestSettings;
import org.rwe.ingest.IngestJob.TableSummary;
import org.rwe.omop.CdmTable;
import org.rwe.omop.ExtractReader;
import org.rwe.omop.InputException;
import org.rwe.run.RunContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.Await;
import scala.concurrent.duration.Duration;

/**
 * One table's ingest: its input read and checked ({@link Scan}, {@link RowCheck}, then the rules
 * that look beyond the row: overlapping periods, the person's facts, the vocabulary), curated/ and
 * rejects/ written, every row counted.
 *
 * <p>Rows are written where they are checked, with no intermediate copy: one pass over the input
 * writes curated/ and hands the rejected rows back to the driver with its tasks' results ({@link
 * RejectedRows}, a bounded number), from which rejects/ is written; a table with more rejected rows
 * than that is read a second time for them. A duplicate key is only seen once every row has been
 * checked: when curated/ has one, the table is checked again into a staging copy of every row
 * (keeping each row's raw values and position), the later rows of each key are rejected or flagged,
 * and curated/ and rejects/ are written from the copy.
 */
final class TableIngest {
  private static final Logger LOG = LoggerFactory.getLogger(TableIngest.class);

  /** Keys sorted by one task of the duplicate-key check. */
  private static final long KEYS_PER_BUCKET = 4_000_000;

  /** Observation names must be unique among the queries of a session that run at once. */
  private static final AtomicLong RUNS = new AtomicLong();

  private final RunContext ctx;
  private final ExtractReader reader;
  private final CdmTable table;
  private final ExtractReader.Located located;
  private final IngestSettings settings;
  private final Dataset<Row> persons;
  private final RowCheck check;
  private final long splitBytes;

  /** Text files whose splits did not meet (a quoted line break across a split): read whole. */
  private final Set<String> whole = new HashSet<>();

  TableIngest(
      RunContext ctx,
      ExtractReader reader,
      ExtractReader.Located located,
      IngestSettings settings,
      LocalDate today,
      Dataset<Row> persons) {
    this.ctx = ctx;
    this.reader = reader;
    this.table = located.table();
    this.located = located;
    this.settings = settings;
    this.persons = persons;
    this.check = new RowCheck(table, located.columns(), settings, today, parquet());
    this.splitBytes = settings.splitSize();
  }

  private boolean parquet() {
    return located.format().equals("parquet");
  }

  /** One pass of the input through every rule; rows are read when an action consumes them. */
  private final class Pass {
    final Scan.Text text;
    final Dataset<Row> checked;

    Pass() {
      // Rows read are counted apart from the checks, so that rows_read = rows_curated +
      // rows_rejected is verified, not assumed: for Parquet by its footers, for text by the
      // reader, split by split, from the file's own records.
      if (parquet()) {
        text = null;
        checked = beyondTheRow(Scan.rows(ctx.spark(), reader.readParquet(located), check));
      } else {
        text = Scan.text(ctx.spark(), reader.splits(located, splitBytes, whole));
        checked =
            beyondTheRow(Scan.rows(ctx.spark(), text, located, check, settings.maxRecordLines()));
      }
    }

    long rowsRead() {
      return text != null ? text.records() : located.parquetRows();
    }

    long blankLines() {
      return text != null ? text.blankLines() : 0;
    }

    /** Whether every split of a text file met the next: else the file is marked to read whole. */
    boolean splitsMet() {
      if (text == null) {
        return true;
      }
      Set<String> again = text.filesToReadWhole();
      if (again.isEmpty()) {
        return true;
      }
      // A split began inside a quoted field that holds a line break: its rows are not the
      // file's. Rare (a quoted line break right at a split's start); the file is read whole.
      LOG.info(
          "ingest {}: {} has a quoted line break across a split; reading it whole",
          table.cdmName(),
          again);
      whole.addAll(again);
      return false;
    }

    long[] lineOffsets() {
      return text != null ? text.lineOffsets() : null;
    }

    /** The file of a row: by its split for text, as read for Parquet. */
    Column sourceFile() {
      if (text == null) {
        return col(ExtractReader.SOURCE_FILE);
      }
      Column[] files = text.files().stream().map(functions::lit).toArray(Column[]::new);
      return functions.element_at(functions.array(files), col(RowCheck.SPLIT).plus(1));
    }

    /** Tasks of the pass (for text: its splits). */
    int partitions() {
      return checked.rdd().getNumPartitions();
    }
  }

  /**
   * The rejected rows of a pass, handed back to the driver with the tasks' results while the pass
   * writes curated/, so that a table with few rejects is read once. What rejects/ needs of a row
   * (rule, reason, raw text, file, split, line) is a few hundred bytes; at most {@link #MAX_KEPT}
   * rows a table are kept (a bound of the driver's memory that does not grow with the extract). A
   * task that meets more keeps none beyond its share, and the count then falls short of the
   * rejected rows: the caller reads the table again for them.
   */
  private final class RejectedRows {
    private final CollectionAccumulator<Row> rows =
        ctx.spark().sparkContext().collectionAccumulator();
    private final int perTask;

    RejectedRows(int partitions) {
      this.perTask = Math.max(1, MAX_KEPT / Math.max(1, partitions));
    }

    /** The rows without a rule; rejected rows go to the accumulator, up to each task's share. */
    Dataset<Row> passing(Dataset<Row> checked) {
      StructType schema = checked.schema();
      int rule = schema.fieldIndex(Ingest.RULE);
      int[] kept = REJECT_FIELDS.stream().mapToInt(schema::fieldIndex).toArray();
      DataType[] types =
          Arrays.stream(kept).mapToObj(i -> schema.fields()[i].dataType()).toArray(DataType[]::new);
      CollectionAccumulator<Row> sink = rows;
      int share = perTask;
      JavaRDD<InternalRow> passing =
          checked
              .queryExecution()
              .toRdd()
              .toJavaRDD()
              .mapPartitions(it -> new Passing(it, rule, kept, types, sink, share));
      return ((org.apache.spark.sql.classic.SparkSession) ctx.spark())
          .internalCreateDataFrame(passing.rdd(), schema, false);
    }

    /** True when every one of the pass's {@code rejected} rows was handed back. */
    boolean all(long rejected) {
      return rows.value().size() == rejected;
    }

    /** The handed-back rows, as a Dataset with the columns rejects/ is made of. */
    Dataset<Row> rows() {
      StructType schema = new StructType();
      StructType full = RowCheck.schema(table);
      for (String f : REJECT_FIELDS) {
        schema = schema.add(full.apply(f));
      }
      return ctx.spark().createDataFrame(rows.value(), schema);
    }
  }

  /** A task's rows without a rule; its rejected rows go to the accumulator, up to its share. */
  private static final class Passing implements Iterator<InternalRow> {
    private final Iterator<InternalRow> rows;
    private final int rule;
    private final int[] kept;
    private final DataType[] types;
    private final CollectionAccumulator<Row> sink;
    private final int share;
    private int taken;
    private InternalRow next;

    Passing(
        Iterator<InternalRow> rows,
        int rule,
        int[] kept,
        DataType[] types,
        CollectionAccumulator<Row> sink,
        int share) {
      this.rows = rows;
      this.rule = rule;
      this.kept = kept;
      this.types = types;
      this.sink = sink;
      this.share = share;
    }

    @Override
    public boolean hasNext() {
      while (next == null && rows.hasNext()) {
        InternalRow r = rows.next();
        if (r.isNullAt(rule)) {
          next = r;
        } else if (taken++ < share) {
          Object[] v = new Object[kept.length];
          for (int i = 0; i < kept.length; i++) {
            Object x = r.isNullAt(kept[i]) ? null : r.get(kept[i], types[i]);
            v[i] = x instanceof UTF8String u ? u.toString() : x;
          }
          sink.add(RowFactory.create(v));
        }
      }
      return next != null;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      InternalRow r = next;
      next = null;
      return r;
    }
  }

  /** What rejects/ is made of, of a checked row. */
  private static final List<String> REJECT_FIELDS =
      List.of(
          Ingest.RULE,
          Ingest.REASON,
          Ingest.RAW,
          ExtractReader.SOURCE_FILE,
          RowCheck.SPLIT,
          RowCheck.LINE);

  /** Rejected rows of a table handed back by the pass that writes curated/ (see RejectedRows). */
  private static final int MAX_KEPT = 50_000;

  /** The rules that need more than the row: overlapping periods, the person, the vocabulary. */
  private Dataset<Row> beyondTheRow(Dataset<Row> checked) {
    if (table == CdmTable.OBSERVATION_PERIOD) {
      checked = Ingest.rejectOverlappingPeriods(checked);
    }
    if (table.personLevel() && table != CdmTable.PERSON) {
      checked = Ingest.checkAgainstPersons(checked, table, persons, settings);
    }
    if (table.conceptColumn() != null) {
      checked = Ingest.flagUnknownConcepts(checked, table, ctx.curated("concept"));
    }
    return checked;
  }

  TableSummary run(List<String> dropped) {
    while (true) {
      Pass pass = new Pass();
      RejectedRows kept = new RejectedRows(pass.partitions());
      Counts curated = writeCurated(kept.passing(pass.checked));
      if (!pass.splitsMet()) {
        continue;
      }
      if (duplicateKeys(curated.rows())) {
        return staged(dropped);
      }
      long rowsRead = pass.rowsRead();
      long rejected = rowsRead - curated.rows();
      Counts rejects = Counts.NONE;
      if (rejected > 0 && kept.all(rejected)) {
        rejects = writeRejects(kept.rows(), pass);
      } else if (rejected > 0) {
        // More rejected rows than the first pass hands back: read again for them.
        Pass again = new Pass();
        // Files and lines come from the first pass's splits and counts (the second reads the same).
        rejects = writeRejects(again.checked, pass);
        if (!again.splitsMet() || again.rowsRead() != rowsRead) {
          throw new IllegalStateException(
              "Table " + table.cdmName() + ": a second read of the input differs from the first");
        }
      } else {
        ctx.write(IngestJob.emptyRejects(ctx), "rejects", table.cdmName());
      }
      return summary(rowsRead, pass.blankLines(), curated, rejects, dropped);
    }
  }

  /**
   * The careful path, for a table with duplicate keys: every checked row staged once with its raw
   * values and position, duplicates ranked (the first in the input is kept), then split.
   */
  private TableSummary staged(List<String> dropped) {
    boolean flagOnly = settings.flagOnly(table).contains(Rules.DUPLICATE_PRIMARY_KEY);
    LOG.info(
        "ingest {}: duplicate keys; checking it again to {} the later rows of each key",
        table.cdmName(),
        flagOnly ? "flag" : "reject");
    String staging = ctx.stagePath("_staging", table.cdmName());
    try {
      while (true) {
        Pass pass = new Pass();
        try {
          pass.checked.write().mode(SaveMode.Overwrite).parquet(staging);
        } catch (Exception e) { // SparkException is checked, though Scala throws it undeclared
          throw explained(e);
        }
        if (!pass.splitsMet()) {
          continue;
        }
        Dataset<Row> deduped =
            Ingest.dedupe(ctx.spark().read().parquet(staging), table, flagOnly).localCheckpoint();
        Counts curated = writeCurated(deduped);
        Counts rejects = writeRejects(deduped, pass);
        return summary(pass.rowsRead(), pass.blankLines(), curated, rejects, dropped);
      }
    } finally {
      ctx.delete(staging);
    }
  }

  /** Rows written and their count per flag (curated) or per rule (rejects). */
  private record Counts(long rows, Map<String, Long> byName) {
    static final Counts NONE = new Counts(0, Map.of());
  }

  /**
   * Parquet's writer tries a dictionary for every column and falls back to plain values once the
   * dictionary outgrows a page; for identifiers, which hardly repeat, the attempt is wasted work on
   * every value (a tenth of ingest's CPU in a profile at 200,000 persons). Concept ids and dates,
   * which repeat, keep their dictionaries.
   */
  private Map<String, String> parquetOptions() {
    Map<String, String> options = new TreeMap<>();
    for (String id : table.primaryKey()) {
      options.put("parquet.enable.dictionary#" + id, "false");
    }
    for (String id : List.of("person_id", "visit_occurrence_id")) {
      if (table.hasColumn(id) && table.personLevel()) {
        options.put("parquet.enable.dictionary#" + id, "false");
      }
    }
    return options;
  }

  /** Writes the rows that passed every rule, counting them and their flags as they go. */
  private Counts writeCurated(Dataset<Row> checked) {
    List<Column> flagCounts = new ArrayList<>();
    for (String flag : Rules.FLAGGING) {
      flagCounts.add(count_if(array_contains(col(Ingest.FLAGS), flag)).as(flag));
    }
    Observation counts =
        new Observation("ingest_curated_" + table.cdmName() + "_" + RUNS.incrementAndGet());
    try {
      ctx.write(
          checked
              .filter(col(Ingest.RULE).isNull())
              .observe(counts, count(lit(1)).as("rows"), flagCounts.toArray(Column[]::new))
              .select(Ingest.curatedColumns(table)),
          "curated",
          table.cdmName(),
          parquetOptions());
    } catch (Exception e) { // SparkException is checked, though Scala throws it undeclared
      throw explained(e);
    }
    return new Counts(metric(counts, "rows"), metrics(counts, Rules.FLAGGING));
  }

  /** Writes the rejected rows with their rule, reason, raw values, file and line. */
  private Counts writeRejects(Dataset<Row> checked, Pass read) {
    List<Column> ruleCounts = new ArrayList<>();
    for (String rule : Rules.REJECTING) {
      ruleCounts.add(count_if(col(Ingest.RULE).equalTo(rule)).as(rule));
    }
    Observation counts =
        new Observation("ingest_rejected_" + table.cdmName() + "_" + RUNS.incrementAndGet());
    try {
      ctx.write(
          checked
              .filter(col(Ingest.RULE).isNotNull())
              .observe(counts, count(lit(1)).as("rows"), ruleCounts.toArray(Column[]::new))
              .select(
                  lit(table.cdmName()).as("table_name"),
                  col(Ingest.RULE).as("rule"),
                  Identifiers.mask(col(Ingest.REASON)).as("reason"),
                  Identifiers.mask(rawValues()).as("raw_values"),
                  read.sourceFile().as("source_file"),
                  line(read.lineOffsets()).as("line")),
          "rejects",
          table.cdmName());
    } catch (Exception e) { // SparkException is checked, though Scala throws it undeclared
      throw explained(e);
    }
    return new Counts(metric(counts, "rows"), metrics(counts, Rules.REJECTING));
  }

  /** A failed read of the input, explained (file, line); other failures as they are. */
  private RuntimeException explained(Exception e) {
    return ExtractReader.explainReadFailure(e, table, Optional.of(located))
        .map(RuntimeException.class::cast)
        .orElseGet(() -> e instanceof RuntimeException re ? re : new IllegalStateException(e));
  }

  /**
   * What rejects/ shows of a rejected row: the raw values of the used and source-value columns
   * (JSON), made from a text record's text; for a malformed record, its text as read.
   */
  private Column rawValues() {
    if (parquet()) {
      return col(Ingest.RAW);
    }
    RowCheck rows = check;
    char delimiter = located.delimiter();
    UserDefinedFunction json =
        functions.udf(
            (UDF1<String, String>)
                text -> text == null ? null : rows.rawValuesOfText(text, delimiter),
            DataTypes.StringType);
    return when(col(Ingest.RULE).equalTo(Rules.MALFORMED_RECORD), col(Ingest.RAW))
        .otherwise(json.apply(col(Ingest.RAW)));
  }

  /**
   * The line of a rejected row within its file: the reader's line within the split, plus the lines
   * of the file's splits before it (offsets null: every file was read whole).
   */
  private static Column line(long[] lineOffsets) {
    Column line = col(RowCheck.LINE);
    if (lineOffsets == null) {
      return line;
    }
    Column[] offsets = Arrays.stream(lineOffsets).mapToObj(functions::lit).toArray(Column[]::new);
    return line.plus(functions.element_at(functions.array(offsets), col(RowCheck.SPLIT).plus(1)));
  }

  /**
   * True when two curated rows share a primary key. A table's key is usually one id column: its
   * values are sorted per hash bucket and neighbours compared (no hash table of every key, which
   * was a tenth of ingest's time); a composite key (the vocabulary's) is grouped by Spark.
   */
  private boolean duplicateKeys(long rows) {
    Dataset<Row> keys =
        ctx.curated(table.cdmName())
            .select(table.primaryKey().stream().map(functions::col).toArray(Column[]::new));
    if (table.primaryKey().size() > 1) {
      return !keys.groupBy(Arrays.stream(keys.columns()).map(functions::col).toArray(Column[]::new))
          .count()
          .filter(col("count").gt(1))
          .limit(1)
          .isEmpty();
    }
    String key = table.primaryKey().get(0);
    // A few million keys a bucket (8 bytes each, sorted in a task): tiny buckets would cost a
    // scheduled task each.
    int buckets =
        (int)
            Math.max(
                1,
                Math.min(
                    Integer.parseInt(ctx.spark().conf().get("spark.sql.shuffle.partitions")),
                    (rows + KEYS_PER_BUCKET - 1) / KEYS_PER_BUCKET));
    JavaRDD<InternalRow> sorted =
        keys.filter(col(key).isNotNull())
            .repartition(buckets, col(key))
            .queryExecution()
            .toRdd()
            .toJavaRDD();
    return sorted
        .mapPartitions(
            bucket -> {
              long[] v = new long[1024];
              int n = 0;
              while (bucket.hasNext()) {
                if (n == v.length) {
                  v = Arrays.copyOf(v, n * 2);
                }
                v[n++] = bucket.next().getLong(0);
              }
              Arrays.sort(v, 0, n);
              for (int i = 1; i < n; i++) {
                if (v[i] == v[i - 1]) {
                  return List.of(true).iterator();
                }
              }
              return List.of(false).iterator();
            })
        .fold(false, (a, b) -> a || b);
  }

  private TableSummary summary(
      long rowsRead, long blankLines, Counts curated, Counts rejects, List<String> dropped) {
    long ruled = rejects.byName().values().stream().mapToLong(Long::longValue).sum();
    if (rowsRead != curated.rows() + rejects.rows() || ruled != rejects.rows()) {
      throw new IllegalStateException(
          String.format(
              "Table %s: rows are not conserved: %d read, %d curated + %d rejected (%d by"
                  + " rule %s)",
              table.cdmName(), rowsRead, curated.rows(), rejects.rows(), ruled, rejects.byName()));
    }
    if (rejects.byName().containsKey(Rules.INVALID_UTF8)) {
      throw notUtf8();
    }
    return new TableSummary(
        table.cdmName(),
        located.source(),
        rowsRead,
        blankLines,
        curated.rows(),
        rejects.rows(),
        rejects.byName(),
        curated.byName(),
        dropped);
  }

  /**
   * Values Parquet's reader decoded as U+FFFD: the file is not UTF-8, a structural failure like one
   * the text reader finds in a delimited file.
   */
  private InputException notUtf8() {
    List<String> files =
        ctx.read("rejects", table.cdmName())
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
            + table.cdmName()
            + " hold bytes that are not UTF-8 (convert the file to UTF-8)");
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

  /** The observed counts that are not zero, by name. */
  private static Map<String, Long> metrics(Observation o, List<String> names) {
    Map<String, Long> out = new TreeMap<>();
    for (String name : names) {
      long n = metric(o, name);
      if (n > 0) {
        out.put(name, n);
      }
    }
    return out;
  }
}
