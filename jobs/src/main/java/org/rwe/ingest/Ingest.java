package org.rwe.ingest;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
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
import org.rwe.omop.ExtractReader;

/**
 * The rules of ingest as Dataset operations: the row-local ones through {@link RowCheck} ({@link
 * #parse}), then those that look beyond the row (overlapping periods, the person's birth, death and
 * observation, the vocabulary, duplicate keys). Every row leaves with either no rule (curated) or
 * exactly one rule and a readable reason (rejected); rows are never dropped or silently fixed.
 * Checks come in a fixed order and the first that fails names the row's rule.
 */
public final class Ingest {
  private Ingest() {}

  public static final String RULE = "_rule";
  public static final String REASON = "_reason";
  public static final String RAW = "_raw";
  public static final String FLAGS = "_flags";

  /**
   * Types every used column and applies the row-local rules ({@link RowCheck}) to raw rows whose
   * columns are the input's, as strings, plus {@link ExtractReader#SOURCE_FILE}: Parquet input, and
   * tests. Delimited text is read and checked by {@link Scan} from its bytes. Columns not used by
   * the pipeline never leave this method, except the {@code *_source_value} columns inside {@code
   * _raw} (see {@link #rawValueColumns}).
   */
  public static Dataset<Row> parse(
      Dataset<Row> raw, CdmTable table, IngestSettings settings, LocalDate today) {
    List<String> input =
        Arrays.stream(raw.columns()).filter(c -> !c.equals(ExtractReader.SOURCE_FILE)).toList();
    return Scan.rows(raw.sparkSession(), raw, new RowCheck(table, input, settings, today, true));
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
   * Keeps one row per primary key among clean rows (the first in the input: by file and line, else
   * by raw values, so the choice does not depend on partitioning) and rejects the others. Applied
   * after the other rules: a row already rejected does not make its twin a duplicate.
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
    // The first row in the input is kept: by file and line where the rows were read from text,
    // else by the raw values (ties between identical rows do not matter).
    WindowSpec w =
        Window.partitionBy(pk)
            .orderBy(
                col(RULE).asc_nulls_first(),
                col(RowCheck.SPLIT),
                col(RowCheck.LINE),
                col(RAW),
                col(ExtractReader.SOURCE_FILE));
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
                max("observation_period_end_date").as("_last_end"))
            // The list only where there is more than one: the facts are a hash table every event
            // row looks up, and a smaller entry is a faster lookup (persons with one period are
            // nearly all of them).
            .withColumn("_periods", when(col("_n_periods").gt(1), col("_periods")));
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
    // A known person's facts always hold the year of birth (a required column of person).
    Dataset<Row> joined = df.join(personInfo, "person_id", "left");
    joined =
        reject(
            joined,
            col("_year_of_birth").isNull().and(col("person_id").isNotNull()),
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
        "_year_of_birth", "_death_date", "_periods", "_n_periods", "_first_start", "_last_end");
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
}
