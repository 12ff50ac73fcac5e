package org.rwe.propensity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;
import org.rwe.config.PropensitySettings;
import org.rwe.results.ResultsSchema;
import org.rwe.run.RunContext;
import org.rwe.run.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The propensity job: fit, score everyone, and report the model and its diagnostics. */
public final class PropensityJob {
  private static final Logger LOG = LoggerFactory.getLogger(PropensityJob.class);

  private PropensityJob() {}

  public static Map<String, Long> run(RunContext ctx) {
    ctx.jobGroup(Stage.PROPENSITY, "fit the propensity model");
    Dataset<Row> cohort =
        ctx.read("cohort", "exposure_cohort").select("row_id", "person_id", "treatment");
    Dataset<Row> covariates = ctx.read("features", "covariates");
    long rows = cohort.count();
    List<PropensityModel.Column> columns = PropensityModel.columns(covariates, rows);
    Map<Long, String> names = new HashMap<>();
    for (Row r :
        ctx.read("features", "covariate_ref")
            .select("covariate_id", "covariate_name")
            .collectAsList()) {
      names.put(r.getLong(0), r.getString(1));
    }

    // CohortMethod's errorOnHighCorrelation, before the fit.
    PropensitySettings settings = ctx.settings().propensity();
    List<PropensityModel.HighCorrelation> flagged =
        PropensityModel.highCorrelations(
            cohort, covariates, columns, settings.highCorrelationThreshold());
    List<String> flaggedText = new ArrayList<>();
    for (PropensityModel.HighCorrelation h : flagged) {
      String text = PropensityModel.describe(h, names::get);
      flaggedText.add(text);
      LOG.warn(
          "High correlation with treatment before the PS fit ({}): {}",
          settings.highCorrelation(),
          text);
    }
    if (!flagged.isEmpty() && !settings.highCorrelation().equals("fail")) {
      ctx.warn(
          flagged.size()
              + " covariate(s) correlate with treatment at |r| >= "
              + settings.highCorrelationThreshold()
              + (settings.highCorrelation().equals("remove")
                  ? ", left out of the PS model: "
                  : ", kept in the PS model: ")
              + String.join("; ", flaggedText));
    }
    columns =
        PropensityModel.afterHighCorrelationCheck(
            columns,
            flagged,
            settings.highCorrelation(),
            settings.highCorrelationThreshold(),
            names::get);
    Dataset<Row> design =
        PropensityModel.design(cohort, covariates, columns).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      PropensityModel.Fit fit = PropensityModel.fit(design, columns, settings);
      if (!fit.converged()) {
        ctx.warn(
            "The propensity model did not converge within propensity.maxIterations = "
                + settings.maxIterations()
                + " steps (tolerance "
                + settings.tolerance()
                + ") at penalty "
                + fit.regParam()
                + ": its coefficients are the last step's");
      }
      ctx.jobGroup(Stage.PROPENSITY, "score every subject");
      // Scores are computed and written by tasks; the diagnostics below read them back in tasks
      // and bring only study-sized summaries to the driver.
      ctx.write(
          PropensityModel.score(fit, design).join(cohort.select("row_id", "person_id"), "row_id"),
          "propensity",
          "ps");
      Dataset<Row> ps = ctx.read("propensity", "ps");

      List<Row> coefficients = new ArrayList<>();
      coefficients.add(
          RowFactory.create(0L, "(Intercept)", fit.intercept() + fit.interceptCorrection()));
      long nonZero = 0;
      for (PropensityModel.Column c : columns) {
        double beta = fit.coefficients()[c.index()];
        if (beta != 0) {
          nonZero++;
          coefficients.add(RowFactory.create(c.covariateId(), names.get(c.covariateId()), beta));
        }
      }
      ctx.writeResult(
          ctx.spark().createDataFrame(coefficients, ResultsSchema.PROPENSITY_MODEL.schema()),
          ResultsSchema.PROPENSITY_MODEL);
      // The preference score distribution per arm, for plotting (no person-level values).
      double[] grid = new double[100];
      for (int g = 0; g < grid.length; g++) {
        grid[g] = (g + 0.5) / grid.length;
      }
      long[][] histogram = PropensityModel.preferenceHistogram(ps);
      double[] densT = PropensityModel.density(histogram[1], grid);
      double[] densC = PropensityModel.density(histogram[0], grid);
      List<Row> dist = new ArrayList<>();
      for (int g = 0; g < grid.length; g++) {
        dist.add(RowFactory.create(0, grid[g], densT[g], densC[g]));
      }
      ctx.writeResult(
          ctx.spark().createDataFrame(dist, ResultsSchema.PREFERENCE_SCORE_DIST.schema()),
          ResultsSchema.PREFERENCE_SCORE_DIST);
      double auc = PropensityModel.auc(ps);
      long equipoise =
          ps.filter(org.apache.spark.sql.functions.col("preference_score").between(0.3, 0.7))
              .count();
      ctx.writeResult(
          ctx.spark()
              .createDataFrame(
                  List.of(
                      RowFactory.create(
                          fit.regParam(),
                          fit.cvAuc(),
                          auc,
                          (long) columns.size(),
                          nonZero,
                          fit.subjectsFitted(),
                          rows == 0 ? Double.NaN : (double) equipoise / rows,
                          flaggedText.isEmpty() ? null : String.join("; ", flaggedText),
                          flagged.isEmpty() ? "none" : settings.highCorrelation())),
                  ResultsSchema.PROPENSITY_SUMMARY.schema()),
          ResultsSchema.PROPENSITY_SUMMARY);
      Map<String, Long> counts = new LinkedHashMap<>();
      counts.put("subjects", rows);
      counts.put("covariates", (long) columns.size());
      counts.put("non_zero_coefficients", nonZero);
      counts.put("subjects_fitted", fit.subjectsFitted());
      counts.put("high_correlation_covariates", (long) flagged.size());
      return counts;
    } finally {
      design.unpersist();
    }
  }
}
