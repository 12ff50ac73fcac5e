package org.rwe.ingest;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.year;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.rwe.config.IngestSettings;
import org.rwe.omop.CdmColumn;
import org.rwe.omop.CdmTable;
import org.rwe.omop.ColumnType;
import org.rwe.omop.ExtractReader;

/**
 * The pure core of ingest: raw string rows in, checked rows out. Every row leaves with either no
 * rule (curated) or exactly one rule and a readable reason (rejected); rows are never dropped or
 * silently fixed. Checks come in a fixed order and the first that fails names the row's rule.
 */
public final class Ingest {
  private Ingest() {}

  public static final String RULE = "_rule";
  public static final String REASON = "_reason";
  public static final String RAW = "_raw";
  public static final String FLAGS = "_flags";

  /**
   * Types every used column and applies the row-local rules (identifiers in source values, rows
   * that do not line up with the header, text that was not UTF-8, required, parseable, ids not
   * negative, end >= start, days_supply, birth year). Columns not used by the pipeline never leave
   * this method, except the {@code *_source_value} columns inside {@code _raw} (see {@link
   * #rawValueColumns}).
   */
  public static Dataset<Row> parse(
      Dataset<Row> raw, CdmTable table, IngestSettings settings, LocalDate today) {
    List<String> present = Arrays.asList(raw.columns());
    List<String> sourceValues = present.stream().filter(Ingest::isSourceValue).toList();
    // Step 1: the cleaned text of each used column, the source values, and the raw values kept
    // for rejects.
    List<Column> texts = new ArrayList<>();
    for (CdmColumn c : table.columns()) {
      texts.add(cleaned(raw, c.name()).as(text(c)));
    }
    // The text that is in the column's notation (a plain decimal, an ISO date), null otherwise.
    // Gated here, in a column of its own, and not by a CASE around the parse: Spark does not share
    // a subexpression across the branches of a CASE, and the parse reuses its decimal value four
    // times (seen: ingest of Eunomia 70 s -> 86 s with the CASE).
    for (CdmColumn c : table.columns()) {
      String notation = notation(c);
      if (notation != null) {
        Column t = cleaned(raw, c.name());
        texts.add(when(t.rlike(notation), t).as(gated(c)));
      }
    }
    for (int i = 0; i < sourceValues.size(); i++) {
      texts.add(col("`" + sourceValues.get(i) + "`").as("_sv_" + i));
    }
    List<Column> kept =
        rawValueColumns(table, present).stream().map(c -> col("`" + c + "`")).toList();
    texts.add(
        (kept.isEmpty()
                ? lit(null).cast(DataTypes.StringType)
                : to_json(struct(kept.toArray(Column[]::new))))
            .as(RAW));
    texts.add(
        present.contains(ExtractReader.CORRUPT_RECORD)
            ? col(ExtractReader.CORRUPT_RECORD).isNotNull().as("_malformed")
            : lit(false).as("_malformed"));
    texts.add(col(ExtractReader.SOURCE_FILE));
    Dataset<Row> cleaned = raw.select(texts.toArray(Column[]::new));
    // Step 2: typed values, computed once per column.
    List<Column> typedCols = new ArrayList<>();
    for (CdmColumn c : table.columns()) {
      typedCols.add(col(text(c)));
      typedCols.add(typed(col(notation(c) == null ? text(c) : gated(c)), c).as(c.name()));
    }
    for (int i = 0; i < sourceValues.size(); i++) {
      typedCols.add(col("_sv_" + i));
    }
    typedCols.add(col(RAW));
    typedCols.add(col("_malformed"));
    typedCols.add(col(ExtractReader.SOURCE_FILE));
    Dataset<Row> typed = cleaned.select(typedCols.toArray(Column[]::new));
    // Step 3: one flat coalesce over the checks, in order: the first failing check names the
    // rule. (Nesting when(...).otherwise(previous) would grow the expression exponentially.)
    List<Column> rules = new ArrayList<>();
    List<Column> reasons = new ArrayList<>();
    // A direct identifier first: the row is quarantined whatever else is wrong with it. The reason
    // names the column and the kind of identifier, never the value.
    for (int i = 0; i < sourceValues.size(); i++) {
      Column v = col("_sv_" + i);
      Column hit = Identifiers.present(v);
      rules.add(when(hit, lit(Rules.IDENTIFIER_IN_SOURCE_VALUE)));
      reasons.add(
          when(
              hit,
              concat(
                  lit(sourceValues.get(i) + " holds what looks like "),
                  Identifiers.kind(v),
                  lit(" (masked here; a de-identified extract must not carry it)"))));
    }
    Column malformed = col("_malformed");
    rules.add(when(malformed, lit(Rules.MALFORMED_ROW)));
    reasons.add(
        when(
            malformed,
            lit(
                "the row's fields do not line up with the header's "
                    + present.stream()
                        .filter(
                            c ->
                                !c.equals(ExtractReader.CORRUPT_RECORD)
                                    && !c.equals(ExtractReader.SOURCE_FILE))
                        .count()
                    + " columns (a field too many or too few; unescaped quote?)")));
    for (CdmColumn c : table.columns()) {
      Column broken = col(text(c)).contains("\uFFFD");
      rules.add(when(broken, lit(Rules.INVALID_UTF8)));
      reasons.add(
          when(broken, lit(c.name() + " holds bytes that are not UTF-8 (decoded as U+FFFD)")));
    }
    // Required nulls first (for every column), then parse errors, so the reported rule is stable.
    for (CdmColumn c : table.columns()) {
      if (c.required()) {
        Column missing = col(text(c)).isNull();
        rules.add(when(missing, lit(Rules.REQUIRED_NULL)));
        reasons.add(when(missing, lit("required column " + c.name() + " is empty")));
      }
    }
    for (CdmColumn c : table.columns()) {
      if (c.type() == ColumnType.STRING) {
        continue;
      }
      Column text = col(text(c));
      Column bad = text.isNotNull().and(col(c.name()).isNull());
      if (c.type() == ColumnType.ID || c.type() == ColumnType.INT) {
        // A number with a fractional part is a non-integral id (an id column) or an unparseable
        // whole number (counts, years, days).
        Column fractional = c.type() == ColumnType.ID ? hasFraction(text) : lit(false);
        rules.add(
            when(
                bad,
                when(fractional, lit(Rules.NON_INTEGRAL_ID))
                    .otherwise(lit(Rules.UNPARSEABLE_NUMBER))));
        reasons.add(
            when(
                bad,
                concat(
                    lit("value '"),
                    text,
                    lit("' of " + c.name() + " is not a whole number within range"))));
      } else if (c.type() == ColumnType.DOUBLE) {
        rules.add(when(bad, lit(Rules.UNPARSEABLE_NUMBER)));
        reasons.add(
            when(
                bad,
                concat(lit("value '"), text, lit("' of " + c.name() + " is not a finite number"))));
      } else {
        rules.add(when(bad, lit(Rules.UNPARSEABLE_DATE)));
        reasons.add(
            when(
                bad,
                concat(
                    lit("value '"),
                    text,
                    lit(
                        "' of "
                            + c.name()
                            + " is not a date (YYYY-MM-DD, or a datetime hh:mm[:ss])"))));
      }
    }
    for (CdmColumn c : table.columns()) {
      if (c.type() == ColumnType.ID) {
        Column negative = col(c.name()).lt(0);
        rules.add(when(negative, lit(Rules.NEGATIVE_ID)));
        reasons.add(
            when(
                negative,
                concat(
                    lit(c.name() + " "),
                    col(c.name()).cast("string"),
                    lit(" is negative (OMOP ids and concept ids are >= 0)"))));
      }
    }
    Column rule = coalesce(rules.toArray(Column[]::new));
    Column reason = coalesce(reasons.toArray(Column[]::new));
    List<Column> out = new ArrayList<>();
    for (CdmColumn c : table.columns()) {
      out.add(col(c.name()));
    }
    out.add(rule.as(RULE));
    out.add(reason.as(REASON));
    out.add(col(RAW));
    out.add(col(ExtractReader.SOURCE_FILE));
    Dataset<Row> parsed = typed.select(out.toArray(Column[]::new));
    return rowRules(parsed, table, settings, today);
  }

  /** {@code condition_source_value}, also a repeated one ({@code x_source_value#12}). */
  static boolean isSourceValue(String column) {
    int hash = column.indexOf('#');
    return (hash < 0 ? column : column.substring(0, hash)).endsWith("_source_value");
  }

  /**
   * What rejects/ keeps of a row, as read: the columns the pipeline uses and the {@code
   * *_source_value} columns (which say how the source coded the row: what a data engineer needs to
   * trace a mapping problem), identifiers masked. {@code person_source_value} is left out: it is
   * the link back to the person in the source system. Every other column (free text such as {@code
   * sig}, {@code stop_reason}, {@code value_as_string}; provider and location ids) never reaches
   * rejects/, as it never reaches curated/.
   */
  static List<String> rawValueColumns(CdmTable table, List<String> present) {
    List<String> out = new ArrayList<>();
    for (CdmColumn c : table.columns()) {
      if (present.contains(c.name())) {
        out.add(c.name());
      }
    }
    for (String c : present) {
      if (isSourceValue(c) && !c.startsWith("person_source_value")) {
        out.add(c);
      }
    }
    return out;
  }

  private static String text(CdmColumn c) {
    return "_text_" + c.name();
  }

  private static String gated(CdmColumn c) {
    return "_gated_" + c.name();
  }

  /** The pattern a column's text must match before it is parsed; null for text columns. */
  static String notation(CdmColumn c) {
    return switch (c.type()) {
      case ID, INT, DOUBLE -> NUMBER;
      case DATE -> DATE_OR_DATETIME;
      case STRING -> null;
    };
  }

  private static Dataset<Row> rowRules(
      Dataset<Row> df, CdmTable table, IngestSettings settings, LocalDate today) {
    if (table.startDate() != null && table.endDate() != null) {
      Column bad = col(table.endDate()).lt(col(table.startDate()));
      df =
          reject(
              df,
              bad,
              Rules.END_BEFORE_START,
              concat(
                  lit(table.endDate() + " "),
                  col(table.endDate()).cast("string"),
                  lit(" is before " + table.startDate() + " "),
                  col(table.startDate()).cast("string")));
    }
    if (table == CdmTable.DRUG_EXPOSURE) {
      Column ds = col("days_supply");
      df =
          rejectOrFlag(
              df,
              table,
              settings,
              ds.lt(0).or(ds.gt(settings.maxDaysSupply())),
              Rules.DAYS_SUPPLY_OUT_OF_RANGE,
              concat(
                  lit("days_supply "),
                  ds.cast("string"),
                  lit(" is outside 0.." + settings.maxDaysSupply())));
    }
    if (table == CdmTable.DRUG_EXPOSURE) {
      Column q = col("quantity");
      df =
          rejectOrFlag(
              df,
              table,
              settings,
              q.lt(0),
              Rules.NEGATIVE_QUANTITY,
              concat(lit("quantity "), q.cast("string"), lit(" is negative")));
    }
    // What has not happened yet cannot be in the record; an observation period may end a little
    // after the day of the run (a planned end of enrolment), not decades (an "open" 2099-12-31).
    if (table.startDate() != null) {
      Column start = col(table.startDate());
      df =
          rejectOrFlag(
              df,
              table,
              settings,
              start.gt(lit(java.sql.Date.valueOf(today))),
              Rules.DATE_IN_FUTURE,
              concat(
                  lit(table.startDate() + " "),
                  start.cast("string"),
                  lit(" is after the day of the run " + today)));
    }
    if (table == CdmTable.OBSERVATION_PERIOD) {
      Column end = col("observation_period_end_date");
      LocalDate latest = today.plusDays(settings.maxFutureDays());
      df =
          rejectOrFlag(
              df,
              table,
              settings,
              end.gt(lit(java.sql.Date.valueOf(latest))),
              Rules.DATE_IN_FUTURE,
              concat(
                  lit("observation_period_end_date "),
                  end.cast("string"),
                  lit(
                      " is more than "
                          + settings.maxFutureDays()
                          + " days after the day of the run "
                          + today
                          + " (ingest.maxFutureDays)")));
    }
    if (table == CdmTable.PERSON) {
      Column yob = col("year_of_birth");
      df =
          reject(
              df,
              yob.lt(settings.minBirthYear()).or(yob.gt(today.getYear())),
              Rules.BIRTH_YEAR_IMPLAUSIBLE,
              concat(
                  lit("year_of_birth "),
                  yob.cast("string"),
                  lit(" is before " + settings.minBirthYear() + " or in the future")));
    }
    return df;
  }

  /**
   * {@link #reject}, or only a flag on the row (kept in curated/, counted) where the study lists
   * the rule in the table's {@code flagOnly}.
   */
  static Dataset<Row> rejectOrFlag(
      Dataset<Row> df,
      CdmTable table,
      IngestSettings settings,
      Column condition,
      String rule,
      Column reason) {
    return settings.flagOnly(table).contains(rule)
        ? flag(df, col(RULE).isNull().and(condition), rule)
        : reject(df, condition, rule, reason);
  }

  /** Rejects rows still clean that meet {@code condition}, with the rule and reason given. */
  static Dataset<Row> reject(Dataset<Row> df, Column condition, String rule, Column reason) {
    Column hit = col(RULE).isNull().and(coalesce(condition, lit(false)));
    return df.withColumn(REASON, when(hit, reason).otherwise(col(REASON)))
        .withColumn(RULE, when(hit, lit(rule)).otherwise(col(RULE)));
  }

  /**
   * Keeps one row per primary key among clean rows (the one whose raw values sort first, so the
   * choice does not depend on partitioning) and rejects the others. Applied after the other rules:
   * a row already rejected does not make its twin a duplicate.
   */
  public static Dataset<Row> dedupe(Dataset<Row> df, CdmTable table) {
    return dedupe(df, table, false);
  }

  /**
   * As {@link #dedupe(Dataset, CdmTable)}; with {@code flagOnly} the later rows are kept and
   * flagged instead (for extracts whose ids collide across distinct facts, as ETL-Synthea's do).
   */
  public static Dataset<Row> dedupe(Dataset<Row> df, CdmTable table, boolean flagOnly) {
    Column[] pk = table.primaryKey().stream().map(c -> col(c)).toArray(Column[]::new);
    WindowSpec w =
        Window.partitionBy(pk)
            .orderBy(col(RULE).asc_nulls_first(), col(RAW), col(ExtractReader.SOURCE_FILE));
    Dataset<Row> ranked = df.withColumn("_pk_rank", row_number().over(w));
    if (flagOnly) {
      return flag(
              ranked, col(RULE).isNull().and(col("_pk_rank").gt(1)), Rules.DUPLICATE_PRIMARY_KEY)
          .drop("_pk_rank");
    }
    return reject(
            ranked,
            col("_pk_rank").gt(1),
            Rules.DUPLICATE_PRIMARY_KEY,
            concat(
                lit(
                    "duplicate of an earlier row with the same "
                        + String.join(", ", table.primaryKey())
                        + " "),
                concat(
                    Arrays.stream(pk)
                        .map(c -> coalesce(c.cast("string"), lit("null")))
                        .toArray(Column[]::new))))
        .drop("_pk_rank");
  }

  /**
   * Rejects an observation period that overlaps an earlier one of the same person (by start date,
   * then id): a person must have one timeline.
   */
  public static Dataset<Row> rejectOverlappingPeriods(Dataset<Row> periods) {
    WindowSpec before =
        Window.partitionBy("person_id")
            .orderBy("observation_period_start_date", "observation_period_id")
            .rowsBetween(Window.unboundedPreceding(), -1);
    Column priorEnd =
        max(when(col(RULE).isNull(), col("observation_period_end_date"))).over(before);
    Dataset<Row> withPrior = periods.withColumn("_prior_end", priorEnd);
    return reject(
            withPrior,
            col("_prior_end").geq(col("observation_period_start_date")),
            Rules.OBSERVATION_PERIOD_OVERLAP,
            concat(
                lit("starts "),
                col("observation_period_start_date").cast("string"),
                lit(" before an earlier period of this person ends "),
                col("_prior_end").cast("string")))
        .drop("_prior_end");
  }

  /**
   * What the clinical tables are checked against: per person, year of birth, death date and the
   * clean observation periods.
   */
  public static Dataset<Row> personInfo(
      Dataset<Row> persons, Dataset<Row> deaths, Dataset<Row> periods) {
    Dataset<Row> cleanPeriods =
        periods
            .filter(col(RULE).isNull())
            .groupBy("person_id")
            .agg(
                collect_list(
                        struct(
                            col("observation_period_start_date").as("start"),
                            col("observation_period_end_date").as("end")))
                    .as("_periods"),
                // The span of the periods and their number: most persons have one period, whose
                // bounds then decide without the row-by-row higher-order function over the list.
                org.apache.spark.sql.functions.count(lit(1)).as("_n_periods"),
                org.apache
                    .spark
                    .sql
                    .functions
                    .min("observation_period_start_date")
                    .as("_first_start"),
                max("observation_period_end_date").as("_last_end"));
    Dataset<Row> cleanDeaths =
        deaths
            .filter(col(RULE).isNull())
            .select(col("person_id"), col("death_date").as("_death_date"));
    return persons
        .filter(col(RULE).isNull())
        .select(col("person_id"), col("year_of_birth").as("_year_of_birth"))
        .join(cleanDeaths, "person_id", "left")
        .join(cleanPeriods, "person_id", "left");
  }

  /**
   * Person-level rules for a clinical table: unknown person, event before birth year, event after
   * death + grace, event outside every observation period (flag or reject).
   */
  public static Dataset<Row> checkAgainstPersons(
      Dataset<Row> df, CdmTable table, Dataset<Row> personInfo, IngestSettings settings) {
    Dataset<Row> joined = df.join(personInfo.withColumn("_known", lit(true)), "person_id", "left");
    joined =
        reject(
            joined,
            col("_known").isNull().and(col("person_id").isNotNull()),
            Rules.UNKNOWN_PERSON,
            concat(lit("person_id "), col("person_id").cast("string"), lit(" is not in person")));
    String date = table.startDate();
    if (table == CdmTable.OBSERVATION_PERIOD) {
      // The period is the person's time in the data: it starts no earlier than birth and ends no
      // later than death (with the grace events have).
      String end = "observation_period_end_date";
      joined =
          rejectOrFlag(
              joined,
              table,
              settings,
              year(col(date)).lt(col("_year_of_birth")),
              Rules.EVENT_BEFORE_BIRTH,
              concat(
                  lit(date + " "),
                  col(date).cast("string"),
                  lit(" is before the year of birth "),
                  col("_year_of_birth").cast("string")));
      joined =
          rejectOrFlag(
              joined,
              table,
              settings,
              col(end).gt(expr("date_add(_death_date, " + settings.deathGraceDays() + ")")),
              Rules.EVENT_AFTER_DEATH,
              concat(
                  lit(end + " "),
                  col(end).cast("string"),
                  lit(" is more than " + settings.deathGraceDays() + " days after death "),
                  col("_death_date").cast("string")));
    }
    if (date != null && table != CdmTable.OBSERVATION_PERIOD) {
      joined =
          rejectOrFlag(
              joined,
              table,
              settings,
              year(col(date)).lt(col("_year_of_birth")),
              Rules.EVENT_BEFORE_BIRTH,
              concat(
                  lit(date + " "),
                  col(date).cast("string"),
                  lit(" is before the year of birth "),
                  col("_year_of_birth").cast("string")));
      if (table != CdmTable.DEATH) {
        joined =
            rejectOrFlag(
                joined,
                table,
                settings,
                col(date).gt(expr("date_add(_death_date, " + settings.deathGraceDays() + ")")),
                Rules.EVENT_AFTER_DEATH,
                concat(
                    lit(date + " "),
                    col(date).cast("string"),
                    lit(" is more than " + settings.deathGraceDays() + " days after death "),
                    col("_death_date").cast("string")));
        Column d = col(date);
        Column inObservation =
            coalesce(
                when(d.isNull(), lit(null).cast(DataTypes.BooleanType))
                    .when(d.lt(col("_first_start")).or(d.gt(col("_last_end"))), lit(false))
                    .when(col("_n_periods").equalTo(1), lit(true))
                    .otherwise(
                        expr("exists(_periods, p -> `" + date + "` BETWEEN p.start AND p.end)")),
                lit(false));
        if (settings.outsideObservation(table).equals("reject")) {
          joined =
              reject(
                  joined,
                  inObservation.unary_$bang(),
                  Rules.OUTSIDE_OBSERVATION,
                  concat(
                      lit(date + " "),
                      col(date).cast("string"),
                      lit(" is outside every observation period of this person")));
        } else {
          joined =
              flag(
                  joined,
                  col(RULE).isNull().and(inObservation.unary_$bang()),
                  Rules.OUTSIDE_OBSERVATION);
        }
      }
    }
    return joined.drop(
        "_known",
        "_year_of_birth",
        "_death_date",
        "_periods",
        "_n_periods",
        "_first_start",
        "_last_end");
  }

  /** Flags (never rejects) rows whose concept id is not in the vocabulary; 0 means "no match". */
  public static Dataset<Row> flagUnknownConcepts(
      Dataset<Row> df, CdmTable table, Dataset<Row> conceptIds) {
    String c = table.conceptColumn();
    if (c == null) {
      return df;
    }
    Dataset<Row> known =
        conceptIds
            .select(col("concept_id").as("_known_concept"))
            .withColumn("_concept_found", lit(true));
    Dataset<Row> joined =
        df.join(
            org.apache.spark.sql.functions.broadcast(known),
            col(c).equalTo(col("_known_concept")),
            "left");
    return flag(
            joined,
            col(RULE).isNull().and(col(c).notEqual(0)).and(col("_concept_found").isNull()),
            Rules.UNKNOWN_CONCEPT)
        .drop("_known_concept", "_concept_found");
  }

  static Dataset<Row> flag(Dataset<Row> df, Column condition, String flag) {
    Column current = Arrays.asList(df.columns()).contains(FLAGS) ? col(FLAGS) : noFlags();
    // A plain CASE and an array concat, both compiled by whole-stage codegen. (array_compact is a
    // higher-order function, evaluated row by row outside generated code together with everything
    // beneath it: a fifth of ingest's task time in thread dumps of the sample run.)
    Column added =
        org.apache.spark.sql.functions.concat(
            current, when(coalesce(condition, lit(false)), array(lit(flag))).otherwise(noFlags()));
    return df.withColumn(FLAGS, added);
  }

  /** Ensures the flags column exists (empty) so every checked table has the same shape. */
  public static Dataset<Row> withFlags(Dataset<Row> df) {
    return Arrays.asList(df.columns()).contains(FLAGS) ? df : df.withColumn(FLAGS, noFlags());
  }

  private static Column noFlags() {
    return array().cast(DataTypes.createArrayType(DataTypes.StringType));
  }

  /** The curated columns of a table, in CDM order. */
  public static Column[] curatedColumns(CdmTable table) {
    return table.columns().stream().map(c -> col(c.name())).toArray(Column[]::new);
  }

  // --- parsing helpers --------------------------------------------------------------------------

  /** Trimmed text, null when absent or empty (an empty string is a null in CDM exports). */
  static Column cleaned(Dataset<Row> raw, String name) {
    if (!Arrays.asList(raw.columns()).contains(name)) {
      return lit(null).cast(DataTypes.StringType);
    }
    // Spaces, tabs and stray carriage returns (CRLF files read with a lone \n) around a value.
    // Trimming a set of characters walks the value a character at a time with a copy per
    // character (UTF8String.trimLeft/trimRight with a trim string: a seventh of ingest's task
    // time): only values that start or end with one of them take it.
    // The four characters are all <= ' ': comparing the first and the last character with ' '
    // costs two short copies (eight startsWith/endsWith calls cost more, seen in thread dumps); a
    // rarer control character passes to the trim, which leaves it.
    Column v = col("`" + name + "`");
    Column padded =
        org.apache
            .spark
            .sql
            .functions
            .substring(v, 1, 1)
            .leq(" ")
            .or(org.apache.spark.sql.functions.substring(v, -1, 1).leq(" "));
    Column t = when(padded, trim(v, " \t\r\n")).otherwise(v);
    return when(t.equalTo(""), lit(null).cast(DataTypes.StringType)).otherwise(t);
  }

  /**
   * The typed value of text already in the column's {@link #notation} (null otherwise), or null
   * when it does not parse.
   */
  static Column typed(Column text, CdmColumn c) {
    return switch (c.type()) {
      case ID -> integral(text, Long.MIN_VALUE, Long.MAX_VALUE).cast(DataTypes.LongType);
      case INT -> integral(text, Integer.MIN_VALUE, Integer.MAX_VALUE).cast(DataTypes.IntegerType);
      case DOUBLE -> {
        // Values beyond the double range ("1e400" reads as Infinity) are not numbers.
        Column d = text.try_cast("double");
        yield when(
                d.isNaN()
                    .or(org.apache.spark.sql.functions.abs(d).equalTo(Double.POSITIVE_INFINITY)),
                lit(null).cast(DataTypes.DoubleType))
            .otherwise(d);
      }
      case DATE ->
          // A date, or a well-formed datetime where a date is expected (its date part). The text
          // is already in DATE_OR_DATETIME's form, so its first ten characters are YYYY-MM-DD and
          // the cast (Spark's own date parser: no formatter, null for a day that does not exist,
          // 2023-02-30) reads exactly what try_to_date with "yyyy-MM-dd" reads, at a fraction of
          // its cost (java.time's formatter was in thread dumps of ingest).
          org.apache.spark.sql.functions.substring(text, 1, 10).try_cast("date");
      case STRING -> text;
    };
  }

  /**
   * The numbers an exporter writes: plain decimal notation with an optional sign, fraction and
   * exponent ("6", "-1.5", "6.0", "1e+05", ".5"). Not what Java's or Spark's parsers also take:
   * type suffixes ("90d", "1e3f"), hex ("0x1F", "0x1p3"), "Infinity", "NaN", digit separators,
   * digits of other scripts.
   */
  static final String NUMBER = "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$";

  /**
   * ISO dates as OMOP exports write them, "YYYY-MM-DD", or a datetime: the date, "T" or a space, a
   * valid time "hh:mm", "hh:mm:ss" or "hh:mm:ss.fraction", and an optional zone ("Z", "+01:00",
   * "+0100"). The date part is the date; a dangling "T", an hour 25, a range are not dates.
   */
  static final String DATE_OR_DATETIME =
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}"
          + "([ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,9})?)?"
          + "(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?)?$";

  /** A plain decimal whose fractional digits are not all zero ("8.5", "6.0000001"). */
  private static final String FRACTION = "^[+-]?[0-9]*\\.[0-9]*[1-9][0-9]*$";

  /**
   * True where the text is a number with a fractional part: a plain decimal with a non-zero
   * fractional digit (judged on the text, so that no rounding can hide it), or a number in another
   * notation ("1.25e1") whose value is not whole.
   */
  static Column hasFraction(Column text) {
    Column d = text.try_cast("decimal(38,18)");
    return text.rlike(FRACTION).or(coalesce(d.notEqual(floor(d)), lit(false)));
  }

  /** Whole numbers, also written as integral decimals ("6.0", "1e+05"), within [lo, hi]. */
  private static Column integral(Column text, long lo, long hi) {
    // Plain digits take a cheap long cast. Text with a decimal point or an exponent ("6.0", as R
    // and DuckDB write ids) goes straight to a decimal: a failed long cast costs Spark an exception
    // per value (seen in thread dumps while reading Eunomia, whose every id is written "6.0").
    // decimal(38,18) holds every long (20 integer digits) and 18 fractional digits; a fractional
    // digit beyond those would be rounded away, so the text itself is checked too.
    Column exponent = text.contains("e").or(text.contains("E"));
    Column notation = text.contains(".").or(exponent);
    Column fast = when(not(notation), text.try_cast("bigint"));
    // "6.0", "6.", "6.000": the digits before the point, without a decimal (whose parse, string to
    // BigDecimal to rescaled Decimal, was a quarter of ingest's CPU on Eunomia).
    Column wholeDecimal =
        not(exponent)
            .and(org.apache.spark.sql.functions.rtrim(text, "0").endsWith("."))
            .and(not(text.startsWith(".")))
            .and(not(text.startsWith("-.")))
            .and(not(text.startsWith("+.")));
    Column point =
        when(
            wholeDecimal,
            org.apache.spark.sql.functions.substring_index(text, ".", 1).try_cast("bigint"));
    Column d = text.try_cast("decimal(38,18)");
    Column slow =
        when(
                notation
                    .and(d.isNotNull())
                    .and(d.equalTo(floor(d)))
                    .and(d.between(lo, hi))
                    .and(not(text.rlike(FRACTION))),
                d)
            .cast("bigint");
    Column v = coalesce(fast, point, slow);
    return when(v.between(lo, hi), v);
  }
}
