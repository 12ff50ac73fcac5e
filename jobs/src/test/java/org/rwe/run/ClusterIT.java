package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.rwe.testing.RunCompare;

/**
 * The product jar ({@code target/rwe.jar}, Spark provided) submitted with Spark's SparkSubmit to a
 * real standalone master and worker on 127.0.0.1, executors in JVMs of their own: the generator and
 * the pipeline give exactly what they give locally, also when an executor is killed in the middle
 * of the run. Paths are given relative to the driver's working folder, which is not the executors',
 * so any code that resolved a path on an executor would write or read elsewhere.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  static LocalCluster cluster;
  static Path root = OpsFixture.ROOT.resolve("cluster");
  static Path logs = OpsFixture.LOGS;

  @BeforeAll
  static void startCluster() throws IOException {
    OpsFixture.baseline();
    SampleRun.deleteTree(root);
    Files.createDirectories(root);
    long t0 = System.nanoTime();
    cluster = new LocalCluster(root, logs);
    OpsFixture.timing("start master + worker", t0);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster == null) {
      return;
    }
    cluster.close();
    ChildProcess.sleep(1000);
    assertEquals(List.of(), cluster.alive(), "processes the test started are still alive");
  }

  /** The generator's executors write the part files where the driver was told, not locally. */
  @Test
  @Order(1)
  void theGeneratorWritesTheSameExtractOnTheCluster() throws IOException {
    long t0 = System.nanoTime();
    try (ChildProcess gen =
        cluster.submit(
            "cluster-generate",
            root,
            logs,
            "generate",
            "--persons",
            "" + OpsFixture.PERSONS,
            "--seed",
            "" + OpsFixture.SEED,
            "--partitions",
            "2",
            "--out",
            "extract-relative")) {
      assertEquals(0, gen.await(Duration.ofMinutes(15)), gen.output());
    }
    OpsFixture.timing("generate on the cluster (SparkSubmit)", t0);
    Path made = root.resolve("extract-relative");
    List<String> expected = files(OpsFixture.EXTRACT);
    assertEquals(expected, files(made));
    for (String f : expected) {
      assertEquals(text(OpsFixture.EXTRACT.resolve(f)), text(made.resolve(f)), "content of " + f);
    }
    try (Stream<Path> s = Files.walk(cluster.workerDir)) {
      assertFalse(
          s.anyMatch(p -> p.toString().contains("extract-relative")),
          "an executor wrote into its own working folder");
    }
  }

  @Test
  @Order(2)
  void theStudyOnTheClusterEqualsTheLocalRun() throws Exception {
    Path baseline = OpsFixture.baseline();
    long t0 = System.nanoTime();
    List<Long> executorPids = new ArrayList<>();
    try (ChildProcess run = submitRun("cluster-run", "cluster-out")) {
      // Executors are JVMs of their own, started by the worker, not the driver.
      run.awaitLine(l -> l.contains("stage ingest started"), Duration.ofMinutes(10));
      List<ProcessHandle> executors = cluster.executors();
      assertFalse(executors.isEmpty(), "no executor JVM under the worker");
      for (ProcessHandle e : executors) {
        assertNotEquals(run.pid(), e.pid());
        assertFalse(
            run.process.descendants().anyMatch(d -> d.pid() == e.pid()),
            "an executor runs inside the driver's process tree");
        executorPids.add(e.pid());
      }
      JsonNode apps = cluster.state().path("activeapps");
      assertEquals(1, apps.size(), apps.toString());
      assertTrue(apps.get(0).path("cores").asInt() >= 1, apps.toString());
      assertEquals(0, run.await(Duration.ofMinutes(40)), run.output());
    }
    OpsFixture.timing("run on the cluster (SparkSubmit)", t0);
    System.out.println("executor JVMs: " + executorPids);
    Path published = root.resolve("cluster-out").resolve(OpsFixture.STUDY).resolve("r");
    assertTrue(Files.exists(published.resolve("_SUCCESS")));
    var manifest =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(published.resolve("_manifest.json").toFile());
    assertEquals(cluster.masterUrl(), manifest.get("spark").get("master").asText());
    assertEquals(List.of(), RunCompare.differences(baseline, published));
  }

  /**
   * SIGKILL to the executor while propensity fits run: the master starts a new executor, Spark
   * reruns the lost tasks (and the shuffle output lost with the executor), and the run ends with
   * the same results.
   */
  @Test
  @Order(3)
  void aKilledExecutorDoesNotChangeTheResults() throws Exception {
    Path baseline = OpsFixture.baseline();
    long t0 = System.nanoTime();
    long killed;
    String driverLog;
    try (ChildProcess run = submitRun("cluster-run-executor-killed", "cluster-out-killed")) {
      run.awaitLine(l -> l.contains("stage propensity started"), Duration.ofMinutes(30));
      ChildProcess.sleep(5000);
      List<ProcessHandle> executors = cluster.executors();
      assertEquals(1, executors.size(), "executors: " + executors);
      killed = executors.get(0).pid();
      executors.get(0).destroyForcibly();
      executors.get(0).onExit().get();
      System.out.println("killed executor JVM " + killed);
      assertEquals(0, run.await(Duration.ofMinutes(40)), run.output());
      List<Long> after = cluster.executors().stream().map(ProcessHandle::pid).toList();
      assertFalse(after.contains(killed));
      driverLog = run.output();
    }
    OpsFixture.timing("run on the cluster, one executor killed", t0);
    // The driver saw the executor die of the SIGKILL (exit 137 = 128 + 9) and went on with a new
    // one. Its scheduler logs this at ERROR, which the quiet log4j2 configuration keeps; the
    // worker's own line about it is INFO and is not logged.
    assertTrue(
        driverLog
            .lines()
            .anyMatch(l -> l.contains("Lost executor") && l.contains("exited with code 137")),
        "the driver lost its executor to the kill:\n" + driverLog);
    Path published = root.resolve("cluster-out-killed").resolve(OpsFixture.STUDY).resolve("r");
    assertEquals(List.of(), RunCompare.differences(baseline, published));
  }

  /** The extract is given relative to the driver's working folder (OpsFixture.ROOT). */
  ChildProcess submitRun(String name, String output) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "run",
            "--conf",
            OpsFixture.project().resolve("conf/studies/magnesium-depression.conf").toString(),
            "--input",
            OpsFixture.ROOT.relativize(OpsFixture.EXTRACT).toString(),
            "--output",
            OpsFixture.ROOT.relativize(root.resolve(output)).toString(),
            "--run-id",
            "r"));
    args.addAll(OpsFixture.SETTINGS);
    return cluster.submit(name, OpsFixture.ROOT, logs, args.toArray(String[]::new));
  }

  static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  static String text(Path file) throws IOException {
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
