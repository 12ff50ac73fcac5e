package org.rwe.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.rwe.config.StudySettings;
import org.rwe.testing.SparkTestSession;

/**
 * The whole pipeline on a copy of the committed sample extract (10,000 persons, seed 42, with its
 * truth in ground_truth.json), run once per test JVM and shared: EndToEndTest reads it, ResumeTest
 * re-runs copies of it. Every Spark job the run starts is recorded with its job group.
 */
final class SampleRun {
  static final String RUN_ID = "e2e";

  /** 5 folds instead of the study's 10: the same model family, half the test time. */
  static final Map<String, String> OVERRIDES = Map.of("propensity.crossValidationFolds", "5");

  /**
   * @param published the published run folder
   * @param jobGroups the job group of every Spark job of the run, in start order (null: none)
   */
  record Result(Path input, Path output, String published, List<String> jobGroups) {
    Path studyDir() {
      return Path.of(published).getParent();
    }
  }

  private static Result result;

  private SampleRun() {}

  static StudySettings settings() {
    return StudySettings.load(
        org.rwe.testing.SparkTestSession.projectDir()
            .resolve("conf/studies/magnesium-depression.conf"),
        OVERRIDES);
  }

  static synchronized Result get() throws IOException {
    if (result != null) {
      return result;
    }
    SparkSession spark = SparkTestSession.get();
    Path root = Files.createTempDirectory("rwe-sample-run");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
    Path input = root.resolve("extract");
    // A copy, so that no test can change the committed extract.
    Path sample = org.rwe.testing.SparkTestSession.projectDir().resolve("sample-data");
    Files.createDirectories(input);
    try (var files = Files.list(sample)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, input.resolve(f.getFileName()));
      }
    }
    System.out.println("SampleRun: a copy of sample-data/");
    JobGroups groups = JobGroups.listen(spark);
    String published;
    try {
      published =
          Pipeline.run(
              spark,
              settings(),
              input.toString(),
              root.resolve("out").toString(),
              RUN_ID,
              Stage.INGEST,
              null);
    } finally {
      groups.stop();
    }
    result = new Result(input, root.resolve("out"), published, groups.seen());
    return result;
  }

  /** Records the job group of every Spark job started while listening. */
  static final class JobGroups extends SparkListener {
    private final SparkSession spark;
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());

    private JobGroups(SparkSession spark) {
      this.spark = spark;
    }

    static JobGroups listen(SparkSession spark) {
      JobGroups g = new JobGroups(spark);
      spark.sparkContext().addSparkListener(g);
      return g;
    }

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
      seen.add(jobStart.properties().getProperty("spark.jobGroup.id"));
    }

    /** Stops listening once every event so far is delivered (the listener bus is async). */
    void stop() {
      try {
        spark.sparkContext().listenerBus().waitUntilEmpty();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      spark.sparkContext().removeSparkListener(this);
    }

    List<String> seen() {
      return List.copyOf(seen);
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort at exit
    }
  }

  /** Copies a folder tree (a published run, to re-run it without touching the shared one). */
  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
