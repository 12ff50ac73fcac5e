package org.rwe.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rwe.config.SettingsException;
import org.rwe.run.OutputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The command line: {@code rwe run ...}, {@code rwe generate ...} and {@code rwe simulate ...}. No
 * logic of its own.
 */
@Command(
    name = "rwe",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "New-user, propensity-score-matched cohort studies on OMOP CDM extracts.",
    subcommands = {Main.Run.class, Main.Generate.class, Main.Simulate.class})
public final class Main implements Callable<Integer> {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command and maps failures to exit codes, with one readable line for expected ones. */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(ex, cmd.getErr()));
    // Bad options are bad configuration too.
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("rwe: " + ex.getMessage());
          // "Did you mean: run?" for a mistyped command or option.
          String suggestion = suggestion(ex);
          if (suggestion != null) {
            err.println("Did you mean: " + suggestion + "?");
            CommandLine where = ex.getCommandLine();
            String command = where.getParent() == null ? "rwe" : "rwe " + where.getCommandName();
            err.println("(" + command + " --help lists them all)");
          } else {
            ex.getCommandLine().usage(err);
          }
          return ExitCode.BAD_CONFIGURATION.code;
        });
    return cl.execute(args);
  }

  /**
   * The command or option closest to an unknown argument (at most 2 edits away, or 1 for short
   * words), or null.
   */
  static String suggestion(CommandLine.ParameterException ex) {
    if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
      return null;
    }
    String typed = u.getUnmatched().get(0).split("=", 2)[0];
    CommandLine cl = ex.getCommandLine();
    java.util.List<String> known = new java.util.ArrayList<>(cl.getSubcommands().keySet());
    for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
      known.addAll(java.util.Arrays.asList(o.names()));
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d =
          org.apache.commons.text.similarity.LevenshteinDistance.getDefaultInstance()
              .apply(typed, k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    int allowed = typed.length() <= 3 ? 1 : 2;
    return bestDistance <= allowed ? best : null;
  }

  /**
   * Prints one readable line for an expected failure (the cause Spark may have wrapped), or the
   * failure with its stack trace for an internal error, and returns the exit code.
   */
  static int report(Throwable ex, PrintWriter err) {
    ExitCode code = ExitCode.of(ex);
    Throwable cause = ExitCode.expectedCause(ex);
    switch (code) {
      case BAD_CONFIGURATION -> err.println("rwe: configuration error: " + cause.getMessage());
      case BAD_INPUT -> err.println("rwe: input error: " + cause.getMessage());
      case DIAGNOSTICS_FAILED -> err.println("rwe: " + cause.getMessage());
      case OUTPUT_ERROR ->
          err.println(
              "rwe: output error: "
                  + (cause instanceof OutputException
                      ? cause.getMessage()
                      : OutputException.noSpaceReason(ex) + " (" + ex.getMessage() + ")"));
      default -> {
        err.println("rwe: internal error: " + ex);
        ex.printStackTrace(err);
      }
    }
    err.flush();
    return code.code;
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return ExitCode.BAD_CONFIGURATION.code;
  }

  static String home() {
    String h = System.getenv("RWE_HOME");
    return h == null || h.isEmpty() ? "." : h;
  }

  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      versionProvider = Main.Version.class,
      description = "Run the study pipeline on an OMOP extract.")
  static final class Run implements Callable<Integer> {
    @Option(names = "--input", description = "OMOP extract folder (default: sample-data)")
    String input;

    @Option(names = "--output", description = "Output root (default: output)")
    String output = "output";

    @Mixin StudyOptions study;

    @Option(names = "--run-id", description = "Run id (default: date + input fingerprint)")
    String runId;

    @Option(
        names = "--from",
        description = "Recompute from this stage on, even where the stored output is current")
    String from;

    @Option(
        names = "--to",
        description = "Last stage to compute (the run then stays unpublished, to be continued)")
    String to;

    @Option(
        names = "--dry-run",
        description =
            "Check the configuration, the input (tables, columns, readable files) and that the"
                + " output is writable; run nothing")
    boolean dryRun;

    @Option(
        names = {"-v", "--verbose"},
        description = "Log Spark's progress and the pipeline's details (default: one line a stage)")
    boolean verbose;

    @Override
    public Integer call() {
      String in = input != null ? input : home() + "/sample-data";
      Path studyFile = study.studyFile();
      return org.rwe.run.Pipeline.runFromCli(
          new org.rwe.run.Pipeline.Request(
              in, output, studyFile, runId, from, to, study.overrides, dryRun, verbose));
    }
  }

  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      versionProvider = Main.Version.class,
      description = "Write a synthetic OMOP CDM v5.4 extract with a known answer.")
  static final class Generate implements Callable<Integer> {
    @Option(names = "--persons", required = true, description = "Number of persons")
    long persons;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: 1)")
    long seed;

    @Option(names = "--out", required = true, description = "Output folder")
    String out;

    @Option(
        names = "--partitions",
        defaultValue = "0",
        description = "Part files per table (default: 1 per 250,000 persons)")
    int partitions;

    @Option(
        names = "--unmeasured-confounding",
        description = "Add a confounder that is never recorded")
    boolean unmeasured;

    @Option(
        names = "--dirty-rate",
        defaultValue = "0.0005",
        description = "Share of rows written with a defect ingest must reject (default: 0.0005)")
    double dirtyRate;

    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master")
    String master;

    @Override
    public Integer call() throws Exception {
      if (persons < 1) {
        throw new SettingsException("Invalid value for --persons: must be >= 1, got " + persons);
      }
      if (!(dirtyRate >= 0 && dirtyRate < 1)) {
        throw new SettingsException("Invalid value for --dirty-rate: must be in [0, 1)");
      }
      int parts = partitions > 0 ? partitions : (int) Math.max(1, (persons + 249_999) / 250_000);
      var settings =
          new org.rwe.generate.GeneratorSettings(persons, seed, parts, unmeasured, dirtyRate);
      try (var h =
          org.rwe.run.SparkSessions.open(
              new org.rwe.config.StudySettings.SparkSettings(master, 8, Map.of()),
              "rwe-generate")) {
        org.rwe.generate.GenerateJob.run(h.spark(), settings, out);
      }
      return ExitCode.SUCCESS.code;
    }
  }

  @Command(
      name = "simulate",
      mixinStandardHelpOptions = true,
      versionProvider = Main.Version.class,
      description =
          "Simulation study: generate extracts with a known answer, run the study on each, report"
              + " bias, RMSE and CI coverage.")
  static final class Simulate implements Callable<Integer> {
    @Option(names = "--replicates", defaultValue = "20", description = "Replicates (default: 20)")
    int replicates;

    @Option(
        names = "--persons",
        defaultValue = "10000",
        description = "Persons per replicate (default: 10000)")
    long persons;

    @Option(
        names = "--first-seed",
        defaultValue = "1001",
        description = "Seed of the first replicate; the others follow (default: 1001)")
    long firstSeed;

    @Option(
        names = "--unmeasured-confounding",
        description = "Generate with a confounder that is never recorded")
    boolean unmeasured;

    @Option(
        names = "--out",
        required = true,
        description = "Folder for estimates.csv and summary.md (a study there is continued)")
    Path out;

    @Mixin StudyOptions study;

    @Override
    public Integer call() throws Exception {
      if (replicates < 1 || persons < 1) {
        throw new SettingsException("Invalid value for --replicates or --persons: must be >= 1");
      }
      Path studyFile = study.studyFile();
      var settings =
          new org.rwe.validation.SimulationStudy.Settings(
              replicates, persons, firstSeed, unmeasured, studyFile, study.overrides, out);
      var spark = org.rwe.config.StudySettings.load(studyFile, study.overrides).spark();
      try (var h = org.rwe.run.SparkSessions.open(spark, "rwe-simulate")) {
        org.rwe.validation.SimulationStudy.run(h.spark(), settings);
      }
      System.out.print(java.nio.file.Files.readString(out.resolve("summary.md")));
      return ExitCode.SUCCESS.code;
    }
  }

  /** The study file and setting overrides, the same for every command that runs the study. */
  static final class StudyOptions {
    @Option(
        names = "--conf",
        description = "Study file (default: conf/studies/magnesium-depression.conf)")
    Path conf;

    @Option(names = "-D", description = "Override a setting: -Dkey=value", mapFallbackValue = "")
    Map<String, String> overrides = new LinkedHashMap<>();

    Path studyFile() {
      return conf != null ? conf : Path.of(home(), "conf/studies/magnesium-depression.conf");
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"rwe " + (v == null ? "dev" : v)};
    }
  }
}
