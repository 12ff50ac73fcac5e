package org.rwe.cohort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.sql.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.rwe.config.CohortSettings;
import org.rwe.config.StudySettings;
import org.rwe.omop.CdmTable;
import org.rwe.testing.SparkTestSession;
import org.rwe.testing.Tables;

/**
 * The default design on hand-made persons, in CohortMethod's style: one subject per boundary, one
 * day either side of it.
 */
class CohortBuilderTest {
  static {
    SparkTestSession.get();
  }

  static final long DEPRESSION = 100;
  static final long MAGNESIUM = 200;
  static final long IV = 300;
  static final long BIPOLAR = 400;
  static final Map<String, Set<Long>> SETS =
      Map.of(
          "depression", Set.of(DEPRESSION),
          "magnesium", Set.of(MAGNESIUM),
          "parenteral", Set.of(IV),
          "bipolar", Set.of(BIPOLAR));

  static CohortSettings settings(String extra) {
    String hocon =
        "conceptSets { depression = [{conceptIds = [100]}], magnesium = [{conceptIds = [200]}],"
            + " parenteral = [{conceptIds = [300]}], bipolar = [{conceptIds = [400]}] }\n"
            + "cohort { base.conceptSet = depression, minAgeAtIndex = 18, priorObservationDays = 365,"
            + " target { conceptSet = magnesium, excludedRouteConceptSet = parenteral },"
            + " exclusions = [{ conceptSet = bipolar }] }\n"
            + "analyses = [{ analysisId = 1 }]\n"
            + "outcomes = [{ outcomeId = 1, conceptSet = depression }]\n"
            + extra;
    return StudySettings.fromConfig(ConfigFactory.parseString(hocon)).cohort();
  }

  // person id -> (year of birth, observation start)
  static Dataset<Row> persons(String... rows) {
    return Tables.curated(CdmTable.PERSON, "person_id,gender_concept_id,year_of_birth", rows);
  }

  static CohortBuilder.Inputs inputs() {
    Dataset<Row> person =
        persons(
            "1,8532,1970",
            "2,8532,1970",
            "3,8532,1970",
            "4,8532,1970",
            "5,8532,1970",
            "6,8532,2002",
            "7,8532,2003",
            "8,8532,1970",
            "9,8532,1970",
            "10,8532,1970",
            "11,8532,1970");
    Dataset<Row> periods =
        Tables.curated(
            CdmTable.OBSERVATION_PERIOD,
            "observation_period_id,person_id,observation_period_start_date,observation_period_end_date",
            "1,1,2015-01-01,2022-12-31",
            "2,2,2015-01-01,2022-12-31",
            "3,3,2015-01-01,2022-12-31",
            "4,4,2015-01-01,2022-12-31",
            "5,5,2015-01-01,2022-12-31",
            "6,6,2015-01-01,2022-12-31",
            "7,7,2015-01-01,2022-12-31",
            "8,8,2019-01-10,2022-12-31", // index 2020-01-10: exactly 365 days before
            "9,9,2019-01-11,2022-12-31", // 364 days before
            "10,10,2015-01-01,2022-12-31",
            "11,11,2015-01-01,2022-12-31");
    Dataset<Row> visits =
        Tables.curated(
            CdmTable.VISIT_OCCURRENCE,
            "visit_occurrence_id,person_id,visit_concept_id,visit_start_date",
            "31,3,9201,2019-06-01");
    String header =
        "condition_occurrence_id,person_id,condition_concept_id,condition_start_date,visit_occurrence_id";
    Dataset<Row> conditions =
        Tables.curated(
            CdmTable.CONDITION_OCCURRENCE,
            header,
            // 1: two outpatient diagnoses 364 days apart: onset on the second.
            "11,1,100,2019-01-01,",
            "12,1,100,2019-12-31,",
            // 2: 366 days apart: never in the base population.
            "21,2,100,2019-01-01,",
            "22,2,100,2020-01-02,",
            // 3: one inpatient diagnosis is enough.
            "31,3,100,2019-06-01,31",
            "41,4,100,2019-03-01,",
            "42,4,100,2019-03-10,",
            "51,5,100,2019-03-01,",
            "52,5,100,2019-03-10,",
            "61,6,100,2019-12-01,",
            "62,6,100,2020-01-01,",
            "71,7,100,2019-12-01,",
            "72,7,100,2020-01-01,",
            "81,8,100,2019-12-01,",
            "82,8,100,2020-01-10,",
            "91,9,100,2019-12-01,",
            "92,9,100,2020-01-10,",
            "101,10,100,2019-12-01,",
            "102,10,100,2020-01-10,",
            "103,10,400,2016-05-05,", // bipolar, long before
            "111,11,100,2019-12-01,",
            "112,11,100,2020-01-10,");
    Dataset<Row> drugs =
        Tables.curated(
            CdmTable.DRUG_EXPOSURE,
            "drug_exposure_id,person_id,drug_concept_id,drug_exposure_start_date,days_supply,route_concept_id",
            "1,1,200,2020-01-10,30,",
            "2,3,200,2020-06-01,30,", // 366 days after onset: too late
            "3,4,200,2019-03-10,30,", // index on the onset day (delay 0)
            "4,4,200,2018-03-10,1,300", // IV, 365 days before index: in the washout
            "5,5,200,2019-03-10,30,",
            "6,5,200,2018-03-09,1,300", // IV, 366 days before: outside the washout
            "7,6,200,2020-01-01,30,",
            "8,7,200,2020-01-01,30,",
            "9,8,200,2020-01-10,30,",
            "10,9,200,2020-01-10,30,",
            "11,10,200,2020-01-10,30,",
            "12,11,200,2020-02-10,1,300"); // parenteral only: never a qualifying exposure
    return new CohortBuilder.Inputs(
        person,
        periods,
        Tables.empty(CdmTable.DEATH),
        visits,
        conditions,
        drugs,
        Tables.empty(CdmTable.DRUG_ERA));
  }

  @Test
  void onsetIsTheDayTheRuleIsFirstMet() {
    Map<Long, Date> onset = new TreeMap<>();
    for (Row r :
        CohortBuilder.baseOnset(inputs(), SETS.get("depression"), settings("")).collectAsList()) {
      onset.put(r.getLong(0), r.getDate(1));
    }
    assertEquals(Date.valueOf("2019-12-31"), onset.get(1L), "second outpatient diagnosis, day 364");
    assertFalse(onset.containsKey(2L), "366 days apart: rule not met");
    assertEquals(Date.valueOf("2019-06-01"), onset.get(3L), "one inpatient diagnosis");
    assertEquals(10, onset.size());
  }

  @Test
  void targetNewUsersOneDayEitherSideOfEachBound() {
    CohortBuilder.Result r = CohortBuilder.build(inputs(), SETS, settings(""));
    Map<Long, Row> target = new TreeMap<>();
    for (Row row : r.exposureCohort().filter("treatment = 1").collectAsList()) {
      target.put(row.getAs("person_id"), row);
    }
    assertTrue(target.containsKey(1L), "delay 10 days");
    assertFalse(target.containsKey(3L), "first exposure 366 days after onset");
    assertFalse(target.containsKey(4L), "IV magnesium 365 days before index: not a new user");
    assertTrue(target.containsKey(5L), "IV magnesium 366 days before index: new user");
    assertEquals(Date.valueOf("2019-03-10"), target.get(5L).getAs("cohort_start_date"));
    assertTrue(target.containsKey(6L), "18 at index");
    assertFalse(target.containsKey(7L), "17 at index");
    assertTrue(target.containsKey(8L), "365 days of prior observation");
    assertFalse(target.containsKey(9L), "364 days of prior observation");
    assertFalse(target.containsKey(10L), "bipolar disorder any time before index");
    assertFalse(target.containsKey(11L), "parenteral exposure never qualifies");
    assertEquals(List.of(1L, 5L, 6L, 8L), List.copyOf(target.keySet()));
    // On-treatment end: one 30-day exposure, no refill: era end + 30-day grace.
    assertEquals(Date.valueOf("2020-03-09"), target.get(1L).getAs("cohort_end_date"));

    // Attrition of the target arm, step by step.
    List<Long> t = r.attrition().stream().map(CohortBuilder.Step::targetSubjects).toList();
    assertEquals(List.of(10L, 8L, 7L, 6L, 6L, 5L, 4L), t, r.attrition().toString());
  }

  @Test
  void comparatorsAreDelayMatchedNonUsersDeterministically() {
    CohortBuilder.Result r = CohortBuilder.build(inputs(), SETS, settings(""));
    List<Row> comparators =
        r.exposureCohort().filter("treatment = 0").orderBy("person_id").collectAsList();
    Set<Integer> delays = Set.of(0, 10); // the target arm's (index - onset): 10, 0, 0, 0
    for (Row c : comparators) {
      long days =
          (((Date) c.getAs("cohort_start_date")).toLocalDate().toEpochDay()
              - ((Date) c.getAs("onset_date")).toLocalDate().toEpochDay());
      assertTrue(delays.contains((int) days), "delay " + days + " drawn from the target arm");
      long person = c.getAs("person_id");
      assertTrue(person != 2, "not in the base population");
    }
    // Person 4 used IV magnesium before any index: never a comparator (non-user on or before
    // index).
    assertFalse(comparators.stream().anyMatch(c -> (long) c.getAs("person_id") == 4L));
    // Same rows whatever the partitioning.
    CohortBuilder.Inputs in = inputs();
    CohortBuilder.Inputs shuffled =
        new CohortBuilder.Inputs(
            in.person().repartition(3),
            in.observationPeriod().repartition(2),
            in.death(),
            in.visit(),
            in.condition().repartition(4),
            in.drug().repartition(3),
            in.drugEra());
    assertEquals(
        r.exposureCohort().orderBy("row_id").collectAsList(),
        CohortBuilder.build(shuffled, SETS, settings(""))
            .exposureCohort()
            .orderBy("row_id")
            .collectAsList());
  }

  @Test
  void erasAreCohortEntriesInsideObservation() {
    CohortBuilder.Inputs in = inputs();
    Dataset<Row> eras =
        Tables.curated(
            CdmTable.DRUG_ERA,
            "drug_era_id,person_id,drug_concept_id,drug_era_start_date,drug_era_end_date",
            "1,1,500,2019-01-01,2019-02-01",
            "2,1,500,2020-01-01,2020-03-01",
            "3,2,600,2019-05-05,2019-06-05",
            "4,3,600,2014-05-05,2014-06-05", // before person 3's observation period
            "5,99,500,2019-01-01,2019-02-01"); // unknown person
    CohortBuilder.Inputs withEras =
        new CohortBuilder.Inputs(
            in.person(),
            in.observationPeriod(),
            in.death(),
            in.visit(),
            in.condition(),
            in.drug(),
            eras);
    CohortSettings s =
        StudySettings.fromConfig(
                ConfigFactory.parseString(
                    "conceptSets { a = [{conceptIds = [500]}], b = [{conceptIds = [600]}] }\n"
                        + "cohort { source = eras, eras { targetConceptSet = a, comparatorConceptSet = b } }\n"
                        + "analyses = [{ analysisId = 1 }]\n"
                        + "outcomes = [{ outcomeId = 1, conceptSet = a }]"))
            .cohort();
    CohortBuilder.Result r =
        CohortBuilder.fromEras(withEras, Map.of("a", Set.of(500L), "b", Set.of(600L)), s);
    List<Row> rows = r.exposureCohort().orderBy("row_id").collectAsList();
    assertEquals(3, rows.size());
    assertEquals(List.of(1L, 2L, 3L), rows.stream().map(x -> (Long) x.getAs("row_id")).toList());
    assertEquals(1, (int) rows.get(0).getAs("treatment"));
    assertEquals(Date.valueOf("2019-01-01"), rows.get(0).getAs("cohort_start_date"));
    assertEquals(Date.valueOf("2019-02-01"), rows.get(0).getAs("cohort_end_date"));
    assertEquals(Date.valueOf("2022-12-31"), rows.get(0).getAs("observation_end_date"));
    assertEquals(0, (int) rows.get(2).getAs("treatment"));
    assertEquals(
        List.of(2L, 2L),
        List.of(r.attrition().get(0).targetSubjects(), r.attrition().get(0).comparatorSubjects()));
    assertEquals(
        List.of(1L, 1L),
        List.of(r.attrition().get(1).targetSubjects(), r.attrition().get(1).comparatorSubjects()));
  }

  @Test
  void entriesFromAnOmopCohortTable() {
    Dataset<Row> table =
        SparkTestSession.get()
            .createDataFrame(
                List.of(
                    org.apache.spark.sql.RowFactory.create(
                        7L, 1L, Date.valueOf("2019-03-01"), Date.valueOf("2019-04-01")),
                    org.apache.spark.sql.RowFactory.create(
                        8L, 2L, Date.valueOf("2019-03-01"), Date.valueOf("2019-03-02")),
                    org.apache.spark.sql.RowFactory.create(
                        9L, 3L, Date.valueOf("2019-03-01"), Date.valueOf("2019-03-02"))),
                new org.apache.spark.sql.types.StructType()
                    .add("cohort_definition_id", "long")
                    .add("subject_id", "long")
                    .add("cohort_start_date", "date")
                    .add("cohort_end_date", "date"));
    CohortSettings s =
        StudySettings.fromConfig(
                ConfigFactory.parseString(
                    "conceptSets { a = [{conceptIds = [500]}] }\n"
                        + "cohort { source = cohortTable, cohortTable { path = x.csv, targetCohortId = 7, comparatorCohortId = 8 } }\n"
                        + "analyses = [{ analysisId = 1 }]\n"
                        + "outcomes = [{ outcomeId = 1, cohortId = 9 }]"))
            .cohort();
    List<Row> rows =
        CohortBuilder.fromCohortTable(inputs(), table, s)
            .exposureCohort()
            .orderBy("row_id")
            .collectAsList();
    assertEquals(2, rows.size(), "cohort 9 is an outcome, not an exposure");
    assertEquals(1L, (long) rows.get(0).getAs("person_id"));
    assertEquals(1, (int) rows.get(0).getAs("treatment"));
    assertEquals(0, (int) rows.get(1).getAs("treatment"));
  }
}
