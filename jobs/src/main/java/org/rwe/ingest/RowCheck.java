package org.rwe.ingest;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.rwe.config.IngestSettings;
import org.rwe.omop.CdmColumn;
import org.rwe.omop.CdmTable;
import org.rwe.omop.ColumnType;

/**
 * The row-local rules of ingest, applied to one record's text where it is read (inside the Spark
 * task, no expression per rule): every used column typed, then the first failing rule names the
 * row's rule and reason. In order: an identifier in a source value, a malformed record, text that
 * is not UTF-8 (input decoded by others: Parquet), a required value missing, a value that does not
 * parse, a negative id, then end before start, days_supply, quantity, dates in the future and the
 * birth year. Plausibility rules a study lists in {@code flagOnly} flag the row instead.
 *
 * <p>Strict notation: numbers are plain decimals ({@code 6}, {@code -1.5}, {@code 6.0}, {@code
 * 1e+05}, {@code .5}), nothing else Java or Spark would also read ({@code 90d}, {@code 0x1F},
 * {@code Infinity}, {@code 1_000}, digits of other scripts); ids and whole numbers may be written
 * as integral decimals ({@code 6.0}) but not with a fraction, however small; dates are ISO {@code
 * YYYY-MM-DD}, or a well-formed datetime whose date part is taken ({@code 2020-01-31T08:15}, {@code
 * 2020-01-31 08:15:00.000+01:00}).
 *
 * <p>The output row has the table's curated columns (typed) and the bookkeeping columns of {@link
 * #schema}: rule, reason, the raw values kept for rejects, the source file (input read by others;
 * delimited text is named by its split), the split and line of the record, and the flags.
 */
public final class RowCheck implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Column: index of the split (range of a file) the row was read from; -1 when not known. */
  public static final String SPLIT = "_split";

  /** Column: physical line of the record within its split (within the file for whole files). */
  public static final String LINE = "_line";

  /** A record's fields by input (header) position. */
  public interface Fields {
    long NO_LONG = Long.MIN_VALUE;
    int NO_DATE = Integer.MIN_VALUE;

    int count();

    /** The field as read (null when empty and unquoted, or beyond the record's fields). */
    String get(int k);

    /**
     * The field's value when it is plainly a whole number of at most 18 digits ({@code 123}, {@code
     * -5}: sign and digits only), read without making a string; else {@link #NO_LONG}, and the
     * field is read through {@link #get}.
     */
    default long plainLong(int k) {
      return NO_LONG;
    }

    /**
     * Days since 1970-01-01 when the field is exactly an existing {@code YYYY-MM-DD}; else {@link
     * #NO_DATE}, and the field is read through {@link #get}.
     */
    default int isoDate(int k) {
      return NO_DATE;
    }

    /** The fields of the reader's current record (a field beyond the record's is null). */
    static Fields of(org.rwe.omop.CsvRecordReader r) {
      return new Fields() {
        @Override
        public int count() {
          return r.fieldCount();
        }

        @Override
        public String get(int k) {
          return k < r.fieldCount() ? r.field(k) : null;
        }

        @Override
        public long plainLong(int k) {
          return k < r.fieldCount() ? r.plainLong(k) : NO_LONG;
        }

        @Override
        public int isoDate(int k) {
          return k < r.fieldCount() ? r.isoDate(k) : NO_DATE;
        }
      };
    }
  }

  /** Marks a column typed from its bytes (see {@link Fields#plainLong}): present, no text made. */
  private static final String FROM_BYTES = new String("(typed from bytes)");

  private final CdmTable table;
  private final List<String> inputColumns;
  private final int[] position;
  private final int[] sourceValuePositions;
  private final String[] sourceValueNames;
  private final int[] rawPositions;

  private final String[] rawNames;
  private final boolean checkReplacementCharacters;
  private final int maxDaysSupply;
  private final int minBirthYear;
  private final int todayYear;
  private final int today;
  private final int latestObservationEnd;
  private final long maxFutureDays;
  private final String todayText;
  private final boolean flagDaysSupply;
  private final boolean flagNegativeQuantity;
  private final boolean flagDateInFuture;
  private final int startIndex;
  private final int endIndex;
  private final int daysSupplyIndex;
  private final int quantityIndex;
  private final int birthYearIndex;

  /**
   * @param inputColumns the input's column names in order, as {@link
   *     org.rwe.omop.ExtractReader.Located#columns()} gives them
   * @param checkReplacementCharacters true where the input was decoded by another reader (Parquet,
   *     a Dataset) that turns bytes that are not UTF-8 into U+FFFD instead of failing
   */
  public RowCheck(
      CdmTable table,
      List<String> inputColumns,
      IngestSettings settings,
      LocalDate today,
      boolean checkReplacementCharacters) {
    this.table = table;
    this.inputColumns = List.copyOf(inputColumns);
    this.position = new int[table.columns().size()];
    for (int j = 0; j < position.length; j++) {
      position[j] = inputColumns.indexOf(table.columns().get(j).name());
    }
    List<Integer> svPos = new ArrayList<>();
    for (int k = 0; k < inputColumns.size(); k++) {
      if (Ingest.isSourceValue(inputColumns.get(k))) {
        svPos.add(k);
      }
    }
    this.sourceValuePositions = svPos.stream().mapToInt(Integer::intValue).toArray();
    this.sourceValueNames = svPos.stream().map(inputColumns::get).toArray(String[]::new);
    List<String> raw = Ingest.rawValueColumns(table, inputColumns);
    this.rawNames = raw.toArray(String[]::new);
    this.rawPositions = raw.stream().mapToInt(inputColumns::indexOf).toArray();
    this.checkReplacementCharacters = checkReplacementCharacters;
    this.maxDaysSupply = settings.maxDaysSupply();
    this.minBirthYear = settings.minBirthYear();
    this.todayYear = today.getYear();
    this.today = (int) today.toEpochDay();
    this.maxFutureDays = settings.maxFutureDays();
    this.latestObservationEnd = (int) today.plusDays(settings.maxFutureDays()).toEpochDay();
    this.todayText = today.toString();
    List<String> flagOnly = settings.flagOnly(table);
    this.flagDaysSupply = flagOnly.contains(Rules.DAYS_SUPPLY_OUT_OF_RANGE);
    this.flagNegativeQuantity = flagOnly.contains(Rules.NEGATIVE_QUANTITY);
    this.flagDateInFuture = flagOnly.contains(Rules.DATE_IN_FUTURE);
    this.startIndex = table.startDate() == null ? -1 : columnIndex(table.startDate());
    this.endIndex = table.endDate() == null ? -1 : columnIndex(table.endDate());
    this.daysSupplyIndex = table == CdmTable.DRUG_EXPOSURE ? columnIndex("days_supply") : -1;
    this.quantityIndex = table == CdmTable.DRUG_EXPOSURE ? columnIndex("quantity") : -1;
    this.birthYearIndex = table == CdmTable.PERSON ? columnIndex("year_of_birth") : -1;
  }

  private int columnIndex(String name) {
    for (int j = 0; j < table.columns().size(); j++) {
      if (table.columns().get(j).name().equals(name)) {
        return j;
      }
    }
    throw new IllegalArgumentException(name);
  }

  public List<String> inputColumns() {
    return inputColumns;
  }

  public CdmTable table() {
    return table;
  }

  /** The rows this check makes: the curated columns, then rule, reason, raw, file, split, line. */
  public static StructType schema(CdmTable table) {
    List<StructField> fields = new ArrayList<>();
    for (CdmColumn c : table.columns()) {
      fields.add(DataTypes.createStructField(c.name(), sparkType(c.type()), true));
    }
    fields.add(DataTypes.createStructField(Ingest.RULE, DataTypes.StringType, true));
    fields.add(DataTypes.createStructField(Ingest.REASON, DataTypes.StringType, true));
    fields.add(DataTypes.createStructField(Ingest.RAW, DataTypes.StringType, true));
    fields.add(
        DataTypes.createStructField(
            org.rwe.omop.ExtractReader.SOURCE_FILE, DataTypes.StringType, true));
    fields.add(DataTypes.createStructField(SPLIT, DataTypes.IntegerType, false));
    fields.add(DataTypes.createStructField(LINE, DataTypes.LongType, true));
    fields.add(
        DataTypes.createStructField(
            Ingest.FLAGS, DataTypes.createArrayType(DataTypes.StringType, false), false));
    return new StructType(fields.toArray(StructField[]::new));
  }

  static DataType sparkType(ColumnType t) {
    return switch (t) {
      case ID -> DataTypes.LongType;
      case INT -> DataTypes.IntegerType;
      case DOUBLE -> DataTypes.DoubleType;
      case DATE -> DataTypes.DateType;
      case STRING -> DataTypes.StringType;
    };
  }

  private static final GenericArrayData NO_FLAGS = new GenericArrayData(new Object[0]);

  /**
   * The checked row of one record.
   *
   * @param sourceFile the file, for input read by others (Parquet); null for delimited text, whose
   *     file is known by its split
   * @param malformed why the record could not be split into the header's fields, or null
   * @param text the record's text as read (delimited text): what rejects/ shows of a malformed
   *     record, and what {@link #rawValuesOfText} turns into the raw values of another rejected
   *     row; null for input read by others (the raw values are then made here, as JSON)
   * @param line the record's line, or a negative number when not known
   */
  public InternalRow check(
      Fields fields,
      UTF8String sourceFile,
      int split,
      long line,
      String malformed,
      UTF8String text) {
    List<CdmColumn> cols = table.columns();
    int n = cols.size();
    Object[] out = new Object[n + 7];
    out[n + 3] = sourceFile;
    out[n + 4] = split;
    out[n + 5] = line < 0 ? null : line;
    out[n + 6] = NO_FLAGS;
    if (malformed != null) {
      out[n] = UTF8String.fromString(Rules.MALFORMED_RECORD);
      out[n + 1] = UTF8String.fromString(malformed);
      out[n + 2] = text;
      return new GenericInternalRow(out);
    }
    // Ids, counts and dates in their plain form are typed from the record's bytes; any other text
    // (a value to trim, "6.0", a datetime, a failure to explain) takes the strict readers below.
    String[] texts = new String[n];
    for (int j = 0; j < n; j++) {
      int p = position[j];
      if (p < 0) {
        continue;
      }
      ColumnType type = cols.get(j).type();
      if (type == ColumnType.ID || type == ColumnType.INT) {
        long v = fields.plainLong(p);
        if (v != Fields.NO_LONG) {
          if (type == ColumnType.ID) {
            out[j] = v;
            texts[j] = FROM_BYTES;
            continue;
          }
          if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out[j] = (int) v;
            texts[j] = FROM_BYTES;
            continue;
          }
        }
      } else if (type == ColumnType.DATE) {
        int d = fields.isoDate(p);
        if (d != Fields.NO_DATE) {
          out[j] = d;
          texts[j] = FROM_BYTES;
          continue;
        }
      }
      texts[j] = cleaned(fields.get(p));
    }
    String rule = null;
    String reason = null;
    // A direct identifier first: the row is quarantined whatever else is wrong with it. The reason
    // names the column and the kind of identifier, never the value.
    for (int i = 0; i < sourceValuePositions.length && rule == null; i++) {
      String v = fields.get(sourceValuePositions[i]);
      if (Identifiers.present(v)) {
        rule = Rules.IDENTIFIER_IN_SOURCE_VALUE;
        reason =
            sourceValueNames[i]
                + " holds what looks like "
                + Identifiers.kind(v)
                + " (masked here; a de-identified extract must not carry it)";
      }
    }
    if (rule == null && checkReplacementCharacters) {
      for (int j = 0; j < n; j++) {
        if (texts[j] != null && texts[j].indexOf('\uFFFD') >= 0) {
          rule = Rules.INVALID_UTF8;
          reason = cols.get(j).name() + " holds bytes that are not UTF-8 (decoded as U+FFFD)";
          break;
        }
      }
    }
    if (rule == null) {
      for (int j = 0; j < n; j++) {
        if (cols.get(j).required() && texts[j] == null) {
          rule = Rules.REQUIRED_NULL;
          reason = "required column " + cols.get(j).name() + " is empty";
          break;
        }
      }
    }
    // Typed values (also for rows already ruled: the person-level checks read them, and a typed
    // value never decides anything for a row that has a rule).
    for (int j = 0; j < n; j++) {
      CdmColumn c = cols.get(j);
      String t = texts[j];
      if (t == null || t == FROM_BYTES) {
        continue;
      }
      Object v = typed(t, c.type());
      out[j] = v;
      if (v == null && rule == null) {
        switch (c.type()) {
          case ID, INT -> {
            rule =
                c.type() == ColumnType.ID && Notation.hasFraction(t)
                    ? Rules.NON_INTEGRAL_ID
                    : Rules.UNPARSEABLE_NUMBER;
            reason = "value '" + t + "' of " + c.name() + " is not a whole number within range";
          }
          case DOUBLE -> {
            rule = Rules.UNPARSEABLE_NUMBER;
            reason = "value '" + t + "' of " + c.name() + " is not a finite number";
          }
          case DATE -> {
            rule = Rules.UNPARSEABLE_DATE;
            reason =
                "value '"
                    + t
                    + "' of "
                    + c.name()
                    + " is not a date (YYYY-MM-DD, or a datetime hh:mm[:ss])";
          }
          case STRING -> {}
        }
      }
    }
    if (rule == null) {
      for (int j = 0; j < n; j++) {
        if (cols.get(j).type() == ColumnType.ID && out[j] != null && (Long) out[j] < 0) {
          rule = Rules.NEGATIVE_ID;
          reason =
              cols.get(j).name()
                  + " "
                  + out[j]
                  + " is negative (OMOP ids and concept ids are >= 0)";
          break;
        }
      }
    }
    List<String> flags = null;
    if (rule == null && startIndex >= 0 && endIndex >= 0) {
      Integer start = (Integer) out[startIndex];
      Integer end = (Integer) out[endIndex];
      if (start != null && end != null && end < start) {
        rule = Rules.END_BEFORE_START;
        reason =
            table.endDate()
                + " "
                + LocalDate.ofEpochDay(end)
                + " is before "
                + table.startDate()
                + " "
                + LocalDate.ofEpochDay(start);
      }
    }
    if (rule == null && table == CdmTable.DRUG_EXPOSURE) {
      Integer ds = (Integer) out[daysSupplyIndex];
      if (ds != null && (ds < 0 || ds > maxDaysSupply)) {
        if (flagDaysSupply) {
          flags = addFlag(flags, Rules.DAYS_SUPPLY_OUT_OF_RANGE);
        } else {
          rule = Rules.DAYS_SUPPLY_OUT_OF_RANGE;
          reason = "days_supply " + ds + " is outside 0.." + maxDaysSupply;
        }
      }
      Double q = (Double) out[quantityIndex];
      if (rule == null && q != null && q < 0) {
        if (flagNegativeQuantity) {
          flags = addFlag(flags, Rules.NEGATIVE_QUANTITY);
        } else {
          rule = Rules.NEGATIVE_QUANTITY;
          reason = "quantity " + q + " is negative";
        }
      }
    }
    // What has not happened yet cannot be in the record; an observation period may end a little
    // after the day of the run (a planned end of enrolment), not decades (an "open" 2099-12-31).
    if (rule == null && startIndex >= 0) {
      Integer start = (Integer) out[startIndex];
      if (start != null && start > today) {
        if (flagDateInFuture) {
          flags = addFlag(flags, Rules.DATE_IN_FUTURE);
        } else {
          rule = Rules.DATE_IN_FUTURE;
          reason =
              table.startDate()
                  + " "
                  + LocalDate.ofEpochDay(start)
                  + " is after the day of the run "
                  + todayText;
        }
      }
    }
    if (rule == null && table == CdmTable.OBSERVATION_PERIOD) {
      Integer end = (Integer) out[endIndex];
      if (end != null && end > latestObservationEnd) {
        if (flagDateInFuture) {
          flags = addFlag(flags, Rules.DATE_IN_FUTURE);
        } else {
          rule = Rules.DATE_IN_FUTURE;
          reason =
              "observation_period_end_date "
                  + LocalDate.ofEpochDay(end)
                  + " is more than "
                  + maxFutureDays
                  + " days after the day of the run "
                  + todayText
                  + " (ingest.maxFutureDays)";
        }
      }
    }
    if (rule == null && table == CdmTable.PERSON) {
      Integer yob = (Integer) out[birthYearIndex];
      if (yob != null && (yob < minBirthYear || yob > todayYear)) {
        rule = Rules.BIRTH_YEAR_IMPLAUSIBLE;
        reason = "year_of_birth " + yob + " is before " + minBirthYear + " or in the future";
      }
    }
    for (int j = 0; j < n; j++) {
      if (out[j] instanceof String s) {
        out[j] = UTF8String.fromString(s);
      }
    }
    if (rule != null) {
      out[n] = UTF8String.fromString(rule);
      out[n + 1] = UTF8String.fromString(reason);
    }
    // The record travels with every row: the person-level rules, applied after this check,
    // reject rows too. Its text costs a copy; the raw values (JSON) are made for rejected rows
    // only (rawValuesOfText), where they are written.
    out[n + 2] = text != null ? text : UTF8String.fromString(rawValues(fields));
    if (flags != null) {
      out[n + 6] = new GenericArrayData(flags.stream().map(UTF8String::fromString).toArray());
    }
    return new GenericInternalRow(out);
  }

  private static List<String> addFlag(List<String> flags, String flag) {
    List<String> out = flags == null ? new ArrayList<>() : flags;
    out.add(flag);
    return out;
  }

  /**
   * What rejects/ keeps of a row: the used columns and the source values as read (see {@link
   * Ingest#rawValueColumns}), as a JSON object without the absent ones.
   */
  String rawValues(Fields f) {
    StringBuilder b = new StringBuilder(96).append('{');
    boolean first = true;
    for (int i = 0; i < rawPositions.length; i++) {
      String v = f.get(rawPositions[i]);
      if (v == null) {
        continue;
      }
      if (!first) {
        b.append(',');
      }
      first = false;
      Json.string(b, rawNames[i]).append(':');
      Json.string(b, v);
    }
    return b.append('}').toString();
  }

  /**
   * The raw values (see {@link #rawValues}) of a record's text as {@link #check} kept it, read
   * again with the same reader.
   */
  public String rawValuesOfText(String text, char delimiter) {
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (org.rwe.omop.CsvRecordReader r =
        new org.rwe.omop.CsvRecordReader(
            new java.io.ByteArrayInputStream(bytes),
            delimiter,
            "(record)",
            Integer.MAX_VALUE,
            0,
            Long.MAX_VALUE,
            false)) {
      if (!r.next()) {
        return "{}";
      }
      return rawValues(Fields.of(r));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Trimmed of spaces, tabs and line breaks; null when absent or empty. */
  static String cleaned(String v) {
    if (v == null || v.isEmpty()) {
      return null;
    }
    int s = 0;
    int e = v.length();
    if (v.charAt(0) <= ' ' || v.charAt(e - 1) <= ' ') {
      while (s < e && trimmable(v.charAt(s))) {
        s++;
      }
      while (e > s && trimmable(v.charAt(e - 1))) {
        e--;
      }
      if (s == e) {
        return null;
      }
      return v.substring(s, e);
    }
    return v;
  }

  private static boolean trimmable(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  /** The typed value of cleaned text, or null when it is not in the column's notation. */
  static Object typed(String t, ColumnType type) {
    return switch (type) {
      case ID -> Notation.integral(t, Long.MIN_VALUE, Long.MAX_VALUE);
      case INT -> {
        Long v = Notation.integral(t, Integer.MIN_VALUE, Integer.MAX_VALUE);
        yield v == null ? null : (Object) v.intValue();
      }
      case DOUBLE -> Notation.finiteDouble(t);
      case DATE -> Notation.epochDay(t);
      case STRING -> t;
    };
  }

  /** Strict readers of the notations exports write. */
  static final class Notation {
    private Notation() {}

    /**
     * Plain decimal notation: {@code [+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?},
     * ASCII digits only.
     */
    static boolean isNumber(String s) {
      int n = s.length();
      int i = 0;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int intDigits = 0;
      while (i < n && digit(s.charAt(i))) {
        i++;
        intDigits++;
      }
      int fracDigits = 0;
      if (i < n && s.charAt(i) == '.') {
        i++;
        while (i < n && digit(s.charAt(i))) {
          i++;
          fracDigits++;
        }
      }
      if (intDigits == 0 && fracDigits == 0) {
        return false;
      }
      if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
        i++;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
          i++;
        }
        int expDigits = 0;
        while (i < n && digit(s.charAt(i))) {
          i++;
          expDigits++;
        }
        if (expDigits == 0) {
          return false;
        }
      }
      return i == n;
    }

    private static boolean digit(char c) {
      return c >= '0' && c <= '9';
    }

    /** Only an optional sign and digits. */
    private static boolean plainInteger(String s) {
      int i = s.charAt(0) == '+' || s.charAt(0) == '-' ? 1 : 0;
      if (i == s.length()) {
        return false;
      }
      for (; i < s.length(); i++) {
        if (!digit(s.charAt(i))) {
          return false;
        }
      }
      return true;
    }

    /**
     * A whole number in [lo, hi], also written as an integral decimal ({@code 6.0}, {@code 1e+05}),
     * judged exactly (no rounding can hide a fraction); null otherwise.
     */
    static Long integral(String s, long lo, long hi) {
      if (!isNumber(s)) {
        return null;
      }
      long v;
      if (plainInteger(s)) {
        try {
          v = Long.parseLong(s);
        } catch (NumberFormatException e) {
          return null;
        }
      } else {
        BigDecimal d = exact(s);
        if (d == null || !whole(d)) {
          return null;
        }
        try {
          v = d.longValueExact();
        } catch (ArithmeticException e) {
          return null;
        }
      }
      return v >= lo && v <= hi ? v : null;
    }

    /** A number in plain decimal notation whose value is not whole ({@code 8.5}, {@code 1e-5}). */
    static boolean hasFraction(String s) {
      if (!isNumber(s) || plainInteger(s)) {
        return false;
      }
      BigDecimal d = exact(s);
      return d != null && !whole(d);
    }

    private static BigDecimal exact(String s) {
      try {
        return new BigDecimal(s);
      } catch (NumberFormatException | ArithmeticException e) {
        return null; // an exponent beyond BigDecimal's range
      }
    }

    private static boolean whole(BigDecimal d) {
      return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
    }

    /** A finite double in plain decimal notation; null otherwise ("1e400" is not finite). */
    static Double finiteDouble(String s) {
      if (!isNumber(s)) {
        return null;
      }
      double d = Double.parseDouble(s);
      return Double.isFinite(d) ? d : null;
    }

    /**
     * {@code YYYY-MM-DD}, optionally followed by {@code T} or a space, a valid time {@code hh:mm},
     * {@code hh:mm:ss} or {@code hh:mm:ss.fraction} (1-9 digits) and an optional zone ({@code Z},
     * {@code +01:00}, {@code +0100}): the day, as days since 1970-01-01; null otherwise or for a
     * day that does not exist (2023-02-30).
     */
    static Integer epochDay(String s) {
      int n = s.length();
      if (n < 10
          || !digits(s, 0, 4)
          || s.charAt(4) != '-'
          || !digits(s, 5, 7)
          || s.charAt(7) != '-'
          || !digits(s, 8, 10)) {
        return null;
      }
      if (n > 10 && !time(s, 10)) {
        return null;
      }
      int year = Integer.parseInt(s, 0, 4, 10);
      int month = Integer.parseInt(s, 5, 7, 10);
      int day = Integer.parseInt(s, 8, 10, 10);
      try {
        return (int) LocalDate.of(year, month, day).toEpochDay();
      } catch (DateTimeException e) {
        return null;
      }
    }

    /** [ T]hh:mm[:ss[.f{1,9}]][Z|[+-]hh[:]mm] from {@code i} to the end. */
    private static boolean time(String s, int i) {
      int n = s.length();
      if (s.charAt(i) != ' ' && s.charAt(i) != 'T') {
        return false;
      }
      i++;
      if (!hour(s, i) || i + 5 > n || s.charAt(i + 2) != ':' || !minute(s, i + 3)) {
        return false;
      }
      i += 5;
      if (i < n && s.charAt(i) == ':') {
        if (!minute(s, i + 1)) {
          return false;
        }
        i += 3;
        if (i < n && s.charAt(i) == '.') {
          int f = ++i;
          while (i < n && digit(s.charAt(i))) {
            i++;
          }
          if (i - f < 1 || i - f > 9) {
            return false;
          }
        }
      }
      if (i == n) {
        return true;
      }
      char z = s.charAt(i);
      if (z == 'Z') {
        return i + 1 == n;
      }
      if (z != '+' && z != '-') {
        return false;
      }
      i++;
      if (!hour(s, i)) {
        return false;
      }
      i += 2;
      if (i < n && s.charAt(i) == ':') {
        i++;
      }
      return minute(s, i) && i + 2 == n;
    }

    private static boolean digits(String s, int from, int to) {
      if (to > s.length()) {
        return false;
      }
      for (int i = from; i < to; i++) {
        if (!digit(s.charAt(i))) {
          return false;
        }
      }
      return true;
    }

    /** 00-23 at i. */
    private static boolean hour(String s, int i) {
      if (!digits(s, i, i + 2)) {
        return false;
      }
      char a = s.charAt(i);
      return a <= '1' || (a == '2' && s.charAt(i + 1) <= '3');
    }

    /** 00-59 at i. */
    private static boolean minute(String s, int i) {
      return digits(s, i, i + 2) && s.charAt(i) <= '5';
    }
  }

  /** JSON strings as Spark's to_json (Jackson) writes them. */
  static final class Json {
    private Json() {}

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    static StringBuilder string(StringBuilder b, String s) {
      b.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\b' -> b.append("\\b");
          case '\t' -> b.append("\\t");
          case '\f' -> b.append("\\f");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          default -> {
            if (c < 0x20) {
              b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            } else {
              b.append(c);
            }
          }
        }
      }
      return b.append('"');
    }
  }
}
