package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rwe.cli.Main;
import org.rwe.omop.InputException;
import org.rwe.testing.FullDiskFileSystem;
import org.rwe.testing.RunCompare;
import org.rwe.testing.SparkTestSession;

/**
 * Re-running a run: what is current is skipped, what is not is recomputed with everything after it,
 * the result is the same as computing it all, and a failure leaves the published run as it was.
 * Each test works on its own copy of the shared sample run.
 */
class ResumeTest {
  @TempDir Path dir;

  SampleRun.Result sample;
  Path output;
  Path studyDir;
  Path published;

  @BeforeEach
  void copySampleRun() throws IOException {
    sample = SampleRun.get();
    output = dir.resolve("out");
    studyDir = output.resolve(sample.studyDir().getFileName().toString());
    SampleRun.copyTree(sample.studyDir(), studyDir);
    published = studyDir.resolve(SampleRun.RUN_ID);
  }

  String run(Stage from, Map<Stage, Pipeline.StageJob> jobs) {
    return Pipeline.run(
        SparkTestSession.get(),
        SampleRun.settings(),
        sample.input().toString(),
        output.toString(),
        SampleRun.RUN_ID,
        from,
        null,
        jobs);
  }

  /** Copies what the pipeline logs into {@code out} until closed. */
  static AutoCloseable captureLog(java.io.Writer out) {
    org.apache.logging.log4j.core.LoggerContext ctx =
        (org.apache.logging.log4j.core.LoggerContext)
            org.apache.logging.log4j.LogManager.getContext(false);
    org.apache.logging.log4j.core.appender.WriterAppender appender =
        org.apache.logging.log4j.core.appender.WriterAppender.newBuilder()
            .setName("resume-test-capture")
            .setTarget(out)
            .setLayout(
                org.apache.logging.log4j.core.layout.PatternLayout.newBuilder()
                    .withPattern("%p %m%n")
                    .build())
            .build();
    appender.start();
    org.apache.logging.log4j.core.config.LoggerConfig rwe =
        ctx.getConfiguration().getLoggerConfig("org.rwe.run.Pipeline");
    rwe.addAppender(appender, null, null);
    ctx.updateLoggers();
    return () -> {
      rwe.removeAppender(appender.getName());
      ctx.updateLoggers();
      appender.stop();
    };
  }

  static JsonNode manifest(Path runDir) throws IOException {
    return new ObjectMapper().readTree(runDir.resolve("_manifest.json").toFile());
  }

  /** Stage id to its status in the manifest ("current", "computed"). */
  static Map<String, String> statuses(JsonNode manifest) {
    Map<String, String> out = new LinkedHashMap<>();
    manifest.get("stages").forEach(s -> out.put(s.get("stage").asText(), s.get("status").asText()));
    return out;
  }

  static Map<String, String> expected(Stage firstComputed) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Stage s : Stage.values()) {
      out.put(s.id(), s.ordinal() < firstComputed.ordinal() ? "current" : "computed");
    }
    return out;
  }

  List<String> leftovers() throws IOException {
    try (Stream<Path> entries = Files.list(studyDir)) {
      return entries
          .map(p -> p.getFileName().toString())
          .filter(n -> n.contains(".replaced-") || n.endsWith(".inprogress"))
          .toList();
    }
  }

  @Test
  void aCurrentPublishedRunIsLeftAsItIsWithoutASparkJob() throws IOException {
    String manifestBefore = Files.readString(published.resolve("_manifest.json"));
    SampleRun.JobGroups jobs = SampleRun.JobGroups.listen(SparkTestSession.get());
    String result;
    try {
      result = run(null, Pipeline.jobs());
    } finally {
      jobs.stop();
    }
    assertEquals(published.toString(), result);
    assertEquals(List.of(), jobs.seen(), "Spark jobs of a run with nothing to do");
    assertEquals(manifestBefore, Files.readString(published.resolve("_manifest.json")));
    assertEquals(SampleRun.RUN_ID, Files.readString(studyDir.resolve("latest")).trim());
    assertEquals(List.of(), leftovers());
  }

  @Test
  void fromRecomputesThatStageAloneAndReplacesTheRunCleanly() throws IOException {
    Path before = dir.resolve("before");
    SampleRun.copyTree(published, before);
    SampleRun.JobGroups jobs = SampleRun.JobGroups.listen(SparkTestSession.get());
    try {
      run(Stage.OUTCOMES, Pipeline.jobs());
    } finally {
      jobs.stop();
    }
    assertFalse(jobs.seen().isEmpty());
    // --from recomputes that stage and every stage after it (the report), nothing before.
    assertEquals(
        java.util.Arrays.stream(Stage.values())
            .filter(s -> s.ordinal() >= Stage.OUTCOMES.ordinal())
            .map(s -> "rwe-" + s.id())
            .toList(),
        jobs.seen().stream().distinct().toList());
    JsonNode m = manifest(published);
    assertEquals(expected(Stage.OUTCOMES), statuses(m));
    assertEquals("success", m.get("status").asText());
    assertEquals(List.of(), RunCompare.differences(before, published));
    assertTrue(Files.exists(published.resolve("_SUCCESS")));
    assertEquals(SampleRun.RUN_ID, Files.readString(studyDir.resolve("latest")).trim());
    assertEquals(List.of(), leftovers());
    // The manifest keeps what the skipped stages did when they were computed.
    assertEquals(
        manifest(before).get("stages").get(0).get("counts"), m.get("stages").get(0).get("counts"));
    assertTrue(m.get("input").get("tables").get(0).get("rows_read").asLong() > 0);
  }

  /**
   * The first run of an id killed in the middle of 'outcomes' leaves its work folder with the
   * earlier stages stamped, part of outcomes' output (one aggregate table missing), no outcomes
   * stamp (here also a stale report stamp of an earlier attempt), and nothing published: the next
   * run continues there, recomputes outcomes and the report, and publishes the same results as the
   * uninterrupted run. (Which stage is killed does not matter to the resume logic; outcomes is the
   * cheapest one with a stage after it.)
   */
  @Test
  void aRunKilledInAStageContinuesFromThatStageWithTheSameResults() throws IOException {
    Path work = studyDir.resolve(SampleRun.RUN_ID + ".inprogress");
    Files.move(published, work);
    Files.delete(studyDir.resolve("latest"));
    Files.delete(work.resolve("_SUCCESS"));
    Files.delete(work.resolve("_stages/outcomes.json"));
    assertTrue(Files.exists(work.resolve("_stages/report.json")), "a stale later stamp");
    SampleRun.deleteTree(work.resolve("aggregates/cohort_method_result"));
    SampleRun.deleteTree(work.resolve("results"));

    run(null, Pipeline.jobs());

    assertEquals(expected(Stage.OUTCOMES), statuses(manifest(published)));
    assertEquals(List.of(), RunCompare.differences(sample.studyDir().resolve("e2e"), published));
    assertEquals(SampleRun.RUN_ID, Files.readString(studyDir.resolve("latest")).trim());
    assertEquals(List.of(), leftovers());
  }

  /**
   * A real SIGKILL (the short version of KillAndResumeIT, which is opt-in): a child JVM re-running
   * outcomes ({@code --from outcomes}) is killed while the stage writes its result tables (to the
   * restricted aggregates/, which the report stage masks into results/); a reader polling all along
   * never sees a partial run, the published run is untouched, and running the same command again
   * continues in the work folder and publishes the same results.
   */
  @Test
  void aRunKilledWithSigkillWhileWritingResultsResumesToTheSameResults() throws Exception {
    String manifestBefore = Files.readString(published.resolve("_manifest.json"));
    KillAndResumeIT.Reader reader = new KillAndResumeIT.Reader(studyDir);
    Thread watcher = new Thread(reader, "reader");
    watcher.start();
    try {
      List<String> command = new java.util.ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx1g");
      command.addAll(List.of(System.getProperty("rwe.spark.jvm.flags", "").trim().split("\\s+")));
      command.add("-Dspark.ui.enabled=false");
      command.add(
          "-Dlog4j2.configurationFile="
              + SparkTestSession.projectDir().resolve("conf/log4j2.properties"));
      command.addAll(
          List.of("-cp", System.getProperty("java.class.path"), "org.rwe.cli.Main", "run"));
      command.addAll(
          List.of(
              "--conf",
              SparkTestSession.projectDir()
                  .resolve("conf/studies/magnesium-depression.conf")
                  .toString(),
              "--input",
              sample.input().toString(),
              "--output",
              output.toString(),
              "--run-id",
              SampleRun.RUN_ID,
              "--from",
              "report",
              "-Dpropensity.crossValidationFolds=5",
              "-Dspark.master=local[1]"));
      try (ChildProcess child =
          ChildProcess.start(
              "kill-in-report",
              command.stream().filter(a -> !a.isEmpty()).toList(),
              dir,
              Map.of("SPARK_LOCAL_IP", "127.0.0.1"),
              dir.resolve("logs"))) {
        child.awaitLine(l -> l.contains("stage report started"), java.time.Duration.ofMinutes(10));
        // The report stage writes the shareable results/ (the outcomes stage writes only the
        // restricted aggregates/): killed once it has begun to write them (or after 20 s at most).
        Path results = studyDir.resolve(SampleRun.RUN_ID + ".inprogress/results");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline && !Files.exists(results)) {
          ChildProcess.sleep(50);
        }
        ChildProcess.sleep(300);
        assertTrue(child.process.isAlive(), "the run ended before the kill: " + child.output());
        child.kill();
      }
      Path work = studyDir.resolve(SampleRun.RUN_ID + ".inprogress");
      assertTrue(Files.exists(work), "the killed run left its work folder");
      assertFalse(Files.exists(work.resolve("_stages/report.json")));
      assertEquals(manifestBefore, Files.readString(published.resolve("_manifest.json")));

      run(Stage.REPORT, Pipeline.jobs());
    } finally {
      reader.stop = true;
      watcher.join();
    }
    assertEquals(expected(Stage.REPORT), statuses(manifest(published)));
    assertEquals(List.of(), RunCompare.differences(sample.studyDir().resolve("e2e"), published));
    assertEquals(SampleRun.RUN_ID, Files.readString(studyDir.resolve("latest")).trim());
    assertEquals(List.of(), leftovers());
    assertTrue(reader.polls > 10, "the reader watched: " + reader.polls + " polls");
    assertEquals(List.of(), reader.violations);
  }

  @Test
  void aFailedRunRecordsItsErrorAndLeavesThePublishedRunAsItWas() throws IOException {
    String manifestBefore = Files.readString(published.resolve("_manifest.json"));
    Map<Stage, Pipeline.StageJob> jobs = new LinkedHashMap<>(Pipeline.jobs());
    jobs.put(
        Stage.OUTCOMES,
        ctx -> {
          throw new InputException("synthetic failure in outcomes");
        });
    assertThrows(InputException.class, () -> run(Stage.OUTCOMES, jobs));

    Path work = studyDir.resolve(SampleRun.RUN_ID + ".inprogress");
    JsonNode m = manifest(work);
    assertEquals("failed", m.get("status").asText());
    assertEquals(3, m.get("exit_code").asInt());
    assertEquals("outcomes", m.get("error").get("stage").asText());
    assertEquals("synthetic failure in outcomes", m.get("error").get("message").asText());
    assertFalse(Files.exists(work.resolve("_SUCCESS")));
    assertEquals(manifestBefore, Files.readString(published.resolve("_manifest.json")));
    assertEquals(SampleRun.RUN_ID, Files.readString(studyDir.resolve("latest")).trim());

    // Failing diagnostics are recorded with their own exit code.
    jobs.put(
        Stage.OUTCOMES,
        ctx -> {
          throw new DiagnosticsException(List.of("max |std_diff_after| 0.14 >= 0.1"));
        });
    assertThrows(DiagnosticsException.class, () -> run(Stage.OUTCOMES, jobs));
    assertEquals(4, manifest(work).get("exit_code").asInt());
  }

  /**
   * diagnostics.failOnFailure with a balance threshold no analysis meets: every result table is
   * written in the work folder for review, exit code 4 with one line listing the failures, the run
   * is not published and the published run is left as it was.
   */
  @Test
  void failingDiagnosticsEndWithExitCodeFourAndPublishNothing() throws IOException {
    String manifestBefore = Files.readString(published.resolve("_manifest.json"));
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    int code;
    java.io.StringWriter log = new java.io.StringWriter();
    try (AutoCloseable capture = captureLog(log)) {
      code =
          Main.execute(
              "run",
              "--conf",
              SparkTestSession.projectDir()
                  .resolve("conf/studies/magnesium-depression.conf")
                  .toString(),
              "--input",
              sample.input().toString(),
              "--output",
              output.toString(),
              "--run-id",
              SampleRun.RUN_ID,
              "-Dpropensity.crossValidationFolds=5",
              "-Ddiagnostics.failOnFailure=true",
              "-Ddiagnostics.maxSdm=0.0001");
    } catch (Exception e) {
      throw new AssertionError(e);
    } finally {
      System.setErr(old);
    }
    String message = err.toString();
    assertEquals(4, code, message);
    // The same run id with another configuration: said before anything is replaced.
    assertTrue(
        log.toString().contains("WARN run " + SampleRun.RUN_ID + " is published ("),
        log.toString());
    assertTrue(
        log.toString()
            .contains("not current from stage outcomes on (config 'diagnostics' changed)"),
        log.toString());
    assertTrue(message.contains("balance (diagnostics.failOnFailure = true)"), message);
    assertFalse(message.contains("\tat "), "no stack trace for an expected error: " + message);
    Path work = studyDir.resolve(SampleRun.RUN_ID + ".inprogress");
    JsonNode m = manifest(work);
    assertEquals("failed", m.get("status").asText());
    assertEquals(4, m.get("exit_code").asInt());
    assertEquals("outcomes", m.get("error").get("stage").asText());
    // The tables are there for review, unmasked (restricted), and nothing is shareable yet.
    assertTrue(Files.isDirectory(work.resolve("aggregates/diagnostics_summary")));
    assertTrue(Files.isDirectory(work.resolve("aggregates/cohort_method_result")));
    assertFalse(Files.exists(work.resolve("results/cohort_method_result")));
    assertFalse(Files.exists(work.resolve("_SUCCESS")));
    assertFalse(Files.exists(work.resolve("_stages/outcomes.json")));
    assertEquals(manifestBefore, Files.readString(published.resolve("_manifest.json")));
    assertEquals(SampleRun.RUN_ID, Files.readString(studyDir.resolve("latest")).trim());
  }

  /**
   * The disk fills up while outcomes writes its result table to aggregates/ (ENOSPC in a Spark
   * task): exit code 5, one line naming the run folder and the cause, and the published run as it
   * was.
   */
  @Test
  void aFullDiskFailsWithExitCodeFiveAndLeavesThePublishedRunAsItWas() throws IOException {
    SparkSession spark = SparkTestSession.get();
    var conf = spark.sparkContext().hadoopConfiguration();
    FullDiskFileSystem.register(conf, "/aggregates/cohort_method_result/");
    List<String> before = RunCompare.tables(published);
    String manifestBefore = Files.readString(published.resolve("_manifest.json"));
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    int code;
    try {
      code =
          Main.execute(
              "run",
              "--conf",
              SparkTestSession.projectDir()
                  .resolve("conf/studies/magnesium-depression.conf")
                  .toString(),
              "--input",
              sample.input().toString(),
              "--output",
              FullDiskFileSystem.SCHEME + "://" + output,
              "--run-id",
              SampleRun.RUN_ID,
              "--from",
              "outcomes",
              "-Dpropensity.crossValidationFolds=5");
    } finally {
      System.setErr(old);
      conf.unset("fs." + FullDiskFileSystem.SCHEME + ".impl");
    }
    String message = err.toString();
    assertEquals(5, code, message);
    assertTrue(message.contains("rwe: output error:"), message);
    assertTrue(message.contains("No space left on device"), message);
    assertTrue(message.contains(SampleRun.RUN_ID + ".inprogress"), message);
    assertFalse(message.contains("\tat "), "no stack trace for an expected error: " + message);
    assertEquals(manifestBefore, Files.readString(published.resolve("_manifest.json")));
    assertEquals(before, RunCompare.tables(published));
    assertEquals(List.of(), RunCompare.differences(sample.studyDir().resolve("e2e"), published));
    assertEquals(SampleRun.RUN_ID, Files.readString(studyDir.resolve("latest")).trim());
  }
}
