package org.rwe.propensity;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.rwe.config.PropensitySettings;

/**
 * The propensity score model as CohortMethod's {@code createPs} fits it: L1-regularized logistic
 * regression (here Spark MLlib) on covariates normalized by their maximum, the penalty chosen by
 * k-fold cross-validation on AUC, fitted on at most {@code maxCohortSizeForFitting} subjects per
 * arm with the intercept corrected back to the whole population, applied to everyone.
 *
 * <p>Deterministic: folds and the fitting sample are hashes of row ids and the seed, and every fit
 * runs on one partition sorted by row id, so sums are taken in the same order whatever the input
 * partitioning.
 */
public final class PropensityModel {
  private PropensityModel() {}

  /** A covariate offered to the model: its vector index and normalization. */
  public record Column(long covariateId, int index, double max) {}

  public record Fit(
      LogisticRegressionModel model,
      List<Column> columns,
      double regParam,
      double cvAuc,
      long subjectsFitted,
      double interceptCorrection,
      Map<Double, Double> cvAucByRegParam) {}

  /** Covariates of every cohort row as one sparse vector: (row_id, treatment, features). */
  public static Dataset<Row> design(
      Dataset<Row> cohort, Dataset<Row> covariates, List<Column> columns) {
    StructType colSchema =
        new StructType()
            .add("covariate_id", DataTypes.LongType)
            .add("_idx", DataTypes.IntegerType)
            .add("_max", DataTypes.DoubleType);
    List<Row> colRows = new ArrayList<>();
    for (Column c : columns) {
      colRows.add(RowFactory.create(c.covariateId(), c.index(), c.max()));
    }
    Dataset<Row> index = cohort.sparkSession().createDataFrame(colRows, colSchema);
    Dataset<Row> grouped =
        covariates
            .join(org.apache.spark.sql.functions.broadcast(index), "covariate_id")
            .groupBy("row_id")
            .agg(
                collect_list(struct(col("_idx"), col("covariate_value").divide(col("_max"))))
                    .as("_x"));
    int n = columns.size();
    JavaRDD<Row> rows =
        cohort
            .select("row_id", "treatment")
            .join(grouped, new String[] {"row_id"}, "left")
            .javaRDD()
            .map(
                r -> {
                  List<Row> x = r.isNullAt(2) ? List.of() : r.getList(2);
                  int[] idx = new int[x.size()];
                  double[] val = new double[x.size()];
                  Integer[] order = new Integer[x.size()];
                  for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                  }
                  Arrays.sort(
                      order, (a, b) -> Integer.compare(x.get(a).getInt(0), x.get(b).getInt(0)));
                  for (int i = 0; i < order.length; i++) {
                    idx[i] = x.get(order[i]).getInt(0);
                    val[i] = x.get(order[i]).getDouble(1);
                  }
                  return RowFactory.create(
                      r.getLong(0), (double) r.getInt(1), Vectors.sparse(n, idx, val));
                });
    StructType schema =
        new StructType()
            .add("row_id", DataTypes.LongType)
            .add("label", DataTypes.DoubleType)
            .add("features", SQLDataTypes.VectorType());
    return cohort.sparkSession().createDataFrame(rows, schema);
  }

  /**
   * The covariates worth offering: those that vary (a covariate with the same value in every row
   * carries no information), indexed in covariate id order, with their maximum for normalization.
   */
  public static List<Column> columns(Dataset<Row> covariates, long rows) {
    List<Row> stats =
        covariates
            .groupBy("covariate_id")
            .agg(
                count(lit(1)).as("n"),
                min("covariate_value").as("lo"),
                max("covariate_value").as("hi"))
            .orderBy("covariate_id")
            .collectAsList();
    List<Column> out = new ArrayList<>();
    for (Row r : stats) {
      boolean constant = r.getLong(1) == rows && r.getDouble(2) == r.getDouble(3);
      double hi = Math.abs(r.getDouble(3));
      if (constant || hi == 0) {
        continue;
      }
      out.add(new Column(r.getLong(0), out.size(), hi));
    }
    return out;
  }

  public static Fit fit(Dataset<Row> design, List<Column> columns, PropensitySettings s) {
    // Fitting sample: at most maxCohortSizeForFitting per arm, chosen by a hash of the row id.
    Dataset<Row> hashed = design.withColumn("_h", xxhash64(col("row_id"), lit(s.seed())));
    Row arms = design.agg(org.apache.spark.sql.functions.sum(col("label")), count(lit(1))).first();
    long treated = Math.round(arms.getDouble(0));
    long total = arms.getLong(1);
    Dataset<Row> sample = hashed;
    long cap = s.maxCohortSizeForFitting();
    double correction = 0;
    if (cap > 0 && (treated > cap || total - treated > cap)) {
      org.apache.spark.sql.expressions.WindowSpec w =
          org.apache.spark.sql.expressions.Window.partitionBy("label").orderBy("_h", "row_id");
      sample =
          hashed
              .withColumn("_rank", org.apache.spark.sql.functions.row_number().over(w))
              .filter(col("_rank").leq(cap))
              .drop("_rank");
      long sampledTreated = Math.min(treated, cap);
      long sampledTotal = sampledTreated + Math.min(total - treated, cap);
      // CohortMethod: shift the intercept by the change in the log odds of treatment.
      double pAll = (double) treated / total;
      double pSample = (double) sampledTreated / sampledTotal;
      correction = Math.log(pAll / (1 - pAll)) - Math.log(pSample / (1 - pSample));
    }
    Dataset<Row> fitting =
        sample
            .withColumn("_fold", pmod(col("_h"), lit(s.crossValidationFolds())))
            .repartition(1)
            .sortWithinPartitions("row_id")
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long fitted = fitting.count();
      Map<Double, Double> aucByReg = new TreeMap<>();
      // Every (penalty, fold) fit is independent: run them side by side, one per core. Each
      // result lands in its own slot, so the choice does not depend on which finishes first.
      int k = s.crossValidationFolds();
      List<Double> regs = s.regParams();
      double[][] foldAuc = new double[regs.size()][k];
      int threads =
          Math.max(2, Math.min(8, 2 * design.sparkSession().sparkContext().defaultParallelism()));
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(threads);
      try {
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int r = 0; r < regs.size(); r++) {
          for (int fold = 0; fold < k; fold++) {
            final int ri = r;
            final int fi = fold;
            futures.add(
                pool.submit(
                    () -> {
                      Dataset<Row> train = fitting.filter(col("_fold").notEqual(fi));
                      Dataset<Row> test = fitting.filter(col("_fold").equalTo(fi));
                      LogisticRegressionModel m = regression(s, regs.get(ri)).fit(train);
                      foldAuc[ri][fi] =
                          new BinaryClassificationEvaluator()
                              .setMetricName("areaUnderROC")
                              .setRawPredictionCol("rawPrediction")
                              .evaluate(m.transform(test));
                    }));
          }
        }
        for (java.util.concurrent.Future<?> f : futures) {
          f.get();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted during cross-validation", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("Cross-validation failed: " + e.getCause(), e.getCause());
      } finally {
        pool.shutdownNow();
      }
      double bestReg = regs.get(0);
      double bestAuc = Double.NEGATIVE_INFINITY;
      for (int r = 0; r < regs.size(); r++) {
        double mean = java.util.Arrays.stream(foldAuc[r]).average().orElse(Double.NaN);
        double reg = regs.get(r);
        aucByReg.put(reg, mean);
        // Ties go to the stronger penalty: the simpler model.
        if (mean > bestAuc + 1e-12 || (Math.abs(mean - bestAuc) <= 1e-12 && reg > bestReg)) {
          bestAuc = mean;
          bestReg = reg;
        }
      }
      LogisticRegressionModel model = regression(s, bestReg).fit(fitting);
      return new Fit(model, columns, bestReg, bestAuc, fitted, correction, aucByReg);
    } finally {
      fitting.unpersist();
    }
  }

  static LogisticRegression regression(PropensitySettings s, double reg) {
    return new LogisticRegression()
        .setFamily("binomial")
        .setElasticNetParam(1.0)
        .setRegParam(reg)
        .setStandardization(false)
        .setFitIntercept(true)
        .setMaxIter(s.maxIterations())
        .setTol(s.tolerance());
  }

  /** Propensity score of every row: logistic(margin + intercept correction). */
  public static Dataset<Row> score(Fit fit, Dataset<Row> design) {
    double correction = fit.interceptCorrection();
    Vector w = fit.model().coefficients();
    double b = fit.model().intercept() + correction;
    JavaRDD<Row> rows =
        design
            .javaRDD()
            .map(
                r -> {
                  Vector x = r.getAs(2);
                  double m = b + x.dot(w);
                  double ps = 1.0 / (1.0 + Math.exp(-m));
                  return RowFactory.create(r.getLong(0), (int) r.getDouble(1), ps);
                });
    StructType schema =
        new StructType()
            .add("row_id", DataTypes.LongType)
            .add("treatment", DataTypes.IntegerType)
            .add("propensity_score", DataTypes.DoubleType);
    return design.sparkSession().createDataFrame(rows, schema);
  }

  /** Walker's preference score: the PS with the prevalence of treatment taken out. */
  public static double preference(double ps, double proportionTreated) {
    double logit = Math.log(ps / (1 - ps)) - Math.log(proportionTreated / (1 - proportionTreated));
    return 1.0 / (1.0 + Math.exp(-logit));
  }

  /**
   * Gaussian kernel density on a grid, bandwidth by R's bw.nrd0 (Silverman's rule of thumb): 0.9
   * min(sd, IQR / 1.34) n^(-1/5).
   */
  public static double[] density(double[] values, double[] grid) {
    int n = values.length;
    double[] out = new double[grid.length];
    if (n == 0) {
      return out;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double mean = Arrays.stream(sorted).average().orElse(0);
    double ss = 0;
    for (double v : sorted) {
      ss += (v - mean) * (v - mean);
    }
    double sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
    double iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
    double lo = Math.min(sd, iqr / 1.34);
    if (!(lo > 0)) {
      lo = sd > 0 ? sd : Math.abs(sorted[0]) > 0 ? Math.abs(sorted[0]) : 1;
    }
    double bw = 0.9 * lo * Math.pow(n, -0.2);
    double norm = 1.0 / (n * bw * Math.sqrt(2 * Math.PI));
    for (int g = 0; g < grid.length; g++) {
      double sum = 0;
      for (double v : sorted) {
        double z = (grid[g] - v) / bw;
        sum += Math.exp(-0.5 * z * z);
      }
      out[g] = sum * norm;
    }
    return out;
  }

  static double quantile(double[] sorted, double p) {
    double h = (sorted.length - 1) * p;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  /** Exact AUC (Mann-Whitney, ties counted half). */
  public static double auc(double[] score, int[] treatment) {
    int n = score.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(score[a], score[b]));
    double rankSumTreated = 0;
    long nTreated = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && score[order[j + 1]] == score[order[i]]) {
        j++;
      }
      double avgRank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (treatment[order[k]] == 1) {
          rankSumTreated += avgRank;
          nTreated++;
        }
      }
      i = j + 1;
    }
    long nControl = n - nTreated;
    if (nTreated == 0 || nControl == 0) {
      return Double.NaN;
    }
    return (rankSumTreated - nTreated * (nTreated + 1) / 2.0) / ((double) nTreated * nControl);
  }
}
