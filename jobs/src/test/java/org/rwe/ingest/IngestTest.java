package org.rwe.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.rwe.config.IngestSettings;
import org.rwe.omop.CdmTable;
import org.rwe.omop.ExtractReader;
import org.rwe.testing.SparkTestSession;

/** The row rules of ingest on hand-made rows, one day or one unit either side of each bound. */
class IngestTest {
  static final SparkSession spark = SparkTestSession.get();
  static final IngestSettings SETTINGS = new IngestSettings(0.05, 365, 30, 1900, "flag");
  static final LocalDate TODAY = LocalDate.of(2026, 11, 26);

  /** Raw rows as an extract gives them: every value a string, plus the source file. */
  static Dataset<Row> raw(String header, String... rows) {
    String[] cols = header.split(",");
    StructType schema = new StructType();
    for (String c : cols) {
      schema = schema.add(c, DataTypes.StringType);
    }
    schema = schema.add(ExtractReader.SOURCE_FILE, DataTypes.StringType);
    List<Row> out = new ArrayList<>();
    for (String r : rows) {
      String[] v = Arrays.copyOf(r.split(",", -1), cols.length + 1);
      v[cols.length] = "test.csv";
      out.add(RowFactory.create((Object[]) v));
    }
    return spark.createDataFrame(out, schema);
  }

  /** Rule per row id (null when curated), in id order. */
  static Map<Long, String> rules(Dataset<Row> checked, String idColumn) {
    Map<Long, String> out = new TreeMap<>();
    for (Row r : checked.select(idColumn, Ingest.RULE, "_raw").collectAsList()) {
      long id = r.isNullAt(0) ? -1 : r.getLong(0);
      out.put(id, r.getString(1));
    }
    return out;
  }

  @Test
  void idsWrittenAsIntegralDecimalsLoadAsIntegers() {
    Dataset<Row> p =
        Ingest.parse(
            raw(
                "person_id,gender_concept_id,year_of_birth,race_concept_id",
                "6.0,8507.0,1970,0",
                "7,8532,1980.0,",
                "8.5,8532,1980,0",
                "abc,8532,1980,0",
                "99999999999999999999999,8532,1980,0"),
            CdmTable.PERSON,
            SETTINGS,
            TODAY);
    List<Row> rows = p.orderBy("_raw").collectAsList();
    Map<String, String> byRaw = new TreeMap<>();
    for (Row r : rows) {
      byRaw.put(r.getAs("_raw"), r.getAs(Ingest.RULE));
    }
    Row six = p.filter("person_id = 6").first();
    assertEquals(8507L, (long) six.getAs("gender_concept_id"));
    assertNull(six.getAs(Ingest.RULE));
    Row seven = p.filter("person_id = 7").first();
    assertEquals(1980, (int) seven.getAs("year_of_birth"));
    assertNull(seven.getAs("race_concept_id"), "empty string is null");
    assertEquals(
        List.of("non_integral_id", "unparseable_number", "unparseable_number"),
        p.filter("_rule is not null")
            .orderBy("_raw")
            .select(Ingest.RULE)
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList(),
        "8.5 is not an id; 'abc' and an out-of-range number are not numbers");
  }

  @Test
  void aFractionTooSmallToSurviveRoundingIsStillNotAnId() {
    Dataset<Row> p =
        Ingest.parse(
            raw(
                "person_id,gender_concept_id,year_of_birth",
                "6.0000001,8507,1970",
                "7.0000000000000000000001,8507,1970",
                "8.9999999999999999999999,8507,1970",
                "1e+05,8507,1970",
                "9.000,8507,1970.5"),
            CdmTable.PERSON,
            SETTINGS,
            TODAY);
    Map<String, String> byRaw = new TreeMap<>();
    for (Row r : p.collectAsList()) {
      byRaw.put(((String) r.getAs("_raw")).split("\"")[3], r.getAs(Ingest.RULE));
    }
    assertEquals("non_integral_id", byRaw.get("6.0000001"));
    assertEquals("non_integral_id", byRaw.get("7.0000000000000000000001"));
    assertEquals("non_integral_id", byRaw.get("8.9999999999999999999999"));
    assertNull(byRaw.get("1e+05"), "R writes 100000 as 1e+05");
    assertEquals(1L, p.filter("person_id = 100000").count());
    assertEquals(
        "unparseable_number", byRaw.get("9.000"), "a year of 1970.5 is no whole number, no id");
  }

  @Test
  void unparseableValuesOfOptionalColumnsAreRejectedWithTheirRule() {
    Dataset<Row> p =
        Ingest.parse(
            raw(
                "person_id,gender_concept_id,year_of_birth,race_concept_id",
                "1,8507,1970,x12",
                "2,8507,1970,3.5",
                "3,8507,19x0,0"),
            CdmTable.PERSON,
            SETTINGS,
            TODAY);
    Map<Long, String> r = rules(p, "person_id");
    assertEquals("unparseable_number", r.get(1L));
    assertEquals("non_integral_id", r.get(2L));
    assertEquals("unparseable_number", r.get(3L), "a present but bad value is not a null");
    Row one = p.filter("person_id = 1").first();
    assertTrue(((String) one.getAs(Ingest.REASON)).contains("race_concept_id"));
    assertTrue(((String) one.getAs(Ingest.RAW)).contains("x12"), "raw values kept for rejects");
  }

  @Test
  void birthYearBounds() {
    Dataset<Row> p =
        Ingest.parse(
            raw(
                "person_id,gender_concept_id,year_of_birth",
                "1,8507,1899",
                "2,8507,1900",
                "3,8507,2026",
                "4,8507,2027"),
            CdmTable.PERSON,
            SETTINGS,
            TODAY);
    Map<Long, String> r = rules(p, "person_id");
    assertEquals("birth_year_implausible", r.get(1L));
    assertNull(r.get(2L));
    assertNull(r.get(3L));
    assertEquals("birth_year_implausible", r.get(4L));
  }

  @Test
  void datesAndDatetimes() {
    Dataset<Row> p =
        Ingest.parse(
            raw(
                "condition_occurrence_id,person_id,condition_concept_id,condition_start_date,condition_end_date",
                "1,1,10,2020-01-31,",
                "2,1,10,2020-01-31 00:00:00,2020-02-01T10:00:00",
                "3,1,10,2020-02-30,",
                "4,1,10,20-01-31,",
                "5,1,10,2020-01-31,2020-01-30",
                "6,1,10,2020-01-31,2020-01-31"),
            CdmTable.CONDITION_OCCURRENCE,
            SETTINGS,
            TODAY);
    Map<Long, String> r = rules(p, "condition_occurrence_id");
    assertNull(r.get(1L));
    assertNull(r.get(2L), "a datetime where a date is expected is read as its date");
    assertEquals(
        java.sql.Date.valueOf("2020-02-01"),
        p.filter("condition_occurrence_id = 2").first().getAs("condition_end_date"));
    assertEquals("unparseable_date", r.get(3L), "2020-02-30 is no date");
    assertEquals("unparseable_date", r.get(4L), "2-digit years are not guessed");
    assertEquals("end_before_start", r.get(5L));
    assertNull(r.get(6L), "same-day end is fine");
  }

  @Test
  void daysSupplyBounds() {
    Dataset<Row> p =
        Ingest.parse(
            raw(
                "drug_exposure_id,person_id,drug_concept_id,drug_exposure_start_date,days_supply",
                "1,1,10,2020-01-01,-1",
                "2,1,10,2020-01-01,0",
                "3,1,10,2020-01-01,365",
                "4,1,10,2020-01-01,366",
                "5,1,10,2020-01-01,"),
            CdmTable.DRUG_EXPOSURE,
            SETTINGS,
            TODAY);
    Map<Long, String> r = rules(p, "drug_exposure_id");
    assertEquals("days_supply_out_of_range", r.get(1L));
    assertNull(r.get(2L));
    assertNull(r.get(3L));
    assertEquals("days_supply_out_of_range", r.get(4L));
    assertNull(r.get(5L));
  }

  @Test
  void duplicateKeysKeepOneDeterministically() {
    Dataset<Row> parsed =
        Ingest.parse(
            raw(
                "visit_occurrence_id,person_id,visit_concept_id,visit_start_date",
                "1,2,9202,2020-01-02",
                "1,1,9202,2020-01-01",
                "2,1,9202,2020-01-01"),
            CdmTable.VISIT_OCCURRENCE,
            SETTINGS,
            TODAY);
    for (int partitions : new int[] {1, 3}) {
      List<Row> rows =
          Ingest.dedupe(parsed.repartition(partitions), CdmTable.VISIT_OCCURRENCE)
              .orderBy("visit_occurrence_id", "person_id")
              .select("visit_occurrence_id", "person_id", Ingest.RULE)
              .collectAsList();
      assertNull(rows.get(0).get(2), "the row whose raw values sort first is kept");
      assertEquals(1L, rows.get(0).getLong(1));
      assertEquals("duplicate_primary_key", rows.get(1).getString(2));
      assertNull(rows.get(2).get(2));
    }
  }

  @Test
  void personLevelRules() {
    Dataset<Row> persons =
        Ingest.parse(
            raw("person_id,gender_concept_id,year_of_birth", "1,8507,1990"),
            CdmTable.PERSON,
            SETTINGS,
            TODAY);
    Dataset<Row> deaths =
        Ingest.parse(raw("person_id,death_date", "1,2020-06-01"), CdmTable.DEATH, SETTINGS, TODAY);
    Dataset<Row> periods =
        Ingest.parse(
            raw(
                "observation_period_id,person_id,observation_period_start_date,observation_period_end_date",
                "1,1,2015-01-01,2020-06-01"),
            CdmTable.OBSERVATION_PERIOD,
            SETTINGS,
            TODAY);
    Dataset<Row> info = Ingest.personInfo(persons, deaths, periods);
    Dataset<Row> visits =
        Ingest.parse(
            raw(
                "visit_occurrence_id,person_id,visit_concept_id,visit_start_date",
                "1,1,9202,2019-01-01",
                "2,2,9202,2019-01-01",
                "3,1,9202,1989-12-31",
                "4,1,9202,2020-07-01",
                "5,1,9202,2020-07-02",
                "6,1,9202,2014-12-31",
                "7,1,9202,1990-01-01"),
            CdmTable.VISIT_OCCURRENCE,
            SETTINGS,
            TODAY);
    Dataset<Row> checked =
        Ingest.withFlags(
            Ingest.checkAgainstPersons(visits, CdmTable.VISIT_OCCURRENCE, info, SETTINGS));
    Map<Long, String> r = rules(checked, "visit_occurrence_id");
    assertNull(r.get(1L));
    assertEquals("unknown_person", r.get(2L));
    assertEquals("event_before_birth", r.get(3L));
    assertNull(r.get(4L), "30 days after death is within the grace period");
    assertEquals("event_after_death", r.get(5L));
    assertNull(r.get(6L), "outside observation is flagged, not rejected, by default");
    assertEquals(
        List.of("outside_observation"),
        checked
            .filter("visit_occurrence_id = 6")
            .first()
            .getList(checked.schema().fieldIndex(Ingest.FLAGS)));
    IngestSettings strict = new IngestSettings(0.05, 365, 30, 1900, "reject");
    Map<Long, String> s =
        rules(
            Ingest.checkAgainstPersons(visits, CdmTable.VISIT_OCCURRENCE, info, strict),
            "visit_occurrence_id");
    assertEquals("outside_observation", s.get(6L));
    assertEquals("outside_observation", s.get(7L));
  }

  @Test
  void overlappingObservationPeriodsRejectTheLater() {
    Dataset<Row> periods =
        Ingest.parse(
            raw(
                "observation_period_id,person_id,observation_period_start_date,observation_period_end_date",
                "1,1,2015-01-01,2016-01-01",
                "2,1,2016-01-01,2017-01-01",
                "3,1,2016-01-02,2017-01-01",
                "4,2,2015-01-01,2016-01-01"),
            CdmTable.OBSERVATION_PERIOD,
            SETTINGS,
            TODAY);
    Map<Long, String> r = rules(Ingest.rejectOverlappingPeriods(periods), "observation_period_id");
    assertNull(r.get(1L));
    assertEquals("observation_period_overlap", r.get(2L), "starts on the day the first ends");
    assertEquals("observation_period_overlap", r.get(3L), "overlaps period 2, itself rejected");
    assertNull(r.get(4L));
  }
}
