package org.rwe.omop;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Finds and reads the tables of an OMOP extract: {@code person.csv}, {@code PERSON.csv.gz}, a
 * folder {@code person/} (or {@code person.parquet/}, as Spark writes one) of part files, TSV or
 * Parquet. Only names that are CDM table names are looked at, case-insensitively, so other files
 * and folders beside the tables (a README, a nested extract such as {@code eunomia-gibleed/}) are
 * never mistaken for one.
 *
 * <p>Structural problems fail fast, before any Spark job, naming the file (and column): an empty
 * file, a header without rows in a required table, bytes that are not UTF-8 (or NUL bytes of
 * UTF-16) or a broken gzip stream in the first 64 KiB of each file, a header that splits into one
 * column (wrong delimiter), part files whose headers differ, a required column missing or given
 * twice. Problems only visible further into a file (a gzip truncated after its first 64 KiB, bytes
 * that are not UTF-8 later on) surface while ingest reads it, and ingest reports them the same way.
 *
 * <p>Every column is read as a string, so that a bad value becomes a rejected row rather than a
 * failed job; typing is ingest's work.
 */
public final class ExtractReader {
  /** Column holding the file each raw row came from (for rejects). */
  public static final String SOURCE_FILE = "_source_file";

  /** The delimiters tried when none is configured, in order of preference on a tie. */
  static final char[] CANDIDATE_DELIMITERS = {',', '\t', ';', '|'};

  /** Name given to a header field without a name (e.g. after a trailing delimiter). */
  public static final String UNNAMED = "_unnamed_";

  private static final List<String> SUFFIXES =
      List.of(".csv.gz", ".tsv.gz", ".txt.gz", ".csv", ".tsv", ".txt", ".parquet");
  private static final int HEAD_BYTES = 64 * 1024;

  private final SparkSession spark;
  private final Path root;
  private final FileSystem fs;
  private final char delimiter;

  /**
   * A located table: where it is, how to read it, its data files and its column names as ingest
   * sees them (lower-cased; a repeated unused column renamed {@code name#position}; an unnamed one
   * {@code _unnamed_position}), and for Parquet the rows its footers count (-1 for text, whose
   * records are counted as they are read).
   */
  public record Located(
      CdmTable table,
      Path path,
      String format,
      char delimiter,
      List<Path> files,
      List<String> columns,
      boolean hasRows,
      long parquetRows) {

    /** The file or folder name within the input folder, as the summary names it. */
    public String source() {
      return path.getName();
    }
  }

  /** What the first bytes of a text file say. */
  record Head(String header, boolean hasRows) {}

  public ExtractReader(SparkSession spark, String inputDir) {
    this(spark, inputDir, (char) 0);
  }

  /**
   * @param delimiter the configured field delimiter, or 0 to detect it from each table's header
   */
  public ExtractReader(SparkSession spark, String inputDir, char delimiter) {
    this.spark = spark;
    this.root = new Path(inputDir);
    this.delimiter = delimiter;
    try {
      Configuration conf = spark.sparkContext().hadoopConfiguration();
      this.fs = root.getFileSystem(conf);
      if (!fs.exists(root)) {
        throw new InputException("Input folder not found: " + inputDir);
      }
      if (!fs.getFileStatus(root).isDirectory()) {
        throw new InputException(
            "--input "
                + inputDir
                + " is a file, not a folder: give the folder that holds the extract's tables"
                + " (person.csv, observation_period.csv, ...)");
      }
    } catch (IOException e) {
      throw new InputException("Cannot open input folder " + inputDir + ": " + e.getMessage(), e);
    }
  }

  /** The table's file or folder, checked for structural problems, if the extract has it. */
  public Optional<Located> locate(CdmTable table) {
    try {
      checkLocalEntries(table);
      List<FileStatus> matches = new ArrayList<>();
      for (FileStatus s : fs.listStatus(root)) {
        String name = s.getPath().getName().toLowerCase(Locale.ROOT);
        if (name.equals(table.cdmName()) && s.isDirectory()) {
          matches.add(s);
          continue;
        }
        // person.parquet/ or person.csv/ as folders too: Spark writes a "file" as a folder of
        // parts.
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
                + matches.stream().map(m -> m.getPath().getName()).sorted().toList());
      }
      Path path = matches.get(0).getPath();
      List<Path> files = dataFiles(path);
      if (files.isEmpty()) {
        throw new InputException(
            "Table " + table.cdmName() + ": folder " + path + " holds no data file");
      }
      long parquet = files.stream().filter(ExtractReader::isParquet).count();
      if (parquet > 0 && parquet < files.size()) {
        throw new InputException(
            "Table "
                + table.cdmName()
                + ": folder "
                + path
                + " mixes Parquet and text files; give one format per table");
      }
      Located located =
          parquet > 0 ? locateParquet(table, path, files) : locateText(table, path, files);
      checkColumns(located);
      return Optional.of(located);
    } catch (IOException e) {
      throw new InputException("Cannot list " + root + ": " + e.getMessage(), e);
    }
  }

  private static boolean isParquet(Path p) {
    return p.getName().toLowerCase(Locale.ROOT).endsWith(".parquet");
  }

  /**
   * On a local disk, what Hadoop's listing hides or mistakes: an entry named like the table (or a
   * part file of its folder) that is neither a regular file nor a folder. A FIFO or device would
   * block or fail the read; a broken or looping symbolic link is left out of the listing, so an
   * optional table would silently read as absent. Either stops the run, naming the entry.
   */
  private void checkLocalEntries(CdmTable table) throws IOException {
    java.nio.file.Path dir = localPath(root);
    if (dir == null) {
      return;
    }
    try (var entries = java.nio.file.Files.newDirectoryStream(dir)) {
      for (java.nio.file.Path e : entries) {
        String name = e.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean named = name.equals(table.cdmName());
        for (String suffix : SUFFIXES) {
          named |= name.equals(table.cdmName() + suffix);
        }
        if (!named) {
          continue;
        }
        checkLocalEntry(e, table);
        if (java.nio.file.Files.isDirectory(e)) {
          try (var parts = java.nio.file.Files.newDirectoryStream(e)) {
            for (java.nio.file.Path part : parts) {
              String n = part.getFileName().toString();
              if (!n.startsWith("_") && !n.startsWith(".")) {
                checkLocalEntry(part, table);
              }
            }
          }
        }
      }
    }
  }

  private static void checkLocalEntry(java.nio.file.Path p, CdmTable table) {
    if (java.nio.file.Files.isRegularFile(p) || java.nio.file.Files.isDirectory(p)) {
      return;
    }
    String what =
        java.nio.file.Files.isSymbolicLink(p)
            ? "a symbolic link that leads nowhere readable (a missing target or a loop)"
            : "not a regular file or folder (a FIFO, socket or device); copy the data to a file";
    throw new InputException("Table " + table.cdmName() + ": " + p + " is " + what);
  }

  /** The local path of a file: URI (or scheme-less) path, else null. */
  private java.nio.file.Path localPath(Path p) {
    java.net.URI uri = fs.makeQualified(p).toUri();
    return "file".equals(uri.getScheme()) ? java.nio.file.Path.of(uri) : null;
  }

  /** The file itself, or the folder's files in name order (hidden and _-files skipped). */
  private List<Path> dataFiles(Path path) throws IOException {
    FileStatus status = fs.getFileStatus(path);
    if (!status.isDirectory()) {
      return List.of(path);
    }
    FileStatus[] parts = fs.listStatus(path);
    Arrays.sort(parts);
    List<Path> out = new ArrayList<>();
    for (FileStatus p : parts) {
      String n = p.getPath().getName();
      if (p.isFile() && !n.startsWith("_") && !n.startsWith(".")) {
        out.add(p.getPath());
      }
    }
    return out;
  }

  private Located locateText(CdmTable table, Path path, List<Path> files) throws IOException {
    Head first = null;
    char delim = delimiter;
    List<String> header = null;
    boolean hasRows = false;
    for (Path file : files) {
      Head head = readHead(file);
      if (first == null) {
        first = head;
        if (delim == 0) {
          delim = detectDelimiter(head.header());
        }
        header = splitHeader(head.header(), delim);
      } else if (!splitHeader(head.header(), delim).equals(header)) {
        // Spark would read every part with the first part's header: columns would silently shift.
        throw new InputException(
            "Table "
                + table.cdmName()
                + ": part files have different headers: "
                + files.get(0)
                + " has "
                + header
                + ", "
                + file
                + " has "
                + splitHeader(head.header(), delim));
      }
      hasRows |= head.hasRows();
    }
    List<String> columns = normalizeNames(header, table, files.get(0));
    return new Located(table, path, "csv", delim, List.copyOf(files), columns, hasRows, -1);
  }

  private Located locateParquet(CdmTable table, Path path, List<Path> files) {
    // Every part's footer, read here (no Spark job): Spark would read all parts with the first
    // part's schema, failing deep in a task on a column whose type differs, and silently dropping
    // a column that only later parts have.
    List<String> names = null;
    Map<String, String> types = null;
    Path first = null;
    long rows = 0;
    for (Path file : files) {
      ParquetMetadata footer = parquetFooter(table, file);
      rows += footer.getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum();
      MessageType schema = footer.getFileMetaData().getSchema();
      List<String> own = new ArrayList<>();
      Map<String, String> ownTypes = new java.util.LinkedHashMap<>();
      for (Type field : schema.getFields()) {
        own.add(field.getName());
        ownTypes.put(field.getName(), typeName(field));
      }
      if (names == null) {
        names = own;
        types = ownTypes;
        first = file;
        continue;
      }
      if (!own.equals(names)) {
        throw new InputException(
            "Table "
                + table.cdmName()
                + ": Parquet parts have different columns: "
                + first
                + " has "
                + names
                + ", "
                + file
                + " has "
                + own
                + "; write every part with one schema");
      }
      for (Map.Entry<String, String> e : ownTypes.entrySet()) {
        if (!e.getValue().equals(types.get(e.getKey()))) {
          throw new InputException(
              "Table "
                  + table.cdmName()
                  + ": Parquet parts disagree on the type of column '"
                  + e.getKey()
                  + "': "
                  + first
                  + " has "
                  + types.get(e.getKey())
                  + ", "
                  + file
                  + " has "
                  + e.getValue()
                  + "; write every part with one schema");
        }
      }
    }
    // The rows read are what the footers count: a count made apart from the reading itself.
    return new Located(
        table,
        path,
        "parquet",
        ',',
        List.copyOf(files),
        normalizeNames(names, table, path),
        rows > 0,
        rows);
  }

  private ParquetMetadata parquetFooter(CdmTable table, Path file) {
    try (ParquetFileReader r =
        ParquetFileReader.open(
            HadoopInputFile.fromPath(file, spark.sparkContext().hadoopConfiguration()))) {
      return r.getFooter();
    } catch (IOException | RuntimeException e) {
      throw new InputException(
          "File "
              + file
              + " (table "
              + table.cdmName()
              + ") is not a readable Parquet file: "
              + firstLine(e.getMessage()),
          e);
    }
  }

  /** A column's type as a reader sees it: physical type and annotation, or a group's shape. */
  private static String typeName(Type field) {
    if (!field.isPrimitive()) {
      return field.asGroupType().toString().replaceAll("\\s+", " ");
    }
    PrimitiveType p = field.asPrimitiveType();
    LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
    return p.getPrimitiveTypeName() + (a == null ? "" : " (" + a + ")");
  }

  /**
   * Reads up to 64 KiB of a file (decompressed) and checks it: not empty, a readable gzip stream,
   * UTF-8 text without NUL bytes. Returns the header line and whether any row follows it.
   */
  Head readHead(Path file) throws IOException {
    byte[] head = new byte[HEAD_BYTES];
    int n = 0;
    boolean gzip = file.getName().toLowerCase(Locale.ROOT).endsWith(".gz");
    try (InputStream raw = new BufferedInputStream(fs.open(file));
        InputStream in = gzip ? new GZIPInputStream(raw) : raw) {
      int r;
      while (n < head.length && (r = in.read(head, n, head.length - n)) > 0) {
        n += r;
      }
    } catch (EOFException | ZipException e) {
      throw new InputException(
          "File "
              + file
              + " is not a readable gzip file (truncated or corrupt): "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
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
      if (end == 0) {
        end = n;
      }
    }
    for (int i = 0; i < end; i++) {
      if (head[i] == 0) {
        throw new InputException(
            "File " + file + " is not UTF-8 text: it holds NUL bytes (UTF-16 or binary?)");
      }
    }
    ByteBuffer bytes = ByteBuffer.wrap(head, 0, end);
    CoderResult decoded =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(bytes, CharBuffer.allocate(end), true);
    if (decoded.isError()) {
      int at = bytes.position();
      int line = 1;
      for (int i = 0; i < at; i++) {
        line += head[i] == '\n' ? 1 : 0;
      }
      throw new InputException(
          String.format(
              "File %s is not UTF-8 text (byte 0x%02X on line %d; convert it to UTF-8)",
              file, head[at] & 0xFF, line));
    }
    String text = new String(head, 0, end, StandardCharsets.UTF_8);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    // A line ends at LF, CRLF or a lone CR (CsvRecordReader reads the data lines the same way).
    int nl = 0;
    while (nl < text.length() && text.charAt(nl) != '\n' && text.charAt(nl) != '\r') {
      nl++;
    }
    String header = text.substring(0, nl);
    nl = nl == text.length() ? -1 : nl;
    if (header.isBlank()) {
      throw new InputException("File " + file + ": the first line is empty; expected a header row");
    }
    boolean hasRows = nl >= 0 && !text.substring(nl + 1).isBlank();
    return new Head(header, hasRows);
  }

  /** The delimiter that splits the header into the most fields (quotes respected). */
  static char detectDelimiter(String header) {
    char best = ',';
    int bestCount = 1;
    for (char c : CANDIDATE_DELIMITERS) {
      int count = splitHeader(header, c).size();
      if (count > bestCount) {
        best = c;
        bestCount = count;
      }
    }
    return best;
  }

  /** The header's fields, with double quotes removed ("" inside quotes is one quote). */
  static List<String> splitHeader(String line, char delim) {
    return CsvRecords.fields(line, delim);
  }

  /**
   * Lower-cased, trimmed names. A used column given twice is ambiguous and stops the run; a
   * repeated unused column, and one whose name starts with "_" (reserved for the pipeline's own
   * columns), is kept apart as {@code name#position} (and dropped later, like any unused one).
   */
  static List<String> normalizeNames(List<String> names, CdmTable table, Path file) {
    List<String> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      // A backtick would end the quoted name in Spark's column references; no CDM name has one.
      String n =
          names.get(i).replace("\uFEFF", "").trim().toLowerCase(Locale.ROOT).replace('`', '\'');
      if (n.isEmpty()) {
        n = UNNAMED + (i + 1);
      } else if (n.startsWith("_")) {
        // Names with a leading underscore are the pipeline's own (_corrupt_record, _source_file,
        // ...) and no CDM column has one: such an input column is unused, kept apart under its
        // name and position, and dropped and listed like any other.
        n = n + "#" + (i + 1);
      }
      if (!seen.add(n)) {
        if (table.hasColumn(n)) {
          throw new InputException(
              "File "
                  + file
                  + ": column '"
                  + n
                  + "' of table "
                  + table.cdmName()
                  + " appears twice in the header (positions "
                  + (out.indexOf(n) + 1)
                  + " and "
                  + (i + 1)
                  + "); which one holds the data is ambiguous");
        }
        n = n + "#" + (i + 1);
      }
      out.add(n);
    }
    return out;
  }

  private void checkColumns(Located located) {
    List<String> present = located.columns();
    String where =
        located.files().size() == 1
            ? "File " + located.files().get(0)
            : "Folder " + located.path() + " (first file " + located.files().get(0).getName() + ")";
    if (present.size() == 1 && located.table().columns().size() > 1) {
      throw new InputException(
          where
              + ": the header has a single column '"
              + present.get(0)
              + "'; wrong delimiter? ("
              + (delimiter == 0 ? "detected " : "configured by ingest.delimiter: ")
              + "'"
              + (located.delimiter() == '\t' ? "\\t" : String.valueOf(located.delimiter()))
              + "')");
    }
    for (CdmColumn c : located.table().columns()) {
      if (c.required() && !present.contains(c.name())) {
        throw new InputException(
            where
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

  /**
   * Reads a located Parquet table with every column as a string, under the names of {@link
   * Located#columns()}, plus the source file of each row. (Delimited text is read by ingest from
   * its bytes: {@link CsvRecordReader}.)
   */
  public Dataset<Row> readParquet(Located located) {
    Dataset<Row> df = spark.read().parquet(strings(located.files()));
    List<Column> cols = new ArrayList<>();
    String[] names = df.columns();
    for (int i = 0; i < names.length; i++) {
      cols.add(
          df.col("`" + names[i].replace("`", "``") + "`")
              .cast(DataTypes.StringType)
              .as(located.columns().get(i)));
    }
    cols.add(functions.input_file_name().as(SOURCE_FILE));
    return df.select(cols.toArray(Column[]::new));
  }

  /**
   * The splits a text table is read in: a file whole when it is gzip, no larger than {@code
   * splitBytes}, or listed in {@code whole}; else ranges of {@code splitBytes}.
   */
  public List<CsvSplit> splits(Located located, long splitBytes, Set<String> whole) {
    List<Long> lengths = new ArrayList<>();
    for (Path f : located.files()) {
      try {
        lengths.add(fs.getFileStatus(f).getLen());
      } catch (IOException e) {
        throw new InputException("File " + f + ": cannot read it: " + e.getMessage(), e);
      }
    }
    return CsvSplit.plan(located.files(), lengths, splitBytes, whole);
  }

  private static final java.util.regex.Pattern FAILED_FILE =
      java.util.regex.Pattern.compile("reading file (\\S+?)\\.?(\\s|$)");

  /**
   * What a failure while Spark read a table's files means for the user: a gzip stream that ends
   * early or is corrupt past the head checked by {@link #locate}, a Parquet file that is not one.
   * Names the file when Spark does (it usually does), else the table's files. Empty when the
   * failure is not about reading the input (the caller rethrows it as it is).
   */
  public static Optional<InputException> explainReadFailure(
      Throwable failure, CdmTable table, Optional<Located> located) {
    for (Throwable c = failure; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof InputException input) {
        // Thrown by ingest's own reader in a task: it names the file (and line).
        return Optional.of(
            new InputException(input.getMessage() + " (table " + table.cdmName() + ")", input));
      }
    }
    String file = null;
    String what = null;
    for (Throwable c = failure; c != null; c = c.getCause()) {
      String m = c.getMessage() == null ? "" : c.getMessage();
      java.util.regex.Matcher f = FAILED_FILE.matcher(m);
      if (file == null && f.find()) {
        file = f.group(1);
      }
      if (what == null) {
        if (c instanceof EOFException) {
          what = "ends early (truncated gzip or file): " + m;
        } else if (c instanceof ZipException) {
          what = "is not a valid gzip stream: " + m;
        } else if (c instanceof java.nio.charset.CharacterCodingException) {
          what = "is not UTF-8 text";
        } else if (m.contains("is not a Parquet file")
            || m.contains("CANNOT_READ_FILE_FOOTER")
            || m.contains("Could not read footer")
            || c.getClass().getName().startsWith("org.apache.parquet")) {
          what = "is not a readable Parquet file: " + firstLine(m);
        }
      }
      if (c.getCause() == c) {
        break;
      }
    }
    if (what == null) {
      return Optional.empty();
    }
    String where =
        file != null
            ? file
            : located.map(l -> l.files().toString()).orElse("(table " + table.cdmName() + ")");
    return Optional.of(
        new InputException("File " + where + " (table " + table.cdmName() + ") " + what, failure));
  }

  private static String[] strings(List<Path> paths) {
    return paths.stream().map(Path::toString).toArray(String[]::new);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
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
