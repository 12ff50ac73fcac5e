package org.rwe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rwe.omop.InputException;
import org.rwe.run.DiagnosticsException;
import org.rwe.testing.SparkTestSession;

/** Exit codes and messages of the command line, as a scheduler sees them. */
class MainTest {
  @TempDir Path dir;

  static final String STUDY =
      SparkTestSession.projectDir().resolve("conf/studies/magnesium-depression.conf").toString();

  /** Runs the CLI, capturing what it prints to stdout and stderr. */
  static Result run(String... args) {
    SparkTestSession.get();
    PrintStream oldErr = System.err;
    PrintStream oldOut = System.out;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    System.setOut(new PrintStream(out, true));
    try {
      int code = Main.execute(args);
      return new Result(code, err.toString(), out.toString());
    } finally {
      System.setErr(oldErr);
      System.setOut(oldOut);
    }
  }

  record Result(int code, String err, String out) {}

  static final String SAMPLE = SparkTestSession.projectDir().resolve("sample-data").toString();

  @Test
  void everySubcommandHasItsOwnHelpAndExitsZero() {
    for (String command : List.of("run", "generate", "simulate")) {
      for (String flag : List.of("--help", "-h")) {
        Result r = run(command, flag);
        assertEquals(0, r.code(), command + " " + flag + ": " + r.err());
        assertTrue(
            r.out().contains("Usage: rwe " + command), command + " " + flag + ": " + r.out());
      }
    }
    assertTrue(run("run", "--help").out().contains("--dry-run"), "run's own options");
  }

  @Test
  void aMistypedCommandOrOptionGetsASuggestion() {
    Result command = run("rn");
    assertEquals(2, command.code());
    assertTrue(
        command.err().contains("Did you mean") && command.err().contains("run"), command.err());
    assertTrue(command.err().contains("(rwe --help lists them all)"), command.err());
    Result option = run("run", "--inptu", dir.toString());
    assertEquals(2, option.code());
    assertTrue(option.err().contains("--input"), option.err());
    assertTrue(option.err().contains("(rwe run --help lists them all)"), option.err());
  }

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
  void anInputThatIsAFileSaysSo() throws Exception {
    Path file = Files.writeString(dir.resolve("person.csv"), "person_id\n1\n");
    Result r =
        run(
            "run",
            "--conf",
            STUDY,
            "--input",
            file.toString(),
            "--output",
            dir.resolve("out").toString());
    assertEquals(3, r.code(), r.err());
    assertTrue(r.err().contains("--input " + file + " is a file, not a folder"), r.err());
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
    // Every table here lacks its columns: whichever is checked first, the message names the file
    // and the missing column.
    assertTrue(
        r.err()
            .matches(
                "(?s).*[a-z_]+\\.csv: required column '[a-z_]+' of table [a-z_]+ is missing.*"),
        r.err());
  }

  @Test
  void badGeneratorOptionExitsTwo() {
    Result r = run("generate", "--persons", "0", "--out", dir.toString());
    assertEquals(2, r.code(), r.err());
  }

  @Test
  void dryRunChecksEverythingAndWritesNothing() {
    Path out = dir.resolve("out");
    Result r =
        run("run", "--conf", STUDY, "--input", SAMPLE, "--output", out.toString(), "--dry-run");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("nothing was run"), r.out());
    assertTrue(r.out().contains("condition_occurrence") && r.out().contains("csv"), r.out());
    assertTrue(
        r.out().contains("columns not used, dropped by ingest: [valid_end_date, valid_start_date]"),
        "the input's own unused columns: " + r.out());
    assertFalse(r.out().contains("_corrupt_record"), "not the reader's own columns: " + r.out());
    assertFalse(Files.exists(out), "a dry run creates no output folder");
  }

  @Test
  void dryRunReportsEveryInputProblemAtOnce() throws Exception {
    Path input = Files.createDirectories(dir.resolve("broken"));
    for (String t :
        new String[] {
          "concept_ancestor",
          "concept_relationship",
          "observation_period",
          "visit_occurrence",
          "condition_occurrence",
          "drug_exposure"
        }) {
      Files.copy(Path.of(SAMPLE).resolve(t + ".csv.gz"), input.resolve(t + ".csv.gz"));
    }
    Files.writeString(
        input.resolve("concept.csv"), "concept_id,concept_name,vocabulary_id\n1,a,SNOMED\n");
    Files.write(input.resolve("death.csv.gz"), new byte[] {31, -117, 8, 0, 1, 2});
    Result r =
        run(
            "run",
            "--conf",
            STUDY,
            "--input",
            input.toString(),
            "--output",
            dir.toString(),
            "--dry-run");
    assertEquals(3, r.code(), r.err());
    assertTrue(r.err().contains("person not found"), r.err());
    assertTrue(r.err().contains("concept.csv") && r.err().contains("concept_code"), r.err());
    assertTrue(r.err().contains("death.csv.gz"), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
  }

  @Test
  void anOutputThatCannotBeCreatedExitsFiveNamingIt() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
    Result r =
        run(
            "run",
            "--conf",
            STUDY,
            "--input",
            SAMPLE,
            "--output",
            file.resolve("out").toString(),
            "--run-id",
            "x");
    assertEquals(5, r.code(), r.err());
    assertTrue(r.err().startsWith("rwe: output error: "), r.err());
    assertTrue(r.err().contains(file.resolve("out").toString()), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    assertEquals("not a folder", Files.readString(file));
  }

  /** What a task throws reaches the driver wrapped by Spark; the exit code still says what. */
  @Test
  void anExpectedErrorThrownInASparkTaskKeepsItsExitCode() {
    SparkSession spark = SparkTestSession.get();
    Exception e =
        assertThrows(
            Exception.class,
            () ->
                spark
                    .range(0, 4, 1, 2)
                    .map(
                        (MapFunction<Long, Long>)
                            x -> {
                              if (x == 3) {
                                throw new InputException("File x.csv: bad row " + x);
                              }
                              return x;
                            },
                        Encoders.LONG())
                    .collectAsList());
    assertFalse(e instanceof InputException, "Spark wraps it: " + e.getClass());
    StringWriter text = new StringWriter();
    assertEquals(3, Main.report(e, new PrintWriter(text)));
    assertEquals("rwe: input error: File x.csv: bad row 3", text.toString().trim());
  }

  @Test
  void failedDiagnosticsExitFourWithOneLine() {
    StringWriter text = new StringWriter();
    int code =
        Main.report(
            new IllegalStateException(
                "stage report failed",
                new DiagnosticsException(List.of("max |std_diff_after| 0.14 >= 0.1"))),
            new PrintWriter(text));
    assertEquals(4, code);
    assertEquals(ExitCode.DIAGNOSTICS_FAILED.code, code);
    assertEquals(
        "rwe: diagnostic failed: max |std_diff_after| 0.14 >= 0.1", text.toString().trim());
  }

  @Test
  void aFullDiskAnywhereInTheCauseChainIsAnOutputError() {
    Exception e =
        new IllegalStateException(
            "Job aborted", new java.io.IOException("write failed: No space left on device"));
    assertEquals(ExitCode.OUTPUT_ERROR, ExitCode.of(e));
    assertEquals(ExitCode.INTERNAL_ERROR, ExitCode.of(new IllegalStateException("boom")));
    StringWriter text = new StringWriter();
    assertEquals(1, Main.report(new IllegalStateException("boom"), new PrintWriter(text)));
    assertTrue(text.toString().contains("\tat "), "an internal error keeps its stack trace");
  }

  @Test
  void everyExitCodeIsDistinct() {
    assertEquals(
        List.of(0, 1, 2, 3, 4, 5),
        java.util.Arrays.stream(ExitCode.values()).map(c -> c.code).toList());
  }
}
