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
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.rwe.config.PropensitySettings;

/**
 * The propensity score model as CohortMethod's {@code createPs} fits it: L1-regularized logistic
 * regression ({@link LassoLogistic}, glmnet's coordinate descent) on covariates normalized by their
 * maximum, the penalty chosen by k-fold cross-validation on the held-out AUC, fitted on at most
 * {@code maxCohortSizeForFitting} subjects per arm with the intercept corrected back to the whole
 * population, applied to everyone.
 *
 * <p>One Spark job fits everything: k + 1 tasks, one per fold and one for the whole fitting set,
 * each solving the penalty path with warm starts (MLlib's optimizer started a Spark job per
 * iteration: 1,823 jobs for the sample's 21 fits).
 *
 * <p>Deterministic: folds and the fitting sample are hashes of row ids and the seed, and every fit
 * sorts its rows by row id, so sums are taken in the same order whatever the input partitioning.
 */
public final class PropensityModel {
  private PropensityModel() {}

  /** A covariate offered to the model: its vector index and normalization. */
  public record Column(long covariateId, int index, double max) {}

  /**
   * The chosen model: intercept (before the correction for the fitting sample) and coefficients by
   * column index, fitted on the whole fitting set at the penalty cross-validation chose.
   *
   * @param subjects cohort rows (all of them, not only the fitting sample)
   * @param treated treated cohort rows
   */
  public record Fit(
      double intercept,
      double[] coefficients,
      boolean converged,
      int outerSteps,
      List<Column> columns,
      double regParam,
      double cvAuc,
      long subjectsFitted,
      double interceptCorrection,
      Map<Double, Double> cvAucByRegParam,
      long subjects,
      long treated) {}

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

  /** A covariate that predicts treatment almost perfectly: its univariable correlation. */
  public record HighCorrelation(long covariateId, double correlation) {}

  /**
   * The offered covariates whose univariable (Pearson) correlation with treatment is at least the
   * threshold in absolute value, strongest first, as Cyclops's getUnivariableCorrelation that
   * CohortMethod's createPs runs before the fit. Over every cohort row (CohortMethod: its fitting
   * sample), a row without the covariate counting as 0; a covariate or a treatment that does not
   * vary has no correlation. Sums per covariate are taken in Spark; one row per covariate reaches
   * the driver.
   *
   * @param cohort (row_id, treatment)
   * @param covariates (row_id, covariate_id, covariate_value)
   */
  public static List<HighCorrelation> highCorrelations(
      Dataset<Row> cohort, Dataset<Row> covariates, List<Column> columns, double threshold) {
    Row totals =
        cohort.agg(count(lit(1)), org.apache.spark.sql.functions.sum(col("treatment"))).first();
    double n = totals.getLong(0);
    double sy = totals.isNullAt(1) ? 0 : totals.getLong(1);
    StructType idSchema = new StructType().add("covariate_id", DataTypes.LongType);
    List<Row> ids = new ArrayList<>();
    for (Column c : columns) {
      ids.add(RowFactory.create(c.covariateId()));
    }
    org.apache.spark.sql.Column x = col("covariate_value");
    List<Row> sums =
        covariates
            .join(
                org.apache.spark.sql.functions.broadcast(
                    cohort.sparkSession().createDataFrame(ids, idSchema)),
                "covariate_id")
            .join(cohort.select("row_id", "treatment"), "row_id")
            .groupBy("covariate_id")
            .agg(
                org.apache.spark.sql.functions.sum(x).as("sx"),
                org.apache.spark.sql.functions.sum(x.multiply(x)).as("sxx"),
                org.apache.spark.sql.functions.sum(x.multiply(col("treatment"))).as("sxy"))
            .orderBy("covariate_id")
            .collectAsList();
    List<HighCorrelation> out = new ArrayList<>();
    for (Row r : sums) {
      double r2 = correlation(n, r.getDouble(1), r.getDouble(2), r.getDouble(3), sy);
      if (Math.abs(r2) >= threshold) {
        out.add(new HighCorrelation(r.getLong(0), r2));
      }
    }
    out.sort(
        (a, b) -> {
          int c = Double.compare(Math.abs(b.correlation()), Math.abs(a.correlation()));
          return c != 0 ? c : Long.compare(a.covariateId(), b.covariateId());
        });
    return out;
  }

  /**
   * Pearson correlation of x with a 0/1 treatment y from n, sum(x), sum(x^2), sum(xy) and sum(y);
   * NaN when either does not vary.
   */
  static double correlation(double n, double sx, double sxx, double sxy, double sy) {
    double varX = n * sxx - sx * sx;
    double varY = n * sy - sy * sy;
    if (!(varX > 0 && varY > 0)) {
      return Double.NaN;
    }
    return (n * sxy - sx * sy) / Math.sqrt(varX * varY);
  }

  /**
   * The covariates to fit after the high-correlation check: all of them ("warn"), all but the
   * flagged ones, re-indexed ("remove"), or none: "fail" stops the run (exit code 4), naming them.
   */
  public static List<Column> afterHighCorrelationCheck(
      List<Column> columns,
      List<HighCorrelation> flagged,
      String action,
      double threshold,
      java.util.function.LongFunction<String> name) {
    if (flagged.isEmpty() || action.equals("warn")) {
      return columns;
    }
    if (action.equals("fail")) {
      List<String> failed = new ArrayList<>();
      for (HighCorrelation h : flagged) {
        failed.add(
            describe(h, name)
                + " (|r| >= "
                + threshold
                + "; propensity.highCorrelation = \"fail\"): is part of the exposure"
                + " definition among the covariates? See features.excludedConceptSets");
      }
      throw new org.rwe.run.DiagnosticsException(failed);
    }
    java.util.Set<Long> removed = new java.util.HashSet<>();
    flagged.forEach(h -> removed.add(h.covariateId()));
    List<Column> kept = new ArrayList<>();
    for (Column c : columns) {
      if (!removed.contains(c.covariateId())) {
        kept.add(new Column(c.covariateId(), kept.size(), c.max()));
      }
    }
    return kept;
  }

  /** "covariate 1234 'name' correlates with treatment: r = 0.973". */
  public static String describe(HighCorrelation h, java.util.function.LongFunction<String> name) {
    return String.format(
        java.util.Locale.ROOT,
        "covariate %d '%s' correlates with treatment: r = %.3f",
        h.covariateId(),
        name.apply(h.covariateId()),
        h.correlation());
  }

  public static Fit fit(Dataset<Row> design, List<Column> columns, PropensitySettings s) {
    // Fitting sample: at most maxCohortSizeForFitting per arm, chosen by a hash of the row id.
    Dataset<Row> hashed = design.withColumn("_h", xxhash64(col("row_id"), lit(s.seed())));
    Row arms = design.agg(org.apache.spark.sql.functions.sum(col("label")), count(lit(1))).first();
    long total = arms.getLong(1);
    long treated = total == 0 ? 0 : Math.round(arms.getDouble(0));
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
    int k = s.crossValidationFolds();
    List<Double> regs = List.copyOf(s.regParams());
    int p = columns.size();
    int maxSteps = s.maxIterations();
    double tolerance = s.tolerance();
    // One Spark task per fit: task f < k fits the penalty path on every fold but f and scores
    // fold f; task k fits the whole fitting set. Each fitting row is sent to every task (k + 1
    // copies of the sample, which is capped by maxCohortSizeForFitting), and each task sorts its
    // rows by row id, so the fits do not depend on how the input was partitioned.
    JavaRDD<FitResult> results =
        sample
            .withColumn("_fold", pmod(col("_h"), lit(k)))
            .select("row_id", "label", "features", "_fold")
            .javaRDD()
            .flatMapToPair(
                r -> {
                  Example e = Example.of(r);
                  List<scala.Tuple2<Integer, Example>> copies = new ArrayList<>(k + 1);
                  for (int task = 0; task <= k; task++) {
                    copies.add(new scala.Tuple2<>(task, e));
                  }
                  return copies.iterator();
                })
            .partitionBy(new FitPartitioner(k + 1))
            .mapPartitionsWithIndex(
                (task, rows) -> fitTask(task, rows, k, p, regs, maxSteps, tolerance).iterator(),
                true);
    // Bounded by the study: (folds + 1) x penalties results, coefficients (one per covariate)
    // only from the whole-set task.
    List<FitResult> fits = new ArrayList<>(results.collect());
    fits.sort(
        java.util.Comparator.comparingInt(FitResult::task).thenComparingDouble(FitResult::lambda));
    Map<Double, Double> aucByReg = new TreeMap<>();
    double bestReg = regs.get(0);
    double bestAuc = Double.NEGATIVE_INFINITY;
    for (double reg : regs) {
      // The mean over the folds whose held-out rows have both arms (an AUC needs both).
      double mean =
          fits.stream()
              .filter(f -> f.task() < k && f.lambda() == reg && !Double.isNaN(f.auc()))
              .mapToDouble(FitResult::auc)
              .average()
              .orElse(Double.NaN);
      aucByReg.put(reg, mean);
      // Ties go to the stronger penalty: the simpler model.
      if (mean > bestAuc + 1e-12 || (Math.abs(mean - bestAuc) <= 1e-12 && reg > bestReg)) {
        bestAuc = mean;
        bestReg = reg;
      }
    }
    double chosen = bestReg;
    FitResult full =
        fits.stream()
            .filter(f -> f.task() == k && f.lambda() == chosen)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("No fit on the whole fitting set"));
    return new Fit(
        full.intercept(),
        full.beta(),
        full.converged(),
        full.outerSteps(),
        columns,
        bestReg,
        bestAuc,
        full.rows(),
        correction,
        aucByReg,
        total,
        treated);
  }

  /** One fitting row as a task holds it. */
  record Example(long rowId, double label, int fold, int[] index, double[] value)
      implements java.io.Serializable {
    static Example of(Row r) {
      org.apache.spark.ml.linalg.SparseVector x = ((Vector) r.get(2)).toSparse();
      return new Example(
          r.getLong(0), r.getDouble(1), ((Number) r.get(3)).intValue(), x.indices(), x.values());
    }
  }

  /**
   * One penalty's fit in one task: the held-out AUC (task < folds; NaN for the whole-set task, or
   * when the held-out rows lack an arm) and, for the whole-set task only, the coefficients.
   */
  record FitResult(
      int task,
      double lambda,
      double auc,
      double intercept,
      double[] beta,
      boolean converged,
      int outerSteps,
      long rows)
      implements java.io.Serializable {}

  /** Sends task key t to partition t: one fit per task, never two in one. */
  static final class FitPartitioner extends org.apache.spark.Partitioner {
    private final int tasks;

    FitPartitioner(int tasks) {
      this.tasks = tasks;
    }

    @Override
    public int numPartitions() {
      return tasks;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof FitPartitioner f && f.tasks == tasks;
    }

    @Override
    public int hashCode() {
      return tasks;
    }
  }

  static List<FitResult> fitTask(
      int task,
      java.util.Iterator<scala.Tuple2<Integer, Example>> rows,
      int folds,
      int p,
      List<Double> regs,
      int maxSteps,
      double tolerance) {
    List<Example> all = new ArrayList<>();
    rows.forEachRemaining(t -> all.add(t._2()));
    all.sort(java.util.Comparator.comparingLong(Example::rowId));
    List<Example> train = new ArrayList<>();
    List<Example> test = new ArrayList<>();
    for (Example e : all) {
      (task < folds && e.fold() == task ? test : train).add(e);
    }
    List<FitResult> out = new ArrayList<>();
    long treatedInTrain = train.stream().filter(e -> e.label() == 1).count();
    if (task < folds && (treatedInTrain == 0 || treatedInTrain == train.size())) {
      // A fold whose training rows lack an arm has nothing to fit: no AUC from it.
      for (double reg : regs) {
        out.add(new FitResult(task, reg, Double.NaN, Double.NaN, null, false, 0, train.size()));
      }
      return out;
    }
    LassoLogistic.Design d =
        LassoLogistic.Design.ofRows(
            p,
            train.stream().map(Example::index).toList(),
            train.stream().map(Example::value).toList(),
            train.stream().mapToDouble(Example::label).toArray());
    for (LassoLogistic.Solution s : LassoLogistic.path(d, regs, maxSteps, tolerance)) {
      double auc = Double.NaN;
      if (task < folds) {
        double[] margin = new double[test.size()];
        int[] label = new int[test.size()];
        for (int i = 0; i < margin.length; i++) {
          margin[i] = s.margin(test.get(i).index(), test.get(i).value());
          label[i] = (int) test.get(i).label();
        }
        auc = auc(margin, label);
      }
      out.add(
          new FitResult(
              task,
              s.lambda(),
              auc,
              s.intercept(),
              task == folds ? s.beta() : null,
              s.converged(),
              s.outerSteps(),
              train.size()));
    }
    return out;
  }

  /**
   * Every row's propensity score, logistic(margin + intercept correction), and its preference score
   * given the proportion treated: computed and written by tasks, not collected.
   */
  public static Dataset<Row> score(Fit fit, Dataset<Row> design) {
    double[] w = fit.coefficients();
    double b = fit.intercept() + fit.interceptCorrection();
    double proportion = (double) fit.treated() / fit.subjects();
    JavaRDD<Row> rows =
        design
            .javaRDD()
            .map(
                r -> {
                  Vector x = r.getAs(2);
                  double m = b;
                  org.apache.spark.ml.linalg.SparseVector sx = x.toSparse();
                  for (int k = 0; k < sx.indices().length; k++) {
                    m += sx.values()[k] * w[sx.indices()[k]];
                  }
                  double ps = 1.0 / (1.0 + Math.exp(-m));
                  return RowFactory.create(
                      r.getLong(0), (int) r.getDouble(1), ps, preference(ps, proportion));
                });
    StructType schema =
        new StructType()
            .add("row_id", DataTypes.LongType)
            .add("treatment", DataTypes.IntegerType)
            .add("propensity_score", DataTypes.DoubleType)
            .add("preference_score", DataTypes.DoubleType);
    return design.sparkSession().createDataFrame(rows, schema);
  }

  /** Walker's preference score: the PS with the prevalence of treatment taken out. */
  public static double preference(double ps, double proportionTreated) {
    double logit = Math.log(ps / (1 - ps)) - Math.log(proportionTreated / (1 - proportionTreated));
    return 1.0 / (1.0 + Math.exp(-logit));
  }

  /** Bins of the preference score histogram the density is computed from. */
  public static final int DENSITY_BINS = 10_000;

  /**
   * Preference score counts per arm in {@link #DENSITY_BINS} equal bins of [0, 1]: [arm][bin], arm
   * 0 the comparators, 1 the treated. Counted in tasks; what reaches the driver is the histogram.
   */
  public static long[][] preferenceHistogram(Dataset<Row> ps) {
    org.apache.spark.sql.Column bin =
        org.apache.spark.sql.functions.least(
            org.apache.spark.sql.functions.floor(col("preference_score").multiply(DENSITY_BINS)),
            lit(DENSITY_BINS - 1));
    // At most 2 x DENSITY_BINS rows reach the driver, whatever the number of subjects.
    long[][] counts = new long[2][DENSITY_BINS];
    // A NaN score (a diverged fit) has no bin; the summary's AUC still shows it.
    Dataset<Row> finite =
        ps.filter(
            col("preference_score")
                .isNotNull()
                .and(
                    org.apache.spark.sql.functions.not(
                        org.apache.spark.sql.functions.isnan(col("preference_score")))));
    for (Row r :
        finite.groupBy(col("treatment"), bin.cast("int").as("_bin")).count().collectAsList()) {
      counts[r.getInt(0)][r.getInt(1)] = r.getLong(2);
    }
    return counts;
  }

  /**
   * Gaussian kernel density on a grid from a histogram of {@link #DENSITY_BINS} bins of [0, 1]
   * (each value at its bin's centre), bandwidth by R's bw.nrd0 (Silverman's rule of thumb): 0.9
   * min(sd, IQR / 1.34) n^(-1/5). Binning moves a value by at most 1/(2 bins) = 5e-5, far below the
   * bandwidth (R's own density() bins too, on 512 points); the sums run on the driver in bin order,
   * so the curve does not depend on the partitioning.
   */
  public static double[] density(long[] counts, double[] grid) {
    int bins = counts.length;
    long n = 0;
    double sum = 0;
    for (int b = 0; b < bins; b++) {
      n += counts[b];
      sum += counts[b] * centre(b, bins);
    }
    double[] out = new double[grid.length];
    if (n == 0) {
      return out;
    }
    double mean = sum / n;
    double ss = 0;
    for (int b = 0; b < bins; b++) {
      double d = centre(b, bins) - mean;
      ss += counts[b] * d * d;
    }
    double sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
    double iqr = quantile(counts, n, 0.75) - quantile(counts, n, 0.25);
    double lo = Math.min(sd, iqr / 1.34);
    if (!(lo > 0)) {
      double first = quantile(counts, n, 0);
      lo = sd > 0 ? sd : first > 0 ? first : 1;
    }
    double bw = 0.9 * lo * Math.pow(n, -0.2);
    double norm = 1.0 / (n * bw * Math.sqrt(2 * Math.PI));
    for (int g = 0; g < grid.length; g++) {
      double s = 0;
      for (int b = 0; b < bins; b++) {
        if (counts[b] != 0) {
          double z = (grid[g] - centre(b, bins)) / bw;
          s += counts[b] * Math.exp(-0.5 * z * z);
        }
      }
      out[g] = s * norm;
    }
    return out;
  }

  private static double centre(int bin, int bins) {
    return (bin + 0.5) / bins;
  }

  /** R's type-7 quantile of the values the histogram holds (each at its bin's centre). */
  static double quantile(long[] counts, long n, double prob) {
    double h = (n - 1) * prob;
    long lo = (long) Math.floor(h);
    long hi = Math.min(lo + 1, n - 1);
    double a = valueAt(counts, lo);
    double b = valueAt(counts, hi);
    return a + (h - lo) * (b - a);
  }

  /** The k-th (0-based) value in sorted order. */
  private static double valueAt(long[] counts, long k) {
    long seen = 0;
    for (int b = 0; b < counts.length; b++) {
      seen += counts[b];
      if (seen > k) {
        return centre(b, counts.length);
      }
    }
    return centre(counts.length - 1, counts.length);
  }

  /**
   * Exact AUC of the propensity scores over every row (Mann-Whitney, ties counted half), computed
   * in tasks: rows are counted per distinct score and arm, range-partitioned in score order, and
   * each partition counts its (treated, lower control) pairs; the driver adds the partitions in
   * order, each partition's treated rows also beating every control of the partitions before it.
   * Every sum is of integers and halves, exact in a double below 2^53, so the result does not
   * depend on the partitioning.
   *
   * @param ps (propensity_score, treatment) per row
   */
  public static double auc(Dataset<Row> ps) {
    org.apache.spark.sql.Column treated = org.apache.spark.sql.functions.sum(col("treatment"));
    // One row per partition of the sorted scores (shuffle partitions, at most 10,000), not per row.
    List<double[]> parts =
        ps.groupBy("propensity_score")
            .agg(treated.as("t"), count(lit(1)).minus(treated).as("c"))
            .orderBy("propensity_score")
            .select("t", "c")
            .javaRDD()
            .mapPartitionsWithIndex(
                (index, rows) -> {
                  double pairs = 0;
                  long nTreated = 0;
                  long controlsBelow = 0;
                  while (rows.hasNext()) {
                    Row r = rows.next();
                    long t = r.getLong(0);
                    long c = r.getLong(1);
                    pairs += t * (double) controlsBelow + 0.5 * t * (double) c;
                    nTreated += t;
                    controlsBelow += c;
                  }
                  return List.of(new double[] {index, pairs, nTreated, controlsBelow}).iterator();
                },
                true)
            .collect();
    List<double[]> ordered = new ArrayList<>(parts);
    ordered.sort((a, b) -> Double.compare(a[0], b[0]));
    double pairs = 0;
    double nTreated = 0;
    double nControl = 0;
    for (double[] part : ordered) {
      pairs += part[1] + part[2] * nControl;
      nTreated += part[2];
      nControl += part[3];
    }
    if (nTreated == 0 || nControl == 0) {
      return Double.NaN;
    }
    return pairs / (nTreated * nControl);
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
