package org.rwe.run;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.rwe.cli.ExitCode;
import org.rwe.config.SettingsException;
import org.rwe.config.StudySettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chains the stages for one run. A run works in {@code <run id>.inprogress}; each stage's output is
 * stamped with the hash of what it was made from ({@link StageStamp}), so running again skips the
 * stages that are complete and current and recomputes the rest; the finished run is published by
 * {@link Publisher} with {@code _manifest.json} and {@code _SUCCESS} last, so readers see a whole
 * run or none.
 */
public final class Pipeline {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private Pipeline() {}

  public interface StageJob {
    Map<String, Long> run(RunContext ctx) throws Exception;
  }

  /** One job per stage, in stage order. */
  static Map<Stage, StageJob> jobs() {
    Map<Stage, StageJob> jobs = new LinkedHashMap<>();
    jobs.put(
        Stage.INGEST,
        ctx -> {
          Map<String, Long> counts = new LinkedHashMap<>();
          for (var s : org.rwe.ingest.IngestJob.run(ctx)) {
            counts.put(s.table() + ".read", s.rowsRead());
            counts.put(s.table() + ".curated", s.rowsCurated());
            counts.put(s.table() + ".rejected", s.rowsRejected());
          }
          return counts;
        });
    jobs.put(Stage.COHORT, org.rwe.cohort.CohortJob::run);
    jobs.put(Stage.FEATURES, org.rwe.features.FeaturesJob::run);
    jobs.put(Stage.PROPENSITY, org.rwe.propensity.PropensityJob::run);
    jobs.put(Stage.MATCH, org.rwe.matching.MatchJob::run);
    jobs.put(Stage.OUTCOMES, org.rwe.outcomes.OutcomesJob::run);
    jobs.put(Stage.REPORT, org.rwe.report.ReportJob::run);
    return jobs;
  }

  /** What the command line asks for. */
  public record Request(
      String input,
      String output,
      Path studyFile,
      String runId,
      String from,
      String to,
      Map<String, String> overrides,
      boolean dryRun,
      boolean verbose) {}

  public static int runFromCli(Request r) {
    StudySettings settings = StudySettings.load(r.studyFile(), r.overrides());
    Stage from = r.from() == null ? null : Stage.parse(r.from(), "--from");
    Stage to = r.to() == null ? Stage.last() : Stage.parse(r.to(), "--to");
    checkOrder(from, to);
    try (SparkSessions.Handle h =
        SparkSessions.open(settings.spark(), "rwe " + settings.studyId(), r.verbose())) {
      if (r.dryRun()) {
        DryRun.check(h.spark(), settings, r.input(), r.output(), r.runId());
      } else {
        // Within a stage, a line every 30 s (Spark's own progress with --verbose instead).
        try (Progress progress =
            r.verbose()
                ? null
                : Progress.start(h.spark().sparkContext(), java.time.Duration.ofSeconds(30))) {
          String done = run(h.spark(), settings, r.input(), r.output(), r.runId(), from, to);
          if (to == Stage.last()) {
            // The answer where the user is looking: the report's path and the primary result.
            org.rwe.report.Headline.lines(h.spark(), settings, done).forEach(System.out::println);
          }
        }
      }
      return ExitCode.SUCCESS.code;
    }
  }

  /** The first few counts of a stage, for its log line; all of them are in the manifest. */
  static String briefly(Map<String, Long> counts) {
    int shown = 6;
    StringBuilder b = new StringBuilder();
    int i = 0;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      if (i++ == shown) {
        break;
      }
      b.append(b.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(e.getValue());
    }
    if (counts.size() > shown) {
      b.append(", and ").append(counts.size() - shown).append(" more counts in _manifest.json");
    }
    return b.toString();
  }

  private static void checkOrder(Stage from, Stage to) {
    if (from != null && to.ordinal() < from.ordinal()) {
      throw new SettingsException(
          "Invalid value for --to: stage '"
              + to.id()
              + "' comes before --from '"
              + from.id()
              + "'");
    }
  }

  /**
   * Runs the pipeline up to {@code to} and, when that is the last stage, publishes the run.
   *
   * @param from recompute from this stage on even where the stored output is current; null to
   *     recompute only what is not current. Earlier stages that are not current are computed too.
   * @param to the last stage to compute; a run that stops before the last stage stays unpublished
   *     in its work folder, for a later run to continue
   * @return the published run folder, or the work folder when the run stopped early
   */
  public static String run(
      SparkSession spark,
      StudySettings settings,
      String input,
      String output,
      String runId,
      Stage from,
      Stage to) {
    return run(spark, settings, input, output, runId, from, to, jobs());
  }

  static String run(
      SparkSession spark,
      StudySettings settings,
      String input,
      String output,
      String runId,
      Stage from,
      Stage to,
      Map<Stage, StageJob> jobs) {
    // shufflePartitions = "auto": set for this run from the input's size, then put back (a
    // session may outlive the run: tests, notebooks). An operator's spark-submit --conf or the
    // study's spark.conf wins.
    boolean auto =
        settings.spark().shufflePartitions() == StudySettings.SparkSettings.AUTO_PARTITIONS
            && System.getProperty("spark.sql.shuffle.partitions") == null
            && !settings.spark().conf().containsKey("spark.sql.shuffle.partitions");
    checkOrder(from, to == null ? Stage.last() : to);
    // Listed once: the fingerprint gives the size here and identifies the input below.
    InputFingerprint fingerprint = InputFingerprint.of(spark, input);
    if (!auto) {
      return runStages(spark, settings, input, fingerprint, output, runId, from, to, jobs);
    }
    String before = spark.conf().get("spark.sql.shuffle.partitions");
    long bytes = fingerprint.tables().stream().mapToLong(InputFingerprint.Table::bytes).sum();
    int partitions = autoShufflePartitions(bytes, spark.sparkContext().defaultParallelism());
    spark.conf().set("spark.sql.shuffle.partitions", String.valueOf(partitions));
    LOG.debug(
        "shuffle partitions: {} ({} input bytes, shufflePartitions = auto)", partitions, bytes);
    try {
      return runStages(spark, settings, input, fingerprint, output, runId, from, to, jobs);
    } finally {
      spark.conf().set("spark.sql.shuffle.partitions", before);
    }
  }

  /** Input bytes per shuffle partition under shufflePartitions = "auto" (files as stored). */
  static final long AUTO_BYTES_PER_PARTITION = 8L << 20;

  /**
   * One shuffle partition per 8 MB of input files (gzipped CSV expands about 8x in memory, and the
   * features stage's joins multiply rows again: 32 MB a partition ran out of a 3 GB heap at 200,000
   * persons), at least two per core and never fewer than 8 (the old fixed default, which Spark's
   * adaptive execution coalesces when the data are small); at most 10,000.
   */
  static int autoShufflePartitions(long inputBytes, int cores) {
    long bySize = (inputBytes + AUTO_BYTES_PER_PARTITION - 1) / AUTO_BYTES_PER_PARTITION;
    return (int) Math.min(10_000, Math.max(Math.max(8, 2L * Math.max(1, cores)), bySize));
  }

  private static String runStages(
      SparkSession spark,
      StudySettings settings,
      String input,
      InputFingerprint fingerprint,
      String output,
      String runId,
      Stage from,
      Stage to,
      Map<Stage, StageJob> jobs) {
    Instant started = Instant.now();
    Stage last = to == null ? Stage.last() : to;
    String id = runId != null ? runId : defaultRunId(fingerprint);
    checkRunId(id);
    String studyDir = output + "/" + settings.studyId();
    RunFiles files = RunFiles.forPath(studyDir, spark.sparkContext().hadoopConfiguration());
    checkWritable(files, studyDir);
    Publisher publisher =
        new Publisher(files, studyDir, id, s -> FaultPoints.reached("publish:" + s));
    String work = publisher.work();
    String published = publisher.published();

    String rweVersion = version();
    Map<Stage, StageStamp.Basis> bases =
        StageStamp.bases(
            settings,
            fingerprint,
            rweVersion,
            spark.version(),
            path -> InputFingerprint.ofPath(spark.sparkContext().hadoopConfiguration(), path));
    Manifest manifest =
        new Manifest(
            settings, id, fingerprint, versions(rweVersion, spark), sparkInfo(spark), started);
    Stage current = null;
    // Spark jobs and tasks per stage, for its log line (fewer, larger jobs is a goal: issue 13).
    Progress sparkWork = Progress.counting(spark.sparkContext());
    try {
      // First finish a publish that an earlier run of this id did not (killed after its rename),
      // so that 'latest' names nothing this run may delete.
      publisher.settle();
      // Where to continue from: the work folder of an unfinished run, a copy of the published
      // run, or nothing; whichever has more current stages.
      int inWork = files.exists(work) ? currentPrefix(files, work, bases, from) : -1;
      boolean isPublished = files.isComplete(published);
      int inPublished = isPublished ? currentPrefix(files, published, bases, from) : -1;
      if (isPublished && inPublished > last.ordinal()) {
        if (files.exists(work)) {
          LOG.info("removing {}: the published run is current", work);
          files.delete(work);
        }
        LOG.info(
            "run {} is published and current up to stage {}: nothing to do ({})",
            id,
            last.id(),
            published);
        return published;
      }
      if (isPublished && from == null) {
        // Same run id, other configuration or input: say so before the published run is replaced
        // (at the end of this run, atomically), so that a changed setting never replaces results
        // silently.
        Stage stale = Stage.values()[Math.max(0, inPublished)];
        LOG.warn(
            "run {} is published ({}) but not current from stage {} on ({}): this run recomputes"
                + " it and replaces the published run when it completes; give another --run-id to"
                + " keep both",
            id,
            published,
            stale.id(),
            StageStamp.staleness(StageStamp.read(files, published, stale), bases.get(stale)));
      }
      if (inWork >= 0 && inWork >= inPublished) {
        LOG.info("continuing run {} in {}: {}", id, work, describePrefix(inWork));
      } else {
        files.delete(work);
        files.mkdirs(work);
        if (inPublished > 0) {
          LOG.info(
              "run {} starts from a copy of the published run: {}",
              id,
              describePrefix(inPublished));
          copyStages(files, published, work, inPublished);
        }
      }
      files.mkdirs(work + "/" + StageStamp.FOLDER);

      RunContext ctx = new RunContext(spark, settings, input, work);
      boolean recomputing = false;
      for (Stage stage : Stage.values()) {
        if (stage.ordinal() > last.ordinal()) {
          break;
        }
        current = stage;
        StageStamp.Basis basis = bases.get(stage);
        StageStamp stored = StageStamp.read(files, work, stage);
        boolean forced = from != null && stage.ordinal() >= from.ordinal();
        if (!recomputing && !forced && stored != null && stored.hash().equals(basis.hash())) {
          manifest.skipped(stored);
          LOG.info("stage {} is current (computed {}): skipped", stage.id(), stored.finished());
          continue;
        }
        String why = "";
        if (!recomputing) {
          why = " (" + (forced ? "--from " + from.id() : StageStamp.staleness(stored, basis)) + ")";
          if (from != null && stage.ordinal() < from.ordinal()) {
            LOG.warn(
                "stage {} comes before --from {} but its output is not current: computing it too",
                stage.id(),
                from.id());
          }
          // From here on everything is recomputed: drop the stamps first, so a run killed in the
          // middle never leaves a later stamp beside an earlier stage's newer output.
          for (Stage later : Stage.values()) {
            if (later.ordinal() >= stage.ordinal()) {
              files.delete(StageStamp.path(work, later));
            }
          }
          recomputing = true;
        }
        for (String folder : stage.outputs()) {
          files.delete(work + "/" + folder);
        }
        FaultPoints.reached("stage-start:" + stage.id());
        LOG.info(
            "stage {} started [{}/{}]{}", stage.id(), stage.ordinal() + 1, last.ordinal() + 1, why);
        ctx.jobGroup(stage, "stage " + stage.id());
        int warningsBefore = ctx.warnings().size();
        long t0 = System.nanoTime();
        Map<String, Long> counts = jobs.get(stage).run(ctx);
        int released = releaseCached(spark);
        double seconds = (System.nanoTime() - t0) / 1e9;
        spark.sparkContext().clearJobGroup();
        Progress.Work ran = sparkWork.finish(stage.id());
        List<String> warnings =
            new ArrayList<>(ctx.warnings().subList(warningsBefore, ctx.warnings().size()));
        StageStamp stamp =
            new StageStamp(
                stage,
                basis.hash(),
                basis.parts(),
                Instant.now(),
                seconds,
                new LinkedHashMap<>(counts),
                warnings);
        stamp.write(files, work);
        manifest.computed(stamp);
        manifest.write(files, work);
        for (String w : warnings) {
          LOG.warn("stage {}: {}", stage.id(), w);
        }
        LOG.info(
            "stage {} finished in {} s ({} Spark jobs, {} tasks): {}",
            stage.id(),
            String.format("%.1f", seconds),
            ran.jobs(),
            ran.tasks(),
            briefly(counts));
        LOG.debug("stage {}: {} cached or checkpointed datasets released", stage.id(), released);
        FaultPoints.reached("stage-end:" + stage.id());
      }
      current = null;
      if (last != Stage.last()) {
        manifest.ended("stopped", ExitCode.SUCCESS.code);
        manifest.write(files, work);
        LOG.info(
            "stopped after stage {}: run {} not published; its outputs are in {}",
            last.id(),
            id,
            work);
        return work;
      }
      manifest.ended("success", ExitCode.SUCCESS.code);
      manifest.write(files, work);
      publisher.publish();
      LOG.info("run {} published: {}", id, published);
      return published;
    } catch (Throwable e) {
      RuntimeException failure = e instanceof Error ? null : classify(e, work);
      Throwable reported = failure != null ? failure : e;
      manifest.failed(current, reported, ExitCode.of(reported).code);
      try {
        if (files.exists(work)) {
          manifest.write(files, work);
        }
      } catch (IOException | RuntimeException m) {
        // Best effort: a full disk may refuse the manifest too; the error itself is what matters.
        reported.addSuppressed(m);
      }
      if (e instanceof Error err) {
        throw err;
      }
      throw failure;
    } finally {
      sparkWork.close();
    }
  }

  /** Output-location failures become OutputException (exit code 5); others pass through. */
  private static RuntimeException classify(Throwable e, String work) {
    if (e instanceof OutputException o) {
      return o;
    }
    String noSpace = OutputException.noSpaceReason(e);
    if (noSpace != null) {
      return new OutputException("Cannot write the run under " + work + ": " + noSpace, e);
    }
    if (e instanceof IOException io) {
      return new IllegalStateException("I/O error in " + work + ": " + io.getMessage(), io);
    }
    if (e instanceof RuntimeException r) {
      return r;
    }
    return new IllegalStateException(e);
  }

  /** How many stages, from the first, have a stamp with the current hash (before --from). */
  private static int currentPrefix(
      RunFiles files, String runDir, Map<Stage, StageStamp.Basis> bases, Stage from) {
    int n = 0;
    for (Stage s : Stage.values()) {
      if (from != null && s.ordinal() >= from.ordinal()) {
        break;
      }
      StageStamp stamp = StageStamp.read(files, runDir, s);
      if (stamp == null || !stamp.hash().equals(bases.get(s).hash())) {
        break;
      }
      n++;
    }
    return n;
  }

  private static String describePrefix(int n) {
    if (n == 0) {
      return "no stage is current";
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(Stage.values()[i].id());
    }
    return "stages " + ids + " are current";
  }

  /** Copies the outputs and stamps of the first n stages; each stamp after its outputs. */
  private static void copyStages(RunFiles files, String from, String to, int n) throws IOException {
    files.mkdirs(to + "/" + StageStamp.FOLDER);
    for (int i = 0; i < n; i++) {
      Stage s = Stage.values()[i];
      for (String folder : s.outputs()) {
        if (files.exists(from + "/" + folder)) {
          String target = to + "/" + folder;
          files.mkdirs(target.substring(0, target.lastIndexOf('/')));
          files.copy(from + "/" + folder, target);
        }
      }
      files.copy(StageStamp.path(from, s), StageStamp.path(to, s));
    }
  }

  static void checkRunId(String id) {
    if (!id.matches("[A-Za-z0-9._-]+") || id.endsWith(".inprogress") || id.contains(".replaced-")) {
      throw new SettingsException(
          "Invalid value for --run-id: '" + id + "' (use letters, digits, . _ -)");
    }
  }

  /** Creates the study folder and writes (then removes) a probe file, naming the folder if not. */
  private static void checkWritable(RunFiles files, String studyDir) {
    String probe = studyDir + "/.rwe-write-probe-" + java.util.UUID.randomUUID();
    try {
      files.mkdirs(studyDir);
      files.write(probe, "probe");
      files.delete(probe);
    } catch (IOException | RuntimeException e) {
      throw new OutputException(
          "Output folder " + studyDir + " is not writable: " + e.getMessage(), e);
    }
  }

  static String version() {
    String v = Pipeline.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private static Map<String, String> versions(String rweVersion, SparkSession spark) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("rwe", rweVersion);
    // The source the jar was built from: bin/rwe sets RWE_BUILD from git (commit, "-dirty" with
    // local changes); a spark-submit can pass it with spark.driverEnv / spark.yarn.appMasterEnv.
    String build = System.getenv("RWE_BUILD");
    v.put("build", build == null || build.isBlank() ? "unknown" : build);
    v.put("spark", spark.version());
    v.put("scala", scala.util.Properties.versionNumberString());
    v.put("java", System.getProperty("java.version"));
    return v;
  }

  private static Map<String, String> sparkInfo(SparkSession spark) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("master", spark.sparkContext().master());
    s.put("application_id", spark.sparkContext().applicationId());
    s.put("default_parallelism", String.valueOf(spark.sparkContext().defaultParallelism()));
    s.put("shuffle_partitions", spark.conf().get("spark.sql.shuffle.partitions"));
    return s;
  }

  /** Today's date and a fingerprint of the input files (names and sizes). */
  static String defaultRunId(InputFingerprint fingerprint) {
    return LocalDate.now().format(DateTimeFormatter.BASIC_ISO_DATE) + "-" + fingerprint.runIdHash();
  }

  /**
   * Releases what the stage kept in executor memory: its cached Datasets and the blocks of its
   * local checkpoints, which would otherwise stay until Spark's cleaner happens to collect them
   * (issue 13 §5). Every stage hands its results to the next through the files it wrote, so nothing
   * later needs them. Returns how many were released.
   */
  static int releaseCached(SparkSession spark) {
    java.util.Map<Object, org.apache.spark.rdd.RDD<?>> persistent =
        scala.jdk.javaapi.CollectionConverters.asJava(spark.sparkContext().getPersistentRDDs());
    int n = persistent.size();
    for (org.apache.spark.rdd.RDD<?> rdd : List.copyOf(persistent.values())) {
      rdd.unpersist(false);
    }
    spark.catalog().clearCache();
    return n;
  }
}
