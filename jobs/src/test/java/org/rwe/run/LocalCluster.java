package org.rwe.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real Spark standalone cluster on 127.0.0.1 made from the Maven jars (no Spark distribution): a
 * master and a worker, each its own JVM; the worker starts executors as further JVMs. Jobs are
 * submitted through Spark's own {@code SparkSubmit} class, as the {@code spark-submit} script does.
 * Ports are free ones, so clusters of several builds on one machine do not collide. {@link #close}
 * stops every process it started, executors included.
 */
final class LocalCluster implements AutoCloseable {
  /** Spark's --add-opens list: the JVMs started here need it (Spark adds it to executors). */
  static final List<String> JVM_FLAGS =
      List.of(System.getProperty("rwe.spark.jvm.flags", "").trim().split("\\s+"));

  final Path home;
  final Path confDir;
  final Path workerDir;
  final int masterPort;
  final int masterUiPort;
  final ChildProcess master;
  final ChildProcess worker;
  private final Map<String, String> env = new LinkedHashMap<>();
  private final List<ChildProcess> submitted = new ArrayList<>();
  private final java.util.Set<ProcessHandle> seenExecutors =
      java.util.Collections.synchronizedSet(new java.util.HashSet<>());

  LocalCluster(Path root, Path logs) throws IOException {
    this.home = root.resolve("spark-home");
    this.confDir = home.resolve("conf");
    this.workerDir = root.resolve("worker");
    fakeSparkHome();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_CONF_DIR", confDir.toString());
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    // Without it the worker looks for a source build's folders and fails.
    env.put("SPARK_SCALA_VERSION", "2.13");
    masterPort = freePort();
    masterUiPort = freePort();
    master =
        ChildProcess.start(
            "spark-master",
            java(
                "-Xmx512m",
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                "" + masterPort,
                "--webui-port",
                "" + masterUiPort),
            root,
            env,
            logs);
    awaitHttp(Duration.ofMinutes(3));
    worker =
        ChildProcess.start(
            "spark-worker",
            java(
                "-Xmx512m",
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                "127.0.0.1",
                "--webui-port",
                "" + freePort(),
                "--cores",
                "2",
                "--memory",
                "3g",
                "--work-dir",
                workerDir.toString(),
                masterUrl()),
            root,
            env,
            logs);
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (state().path("aliveworkers").asInt() < 1) {
      if (System.nanoTime() > deadline || !worker.process.isAlive()) {
        close();
        throw new AssertionError("the worker did not register; log " + worker.log);
      }
      ChildProcess.sleep(500);
    }
  }

  String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  /** $SPARK_HOME/jars: links to the runtime jars Maven resolved (target/classpath.txt). */
  private void fakeSparkHome() throws IOException {
    Path jars = home.resolve("jars");
    SampleRun.deleteTree(home);
    Files.createDirectories(jars);
    Files.createDirectories(confDir);
    String cp = Files.readString(OpsFixture.project().resolve("target/classpath.txt")).trim();
    for (String jar : cp.split(java.io.File.pathSeparator)) {
      Path source = Path.of(jar);
      Path link = jars.resolve(source.getFileName());
      if (!Files.exists(link)) {
        Files.createSymbolicLink(link, source);
      }
    }
    Files.copy(
        OpsFixture.project().resolve("conf/log4j2.properties"),
        confDir.resolve("log4j2.properties"));
  }

  private List<String> java(String heap, String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add(heap);
    cmd.addAll(JVM_FLAGS);
    cmd.add("-Dlog4j2.configurationFile=" + confDir.resolve("log4j2.properties"));
    cmd.add("-cp");
    cmd.add(confDir + java.io.File.pathSeparator + home.resolve("jars") + "/*");
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * {@code spark-submit --master spark://... --deploy-mode client --class org.rwe.cli.Main
   * target/rwe.jar ARGS}: Spark's SparkSubmit class in a JVM of its own (the driver), the product
   * jar shipped to the executors by Spark.
   */
  ChildProcess submit(String name, Path workDir, Path logs, String... appArgs) {
    List<String> cmd =
        java(
            "-Xmx1500m",
            "org.apache.spark.deploy.SparkSubmit",
            "--master",
            masterUrl(),
            "--deploy-mode",
            "client",
            "--name",
            name,
            "--class",
            "org.rwe.cli.Main",
            "--conf",
            "spark.executor.memory=1g",
            "--conf",
            "spark.driver.host=127.0.0.1",
            "--conf",
            "spark.driver.bindAddress=127.0.0.1",
            "--conf",
            "spark.ui.enabled=false",
            OpsFixture.project().resolve("target/rwe.jar").toString());
    cmd.addAll(List.of(appArgs));
    ChildProcess p = ChildProcess.start(name, cmd, workDir, env, logs);
    submitted.add(p);
    return p;
  }

  /** The master's view (/json/): workers, applications, cores. */
  JsonNode state() {
    try (InputStream in =
        URI.create("http://127.0.0.1:" + masterUiPort + "/json/").toURL().openStream()) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      return new ObjectMapper().createObjectNode();
    }
  }

  private void awaitHttp(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (state().isEmpty()) {
      if (System.nanoTime() > deadline || !master.process.isAlive()) {
        close();
        throw new AssertionError("the master did not start; log " + master.log);
      }
      ChildProcess.sleep(500);
    }
  }

  /** The executor JVMs the worker runs now. */
  List<ProcessHandle> executors() {
    List<ProcessHandle> now =
        worker
            .process
            .descendants()
            .filter(ProcessHandle::isAlive)
            .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
            .toList();
    seenExecutors.addAll(now);
    return now;
  }

  /** Every process of this cluster still alive (for the check that close() left none). */
  List<ProcessHandle> alive() {
    List<ProcessHandle> all = new ArrayList<>(seenExecutors);
    if (worker != null) {
      all.add(worker.process.toHandle());
    }
    all.add(master.process.toHandle());
    submitted.forEach(p -> all.add(p.process.toHandle()));
    return all.stream().filter(ProcessHandle::isAlive).toList();
  }

  @Override
  public void close() {
    submitted.forEach(ChildProcess::close);
    // SIGTERM first: the worker then stops its executors itself; SIGKILL after a grace period.
    if (worker != null) {
      executors();
      worker.stop(Duration.ofSeconds(15));
    }
    master.stop(Duration.ofSeconds(10));
    for (ProcessHandle p : alive()) {
      p.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
