package org.rwe.results;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createMapType;

import java.util.List;
import java.util.Optional;

/**
 * The one declaration of every shareable result table: its columns, types, meaning, and which
 * counts the small-cell rule masks. The writer validates against it and the docs come from it.
 * Names follow OHDSI CohortMethod's results model where it has one.
 */
public final class ResultsSchema {
  private ResultsSchema() {}

  public static final ResultTable INGEST_SUMMARY =
      ResultTable.table(
              "ingest_summary",
              "Per input table: rows read, curated and rejected (rows_read = rows_curated +"
                  + " rows_rejected always), rejects and flags per rule, and the columns dropped.")
          .col("table_name", StringType, "OMOP CDM table")
          .col("source", StringType, "file or folder read (name within the input folder)")
          .col("rows_read", LongType, "rows in the input")
          .col("rows_curated", LongType, "rows that passed every rule (written to curated/)")
          .col(
              "rows_rejected", LongType, "rows rejected (written to rejects/ with rule and reason)")
          .col("reject_share", DoubleType, "rows_rejected / rows_read")
          .col(
              "rejected_by_rule",
              createMapType(StringType, LongType),
              "rejected rows per rule name")
          .col(
              "flagged_by_rule",
              createMapType(StringType, LongType),
              "curated rows carrying a flag (e.g. unknown_concept), per flag")
          .col(
              "dropped_columns",
              createArrayType(StringType),
              "input columns not used by the pipeline, never copied to curated/")
          .build();

  public static final ResultTable ATTRITION =
      ResultTable.table(
              "attrition",
              "Every inclusion and exclusion step, in order, with the subjects left per arm."
                  + " analysis_id = 0 and outcome_id = 0 for the steps of the cohort stage that"
                  + " all analyses share.")
          .col("analysis_id", IntegerType, "analysis (0 = shared cohort steps)")
          .col("outcome_id", IntegerType, "outcome (0 = shared cohort steps)")
          .col("sequence_number", IntegerType, "order of the step")
          .col("description", StringType, "what the step keeps")
          .count("target_subjects", LongType, "subjects left in the target arm")
          .count("comparator_subjects", LongType, "subjects left in the comparator arm")
          .build();

  public static final ResultTable COVARIATE_BALANCE =
      ResultTable.table(
              "covariate_balance",
              "Covariate means per arm and standardized mean differences before and after"
                  + " adjustment, per analysis and outcome.")
          .col("analysis_id", IntegerType, "analysis")
          .col("outcome_id", IntegerType, "outcome")
          .col("covariate_id", LongType, "covariate id (concept id x 1000 + analysis id)")
          .col("covariate_name", StringType, "covariate name")
          .col("covariate_analysis_id", IntegerType, "FeatureExtraction analysis id")
          .col("target_mean_before", DoubleType, "mean in the target arm before adjustment")
          .col("comparator_mean_before", DoubleType, "mean in the comparator arm before")
          .col("std_diff_before", DoubleType, "standardized mean difference before")
          .col("target_mean_after", DoubleType, "mean in the target arm after adjustment")
          .col("comparator_mean_after", DoubleType, "mean in the comparator arm after")
          .col("std_diff_after", DoubleType, "standardized mean difference after")
          .build();

  public static final ResultTable COHORT_METHOD_RESULT =
      ResultTable.table(
              "cohort_method_result",
              "Per analysis and outcome: subjects, days at risk, events per arm, and the hazard"
                  + " ratio of target vs comparator with its 95% CI.")
          .col("analysis_id", IntegerType, "analysis")
          .col("outcome_id", IntegerType, "outcome")
          .col("outcome_name", StringType, "outcome name")
          .col("negative_control", BooleanType, "true for negative-control outcomes (true HR 1)")
          .count("target_subjects", LongType, "subjects in the target arm")
          .count("comparator_subjects", LongType, "subjects in the comparator arm")
          .col("target_days", LongType, "days at risk in the target arm")
          .col("comparator_days", LongType, "days at risk in the comparator arm")
          .count("target_outcomes", LongType, "subjects with the outcome in the target arm")
          .count("comparator_outcomes", LongType, "subjects with the outcome in the comparator arm")
          .col("rr", DoubleType, "hazard ratio (target vs comparator)")
          .col("ci_95_lb", DoubleType, "lower bound of the 95% confidence interval")
          .col("ci_95_ub", DoubleType, "upper bound of the 95% confidence interval")
          .col("p", DoubleType, "two-sided p-value (Wald)")
          .col("log_rr", DoubleType, "log of rr")
          .col("se_log_rr", DoubleType, "standard error of log_rr")
          .col("llr", DoubleType, "log-likelihood ratio of the fitted model vs rr = 1")
          .col("model_status", StringType, "OK, or why no estimate was possible")
          .build();

  public static final ResultTable PROPENSITY_MODEL =
      ResultTable.table(
              "propensity_model",
              "Non-zero coefficients of the L1-regularized propensity model (on covariates"
                  + " normalized to [0, 1] by their maximum, as FeatureExtraction does).")
          .col("covariate_id", LongType, "covariate id (0 = intercept)")
          .col("covariate_name", StringType, "covariate name")
          .col("coefficient", DoubleType, "log-odds coefficient")
          .build();

  public static final ResultTable PROPENSITY_SUMMARY =
      ResultTable.table(
              "propensity_summary",
              "The fitted propensity model: penalty chosen by cross-validation, fitting sample,"
                  + " discrimination and equipoise.")
          .col("reg_param", DoubleType, "L1 penalty chosen by cross-validation")
          .col("cv_auc", DoubleType, "cross-validated AUC at the chosen penalty")
          .col("auc", DoubleType, "AUC of the final model on the whole study population")
          .col("covariates", LongType, "covariates offered to the model")
          .col("non_zero_coefficients", LongType, "covariates with a non-zero coefficient")
          .col("subjects_fitted", LongType, "subjects in the fitting sample")
          .col("equipoise", DoubleType, "share of subjects with preference score in [0.3, 0.7]")
          .build();

  public static final List<ResultTable> ALL =
      List.of(
          INGEST_SUMMARY,
          ATTRITION,
          COVARIATE_BALANCE,
          COHORT_METHOD_RESULT,
          PROPENSITY_MODEL,
          PROPENSITY_SUMMARY);

  public static Optional<ResultTable> byName(String name) {
    return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
