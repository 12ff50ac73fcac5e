package org.rwe.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.month;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.year;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.rwe.config.FeatureSettings;

/**
 * Baseline covariates in OHDSI FeatureExtraction's sparse long form: {@code (row_id, covariate_id,
 * covariate_value)} plus {@code covariate_ref}. Covariate id = concept id x 1000 + analysis id, as
 * FeatureExtraction numbers them (analysis ids from its PrespecAnalyses: 1 gender, 3 age group, 4
 * race, 5 ethnicity, 6 index year, 7 index month, 210/212 condition groups, 410/412 drug groups,
 * 502/504 procedures, 702/704 measurements, 710/712 measurement range, 923/925 visit counts, 901
 * Charlson index). Long-term window [index + longTermStartDays, index + endDays], short-term
 * likewise; the Charlson index looks at every condition up to index + endDays, as
 * FeatureExtraction's.
 */
public final class FeatureBuilder {
  private FeatureBuilder() {}

  public record Inputs(
      Dataset<Row> person,
      Dataset<Row> visit,
      Dataset<Row> condition,
      Dataset<Row> drug,
      Dataset<Row> procedure,
      Dataset<Row> measurement,
      Dataset<Row> concept,
      Dataset<Row> ancestor) {}

  public record Result(Dataset<Row> covariates, Dataset<Row> covariateRef) {}

  /** One windowed, concept-based analysis. */
  private record Windowed(int analysisId, String label, boolean longTerm) {}

  public static Result build(
      Dataset<Row> cohort, Inputs in, Set<Long> excludedConcepts, FeatureSettings s) {
    Dataset<Row> subjects =
        cohort
            .select(
                "row_id", "person_id", "cohort_start_date", "gender_concept_id", "year_of_birth")
            .join(
                in.person().select("person_id", "race_concept_id", "ethnicity_concept_id"),
                "person_id");
    Dataset<Row> concepts =
        in.concept()
            .select("concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id");

    List<Dataset<Row>> parts = new ArrayList<>();
    List<Dataset<Row>> refs = new ArrayList<>();

    // Demographics.
    Dataset<Row> gender =
        subjects
            .filter(col("gender_concept_id").notEqual(0))
            .select(col("row_id"), col("gender_concept_id").as("concept_id"));
    add(parts, refs, gender, 1, "gender", concepts);
    Dataset<Row> race =
        subjects
            .filter(col("race_concept_id").isNotNull().and(col("race_concept_id").notEqual(0)))
            .select(col("row_id"), col("race_concept_id").as("concept_id"));
    add(parts, refs, race, 4, "race", concepts);
    Dataset<Row> ethnicity =
        subjects
            .filter(
                col("ethnicity_concept_id")
                    .isNotNull()
                    .and(col("ethnicity_concept_id").notEqual(0)))
            .select(col("row_id"), col("ethnicity_concept_id").as("concept_id"));
    add(parts, refs, ethnicity, 5, "ethnicity", concepts);

    Column ageGroup =
        floor(year(col("cohort_start_date")).minus(col("year_of_birth")).divide(5)).cast("long");
    Dataset<Row> age =
        subjects.select(
            col("row_id"),
            ageGroup.multiply(1000).plus(3).as("covariate_id"),
            lit(1.0).as("covariate_value"));
    parts.add(age);
    refs.add(
        age.select(col("covariate_id"))
            .distinct()
            .select(
                col("covariate_id"),
                format_string(
                        "age group: %d - %d",
                        floor(col("covariate_id").divide(1000)).multiply(5),
                        floor(col("covariate_id").divide(1000)).multiply(5).plus(4))
                    .as("covariate_name"),
                lit(3).as("analysis_id"),
                lit(0L).as("concept_id")));
    Dataset<Row> indexYear =
        subjects.select(
            col("row_id"),
            year(col("cohort_start_date")).cast("long").multiply(1000).plus(6).as("covariate_id"),
            lit(1.0).as("covariate_value"));
    parts.add(indexYear);
    refs.add(named(indexYear, "index year: ", 6));
    Dataset<Row> indexMonth =
        subjects.select(
            col("row_id"),
            month(col("cohort_start_date")).cast("long").multiply(1000).plus(7).as("covariate_id"),
            lit(1.0).as("covariate_value"));
    parts.add(indexMonth);
    refs.add(named(indexMonth, "index month: ", 7));

    Object[] excluded = excludedConcepts.toArray();
    Dataset<Row> index = subjects.select("row_id", "person_id", "cohort_start_date");

    // Conditions rolled up the hierarchy (standard condition concepts and their ancestors).
    Dataset<Row> conditions =
        windowed(
            index,
            in.condition()
                .select(
                    col("person_id"),
                    col("condition_start_date").as("d"),
                    col("condition_concept_id").as("concept_id")),
            s);
    Dataset<Row> conditionGroups = rollUp(conditions, in.ancestor(), concepts, "Condition", null);
    addWindowed(
        parts,
        refs,
        conditionGroups,
        new Windowed(210, "condition_group", true),
        new Windowed(212, "condition_group", false),
        concepts,
        s);

    // Charlson comorbidity index: one covariate, the score (FeatureExtraction's analysis 901).
    Dataset<Row> charlson =
        CharlsonIndex.covariates(
            index,
            in.condition()
                .select(
                    col("person_id"),
                    col("condition_start_date").as("d"),
                    col("condition_concept_id").as("concept_id")),
            CharlsonIndex.categoryConcepts(CharlsonIndex.romano(), in.concept(), in.ancestor()),
            s.endDays());
    parts.add(charlson);
    refs.add(
        charlson
            .select("covariate_id")
            .distinct()
            .select(
                col("covariate_id"),
                lit(CharlsonIndex.NAME).as("covariate_name"),
                lit(CharlsonIndex.ANALYSIS_ID).as("analysis_id"),
                lit(0L).as("concept_id")));

    // Drugs: the exposure itself never becomes a covariate, nor do its classes through it.
    Dataset<Row> drugRows =
        in.drug()
            .filter(
                excluded.length == 0
                    ? lit(true)
                    : col("drug_concept_id").isin(excluded).unary_$bang())
            .select(
                col("person_id"),
                col("drug_exposure_start_date").as("d"),
                col("drug_concept_id").as("concept_id"));
    Dataset<Row> drugs = windowed(index, drugRows, s);
    Dataset<Row> drugGroups = rollUp(drugs, in.ancestor(), concepts, "Drug", excluded);
    addWindowed(
        parts,
        refs,
        drugGroups,
        new Windowed(410, "drug_group", true),
        new Windowed(412, "drug_group", false),
        concepts,
        s);

    Dataset<Row> procedures =
        windowed(
            index,
            in.procedure()
                .select(
                    col("person_id"),
                    col("procedure_date").as("d"),
                    col("procedure_concept_id").as("concept_id")),
            s);
    addWindowed(
        parts,
        refs,
        procedures,
        new Windowed(502, "procedure", true),
        new Windowed(504, "procedure", false),
        concepts,
        s);

    Dataset<Row> measurements =
        windowed(
            index,
            in.measurement()
                .select(
                    col("person_id"),
                    col("measurement_date").as("d"),
                    col("measurement_concept_id").as("concept_id")),
            s);
    addWindowed(
        parts,
        refs,
        measurements,
        new Windowed(702, "measurement", true),
        new Windowed(704, "measurement", false),
        concepts,
        s);

    // Measurement below (1) / within (2) / above (3) its normal range: id = (concept x 10 + range)
    // x 1000 + 710/712.
    Column range =
        when(col("value_as_number").lt(col("range_low")), lit(1L))
            .when(col("value_as_number").gt(col("range_high")), lit(3L))
            .otherwise(lit(2L));
    Dataset<Row> ranged =
        windowed(
            index,
            in.measurement()
                .filter(
                    col("value_as_number")
                        .isNotNull()
                        .and(col("range_low").isNotNull())
                        .and(col("range_high").isNotNull()))
                .select(
                    col("person_id"),
                    col("measurement_date").as("d"),
                    col("measurement_concept_id").multiply(10).plus(range).as("concept_id")),
            s);
    for (Windowed w :
        List.of(
            new Windowed(710, "measurement range", true),
            new Windowed(712, "measurement range", false))) {
      Dataset<Row> rows =
          (w.longTerm() ? ranged : ranged.filter(col("short_term")))
              .select("row_id", "concept_id")
              .distinct();
      Dataset<Row> cov =
          rows.select(
              col("row_id"),
              col("concept_id").multiply(1000).plus(w.analysisId()).as("covariate_id"),
              lit(1.0).as("covariate_value"));
      parts.add(cov);
      Column base = floor(col("concept_id").divide(10)).cast("long");
      Column which = col("concept_id").minus(base.multiply(10));
      refs.add(
          rows.select("concept_id")
              .distinct()
              .join(
                  concepts.select(col("concept_id").as("_cid"), col("concept_name")),
                  base.equalTo(col("_cid")),
                  "left")
              .select(
                  col("concept_id").multiply(1000).plus(w.analysisId()).as("covariate_id"),
                  concat(
                          lit(w.label() + " "),
                          when(which.equalTo(1), lit("below normal"))
                              .when(which.equalTo(3), lit("above normal"))
                              .otherwise(lit("within normal")),
                          lit(window(w.longTerm(), s) + ": "),
                          org.apache.spark.sql.functions.coalesce(
                              col("concept_name"), base.cast("string")))
                      .as("covariate_name"),
                  lit(w.analysisId()).as("analysis_id"),
                  base.as("concept_id")));
    }

    // Visit counts by visit type.
    Dataset<Row> visits =
        windowed(
            index,
            in.visit()
                .select(
                    col("person_id"),
                    col("visit_start_date").as("d"),
                    col("visit_concept_id").as("concept_id")),
            s);
    for (Windowed w :
        List.of(new Windowed(923, "visit count", true), new Windowed(925, "visit count", false))) {
      Dataset<Row> rows = w.longTerm() ? visits : visits.filter(col("short_term"));
      Dataset<Row> cov =
          rows.groupBy("row_id", "concept_id")
              .agg(count(lit(1)).cast("double").as("covariate_value"))
              .select(
                  col("row_id"),
                  col("concept_id").multiply(1000).plus(w.analysisId()).as("covariate_id"),
                  col("covariate_value"));
      parts.add(cov);
      refs.add(
          conceptRef(
              rows.select("concept_id").distinct(),
              w.analysisId(),
              w.label() + window(w.longTerm(), s) + ": ",
              concepts));
    }

    Dataset<Row> covariates = parts.get(0);
    for (int i = 1; i < parts.size(); i++) {
      covariates = covariates.unionByName(parts.get(i));
    }
    Dataset<Row> ref = refs.get(0);
    for (int i = 1; i < refs.size(); i++) {
      ref = ref.unionByName(refs.get(i));
    }
    // Materialized once: both the frequency filter and the output read it.
    covariates = covariates.localCheckpoint();
    // Drop rare covariates: seen in fewer than minSubjects rows.
    Dataset<Row> frequent =
        covariates
            .groupBy("covariate_id")
            .agg(countDistinct("row_id").as("_n"))
            .filter(col("_n").geq(s.minSubjects()))
            .select("covariate_id");
    covariates =
        covariates
            .join(frequent, "covariate_id")
            .select("row_id", "covariate_id", "covariate_value");
    ref = ref.dropDuplicates("covariate_id").join(frequent, "covariate_id");
    return new Result(
        covariates, ref.select("covariate_id", "covariate_name", "analysis_id", "concept_id"));
  }

  /**
   * Events of a person within the long-term window of each of its cohort rows. The events are never
   * broadcast (a sort-merge join by person): Spark sizes a table by its Parquet files, and an event
   * table of small, well-compressed files (procedure_occurrence at 200,000 persons: 6 MB for
   * 457,000 rows) was broadcast and, built as a hash table on the driver, ran a 3 GB JVM out of
   * memory (docs/benchmarks.md).
   */
  static Dataset<Row> windowed(Dataset<Row> index, Dataset<Row> events, FeatureSettings s) {
    Dataset<Row> e = events.withColumnRenamed("person_id", "_person").hint("merge");
    return index
        .join(
            e,
            col("person_id")
                .equalTo(col("_person"))
                .and(col("d").geq(date_add(col("cohort_start_date"), s.longTermStartDays())))
                .and(col("d").leq(date_add(col("cohort_start_date"), s.endDays()))))
        .select(
            col("row_id"),
            col("concept_id"),
            col("d")
                .geq(date_add(col("cohort_start_date"), s.shortTermStartDays()))
                .as("short_term"));
  }

  /** Each concept and its ancestors of the domain (e.g. ATC classes for drugs). */
  static Dataset<Row> rollUp(
      Dataset<Row> rows,
      Dataset<Row> ancestor,
      Dataset<Row> concepts,
      String domain,
      Object[] excluded) {
    Dataset<Row> groups =
        ancestor
            .select(col("ancestor_concept_id"), col("descendant_concept_id"))
            .join(
                concepts
                    .filter(col("domain_id").equalTo(domain))
                    .select(col("concept_id").as("ancestor_concept_id")),
                "ancestor_concept_id");
    if (excluded != null && excluded.length > 0) {
      groups = groups.filter(col("ancestor_concept_id").isin(excluded).unary_$bang());
    }
    Dataset<Row> rolled =
        rows.join(groups, rows.col("concept_id").equalTo(groups.col("descendant_concept_id")))
            .select(col("row_id"), col("ancestor_concept_id").as("concept_id"), col("short_term"));
    // Concepts missing from concept_ancestor still count as themselves.
    Dataset<Row> self =
        rows.filter(col("concept_id").notEqual(0)).select("row_id", "concept_id", "short_term");
    if (excluded != null && excluded.length > 0) {
      self = self.filter(col("concept_id").isin(excluded).unary_$bang());
    }
    return rolled.unionByName(self);
  }

  private static void addWindowed(
      List<Dataset<Row>> parts,
      List<Dataset<Row>> refs,
      Dataset<Row> rows,
      Windowed longTerm,
      Windowed shortTerm,
      Dataset<Row> concepts,
      FeatureSettings s) {
    for (Windowed w : List.of(longTerm, shortTerm)) {
      Dataset<Row> r =
          (w.longTerm() ? rows : rows.filter(col("short_term")))
              .filter(col("concept_id").notEqual(0))
              .select("row_id", "concept_id")
              .distinct();
      parts.add(
          r.select(
              col("row_id"),
              col("concept_id").multiply(1000).plus(w.analysisId()).as("covariate_id"),
              lit(1.0).as("covariate_value")));
      refs.add(
          conceptRef(
              r.select("concept_id").distinct(),
              w.analysisId(),
              w.label() + window(w.longTerm(), s) + ": ",
              concepts));
    }
  }

  private static String window(boolean longTerm, FeatureSettings s) {
    return " during day "
        + (longTerm ? s.longTermStartDays() : s.shortTermStartDays())
        + " through "
        + s.endDays()
        + " days relative to index";
  }

  private static void add(
      List<Dataset<Row>> parts,
      List<Dataset<Row>> refs,
      Dataset<Row> rows,
      int analysisId,
      String label,
      Dataset<Row> concepts) {
    parts.add(
        rows.select(
            col("row_id"),
            col("concept_id").multiply(1000).plus(analysisId).as("covariate_id"),
            lit(1.0).as("covariate_value")));
    refs.add(conceptRef(rows.select("concept_id").distinct(), analysisId, label + " = ", concepts));
  }

  private static Dataset<Row> conceptRef(
      Dataset<Row> conceptIds, int analysisId, String prefix, Dataset<Row> concepts) {
    return conceptIds
        .join(concepts.select("concept_id", "concept_name"), new String[] {"concept_id"}, "left")
        .select(
            col("concept_id").multiply(1000).plus(analysisId).as("covariate_id"),
            concat(
                    lit(prefix),
                    org.apache.spark.sql.functions.coalesce(
                        col("concept_name"), col("concept_id").cast("string")))
                .as("covariate_name"),
            lit(analysisId).as("analysis_id"),
            col("concept_id"));
  }

  private static Dataset<Row> named(Dataset<Row> cov, String prefix, int analysisId) {
    return cov.select("covariate_id")
        .distinct()
        .select(
            col("covariate_id"),
            concat(lit(prefix), floor(col("covariate_id").divide(1000)).cast("string"))
                .as("covariate_name"),
            lit(analysisId).as("analysis_id"),
            lit(0L).as("concept_id"));
  }
}
