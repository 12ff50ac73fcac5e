package org.rwe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rwe.testing.SparkTestSession;

/** Exit codes and messages of the command line, as a scheduler sees them. */
class MainTest {
  @TempDir Path dir;

  static final String STUDY =
      SparkTestSession.projectDir().resolve("conf/studies/magnesium-depression.conf").toString();

  /** Runs the CLI, capturing what it prints to stderr. */
  static Result run(String... args) {
    SparkTestSession.get();
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    try {
      int code = Main.execute(args);
      return new Result(code, err.toString());
    } finally {
      System.setErr(old);
    }
  }

  record Result(int code, String err) {}

  @Test
  void unknownConfigKeyExitsTwoNamingTheKey() {
    Result r =
        run(
            "run",
            "--conf",
            STUDY,
            "--input",
            dir.toString(),
            "--output",
            dir.toString(),
            "-Dcohort.minAgeAtIdx=18");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("cohort.minAgeAtIdx"), r.err());
  }

  @Test
  void wrongTypeExitsTwo() {
    Result r =
        run(
            "run",
            "--conf",
            STUDY,
            "--input",
            dir.toString(),
            "--output",
            dir.toString(),
            "-Dcohort.minAgeAtIndex=adult");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("cohort.minAgeAtIndex"), r.err());
  }

  @Test
  void unknownStageExitsTwo() {
    Result r = run("run", "--conf", STUDY, "--input", dir.toString(), "--from", "matching");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--from"), r.err());
  }

  @Test
  void missingTableExitsThreeNamingIt() throws Exception {
    Path input = Files.createDirectories(dir.resolve("extract"));
    Files.writeString(
        input.resolve("person.csv"), "person_id,gender_concept_id,year_of_birth\n1,8507,1970\n");
    Result r =
        run(
            "run",
            "--conf",
            STUDY,
            "--input",
            input.toString(),
            "--output",
            dir.resolve("out").toString(),
            "--run-id",
            "x");
    assertEquals(3, r.code(), r.err());
    assertTrue(r.err().contains("observation_period"), r.err());
    assertTrue(!r.err().contains("\tat "), "no stack trace for an expected error: " + r.err());
  }

  @Test
  void missingColumnExitsThreeNamingFileAndColumn() throws Exception {
    Path input = Files.createDirectories(dir.resolve("extract2"));
    Files.writeString(
        input.resolve("concept.csv"), "concept_id,concept_name,vocabulary_id\n1,a,SNOMED\n");
    for (String t :
        new String[] {
          "concept_ancestor",
          "concept_relationship",
          "person",
          "observation_period",
          "visit_occurrence",
          "condition_occurrence",
          "drug_exposure"
        }) {
      Files.writeString(input.resolve(t + ".csv"), "x,y\n1,2\n");
    }
    Result r =
        run(
            "run",
            "--conf",
            STUDY,
            "--input",
            input.toString(),
            "--output",
            dir.resolve("out").toString(),
            "--run-id",
            "x");
    assertEquals(3, r.code(), r.err());
    assertTrue(r.err().contains("concept.csv") && r.err().contains("concept_code"), r.err());
  }

  @Test
  void badGeneratorOptionExitsTwo() {
    Result r = run("generate", "--persons", "0", "--out", dir.toString());
    assertEquals(2, r.code(), r.err());
  }
}
