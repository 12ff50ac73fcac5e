package org.rwe.cohort;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;
import org.rwe.config.OutcomeDefinition;
import org.rwe.config.StudySettings;
import org.rwe.omop.CdmTable;
import org.rwe.omop.ConceptSets;
import org.rwe.results.ResultsSchema;
import org.rwe.run.RunContext;
import org.rwe.run.Stage;

/**
 * The cohort job: resolves the concept sets, builds the exposure cohort and the outcome events, and
 * writes them with the cohort part of the attrition table.
 */
public final class CohortJob {
  private CohortJob() {}

  public static Map<String, Long> run(RunContext ctx) {
    StudySettings settings = ctx.settings();
    ctx.jobGroup(Stage.COHORT, "resolve concept sets");
    Map<String, Set<Long>> sets = resolveConceptSets(ctx);
    writeConceptSets(ctx, sets);
    CohortBuilder.Inputs in =
        new CohortBuilder.Inputs(
            ctx.curated("person"),
            ctx.curated("observation_period"),
            ctx.curated("death"),
            ctx.curated("visit_occurrence"),
            ctx.curated("condition_occurrence"),
            ctx.curated("drug_exposure"),
            ctx.curated("drug_era"));
    ctx.jobGroup(Stage.COHORT, "build target and comparator cohorts");
    CohortBuilder.Result result =
        switch (settings.cohort().source()) {
          case "eras" -> CohortBuilder.fromEras(in, sets, settings.cohort());
          case "cohortTable" ->
              CohortBuilder.fromCohortTable(in, cohortTable(ctx), settings.cohort());
          default -> CohortBuilder.build(in, sets, settings.cohort());
        };
    ctx.write(result.exposureCohort(), "cohort", "exposure_cohort");
    ctx.write(result.entryBounds(), "cohort", "entry_bounds");
    Dataset<Row> cohort = ctx.read("cohort", "exposure_cohort");

    ctx.jobGroup(Stage.COHORT, "measurement changes of continuous outcomes");
    Dataset<Row> changes = null;
    for (OutcomeDefinition o : settings.outcomes()) {
      if (o.continuous()) {
        Dataset<Row> c =
            MeasurementChange.compute(
                cohort, ctx.curated("measurement"), sets.get(o.conceptSet()), o);
        changes = changes == null ? c : changes.unionByName(c);
      }
    }
    if (changes != null) {
      ctx.write(changes, "cohort", "measurement_change");
    }

    ctx.jobGroup(Stage.COHORT, "find outcome events");
    Dataset<Row> events = outcomeEvents(ctx, sets, settings.outcomes());
    ctx.write(events, "cohort", "outcome_events");
    events = ctx.read("cohort", "outcome_events");

    // The OMOP cohort table shape: 1 = target, 2 = comparator, 1000 + outcome id = outcomes.
    Dataset<Row> omopCohort =
        cohort
            .select(
                org.apache
                    .spark
                    .sql
                    .functions
                    .when(col("treatment").equalTo(1), lit(1L))
                    .otherwise(lit(2L))
                    .as("cohort_definition_id"),
                col("person_id").as("subject_id"),
                col("cohort_start_date"),
                col("cohort_end_date"))
            .unionByName(
                events.select(
                    col("outcome_id").plus(1000).cast("long").as("cohort_definition_id"),
                    col("person_id").as("subject_id"),
                    col("event_date").as("cohort_start_date"),
                    col("event_date").as("cohort_end_date")));
    ctx.write(omopCohort, "cohort", "cohort");

    List<Row> attrition = new ArrayList<>();
    for (CohortBuilder.Step step : result.attrition()) {
      attrition.add(
          RowFactory.create(
              0,
              0,
              step.sequence(),
              step.description(),
              step.targetSubjects(),
              step.comparatorSubjects()));
    }
    ctx.write(
        ctx.spark().createDataFrame(attrition, ResultsSchema.ATTRITION.schema()),
        "cohort",
        "attrition");

    Map<String, Long> counts = new LinkedHashMap<>();
    Row n =
        cohort
            .groupBy()
            .agg(
                org.apache.spark.sql.functions.sum(col("treatment")),
                org.apache.spark.sql.functions.count(lit(1)))
            .first();
    long target = n.isNullAt(0) ? 0 : n.getLong(0);
    counts.put("target", target);
    counts.put("comparator", n.getLong(1) - target);
    counts.put("outcome_events", events.count());
    return counts;
  }

  /** Resolved concept sets, kept so later stages use exactly what the cohort stage used. */
  static void writeConceptSets(RunContext ctx, Map<String, Set<Long>> sets) {
    List<Row> rows = new ArrayList<>();
    sets.forEach((name, ids) -> ids.forEach(id -> rows.add(RowFactory.create(name, id))));
    org.apache.spark.sql.types.StructType schema =
        new org.apache.spark.sql.types.StructType()
            .add("concept_set", "string", false)
            .add("concept_id", "long", false);
    ctx.write(ctx.spark().createDataFrame(rows, schema), "cohort", "concept_sets");
  }

  /** The concept sets as the cohort stage resolved them. */
  public static Map<String, Set<Long>> conceptSets(RunContext ctx) {
    Map<String, Set<Long>> sets = new java.util.TreeMap<>();
    for (String name : ctx.settings().conceptSets().keySet()) {
      sets.put(name, new java.util.TreeSet<>());
    }
    for (Row r : ctx.read("cohort", "concept_sets").collectAsList()) {
      sets.computeIfAbsent(r.getString(0), k -> new java.util.TreeSet<>()).add(r.getLong(1));
    }
    return sets;
  }

  static Map<String, Set<Long>> resolveConceptSets(RunContext ctx) {
    Dataset<Row> concept = ctx.curated("concept").persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> ancestor = ctx.curated("concept_ancestor").persist(StorageLevel.MEMORY_AND_DISK());
    try {
      ConceptSets resolver =
          new ConceptSets(concept, ancestor, ctx.curated("concept_relationship"));
      Map<String, Set<Long>> sets = resolver.resolveAll(ctx.settings().conceptSets());
      resolver.warnings().forEach(ctx::warn);
      return sets;
    } finally {
      concept.unpersist();
      ancestor.unpersist();
    }
  }

  /**
   * The OMOP cohort table named in the settings (CSV with a header, or Parquet), typed; a missing
   * file or column is bad input (exit code 3), named.
   */
  static Dataset<Row> cohortTable(RunContext ctx) {
    String path = ctx.settings().cohort().cohortTablePath();
    Dataset<Row> raw;
    try {
      raw =
          path.toLowerCase().endsWith(".parquet")
              ? ctx.spark().read().parquet(path)
              : ctx.spark().read().option("header", "true").csv(path);
    } catch (RuntimeException e) {
      throw new org.rwe.omop.InputException(
          "Cannot read the cohort table " + path + " (cohort.cohortTable.path): " + e.getMessage());
    }
    java.util.Map<String, String> lower = new java.util.HashMap<>();
    for (String c : raw.columns()) {
      lower.put(c.trim().toLowerCase(), c);
    }
    List<org.apache.spark.sql.Column> cols = new ArrayList<>();
    for (String c :
        List.of("cohort_definition_id", "subject_id", "cohort_start_date", "cohort_end_date")) {
      if (!lower.containsKey(c)) {
        throw new org.rwe.omop.InputException(
            "Cohort table "
                + path
                + ": required column '"
                + c
                + "' is missing (columns: "
                + List.of(raw.columns())
                + ")");
      }
      org.apache.spark.sql.Column v = col("`" + lower.get(c) + "`");
      cols.add(
          (c.endsWith("_date")
                  ? org.apache.spark.sql.functions.to_date(
                      org.apache.spark.sql.functions.substring(v.cast("string"), 1, 10))
                  : v.cast("decimal(38,6)").cast("long"))
              .as(c));
    }
    return raw.select(cols.toArray(org.apache.spark.sql.Column[]::new));
  }

  /** Every event of every outcome: (outcome_id, person_id, event_date), one row per day. */
  static Dataset<Row> outcomeEvents(
      RunContext ctx, Map<String, Set<Long>> sets, List<OutcomeDefinition> outcomes) {
    Dataset<Row> visits =
        ctx.curated("visit_occurrence").select("visit_occurrence_id", "visit_concept_id");
    Dataset<Row> all = null;
    for (OutcomeDefinition o : outcomes) {
      if (o.continuous()) {
        continue; // measured per cohort row (measurement_change), not events
      }
      if (o.cohortId() != 0) {
        Dataset<Row> e =
            cohortTable(ctx)
                .filter(col("cohort_definition_id").equalTo(o.cohortId()))
                .select(
                    lit(o.outcomeId()).as("outcome_id"),
                    col("subject_id").as("person_id"),
                    col("cohort_start_date").as("event_date"));
        all = all == null ? e : all.unionByName(e);
        continue;
      }
      for (String domain : o.domains()) {
        CdmTable table = Events.domainTable(domain);
        Dataset<Row> e =
            Events.dated(ctx.curated(table.cdmName()), table, sets.get(o.conceptSet()));
        if (!o.visitConceptIds().isEmpty()) {
          e =
              e.join(visits, "visit_occurrence_id")
                  .filter(col("visit_concept_id").isin(o.visitConceptIds().toArray()));
        }
        e = e.select(lit(o.outcomeId()).as("outcome_id"), col("person_id"), col("event_date"));
        all = all == null ? e : all.unionByName(e);
      }
    }
    if (all == null) {
      return ctx.spark()
          .emptyDataFrame()
          .select(
              lit(0).as("outcome_id"),
              lit(0L).as("person_id"),
              lit(null).cast("date").as("event_date"))
          .limit(0);
    }
    return all.distinct();
  }
}
