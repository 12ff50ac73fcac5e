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
          .col("one_sided_p", DoubleType, "one-sided p-value for rr > 1")
          .col("target_estimator", StringType, "estimand: att, ate or ato (IPTW); att for matching")
          .col("calibrated_rr", DoubleType, "rr calibrated with the empirical null")
          .col("calibrated_ci_95_lb", DoubleType, "lower bound of the calibrated 95% CI")
          .col("calibrated_ci_95_ub", DoubleType, "upper bound of the calibrated 95% CI")
          .col("calibrated_p", DoubleType, "two-sided p-value calibrated with the empirical null")
          .col("calibrated_log_rr", DoubleType, "log of calibrated_rr")
          .col("calibrated_se_log_rr", DoubleType, "standard error of calibrated_log_rr")
          .col("model_status", StringType, "OK, or why no estimate was possible")
          .build();

  public static final ResultTable INCIDENCE_RATE =
      ResultTable.table(
              "incidence_rate",
              "Per analysis, outcome and arm: subjects, person-years at risk, subjects with the"
                  + " outcome, and the incidence rate per 1,000 person-years with its exact"
                  + " (Garwood) Poisson 95% CI. Days at risk / 365.25 = years.")
          .col("analysis_id", IntegerType, "analysis")
          .col("outcome_id", IntegerType, "outcome")
          .count("target_subjects", LongType, "subjects in the target arm")
          .col("target_years", DoubleType, "person-years at risk in the target arm")
          .count("target_outcomes", LongType, "subjects with the outcome in the target arm")
          .derived(
              "target_ir", DoubleType, "incidence rate per 1,000 person-years", "target_outcomes")
          .derived("target_ir_lb", DoubleType, "lower bound of its exact 95% CI", "target_outcomes")
          .derived("target_ir_ub", DoubleType, "upper bound of its exact 95% CI", "target_outcomes")
          .count("comparator_subjects", LongType, "subjects in the comparator arm")
          .col("comparator_years", DoubleType, "person-years at risk in the comparator arm")
          .count("comparator_outcomes", LongType, "subjects with the outcome in the comparator arm")
          .derived(
              "comparator_ir",
              DoubleType,
              "incidence rate per 1,000 person-years",
              "comparator_outcomes")
          .derived(
              "comparator_ir_lb",
              DoubleType,
              "lower bound of its exact 95% CI",
              "comparator_outcomes")
          .derived(
              "comparator_ir_ub",
              DoubleType,
              "upper bound of its exact 95% CI",
              "comparator_outcomes")
          .build();

  public static final ResultTable FOLLOW_UP_DIST =
      ResultTable.table(
              "follow_up_dist",
              "Distribution of days at risk per arm (R quantile type 7), per analysis and outcome.")
          .col("analysis_id", IntegerType, "analysis")
          .col("outcome_id", IntegerType, "outcome")
          .col("target_min_days", DoubleType, "minimum days at risk, target")
          .col("target_p_10_days", DoubleType, "10th percentile, target")
          .col("target_p_25_days", DoubleType, "25th percentile, target")
          .col("target_median_days", DoubleType, "median, target")
          .col("target_p_75_days", DoubleType, "75th percentile, target")
          .col("target_p_90_days", DoubleType, "90th percentile, target")
          .col("target_max_days", DoubleType, "maximum, target")
          .col("comparator_min_days", DoubleType, "minimum days at risk, comparator")
          .col("comparator_p_10_days", DoubleType, "10th percentile, comparator")
          .col("comparator_p_25_days", DoubleType, "25th percentile, comparator")
          .col("comparator_median_days", DoubleType, "median, comparator")
          .col("comparator_p_75_days", DoubleType, "75th percentile, comparator")
          .col("comparator_p_90_days", DoubleType, "90th percentile, comparator")
          .col("comparator_max_days", DoubleType, "maximum, comparator")
          .build();

  public static final ResultTable KAPLAN_MEIER_DIST =
      ResultTable.table(
              "kaplan_meier_dist",
              "Kaplan-Meier survival per arm with 95% CIs (log scale, as R's survfit) and numbers"
                  + " at risk, at every day where either arm changes; weighted (robust variance)"
                  + " where the analysis weighs subjects.")
          .col("analysis_id", IntegerType, "analysis")
          .col("outcome_id", IntegerType, "outcome")
          .col("time_day", IntegerType, "days since the start of the risk window")
          .col("target_survival", DoubleType, "survival in the target arm")
          .col("target_survival_lb", DoubleType, "lower bound of its 95% CI")
          .col("target_survival_ub", DoubleType, "upper bound of its 95% CI")
          .col("comparator_survival", DoubleType, "survival in the comparator arm")
          .col("comparator_survival_lb", DoubleType, "lower bound of its 95% CI")
          .col("comparator_survival_ub", DoubleType, "upper bound of its 95% CI")
          .count("target_at_risk", LongType, "target subjects still at risk at time_day")
          .count("comparator_at_risk", LongType, "comparator subjects still at risk at time_day")
          .build();

  public static final ResultTable ABSOLUTE_RISK =
      ResultTable.table(
              "absolute_risk",
              "Cumulative risk (1 - Kaplan-Meier survival) per arm at a horizon and the risk"
                  + " difference target - comparator with its 95% CI (independent arms).")
          .col("analysis_id", IntegerType, "analysis")
          .col("outcome_id", IntegerType, "outcome")
          .col("horizon_days", IntegerType, "horizon")
          .col("target_risk", DoubleType, "cumulative risk in the target arm")
          .col("comparator_risk", DoubleType, "cumulative risk in the comparator arm")
          .col("risk_difference", DoubleType, "target_risk - comparator_risk")
          .col("rd_ci_95_lb", DoubleType, "lower bound of its 95% CI")
          .col("rd_ci_95_ub", DoubleType, "upper bound of its 95% CI")
          .build();

  public static final ResultTable DIAGNOSTICS_SUMMARY =
      ResultTable.table(
              "diagnostics_summary",
              "CohortMethod's study diagnostics per analysis and outcome, with PASS/FAIL against"
                  + " the thresholds of the diagnostics settings.")
          .col("analysis_id", IntegerType, "analysis")
          .col("outcome_id", IntegerType, "outcome")
          .col("max_sdm", DoubleType, "largest |standardized difference| after adjustment")
          .col("equipoise", DoubleType, "share of subjects with preference score in [0.3, 0.7]")
          .col("mdrr", DoubleType, "minimum detectable relative risk (alpha 0.05, power 0.8)")
          .col("ease", DoubleType, "expected absolute systematic error (negative controls)")
          .col("balance_diagnostic", StringType, "PASS / FAIL / NOT EVALUATED")
          .col("equipoise_diagnostic", StringType, "PASS / FAIL / NOT EVALUATED")
          .col("mdrr_diagnostic", StringType, "PASS / FAIL / NOT EVALUATED")
          .col("ease_diagnostic", StringType, "PASS / FAIL / NOT EVALUATED")
          .col("unblind", BooleanType, "true when every evaluated diagnostic passes")
          .build();

  public static final ResultTable CONTINUOUS_OUTCOME_RESULT =
      ResultTable.table(
              "continuous_outcome_result",
              "Continuous outcomes (a change in a measured value, e.g. PHQ-9): mean change per"
                  + " arm and the mean difference target - comparator with its 95% CI; paired"
                  + " within 1:1 matched pairs, otherwise (weighted) means with a robust SE.")
          .col("analysis_id", IntegerType, "analysis")
          .col("outcome_id", IntegerType, "outcome")
          .col("outcome_name", StringType, "outcome name")
          .col("method", StringType, "paired | weighted")
          .count("target_subjects", LongType, "target subjects with a change (pairs when paired)")
          .count("comparator_subjects", LongType, "comparator subjects with a change")
          .col("target_mean", DoubleType, "mean change in the target arm")
          .col("comparator_mean", DoubleType, "mean change in the comparator arm")
          .col("mean_difference", DoubleType, "target_mean - comparator_mean")
          .col("ci_95_lb", DoubleType, "lower bound of the 95% CI")
          .col("ci_95_ub", DoubleType, "upper bound of the 95% CI")
          .col("p", DoubleType, "two-sided p-value")
          .build();

  public static final ResultTable ANALYSIS =
      ResultTable.table(
              "analysis",
              "The analyses of the grid: id, description and the full definition as JSON.")
          .col("analysis_id", IntegerType, "analysis")
          .col("description", StringType, "what the analysis does")
          .col("definition", StringType, "the resolved settings of the analysis, as JSON")
          .build();

  public static final ResultTable PREFERENCE_SCORE_DIST =
      ResultTable.table(
              "preference_score_dist",
              "Density of the preference score per arm on a grid of 100 points (Gaussian kernel,"
                  + " Silverman bandwidth), for plotting; no person-level values.")
          .col("analysis_id", IntegerType, "0: the study's one propensity model")
          .col("preference_score", DoubleType, "grid point")
          .col("target_density", DoubleType, "density in the target arm")
          .col("comparator_density", DoubleType, "density in the comparator arm")
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
          PROPENSITY_SUMMARY,
          PREFERENCE_SCORE_DIST,
          INCIDENCE_RATE,
          FOLLOW_UP_DIST,
          KAPLAN_MEIER_DIST,
          ABSOLUTE_RISK,
          DIAGNOSTICS_SUMMARY,
          CONTINUOUS_OUTCOME_RESULT,
          ANALYSIS);

  public static Optional<ResultTable> byName(String name) {
    return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
