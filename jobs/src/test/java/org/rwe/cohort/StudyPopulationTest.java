package org.rwe.cohort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.ConfigFactory;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
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
import org.rwe.config.StudyPopulationSettings;
import org.rwe.config.StudySettings;
import org.rwe.testing.SparkTestSession;

/** createStudyPopulation's arithmetic on one subject per boundary, one day either side. */
class StudyPopulationTest {
  static final SparkSession spark = SparkTestSession.get();
  static final LocalDate INDEX = LocalDate.of(2020, 1, 1);

  static StudyPopulationSettings settings(String hocon) {
    return StudySettings.fromConfig(
            ConfigFactory.parseString(
                "conceptSets { x = [{conceptIds = [1]}] }\n"
                    + "cohort { base.conceptSet = x, target.conceptSet = x }\n"
                    + "analyses = [{ analysisId = 1 }]\n"
                    + "outcomes = [{ outcomeId = 1, conceptSet = x }]\n"
                    + "studyPopulation { "
                    + hocon
                    + " }"))
        .studyPopulation();
  }

  /** Subject: row id, treatment, days to cohort end, days to observation end. */
  static Dataset<Row> cohort(long[]... subjects) {
    StructType schema =
        new StructType()
            .add("row_id", DataTypes.LongType)
            .add("person_id", DataTypes.LongType)
            .add("treatment", DataTypes.IntegerType)
            .add("cohort_start_date", DataTypes.DateType)
            .add("cohort_end_date", DataTypes.DateType)
            .add("observation_period_start_date", DataTypes.DateType)
            .add("observation_end_date", DataTypes.DateType);
    List<Row> rows = new ArrayList<>();
    for (long[] s : subjects) {
      rows.add(
          RowFactory.create(
              s[0],
              s[0],
              (int) s[1],
              Date.valueOf(INDEX),
              Date.valueOf(INDEX.plusDays(s[2])),
              Date.valueOf(INDEX.minusDays(1000)),
              Date.valueOf(INDEX.plusDays(s[3]))));
    }
    return spark.createDataFrame(rows, schema);
  }

  /** Events: person id, days from index. */
  static Dataset<Row> events(long[]... events) {
    StructType schema =
        new StructType()
            .add("outcome_id", DataTypes.IntegerType)
            .add("person_id", DataTypes.LongType)
            .add("event_date", DataTypes.DateType);
    List<Row> rows = new ArrayList<>();
    for (long[] e : events) {
      rows.add(RowFactory.create(1, e[0], Date.valueOf(INDEX.plusDays(e[1]))));
    }
    return spark.createDataFrame(rows, schema);
  }

  static Map<Long, Row> byRow(StudyPopulation.Result r) {
    Map<Long, Row> out = new TreeMap<>();
    for (Row row : r.population().collectAsList()) {
      out.put(row.getAs("row_id"), row);
    }
    return out;
  }

  @Test
  void riskWindowFromDayOneToDay365() {
    StudyPopulation.Result r =
        StudyPopulation.create(
            cohort(
                new long[] {1, 1, 0, 2000}, // event on day 0: before the window, a prior outcome
                new long[] {2, 1, 0, 2000}, // event on day 1: first day at risk
                new long[] {3, 0, 0, 2000}, // event on day 365: last day at risk
                new long[] {4, 0, 0, 2000}, // event on day 366: after the window
                new long[] {5, 1, 0, 100}, // observation ends on day 100
                new long[] {6, 0, 0, 1}, // observation ends on day 1: 0 days (end - start)
                new long[] {7, 0, 0, 2}), // observation ends on day 2
            events(new long[] {1, 0}, new long[] {2, 1}, new long[] {3, 365}, new long[] {4, 366}),
            List.of(1),
            settings(
                "riskWindowStart = 1, riskWindowEnd = 365, endAnchor = \"cohort start\","
                    + " priorOutcomeLookback = 365"));
    Map<Long, Row> p = byRow(r);
    assertFalse(p.containsKey(1L), "prior outcome removed");
    assertEquals(1L, (long) p.get(2L).getAs("outcome_count"));
    assertEquals(1L, (long) p.get(2L).getAs("survival_time"));
    assertEquals(1L, (long) p.get(3L).getAs("outcome_count"));
    assertEquals(365L, (long) p.get(3L).getAs("survival_time"));
    assertEquals(365L, (long) p.get(3L).getAs("time_at_risk"));
    assertEquals(0L, (long) p.get(4L).getAs("outcome_count"));
    assertEquals(365L, (long) p.get(4L).getAs("survival_time"));
    assertEquals(100L, (long) p.get(5L).getAs("time_at_risk"), "days at risk = end - start + 1");
    assertFalse(p.containsKey(6L), "riskEnd - riskStart = 0 < minDaysAtRisk 1");
    assertEquals(2L, (long) p.get(7L).getAs("time_at_risk"));
    List<String> steps = r.attrition().stream().map(StudyPopulation.Step::description).toList();
    assertEquals(
        List.of("Original cohorts", "No prior outcome", "Have at least 1 days at risk"), steps);
    assertEquals(3, r.attrition().get(0).targetPersons());
    assertEquals(2, r.attrition().get(1).targetPersons());
    assertEquals(3, r.attrition().get(2).comparatorPersons());
  }

  @Test
  void priorOutcomeLookbackIsExclusive() {
    StudyPopulation.Result r =
        StudyPopulation.create(
            cohort(new long[] {1, 1, 0, 2000}, new long[] {2, 1, 0, 2000}),
            events(new long[] {1, -365}, new long[] {2, -364}),
            List.of(1),
            settings(
                "riskWindowStart = 1, riskWindowEnd = 365, endAnchor = \"cohort start\", priorOutcomeLookback = 365"));
    Map<Long, Row> p = byRow(r);
    assertEquals(List.of(1L), List.copyOf(p.keySet()), "daysToEvent > -lookback is prior");
  }

  @Test
  void cohortEndAnchorAndMaxDaysAtRisk() {
    StudyPopulation.Result r =
        StudyPopulation.create(
            cohort(new long[] {1, 1, 60, 2000}, new long[] {2, 0, 600, 2000}),
            events(new long[] {1, 89}, new long[] {1, 91}),
            List.of(1),
            settings(
                "riskWindowStart = 0, riskWindowEnd = 30, endAnchor = \"cohort end\","
                    + " removeSubjectsWithPriorOutcome = false, maxDaysAtRisk = 365"));
    Map<Long, Row> p = byRow(r);
    assertEquals(91L, (long) p.get(1L).getAs("time_at_risk"), "day 0 to cohort end + 30 = day 90");
    assertEquals(1L, (long) p.get(1L).getAs("outcome_count"), "day 89 in, day 91 out");
    assertEquals(90L, (long) p.get(1L).getAs("survival_time"));
    assertEquals(366L, (long) p.get(2L).getAs("time_at_risk"), "capped at riskStart + 365");
    assertNull(p.get(2L).getAs("days_to_event"));
  }

  @Test
  void washoutAndCommonPeriod() {
    Dataset<Row> c =
        cohort(new long[] {1, 1, 0, 2000}, new long[] {2, 0, 0, 2000})
            .withColumn(
                "observation_period_start_date",
                org.apache
                    .spark
                    .sql
                    .functions
                    .when(
                        org.apache.spark.sql.functions.col("row_id").equalTo(2),
                        org.apache.spark.sql.functions.lit(Date.valueOf(INDEX.minusDays(182))))
                    .otherwise(
                        org.apache.spark.sql.functions.col("observation_period_start_date")));
    StudyPopulation.Result r =
        StudyPopulation.create(
            c,
            events(),
            List.of(1),
            settings(
                "washoutPeriod = 183, restrictToCommonPeriod = true, riskWindowEnd = 365,"
                    + " endAnchor = \"cohort start\""));
    assertEquals(
        List.of(1L), List.copyOf(byRow(r).keySet()), "182 days of prior observation < 183");
    assertEquals(
        List.of(
            "Original cohorts",
            "Restrict to common period",
            "At least 183 days of observation prior",
            "No prior outcome",
            "Have at least 1 days at risk"),
        r.attrition().stream().map(StudyPopulation.Step::description).toList());
  }

  /** Subject with its own person id and start day. */
  static Dataset<Row> cohortWithPersons(long[]... subjects) {
    StructType schema =
        new StructType()
            .add("row_id", DataTypes.LongType)
            .add("person_id", DataTypes.LongType)
            .add("treatment", DataTypes.IntegerType)
            .add("cohort_start_date", DataTypes.DateType)
            .add("cohort_end_date", DataTypes.DateType)
            .add("observation_period_start_date", DataTypes.DateType)
            .add("observation_end_date", DataTypes.DateType);
    List<Row> rows = new ArrayList<>();
    for (long[] s : subjects) {
      LocalDate start = INDEX.plusDays(s[3]);
      rows.add(
          RowFactory.create(
              s[0],
              s[1],
              (int) s[2],
              Date.valueOf(start),
              Date.valueOf(start),
              Date.valueOf(start.minusDays(1000)),
              Date.valueOf(start.plusDays(2000))));
    }
    return spark.createDataFrame(rows, schema);
  }

  @Test
  void removeDuplicateSubjectsAsCohortMethod() {
    // Person 1: comparator on day 0, target on day 100. Person 2: both arms on day 0 (a tie).
    // Person 3: target only.
    Dataset<Row> c =
        cohortWithPersons(
            new long[] {10, 1, 0, 0},
            new long[] {11, 1, 1, 100},
            new long[] {20, 2, 0, 0},
            new long[] {21, 2, 1, 0},
            new long[] {31, 3, 1, 0});
    String window = "riskWindowEnd = 365, endAnchor = \"cohort start\", ";
    assertEquals(
        List.of(31L),
        List.copyOf(
            byRow(
                    StudyPopulation.create(
                        c,
                        events(),
                        List.of(1),
                        settings(window + "removeDuplicateSubjects = \"remove all\"")))
                .keySet()));
    assertEquals(
        List.of(10L, 31L),
        List.copyOf(
            byRow(
                    StudyPopulation.create(
                        c,
                        events(),
                        List.of(1),
                        settings(window + "removeDuplicateSubjects = \"keep first\"")))
                .keySet()),
        "the earlier entry is kept; a same-day tie removes both");
    Map<Long, Row> truncated =
        byRow(
            StudyPopulation.create(
                c,
                events(),
                List.of(1),
                settings(window + "removeDuplicateSubjects = \"keep first, truncate to second\"")));
    assertEquals(List.of(10L, 31L), List.copyOf(truncated.keySet()));
    assertEquals(100L, (long) truncated.get(10L).getAs("time_at_risk"), "days 0..99");
    assertEquals(366L, (long) truncated.get(31L).getAs("time_at_risk"));
  }

  @Test
  void theCommonPeriodComesFromEveryEntryAsCohortMethodTakesIt() {
    // Target entries on days 0 and 50, the comparator's on day 0 (and, for person 4, a second
    // entry on day 60 that first-exposure-only drops). CohortMethod bounds the period by every
    // entry of both cohorts: it runs to day 60, so the target's day-50 entry stays.
    Dataset<Row> c =
        cohortWithPersons(
            new long[] {1, 1, 1, 0},
            new long[] {2, 2, 1, 50},
            new long[] {3, 3, 0, 0},
            new long[] {4, 4, 0, 0},
            new long[] {5, 4, 0, 60});
    String options =
        "firstExposureOnly = true, restrictToCommonPeriod = true, riskWindowEnd = 365,"
            + " endAnchor = \"cohort start\"";
    assertEquals(
        List.of(1L, 2L, 3L, 4L),
        List.copyOf(
            byRow(StudyPopulation.create(c, events(), List.of(1), settings(options))).keySet()));
    // An entry the cohort stage dropped before (outside observation, unknown person) counts too:
    // the stage hands its bounds over. Without them the period would end on day 60 of the rows
    // here; with the stage's bounds ending on day 40, the day-50 target entry is out.
    Dataset<Row> bounds =
        CohortBuilder.entryBounds(
            cohortWithPersons(
                    new long[] {1, 1, 1, 0},
                    new long[] {2, 2, 1, 45},
                    new long[] {3, 3, 0, 0},
                    new long[] {4, 4, 0, 40})
                .select("treatment", "cohort_start_date"));
    assertEquals(
        List.of(1L, 3L, 4L),
        List.copyOf(
            byRow(StudyPopulation.create(c, events(), List.of(1), settings(options), bounds))
                .keySet()));
    // One cohort without entries: no common period, no one.
    assertEquals(
        List.of(),
        List.copyOf(
            byRow(
                    StudyPopulation.create(
                        c.filter("treatment = 1"), events(), List.of(1), settings(options)))
                .keySet()));
  }
}
