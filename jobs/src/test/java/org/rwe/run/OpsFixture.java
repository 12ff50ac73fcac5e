package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rwe.testing.SparkTestSession;

/**
 * What the operational tests (tags "faults" and "cluster", run by {@code mvn verify -Pfaults} or
 * {@code -Pcluster}) share, made once per test JVM through the product's own launcher, bin/rwe: a
 * small generated extract and the run of it that every other run must equal. Files stay under
 * target/ops-it for inspection (logs included).
 */
final class OpsFixture {
  static final int PERSONS = 1500;
  static final long SEED = 11;
  static final String STUDY = "magnesium-depression";

  /**
   * Fewer cross-validation folds to keep the runs short; an explicit master and partition count,
   * which the determinism test varies.
   */
  static final List<String> SETTINGS =
      List.of("-Dpropensity.crossValidationFolds=3", "-Dspark.shufflePartitions=7");

  static final Path ROOT = project().resolve("target/ops-it");
  static final Path EXTRACT = ROOT.resolve("extract");
  static final Path LOGS = ROOT.resolve("logs");

  private static Path baseline;

  private OpsFixture() {}

  static Path project() {
    return SparkTestSession.projectDir().toAbsolutePath().normalize();
  }

  /** The baseline: an uninterrupted local[2] run of the extract, published as run 'r'. */
  static synchronized Path baseline() throws IOException {
    if (baseline != null) {
      return baseline;
    }
    Path out = ROOT.resolve("baseline");
    Path run = out.resolve(STUDY).resolve("r");
    // Reused while the jar and the settings are the same (e.g. by the faults and the cluster
    // executions of one build), made again otherwise.
    String key =
        InputFingerprint.sha256(
            InputFingerprint.sha256(
                    java.util.HexFormat.of()
                        .formatHex(Files.readAllBytes(project().resolve("target/rwe.jar"))))
                + PERSONS
                + SEED
                + SETTINGS);
    Path keyFile = ROOT.resolve("baseline.key");
    if (Files.exists(run.resolve("_SUCCESS"))
        && Files.exists(keyFile)
        && Files.readString(keyFile).equals(key)) {
      System.out.println("OpsFixture: reusing the baseline run " + run);
      baseline = run;
      return baseline;
    }
    SampleRun.deleteTree(ROOT);
    Files.createDirectories(ROOT);
    long t0 = System.nanoTime();
    try (ChildProcess gen =
        rwe(
            "generate",
            Map.of(),
            "generate",
            "--persons",
            "" + PERSONS,
            "--seed",
            "" + SEED,
            "--partitions",
            "2",
            "--out",
            EXTRACT.toString())) {
      assertEquals(0, gen.await(Duration.ofMinutes(10)), gen.output());
    }
    timing("generate " + PERSONS + " persons (bin/rwe)", t0);
    t0 = System.nanoTime();
    try (ChildProcess p = run("baseline", out, "r", Map.of(), "-Dspark.master=local[2]")) {
      assertEquals(0, p.await(Duration.ofMinutes(30)), p.output());
    }
    timing("baseline run, local[2] (bin/rwe)", t0);
    Files.writeString(keyFile, key);
    baseline = run;
    return baseline;
  }

  /** bin/rwe with the given JVM system properties (e.g. a pause point) and arguments. */
  static ChildProcess rwe(String name, Map<String, String> jvmProperties, String... args) {
    StringBuilder opts = new StringBuilder("-Xmx1500m");
    jvmProperties.forEach((k, v) -> opts.append(" -D").append(k).append('=').append(v));
    List<String> command = new ArrayList<>();
    command.add(project().resolve("bin/rwe").toString());
    command.addAll(List.of(args));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("RWE_JAVA_OPTS", opts.toString());
    ChildProcess p = ChildProcess.start(name, command, project(), env, LOGS);
    return p;
  }

  /** {@code bin/rwe run} of the extract into {@code output} with the shared settings. */
  static ChildProcess run(
      String name,
      Path output,
      String runId,
      Map<String, String> jvmProperties,
      String... extraArgs) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "run",
            "--input",
            EXTRACT.toString(),
            "--output",
            output.toString(),
            "--run-id",
            runId));
    args.addAll(SETTINGS);
    args.addAll(List.of(extraArgs));
    return rwe(name, jvmProperties, args.toArray(String[]::new));
  }

  /** The child did not rebuild the jar (the build that runs these tests made it). */
  static void assertNoRebuild(ChildProcess p) {
    assertFalse(p.output().contains("rwe: building"), "bin/rwe rebuilt the jar: " + p.log);
  }

  static void timing(String what, long startNanos) {
    System.out.printf("OPS TIMING %-55s %7.1f s%n", what, (System.nanoTime() - startNanos) / 1e9);
  }
}
