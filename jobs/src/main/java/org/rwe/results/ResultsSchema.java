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
          .records(
              "rows_read",
              LongType,
              "records in the input (of a text file: its records as RFC 4180 reads them, the"
                  + " header and blank lines not counted)")
          .records(
              "blank_lines",
              LongType,
              "blank lines of the input's text files: skipped, not rows (0 for Parquet)")
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
              "subjects in the target arm after adjustment (sum of weights, rounded; at most the"
                  + " subjects kept)")
          .count(
              "comparator_subjects_after",
              LongType,
              "subjects in the comparator arm after adjustment (sum of weights, rounded; at most"
                  + " the subjects kept)")
          .build();

  public static final ResultTable COHORT_METHOD_RESULT =
      ResultTable.table(
              "cohort_method_result",
              "Per analysis and outcome: subjects, days at risk, events per arm, and the relative"
                  + " risk (a hazard, incidence rate or odds ratio as the analysis's model_type in"
                  + " table analysis says) of target vs comparator with its 95% CI (uncalibrated and, when"
                  + " negative controls allow, empirically calibrated). An estimate is null when"
                  + " an outcome count it rests on is masked: its standard error would give the"
                  + " count away.")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .col("outcome_name", StringType, "outcome name")
          .col("negative_control", BooleanType, "true for negative-control outcomes (true HR 1)")
          .count("target_subjects", LongType, "subjects in the target arm")
          .count("comparator_subjects", LongType, "subjects in the comparator arm")
          .derived(
              "target_days",
              LongType,
              "days the outcome model uses in the target arm, as CohortMethod counts them: to the"
                  + " first outcome or the end of the risk window for Cox, the whole time at risk"
                  + " for Poisson and logistic models",
              "target_subjects")
          .derived(
              "comparator_days",
              LongType,
              "days the outcome model uses in the comparator arm (as target_days)",
              "comparator_subjects")
          .count("target_outcomes", LongType, "subjects with the outcome in the target arm")
          .count("comparator_outcomes", LongType, "subjects with the outcome in the comparator arm")
          .derived(
              "rr",
              DoubleType,
              "target vs comparator: hazard ratio (cox), incidence rate ratio (poisson) or odds"
                  + " ratio (logistic)",
              OUTCOMES)
          .derived("ci_95_lb", DoubleType, "lower bound of the 95% confidence interval", OUTCOMES)
          .derived("ci_95_ub", DoubleType, "upper bound of the 95% confidence interval", OUTCOMES)
          .derived("p", DoubleType, "two-sided p-value (Wald)", OUTCOMES)
          .derived("log_rr", DoubleType, "log of rr", OUTCOMES)
          .derived("se_log_rr", DoubleType, "standard error of log_rr", OUTCOMES)
          .derived(
              "llr", DoubleType, "log-likelihood ratio of the fitted model vs rr = 1", OUTCOMES)
          .derived("one_sided_p", DoubleType, "one-sided p-value for rr > 1", OUTCOMES)
          .col("target_estimator", StringType, "estimand: att, ate or ato (IPTW); att for matching")
          .derived(
              "calibrated_rr",
              DoubleType,
              "hazard ratio calibrated on the empirical null of the negative controls",
              OUTCOMES)
          .derived(
              "calibrated_ci_95_lb", DoubleType, "lower bound of the calibrated 95% CI", OUTCOMES)
          .derived(
              "calibrated_ci_95_ub", DoubleType, "upper bound of the calibrated 95% CI", OUTCOMES)
          .derived(
              "calibrated_p",
              DoubleType,
              "two-sided p-value calibrated with the empirical null",
              OUTCOMES)
          .derived("calibrated_log_rr", DoubleType, "log of calibrated_rr", OUTCOMES)
          .derived(
              "calibrated_se_log_rr", DoubleType, "standard error of calibrated_log_rr", OUTCOMES)
          .col("model_status", StringType, "OK, or why no estimate was possible")
          .sumWithRemainder(
              "target_subjects", "target_outcomes", "target subjects without the outcome")
          .sumWithRemainder(
              "comparator_subjects",
              "comparator_outcomes",
              "comparator subjects without the outcome")
          .build();

  public static final ResultTable INTERACTION_RESULT =
      ResultTable.table(
              "interaction_result",
              "Subgroup analyses (CohortMethod's cm_interaction_result): per analysis, outcome and"
                  + " subgroup, the analysis's outcome model with treatment, subgroup and treatment"
                  + " x subgroup (stratified and weighted as the main model); rr is exp of the"
                  + " interaction term, the ratio of the subgroup's relative risk to that of the"
                  + " other subjects. Counts are those of the subgroup's members.")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .key(
              "interaction_covariate_id",
              LongType,
              "the subgroup's covariate id (subgroups[].covariateId, e.g. 8532001 female)")
          .col("interaction_name", StringType, "the subgroup's name")
          .count("target_subjects", LongType, "target subjects in the subgroup")
          .count("comparator_subjects", LongType, "comparator subjects in the subgroup")
          .derived(
              "target_days",
              LongType,
              "days the model uses of the target subjects in the subgroup (as in"
                  + " cohort_method_result)",
              "target_subjects")
          .derived(
              "comparator_days",
              LongType,
              "days the model uses of the comparator subjects in the subgroup",
              "comparator_subjects")
          .count("target_outcomes", LongType, "target subjects in the subgroup with the outcome")
          .count(
              "comparator_outcomes",
              LongType,
              "comparator subjects in the subgroup with the outcome")
          .derived(
              "rr",
              DoubleType,
              "ratio of relative risks (subgroup / others) of target vs comparator: exp(interaction)",
              OUTCOMES)
          .derived("ci_95_lb", DoubleType, "lower bound of its 95% confidence interval", OUTCOMES)
          .derived("ci_95_ub", DoubleType, "upper bound of its 95% confidence interval", OUTCOMES)
          .derived(
              "p", DoubleType, "two-sided p-value (Wald) for no interaction (rr = 1)", OUTCOMES)
          .derived("log_rr", DoubleType, "log of rr, the interaction coefficient", OUTCOMES)
          .derived("se_log_rr", DoubleType, "standard error of log_rr", OUTCOMES)
          .col("model_status", StringType, "OK, or why no estimate was possible")
          .sumWithRemainder(
              "target_subjects",
              "target_outcomes",
              "target subjects in the subgroup without the outcome")
          .sumWithRemainder(
              "comparator_subjects",
              "comparator_outcomes",
              "comparator subjects in the subgroup without the outcome")
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
          .col(
              "high_correlation_covariates",
              StringType,
              "covariates whose |correlation| with treatment reached"
                  + " propensity.highCorrelationThreshold before the fit, with r (null if none)")
          .col(
              "high_correlation_action",
              StringType,
              "what was done with them: none (there were none) | warn (kept) | remove (left out"
                  + " of the model)")
          .build();

  public static final ResultTable PREFERENCE_SCORE_DIST =
      ResultTable.table(
              "preference_score_dist",
              "Density of the preference score (the propensity score adjusted for the arms'"
                  + " sizes, Walker et al. 2013) per arm on a grid of 100 points over [0, 1]"
                  + " (Gaussian kernel, Silverman bandwidth), for plotting, as CohortMethod exports"
                  + " it. Smoothed densities, not counts; no person-level values.")
          .key("analysis_id", IntegerType, "0: the study's one propensity model")
          .col("preference_score", DoubleType, "grid point in [0, 1]")
          .col("target_density", DoubleType, "density of the target arm at the grid point")
          .col("comparator_density", DoubleType, "density of the comparator arm at the point")
          .build();

  public static final ResultTable INCIDENCE_RATE =
      ResultTable.table(
              "incidence_rate",
              "Per analysis, outcome and arm: subjects, person-years at risk, subjects with the"
                  + " outcome, and the incidence rate per 1,000 person-years with its exact"
                  + " (Garwood) Poisson 95% CI. Years = cohort_method_result's days / 365.25 (for Cox"
                  + " analyses, time to the first outcome: a rate of first outcomes). The same"
                  + " counts as"
                  + " cohort_method_result, masked and withheld the same way; a rate is null when"
                  + " a count it rests on is (rate x years would give the count away).")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .count("target_subjects", LongType, "subjects in the target arm")
          .derived(
              "target_years",
              DoubleType,
              "person-years at risk in the target arm",
              "target_subjects")
          .count("target_outcomes", LongType, "subjects with the outcome in the target arm")
          .derived(
              "target_ir",
              DoubleType,
              "incidence rate per 1,000 person-years",
              "target_outcomes",
              "target_subjects")
          .derived(
              "target_ir_lb",
              DoubleType,
              "lower bound of its exact 95% CI",
              "target_outcomes",
              "target_subjects")
          .derived(
              "target_ir_ub",
              DoubleType,
              "upper bound of its exact 95% CI",
              "target_outcomes",
              "target_subjects")
          .count("comparator_subjects", LongType, "subjects in the comparator arm")
          .derived(
              "comparator_years",
              DoubleType,
              "person-years at risk in the comparator arm",
              "comparator_subjects")
          .count("comparator_outcomes", LongType, "subjects with the outcome in the comparator arm")
          .derived(
              "comparator_ir",
              DoubleType,
              "incidence rate per 1,000 person-years",
              "comparator_outcomes",
              "comparator_subjects")
          .derived(
              "comparator_ir_lb",
              DoubleType,
              "lower bound of its exact 95% CI",
              "comparator_outcomes",
              "comparator_subjects")
          .derived(
              "comparator_ir_ub",
              DoubleType,
              "upper bound of its exact 95% CI",
              "comparator_outcomes",
              "comparator_subjects")
          .sumWithRemainder(
              "target_subjects", "target_outcomes", "target subjects without the outcome")
          .sumWithRemainder(
              "comparator_subjects",
              "comparator_outcomes",
              "comparator subjects without the outcome")
          .build();

  public static final ResultTable FOLLOW_UP_DIST =
      ResultTable.table(
              "follow_up_dist",
              "Distribution of days at risk per arm (R quantile type 7), per analysis and"
                  + " outcome. An arm's quantiles are null when its number of subjects is masked:"
                  + " the quantiles of a few subjects are their own days at risk.")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .derived("target_min_days", DoubleType, "minimum days at risk, target", "target_subjects")
          .derived("target_p_10_days", DoubleType, "10th percentile, target", "target_subjects")
          .derived("target_p_25_days", DoubleType, "25th percentile, target", "target_subjects")
          .derived("target_median_days", DoubleType, "median, target", "target_subjects")
          .derived("target_p_75_days", DoubleType, "75th percentile, target", "target_subjects")
          .derived("target_p_90_days", DoubleType, "90th percentile, target", "target_subjects")
          .derived("target_max_days", DoubleType, "maximum, target", "target_subjects")
          .derived(
              "comparator_min_days",
              DoubleType,
              "minimum days at risk, comparator",
              "comparator_subjects")
          .derived(
              "comparator_p_10_days",
              DoubleType,
              "10th percentile, comparator",
              "comparator_subjects")
          .derived(
              "comparator_p_25_days",
              DoubleType,
              "25th percentile, comparator",
              "comparator_subjects")
          .derived(
              "comparator_median_days", DoubleType, "median, comparator", "comparator_subjects")
          .derived(
              "comparator_p_75_days",
              DoubleType,
              "75th percentile, comparator",
              "comparator_subjects")
          .derived(
              "comparator_p_90_days",
              DoubleType,
              "90th percentile, comparator",
              "comparator_subjects")
          .derived("comparator_max_days", DoubleType, "maximum, comparator", "comparator_subjects")
          .count("target_subjects", LongType, "subjects in the target arm")
          .count("comparator_subjects", LongType, "subjects in the comparator arm")
          .build();

  public static final ResultTable KAPLAN_MEIER_DIST =
      ResultTable.table(
              "kaplan_meier_dist",
              "Kaplan-Meier survival (1 - cumulative incidence of the outcome) per arm with 95%"
                  + " CIs (log scale, as R's survfit) and numbers at risk, per analysis and"
                  + " outcome, at every day where either arm changes; weighted (robust variance)"
                  + " where the analysis weighs subjects. Survival is null where fewer than the"
                  + " minimum cell count remain at risk, and throughout for an arm whose outcome"
                  + " count cohort_method_result masks or withholds (the steps would give it"
                  + " away).")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .key("time_day", IntegerType, "days since the start of the risk window")
          .curve("target_survival", DoubleType, "survival in the target arm", "target_at_risk")
          .curve("target_survival_lb", DoubleType, "lower 95% bound", "target_at_risk")
          .curve("target_survival_ub", DoubleType, "upper 95% bound", "target_at_risk")
          .curve(
              "comparator_survival",
              DoubleType,
              "survival in the comparator arm",
              "comparator_at_risk")
          .curve("comparator_survival_lb", DoubleType, "lower 95% bound", "comparator_at_risk")
          .curve("comparator_survival_ub", DoubleType, "upper 95% bound", "comparator_at_risk")
          .count("target_at_risk", LongType, "target subjects still at risk at time_day")
          .count("comparator_at_risk", LongType, "comparator subjects still at risk at time_day")
          .build();

  /** What an absolute risk rests on: the subjects at risk and with the outcome at the horizon. */
  private static final String[] AT_HORIZON = {
    "target_at_risk", "target_outcomes", "comparator_at_risk", "comparator_outcomes"
  };

  public static final ResultTable ABSOLUTE_RISK =
      ResultTable.table(
              "absolute_risk",
              "Cumulative risk (1 - Kaplan-Meier survival) per arm at a horizon and the risk"
                  + " difference target - comparator with its 95% CI (independent arms). A risk is"
                  + " null when the subjects at risk or with the outcome at the horizon are masked"
                  + " (risk x subjects would give the count away).")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .key("horizon_days", IntegerType, "horizon")
          .derived(
              "target_risk",
              DoubleType,
              "cumulative risk in the target arm",
              "target_at_risk",
              "target_outcomes")
          .derived(
              "comparator_risk",
              DoubleType,
              "cumulative risk in the comparator arm",
              "comparator_at_risk",
              "comparator_outcomes")
          .derived("risk_difference", DoubleType, "target_risk - comparator_risk", AT_HORIZON)
          .derived("rd_ci_95_lb", DoubleType, "lower bound of its 95% CI", AT_HORIZON)
          .derived("rd_ci_95_ub", DoubleType, "upper bound of its 95% CI", AT_HORIZON)
          .count("target_at_risk", LongType, "target subjects still at risk at the horizon")
          .count("target_outcomes", LongType, "target subjects with the outcome by the horizon")
          .count("comparator_at_risk", LongType, "comparator subjects still at risk at the horizon")
          .count(
              "comparator_outcomes",
              LongType,
              "comparator subjects with the outcome by the horizon")
          .build();

  public static final ResultTable CONTINUOUS_OUTCOME_RESULT =
      ResultTable.table(
              "continuous_outcome_result",
              "Continuous outcomes (a change in a measured value, e.g. PHQ-9): mean change per"
                  + " arm and the mean difference target - comparator with its 95% CI; paired"
                  + " within 1:1 matched pairs, otherwise (weighted) means with a robust SE. A"
                  + " mean of a masked number of subjects is null.")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .col("outcome_name", StringType, "outcome name")
          .col("method", StringType, "paired | weighted")
          .count("target_subjects", LongType, "target subjects with a change (pairs when paired)")
          .count("comparator_subjects", LongType, "comparator subjects with a change")
          .derived("target_mean", DoubleType, "mean change in the target arm", "target_subjects")
          .derived(
              "comparator_mean",
              DoubleType,
              "mean change in the comparator arm",
              "comparator_subjects")
          .derived(
              "mean_difference",
              DoubleType,
              "target_mean - comparator_mean",
              "target_subjects",
              "comparator_subjects")
          .derived(
              "ci_95_lb",
              DoubleType,
              "lower bound of the 95% CI",
              "target_subjects",
              "comparator_subjects")
          .derived(
              "ci_95_ub",
              DoubleType,
              "upper bound of the 95% CI",
              "target_subjects",
              "comparator_subjects")
          .derived("p", DoubleType, "two-sided p-value", "target_subjects", "comparator_subjects")
          .build();

  public static final ResultTable DIAGNOSTICS_SUMMARY =
      ResultTable.table(
              "diagnostics_summary",
              "CohortMethod's study diagnostics per analysis and outcome, with PASS/FAIL against"
                  + " the thresholds of the diagnostics settings: covariate balance, equipoise,"
                  + " power (minimum detectable relative risk) and systematic error (expected"
                  + " absolute systematic error of the negative controls). The verdicts are"
                  + " computed before small-cell masking.")
          .key("analysis_id", IntegerType, "analysis")
          .key("outcome_id", IntegerType, "outcome")
          .col(
              "max_sdm",
              DoubleType,
              "largest |standardized difference| after adjustment, over every covariate")
          .col("equipoise", DoubleType, "share of subjects with preference score in [0.3, 0.7]")
          .col(
              "mdrr",
              DoubleType,
              "minimum detectable relative risk (alpha 0.05, power 0.8); null when an outcome"
                  + " count of cohort_method_result it rests on is masked or withheld (it would"
                  + " give the count away)")
          .col("ease", DoubleType, "expected absolute systematic error (negative controls)")
          .col("balance_diagnostic", StringType, "PASS, FAIL or NOT EVALUATED")
          .col("equipoise_diagnostic", StringType, "PASS, FAIL or NOT EVALUATED")
          .col("mdrr_diagnostic", StringType, "PASS, FAIL or NOT EVALUATED")
          .col("ease_diagnostic", StringType, "PASS, FAIL or NOT EVALUATED")
          .col("unblind", BooleanType, "true when every evaluated diagnostic passes")
          .build();

  public static final ResultTable ANALYSIS =
      ResultTable.table(
              "analysis",
              "The analyses of the grid, numbered as CohortMethod numbers them: id, description,"
                  + " outcome model type and the full definition as JSON.")
          .key("analysis_id", IntegerType, "analysis")
          .col("description", StringType, "what the analysis does")
          .col(
              "model_type",
              StringType,
              "outcome model: cox (rr is a hazard ratio), poisson (incidence rate ratio) or"
                  + " logistic (odds ratio); conditional when stratified")
          .col("definition", StringType, "the resolved settings of the analysis, as JSON")
          // Not "primary": a reserved word in SQL, which DuckDB and others would make a reader
          // quote.
          .col(
              "is_primary",
              BooleanType,
              "the study's primary analysis (study.primaryAnalysisId), the one the report leads"
                  + " with; the others are sensitivity analyses")
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
          INCIDENCE_RATE,
          FOLLOW_UP_DIST,
          KAPLAN_MEIER_DIST,
          ABSOLUTE_RISK,
          CONTINUOUS_OUTCOME_RESULT,
          DIAGNOSTICS_SUMMARY,
          INTERACTION_RESULT);

  public static Optional<ResultTable> byName(String name) {
    return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
