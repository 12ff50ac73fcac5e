package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's bounded driver: the default study on 200,000 generated persons ({@code
 * -Drwe.scale.persons=N} for another size) runs to its report through bin/rwe with a 3 GB JVM
 * (driver and local executors in one) and {@code spark.driver.maxResultSize = 32m}, so no stage may
 * bring person-level rows to the driver: a collect of them would fail the run ("Total size of
 * serialized results ... is bigger than spark.driver.maxResultSize"). Opt-in, as it takes minutes:
 * {@code mvn verify -Pscale -Dskip.unit.tests}. The extract is kept under target/scale-it and
 * reused by the next run of the same size.
 */
@Tag("scale")
class ScaleIT {
  @Test
  void theDefaultStudyCompletesWithASmallDriver() throws Exception {
    int persons = Integer.getInteger("rwe.scale.persons", 200_000);
    Path project = OpsFixture.project();
    Path root = project.resolve("target/scale-it");
    Path extract = root.resolve("extract-" + persons);
    Path logs = root.resolve("logs");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("RWE_JAVA_OPTS", "-Xmx3g");
    String rwe = project.resolve("bin/rwe").toString();
    Path done = root.resolve("extract-" + persons + ".done");
    if (!Files.exists(done)) {
      SampleRun.deleteTree(extract);
      long t0 = System.nanoTime();
      try (ChildProcess gen =
          ChildProcess.start(
              "generate",
              List.of(
                  rwe,
                  "generate",
                  "--persons",
                  "" + persons,
                  "--seed",
                  "13",
                  "--out",
                  extract.toString()),
              project,
              env,
              logs)) {
        assertEquals(0, gen.await(Duration.ofMinutes(60)), gen.output());
      }
      Files.writeString(done, "");
      OpsFixture.timing("generate " + persons + " persons (bin/rwe)", t0);
    }
    Path out = root.resolve("out-" + persons);
    SampleRun.deleteTree(out);
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            rwe,
            "run",
            "--input",
            extract.toString(),
            "--output",
            out.toString(),
            "--run-id",
            "s",
            "-Dspark.conf.\"spark.driver.maxResultSize\"=32m"));
    long t0 = System.nanoTime();
    try (ChildProcess run = ChildProcess.start("run", command, project, env, logs)) {
      assertEquals(0, run.await(Duration.ofMinutes(120)), run.output());
      assertTrue(run.output().contains("rwe: primary result"), run.output());
      // The limit was in force (the run's manifest records the Spark settings it ran with).
      String manifest = Files.readString(out.resolve("magnesium-depression/s/_manifest.json"));
      assertTrue(manifest.contains("spark.driver.maxResultSize"), manifest);
    }
    OpsFixture.timing("run " + persons + " persons, -Xmx3g, maxResultSize 32m (bin/rwe)", t0);
  }
}
