package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.rwe.testing.RunCompare;

/**
 * SIGKILL at several points of a run, each followed by running the same command again: the final
 * results equal an uninterrupted run's in every table, value for value, and a reader watching the
 * output folder all along never sees a partial run. The runs are bin/rwe child processes; exact
 * kill points use the run's pause points ({@code rwe.test.pauseAt}), the others a log line.
 */
@Tag("faults")
class KillAndResumeIT {

  /** Polls the study folder as a reader would, recording anything a reader must never see. */
  static final class Reader implements Runnable {
    final Path studyDir;
    final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    volatile boolean stop;
    volatile boolean latestSeen;
    int polls;

    Reader(Path studyDir) {
      this.studyDir = studyDir;
    }

    @Override
    public void run() {
      while (!stop) {
        poll();
        polls++;
        ChildProcess.sleep(20);
      }
    }

    void poll() {
      try {
        if (!Files.isDirectory(studyDir)) {
          return;
        }
        try (Stream<Path> entries = Files.list(studyDir)) {
          for (Path e : entries.toList()) {
            String name = e.getFileName().toString();
            if (name.startsWith(".") || name.endsWith(".inprogress") || !Files.isDirectory(e)) {
              continue;
            }
            // A folder renamed between the two looks is not a partial run: look twice.
            if (!Files.exists(e.resolve("_SUCCESS"))
                && Files.isDirectory(e)
                && !Files.exists(e.resolve("_SUCCESS"))
                && Files.isDirectory(e)) {
              violations.add("visible folder without _SUCCESS: " + name);
            }
          }
        }
        Path latest = studyDir.resolve("latest");
        if (Files.exists(latest)) {
          latestSeen = true;
          String target = Files.readString(latest).trim();
          if (!Files.exists(studyDir.resolve(target).resolve("_SUCCESS"))
              && Files.readString(latest).trim().equals(target)) {
            violations.add("'latest' names " + target + ", not a complete run");
          }
        } else if (latestSeen) {
          violations.add("'latest' disappeared");
        }
      } catch (IOException e) {
        // a file renamed while being read: the next poll looks again
      }
    }
  }

  Path out = OpsFixture.ROOT.resolve("kill");
  Path studyDir = out.resolve(OpsFixture.STUDY);
  Path published = studyDir.resolve("r");

  ChildProcess start(String name, Map<String, String> props, String... args) {
    return OpsFixture.run(name, out, "r", props, args);
  }

  void killAt(ChildProcess p, String line, long afterMillis) {
    p.awaitLine(l -> l.contains(line), Duration.ofMinutes(20));
    ChildProcess.sleep(afterMillis);
    assertTrue(p.process.isAlive(), p.name + " ended before the kill");
    p.kill();
    OpsFixture.assertNoRebuild(p);
    System.out.println("killed " + p.name + " at '" + line + "' + " + afterMillis + " ms");
  }

  List<String> stamps() throws IOException {
    Path dir = studyDir.resolve("r.inprogress/_stages");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void killedRunsResumeToTheSameResultsAndReadersNeverSeeAPartialRun() throws Exception {
    Path baseline = OpsFixture.baseline();
    SampleRun.deleteTree(out);
    Reader reader = new Reader(studyDir);
    Thread watcher = new Thread(reader, "reader");
    watcher.start();
    long t0 = System.nanoTime();
    try {
      // 1. In the middle of ingest, once one table is done.
      killAt(start("kill-1-ingest", Map.of()), "ingest person:", 1500);
      assertFalse(Files.exists(published));
      assertFalse(Files.exists(studyDir.resolve("latest")));
      assertEquals(List.of(), stamps(), "no stage was complete");

      // 2. Exactly between two stages: cohort done and stamped, features not started.
      killAt(
          start("kill-2-after-cohort", Map.of(FaultPoints.PROPERTY, "stage-end:cohort")),
          "paused at stage-end:cohort",
          0);
      assertEquals(List.of("cohort.json", "ingest.json"), stamps());

      // 3. In the middle of propensity (cross-validation fits running).
      ChildProcess third = start("kill-3-propensity", Map.of());
      third.awaitLine(l -> l.contains("stage cohort is current"), Duration.ofMinutes(5));
      killAt(third, "stage propensity started", 8000);
      assertEquals(List.of("cohort.json", "features.json", "ingest.json"), stamps());

      // 4. Let it finish: the first publish.
      ChildProcess fourth = start("resume-4", Map.of());
      assertEquals(0, fourth.await(Duration.ofMinutes(30)), fourth.output());
      assertTrue(fourth.output().contains("stage features is current"), fourth.log.toString());
      assertEquals("r", Files.readString(studyDir.resolve("latest")).trim());
      assertEquals(List.of(), RunCompare.differences(baseline, published));

      // 5. Replace the run (--from match) and kill it in the middle of publishing, after the old
      // run was moved aside and before the new one is in place.
      killAt(
          start(
              "kill-5-publish",
              Map.of(FaultPoints.PROPERTY, "publish:old-moved-aside"),
              "--from",
              "match"),
          "paused at publish:old-moved-aside",
          0);
      assertFalse(Files.exists(published), "killed between the two renames");
      String latest = Files.readString(studyDir.resolve("latest")).trim();
      assertTrue(
          Files.exists(studyDir.resolve(latest).resolve("_SUCCESS")),
          "latest names a complete run while none is in place: " + latest);

      // 6. Run again: the publish is finished, nothing is computed again.
      ChildProcess sixth = start("resume-6", Map.of());
      assertEquals(0, sixth.await(Duration.ofMinutes(30)), sixth.output());
      assertTrue(sixth.output().contains("stage outcomes is current"), sixth.log.toString());
      assertEquals("r", Files.readString(studyDir.resolve("latest")).trim());
      assertEquals(List.of(), RunCompare.differences(baseline, published));
      try (Stream<Path> s = Files.list(studyDir)) {
        assertEquals(
            List.of("latest", "r"),
            s.map(p -> p.getFileName().toString()).sorted().toList(),
            "nothing of the killed attempts is left");
      }
      var manifest = new ObjectMapper().readTree(published.resolve("_manifest.json").toFile());
      assertEquals("success", manifest.get("status").asText());
    } finally {
      reader.stop = true;
      watcher.join();
      OpsFixture.timing("kill-and-resume chain (6 runs)", t0);
    }
    System.out.println("reader polls: " + reader.polls);
    assertTrue(reader.polls > 100, "the reader watched: " + reader.polls + " polls");
    assertEquals(List.of(), reader.violations);
  }
}
