package org.rwe.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rwe.ingest.Extract.CONCEPT;
import static org.rwe.ingest.Extract.CONDITIONS;
import static org.rwe.ingest.Extract.CONDITION_HEADER;
import static org.rwe.ingest.Extract.DRUGS;
import static org.rwe.ingest.Extract.PERSON;
import static org.rwe.ingest.Extract.PERSON_HEADER;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rwe.testing.DuckDb;
import org.rwe.testing.SparkTestSession;

/**
 * The bad-input corpus: one test per case (a rule, a structural failure, or a nasty reality of real
 * exports), run through the command line. Each case asserts its exact outcome: which rows end where
 * under which rule, or the exit code and the message naming the file (and column).
 *
 * <p>A whole ingest run costs seconds of Spark jobs, so the cases that complete share four runs,
 * each built from the base extract of {@link Extract} with every case's rows under ids of its own:
 * {@link #rules()} (every row rule, default settings without a budget), {@link #options()} (a TSV
 * extract with a configured delimiter and per-table settings), {@link #formats()} and {@link
 * #parquet()} (file formats and the oddities of real exports). Every shared run also proves
 * conservation once: rows_read equals the records written to the input (counted here), rows_curated
 * and rows_rejected equal what DuckDB finds in curated/ and rejects/, rows_read = rows_curated +
 * rows_rejected, and the rejects per rule add up. Structural failures stop before any table is
 * written and run alone.
 */
class IngestCorpusTest {
  @TempDir static Path root;

  /** Rule cases hold a few rows, so one bad row is a large share: the budget has its own cases. */
  static final String NO_BUDGET = "ingest.maxRejectShare=1";

  static final int NEXT_YEAR = LocalDate.now().getYear() + 1;

  static Extract extract() {
    return new Extract(root);
  }

  static String tsv(String csv) {
    return csv.replace(',', '\t');
  }

  /** A shared run, made once by the first case that needs it (and its failure kept, too). */
  static final class Shared implements Supplier<Extract.Run> {
    private final Supplier<Extract> build;
    private Extract.Run run;
    private RuntimeException failure;

    Shared(Supplier<Extract> build) {
      this.build = build;
    }

    @Override
    public synchronized Extract.Run get() {
      if (run == null && failure == null) {
        try {
          run = build.get().run().ok();
        } catch (RuntimeException | AssertionError e) {
          failure = new IllegalStateException("the shared run failed: " + e.getMessage(), e);
        }
      }
      if (failure != null) {
        throw failure;
      }
      return run;
    }
  }

  // --- the shared runs --------------------------------------------------------------------------

  /** Every row rule, each case under its own ids; default settings without an error budget. */
  static final Shared RULES =
      new Shared(
          () ->
              extract()
                  .option(NO_BUDGET)
                  .text(
                      "death.csv",
                      "person_id,death_date\n3,2019-06-01\n12,2015-01-01\n15,2015-01-01\n")
                  .append(
                      "person.csv",
                      "4,8507,,,,0,0,,", // requiredNull
                      "5,8507,19x0,,,0,0,,", // unparseableNumbers
                      "99999999999999999999,8507,1970,,,0,0,,", // unparseableNumbers
                      "8.5,8507,1970,,,0,0,,", // nonIntegralIds
                      "6.0,8507,1970,,,0,0,,", // nonIntegralIds
                      "-5,8507,1970,,,0,0,,", // negativeIds
                      "7,8507,1899,,,0,0,,", // birthYear
                      "8,8507,1900,,,0,0,,", // birthYear
                      "9,8507," + NEXT_YEAR + ",,,0,0,,", // birthYear
                      "10,8507,1970,,,0,0,jane@x.org,F", // identifiers
                      // observationPeriodPlausibility: persons with a period of their own
                      "11,8507,1990,,,0,0,,",
                      "12,8507,1960,,,0,0,,",
                      "13,8507,1960,,,0,0,,",
                      "14,8507,1960,,,0,0,,",
                      "15,8507,1960,,,0,0,,")
                  // Person 3 dies on 2019-06-01: its period ends within deathGraceDays of it.
                  .text(
                      "observation_period.csv",
                      Extract.PERIODS.replace(
                          "3,3,2008-01-01,2019-12-31", "3,3,2008-01-01,2019-07-01"))
                  .append(
                      "observation_period.csv",
                      "4,99,2010-01-01,2020-12-31,32817", // unknownPerson
                      "5,2,2022-01-02,2022-01-01,32817", // endBeforeStart
                      "6,1,2020-06-01,2022-12-31,32817", // overlap
                      "7,2,2022-01-01,2023-06-30,32817", // overlap
                      // observationPeriodPlausibility
                      "8,11,1989-06-01,2020-12-31,32817", // starts before the year of birth
                      "9,12,2010-01-01,2015-03-01,32817", // ends 59 days after death
                      "10,13,2010-01-01,2099-12-31,32817", // an "open" end far in the future
                      "11,14," + NEXT_YEAR + "-01-01," + NEXT_YEAR + "-06-01,32817", // future
                      "12,15,2010-01-01,2015-01-25,32817") // ends within the grace after death
                  .append("visit_occurrence.csv", "12,1,-1,2015-03-01,,32817,,,OP") // negativeIds
                  .append(
                      "condition_occurrence.csv",
                      // requiredNull
                      "102,1,,2015-03-01,,32817,,,E11.9,0",
                      "103,1,\"\",2015-03-01,,32817,,,E11.9,0",
                      "104,1,201826,,,32817,,,E11.9,0",
                      // unparseableDates
                      "110,1,201826,2020-02-30,,32817,,,E11.9,0",
                      "111,1,201826,20-01-31,,32817,,,E11.9,0",
                      "112,1,201826,01/31/2020,,32817,,,E11.9,0",
                      "113,1,201826,2020-13-01,,32817,,,E11.9,0",
                      "114,1,201826,2020-02-29,,32817,,,E11.9,0",
                      // unknownPerson
                      "120,99,201826,2015-03-01,,32817,,,E11.9,0",
                      // strictDatesAndDatetimes
                      "190,1,201826,2020-01-31T,,32817,,,E11.9,0",
                      "191,1,201826,2020-01-31T25:00:00,,32817,,,E11.9,0",
                      "192,1,201826,2020-01-01/2020-02-01,,32817,,,E11.9,0",
                      "193,1,201826,2020-01-31 12:61,,32817,,,E11.9,0",
                      "194,1,201826,2020-01-31x,,32817,,,E11.9,0",
                      "195,1,201826,2020-01-31T08:30:00.123Z,,32817,,,E11.9,0",
                      "196,1,201826,2020-01-31 08:30+0100,,32817,,,E11.9,0",
                      "197,1,201826,2020-01-31 08:30:59,,32817,,,E11.9,0",
                      "198,1,201826," + NEXT_YEAR + "-01-01,,32817,,,E11.9,0", // in the future
                      // eventBeforeBirthYearAndAfterDeathPlusGrace
                      "130,3,201826,2019-07-01,,32817,,,E11.9,0",
                      "131,3,201826,2019-07-02,,32817,,,E11.9,0",
                      "132,2,201826,1979-12-31,,32817,,,E11.9,0",
                      "133,2,201826,1980-01-01,,32817,,,E11.9,0",
                      // outsideObservationIsFlaggedByDefault
                      "140,1,201826,2009-12-31,,32817,,,E11.9,0",
                      // duplicatePrimaryKeys: a second 100 (another person), a copy of 101
                      "100,3,201826,2012-01-01,,32817,,,E11.9,0",
                      "101,2,201826,2016-05-02,2016-05-10,32817,,11,E11.9,0",
                      // unknownConcept
                      "150,1,999999,2015-03-01,,32817,,,E11.9,0",
                      "151,1,0,2015-03-01,,32817,,,E11.9,0",
                      // identifiers
                      "160,1,201826,2015-03-01,,32817,,,john.doe@example.com,0",
                      "161,1,201826,2015-03-01,,32817,,,\"call (555) 123-4567\",0",
                      // malformed rows
                      "170,1,201826,2015-03-01,,32817,,,E11.9,0,surprise",
                      "171,1,201826,2015-03-01,,32817,,,E11.9",
                      "172,1,201826,2015-03-01,,32817,,,E11.9,0,,",
                      // unicodeInSourceValuesIsKept
                      "180,3,201826,2012-01-01,,32817,,,Müller-Syndrom 東京 😀 É,0")
                  .append(
                      "drug_exposure.csv",
                      // unparseableNumbers
                      "202,1,1118084,2015-03-01,2015-03-30,30,abc,32817,,X",
                      "203,1,1118084,2015-03-01,2015-03-30,30,1e400,32817,,X",
                      "204,1,1118084,2015-03-01,2015-03-30,30,NaN,32817,,X",
                      "205,1,1118084,2015-03-01,2015-03-30,99999999999,1,32817,,X",
                      "206,1,1118084,2015-03-01,2015-03-30,30,1.5e3,32817,,X",
                      // endBeforeStart
                      "210,1,1118084,2015-03-01,2015-02-28,30,1,32817,,X",
                      "211,1,1118084,2015-03-01,2015-03-01,1,1,32817,,X",
                      // daysSupplyBounds
                      "220,1,1118084,2015-03-01,,-1,1,32817,,X",
                      "221,1,1118084,2015-03-01,,0,1,32817,,X",
                      "222,1,1118084,2015-03-01,,365,1,32817,,X",
                      "223,1,1118084,2015-03-01,,366,1,32817,,X",
                      // identifiers
                      "230,1,1118084,2015-03-01,,1,1,32817,,123-45-6789",
                      // strictNumbers: what Java's parsers take but no exporter means
                      "240,1,1118084,2015-03-01,,30,90d,32817,,X",
                      "241,1,1118084,2015-03-01,,30,1e3f,32817,,X",
                      "242,1,1118084,2015-03-01,,30,0x1F,32817,,X",
                      "243,1,1118084,2015-03-01,,30,Infinity,32817,,X",
                      "244,1,1118084,2015-03-01,,30,1_000,32817,,X",
                      "245,1,1118084,2015-03-01,,30,\u0663,32817,,X",
                      "246,1,1118084,2015-03-01,,0x1E,1,32817,,X",
                      "247,1,1118084,2015-03-01,,30L,1,32817,,X",
                      "0x10,1,1118084,2015-03-01,,30,1,32817,,X",
                      "248,1,1118084,2015-03-01,,30,+2.5,32817,,X",
                      "249,1,1118084,2015-03-01,,30,.5,32817,,X",
                      "250,1,1118084,2015-03-01,,+30,2.,32817,,X",
                      // negativeQuantity
                      "251,1,1118084,2015-03-01,,30,-3,32817,,X"));

  static Extract.Run rules() {
    return RULES.get();
  }

  /**
   * A TSV extract read with a configured delimiter, and per-table settings: condition_occurrence
   * rejects events outside observation, flags duplicate keys and has a budget of its own.
   */
  static final Shared OPTIONS =
      new Shared(
          () -> {
            Extract e =
                extract()
                    .option("ingest.delimiter=\t")
                    .study(
                        "ingest.tables.condition_occurrence {\n"
                            + "  outsideObservation = reject\n"
                            + "  flagOnly = [duplicate_primary_key]\n"
                            + "  maxRejectShare = 0.5\n"
                            + "}\n"
                            // plausibilityRulesFlagWhereTheStudySaysSo
                            + "ingest.tables.observation_period { flagOnly = [event_before_birth,"
                            + " date_in_future] }\n"
                            + "ingest.tables.drug_exposure { flagOnly = [negative_quantity] }");
            for (String t :
                List.of(
                    "concept",
                    "concept_ancestor",
                    "concept_relationship",
                    "person",
                    "observation_period",
                    "visit_occurrence",
                    "condition_occurrence",
                    "drug_exposure")) {
              e.remove(t + ".csv").text(t + ".tsv", tsv(readBase(t)));
            }
            return e.append(
                    "condition_occurrence.tsv",
                    tsv("102,1,201826,2009-12-31,,32817,,,E11.9,0"),
                    tsv("100,3,201826,2012-01-01,,32817,,,E11.9,0"))
                .append(
                    "drug_exposure.tsv",
                    tsv("202,1,1118084,2009-12-31,2010-01-05,5,1,32817,,X"),
                    tsv("251,1,1118084,2015-03-01,,30,-3,32817,,X"))
                .append("person.tsv", tsv("11,8507,1990,,,0,0,,"), tsv("13,8507,1960,,,0,0,,"))
                .append(
                    "observation_period.tsv",
                    tsv("8,11,1989-06-01,2020-12-31,32817"),
                    tsv("10,13,2010-01-01,2099-12-31,32817"));
          });

  static Extract.Run options() {
    return OPTIONS.get();
  }

  /** File formats and the oddities of real exports, one table each, default settings. */
  static final Shared FORMATS =
      new Shared(
          () ->
              extract()
                  // Upper-case file and header names, gzip, extra columns (one quoted with a
                  // comma), whitespace around values.
                  .remove("person.csv")
                  .bytes(
                      "PERSON.csv.gz",
                      Extract.gzip(
                          (PERSON_HEADER
                                      + ",favourite_colour,clinician_note,_corrupt_record,"
                                      + "_source_file,`odd`")
                                  .toUpperCase()
                              + "\n 1 ,\t8507, 1970 ,3,16,0,0,P0001,M,blue,"
                              + "\"lives at 1 Main St, calls often\",x,y,z\n"
                              + "2,8532,1980,,,0,0,P0002,F,red,,,,\n"
                              + "3,8507,1955,1,1,0,0,P0003,M,,,garbage,/etc/passwd,\n"))
                  // Mixed-case names; quoted delimiters, quotes and newlines inside quotes.
                  .remove("concept.csv")
                  .text(
                      "Concept.CSV",
                      CONCEPT.replace("concept_id,concept_name", "CONCEPT_ID,Concept_Name")
                          + "4000001,\"Diabetes, type 2\nwith complications\",Condition,SNOMED,"
                          + "Clinical Finding,S,\"4000001\",\n"
                          + "4000002,\"say \"\"hi\"\"\",Observation,SNOMED,Clinical Finding,S,"
                          + "4000002,\n")
                  // Semicolons in a .txt file, CDM v5.3 columns, an unused column named twice.
                  .remove("visit_occurrence.csv")
                  .text(
                      "visit_occurrence.txt",
                      "visit_occurrence_id;person_id;visit_concept_id;visit_start_date;"
                          + "visit_start_datetime;visit_end_date;visit_type_concept_id;provider_id;"
                          + "PROVIDER_ID;admitting_source_concept_id;discharge_to_concept_id;"
                          + "preceding_visit_occurrence_id\n"
                          + "10;1;9202;2015-03-01;2015-03-01 00:00:00;2015-03-01;32817;7;8;0;0;\n"
                          + "11;2;9201;2016-05-01;2016-05-01 00:00:00;2016-05-03;32817;;;0;0;\n")
                  // A folder of gzipped, pipe-delimited part files with a marker and a hidden file.
                  .remove("drug_exposure.csv")
                  .bytes("drug_exposure/part-00000.csv.gz", Extract.gzip(DRUGS.replace(',', '|')))
                  .bytes(
                      "drug_exposure/part-00001.csv.gz",
                      Extract.gzip(
                          (Extract.DRUG_HEADER
                                  + "\n202,2,1118084,2016-01-01,2016-01-10,10,10,32817,,X\n"
                                  + "203,2,1118084,2017-01-01,2017-01-10,10,10,32817,,X\n")
                              .replace(',', '|')))
                  .text("drug_exposure/_SUCCESS", "")
                  .text("drug_exposure/.DS_Store", "junk")
                  // TSV: ids as integral decimals, datetimes, a quoted empty string, trailing
                  // delimiters on some rows, unicode in a source value.
                  .remove("condition_occurrence.csv")
                  .text(
                      "condition_occurrence.tsv",
                      tsv(CONDITION_HEADER)
                          + "\n100.0\t1.0\t201826.0\t2015-03-01 00:00:00\t\"\"\t32817.0\t\t10.0\tE11.9"
                          + "\t0.0\t\n"
                          + "101\t2\t201826\t2016-05-02T08:30:00\t2016-05-10 23:59:59\t32817\t\t\t"
                          + "E11.9\t\n"
                          + "102\t3\t201826\t2012-01-01\t\t32817\t\t\tMüller-Syndrom 東京 😀 É\t0\t\n")
                  // A byte order mark and CRLF line ends.
                  .text("observation_period.csv", "\uFEFF" + Extract.PERIODS.replace("\n", "\r\n"))
                  // An optional table with a header and no rows.
                  .text("death.csv", "person_id,death_date,cause_concept_id\n")
                  // Files and folders that are not tables.
                  .text("eunomia-gibleed/person.csv", "not,a,person\n1,2,3\n")
                  .text("eunomia-gibleed/death.csv", "garbage")
                  .text("person_extra.csv", "x\n1\n")
                  .text("README.md", "# an extract\n"));

  static Extract.Run formats() {
    return FORMATS.get();
  }

  /** Parquet tables (one file, one folder; typed columns, CDM v5.4), a trailing header comma. */
  static final Shared PARQUET =
      new Shared(
          () -> {
            Extract e =
                extract()
                    .remove("person.csv")
                    .remove("visit_occurrence.csv")
                    .text(
                        "condition_occurrence.csv",
                        CONDITION_HEADER
                            + ",\n100,1,201826,2015-03-01,,32817,,10,E11.9,0,\n"
                            + "101,2,201826,2016-05-02,2016-05-10,32817,,11,E11.9,0\n");
            Path input = e.input();
            var spark = SparkTestSession.get();
            StructType person =
                new StructType()
                    .add("PERSON_ID", DataTypes.LongType)
                    .add("gender_concept_id", DataTypes.DoubleType)
                    .add("year_of_birth", DataTypes.IntegerType)
                    .add("person_source_value", DataTypes.StringType);
            spark
                .createDataFrame(
                    List.of(
                        RowFactory.create(1L, 8507.0, 1970, "a"),
                        RowFactory.create(2L, 8532.0, 1980, "b"),
                        RowFactory.create(3L, 8507.0, 1955, null)),
                    person)
                .coalesce(1)
                .write()
                .parquet(input.resolve("person.parquet").toString());
            StructType visit =
                new StructType()
                    .add("visit_occurrence_id", DataTypes.LongType)
                    .add("person_id", DataTypes.LongType)
                    .add("visit_concept_id", DataTypes.IntegerType)
                    .add("visit_start_date", DataTypes.DateType)
                    .add("visit_end_date", DataTypes.TimestampType)
                    .add("admitted_from_concept_id", DataTypes.IntegerType)
                    .add("discharged_to_concept_id", DataTypes.IntegerType);
            spark
                .createDataFrame(
                    List.of(
                        RowFactory.create(
                            10L,
                            1L,
                            9202,
                            java.sql.Date.valueOf("2015-03-01"),
                            java.sql.Timestamp.valueOf("2015-03-01 00:00:00"),
                            0,
                            0)),
                    visit)
                .write()
                .parquet(input.resolve("visit_occurrence").toString());
            return e;
          });

  static Extract.Run parquet() {
    return PARQUET.get();
  }

  // --- text as hostile extracts write it ------------------------------------------------------

  /** A text file built line by line, knowing the number of each line (ASCII only). */
  static final class Lines {
    final StringBuilder text = new StringBuilder();
    private long next = 1;

    Lines(String header) {
      add(header, "\n");
    }

    /** Appends a line (which may hold line breaks inside quotes); returns its first line number. */
    long add(String line, String end) {
      long at = next;
      text.append(line).append(end);
      next += (line + end).chars().filter(c -> c == '\n').count();
      return at;
    }
  }

  /** Line numbers and texts of the hostile condition file's broken records. */
  static final Map<String, Long> HOSTILE_BROKEN = new java.util.TreeMap<>();

  /** Where the hostile measurement file's quoted line break falls: on a split's last byte. */
  static final int SPLIT = 4096;

  /**
   * Text files as real exports get them wrong, read in splits of 4 KiB: condition_occurrence has
   * CRLF lines that switch to LF half-way, blank lines in the middle, an unbalanced quote with
   * 1,700 rows after it, a row with a field too many and one with a field too few, and a quoted
   * line break; measurement has a quoted line break exactly across two splits; drug_exposure ends
   * its lines with CR alone; visit_occurrence switches from LF to CRLF. The records per table are
   * counted here, by hand.
   */
  static final Shared HOSTILE =
      new Shared(
          () -> {
            String c = ",1,201826,2015-03-01,,32817,,10,E11.9,0";
            Lines conditions = new Lines(CONDITION_HEADER);
            for (int id = 1000; id < 3000; id++) {
              String end = id < 2000 ? "\r\n" : "\n";
              switch (id) {
                case 1200 -> {
                  conditions.add(id + c, end);
                  conditions.add("", "\n");
                  conditions.add("   ", "\r\n");
                  conditions.add("\t", "\n");
                }
                case 1300 -> {
                  String line = "1300,1,201826,2015-03-01,,32817,\"never closed,10,E11.9,0";
                  HOSTILE_BROKEN.put(line, conditions.add(line, end));
                }
                case 1500 -> {
                  String line = 1500 + c + ",surprise";
                  HOSTILE_BROKEN.put(line, conditions.add(line, end));
                }
                case 1501 -> {
                  String line = "1501,1,201826,2015-03-01,,32817,,10,E11.9";
                  HOSTILE_BROKEN.put(line, conditions.add(line, end));
                }
                case 2700 ->
                    conditions.add(
                        "2700,1,201826,2015-03-01,,32817,\"stopped:\nside effects\",10,E11.9,0",
                        end);
                default -> conditions.add(id + c, end);
              }
            }
            String mHeader =
                "measurement_id,person_id,measurement_concept_id,measurement_date,"
                    + "value_as_number,unit_concept_id,value_source_value";
            StringBuilder m = new StringBuilder(mHeader).append('\n');
            for (int id = 5000; id < 5200; id++) {
              if (id == 5100) {
                // The quoted line break on the last byte of a split: the next split starts on
                // the second half of the quoted field and must be found not to meet this one.
                String before = id + ",1,3004410,2015-03-01,7.1,0,\"first";
                int pad = SPLIT - 1 - (m.length() + before.length()) % SPLIT;
                m.append(before).append("x".repeat(pad)).append("\nsecond\"\n");
                assertEquals(0, (m.indexOf("\nsecond") + 1) % SPLIT);
              } else {
                m.append(id).append(",1,3004410,2015-03-01,7.1,0,x\n");
              }
            }
            return extract()
                .option(NO_BUDGET)
                .option("ingest.splitSize=" + SPLIT)
                .text("condition_occurrence.csv", conditions.text.toString())
                .expectRecords("condition_occurrence", 2000)
                .text("measurement.csv", m.toString())
                .text("drug_exposure.csv", DRUGS.replace("\n", "\r"))
                .expectRecords("drug_exposure", 2)
                .text(
                    "visit_occurrence.csv",
                    Extract.VISITS.replaceFirst("\n", "\n").replace("IP\n", "IP\r\n"));
          });

  static Extract.Run hostile() {
    return HOSTILE.get();
  }

  @Test
  void anUnbalancedQuoteOrAShiftedRowCostsItsOwnLineAndNothingElse() {
    Extract.Run r = hostile();
    assertEquals(2000L, r.summary("condition_occurrence").get("rows_read"), "counted by hand");
    assertEquals(
        Map.of("malformed_record", 3L),
        r.rejected("condition_occurrence"),
        "the unbalanced quote, the field too many and the field too few");
    assertEquals(1997L, r.summary("condition_occurrence").get("rows_curated"));
    Map<String, Long> rejected = new java.util.TreeMap<>();
    for (Map<String, Object> x : r.rejects("condition_occurrence")) {
      rejected.put((String) x.get("raw_values"), (Long) x.get("line"));
      assertTrue(
          ((String) x.get("source_file")).endsWith("condition_occurrence.csv"), x.toString());
      assertTrue(
          ((String) x.get("reason")).contains("field")
              || ((String) x.get("reason")).contains("quote"),
          x.toString());
    }
    assertEquals(
        HOSTILE_BROKEN, rejected, "each broken record's line as read, and its line number");
    // Every other id is curated once: the 1,700 rows after the open quote were not swallowed.
    List<Map<String, Object>> curated =
        r.curated("condition_occurrence", "condition_occurrence_id");
    assertEquals(1997, curated.size());
    assertEquals(1000L, curated.get(0).get("condition_occurrence_id"));
    assertEquals(2999L, curated.get(curated.size() - 1).get("condition_occurrence_id"));
  }

  @Test
  void blankLinesAreSkippedAndCountedNotRead() {
    Extract.Run r = hostile();
    assertEquals(3L, r.summary("condition_occurrence").get("blank_lines"));
    assertEquals(0L, r.summary("person").get("blank_lines"));
  }

  @Test
  void lineEndsThatSwitchOrAreCarriageReturnsOnlyLoseNoRow() {
    Extract.Run r = hostile();
    assertEquals(2L, r.summary("drug_exposure").get("rows_read"), "CR-only lines");
    assertEquals(2L, r.summary("drug_exposure").get("rows_curated"));
    assertEquals(2L, r.summary("visit_occurrence").get("rows_curated"), "LF, then CRLF");
    // CRLF lines switching to LF half-way through conditions: the last column of every line is
    // read as its value, never with a stray \r.
    assertEquals(
        0L,
        DuckDb.query(
                "SELECT count(*) n FROM '"
                    + r.dir()
                    + "/curated/condition_occurrence/*.parquet' WHERE"
                    + " condition_source_concept_id IS DISTINCT FROM 0")
            .get(0)
            .get("n"));
  }

  @Test
  void aLargeFileIsReadInSplitsThatAddUpToAnotherReadersCount() throws Exception {
    Extract.Run r = hostile();
    Path m = r.extract().input().resolve("measurement.csv");
    long duckdb =
        ((Number)
                DuckDb.query(
                        "SELECT count(*) n FROM read_csv('"
                            + m
                            + "', header = true, strict_mode = true, all_varchar = true)")
                    .get(0)
                    .get("n"))
            .longValue();
    assertEquals(200L, duckdb);
    assertEquals(duckdb, r.summary("measurement").get("rows_read"));
    assertEquals(duckdb, r.summary("measurement").get("rows_curated"));
    assertTrue(
        r.curated("measurement", "measurement_id").stream()
            .anyMatch(x -> x.get("measurement_id").equals(5100L)),
        "the record whose quoted line break crosses two splits (the file is then read whole)");
    assertTrue(
        java.nio.file.Files.size(r.extract().input().resolve("condition_occurrence.csv"))
            > 20 * SPLIT,
        "conditions were read in more than 20 splits, their rejects' lines placed in the file");
  }

  @Test
  void aGzipWhoseChecksumIsWrongStopsTheRunNamingIt() {
    // Past the first 64 KiB (checked before any job): the reading task finds it at the end.
    StringBuilder persons = new StringBuilder(PERSON);
    for (int id = 10; id < 5000; id++) {
      persons.append(id).append(",8507,1970,,,0,0,P").append(id).append(",M\n");
    }
    byte[] gz = Extract.gzip(persons.toString());
    gz[gz.length - 6] ^= 0x5A; // the CRC-32 of the gzip trailer
    extract()
        .remove("person.csv")
        .bytes("person.csv.gz", gz)
        .run()
        .fails("person.csv.gz", "(table person)", "not a readable gzip file", "GZIP trailer");
  }

  @Test
  void parquetPartsThatDisagreeOnAColumnsTypeStopTheRunNamingThem() {
    Extract e = extract().remove("person.csv");
    Path folder = e.input().resolve("person");
    var spark = SparkTestSession.get();
    spark
        .createDataFrame(
            List.of(RowFactory.create(1L, 8507L, 1970)),
            new StructType()
                .add("person_id", DataTypes.LongType)
                .add("gender_concept_id", DataTypes.LongType)
                .add("year_of_birth", DataTypes.IntegerType))
        .coalesce(1)
        .write()
        .parquet(folder.resolve("a").toString());
    spark
        .createDataFrame(
            List.of(RowFactory.create("2", 8532L, 1980)),
            new StructType()
                .add("person_id", DataTypes.StringType)
                .add("gender_concept_id", DataTypes.LongType)
                .add("year_of_birth", DataTypes.IntegerType))
        .coalesce(1)
        .write()
        .parquet(folder.resolve("b").toString());
    e.prepare(
            in -> {
              // Two parts of one table folder, as two exports wrote them.
              for (String part : List.of("a", "b")) {
                try (var files = Files.list(in.resolve("person").resolve(part))) {
                  for (Path p : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
                    Files.move(p, in.resolve("person").resolve(part + ".parquet"));
                  }
                }
                try (var rest = Files.walk(in.resolve("person").resolve(part))) {
                  for (Path p : rest.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                  }
                }
              }
            })
        .run()
        .fails(
            "Table person", "disagree on the type of column 'person_id'", "a.parquet", "b.parquet");
  }

  @Test
  void aNulBytePastTheHeadStopsTheRunNamingFileAndLine() {
    StringBuilder b = new StringBuilder(CONDITIONS);
    for (int id = 1000; id < 4000; id++) {
      b.append(id).append(",1,201826,2015-03-01,,32817,,10,E11.9,0\n");
    }
    b.append("4000,1,201826,2015-03-01,,32817,,10,E11\u0000.9,0\n");
    extract()
        .text("condition_occurrence.csv", b.toString())
        .run()
        .fails(
            "condition_occurrence.csv",
            "(table condition_occurrence)",
            "line " + (CONDITIONS.split("\n").length + 3001),
            "NUL byte");
  }

  @Test
  void aCorruptPartAmongGoodOnesStopsTheRunNamingThatPart() {
    StringBuilder big = new StringBuilder(Extract.DRUG_HEADER).append('\n');
    java.util.Random random = new java.util.Random(5);
    for (int id = 1000; id < 6000; id++) {
      big.append(id)
          .append(",1,1118084,2015-03-01,2015-03-30,30,")
          .append(random.nextInt(90) + 1)
          .append(",32817,,X")
          .append(random.nextLong())
          .append('\n');
    }
    byte[] gz = Extract.gzip(big.toString());
    extract()
        .remove("drug_exposure.csv")
        .bytes("drug_exposure/part-00000.csv.gz", Extract.gzip(DRUGS))
        .bytes("drug_exposure/part-00001.csv.gz", Arrays.copyOf(gz, gz.length - 200))
        .run()
        .fails("part-00001.csv.gz", "(table drug_exposure)", "not a readable gzip file");
  }

  // --- formats --------------------------------------------------------------------------------

  @Test
  void gzipUpperCaseNamesAndPlainFilesMix() {
    Extract.Run r = formats();
    assertEquals("PERSON.csv.gz", r.summary("person").get("source"));
    assertEquals("Concept.CSV", r.summary("concept").get("source"));
    assertEquals(3L, r.summary("person").get("rows_curated"));
    assertEquals(11L, r.summary("concept").get("rows_curated"));
  }

  @Test
  void tsvSemicolonAndPipeAreDetectedPerFile() {
    Extract.Run r = formats();
    assertEquals("condition_occurrence.tsv", r.summary("condition_occurrence").get("source"));
    assertEquals(3L, r.summary("condition_occurrence").get("rows_curated"));
    assertEquals("visit_occurrence.txt", r.summary("visit_occurrence").get("source"));
    assertEquals(2L, r.summary("visit_occurrence").get("rows_curated"));
    assertEquals(4L, r.summary("drug_exposure").get("rows_curated"), "pipes, in part files");
  }

  @Test
  void configuredTabDelimiterReadsATsvExtract() {
    Extract.Run r = options();
    for (String t : List.of("concept", "person", "observation_period", "visit_occurrence")) {
      assertEquals(t + ".tsv", r.summary(t).get("source"));
      assertEquals(0L, r.summary(t).get("rows_rejected"), t);
    }
    assertEquals(5L, r.summary("person").get("rows_curated"));
    assertEquals(9L, r.summary("concept").get("rows_curated"));
  }

  @Test
  void folderOfGzippedPartFilesSkipsMarkersAndHiddenFiles() {
    Extract.Run r = formats();
    assertEquals("drug_exposure", r.summary("drug_exposure").get("source"));
    assertEquals(4L, r.summary("drug_exposure").get("rows_read"));
    assertEquals(
        Map.of("200", "", "201", "", "202", "", "203", ""),
        r.outcomes("drug_exposure", "drug_exposure_id"));
  }

  @Test
  void parquetTablesWithTypedColumnsLoad() {
    Extract.Run r = parquet();
    assertEquals("person.parquet", r.summary("person").get("source"));
    assertEquals(3L, r.summary("person").get("rows_read"), "Parquet rows read");
    assertEquals(3L, r.summary("person").get("rows_curated"));
    assertEquals(
        8532L, r.curated("person", "person_id").get(1).get("gender_concept_id"), "8532.0 is 8532");
    assertEquals("visit_occurrence", r.summary("visit_occurrence").get("source"));
    assertEquals(1L, r.summary("visit_occurrence").get("rows_curated"));
    List<Map<String, Object>> visits = r.curated("visit_occurrence", "visit_occurrence_id");
    assertEquals(
        LocalDate.of(2015, 3, 1),
        date(visits.get(0).get("visit_end_date")),
        "a timestamp where a date is expected");
    assertEquals(List.of("person_source_value"), r.dropped("person"));
  }

  @Test
  void integralDecimalIdsEmptyStringsAndDatetimes() {
    Extract.Run r = formats();
    List<Map<String, Object>> rows = r.curated("condition_occurrence", "condition_occurrence_id");
    assertEquals(3, rows.size());
    assertEquals(100L, rows.get(0).get("condition_occurrence_id"));
    assertEquals(1L, rows.get(0).get("person_id"));
    assertEquals(201826L, rows.get(0).get("condition_concept_id"));
    assertEquals(10L, rows.get(0).get("visit_occurrence_id"));
    assertEquals(LocalDate.of(2015, 3, 1), date(rows.get(0).get("condition_start_date")));
    assertNull(rows.get(0).get("condition_end_date"), "an empty quoted string is null");
    assertEquals(LocalDate.of(2016, 5, 2), date(rows.get(1).get("condition_start_date")));
    assertEquals(LocalDate.of(2016, 5, 10), date(rows.get(1).get("condition_end_date")));
    assertNull(rows.get(1).get("visit_occurrence_id"));
    assertEquals(Map.of(), r.rejected("condition_occurrence"));
  }

  @Test
  void cdm53And54HeadersBothLoad() {
    Extract.Run v53 = formats();
    assertEquals(2L, v53.summary("visit_occurrence").get("rows_curated"));
    assertTrue(v53.dropped("visit_occurrence").contains("admitting_source_concept_id"));
    assertTrue(v53.dropped("visit_occurrence").contains("discharge_to_concept_id"));
    Extract.Run v54 = parquet();
    assertEquals(
        List.of("admitted_from_concept_id", "discharged_to_concept_id"),
        v54.dropped("visit_occurrence"));
  }

  @Test
  void otherFilesAndANestedExtractAreNotTables() {
    Extract.Run r = formats();
    assertEquals("PERSON.csv.gz", r.summary("person").get("source"));
    assertEquals(3L, r.summary("person").get("rows_read"));
    assertEquals("death.csv", r.summary("death").get("source"), "not eunomia-gibleed/death.csv");
    assertEquals(IngestJob.ABSENT, parquet().summary("death").get("source"));
    assertEquals(0L, parquet().summary("death").get("rows_read"));
  }

  @Test
  void headerOnlyOptionalTableIsAnEmptyTable() {
    Extract.Run r = formats();
    assertEquals("death.csv", r.summary("death").get("source"));
    assertEquals(0L, r.summary("death").get("rows_read"));
    assertEquals(0L, r.count("curated", "death"));
  }

  // --- nasty realities ------------------------------------------------------------------------

  @Test
  void byteOrderMarkAndCrlfLineEnds() {
    Extract.Run r = formats();
    assertEquals(
        Map.of("1", "", "2", "", "3", ""),
        r.outcomes("observation_period", "observation_period_id"));
    assertEquals(
        LocalDate.of(2020, 12, 31),
        date(
            r.curated("observation_period", "observation_period_id")
                .get(0)
                .get("observation_period_end_date")));
    assertEquals(
        32817L,
        r.curated("observation_period", "observation_period_id")
            .get(0)
            .get("period_type_concept_id"),
        "the last column of a CRLF line, without its \\r");
  }

  @Test
  void quotedDelimitersQuotesAndNewlinesInsideQuotes() {
    Extract.Run r = formats();
    List<Map<String, Object>> c =
        DuckDb.query(
            "SELECT concept_id, concept_name, concept_code FROM '"
                + r.dir()
                + "/curated/concept/*.parquet' WHERE concept_id >= 4000001 ORDER BY 1");
    assertEquals("Diabetes, type 2\nwith complications", c.get(0).get("concept_name"));
    assertEquals("4000001", c.get(0).get("concept_code"));
    assertEquals("say \"hi\"", c.get(1).get("concept_name"));
    assertEquals(11L, r.summary("concept").get("rows_read"));
  }

  @Test
  void trailingDelimitersOnRowsAndOnTheHeader() {
    Extract.Run rows = formats();
    assertEquals(
        Map.of("100", "", "101", "", "102", ""),
        rows.outcomes("condition_occurrence", "condition_occurrence_id"));
    assertEquals(
        List.of("condition_source_value", "stop_reason"), rows.dropped("condition_occurrence"));
    Extract.Run header = parquet();
    assertEquals(
        Map.of("100", "", "101", ""),
        header.outcomes("condition_occurrence", "condition_occurrence_id"));
    assertTrue(header.dropped("condition_occurrence").contains("_unnamed_11"));
  }

  @Test
  void repeatedHeaderNameOfAnUnusedColumnIsKeptApartAndDropped() {
    Extract.Run r = formats();
    assertEquals(
        List.of(
            "admitting_source_concept_id",
            "discharge_to_concept_id",
            "preceding_visit_occurrence_id",
            "provider_id",
            "provider_id#9",
            "visit_start_datetime"),
        r.dropped("visit_occurrence"));
  }

  @Test
  void extraColumnsAreDroppedListedAndNeverCurated() {
    Extract.Run r = formats();
    assertEquals(
        List.of(
            "'odd'",
            "_corrupt_record#12",
            "_source_file#13",
            "clinician_note",
            "favourite_colour",
            "gender_source_value",
            "person_source_value"),
        r.dropped("person"),
        "names the pipeline reserves (_corrupt_record, _source_file) and a backtick are dropped"
            + " like any unused column, never a crash");
    assertEquals(
        List.of(
            "person_id",
            "gender_concept_id",
            "year_of_birth",
            "month_of_birth",
            "day_of_birth",
            "race_concept_id",
            "ethnicity_concept_id"),
        List.copyOf(DuckDb.schema(r.dir() + "/curated/person").keySet()),
        "only the CDM columns the pipeline uses reach curated/");
    for (String t : List.of("condition_occurrence", "drug_exposure", "visit_occurrence")) {
      assertFalse(
          DuckDb.schema(r.dir() + "/curated/" + t).containsKey(t.split("_")[0] + "_source_value"));
    }
    assertFalse(DuckDb.schema(r.dir() + "/curated/drug_exposure").containsKey("sig"));
  }

  @Test
  void unicodeInSourceValuesIsKept() {
    assertEquals(
        "", formats().outcomes("condition_occurrence", "condition_occurrence_id").get("102"));
    assertEquals(
        "", rules().outcomes("condition_occurrence", "condition_occurrence_id").get("180"));
  }

  @Test
  void whitespaceAroundValuesIsTrimmed() {
    Extract.Run r = formats();
    assertEquals(Map.of("1", "", "2", "", "3", ""), r.outcomes("person", "person_id"));
    Map<String, Object> one = r.curated("person", "person_id").get(0);
    assertEquals(8507L, one.get("gender_concept_id"));
    assertEquals(1970, ((Number) one.get("year_of_birth")).intValue());
  }

  // --- row rules ------------------------------------------------------------------------------

  @Test
  void requiredNull() {
    Extract.Run r = rules();
    Map<String, String> c = r.outcomes("condition_occurrence", "condition_occurrence_id");
    assertEquals("required_null", c.get("102"));
    assertEquals("required_null", c.get("103"), "a quoted empty string is a null");
    assertEquals("required_null", c.get("104"));
    assertEquals("required_null", r.outcomes("person", "person_id").get("4"));
    assertTrue(
        r.rejects("condition_occurrence").stream()
            .anyMatch(
                x -> x.get("reason").equals("required column condition_start_date is empty")));
  }

  @Test
  void unparseableNumbersIncludingHugeOnes() {
    Extract.Run r = rules();
    Map<String, String> people = r.outcomes("person", "person_id");
    assertEquals("unparseable_number", people.get("5"));
    assertEquals("unparseable_number", people.get("99999999999999999999"));
    Map<String, String> drugs = r.outcomes("drug_exposure", "drug_exposure_id");
    assertEquals("unparseable_number", drugs.get("202"));
    assertEquals("unparseable_number", drugs.get("203"), "1e400 is beyond a double");
    assertEquals("unparseable_number", drugs.get("204"));
    assertEquals("unparseable_number", drugs.get("205"), "days_supply beyond an int");
    assertEquals("", drugs.get("206"), "1.5e3 is a number");
    assertTrue(
        r.rejects("drug_exposure").stream()
            .anyMatch(
                x -> x.get("reason").equals("value 'abc' of quantity is not a finite number")));
  }

  @Test
  void nonIntegralIds() {
    Map<String, String> people = rules().outcomes("person", "person_id");
    assertEquals("non_integral_id", people.get("8.5"));
    assertEquals("", people.get("6"), "6.0 is the id 6");
  }

  @Test
  void unparseableDatesIncludingTwoDigitYearsAndImpossibleDays() {
    Map<String, String> c = rules().outcomes("condition_occurrence", "condition_occurrence_id");
    assertEquals("unparseable_date", c.get("110"), "2020-02-30");
    assertEquals("unparseable_date", c.get("111"), "a two-digit year");
    assertEquals("unparseable_date", c.get("112"), "01/31/2020");
    assertEquals("unparseable_date", c.get("113"), "month 13");
    assertEquals("", c.get("114"), "2020-02-29 is a leap day");
  }

  /** Dates as OMOP exports write them, or well-formed datetimes; nothing looser. */
  @Test
  void strictDatesAndDatetimes() {
    Map<String, String> c = rules().outcomes("condition_occurrence", "condition_occurrence_id");
    assertEquals("unparseable_date", c.get("190"), "a dangling T");
    assertEquals("unparseable_date", c.get("191"), "hour 25");
    assertEquals("unparseable_date", c.get("192"), "a range");
    assertEquals("unparseable_date", c.get("193"), "minute 61");
    assertEquals("unparseable_date", c.get("194"), "trailing text");
    assertEquals("", c.get("195"), "ISO datetime with fraction and zone");
    assertEquals("", c.get("196"), "datetime with an offset");
    assertEquals("", c.get("197"), "datetime with seconds");
    assertEquals("date_in_future", c.get("198"));
    assertTrue(
        rules().rejects("condition_occurrence").stream()
            .anyMatch(
                x ->
                    x.get("reason")
                        .equals(
                            "value '2020-01-31T' of condition_start_date is not a date"
                                + " (YYYY-MM-DD, or a datetime hh:mm[:ss])")));
  }

  /** Plain decimal notation only: no type suffixes, hex, words, separators or other digits. */
  @Test
  void strictNumbers() {
    Map<String, String> d = rules().outcomes("drug_exposure", "drug_exposure_id");
    for (String id : List.of("240", "241", "242", "243", "244", "245", "246", "247", "0x10")) {
      assertEquals("unparseable_number", d.get(id), id);
    }
    assertEquals("", d.get("248"), "+2.5");
    assertEquals("", d.get("249"), ".5");
    assertEquals("", d.get("250"), "+30 and 2.");
    assertEquals("negative_quantity", d.get("251"));
  }

  /** observation_period obeys the person-level rules of the event tables, and the future. */
  @Test
  void observationPeriodPlausibility() {
    Extract.Run r = rules();
    Map<String, String> p = r.outcomes("observation_period", "observation_period_id");
    assertEquals("event_before_birth", p.get("8"));
    assertEquals("event_after_death", p.get("9"));
    assertEquals("date_in_future", p.get("10"));
    assertEquals("date_in_future", p.get("11"));
    assertEquals("", p.get("12"), "within deathGraceDays of death");
    assertTrue(
        r.rejects("observation_period").stream()
            .anyMatch(
                x ->
                    String.valueOf(x.get("reason"))
                        .startsWith(
                            "observation_period_end_date 2099-12-31 is more than 365 days after"
                                + " the day of the run")));
  }

  /** The same rules flag instead of reject where a study says so. */
  @Test
  void plausibilityRulesFlagWhereTheStudySaysSo() {
    // In the options run: its study flags these rules for these tables instead of rejecting.
    Extract.Run r = options();
    assertEquals(Map.of(), r.rejected("observation_period"));
    assertEquals(
        Map.of("event_before_birth", 1L, "date_in_future", 1L), r.flagged("observation_period"));
    assertEquals(
        Map.of("outside_observation", 1L, "negative_quantity", 1L), r.flagged("drug_exposure"));
  }

  @Test
  void negativeIds() {
    Extract.Run r = rules();
    assertEquals("negative_id", r.outcomes("person", "person_id").get("-5"));
    assertEquals("negative_id", r.outcomes("visit_occurrence", "visit_occurrence_id").get("12"));
    assertEquals(Map.of("negative_id", 1L), r.rejected("visit_occurrence"));
  }

  @Test
  void unknownPerson() {
    Extract.Run r = rules();
    assertEquals(
        "unknown_person", r.outcomes("condition_occurrence", "condition_occurrence_id").get("120"));
    assertEquals(
        "unknown_person", r.outcomes("observation_period", "observation_period_id").get("4"));
    assertTrue(
        r.rejects("condition_occurrence").stream()
            .anyMatch(x -> x.get("reason").equals("person_id 99 is not in person")));
  }

  @Test
  void endBeforeStart() {
    Extract.Run r = rules();
    assertEquals("end_before_start", r.outcomes("drug_exposure", "drug_exposure_id").get("210"));
    assertEquals(
        "", r.outcomes("drug_exposure", "drug_exposure_id").get("211"), "same day is fine");
    assertEquals(
        "end_before_start", r.outcomes("observation_period", "observation_period_id").get("5"));
  }

  @Test
  void eventBeforeBirthYearAndAfterDeathPlusGrace() {
    Map<String, String> c = rules().outcomes("condition_occurrence", "condition_occurrence_id");
    assertEquals("", c.get("130"), "30 days after death is within the grace period");
    assertEquals("event_after_death", c.get("131"));
    assertEquals("event_before_birth", c.get("132"));
    assertEquals("", c.get("133"), "the year of birth itself is fine");
  }

  @Test
  void outsideObservationIsFlaggedByDefault() {
    Extract.Run r = rules();
    assertEquals("", r.outcomes("condition_occurrence", "condition_occurrence_id").get("140"));
    // 140 (2009-12-31, before person 1's period) and 133 (1980, before person 2's period).
    assertEquals(
        Map.of("outside_observation", 2L, "unknown_concept", 1L),
        r.flagged("condition_occurrence"));
  }

  @Test
  void outsideObservationRejectedForOneTableOnly() {
    Extract.Run r = options();
    assertEquals(
        "outside_observation",
        r.outcomes("condition_occurrence", "condition_occurrence_id").get("102"));
    assertEquals("", r.outcomes("drug_exposure", "drug_exposure_id").get("202"));
    assertEquals(
        Map.of("outside_observation", 1L, "negative_quantity", 1L), r.flagged("drug_exposure"));
    assertEquals(Map.of("outside_observation", 1L), r.rejected("condition_occurrence"));
  }

  @Test
  void daysSupplyBounds() {
    Map<String, String> d = rules().outcomes("drug_exposure", "drug_exposure_id");
    assertEquals("days_supply_out_of_range", d.get("220"));
    assertEquals("", d.get("221"));
    assertEquals("", d.get("222"));
    assertEquals("days_supply_out_of_range", d.get("223"));
  }

  @Test
  void duplicatePrimaryKeysKeepOneDeterministically() {
    Extract.Run r = rules();
    Map<String, String> c = r.outcomes("condition_occurrence", "condition_occurrence_id");
    assertEquals(",duplicate_primary_key", c.get("100"));
    assertEquals(",duplicate_primary_key", c.get("101"));
    // The row whose raw values sort first is kept: for id 100, person 1 (before person 3).
    assertEquals(
        1L, r.curated("condition_occurrence", "condition_occurrence_id").get(0).get("person_id"));
    assertTrue(
        r.rejects("condition_occurrence").stream()
            .anyMatch(
                x ->
                    x.get("reason")
                        .equals(
                            "duplicate of an earlier row with the same condition_occurrence_id"
                                + " 100")));
  }

  @Test
  void duplicatePrimaryKeysFlaggedWhereTheStudySaysSo() {
    Extract.Run r = options();
    assertEquals(
        Map.of("100", ",", "101", "", "102", "outside_observation"),
        r.outcomes("condition_occurrence", "condition_occurrence_id"));
    assertEquals(Map.of("duplicate_primary_key", 1L), r.flagged("condition_occurrence"));
  }

  @Test
  void unknownConceptIsFlaggedNotRejected() {
    Extract.Run r = rules();
    Map<String, String> c = r.outcomes("condition_occurrence", "condition_occurrence_id");
    assertEquals("", c.get("150"));
    assertEquals("", c.get("151"));
    assertEquals(
        1L, r.flagged("condition_occurrence").get("unknown_concept"), "150 only: 0 = no match");
  }

  @Test
  void birthYearInTheFutureOrBefore1900() {
    Map<String, String> p = rules().outcomes("person", "person_id");
    assertEquals("birth_year_implausible", p.get("7"));
    assertEquals("", p.get("8"));
    assertEquals("birth_year_implausible", p.get("9"));
  }

  @Test
  void overlappingObservationPeriods() {
    Map<String, String> o = rules().outcomes("observation_period", "observation_period_id");
    assertEquals("observation_period_overlap", o.get("6"), "starts before period 1 ends");
    assertEquals("", o.get("7"), "starts the day after period 2 ends");
  }

  @Test
  void identifiersInSourceValuesAreRejectedAndNeverKeptInClear() {
    Extract.Run r = rules();
    assertEquals(
        "identifier_in_source_value",
        r.outcomes("condition_occurrence", "condition_occurrence_id").get("160"));
    assertEquals(
        "identifier_in_source_value",
        r.outcomes("condition_occurrence", "condition_occurrence_id").get("161"));
    assertEquals(
        "identifier_in_source_value", r.outcomes("drug_exposure", "drug_exposure_id").get("230"));
    assertEquals("identifier_in_source_value", r.outcomes("person", "person_id").get("10"));
    List<String> reasons =
        r.rejects("condition_occurrence").stream().map(x -> (String) x.get("reason")).toList();
    assertTrue(
        reasons.contains(
            "condition_source_value holds what looks like an e-mail address (masked here; a"
                + " de-identified extract must not carry it)"),
        reasons.toString());
    assertTrue(
        r.rejects("condition_occurrence").stream()
            .anyMatch(x -> ((String) x.get("raw_values")).contains("call <phone>")));
    // Nothing under rejects/ holds an identifier in clear; raw values never hold the
    // person_source_value (the link back to the person), identifier or not.
    for (String t : List.of("condition_occurrence", "drug_exposure", "person")) {
      for (Map<String, Object> row : r.rejects(t)) {
        String all = row.toString();
        for (String secret : List.of("john.doe", "123-4567", "123-45-6789", "jane@x.org")) {
          assertFalse(all.contains(secret), t + ": " + all);
        }
        assertFalse(
            ((String) row.get("raw_values")).contains("person_source_value"), t + ": " + all);
      }
    }
    // The codes of the base rows (NDC 59762-1234-01, ICD10CM E11.9) are no identifiers.
    assertEquals("", r.outcomes("drug_exposure", "drug_exposure_id").get("200"));
  }

  @Test
  void rowsWhoseFieldsDoNotLineUpAreMalformed() {
    Map<String, String> c = rules().outcomes("condition_occurrence", "condition_occurrence_id");
    assertEquals("malformed_record", c.get("170"), "a value beyond the header");
    assertEquals("malformed_record", c.get("171"), "a field missing");
    assertEquals("", c.get("172"), "empty trailing fields are trailing delimiters");
  }

  /** Every row of the rules run, by table: the exact rule counts, so no row is judged twice. */
  @Test
  void everyRuleCountOfTheRulesRun() {
    Extract.Run r = rules();
    assertEquals(
        Map.of(
            "required_null", 1L,
            "unparseable_number", 2L,
            "non_integral_id", 1L,
            "negative_id", 1L,
            "birth_year_implausible", 2L,
            "identifier_in_source_value", 1L),
        r.rejected("person"));
    assertEquals(
        Map.of(
            "unknown_person", 1L,
            "end_before_start", 1L,
            "observation_period_overlap", 1L,
            "event_before_birth", 1L,
            "event_after_death", 1L,
            "date_in_future", 2L),
        r.rejected("observation_period"));
    assertEquals(
        Map.ofEntries(
            Map.entry("required_null", 3L),
            Map.entry("unparseable_date", 9L),
            Map.entry("date_in_future", 1L),
            Map.entry("unknown_person", 1L),
            Map.entry("event_after_death", 1L),
            Map.entry("event_before_birth", 1L),
            Map.entry("duplicate_primary_key", 2L),
            Map.entry("identifier_in_source_value", 2L),
            Map.entry("malformed_record", 2L)),
        r.rejected("condition_occurrence"));
    assertEquals(
        Map.of(
            "unparseable_number", 13L,
            "end_before_start", 1L,
            "days_supply_out_of_range", 2L,
            "negative_quantity", 1L,
            "identifier_in_source_value", 1L),
        r.rejected("drug_exposure"));
    assertEquals(Map.of(), r.flagged("drug_exposure"));
  }

  // --- error budget ---------------------------------------------------------------------------

  @Test
  void errorBudgetStopsTheRunNamingTableShareAndRules() {
    extract()
        .append("person.csv", "4,8507,1899,,,0,0,,")
        .run()
        .fails(
            "Table person: 25.0% of rows rejected (1 of 4)",
            "error budget of 5.0% (ingest.maxRejectShare)",
            "Top rules: birth_year_implausible (1)",
            "rejects/person");
  }

  @Test
  void errorBudgetPerTable() {
    extract()
        .append("person.csv", "4,8507,1899,,,0,0,,")
        .append("condition_occurrence.csv", "102,99,201826,2015-03-01,,32817,,,E11.9,0")
        .option("ingest.tables.person.maxRejectShare=0.3")
        .run()
        .fails(
            "Table condition_occurrence: 33.3% of rows rejected (1 of 3)",
            "(ingest.maxRejectShare)", "unknown_person (1)");
  }

  // --- structural failures --------------------------------------------------------------------

  @Test
  void missingRequiredTable() {
    extract()
        .remove("drug_exposure.csv")
        .run()
        .fails("Required table(s) [drug_exposure] not found");
  }

  @Test
  void missingRequiredColumn() {
    extract()
        .text("condition_occurrence.csv", CONDITIONS.replace("condition_concept_id,", "concept,"))
        .run()
        .fails("condition_occurrence.csv", "required column 'condition_concept_id'");
  }

  @Test
  void wrongDelimiter() {
    extract()
        .remove("person.csv")
        .text("person.csv", tsv(PERSON))
        .option("ingest.delimiter=,")
        .run()
        .fails("person.csv", "single column", "wrong delimiter", "ingest.delimiter");
  }

  @Test
  void notUtf8InTheHead() {
    byte[] latin1 =
        (PERSON_HEADER + "\n1,8507,1970,,,0,0,,M\n2,8532,1980,,,0,0,Caf\u00e9,F\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    extract().bytes("person.csv", latin1).run().fails("person.csv", "not UTF-8", "0xE9 on line 3");
  }

  @Test
  void utf16IsNotUtf8() {
    extract()
        .bytes("person.csv", PERSON.getBytes(StandardCharsets.UTF_16LE))
        .run()
        .fails("person.csv", "not UTF-8", "NUL bytes");
  }

  @Test
  void notUtf8PastTheHead() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(CONCEPT.getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < 1500; i++) {
      b.writeBytes(
          (5000000
                  + i
                  + ",padding concept number "
                  + i
                  + " to pass the head,Observation,X,X,,c"
                  + i
                  + ",\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    b.writeBytes("5999999,Caf\u00e9,Observation,X,X,,c,\n".getBytes(StandardCharsets.ISO_8859_1));
    assertTrue(b.size() > 64 * 1024);
    extract()
        .bytes("concept.csv", b.toByteArray())
        .run()
        .fails("concept.csv", "not UTF-8", "0xE9 on line " + (CONCEPT.split("\n").length + 1501));
  }

  @Test
  void truncatedGzipPastTheHead() {
    StringBuilder big = new StringBuilder(CONCEPT);
    java.util.Random random = new java.util.Random(3);
    for (int i = 0; i < 3000; i++) {
      big.append(5000000 + i)
          .append(",name ")
          .append(random.nextLong())
          .append(",Observation,X,X,,c")
          .append(i)
          .append(",\n");
    }
    byte[] gz = Extract.gzip(big.toString());
    byte[] truncated = Arrays.copyOf(gz, gz.length * 3 / 4);
    extract()
        .remove("concept.csv")
        .bytes("concept.csv.gz", truncated)
        .run()
        .fails("concept.csv.gz", "(table concept)", "not a readable gzip file", "near line");
  }

  @Test
  void truncatedGzipInTheHead() {
    byte[] gz = Extract.gzip(PERSON);
    extract()
        .remove("person.csv")
        .bytes("person.csv.gz", Arrays.copyOf(gz, gz.length / 2))
        .run()
        .fails("person.csv.gz", "not a readable gzip file");
  }

  /** A FIFO would block the reader for ever: it is named, within seconds, not read. */
  @Test
  void aFifoInPlaceOfATableFileStopsTheRunNamingIt() {
    extract()
        .remove("drug_exposure.csv")
        .prepare(
            in -> {
              Process p =
                  new ProcessBuilder("mkfifo", in.resolve("drug_exposure.csv").toString())
                      .inheritIO()
                      .start();
              try {
                assertEquals(0, p.waitFor(), "mkfifo");
              } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
              }
            })
        .run()
        .fails("drug_exposure.csv", "not a regular file or folder");
  }

  /**
   * An optional table behind a link that leads nowhere (a loop, or a missing target) is an error,
   * not an absent table; so is a part file that is a link to nothing.
   */
  @Test
  void aBrokenOrLoopingLinkIsNotAnAbsentTable() {
    extract()
        .prepare(in -> Files.createSymbolicLink(in.resolve("death.csv"), Path.of("death.csv")))
        .run()
        .fails("death.csv", "symbolic link that leads nowhere readable");
    extract()
        .remove("drug_exposure.csv")
        .text("drug_exposure/part-00000.csv", DRUGS)
        .prepare(
            in ->
                Files.createSymbolicLink(
                    in.resolve("drug_exposure/part-00001.csv"), in.resolve("gone.csv")))
        .run()
        .fails("part-00001.csv", "symbolic link that leads nowhere readable");
  }

  @Test
  void emptyFile() {
    extract().text("visit_occurrence.csv", "").run().fails("visit_occurrence.csv", "is empty");
  }

  @Test
  void headerOnlyRequiredTable() {
    extract()
        .text("drug_exposure.csv", Extract.DRUG_HEADER + "\n")
        .run()
        .fails("drug_exposure.csv", "has a header but no rows", "drug_exposure is required");
  }

  @Test
  void partFilesWithDifferentHeaders() {
    extract()
        .remove("person.csv")
        .text("person/part-0.csv", PERSON)
        .text("person/part-1.csv", "gender_concept_id,person_id,year_of_birth\n8507,4,1970\n")
        .run()
        .fails("part files have different headers", "part-0.csv", "part-1.csv");
  }

  @Test
  void usedColumnGivenTwice() {
    extract()
        .text("person.csv", "person_id,gender_concept_id,year_of_birth,PERSON_ID\n1,8507,1970,2\n")
        .run()
        .fails("person.csv", "'person_id'", "appears twice");
  }

  @Test
  void tableGivenTwice() {
    extract()
        .bytes("person.csv.gz", Extract.gzip(PERSON))
        .run()
        .fails("Table person is given more than once", "person.csv", "person.csv.gz");
  }

  @Test
  void folderWithoutDataFiles() {
    extract()
        .remove("person.csv")
        .text("person/_SUCCESS", "")
        .run()
        .fails("Table person", "holds no data file");
  }

  @Test
  void corruptParquet() {
    extract()
        .remove("person.csv")
        .text("person.parquet", "this is not parquet at all, just text pretending")
        .run()
        .fails("person.parquet", "Parquet");
  }

  /** A date as DuckDB returns it. */
  static LocalDate date(Object value) {
    return value instanceof java.sql.Date d ? d.toLocalDate() : (LocalDate) value;
  }

  /** The base extract's CSV of a table, as {@link Extract} writes it. */
  static String readBase(String table) {
    return switch (table) {
      case "concept" -> CONCEPT;
      case "concept_ancestor" -> Extract.CONCEPT_ANCESTOR;
      case "concept_relationship" -> Extract.CONCEPT_RELATIONSHIP;
      case "person" -> PERSON;
      case "observation_period" -> Extract.PERIODS;
      case "visit_occurrence" -> Extract.VISITS;
      case "condition_occurrence" -> CONDITIONS;
      case "drug_exposure" -> DRUGS;
      default -> throw new IllegalArgumentException(table);
    };
  }

  /** The corpus is large enough to mean something. */
  @Test
  void corpusHasAtLeastThirtyCases() throws Exception {
    long cases =
        Stream.of(IngestCorpusTest.class.getDeclaredMethods())
            .filter(m -> m.isAnnotationPresent(Test.class))
            .filter(m -> !m.getName().equals("corpusHasAtLeastThirtyCases"))
            .filter(m -> !m.getName().equals("everyRuleCountOfTheRulesRun"))
            .count();
    assertTrue(cases >= 30, "corpus cases: " + cases);
    assertTrue(Files.isDirectory(root));
  }
}
