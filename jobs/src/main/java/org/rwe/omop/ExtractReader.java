package org.rwe.omop;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Finds and reads the tables of an OMOP extract: {@code person.csv}, {@code PERSON.csv.gz}, a
 * folder {@code person/} of part files, TSV or Parquet. Names are matched case-insensitively. Every
 * column is read as a string, so that a bad value becomes a rejected row rather than a failed job;
 * typing is ingest's work.
 */
public final class ExtractReader {
  /** Column holding the file each raw row came from (for rejects). */
  public static final String SOURCE_FILE = "_source_file";

  private static final List<String> SUFFIXES =
      List.of(".csv.gz", ".tsv.gz", ".txt.gz", ".csv", ".tsv", ".txt", ".parquet");

  private final SparkSession spark;
  private final Path root;
  private final FileSystem fs;

  /** A located table: where it is, and how to read it. */
  public record Located(CdmTable table, Path path, String format, char delimiter) {}

  public ExtractReader(SparkSession spark, String inputDir) {
    this.spark = spark;
    this.root = new Path(inputDir);
    try {
      Configuration conf = spark.sparkContext().hadoopConfiguration();
      this.fs = root.getFileSystem(conf);
      if (!fs.exists(root) || !fs.getFileStatus(root).isDirectory()) {
        throw new InputException("Input folder not found: " + inputDir);
      }
    } catch (IOException e) {
      throw new InputException("Cannot open input folder " + inputDir + ": " + e.getMessage(), e);
    }
  }

  /** The table's file or folder, if the extract has it. */
  public Optional<Located> locate(CdmTable table) {
    try {
      List<FileStatus> matches = new ArrayList<>();
      for (FileStatus s : fs.listStatus(root)) {
        String name = s.getPath().getName().toLowerCase(Locale.ROOT);
        if (name.equals(table.cdmName()) && s.isDirectory()) {
          matches.add(s);
          continue;
        }
        for (String suffix : SUFFIXES) {
          if (name.equals(table.cdmName() + suffix)) {
            matches.add(s);
          }
        }
      }
      if (matches.isEmpty()) {
        return Optional.empty();
      }
      if (matches.size() > 1) {
        throw new InputException(
            "Table "
                + table.cdmName()
                + " is given more than once in "
                + root
                + ": "
                + matches.stream().map(m -> m.getPath().getName()).toList());
      }
      Path path = matches.get(0).getPath();
      Path sample = firstDataFile(path);
      if (sample == null) {
        throw new InputException("Table " + table.cdmName() + ": folder " + path + " is empty");
      }
      String sampleName = sample.getName().toLowerCase(Locale.ROOT);
      if (sampleName.endsWith(".parquet")) {
        return Optional.of(new Located(table, path, "parquet", ','));
      }
      String header = firstLine(sample);
      return Optional.of(new Located(table, path, "csv", detectDelimiter(header)));
    } catch (IOException e) {
      throw new InputException("Cannot list " + root + ": " + e.getMessage(), e);
    }
  }

  private Path firstDataFile(Path path) throws IOException {
    FileStatus status = fs.getFileStatus(path);
    if (!status.isDirectory()) {
      return path;
    }
    FileStatus[] parts = fs.listStatus(path);
    Arrays.sort(parts);
    for (FileStatus p : parts) {
      String n = p.getPath().getName();
      if (p.isFile() && !n.startsWith("_") && !n.startsWith(".")) {
        return p.getPath();
      }
    }
    return null;
  }

  /** Reads the header line, checking that the bytes are UTF-8 and the file is not empty. */
  private String firstLine(Path file) throws IOException {
    byte[] head = new byte[64 * 1024];
    int n = 0;
    try (InputStream raw = new BufferedInputStream(fs.open(file));
        InputStream in =
            file.getName().toLowerCase(Locale.ROOT).endsWith(".gz")
                ? new GZIPInputStream(raw)
                : raw) {
      int r;
      while (n < head.length && (r = in.read(head, n, head.length - n)) > 0) {
        n += r;
      }
    } catch (java.io.EOFException | java.util.zip.ZipException e) {
      throw new InputException("File " + file + " is not a readable gzip file: " + e.getMessage());
    }
    if (n == 0) {
      throw new InputException("File " + file + " is empty (no header row)");
    }
    // Cut at the last complete line so a multi-byte character split by the buffer is not an error.
    int end = n;
    if (n == head.length) {
      while (end > 0 && head[end - 1] != '\n') {
        end--;
      }
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(head, 0, end));
    } catch (CharacterCodingException e) {
      throw new InputException("File " + file + " is not UTF-8 text");
    }
    String text = new String(head, 0, end, StandardCharsets.UTF_8);
    int nl = text.indexOf('\n');
    String header = nl < 0 ? text : text.substring(0, nl);
    return header.replace("\r", "").replace("\uFEFF", "");
  }

  static char detectDelimiter(String header) {
    char best = ',';
    long bestCount = 0;
    for (char c : new char[] {',', '\t', ';', '|'}) {
      long count = header.chars().filter(x -> x == c).count();
      if (count > bestCount) {
        best = c;
        bestCount = count;
      }
    }
    return best;
  }

  /**
   * Reads a located table with every column as a string, names lower-cased and trimmed, plus the
   * source file of each row. Fails, naming file and column, when a required column is missing.
   */
  public Dataset<Row> readRaw(Located located) {
    Dataset<Row> df;
    String path = located.path().toString();
    if (located.format().equals("parquet")) {
      df = spark.read().parquet(path);
      for (var f : df.schema().fields()) {
        df = df.withColumn(f.name(), df.col(f.name()).cast(DataTypes.StringType));
      }
    } else {
      df =
          spark
              .read()
              .option("header", "true")
              .option("inferSchema", "false")
              .option("sep", String.valueOf(located.delimiter()))
              .option("quote", "\"")
              .option("escape", "\"")
              .option("multiLine", "true")
              .option("mode", "PERMISSIVE")
              .option("encoding", "UTF-8")
              .csv(path);
    }
    df = normalizeNames(df, located);
    checkColumns(df, located);
    return df.withColumn(SOURCE_FILE, functions.input_file_name());
  }

  private static Dataset<Row> normalizeNames(Dataset<Row> df, Located located) {
    Map<String, String> renamed = new LinkedHashMap<>();
    for (String c : df.columns()) {
      String n = c.replace("\uFEFF", "").trim().toLowerCase(Locale.ROOT);
      if (renamed.containsValue(n)) {
        throw new InputException(
            "File " + located.path() + ": column '" + n + "' appears twice in the header");
      }
      renamed.put(c, n);
    }
    List<Column> cols = new ArrayList<>();
    renamed.forEach((from, to) -> cols.add(functions.col("`" + from + "`").as(to)));
    return df.select(cols.toArray(Column[]::new));
  }

  private static void checkColumns(Dataset<Row> df, Located located) {
    List<String> present = Arrays.asList(df.columns());
    if (present.size() == 1 && located.table().columns().size() > 1) {
      throw new InputException(
          "File "
              + located.path()
              + ": the header has a single column '"
              + present.get(0)
              + "'; wrong delimiter? (detected '"
              + (located.delimiter() == '\t' ? "\\t" : String.valueOf(located.delimiter()))
              + "')");
    }
    for (CdmColumn c : located.table().columns()) {
      if (c.required() && !present.contains(c.name())) {
        throw new InputException(
            "File "
                + located.path()
                + ": required column '"
                + c.name()
                + "' of table "
                + located.table().cdmName()
                + " is missing (columns: "
                + present
                + ")");
      }
    }
  }

  public Path root() {
    return root;
  }

  /** Total size in bytes of a located table (for the input fingerprint). */
  public long size(Located located) {
    try {
      return fs.getContentSummary(located.path()).getLength();
    } catch (IOException e) {
      return -1;
    }
  }
}
