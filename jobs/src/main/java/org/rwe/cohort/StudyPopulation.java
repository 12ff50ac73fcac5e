package org.rwe.cohort;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.rwe.config.StudyPopulationSettings;

/**
 * CohortMethod's {@code createStudyPopulation}, same options and same arithmetic, for every outcome
 * at once: first exposure only, common period, washout, prior outcome (daysToEvent in
 * (-priorOutcomeLookback, riskStart)), risk window from its anchors truncated at the end of
 * observation and at maxDaysAtRisk, censoring at a new risk window, min days at risk (riskEnd -
 * riskStart >= minDaysAtRisk), events in [riskStart, riskEnd], timeAtRisk = riskEnd - riskStart +
 * 1, survivalTime = daysToEvent - riskStart + 1 for subjects with the outcome.
 */
public final class StudyPopulation {
  private StudyPopulation() {}

  /** An attrition step of one outcome's population: persons per arm after the step. */
  public record Step(
      int outcomeId, String description, long targetPersons, long comparatorPersons) {}

  public record Result(Dataset<Row> population, List<Step> attrition) {}

  /** A filter in CohortMethod's order, with its attrition description. */
  private record Filter(String column, String description) {}

  /**
   * @param cohort exposure cohort rows (row_id, person_id, treatment, cohort_start_date,
   *     cohort_end_date, observation_period_start_date, observation_end_date)
   * @param events outcome events (outcome_id, person_id, event_date)
   * @param outcomeIds the outcomes to build populations for
   */
  public static Result create(
      Dataset<Row> cohort,
      Dataset<Row> events,
      List<Integer> outcomeIds,
      StudyPopulationSettings s) {
    return create(cohort, events, outcomeIds, s, null);
  }

  /**
   * @param entryBounds the cohorts' common period as the cohort stage found it from every entry
   *     (period_start, period_end, arms; {@link org.rwe.cohort.CohortBuilder#entryBounds}), or null
   *     to take it from the given cohort rows
   */
  public static Result create(
      Dataset<Row> cohort,
      Dataset<Row> events,
      List<Integer> outcomeIds,
      StudyPopulationSettings s,
      Dataset<Row> entryBounds) {
    Dataset<Row> outcomes =
        cohort
            .sparkSession()
            .createDataset(outcomeIds, org.apache.spark.sql.Encoders.INT())
            .toDF("outcome_id");
    Dataset<Row> rows =
        cohort
            .select(
                col("row_id"),
                col("person_id"),
                col("treatment"),
                col("cohort_start_date"),
                datediff(col("cohort_end_date"), col("cohort_start_date")).as("days_to_cohort_end"),
                datediff(col("observation_end_date"), col("cohort_start_date"))
                    .as("days_to_obs_end"),
                datediff(col("cohort_start_date"), col("observation_period_start_date"))
                    .as("days_from_obs_start"))
            .crossJoin(outcomes);

    List<Filter> filters = new ArrayList<>();
    Column kept = lit(true);
    if (s.firstExposureOnly()) {
      WindowSpec w =
          Window.partitionBy("outcome_id", "person_id", "treatment")
              .orderBy("cohort_start_date", "row_id");
      rows = rows.withColumn("f_first", row_number().over(w).equalTo(1));
      filters.add(new Filter("f_first", "First exposure only"));
      kept = kept.and(col("f_first"));
    }
    if (s.restrictToCommonPeriod()) {
      // The latest first start of the two cohorts to the earliest last start, over every entry
      // before any restriction (first exposure included), as CohortMethod's CreateCohorts.sql
      // takes them from the exposure table itself: from the cohort stage when it says, else from
      // the given rows.
      Dataset<Row> bounds =
          (entryBounds != null
                  ? entryBounds
                  : CohortBuilder.entryBounds(
                      cohort.select(col("treatment"), col("cohort_start_date"))))
              .select(
                  col("period_start").as("_period_start"),
                  col("period_end").as("_period_end"),
                  col("arms").as("_arms"));
      rows =
          rows.crossJoin(org.apache.spark.sql.functions.broadcast(bounds))
              .withColumn(
                  "f_common",
                  coalesce(
                      col("_arms")
                          .equalTo(2)
                          .and(
                              col("cohort_start_date")
                                  .between(col("_period_start"), col("_period_end"))),
                      lit(false)))
              .drop("_period_start", "_period_end", "_arms");
      filters.add(new Filter("f_common", "Restrict to common period"));
      kept = kept.and(col("f_common"));
    }
    if (!s.removeDuplicateSubjects().equals("keep all")) {
      // Decided among the rows still in, per outcome and person, as CohortMethod does.
      WindowSpec person = Window.partitionBy("outcome_id", "person_id");
      rows =
          rows.withColumn("_first", min(when(kept, col("cohort_start_date"))).over(person))
              .withColumn(
                  "_n_first",
                  sum(when(kept.and(col("cohort_start_date").equalTo(col("_first"))), 1)
                          .otherwise(0))
                      .over(person))
              .withColumn(
                  "_second",
                  min(when(
                          kept.and(col("cohort_start_date").gt(col("_first"))),
                          col("cohort_start_date")))
                      .over(person))
              .withColumn(
                  "_arms",
                  org.apache.spark.sql.functions.size(
                      org.apache
                          .spark
                          .sql
                          .functions
                          .collect_set(when(kept, col("treatment")))
                          .over(person)));
      Column firstOnly =
          col("cohort_start_date").equalTo(col("_first")).and(col("_n_first").equalTo(1));
      String description;
      switch (s.removeDuplicateSubjects()) {
        case "remove all" -> {
          rows = rows.withColumn("f_duplicates", col("_arms").lt(2));
          description = "Removed subjects in both cohorts";
        }
        case "keep first" -> {
          rows = rows.withColumn("f_duplicates", firstOnly);
          description = "Restricting duplicate subjects to first cohort";
        }
        default -> {
          rows =
              rows.withColumn("f_duplicates", firstOnly)
                  .withColumn(
                      "days_to_obs_end",
                      when(
                              col("_second").isNotNull(),
                              least(
                                  col("days_to_obs_end"),
                                  datediff(col("_second"), col("cohort_start_date")).minus(1)))
                          .otherwise(col("days_to_obs_end")))
                  .withColumn(
                      "days_to_cohort_end",
                      when(
                              col("_second").isNotNull(),
                              least(
                                  col("days_to_cohort_end"),
                                  datediff(col("_second"), col("cohort_start_date")).minus(1)))
                          .otherwise(col("days_to_cohort_end")));
          description = "Restricting duplicate subjects to first cohort, truncated to second";
        }
      }
      rows = rows.drop("_first", "_n_first", "_second", "_arms");
      filters.add(new Filter("f_duplicates", description));
      kept = kept.and(col("f_duplicates"));
    }
    if (s.washoutPeriod() > 0) {
      rows = rows.withColumn("f_washout", col("days_from_obs_start").geq(s.washoutPeriod()));
      filters.add(
          new Filter("f_washout", "At least " + s.washoutPeriod() + " days of observation prior"));
      kept = kept.and(col("f_washout"));
    }

    Column riskStart = lit(s.riskWindowStart());
    if (s.startsAtCohortEnd()) {
      riskStart = riskStart.plus(col("days_to_cohort_end"));
    }
    rows = rows.withColumn("risk_start", riskStart);
    Column riskEnd = lit(s.riskWindowEnd());
    if (s.endsAtCohortEnd()) {
      riskEnd = riskEnd.plus(col("days_to_cohort_end"));
    }
    riskEnd = least(riskEnd, col("days_to_obs_end"));
    riskEnd = least(riskEnd, col("risk_start").plus(s.maxDaysAtRisk()));
    rows = rows.withColumn("risk_end", riskEnd);

    // Events relative to each row: prior outcomes, and the first and count in the risk window.
    Dataset<Row> e =
        events.select(
            col("outcome_id").as("_o"), col("person_id").as("_p"), col("event_date").as("_d"));
    Dataset<Row> relative =
        rows.select(
                "outcome_id", "row_id", "person_id", "cohort_start_date", "risk_start", "risk_end")
            .join(e, col("outcome_id").equalTo(col("_o")).and(col("person_id").equalTo(col("_p"))))
            .withColumn("_days", datediff(col("_d"), col("cohort_start_date")));
    Dataset<Row> perRow =
        relative
            .groupBy("outcome_id", "row_id")
            .agg(
                sum(when(
                            col("_days")
                                .gt(-s.priorOutcomeLookback())
                                .and(col("_days").lt(col("risk_start"))),
                            1)
                        .otherwise(0))
                    .as("_prior"),
                sum(when(col("_days").between(col("risk_start"), col("risk_end")), 1).otherwise(0))
                    .as("_in_window"),
                min(when(col("_days").between(col("risk_start"), col("risk_end")), col("_days")))
                    .as("days_to_event"));
    rows = rows.join(perRow, new String[] {"outcome_id", "row_id"}, "left");
    if (s.removeSubjectsWithPriorOutcome()) {
      rows = rows.withColumn("f_no_prior", coalesce(col("_prior"), lit(0L)).equalTo(0));
      filters.add(new Filter("f_no_prior", "No prior outcome"));
      kept = kept.and(col("f_no_prior"));
    }
    if (s.censorAtNewRiskWindow()) {
      // A later row of the same person (either arm) ends this row's window the day before.
      WindowSpec next =
          Window.partitionBy("outcome_id", "person_id").orderBy("risk_start_date", "row_id");
      rows =
          rows.withColumn(
                  "risk_start_date",
                  org.apache.spark.sql.functions.date_add(
                      col("cohort_start_date"), col("risk_start")))
              .withColumn(
                  "_next_start",
                  org.apache
                      .spark
                      .sql
                      .functions
                      .lead(when(kept, col("risk_start_date")), 1, null, true)
                      .over(next))
              .withColumn(
                  "risk_end",
                  when(
                          col("_next_start")
                              .isNotNull()
                              .and(
                                  datediff(col("_next_start"), col("cohort_start_date"))
                                      .minus(1)
                                      .lt(col("risk_end"))),
                          datediff(col("_next_start"), col("cohort_start_date")).minus(1))
                      .otherwise(col("risk_end")))
              .withColumn("f_censor_new", col("risk_end").geq(col("risk_start")))
              .drop("risk_start_date", "_next_start");
      filters.add(new Filter("f_censor_new", "Censoring at start of new time-at-risk"));
      kept = kept.and(col("f_censor_new"));
      // Events were counted on the uncensored window: recount below on the final window.
    }
    if (s.minDaysAtRisk() != 0) {
      rows =
          rows.withColumn(
              "f_min_days", col("risk_end").minus(col("risk_start")).geq(s.minDaysAtRisk()));
      filters.add(new Filter("f_min_days", "Have at least " + s.minDaysAtRisk() + " days at risk"));
      kept = kept.and(col("f_min_days"));
    }

    // Materialized once: the attrition counts and the population both read it.
    rows = rows.localCheckpoint();
    List<Step> attrition = attrition(rows, filters, outcomeIds);

    Dataset<Row> population = rows.filter(kept);
    if (s.censorAtNewRiskWindow()) {
      population = recount(population.drop("_in_window", "days_to_event"), e);
    }
    population =
        population
            .withColumn("outcome_count", coalesce(col("_in_window"), lit(0L)))
            .withColumn("time_at_risk", col("risk_end").minus(col("risk_start")).plus(1))
            .withColumn(
                "survival_time",
                when(
                        col("outcome_count").gt(0),
                        col("days_to_event").minus(col("risk_start")).plus(1))
                    .otherwise(col("time_at_risk")))
            .select(
                col("outcome_id"),
                col("row_id"),
                col("person_id"),
                col("treatment"),
                col("cohort_start_date"),
                col("risk_start").cast("int"),
                col("risk_end").cast("int"),
                col("time_at_risk").cast("long"),
                col("outcome_count").cast("long"),
                col("days_to_event").cast("int"),
                col("survival_time").cast("long"));
    return new Result(population, attrition);
  }

  private static Dataset<Row> recount(Dataset<Row> population, Dataset<Row> e) {
    Dataset<Row> perRow =
        population
            .select(
                "outcome_id", "row_id", "person_id", "cohort_start_date", "risk_start", "risk_end")
            .join(e, col("outcome_id").equalTo(col("_o")).and(col("person_id").equalTo(col("_p"))))
            .withColumn("_days", datediff(col("_d"), col("cohort_start_date")))
            .filter(col("_days").between(col("risk_start"), col("risk_end")))
            .groupBy("outcome_id", "row_id")
            .agg(count(lit(1)).as("_in_window"), min("_days").as("days_to_event"));
    return population.join(perRow, new String[] {"outcome_id", "row_id"}, "left");
  }

  /** Persons per arm after each filter, for every outcome, in one aggregation. */
  private static List<Step> attrition(
      Dataset<Row> rows, List<Filter> filters, List<Integer> outcomeIds) {
    List<Column> aggs = new ArrayList<>();
    Column ok = lit(true);
    aggs.add(countDistinct(when(col("treatment").equalTo(1), col("person_id"))));
    aggs.add(countDistinct(when(col("treatment").equalTo(0), col("person_id"))));
    for (Filter f : filters) {
      ok = ok.and(coalesce(col(f.column()), lit(false)));
      aggs.add(countDistinct(when(ok.and(col("treatment").equalTo(1)), col("person_id"))));
      aggs.add(countDistinct(when(ok.and(col("treatment").equalTo(0)), col("person_id"))));
    }
    List<Row> counts =
        rows.groupBy("outcome_id")
            .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new))
            .collectAsList();
    List<Step> steps = new ArrayList<>();
    for (int outcomeId : outcomeIds) {
      Row r = counts.stream().filter(x -> x.getInt(0) == outcomeId).findFirst().orElse(null);
      steps.add(
          new Step(
              outcomeId,
              "Original cohorts",
              r == null ? 0 : r.getLong(1),
              r == null ? 0 : r.getLong(2)));
      for (int i = 0; i < filters.size(); i++) {
        steps.add(
            new Step(
                outcomeId,
                filters.get(i).description(),
                r == null ? 0 : r.getLong(3 + 2 * i),
                r == null ? 0 : r.getLong(4 + 2 * i)));
      }
    }
    return steps;
  }
}
