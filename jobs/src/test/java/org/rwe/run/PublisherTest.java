package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishing as readers see it: after every single step of a publish (and so wherever the process
 * is killed) no visible run folder lacks _SUCCESS and 'latest' names a complete run; running again
 * after a kill at any step finishes the job.
 */
class PublisherTest {
  @TempDir Path dir;

  /** Thrown by the step hook to stop a publish dead, as SIGKILL would. */
  static final class Killed extends Error {
    Killed(String step) {
      super("killed after " + step);
    }
  }

  Path study() {
    return dir.resolve("study");
  }

  RunFiles files() throws IOException {
    Configuration conf = new Configuration();
    return new RunFiles(FileSystem.getLocal(conf), conf);
  }

  /** A complete run folder of the given content ("old", "new"), as a finished run leaves it. */
  void run(String name, String content, boolean complete) throws IOException {
    Path run = Files.createDirectories(study().resolve(name).resolve("results"));
    Files.writeString(run.resolve("part-0.parquet"), content);
    Files.writeString(run.getParent().resolve("content"), content);
    if (complete) {
      Files.writeString(run.getParent().resolve("_SUCCESS"), "");
    }
  }

  void latest(String name) throws IOException {
    Files.writeString(study().resolve("latest"), name + "\n");
  }

  /** What a reader may rely on, checked after every step. */
  void checkInvariants(String step, boolean latestExisted) {
    try (Stream<Path> entries = Files.list(study())) {
      for (Path e : entries.toList()) {
        String name = e.getFileName().toString();
        if (Files.isDirectory(e) && !name.startsWith(".") && !name.endsWith(".inprogress")) {
          assertTrue(
              Files.exists(e.resolve("_SUCCESS")),
              "after " + step + ": visible folder " + name + " has no _SUCCESS");
        }
      }
      Path latest = study().resolve("latest");
      if (latestExisted) {
        assertTrue(Files.exists(latest), "after " + step + ": 'latest' is missing");
      }
      if (Files.exists(latest)) {
        String target = Files.readString(latest).trim();
        Path run = study().resolve(target);
        assertTrue(
            Files.exists(run.resolve("_SUCCESS")),
            "after " + step + ": 'latest' names " + target + ", not a complete run");
        String content = Files.readString(run.resolve("content"));
        assertEquals(content, Files.readString(run.resolve("results/part-0.parquet")));
      }
    } catch (IOException e) {
      fail(e);
    }
  }

  Publisher publisher(Consumer<String> step) throws IOException {
    return new Publisher(files(), study().toString(), "r1", step);
  }

  List<String> steps = new ArrayList<>();

  Consumer<String> checking(boolean latestExisted) {
    return s -> {
      steps.add(s);
      checkInvariants(s, latestExisted);
    };
  }

  void assertFinal() throws IOException {
    assertEquals("r1", Files.readString(study().resolve("latest")).trim());
    assertEquals("new", Files.readString(study().resolve("r1/content")));
    assertTrue(Files.exists(study().resolve("r1/_SUCCESS")));
    try (Stream<Path> entries = Files.list(study())) {
      List<String> left =
          entries
              .map(p -> p.getFileName().toString())
              .filter(n -> n.contains(".replaced-") || n.endsWith(".inprogress"))
              .toList();
      assertEquals(List.of(), left, "nothing of the publish is left behind");
    }
  }

  @Test
  void firstPublishIsOneRenameThenLatest() throws IOException {
    run("r1.inprogress", "new", false);
    publisher(checking(false)).publish();
    assertFinal();
    assertEquals(List.of("success-written", "renamed", "latest-updated"), steps);
  }

  @Test
  void replacingTheRunLatestNamesKeepsLatestOnACompleteRunThroughout() throws IOException {
    run("r1", "old", true);
    latest("r1");
    run("r1.inprogress", "new", false);
    publisher(checking(true)).publish();
    assertFinal();
    assertTrue(steps.contains("latest-on-work") && steps.contains("latest-on-old"), "" + steps);
  }

  @Test
  void replacingARunWhileLatestNamesAnotherLeavesLatestAloneUntilTheEnd() throws IOException {
    run("r0", "old", true);
    run("r1", "old", true);
    latest("r0");
    run("r1.inprogress", "new", false);
    List<String> latestDuring = new ArrayList<>();
    publisher(
            s -> {
              checkInvariants(s, true);
              try {
                latestDuring.add(s + "=" + Files.readString(study().resolve("latest")).trim());
              } catch (IOException e) {
                fail(e);
              }
            })
        .publish();
    assertFinal();
    assertTrue(latestDuring.contains("renamed=r0"), latestDuring.toString());
    assertTrue(Files.exists(study().resolve("r0/_SUCCESS")), "the other run is untouched");
  }

  /**
   * Kill the publish after each of its steps in turn; then do what the next run does (publish the
   * complete work folder if it is still there, else settle): the end state is always right and no
   * step of either breaks the invariants.
   */
  @Test
  void aPublishKilledAtAnyStepIsFinishedByTheNextRun() throws IOException {
    run("r1", "old", true);
    latest("r1");
    run("r1.inprogress", "new", false);
    List<String> all = new ArrayList<>();
    publisher(all::add).publish();
    assertTrue(all.size() >= 6, "steps of a replacing publish: " + all);

    for (int k = 0; k < all.size(); k++) {
      Files.walk(study())
          .sorted(java.util.Comparator.reverseOrder())
          .forEach(p -> p.toFile().delete());
      run("r1", "old", true);
      latest("r1");
      run("r1.inprogress", "new", false);
      String killAt = all.get(k);
      int[] seen = {0};
      int target = k;
      Consumer<String> killer =
          s -> {
            checkInvariants(s, true);
            if (seen[0]++ == target) {
              throw new Killed(s);
            }
          };
      assertThrows(Killed.class, () -> publisher(killer).publish(), "kill after " + killAt);
      checkInvariants("kill after " + killAt, true);
      // What the next run does: settle first, then publish the work folder if it is still there
      // (complete, its stamps current).
      Publisher again = publisher(checking(true));
      again.settle();
      if (Files.exists(study().resolve("r1.inprogress"))) {
        again.publish();
      }
      assertFinal();
    }
  }

  @Test
  void settleDoesNothingWhenAllIsInPlace() throws IOException {
    run("r1", "new", true);
    latest("r1");
    publisher(checking(true)).settle();
    assertFinal();
    assertEquals(List.of(), steps);
  }

  @Test
  void latestIsReplacedAtomicallyWithoutChecksumFiles() throws IOException {
    run("r1", "new", true);
    RunFiles files = files();
    files.replaceAtomically(study().resolve("latest").toString(), "r1\n");
    files.replaceAtomically(study().resolve("latest").toString(), "r1\n");
    try (Stream<Path> entries = Files.list(study())) {
      List<String> names = entries.map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(List.of("latest", "r1"), names, "no .crc or temporary file is left");
    }
    Publisher p = publisher(s -> {});
    assertEquals("r1", p.latest());
    assertNotNull(p.latest());
    assertFalse(Files.exists(study().resolve(".latest.crc")));
  }
}
