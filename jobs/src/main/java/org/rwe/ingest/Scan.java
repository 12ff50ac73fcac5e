package org.rwe.ingest;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.rwe.omop.CsvRecordReader;
import org.rwe.omop.CsvSplit;
import org.rwe.omop.ExtractReader;

/**
 * Reads a table's records into checked rows ({@link RowCheck}) in Spark tasks: delimited text from
 * its bytes, one task per {@link CsvSplit}, or any Dataset of string columns (Parquet input).
 * Counting is the reader's: each split reports its records, blank lines and lines, which are what
 * ingest_summary says was read, independently of what the checks then make of the rows.
 */
public final class Scan {
  private Scan() {}

  /** What one split read. Offsets say where it began and ended, to check that splits meet. */
  public record SplitStats(
      int split,
      int fileIndex,
      long records,
      long blankLines,
      long lines,
      long firstOffset,
      long nextOffset)
      implements Serializable {}

  /** A text table being read: its splits, and what they report once the rows have been read. */
  public static final class Text {
    private final List<CsvSplit> splits;
    private final CollectionAccumulator<SplitStats> stats;

    Text(List<CsvSplit> splits, CollectionAccumulator<SplitStats> stats) {
      this.splits = splits;
      this.stats = stats;
    }

    /**
     * One report per split (a split read twice, by a retried task or a second job, reports the same
     * numbers twice); fails when a split has not reported, i.e. the rows were not all read.
     */
    public List<SplitStats> stats() {
      Map<Integer, SplitStats> bySplit = new TreeMap<>();
      for (SplitStats s : stats.value()) {
        bySplit.putIfAbsent(s.split(), s);
      }
      if (bySplit.size() != splits.size()) {
        throw new IllegalStateException(
            "only " + bySplit.size() + " of " + splits.size() + " splits reported their counts");
      }
      return List.copyOf(bySplit.values());
    }

    public long records() {
      return stats().stream().mapToLong(SplitStats::records).sum();
    }

    public long blankLines() {
      return stats().stream().mapToLong(SplitStats::blankLines).sum();
    }

    /**
     * Files whose ranges did not meet: a range began inside a quoted field that holds a line break.
     * Their rows are wrong and must be read again with the file whole.
     */
    public Set<String> filesToReadWhole() {
      Set<String> out = new HashSet<>();
      List<SplitStats> s = stats();
      for (int i = 1; i < s.size(); i++) {
        SplitStats prev = s.get(i - 1);
        SplitStats cur = s.get(i);
        if (prev.fileIndex() == cur.fileIndex() && prev.nextOffset() != cur.firstOffset()) {
          out.add(splits.get(cur.split()).path());
        }
      }
      return out;
    }

    /**
     * Per split, the number to add to a line within the split to make it the line within its file;
     * null when every file was read whole (lines are then the file's already).
     */
    /** The file each split reads, by split index. */
    public List<String> files() {
      return splits.stream().map(CsvSplit::path).toList();
    }

    public long[] lineOffsets() {
      List<SplitStats> s = stats();
      if (s.stream().allMatch(x -> splits.get(x.split()).first())) {
        return null;
      }
      long[] out = new long[s.size()];
      long before = 0;
      for (int i = 0; i < s.size(); i++) {
        if (i > 0 && s.get(i).fileIndex() != s.get(i - 1).fileIndex()) {
          before = 0;
        }
        out[i] = before;
        before += s.get(i).lines();
      }
      return out;
    }
  }

  /** Starts reading a text table: the checked rows, read when an action consumes them. */
  public static Text text(SparkSession spark, List<CsvSplit> splits) {
    CollectionAccumulator<SplitStats> stats = spark.sparkContext().collectionAccumulator();
    return new Text(splits, stats);
  }

  /** The checked rows of a text table's splits. */
  public static Dataset<Row> rows(
      SparkSession spark,
      Text text,
      ExtractReader.Located located,
      RowCheck check,
      int maxRecordLines) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> conf =
        jsc.broadcast(new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
    char delimiter = located.delimiter();
    int headerColumns = located.columns().size();
    int namedColumns = namedColumns(located.columns());
    CollectionAccumulator<SplitStats> stats = text.stats;
    JavaRDD<InternalRow> rows =
        jsc.parallelize(text.splits, Math.max(1, text.splits.size()))
            .mapPartitions(
                splits ->
                    new Records(
                        splits,
                        conf.value().value(),
                        delimiter,
                        maxRecordLines,
                        headerColumns,
                        namedColumns,
                        check,
                        stats));
    return internalDataFrame(spark, rows.rdd(), check);
  }

  /**
   * The checked rows of a Dataset whose columns are the input's, as strings, plus {@link
   * ExtractReader#SOURCE_FILE} (Parquet input; tests).
   */
  public static Dataset<Row> rows(SparkSession spark, Dataset<Row> raw, RowCheck check) {
    List<String> names = Arrays.asList(raw.columns());
    int file = names.indexOf(ExtractReader.SOURCE_FILE);
    int[] positions = check.inputColumns().stream().mapToInt(names::indexOf).toArray();
    RDD<InternalRow> input = raw.queryExecution().toRdd();
    JavaRDD<InternalRow> rows =
        input
            .toJavaRDD()
            .mapPartitions(
                it ->
                    new Iterator<InternalRow>() {
                      @Override
                      public boolean hasNext() {
                        return it.hasNext();
                      }

                      @Override
                      public InternalRow next() {
                        InternalRow r = it.next();
                        RowCheck.Fields f =
                            new RowCheck.Fields() {
                              @Override
                              public int count() {
                                return positions.length;
                              }

                              @Override
                              public String get(int k) {
                                int p = positions[k];
                                return p < 0 || r.isNullAt(p)
                                    ? null
                                    : r.getUTF8String(p).toString();
                              }
                            };
                        UTF8String source =
                            file < 0 || r.isNullAt(file) ? null : r.getUTF8String(file).clone();
                        return check.check(f, source, -1, -1, null, null);
                      }
                    });
    return internalDataFrame(spark, rows.rdd(), check);
  }

  /**
   * Checked rows are Spark's own internal rows (no per-row conversion from Java objects, which
   * createDataFrame of Rows costs); the classic session's method is the one way to make a DataFrame
   * of them.
   */
  private static Dataset<Row> internalDataFrame(
      SparkSession spark, RDD<InternalRow> rows, RowCheck check) {
    return ((org.apache.spark.sql.classic.SparkSession) spark)
        .internalCreateDataFrame(rows, RowCheck.schema(check.table()), false);
  }

  /** Columns up to and including the last one with a name. */
  static int namedColumns(List<String> columns) {
    int named = 0;
    for (int i = 0; i < columns.size(); i++) {
      if (!columns.get(i).startsWith(ExtractReader.UNNAMED)) {
        named = i + 1;
      }
    }
    return named;
  }

  /**
   * Why a record's fields cannot be matched to the header's columns, or null. Exports often end
   * every row with a delimiter, or the header with one (an unnamed last column): a record lines up
   * when every named column has its field and every field beyond the header is empty.
   */
  static String misaligned(CsvRecordReader r, int headerColumns, int namedColumns) {
    int n = r.fieldCount();
    if (n == headerColumns) {
      return null;
    }
    boolean aligned = n >= namedColumns;
    for (int k = headerColumns; k < n && aligned; k++) {
      aligned = r.isBlank(k);
    }
    return aligned
        ? null
        : "the record has "
            + n
            + " fields where the header has "
            + headerColumns
            + " (a field too many or too few; an unescaped quote or delimiter?)";
  }

  /** The checked rows of one task's splits, read one after the other. */
  private static final class Records implements Iterator<InternalRow> {
    private final Iterator<CsvSplit> splits;
    private final org.apache.hadoop.conf.Configuration conf;
    private final char delimiter;
    private final int maxRecordLines;
    private final int headerColumns;
    private final int namedColumns;
    private final RowCheck check;
    private final CollectionAccumulator<SplitStats> stats;
    private CsvSplit split;
    private CsvRecordReader reader;
    private boolean ready;

    Records(
        Iterator<CsvSplit> splits,
        org.apache.hadoop.conf.Configuration conf,
        char delimiter,
        int maxRecordLines,
        int headerColumns,
        int namedColumns,
        RowCheck check,
        CollectionAccumulator<SplitStats> stats) {
      this.splits = splits;
      this.conf = conf;
      this.delimiter = delimiter;
      this.maxRecordLines = maxRecordLines;
      this.headerColumns = headerColumns;
      this.namedColumns = namedColumns;
      this.check = check;
      this.stats = stats;
      TaskContext task = TaskContext.get();
      if (task != null) {
        task.addTaskCompletionListener(
            (org.apache.spark.util.TaskCompletionListener) t -> closeQuietly());
      }
    }

    @Override
    public boolean hasNext() {
      while (!ready) {
        if (reader == null) {
          if (!splits.hasNext()) {
            return false;
          }
          split = splits.next();
          reader = split.open(conf, delimiter, maxRecordLines);
        }
        if (reader.next()) {
          ready = true;
        } else {
          stats.add(
              new SplitStats(
                  split.index(),
                  split.fileIndex(),
                  reader.records(),
                  reader.blankLines(),
                  reader.lines(),
                  reader.firstOffset(),
                  reader.nextOffset()));
          closeQuietly();
        }
      }
      return true;
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      ready = false;
      CsvRecordReader r = reader;
      String malformed = r.malformed();
      if (malformed == null) {
        malformed = misaligned(r, headerColumns, namedColumns);
      }
      RowCheck.Fields f = RowCheck.Fields.of(r);
      // The file is known by the split (TableIngest names it for rejected rows only); the
      // record's bytes travel for the rules applied after this check, which may reject it too.
      return check.check(
          f, null, split.index(), r.line(), malformed, UTF8String.fromBytes(r.textBytes()));
    }

    private void closeQuietly() {
      if (reader != null) {
        try {
          reader.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } finally {
          reader = null;
        }
      }
    }
  }
}
