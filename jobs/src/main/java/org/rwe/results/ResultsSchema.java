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

  /** What an estimate rests on: masked when either arm's outcome count is. */
  private static final String[] OUTCOMES = {"target_outcomes", "comparator_outcomes"};

  public static final ResultTable INGEST_SUMMARY =
      ResultTable.table(
              "ingest_summary",
              "Per input table: rows read, curated and rejected (rows_read = rows_curated +"
                  + " rows_rejected always), rejects and flags per rule, and the columns dropped."
                  + " Data quality of the whole extract: its counts are of records of a CDM table,"
                  + " with no concept, cohort or clinical attribute attached, and are not masked.")
          .key("table_name", StringType, "OMOP CDM table")
          .col("source", StringType, "file or folder read (name within the input folder)")
          .records("rows_read", LongType, "rows in the input")
          .records("rows_curated", LongType, "rows that passed every rule (written to curated/)")
          .records(
              "rows_rejected", LongType, "rows rejected (written to rejects/ with rule and reason)")
          .col("reject_share", DoubleType, "rows_rejected / rows_read")
          .records(
              "rejected_by_rule",
              createMapType(StringType, LongType),
              "rejected rows per rule name")
          .records(
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
          .key("analysis_id", IntegerType, "analysis (0 = shared cohort steps)")
          .key("outcome_id", IntegerType, "outcome (0 = shared cohort steps)")
          .key("sequence_number", IntegerType, "order of the step")
          .col("description", StringType, "what the step keeps")
          .count("target_subjects", LongType, "subjects left in the target arm")
          .count("comparator_subjects", LongType, "subjects left in the comparator arm")
          .chain(
              List.of("analysis_id", "outcome_id"),
              List.of(0, 0),
              "sequence_number",
              "target_subjects",
              "comparator_subjects")
          .build();

  public static final ResultTable COVARIATE_BALANCE =
      ResultTable.table(
              "covariate_balance",
              "Covariate means per arm and standardized mean differences before and after"
                  + " adjustment, per analysis and outcome. A mean that stands for fewer than the"
                  + " minimum cell count of subjects (mean x arm size) is masked as -min / size,"
                  + " as CohortMethod's export does, and the SDMs computed from it are null.")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .key("covariate_id", LongType, "covariate id (concept id x 1000 + analysis id)")
          .col("covariate_name", StringType, "covariate name")
          .key("covariate_analysis_id", IntegerType, "FeatureExtraction analysis id")
          .mean(
              "target_mean_before",
              DoubleType,
              "mean in the target arm before adjustment (share of subjects, for a binary covariate)",
              "target_subjects_before")
          .mean(
              "comparator_mean_before",
              DoubleType,
              "mean in the comparator arm before",
              "comparator_subjects_before")
          .derived(
              "std_diff_before",
              DoubleType,
              "standardized mean difference before",
              "target_mean_before",
              "comparator_mean_before")
          .mean(
              "target_mean_after",
              DoubleType,
              "mean in the target arm after adjustment (weighted)",
              "target_subjects_after")
          .mean(
              "comparator_mean_after",
              DoubleType,
              "mean in the comparator arm after (weighted)",
              "comparator_subjects_after")
          .derived(
              "std_diff_after",
              DoubleType,
              "standardized mean difference after",
              "target_mean_after",
              "comparator_mean_after")
          .count("target_subjects_before", LongType, "subjects in the target arm before adjustment")
          .count("comparator_subjects_before", LongType, "subjects in the comparator arm before")
          .count(
              "target_subjects_after",
              LongType,
              "subjects in the target arm after adjustment (sum of weights, rounded)")
          .count(
              "comparator_subjects_after",
              LongType,
              "subjects in the comparator arm after adjustment (sum of weights, rounded)")
          .build();

  public static final ResultTable COHORT_METHOD_RESULT =
      ResultTable.table(
              "cohort_method_result",
              "Per analysis and outcome: subjects, days at risk, events per arm, and the hazard"
                  + " ratio of target vs comparator with its 95% CI (uncalibrated and, when"
                  + " negative controls allow, empirically calibrated). An estimate is null when"
                  + " an outcome count it rests on is masked: its standard error would give the"
                  + " count away.")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .col("outcome_name", StringType, "outcome name")
          .col("negative_control", BooleanType, "true for negative-control outcomes (true HR 1)")
          .count("target_subjects", LongType, "subjects in the target arm")
          .count("comparator_subjects", LongType, "subjects in the comparator arm")
          .derived("target_days", LongType, "days at risk in the target arm", "target_subjects")
          .derived(
              "comparator_days",
              LongType,
              "days at risk in the comparator arm",
              "comparator_subjects")
          .count("target_outcomes", LongType, "subjects with the outcome in the target arm")
          .count("comparator_outcomes", LongType, "subjects with the outcome in the comparator arm")
          .derived("rr", DoubleType, "hazard ratio (target vs comparator)", OUTCOMES)
          .derived("ci_95_lb", DoubleType, "lower bound of the 95% confidence interval", OUTCOMES)
          .derived("ci_95_ub", DoubleType, "upper bound of the 95% confidence interval", OUTCOMES)
          .derived("p", DoubleType, "two-sided p-value (Wald)", OUTCOMES)
          .derived("log_rr", DoubleType, "log of rr", OUTCOMES)
          .derived("se_log_rr", DoubleType, "standard error of log_rr", OUTCOMES)
          .derived(
              "llr", DoubleType, "log-likelihood ratio of the fitted model vs rr = 1", OUTCOMES)
          .col("model_status", StringType, "OK, or why no estimate was possible")
          .derived(
              "calibrated_rr",
              DoubleType,
              "hazard ratio calibrated on the empirical null of the negative controls",
              OUTCOMES)
          .derived(
              "calibrated_ci_95_lb", DoubleType, "lower bound of the calibrated 95% CI", OUTCOMES)
          .derived(
              "calibrated_ci_95_ub", DoubleType, "upper bound of the calibrated 95% CI", OUTCOMES)
          .derived("calibrated_p", DoubleType, "calibrated two-sided p-value", OUTCOMES)
          .sumWithRemainder(
              "target_subjects", "target_outcomes", "target subjects without the outcome")
          .sumWithRemainder(
              "comparator_subjects",
              "comparator_outcomes",
              "comparator subjects without the outcome")
          .build();

  public static final ResultTable PROPENSITY_MODEL =
      ResultTable.table(
              "propensity_model",
              "Non-zero coefficients of the L1-regularized propensity model (on covariates"
                  + " normalized to [0, 1] by their maximum, as FeatureExtraction does).")
          .key("covariate_id", LongType, "covariate id (0 = intercept)")
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
          .count("subjects_fitted", LongType, "subjects in the fitting sample")
          .col("equipoise", DoubleType, "share of subjects with preference score in [0.3, 0.7]")
          .build();

  public static final ResultTable PREFERENCE_SCORE_DIST =
      ResultTable.table(
              "preference_score_dist",
              "Density of the preference score (the propensity score adjusted for the arms'"
                  + " sizes, Walker et al. 2013) per arm, on a grid over [0, 1], as CohortMethod"
                  + " exports it. Smoothed densities, not counts.")
          .key("analysis_id", IntegerType, "analysis")
          .col("preference_score", DoubleType, "grid point in [0, 1]")
          .col("target_density", DoubleType, "density of the target arm at the grid point")
          .col("comparator_density", DoubleType, "density of the comparator arm at the point")
          .build();

  public static final ResultTable KAPLAN_MEIER_DIST =
      ResultTable.table(
              "kaplan_meier_dist",
              "Kaplan-Meier survival (1 - cumulative incidence of the outcome) per arm with its"
                  + " 95% CI and the numbers at risk, per analysis and outcome. Survival is null"
                  + " where fewer than the minimum cell count remain at risk.")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .key("time_day", IntegerType, "days since the start of the time at risk")
          .derived("target_survival", DoubleType, "survival in the target arm", "target_at_risk")
          .derived("target_survival_lb", DoubleType, "lower 95% bound", "target_at_risk")
          .derived("target_survival_ub", DoubleType, "upper 95% bound", "target_at_risk")
          .derived(
              "comparator_survival",
              DoubleType,
              "survival in the comparator arm",
              "comparator_at_risk")
          .derived("comparator_survival_lb", DoubleType, "lower 95% bound", "comparator_at_risk")
          .derived("comparator_survival_ub", DoubleType, "upper 95% bound", "comparator_at_risk")
          .count("target_at_risk", LongType, "subjects at risk in the target arm")
          .count("comparator_at_risk", LongType, "subjects at risk in the comparator arm")
          .build();

  public static final ResultTable DIAGNOSTICS_SUMMARY =
      ResultTable.table(
              "diagnostics_summary",
              "Study diagnostics per analysis and outcome with OHDSI's pass/fail rules: covariate"
                  + " balance, equipoise, power (minimum detectable relative risk) and systematic"
                  + " error (expected absolute systematic error of the negative controls).")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .col("max_sdm", DoubleType, "largest absolute standardized mean difference after")
          .col("equipoise", DoubleType, "share of subjects with preference score in [0.3, 0.7]")
          .col("mdrr", DoubleType, "minimum detectable relative risk (alpha 0.05, power 0.8)")
          .col("ease", DoubleType, "expected absolute systematic error")
          .col("balance_diagnostic", StringType, "PASS, FAIL or NOT EVALUATED")
          .col("equipoise_diagnostic", StringType, "PASS, FAIL or NOT EVALUATED")
          .col("mdrr_diagnostic", StringType, "PASS, FAIL or NOT EVALUATED")
          .col("ease_diagnostic", StringType, "PASS, FAIL or NOT EVALUATED")
          .col(
              "unblind", BooleanType, "true when every diagnostic passed: the estimate may be read")
          .build();

  public static final ResultTable ANALYSIS =
      ResultTable.table(
              "analysis",
              "The analyses of the study, numbered as CohortMethod numbers them, with their"
                  + " settings.")
          .key("analysis_id", IntegerType, "analysis")
          .col("description", StringType, "what the analysis does")
          .col("definition", StringType, "its settings, as JSON")
          .build();

  /** Every shareable table, in the order the documentation lists them. */
  public static final List<ResultTable> ALL =
      List.of(
          ANALYSIS,
          INGEST_SUMMARY,
          ATTRITION,
          COVARIATE_BALANCE,
          PROPENSITY_MODEL,
          PROPENSITY_SUMMARY,
          PREFERENCE_SCORE_DIST,
          COHORT_METHOD_RESULT,
          KAPLAN_MEIER_DIST,
          DIAGNOSTICS_SUMMARY);

  public static Optional<ResultTable> byName(String name) {
    return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
