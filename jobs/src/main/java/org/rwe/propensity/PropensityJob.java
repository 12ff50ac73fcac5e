package org.rwe.propensity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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
      ctx.jobGroup(Stage.PROPENSITY, "score every subject");
      Dataset<Row> scored = PropensityModel.score(fit, design);
      // Bounded: three numbers per cohort row (about 20 bytes each) reach the driver.
      List<Row> ps = scored.orderBy("row_id").collectAsList();
      double[] score = new double[ps.size()];
      int[] treatment = new int[ps.size()];
      long treated = 0;
      for (int i = 0; i < ps.size(); i++) {
        score[i] = ps.get(i).getDouble(2);
        treatment[i] = ps.get(i).getInt(1);
        treated += treatment[i];
      }
      double proportion = (double) treated / ps.size();
      List<Row> out = new ArrayList<>();
      long equipoise = 0;
      for (int i = 0; i < ps.size(); i++) {
        double pref = PropensityModel.preference(score[i], proportion);
        if (pref >= 0.3 && pref <= 0.7) {
          equipoise++;
        }
        out.add(RowFactory.create(ps.get(i).getLong(0), treatment[i], score[i], pref));
      }
      StructType schema =
          new StructType()
              .add("row_id", DataTypes.LongType)
              .add("treatment", DataTypes.IntegerType)
              .add("propensity_score", DataTypes.DoubleType)
              .add("preference_score", DataTypes.DoubleType);
      ctx.write(
          ctx.spark()
              .createDataFrame(out, schema)
              .join(cohort.select("row_id", "person_id"), "row_id"),
          "propensity",
          "ps");

      List<Row> coefficients = new ArrayList<>();
      coefficients.add(
          RowFactory.create(
              0L, "(Intercept)", fit.model().intercept() + fit.interceptCorrection()));
      Vector w = fit.model().coefficients();
      long nonZero = 0;
      for (PropensityModel.Column c : columns) {
        double beta = w.apply(c.index());
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
      double[] prefT =
          out.stream().filter(r -> r.getInt(1) == 1).mapToDouble(r -> r.getDouble(3)).toArray();
      double[] prefC =
          out.stream().filter(r -> r.getInt(1) == 0).mapToDouble(r -> r.getDouble(3)).toArray();
      double[] densT = PropensityModel.density(prefT, grid);
      double[] densC = PropensityModel.density(prefC, grid);
      List<Row> dist = new ArrayList<>();
      for (int g = 0; g < grid.length; g++) {
        dist.add(RowFactory.create(0, grid[g], densT[g], densC[g]));
      }
      ctx.writeResult(
          ctx.spark().createDataFrame(dist, ResultsSchema.PREFERENCE_SCORE_DIST.schema()),
          ResultsSchema.PREFERENCE_SCORE_DIST);
      double auc = PropensityModel.auc(score, treatment);
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
                          ps.isEmpty() ? Double.NaN : (double) equipoise / ps.size(),
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
