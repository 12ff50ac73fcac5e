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
import static org.rwe.ingest.Extract.VISITS;
import static org.rwe.ingest.Extract.VISIT_HEADER;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rwe.testing.DuckDb;
import org.rwe.testing.SparkTestSession;

/**
 * The bad-input corpus: one small extract per case (a rule, a structural failure, or a nasty
 * reality of real exports), run through the command line. Each case asserts its exact outcome:
 * which rows end where under which rule, or the exit code and the message naming the file (and
 * column). Every run that completes also proves conservation: rows_read equals the records written
 * to the input (counted here), rows_curated and rows_rejected equal what DuckDB finds in curated/
 * and rejects/, and rows_read = rows_curated + rows_rejected.
 */
class IngestCorpusTest {
  @TempDir static Path root;

  /** Rule cases hold a few rows, so one bad row is a large share: the budget has its own cases. */
  static final String NO_BUDGET = "ingest.maxRejectShare=1";

  static Extract extract() {
    return new Extract(root);
  }

  static String tsv(String csv) {
    return csv.replace(',', '\t');
  }

  // --- formats --------------------------------------------------------------------------------

  @Test
  void gzipUpperCaseNamesAndPlainFilesMix() {
    Extract.Run r =
        extract()
            .remove("person.csv")
            .bytes("PERSON.csv.gz", Extract.gzip(PERSON.toUpperCase()))
            .remove("concept.csv")
            .text(
                "Concept.CSV",
                CONCEPT.replace("concept_id,concept_name", "CONCEPT_ID,Concept_Name"))
            .run()
            .ok();
    assertEquals("PERSON.csv.gz", r.summary("person").get("source"));
    assertEquals("Concept.CSV", r.summary("concept").get("source"));
    assertEquals(3L, r.summary("person").get("rows_curated"));
    assertEquals(9L, r.summary("concept").get("rows_curated"));
  }

  @Test
  void tsvSemicolonAndPipeAreDetectedPerFile() {
    Extract.Run r =
        extract()
            .remove("person.csv")
            .text("person.tsv", tsv(PERSON))
            .remove("visit_occurrence.csv")
            .text("visit_occurrence.txt", VISITS.replace(',', ';'))
            .remove("drug_exposure.csv")
            .text("drug_exposure.csv", DRUGS.replace(',', '|'))
            .run()
            .ok();
    assertEquals(3L, r.summary("person").get("rows_curated"));
    assertEquals(2L, r.summary("visit_occurrence").get("rows_curated"));
    assertEquals(2L, r.summary("drug_exposure").get("rows_curated"));
  }

  @Test
  void configuredTabDelimiterReadsATsvExtract() {
    Extract e = extract().option("ingest.delimiter=\t");
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
      String csv = new String(readBase(t), StandardCharsets.UTF_8);
      e.remove(t + ".csv").text(t + ".tsv", tsv(csv));
    }
    Extract.Run r = e.run().ok();
    assertEquals(2L, r.summary("condition_occurrence").get("rows_curated"));
  }

  @Test
  void folderOfGzippedPartFilesSkipsMarkersAndHiddenFiles() {
    Extract.Run r =
        extract()
            .remove("drug_exposure.csv")
            .bytes("drug_exposure/part-00000.csv.gz", Extract.gzip(DRUGS))
            .bytes(
                "drug_exposure/part-00001.csv.gz",
                Extract.gzip(
                    Extract.DRUG_HEADER
                        + "\n202,2,1118084,2016-01-01,2016-01-10,10,10,32817,,X\n"
                        + "203,2,1118084,2017-01-01,2017-01-10,10,10,32817,,X\n"))
            .text("drug_exposure/_SUCCESS", "")
            .text("drug_exposure/.DS_Store", "junk")
            .run()
            .ok();
    assertEquals("drug_exposure", r.summary("drug_exposure").get("source"));
    assertEquals(4L, r.summary("drug_exposure").get("rows_read"));
    assertEquals(
        Map.of("200", "", "201", "", "202", "", "203", ""),
        r.outcomes("drug_exposure", "drug_exposure_id"));
  }

  @Test
  void parquetTablesWithTypedColumnsLoad() throws Exception {
    Extract e = extract().remove("person.csv").remove("visit_occurrence.csv");
    Path input = e.input();
    Files.createDirectories(input);
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
            .add("visit_end_date", DataTypes.TimestampType);
    spark
        .createDataFrame(
            List.of(
                RowFactory.create(
                    10L,
                    1L,
                    9202,
                    java.sql.Date.valueOf("2015-03-01"),
                    java.sql.Timestamp.valueOf("2015-03-01 00:00:00"))),
            visit)
        .write()
        .parquet(input.resolve("visit_occurrence").toString());
    Extract.Run r = e.run().ok();
    assertEquals(3L, r.summary("person").get("rows_read"), "Parquet rows read");
    assertEquals(1L, r.summary("visit_occurrence").get("rows_curated"));
    List<Map<String, Object>> visits = r.curated("visit_occurrence", "visit_occurrence_id");
    assertEquals(
        LocalDate.of(2015, 3, 1),
        ((java.sql.Date) visits.get(0).get("visit_end_date")).toLocalDate());
    assertEquals(List.of("person_source_value"), r.dropped("person"));
  }

  @Test
  void integralDecimalIdsEmptyStringsAndDatetimes() {
    Extract.Run r =
        extract()
            .text(
                "condition_occurrence.csv",
                CONDITION_HEADER
                    + "\n100.0,1.0,201826.0,2015-03-01 00:00:00,\"\",32817.0,,10.0,E11.9,0.0\n"
                    + "101,2,201826,2016-05-02T08:30:00,2016-05-10 23:59:59,32817,,,E11.9,\n")
            .run()
            .ok();
    List<Map<String, Object>> rows = r.curated("condition_occurrence", "condition_occurrence_id");
    assertEquals(2, rows.size());
    assertEquals(100L, rows.get(0).get("condition_occurrence_id"));
    assertEquals(1L, rows.get(0).get("person_id"));
    assertNull(rows.get(0).get("condition_end_date"), "an empty quoted string is null");
    assertEquals(
        LocalDate.of(2016, 5, 2),
        ((java.sql.Date) rows.get(1).get("condition_start_date")).toLocalDate());
    assertNull(rows.get(1).get("visit_occurrence_id"));
    assertEquals(Map.of(), r.rejected("condition_occurrence"));
  }

  @Test
  void cdm53And54HeadersBothLoad() {
    String v53 =
        "visit_occurrence_id,person_id,visit_concept_id,visit_start_date,visit_start_datetime,"
            + "visit_end_date,visit_type_concept_id,admitting_source_concept_id,"
            + "discharge_to_concept_id,preceding_visit_occurrence_id\n"
            + "10,1,9202,2015-03-01,2015-03-01 00:00:00,2015-03-01,32817,0,0,\n";
    Extract.Run r = extract().text("visit_occurrence.csv", v53).run().ok();
    assertEquals(1L, r.summary("visit_occurrence").get("rows_curated"));
    assertTrue(r.dropped("visit_occurrence").contains("admitting_source_concept_id"));
    Extract.Run r54 =
        extract()
            .text(
                "visit_occurrence.csv",
                v53.replace("admitting_source_concept_id", "admitted_from_concept_id")
                    .replace("discharge_to_concept_id", "discharged_to_concept_id"))
            .run()
            .ok();
    assertTrue(r54.dropped("visit_occurrence").contains("admitted_from_concept_id"));
  }

  @Test
  void otherFilesAndANestedExtractAreNotTables() {
    Extract.Run r =
        extract()
            .text("eunomia-gibleed/person.csv", "not,a,person\n1,2,3\n")
            .text("eunomia-gibleed/death.csv", "garbage")
            .text("person_extra.csv", "x\n1\n")
            .text("README.md", "# an extract\n")
            .run()
            .ok();
    assertEquals("person.csv", r.summary("person").get("source"));
    assertEquals(IngestJob.ABSENT, r.summary("death").get("source"));
    assertEquals(0L, r.summary("death").get("rows_read"));
  }

  @Test
  void headerOnlyOptionalTableIsAnEmptyTable() {
    Extract.Run r =
        extract().text("death.csv", "person_id,death_date,cause_concept_id\n").run().ok();
    assertEquals("death.csv", r.summary("death").get("source"));
    assertEquals(0L, r.summary("death").get("rows_read"));
  }

  // --- nasty realities ------------------------------------------------------------------------

  @Test
  void byteOrderMarkAndCrlfLineEnds() {
    String crlf = "\uFEFF" + PERSON.replace("\n", "\r\n");
    Extract.Run r = extract().text("person.csv", crlf).run().ok();
    assertEquals(Map.of("1", "", "2", "", "3", ""), r.outcomes("person", "person_id"));
    assertEquals(List.of("gender_source_value", "person_source_value"), r.dropped("person"));
  }

  @Test
  void quotedDelimitersQuotesAndNewlinesInsideQuotes() {
    Extract.Run r =
        extract()
            .append(
                "concept.csv",
                "4000001,\"Diabetes, type 2\nwith complications\",Condition,SNOMED,Clinical"
                    + " Finding,S,\"4000001\",",
                "4000002,\"say \"\"hi\"\"\",Observation,SNOMED,Clinical Finding,S,4000002,")
            .run()
            .ok();
    List<Map<String, Object>> c =
        DuckDb.query(
            "SELECT concept_id, concept_name FROM '"
                + r.dir()
                + "/curated/concept/*.parquet' WHERE concept_id >= 4000001 ORDER BY 1");
    assertEquals("Diabetes, type 2\nwith complications", c.get(0).get("concept_name"));
    assertEquals("say \"hi\"", c.get(1).get("concept_name"));
    assertEquals(11L, r.summary("concept").get("rows_curated"));
  }

  @Test
  void trailingDelimitersOnRowsAndOnTheHeader() {
    String rowsOnly =
        CONDITION_HEADER
            + "\n100,1,201826,2015-03-01,,32817,,10,E11.9,0,\n"
            + "101,2,201826,2016-05-02,2016-05-10,32817,,11,E11.9,0,\n";
    Extract.Run r = extract().text("condition_occurrence.csv", rowsOnly).run().ok();
    assertEquals(
        Map.of("100", "", "101", ""),
        r.outcomes("condition_occurrence", "condition_occurrence_id"));
    String both =
        CONDITION_HEADER
            + ",\n100,1,201826,2015-03-01,,32817,,10,E11.9,0,\n"
            + "101,2,201826,2016-05-02,2016-05-10,32817,,11,E11.9,0\n";
    Extract.Run r2 = extract().text("condition_occurrence.csv", both).run().ok();
    assertEquals(
        Map.of("100", "", "101", ""),
        r2.outcomes("condition_occurrence", "condition_occurrence_id"));
    assertTrue(r2.dropped("condition_occurrence").contains("_unnamed_11"));
  }

  @Test
  void repeatedHeaderNameOfAnUnusedColumnIsKeptApartAndDropped() {
    Extract.Run r =
        extract()
            .text(
                "visit_occurrence.csv",
                VISIT_HEADER.replace("care_site_id", "PROVIDER_ID")
                    + "\n10,1,9202,2015-03-01,2015-03-01,32817,7,8,OP\n")
            .run()
            .ok();
    assertEquals(
        List.of("provider_id", "provider_id#8", "visit_source_value"),
        r.dropped("visit_occurrence"));
    assertEquals(1L, r.summary("visit_occurrence").get("rows_curated"));
  }

  @Test
  void extraColumnsAreDroppedListedAndNeverCurated() {
    Extract.Run r =
        extract()
            .text(
                "person.csv",
                PERSON_HEADER
                    + ",favourite_colour,clinician_note\n"
                    + "1,8507,1970,3,16,0,0,P0001,M,blue,\"lives at 1 Main St, calls often\"\n"
                    + "2,8532,1980,,,0,0,P0002,F,red,\n"
                    + "3,8507,1955,1,1,0,0,P0003,M,,\n")
            .run()
            .ok();
    assertEquals(
        List.of("clinician_note", "favourite_colour", "gender_source_value", "person_source_value"),
        r.dropped("person"));
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
    Extract.Run r =
        extract()
            .append(
                "condition_occurrence.csv",
                "102,3,201826,2012-01-01,,32817,,,Müller-Syndrom 東京 😀 É,0")
            .run()
            .ok();
    assertEquals("", r.outcomes("condition_occurrence", "condition_occurrence_id").get("102"));
  }

  @Test
  void whitespaceAroundValuesIsTrimmed() {
    Extract.Run r =
        extract()
            .text(
                "person.csv",
                PERSON_HEADER
                    + "\n 1 ,\t8507, 1970 ,,,,,,\n2,8532,1980,,,0,0,,\n3,8507,1955,,,,,,\n")
            .run()
            .ok();
    assertEquals(Map.of("1", "", "2", "", "3", ""), r.outcomes("person", "person_id"));
  }

  // --- row rules ------------------------------------------------------------------------------

  @Test
  void requiredNull() {
    Extract.Run r =
        extract()
            .append(
                "condition_occurrence.csv",
                "102,1,,2015-03-01,,32817,,,E11.9,0",
                "103,1,\"\",2015-03-01,,32817,,,E11.9,0",
                "104,1,201826,,,32817,,,E11.9,0")
            .append("person.csv", "4,8507,,,,0,0,,")
            .option(NO_BUDGET)
            .run()
            .ok();
    assertEquals(
        Map.of(
            "100",
            "",
            "101",
            "",
            "102",
            "required_null",
            "103",
            "required_null",
            "104",
            "required_null"),
        r.outcomes("condition_occurrence", "condition_occurrence_id"));
    assertEquals("required_null", r.outcomes("person", "person_id").get("4"));
    assertTrue(
        r.rejects("condition_occurrence").stream()
            .anyMatch(
                x -> x.get("reason").equals("required column condition_start_date is empty")));
  }

  @Test
  void unparseableNumbersIncludingHugeOnes() {
    Extract.Run r =
        extract()
            .append("person.csv", "4,8507,19x0,,,0,0,,", "99999999999999999999,8507,1970,,,0,0,,")
            .append(
                "drug_exposure.csv",
                "202,1,1118084,2015-03-01,2015-03-30,30,abc,32817,,X",
                "203,1,1118084,2015-03-01,2015-03-30,30,1e400,32817,,X",
                "204,1,1118084,2015-03-01,2015-03-30,30,NaN,32817,,X",
                "205,1,1118084,2015-03-01,2015-03-30,99999999999,1,32817,,X",
                "206,1,1118084,2015-03-01,2015-03-30,30,1.5e3,32817,,X")
            .option(NO_BUDGET)
            .run()
            .ok();
    Map<String, String> people = r.outcomes("person", "person_id");
    assertEquals("unparseable_number", people.get("4"));
    assertEquals("unparseable_number", people.get("99999999999999999999"));
    Map<String, String> drugs = r.outcomes("drug_exposure", "drug_exposure_id");
    assertEquals("unparseable_number", drugs.get("202"));
    assertEquals("unparseable_number", drugs.get("203"), "1e400 is beyond a double");
    assertEquals("unparseable_number", drugs.get("204"));
    assertEquals("unparseable_number", drugs.get("205"), "days_supply beyond an int");
    assertEquals("", drugs.get("206"), "1.5e3 is a number");
    assertEquals(Map.of("unparseable_number", 4L), r.rejected("drug_exposure"));
  }

  @Test
  void nonIntegralIds() {
    Extract.Run r =
        extract()
            .append("person.csv", "8.5,8507,1970,,,0,0,,", "6.0,8507,1970,,,0,0,,")
            .option(NO_BUDGET)
            .run()
            .ok();
    Map<String, String> people = r.outcomes("person", "person_id");
    assertEquals("non_integral_id", people.get("8.5"));
    assertEquals("", people.get("6"), "6.0 is the id 6");
  }

  @Test
  void unparseableDatesIncludingTwoDigitYearsAndImpossibleDays() {
    Extract.Run r =
        extract()
            .append(
                "condition_occurrence.csv",
                "102,1,201826,2020-02-30,,32817,,,E11.9,0",
                "103,1,201826,20-01-31,,32817,,,E11.9,0",
                "104,1,201826,01/31/2020,,32817,,,E11.9,0",
                "105,1,201826,2020-13-01,,32817,,,E11.9,0",
                "106,1,201826,2020-02-29,,32817,,,E11.9,0")
            .option(NO_BUDGET)
            .run()
            .ok();
    assertEquals(
        Map.of(
            "100", "",
            "101", "",
            "102", "unparseable_date",
            "103", "unparseable_date",
            "104", "unparseable_date",
            "105", "unparseable_date",
            "106", ""),
        r.outcomes("condition_occurrence", "condition_occurrence_id"));
  }

  @Test
  void negativeIds() {
    Extract.Run r =
        extract()
            .append("person.csv", "-5,8507,1970,,,0,0,,")
            .append("visit_occurrence.csv", "12,1,-1,2015-03-01,,32817,,,OP")
            .option(NO_BUDGET)
            .run()
            .ok();
    assertEquals("negative_id", r.outcomes("person", "person_id").get("-5"));
    assertEquals("negative_id", r.outcomes("visit_occurrence", "visit_occurrence_id").get("12"));
  }

  @Test
  void unknownPerson() {
    Extract.Run r =
        extract()
            .append("condition_occurrence.csv", "102,99,201826,2015-03-01,,32817,,,E11.9,0")
            .append("observation_period.csv", "4,99,2010-01-01,2020-12-31,32817")
            .option(NO_BUDGET)
            .run()
            .ok();
    assertEquals(
        "unknown_person", r.outcomes("condition_occurrence", "condition_occurrence_id").get("102"));
    assertEquals(
        "unknown_person", r.outcomes("observation_period", "observation_period_id").get("4"));
    assertTrue(
        r.rejects("condition_occurrence")
            .get(0)
            .get("reason")
            .equals("person_id 99 is not in person"));
  }

  @Test
  void endBeforeStart() {
    Extract.Run r =
        extract()
            .append(
                "drug_exposure.csv",
                "202,1,1118084,2015-03-01,2015-02-28,30,1,32817,,X",
                "203,1,1118084,2015-03-01,2015-03-01,1,1,32817,,X")
            .append("observation_period.csv", "4,2,2022-01-02,2022-01-01,32817")
            .option(NO_BUDGET)
            .run()
            .ok();
    assertEquals("end_before_start", r.outcomes("drug_exposure", "drug_exposure_id").get("202"));
    assertEquals(
        "", r.outcomes("drug_exposure", "drug_exposure_id").get("203"), "same day is fine");
    assertEquals(
        "end_before_start", r.outcomes("observation_period", "observation_period_id").get("4"));
  }

  @Test
  void eventBeforeBirthYearAndAfterDeathPlusGrace() {
    Extract.Run r =
        extract()
            .text("death.csv", "person_id,death_date\n3,2019-06-01\n")
            .append(
                "condition_occurrence.csv",
                "102,3,201826,2019-07-01,,32817,,,E11.9,0",
                "103,3,201826,2019-07-02,,32817,,,E11.9,0",
                "104,2,201826,1979-12-31,,32817,,,E11.9,0",
                "105,2,201826,1980-01-01,,32817,,,E11.9,0")
            .option(NO_BUDGET)
            .run()
            .ok();
    Map<String, String> c = r.outcomes("condition_occurrence", "condition_occurrence_id");
    assertEquals("", c.get("102"), "30 days after death is within the grace period");
    assertEquals("event_after_death", c.get("103"));
    assertEquals("event_before_birth", c.get("104"));
    assertEquals("", c.get("105"), "the year of birth itself is fine");
  }

  @Test
  void outsideObservationIsFlaggedByDefault() {
    Extract.Run r =
        extract()
            .append("condition_occurrence.csv", "102,1,201826,2009-12-31,,32817,,,E11.9,0")
            .run()
            .ok();
    assertEquals("", r.outcomes("condition_occurrence", "condition_occurrence_id").get("102"));
    assertEquals(Map.of("outside_observation", 1L), r.flagged("condition_occurrence"));
  }

  @Test
  void outsideObservationRejectedForOneTableOnly() {
    Extract.Run r =
        extract()
            .append("condition_occurrence.csv", "102,1,201826,2009-12-31,,32817,,,E11.9,0")
            .append("drug_exposure.csv", "202,1,1118084,2009-12-31,2010-01-05,5,1,32817,,X")
            .option(NO_BUDGET)
            .option("ingest.tables.condition_occurrence.outsideObservation=reject")
            .run()
            .ok();
    assertEquals(
        "outside_observation",
        r.outcomes("condition_occurrence", "condition_occurrence_id").get("102"));
    assertEquals("", r.outcomes("drug_exposure", "drug_exposure_id").get("202"));
    assertEquals(Map.of("outside_observation", 1L), r.flagged("drug_exposure"));
  }

  @Test
  void daysSupplyBounds() {
    Extract.Run r =
        extract()
            .append(
                "drug_exposure.csv",
                "202,1,1118084,2015-03-01,,-1,1,32817,,X",
                "203,1,1118084,2015-03-01,,0,1,32817,,X",
                "204,1,1118084,2015-03-01,,365,1,32817,,X",
                "205,1,1118084,2015-03-01,,366,1,32817,,X")
            .option(NO_BUDGET)
            .run()
            .ok();
    Map<String, String> d = r.outcomes("drug_exposure", "drug_exposure_id");
    assertEquals("days_supply_out_of_range", d.get("202"));
    assertEquals("", d.get("203"));
    assertEquals("", d.get("204"));
    assertEquals("days_supply_out_of_range", d.get("205"));
  }

  @Test
  void duplicatePrimaryKeysKeepOneDeterministically() {
    Extract.Run r =
        extract()
            .append(
                "condition_occurrence.csv",
                "100,3,201826,2012-01-01,,32817,,,E11.9,0",
                "101,2,201826,2016-05-02,2016-05-10,32817,,11,E11.9,0")
            .option(NO_BUDGET)
            .run()
            .ok();
    assertEquals(
        Map.of("100", ",duplicate_primary_key", "101", ",duplicate_primary_key"),
        r.outcomes("condition_occurrence", "condition_occurrence_id"));
    // The row whose raw values sort first is kept: for id 100, person 1 (before person 3).
    assertEquals(
        1L, r.curated("condition_occurrence", "condition_occurrence_id").get(0).get("person_id"));
  }

  @Test
  void duplicatePrimaryKeysFlaggedWhereTheStudySaysSo() {
    Extract.Run r =
        extract()
            .append("condition_occurrence.csv", "100,3,201826,2012-01-01,,32817,,,E11.9,0")
            .option("ingest.tables.condition_occurrence.flagOnly=[duplicate_primary_key]")
            .run()
            .ok();
    assertEquals(
        Map.of("100", ",", "101", ""),
        r.outcomes("condition_occurrence", "condition_occurrence_id"));
    assertEquals(Map.of("duplicate_primary_key", 1L), r.flagged("condition_occurrence"));
  }

  @Test
  void unknownConceptIsFlaggedNotRejected() {
    Extract.Run r =
        extract()
            .append(
                "condition_occurrence.csv",
                "102,1,999999,2015-03-01,,32817,,,E11.9,0",
                "103,1,0,2015-03-01,,32817,,,E11.9,0")
            .run()
            .ok();
    assertEquals(4L, r.summary("condition_occurrence").get("rows_curated"));
    assertEquals(Map.of("unknown_concept", 1L), r.flagged("condition_occurrence"), "0 = no match");
  }

  @Test
  void birthYearInTheFutureOrBefore1900() {
    int next = LocalDate.now().getYear() + 1;
    Extract.Run r =
        extract()
            .append(
                "person.csv",
                "4,8507,1899,,,0,0,,",
                "5,8507,1900,,,0,0,,",
                "6,8507," + next + ",,,0,0,,")
            .option(NO_BUDGET)
            .run()
            .ok();
    Map<String, String> p = r.outcomes("person", "person_id");
    assertEquals("birth_year_implausible", p.get("4"));
    assertEquals("", p.get("5"));
    assertEquals("birth_year_implausible", p.get("6"));
  }

  @Test
  void overlappingObservationPeriods() {
    Extract.Run r =
        extract()
            .append(
                "observation_period.csv",
                "4,1,2020-06-01,2022-12-31,32817",
                "5,1,2021-01-01,2022-12-31,32817")
            .option(NO_BUDGET)
            .run()
            .ok();
    Map<String, String> o = r.outcomes("observation_period", "observation_period_id");
    assertEquals("observation_period_overlap", o.get("4"));
    assertEquals("", o.get("5"), "starts the day after period 1 ends");
  }

  @Test
  void identifiersInSourceValuesAreRejectedAndNeverKeptInClear() throws Exception {
    Extract.Run r =
        extract()
            .append(
                "condition_occurrence.csv",
                "102,1,201826,2015-03-01,,32817,,,john.doe@example.com,0",
                "103,1,201826,2015-03-01,,32817,,,\"call (555) 123-4567\",0")
            .append("drug_exposure.csv", "202,1,1118084,2015-03-01,,1,1,32817,,123-45-6789")
            .append("person.csv", "4,8507,1970,,,0,0,jane@x.org,F")
            .option(NO_BUDGET)
            .run()
            .ok();
    assertEquals(
        "identifier_in_source_value",
        r.outcomes("condition_occurrence", "condition_occurrence_id").get("102"));
    assertEquals(
        "identifier_in_source_value",
        r.outcomes("condition_occurrence", "condition_occurrence_id").get("103"));
    assertEquals(
        "identifier_in_source_value", r.outcomes("drug_exposure", "drug_exposure_id").get("202"));
    assertEquals("identifier_in_source_value", r.outcomes("person", "person_id").get("4"));
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
    // Nothing under rejects/ holds an identifier in clear, nor the person_source_value at all.
    for (String t : List.of("condition_occurrence", "drug_exposure", "person")) {
      for (Map<String, Object> row : r.rejects(t)) {
        String all = row.toString();
        for (String secret : List.of("john.doe", "123-4567", "123-45-6789", "jane@x.org")) {
          assertFalse(all.contains(secret), t + ": " + all);
        }
        assertFalse(all.contains("person_source_value"), t + ": " + all);
      }
    }
    // The codes of the base rows (NDC 59762-1234-01, ICD10CM E11.9) are no identifiers.
    assertEquals("", r.outcomes("drug_exposure", "drug_exposure_id").get("200"));
  }

  @Test
  void rowsWhoseFieldsDoNotLineUpAreMalformed() {
    Extract.Run r =
        extract()
            .append(
                "condition_occurrence.csv",
                "102,1,201826,2015-03-01,,32817,,,E11.9,0,surprise",
                "103,1,201826,2015-03-01,,32817,,,E11.9",
                "104,1,201826,2015-03-01,,32817,,,E11.9,0,,")
            .option(NO_BUDGET)
            .run()
            .ok();
    Map<String, String> c = r.outcomes("condition_occurrence", "condition_occurrence_id");
    assertEquals("malformed_row", c.get("102"), "a value beyond the header");
    assertEquals("malformed_row", c.get("103"), "a field missing");
    assertEquals("", c.get("104"), "empty trailing fields are trailing delimiters");
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
    extract().bytes("concept.csv", b.toByteArray()).run().fails("concept.csv", "not UTF-8");
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
        .fails("concept.csv.gz", "(table concept)", "ends early");
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
        .fails("person", "Parquet");
  }

  /** The base extract's CSV of a table, as {@link Extract} writes it. */
  static byte[] readBase(String table) {
    return switch (table) {
      case "concept" -> CONCEPT.getBytes(StandardCharsets.UTF_8);
      case "concept_ancestor" -> Extract.CONCEPT_ANCESTOR.getBytes(StandardCharsets.UTF_8);
      case "concept_relationship" -> Extract.CONCEPT_RELATIONSHIP.getBytes(StandardCharsets.UTF_8);
      case "person" -> PERSON.getBytes(StandardCharsets.UTF_8);
      case "observation_period" -> Extract.PERIODS.getBytes(StandardCharsets.UTF_8);
      case "visit_occurrence" -> VISITS.getBytes(StandardCharsets.UTF_8);
      case "condition_occurrence" -> CONDITIONS.getBytes(StandardCharsets.UTF_8);
      case "drug_exposure" -> DRUGS.getBytes(StandardCharsets.UTF_8);
      default -> throw new IllegalArgumentException(table);
    };
  }

  /** The corpus is large enough to mean something. */
  @Test
  void corpusHasAtLeastThirtyCases() {
    long cases =
        Stream.of(IngestCorpusTest.class.getDeclaredMethods())
            .filter(m -> m.isAnnotationPresent(Test.class))
            .filter(m -> !m.getName().equals("corpusHasAtLeastThirtyCases"))
            .count();
    assertTrue(cases >= 30, "corpus cases: " + cases);
  }
}
