package org.rwe.cohort;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;
import static org.apache.spark.sql.functions.year;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.rwe.config.CohortSettings;
import org.rwe.omop.CdmTable;
import org.rwe.omop.InputException;

/**
 * The new-user cohort design of the default study, as a pure transformation of curated OMOP tables:
 * the base population and its onset date, target new users, comparators indexed by delay matching
 * (or a random visit, or an active comparator), eligibility at index, exclusions, attrition, and
 * the cohort end used for on-treatment time at risk.
 */
public final class CohortBuilder {
  private CohortBuilder() {}

  /** Curated tables the design reads. */
  public record Inputs(
      Dataset<Row> person,
      Dataset<Row> observationPeriod,
      Dataset<Row> death,
      Dataset<Row> visit,
      Dataset<Row> condition,
      Dataset<Row> drug,
      Dataset<Row> drugEra) {}

  /** One attrition step: what it keeps and how many subjects are left per arm. */
  public record Step(
      int sequence, String description, long targetSubjects, long comparatorSubjects) {}

  /**
   * @param entryBounds one row (period_start, period_end, arms): the common period of the two
   *     cohorts as CohortMethod's restrictToCommonPeriod takes it, from every entry of both before
   *     any restriction (see {@link #entryBounds})
   */
  public record Result(
      Dataset<Row> exposureCohort, List<Step> attrition, Dataset<Row> entryBounds) {}

  /**
   * The latest first entry of the two cohorts (period_start) and the earliest last entry
   * (period_end), over every entry of both as given, before any restriction: CohortMethod's
   * CreateCohorts.sql takes them from the exposure table itself, so entries later dropped (unknown
   * person, outside observation, not the first exposure) still set the period. arms: how many of
   * the two cohorts have an entry (no common period unless 2).
   *
   * @param entries (treatment, cohort_start_date) rows
   */
  static Dataset<Row> entryBounds(Dataset<Row> entries) {
    return entries
        .groupBy("treatment")
        .agg(
            org.apache.spark.sql.functions.min("cohort_start_date").as("_first"),
            org.apache.spark.sql.functions.max("cohort_start_date").as("_last"))
        .agg(
            org.apache.spark.sql.functions.max("_first").as("period_start"),
            org.apache.spark.sql.functions.min("_last").as("period_end"),
            org.apache.spark.sql.functions.count(lit(1)).as("arms"));
  }

  /** Quantile-table size used to draw comparator delays from the target distribution. */
  static final int DELAY_QUANTILES = 1000;

  /**
   * Exposure cohorts from drug eras, as OHDSI's Eunomia cohort definitions: every drug_era row of
   * the target (comparator) concept set is a cohort entry from era start to era end. Everything
   * else (first exposure, washout, duplicates, common period) is left to the study population.
   */
  public static Result fromEras(Inputs in, Map<String, Set<Long>> sets, CohortSettings s) {
    Dataset<Row> eras =
        Events.matching(in.drugEra(), CdmTable.DRUG_ERA, sets.get(s.erasTargetConceptSet()))
            .select(
                col("person_id"),
                lit(1).as("treatment"),
                col("drug_era_start_date").as("cohort_start_date"),
                col("drug_era_end_date").as("cohort_end_date"))
            .unionByName(
                Events.matching(
                        in.drugEra(), CdmTable.DRUG_ERA, sets.get(s.erasComparatorConceptSet()))
                    .select(
                        col("person_id"),
                        lit(0).as("treatment"),
                        col("drug_era_start_date").as("cohort_start_date"),
                        col("drug_era_end_date").as("cohort_end_date")));
    return fromEntries(
        in,
        eras,
        "Drug eras of "
            + s.erasTargetConceptSet()
            + " (target) / "
            + s.erasComparatorConceptSet()
            + " (comparator)");
  }

  /** Exposure cohorts read from an OMOP cohort table. */
  public static Result fromCohortTable(Inputs in, Dataset<Row> cohortTable, CohortSettings s) {
    Dataset<Row> entries =
        cohortTable
            .filter(col("cohort_definition_id").isin(s.targetCohortId(), s.comparatorCohortId()))
            .select(
                col("subject_id").as("person_id"),
                when(col("cohort_definition_id").equalTo(s.targetCohortId()), lit(1))
                    .otherwise(lit(0))
                    .as("treatment"),
                col("cohort_start_date"),
                col("cohort_end_date"));
    return fromEntries(
        in,
        entries,
        "Cohort table entries of cohorts "
            + s.targetCohortId()
            + " (target) / "
            + s.comparatorCohortId()
            + " (comparator)");
  }

  /**
   * Entries (person_id, treatment, cohort_start_date, cohort_end_date) of a given cohort, placed in
   * the observation period that contains their start (entries outside every period, or of unknown
   * persons, are dropped and counted), with deterministic row ids.
   */
  static Result fromEntries(Inputs in, Dataset<Row> entries, String source) {
    Dataset<Row> all = entries.localCheckpoint();
    Dataset<Row> periods =
        in.observationPeriod()
            .select(
                col("person_id").as("_op_person"),
                col("observation_period_start_date"),
                col("observation_period_end_date"));
    Dataset<Row> placed =
        all.join(in.person().select("person_id", "year_of_birth", "gender_concept_id"), "person_id")
            .join(
                periods,
                col("person_id")
                    .equalTo(col("_op_person"))
                    .and(
                        col("cohort_start_date")
                            .between(
                                col("observation_period_start_date"),
                                col("observation_period_end_date"))))
            .drop("_op_person")
            .join(in.death().select("person_id", "death_date"), new String[] {"person_id"}, "left")
            .withColumn(
                "observation_end_date",
                least(
                    col("observation_period_end_date"),
                    coalesce(col("death_date"), col("observation_period_end_date"))))
            .withColumn("onset_date", lit(null).cast("date"));
    // Row ids from a total order of the entries: the same whatever the partitioning.
    WindowSpec order =
        Window.orderBy(
            col("treatment").desc(),
            col("person_id"),
            col("cohort_start_date"),
            col("cohort_end_date"));
    Dataset<Row> cohort =
        placed
            .withColumn("row_id", row_number().over(order).cast("long"))
            .select(
                col("row_id"),
                col("person_id"),
                col("treatment"),
                col("cohort_start_date"),
                col("cohort_end_date"),
                col("onset_date"),
                col("observation_period_start_date"),
                col("observation_end_date"),
                col("gender_concept_id"),
                col("year_of_birth"))
            .localCheckpoint();
    List<Step> steps = new ArrayList<>();
    long[] before = persons(all);
    steps.add(new Step(1, source, before[0], before[1]));
    long[] after = persons(cohort);
    steps.add(new Step(2, "Known person, entry within an observation period", after[0], after[1]));
    return new Result(cohort, steps, entryBounds(all));
  }

  /** Distinct persons per arm: target, comparator. */
  private static long[] persons(Dataset<Row> rows) {
    Row r =
        rows.agg(
                org.apache.spark.sql.functions.countDistinct(
                    when(col("treatment").equalTo(1), col("person_id"))),
                org.apache.spark.sql.functions.countDistinct(
                    when(col("treatment").equalTo(0), col("person_id"))))
            .first();
    return new long[] {r.getLong(0), r.getLong(1)};
  }

  public static Result build(Inputs in, Map<String, Set<Long>> sets, CohortSettings s) {
    // Intermediate results are materialized (localCheckpoint): each is used by several actions
    // (attrition counts, delays, the cohort), and a short lineage also plans and compiles faster.
    Dataset<Row> onset = baseOnset(in, sets.get(s.baseConceptSet()), s).localCheckpoint();
    Dataset<Row> target = targetCandidates(in, onset, sets.get(s.targetConceptSet()), sets, s);
    List<Criterion> targetCriteria = criteria(s);
    Dataset<Row> targetChecked = eligibility(target, in, sets, s, true).localCheckpoint();
    Dataset<Row> targetFinal = targetChecked.filter(all(targetCriteria));

    Dataset<Row> comparator = comparatorCandidates(in, onset, targetFinal, sets, s);
    List<Criterion> comparatorCriteria = criteria(s);
    Dataset<Row> comparatorChecked = eligibility(comparator, in, sets, s, false).localCheckpoint();
    Dataset<Row> comparatorFinal = comparatorChecked.filter(all(comparatorCriteria));

    List<Step> steps = new ArrayList<>();
    long base = onset.count();
    steps.add(
        new Step(
            1,
            "Base population: "
                + s.minInpatientDiagnoses()
                + " inpatient or "
                + s.minOutpatientDiagnoses()
                + " outpatient diagnoses (different days within "
                + s.outpatientWindowDays()
                + " days)",
            base,
            base));
    long[] t = counts(targetChecked, targetCriteria);
    long[] c = counts(comparatorChecked, comparatorCriteria);
    for (int i = 0; i < targetCriteria.size(); i++) {
      steps.add(new Step(i + 2, targetCriteria.get(i).description(), t[i], c[i]));
    }

    Dataset<Row> cohort =
        cohortEnd(targetFinal, in, sets.get(s.targetConceptSet()), sets, s, true)
            .unionByName(
                cohortEnd(comparatorFinal, in, sets.get(s.targetConceptSet()), sets, s, false));
    // The designed cohorts' entries are their final rows: the period is theirs.
    return new Result(cohort, steps, entryBounds(cohort));
  }

  /**
   * Onset: the first day the rule is met: the k-th inpatient diagnosis day, or the day of an
   * outpatient diagnosis that completes k on different days within the window.
   */
  static Dataset<Row> baseOnset(Inputs in, Set<Long> conceptSet, CohortSettings s) {
    Dataset<Row> dx =
        Events.dated(in.condition(), CdmTable.CONDITION_OCCURRENCE, conceptSet)
            .join(
                in.visit().select("visit_occurrence_id", "visit_concept_id"),
                "visit_occurrence_id",
                "left");
    Column inpatient = col("visit_concept_id").isin(s.inpatientVisitConceptIds().toArray());
    // A diagnosis without a visit, or in an outpatient-type visit, counts as outpatient.
    Column outpatient =
        col("visit_concept_id")
            .isNull()
            .or(col("visit_concept_id").isin(s.outpatientVisitConceptIds().toArray()));
    WindowSpec byDate = Window.partitionBy("person_id").orderBy("event_date");
    Dataset<Row> ip =
        dx.filter(inpatient)
            .select("person_id", "event_date")
            .distinct()
            .withColumn("_n", row_number().over(byDate))
            .filter(col("_n").equalTo(s.minInpatientDiagnoses()))
            .select(col("person_id"), col("event_date").as("ip_onset"));
    int k = s.minOutpatientDiagnoses();
    Dataset<Row> opDays = dx.filter(outpatient).select("person_id", "event_date").distinct();
    Dataset<Row> op =
        (k == 1
                ? opDays.withColumn("_first", col("event_date"))
                : opDays.withColumn("_first", lag(col("event_date"), k - 1).over(byDate)))
            .filter(
                col("_first")
                    .isNotNull()
                    .and(datediff(col("event_date"), col("_first")).leq(s.outpatientWindowDays())))
            .groupBy("person_id")
            .agg(min("event_date").as("op_onset"));
    return ip.join(op, new String[] {"person_id"}, "full_outer")
        .select(col("person_id"), least(col("ip_onset"), col("op_onset")).as("onset_date"));
  }

  /** Exposures of a concept set, with an end date (end, or start + days_supply - 1, or start). */
  static Dataset<Row> exposures(Inputs in, Set<Long> conceptSet) {
    return Events.matching(in.drug(), CdmTable.DRUG_EXPOSURE, conceptSet)
        .select(
            col("person_id"),
            col("drug_exposure_start_date").as("exposure_start"),
            coalesce(
                    col("drug_exposure_end_date"),
                    expr("date_add(drug_exposure_start_date, days_supply - 1)"),
                    col("drug_exposure_start_date"))
                .as("exposure_end"),
            col("route_concept_id"));
  }

  private static Dataset<Row> qualifying(
      Inputs in, Set<Long> exposureSet, Map<String, Set<Long>> sets, CohortSettings s) {
    Dataset<Row> e = exposures(in, exposureSet);
    if (!s.excludedRouteConceptSet().isEmpty()) {
      Object[] routes = sets.get(s.excludedRouteConceptSet()).toArray();
      e =
          e.filter(
              col("route_concept_id")
                  .isNull()
                  .or(col("route_concept_id").isin(routes).unary_$bang()));
    }
    return e;
  }

  /** New users: the first qualifying exposure, within the window after onset. */
  static Dataset<Row> targetCandidates(
      Inputs in,
      Dataset<Row> onset,
      Set<Long> exposureSet,
      Map<String, Set<Long>> sets,
      CohortSettings s) {
    Dataset<Row> first =
        qualifying(in, exposureSet, sets, s)
            .groupBy("person_id")
            .agg(min("exposure_start").as("cohort_start_date"));
    Dataset<Row> all = exposures(in, exposureSet).select("person_id", "exposure_start");
    Dataset<Row> candidates =
        onset
            .join(first, "person_id")
            .withColumn("row_id", col("person_id").multiply(10).plus(1))
            .withColumn("treatment", lit(1))
            .withColumn("_delay", datediff(col("cohort_start_date"), col("onset_date")));
    // Any exposure (any route) in the washout before index means not a new user.
    Dataset<Row> inWashout =
        candidates
            .select("row_id", "person_id", "cohort_start_date")
            .join(all, "person_id")
            .filter(
                col("exposure_start")
                    .lt(col("cohort_start_date"))
                    .and(
                        col("exposure_start")
                            .geq(date_sub(col("cohort_start_date"), s.washoutDays()))))
            .select("row_id")
            .distinct()
            .withColumn("_exposed_before", lit(true));
    return candidates
        .join(inWashout, new String[] {"row_id"}, "left")
        .withColumn("c_entry", col("_delay").between(s.minDaysAfterOnset(), s.maxDaysAfterOnset()))
        .withColumn("c_new_user", col("_exposed_before").isNull())
        .drop("_exposed_before");
  }

  /** Comparators: every base-population person, indexed by the chosen strategy. */
  static Dataset<Row> comparatorCandidates(
      Inputs in,
      Dataset<Row> onset,
      Dataset<Row> targets,
      Map<String, Set<Long>> sets,
      CohortSettings s) {
    Dataset<Row> indexed;
    switch (s.comparatorType()) {
      case "delay" -> {
        // The targets' delays as counts per distinct delay (days: bounded by the entry window, not
        // by the number of persons); the table holds the delay at every 1/DELAY_QUANTILES of
        // their sorted order.
        List<Row> byDelay = targets.groupBy("_delay").count().orderBy("_delay").collectAsList();
        long n = byDelay.stream().mapToLong(r -> r.getLong(1)).sum();
        if (n == 0) {
          throw new InputException(
              "The target cohort is empty after eligibility: no delays to draw comparator index"
                  + " dates from (check the target concept set and the data)");
        }
        List<Column> table = new ArrayList<>();
        int at = 0;
        long before = 0; // targets with a delay below byDelay[at]
        for (int i = 0; i < DELAY_QUANTILES; i++) {
          long k = (long) i * n / DELAY_QUANTILES; // position in sorted order
          while (before + byDelay.get(at).getLong(1) <= k) {
            before += byDelay.get(at).getLong(1);
            at++;
          }
          table.add(lit(byDelay.get(at).getInt(0)));
        }
        // Deterministic per person and seed; the same whatever the partitioning.
        Column draw =
            pmod(xxhash64(col("person_id"), lit(s.comparatorSeed())), lit(DELAY_QUANTILES)).plus(1);
        indexed =
            onset
                .withColumn(
                    "_delay", element_at(array(table.toArray(Column[]::new)), draw.cast("int")))
                .withColumn("cohort_start_date", date_add(col("onset_date"), col("_delay")))
                .withColumn("c_entry", lit(true));
      }
      case "visit" -> {
        Dataset<Row> visits =
            in.visit()
                .filter(col("visit_concept_id").isin(s.outpatientVisitConceptIds().toArray()))
                .select("person_id", "visit_occurrence_id", "visit_start_date");
        WindowSpec random =
            Window.partitionBy("person_id")
                .orderBy(
                    xxhash64(col("person_id"), col("visit_occurrence_id"), lit(s.comparatorSeed())),
                    col("visit_occurrence_id"));
        Dataset<Row> chosen =
            onset
                .join(visits, "person_id")
                .filter(
                    col("visit_start_date")
                        .between(
                            date_add(col("onset_date"), s.minDaysAfterOnset()),
                            date_add(col("onset_date"), s.maxDaysAfterOnset())))
                .withColumn("_n", row_number().over(random))
                .filter(col("_n").equalTo(1))
                .select(col("person_id"), col("visit_start_date").as("cohort_start_date"));
        indexed =
            onset
                .join(chosen, new String[] {"person_id"}, "left")
                .withColumn("_delay", datediff(col("cohort_start_date"), col("onset_date")))
                .withColumn("c_entry", col("cohort_start_date").isNotNull());
      }
      default -> {
        Dataset<Row> active =
            targetCandidates(in, onset, sets.get(s.activeComparatorConceptSet()), sets, s);
        indexed =
            onset
                .join(
                    active.select(
                        col("person_id"),
                        col("cohort_start_date"),
                        col("c_entry").and(col("c_new_user")).as("c_entry")),
                    new String[] {"person_id"},
                    "left")
                .withColumn("c_entry", coalesce(col("c_entry"), lit(false)))
                .withColumn("_delay", datediff(col("cohort_start_date"), col("onset_date")));
      }
    }
    Dataset<Row> firstTarget =
        exposures(in, sets.get(s.targetConceptSet()))
            .groupBy("person_id")
            .agg(min("exposure_start").as("_first_target"));
    return indexed
        .withColumn("row_id", col("person_id").multiply(10))
        .withColumn("treatment", lit(0))
        .join(firstTarget, new String[] {"person_id"}, "left")
        // A comparator has not used the target drug on or before its index (later use is allowed).
        .withColumn(
            "c_new_user",
            col("_first_target").isNull().or(col("_first_target").gt(col("cohort_start_date"))))
        .drop("_first_target");
  }

  /** A named inclusion criterion over the candidate rows. */
  record Criterion(String column, String description) {}

  /** The criteria, in order; each arm has its own meaning of entry and new use. */
  static List<Criterion> criteria(CohortSettings s) {
    List<Criterion> c = new ArrayList<>();
    c.add(
        new Criterion(
            "c_entry",
            "First qualifying target exposure "
                + s.minDaysAfterOnset()
                + "-"
                + s.maxDaysAfterOnset()
                + " days after onset (target) / index assigned (comparator: "
                + s.comparatorType()
                + ")"));
    c.add(new Criterion("c_age", "Age >= " + s.minAgeAtIndex() + " at index"));
    c.add(
        new Criterion(
            "c_observed",
            ">= " + s.priorObservationDays() + " days of continuous observation before index"));
    c.add(new Criterion("c_alive", "Alive at index"));
    c.add(
        new Criterion(
            "c_new_user",
            "No target exposure in the "
                + s.washoutDays()
                + "-day washout (target) / none on or before index (comparator)"));
    for (int i = 0; i < s.exclusions().size(); i++) {
      CohortSettings.Exclusion e = s.exclusions().get(i);
      c.add(
          new Criterion(
              "c_excl_" + i,
              "No "
                  + e.conceptSet()
                  + (e.lookbackDays() < 0
                      ? " any time before index"
                      : " in the " + e.lookbackDays() + " days before index")));
    }
    if (s.studyStartDate() != null || s.studyEndDate() != null) {
      c.add(new Criterion("c_study_period", "Index within the study period"));
    }
    return c;
  }

  private static Column all(List<Criterion> criteria) {
    Column ok = lit(true);
    for (Criterion c : criteria) {
      ok = ok.and(coalesce(col(c.column()), lit(false)));
    }
    return ok;
  }

  /** Subjects left after each criterion, applied in order: one pass over the candidates. */
  private static long[] counts(Dataset<Row> checked, List<Criterion> criteria) {
    List<Column> aggs = new ArrayList<>();
    Column ok = lit(true);
    for (Criterion c : criteria) {
      ok = ok.and(coalesce(col(c.column()), lit(false)));
      aggs.add(sum(when(ok, 1).otherwise(0)));
    }
    Row r = checked.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
    long[] out = new long[criteria.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = r.isNullAt(i) ? 0 : r.getLong(i);
    }
    return out;
  }

  /** Eligibility at index: age, prior observation, alive, exclusions, study period. */
  static Dataset<Row> eligibility(
      Dataset<Row> candidates,
      Inputs in,
      Map<String, Set<Long>> sets,
      CohortSettings s,
      boolean target) {
    Dataset<Row> facts =
        in.person()
            .select("person_id", "year_of_birth", "gender_concept_id")
            .join(in.death().select("person_id", "death_date"), new String[] {"person_id"}, "left");
    Dataset<Row> periods =
        in.observationPeriod()
            .select(
                col("person_id").as("_op_person"),
                col("observation_period_start_date"),
                col("observation_period_end_date"));
    Dataset<Row> withPeriod =
        candidates
            .join(facts, "person_id")
            .join(
                periods,
                col("person_id")
                    .equalTo(col("_op_person"))
                    .and(
                        col("cohort_start_date")
                            .between(
                                col("observation_period_start_date"),
                                col("observation_period_end_date"))),
                "left")
            .drop("_op_person");
    Dataset<Row> df =
        withPeriod
            .withColumn(
                "c_age",
                year(col("cohort_start_date")).minus(col("year_of_birth")).geq(s.minAgeAtIndex()))
            .withColumn(
                "c_observed",
                col("observation_period_start_date")
                    .leq(date_sub(col("cohort_start_date"), s.priorObservationDays())))
            .withColumn(
                "c_alive",
                col("death_date").isNull().or(col("death_date").geq(col("cohort_start_date"))));
    for (int i = 0; i < s.exclusions().size(); i++) {
      CohortSettings.Exclusion e = s.exclusions().get(i);
      Dataset<Row> hits =
          Events.dated(in.condition(), CdmTable.CONDITION_OCCURRENCE, sets.get(e.conceptSet()))
              .select(col("person_id").as("_x_person"), col("event_date").as("_x_date"));
      Column window = col("_x_date").leq(col("cohort_start_date"));
      if (e.lookbackDays() >= 0) {
        window =
            window.and(col("_x_date").geq(date_sub(col("cohort_start_date"), e.lookbackDays())));
      }
      Dataset<Row> excluded =
          df.select("row_id", "person_id", "cohort_start_date")
              .join(hits, col("person_id").equalTo(col("_x_person")).and(window))
              .select("row_id")
              .distinct()
              .withColumn("_x_hit", lit(true));
      df =
          df.join(excluded, new String[] {"row_id"}, "left")
              .withColumn("c_excl_" + i, col("_x_hit").isNull())
              .drop("_x_hit");
    }
    if (s.studyStartDate() != null || s.studyEndDate() != null) {
      Column in_ = lit(true);
      if (s.studyStartDate() != null) {
        in_ = in_.and(col("cohort_start_date").geq(lit(java.sql.Date.valueOf(s.studyStartDate()))));
      }
      if (s.studyEndDate() != null) {
        in_ = in_.and(col("cohort_start_date").leq(lit(java.sql.Date.valueOf(s.studyEndDate()))));
      }
      df = df.withColumn("c_study_period", in_);
    }
    return df;
  }

  /**
   * The cohort end for on-treatment time at risk: for targets the end of the first exposure era
   * (exposures bridged by gaps up to the persistence gap) plus the grace period; for comparators
   * the day before they start the target drug. Never after the end of observation or death.
   */
  static Dataset<Row> cohortEnd(
      Dataset<Row> cohort,
      Inputs in,
      Set<Long> targetSet,
      Map<String, Set<Long>> sets,
      CohortSettings s,
      boolean target) {
    Column observedEnd =
        least(
            col("observation_period_end_date"),
            coalesce(col("death_date"), col("observation_period_end_date")));
    Dataset<Row> base = cohort.withColumn("observation_end_date", observedEnd);
    Dataset<Row> ends;
    if (target) {
      Dataset<Row> exp =
          qualifying(in, targetSet, sets, s)
              .join(base.select("row_id", "person_id", "cohort_start_date"), "person_id")
              .filter(col("exposure_start").geq(col("cohort_start_date")));
      WindowSpec before =
          Window.partitionBy("row_id")
              .orderBy("exposure_start", "exposure_end")
              .rowsBetween(Window.unboundedPreceding(), -1);
      WindowSpec upTo =
          Window.partitionBy("row_id")
              .orderBy("exposure_start", "exposure_end")
              .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
      ends =
          exp.withColumn("_prior_end", max("exposure_end").over(before))
              .withColumn(
                  "_new_era",
                  when(
                          col("_prior_end")
                              .isNotNull()
                              .and(
                                  datediff(col("exposure_start"), col("_prior_end"))
                                      .gt(s.persistenceGapDays())),
                          1)
                      .otherwise(0))
              .withColumn("_era", sum("_new_era").over(upTo))
              .filter(col("_era").equalTo(0))
              .groupBy("row_id")
              .agg(date_add(max("exposure_end"), s.graceDays()).as("_end"));
    } else {
      ends =
          exposures(in, targetSet)
              .join(base.select("row_id", "person_id", "cohort_start_date"), "person_id")
              .filter(col("exposure_start").gt(col("cohort_start_date")))
              .groupBy("row_id")
              .agg(date_sub(min("exposure_start"), 1).as("_end"));
    }
    return base.join(ends, new String[] {"row_id"}, "left")
        .withColumn(
            "cohort_end_date",
            least(coalesce(col("_end"), col("observation_end_date")), col("observation_end_date")))
        .select(
            col("row_id"),
            col("person_id"),
            col("treatment"),
            col("cohort_start_date"),
            col("cohort_end_date"),
            col("onset_date"),
            col("observation_period_start_date"),
            col("observation_end_date"),
            col("gender_concept_id"),
            col("year_of_birth"));
  }
}
