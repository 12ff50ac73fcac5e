package org.rwe.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.rwe.config.StudySettings;
import org.rwe.generate.GenerateJob;
import org.rwe.generate.GeneratorSettings;
import org.rwe.run.Pipeline;
import org.rwe.run.Stage;
import org.rwe.stats.EmpiricalCalibration;

/**
 * The simulation study of issue 6: the whole pipeline on many generated extracts with a known
 * answer, and how far its estimates fall from the truth. Each replicate is generated with its own
 * seed, run through ingest..outcomes in this JVM's Spark session, and its {@code
 * cohort_method_result} rows are appended to {@code estimates.csv}; the extract and the run are
 * then deleted. A replicate already in {@code estimates.csv} is not run again, so an interrupted
 * study continues where it stopped.
 *
 * <p>Negative controls are calibrated leave-one-out (the null fitted on the other controls of the
 * same replicate and analysis): the pipeline's own calibrated columns for a control use a null that
 * contains that control, which would flatter the calibrated coverage.
 */
public final class SimulationStudy {
  private SimulationStudy() {}

  /** What to run. */
  public record Settings(
      int replicates,
      long persons,
      long firstSeed,
      boolean unmeasuredConfounding,
      Path studyFile,
      Map<String, String> overrides,
      Path out) {}

  /** One estimate of one replicate. Bounds are on the ratio scale; NaN where not estimable. */
  public record Estimate(
      int replicate,
      long seed,
      int analysisId,
      int outcomeId,
      boolean negativeControl,
      double trueRr,
      double logRr,
      double seLogRr,
      double ci95Lb,
      double ci95Ub,
      double calibratedCi95Lb,
      double calibratedCi95Ub) {

    static final String HEADER =
        "replicate,seed,analysis_id,outcome_id,negative_control,true_rr,log_rr,se_log_rr,"
            + "ci_95_lb,ci_95_ub,calibrated_ci_95_lb,calibrated_ci_95_ub";

    String csv() {
      return String.join(
          ",",
          Integer.toString(replicate),
          Long.toString(seed),
          Integer.toString(analysisId),
          Integer.toString(outcomeId),
          Boolean.toString(negativeControl),
          num(trueRr),
          num(logRr),
          num(seLogRr),
          num(ci95Lb),
          num(ci95Ub),
          num(calibratedCi95Lb),
          num(calibratedCi95Ub));
    }

    static Estimate parse(String line) {
      String[] f = line.split(",", -1);
      return new Estimate(
          Integer.parseInt(f[0]),
          Long.parseLong(f[1]),
          Integer.parseInt(f[2]),
          Integer.parseInt(f[3]),
          Boolean.parseBoolean(f[4]),
          dbl(f[5]),
          dbl(f[6]),
          dbl(f[7]),
          dbl(f[8]),
          dbl(f[9]),
          dbl(f[10]),
          dbl(f[11]));
    }

    boolean estimable() {
      return Double.isFinite(logRr) && Double.isFinite(seLogRr);
    }
  }

  /** Bias, RMSE and coverage of one analysis for one group of outcomes, over the replicates. */
  public record Performance(
      int analysisId,
      String outcomes,
      int estimates,
      int notEstimable,
      double bias,
      double rmse,
      double coverage,
      int calibratedEstimates,
      double calibratedCoverage,
      double meanCiWidth) {}

  /** Runs the replicates not yet in {@code estimates.csv}, then writes {@code summary.md}. */
  public static List<Performance> run(SparkSession spark, Settings s) throws IOException {
    Files.createDirectories(s.out());
    Path estimatesFile = s.out().resolve("estimates.csv");
    if (!Files.exists(estimatesFile)) {
      Files.writeString(estimatesFile, Estimate.HEADER + "\n");
    }
    StudySettings study = StudySettings.load(s.studyFile(), s.overrides());
    java.util.Set<Integer> done = new java.util.HashSet<>();
    read(estimatesFile).forEach(e -> done.add(e.replicate()));
    for (int r = 1; r <= s.replicates(); r++) {
      if (done.contains(r)) {
        continue;
      }
      long seed = s.firstSeed() + r - 1;
      Instant started = Instant.now();
      Path work = s.out().resolve("replicate-" + r);
      deleteTree(work);
      String extract = work.resolve("extract").toString();
      GenerateJob.run(
          spark,
          new GeneratorSettings(s.persons(), seed, 1, s.unmeasuredConfounding(), 0.0005),
          extract);
      String runDir =
          Pipeline.run(
              spark,
              study,
              extract,
              work.resolve("out").toString(),
              "sim-" + r,
              null,
              Stage.OUTCOMES);
      List<Estimate> estimates =
          estimates(r, seed, truth(Path.of(extract, "ground_truth.json")), results(spark, runDir));
      StringBuilder lines = new StringBuilder();
      estimates.forEach(e -> lines.append(e.csv()).append('\n'));
      // One append per replicate, after it is complete: a killed study never leaves half of one.
      Files.writeString(estimatesFile, lines, StandardOpenOption.APPEND);
      deleteTree(work);
      System.out.printf(
          Locale.ROOT,
          "simulate: replicate %d/%d (seed %d) in %d s%n",
          r,
          s.replicates(),
          seed,
          Duration.between(started, Instant.now()).toSeconds());
    }
    List<Estimate> all = read(estimatesFile);
    int replicatesDone = (int) all.stream().mapToInt(Estimate::replicate).distinct().count();
    List<Performance> performance = summarize(all);
    Files.writeString(s.out().resolve("summary.md"), markdown(s, replicatesDone, performance));
    return performance;
  }

  /** The true rate ratio of every outcome of a generated extract. */
  static Map<Integer, double[]> truth(Path groundTruth) throws IOException {
    JsonNode root = new ObjectMapper().readTree(Files.readString(groundTruth));
    Map<Integer, double[]> truth = new HashMap<>();
    for (JsonNode o : root.get("outcomes")) {
      if (o.has("true_hr")) {
        truth.put(
            o.get("outcome_id").asInt(),
            new double[] {
              o.get("true_hr").asDouble(), o.get("negative_control").asBoolean() ? 1 : 0
            });
      }
    }
    return truth;
  }

  private static List<Row> results(SparkSession spark, String runDir) {
    return spark
        .read()
        .parquet(runDir + "/results/cohort_method_result")
        .selectExpr(
            "analysis_id",
            "outcome_id",
            "log_rr",
            "se_log_rr",
            "ci_95_lb",
            "ci_95_ub",
            "calibrated_ci_95_lb",
            "calibrated_ci_95_ub")
        .collectAsList();
  }

  /**
   * The replicate's estimates of every outcome with a true rate ratio; negative controls get
   * leave-one-out calibrated intervals, the other outcomes the pipeline's calibrated ones.
   */
  static List<Estimate> estimates(
      int replicate, long seed, Map<Integer, double[]> truth, List<Row> rows) {
    Map<Integer, List<Row>> byAnalysis = new TreeMap<>();
    for (Row row : rows) {
      if (truth.containsKey(row.getInt(1))) {
        byAnalysis.computeIfAbsent(row.getInt(0), k -> new ArrayList<>()).add(row);
      }
    }
    List<Estimate> out = new ArrayList<>();
    for (List<Row> analysis : byAnalysis.values()) {
      analysis.sort(Comparator.comparingInt(row -> row.getInt(1)));
      for (Row row : analysis) {
        int outcome = row.getInt(1);
        boolean control = truth.get(outcome)[1] == 1;
        double[] calibrated =
            control
                ? leaveOneOut(analysis, outcome, truth)
                : new double[] {dbl(row, 6), dbl(row, 7)};
        out.add(
            new Estimate(
                replicate,
                seed,
                row.getInt(0),
                outcome,
                control,
                truth.get(outcome)[0],
                dbl(row, 2),
                dbl(row, 3),
                dbl(row, 4),
                dbl(row, 5),
                calibrated[0],
                calibrated[1]));
      }
    }
    return out;
  }

  private static double[] leaveOneOut(
      List<Row> analysis, int outcome, Map<Integer, double[]> truth) {
    Row self = null;
    List<double[]> others = new ArrayList<>();
    for (Row row : analysis) {
      if (row.getInt(1) == outcome) {
        self = row;
      } else if (truth.get(row.getInt(1))[1] == 1) {
        others.add(new double[] {dbl(row, 2), dbl(row, 3)});
      }
    }
    double logRr = dbl(self, 2);
    double se = dbl(self, 3);
    double[][] controls =
        others.stream().filter(c -> Double.isFinite(c[0] + c[1])).toArray(double[][]::new);
    // The pipeline calibrates only with 5 or more controls (EmpiricalCalibration's minimum).
    if (!Double.isFinite(logRr + se) || controls.length < 5) {
      return new double[] {Double.NaN, Double.NaN};
    }
    EmpiricalCalibration.Null nul =
        EmpiricalCalibration.fitNull(
            Stream.of(controls).mapToDouble(c -> c[0]).toArray(),
            Stream.of(controls).mapToDouble(c -> c[1]).toArray());
    EmpiricalCalibration.Calibrated c = EmpiricalCalibration.calibrate(nul, logRr, se);
    return new double[] {c.ci95Lb(), c.ci95Ub()};
  }

  /**
   * Per analysis: outcome 1 and the negative controls pooled. Bias and RMSE are of the log rate
   * ratio against the log of the truth, over the estimable estimates; coverage is the share of
   * estimable estimates whose 95% CI contains the truth.
   */
  public static List<Performance> summarize(List<Estimate> estimates) {
    Map<String, List<Estimate>> groups = new TreeMap<>();
    for (Estimate e : estimates) {
      String group;
      if (e.negativeControl()) {
        group = "negative controls";
      } else if (e.outcomeId() == 1) {
        group = "outcome 1";
      } else {
        continue;
      }
      groups
          .computeIfAbsent(
              String.format(Locale.ROOT, "%05d|%s", e.analysisId(), group), k -> new ArrayList<>())
          .add(e);
    }
    List<Performance> out = new ArrayList<>();
    groups.forEach(
        (key, list) -> {
          List<Estimate> ok = list.stream().filter(Estimate::estimable).toList();
          double bias = 0;
          double squares = 0;
          double covered = 0;
          double width = 0;
          int calibrated = 0;
          double calibratedCovered = 0;
          for (Estimate e : ok) {
            double err = e.logRr() - Math.log(e.trueRr());
            bias += err;
            squares += err * err;
            covered += e.ci95Lb() <= e.trueRr() && e.trueRr() <= e.ci95Ub() ? 1 : 0;
            width += Math.log(e.ci95Ub()) - Math.log(e.ci95Lb());
            if (Double.isFinite(e.calibratedCi95Lb()) && Double.isFinite(e.calibratedCi95Ub())) {
              calibrated++;
              calibratedCovered +=
                  e.calibratedCi95Lb() <= e.trueRr() && e.trueRr() <= e.calibratedCi95Ub() ? 1 : 0;
            }
          }
          int n = ok.size();
          out.add(
              new Performance(
                  Integer.parseInt(key.substring(0, 5)),
                  key.substring(6),
                  n,
                  list.size() - n,
                  n == 0 ? Double.NaN : bias / n,
                  n == 0 ? Double.NaN : Math.sqrt(squares / n),
                  n == 0 ? Double.NaN : covered / n,
                  calibrated,
                  calibrated == 0 ? Double.NaN : calibratedCovered / calibrated,
                  n == 0 ? Double.NaN : width / n));
        });
    return out;
  }

  static String markdown(Settings s, int done, List<Performance> rows) {
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "%d replicates of %,d persons (seeds %d..%d), unmeasured confounding %s.%n%n",
            done,
            s.persons(),
            s.firstSeed(),
            s.firstSeed() + s.replicates() - 1,
            s.unmeasuredConfounding() ? "on" : "off"));
    md.append(
        "| analysis | outcomes | estimates | not estimable | bias (log) | RMSE (log) | coverage |"
            + " mean CI width (log) | calibrated | calibrated coverage |\n");
    md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Performance p : rows) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %d | %s | %d | %d | %.3f | %.3f | %.1f%% | %.3f | %d | %.1f%% |%n",
              p.analysisId(),
              p.outcomes(),
              p.estimates(),
              p.notEstimable(),
              p.bias(),
              p.rmse(),
              100 * p.coverage(),
              p.meanCiWidth(),
              p.calibratedEstimates(),
              100 * p.calibratedCoverage()));
    }
    return md.toString();
  }

  static List<Estimate> read(Path estimatesFile) throws IOException {
    try (Stream<String> lines = Files.lines(estimatesFile)) {
      return lines.skip(1).filter(l -> !l.isBlank()).map(Estimate::parse).toList();
    }
  }

  private static double dbl(Row row, int i) {
    return row.isNullAt(i) ? Double.NaN : ((Number) row.get(i)).doubleValue();
  }

  private static double dbl(String s) {
    return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
  }

  private static String num(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "";
  }

  private static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
