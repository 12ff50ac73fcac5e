package org.rwe.run;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.rwe.cli.ExitCode;
import org.rwe.config.StudySettings;
import org.rwe.omop.CdmTable;
import org.rwe.omop.ExtractReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chains the stages for one run: works in {@code <run id>.inprogress}, then publishes the run by
 * one rename with {@code _manifest.json} and {@code _SUCCESS} last, so readers see a whole run or
 * none.
 */
public final class Pipeline {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private Pipeline() {}

  /** What one stage did, for the log and the manifest. */
  public record StageRecord(String stage, double seconds, Map<String, Long> counts) {}

  public interface StageJob {
    Map<String, Long> run(RunContext ctx) throws Exception;
  }

  static Map<Stage, StageJob> jobs() {
    Map<Stage, StageJob> jobs = new LinkedHashMap<>();
    jobs.put(
        Stage.INGEST,
        ctx -> {
          Map<String, Long> counts = new LinkedHashMap<>();
          for (var s : org.rwe.ingest.IngestJob.run(ctx)) {
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

  public static int runFromCli(
      String input,
      String output,
      Path studyFile,
      String runId,
      String from,
      String to,
      Map<String, String> overrides) {
    StudySettings settings = StudySettings.load(studyFile, overrides);
    Stage first = from == null ? Stage.INGEST : Stage.parse(from, "--from");
    Stage last = to == null ? Stage.REPORT : Stage.parse(to, "--to");
    if (last.ordinal() < first.ordinal()) {
      throw new org.rwe.config.SettingsException(
          "Invalid value for --to: stage '"
              + last.id()
              + "' comes before --from '"
              + first.id()
              + "'");
    }
    try (SparkSessions.Handle h =
        SparkSessions.open(settings.spark(), "rwe " + settings.studyId())) {
      run(h.spark(), settings, input, output, runId, first, last);
      return ExitCode.SUCCESS.code;
    }
  }

  /** Runs stages first..last and, when the run reaches the last stage, publishes it. */
  public static String run(
      SparkSession spark,
      StudySettings settings,
      String input,
      String output,
      String runId,
      Stage first,
      Stage last)
      throws RuntimeException {
    Instant started = Instant.now();
    String id = runId != null ? runId : defaultRunId(spark, input);
    if (!id.matches("[A-Za-z0-9._-]+")) {
      throw new org.rwe.config.SettingsException(
          "Invalid value for --run-id: '" + id + "' (use letters, digits, . _ -)");
    }
    String studyDir = output + "/" + settings.studyId();
    String published = studyDir + "/" + id;
    String work = published + ".inprogress";
    try {
      FileSystem fs =
          new org.apache.hadoop.fs.Path(output)
              .getFileSystem(spark.sparkContext().hadoopConfiguration());
      org.apache.hadoop.fs.Path workPath = new org.apache.hadoop.fs.Path(work);
      org.apache.hadoop.fs.Path publishedPath = new org.apache.hadoop.fs.Path(published);
      if (first == Stage.INGEST) {
        fs.delete(workPath, true);
      } else if (!fs.exists(workPath)) {
        if (!fs.exists(publishedPath)) {
          throw new org.rwe.config.SettingsException(
              "Invalid value for --from: no earlier output of run '"
                  + id
                  + "' under "
                  + studyDir
                  + " to start from");
        }
        // Recompute later stages of a published run: start from a copy, publish anew.
        org.apache.hadoop.fs.FileUtil.copy(
            fs, publishedPath, fs, workPath, false, spark.sparkContext().hadoopConfiguration());
        fs.delete(new org.apache.hadoop.fs.Path(workPath, "_SUCCESS"), false);
      }
      fs.mkdirs(workPath);
      RunContext ctx = new RunContext(spark, settings, input, work);
      List<StageRecord> records = new ArrayList<>();
      Map<Stage, StageJob> jobs = jobs();
      for (Stage stage : Stage.values()) {
        if (stage.ordinal() < first.ordinal() || stage.ordinal() > last.ordinal()) {
          continue;
        }
        LOG.info("stage {} started", stage.id());
        long t0 = System.nanoTime();
        Map<String, Long> counts = jobs.get(stage).run(ctx);
        double seconds = (System.nanoTime() - t0) / 1e9;
        records.add(new StageRecord(stage.id(), seconds, counts));
        LOG.info(
            "stage {} finished in {} s: {}", stage.id(), String.format("%.1f", seconds), counts);
        spark.sparkContext().clearJobGroup();
      }
      Manifest.write(fs, work, settings, input, id, started, Instant.now(), records, spark);
      if (last != Stage.REPORT) {
        LOG.info(
            "stopped after stage {}: run {} not published; its outputs are in {}",
            last.id(),
            id,
            work);
        return work;
      }
      publish(fs, workPath, publishedPath, studyDir, id);
      LOG.info("run {} published: {}", id, published);
      return published;
    } catch (IOException e) {
      throw new IllegalStateException("I/O error in run " + id + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** One rename makes the run visible; _SUCCESS is the last file written; then 'latest'. */
  static void publish(
      FileSystem fs,
      org.apache.hadoop.fs.Path work,
      org.apache.hadoop.fs.Path published,
      String studyDir,
      String id)
      throws IOException {
    try (var out = fs.create(new org.apache.hadoop.fs.Path(work, "_SUCCESS"), true)) {
      out.write(new byte[0]);
    }
    org.apache.hadoop.fs.Path replaced = null;
    if (fs.exists(published)) {
      replaced =
          new org.apache.hadoop.fs.Path(
              published.toString() + ".replaced-" + System.currentTimeMillis());
      if (!fs.rename(published, replaced)) {
        throw new IOException("Cannot move the previous run " + published + " aside");
      }
    }
    if (!fs.rename(work, published)) {
      throw new IOException("Cannot publish " + work + " as " + published);
    }
    if (replaced != null) {
      fs.delete(replaced, true);
    }
    org.apache.hadoop.fs.Path latestTmp = new org.apache.hadoop.fs.Path(studyDir, ".latest.tmp");
    try (Writer w = new OutputStreamWriter(fs.create(latestTmp, true), StandardCharsets.UTF_8)) {
      w.write(id + "\n");
    }
    org.apache.hadoop.fs.Path latest = new org.apache.hadoop.fs.Path(studyDir, "latest");
    fs.delete(latest, false);
    fs.rename(latestTmp, latest);
  }

  /** Today's date and a fingerprint of the input files (names and sizes). */
  static String defaultRunId(SparkSession spark, String input) {
    try {
      ExtractReader reader = new ExtractReader(spark, input);
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (CdmTable t : CdmTable.values()) {
        var l = reader.locate(t);
        if (l.isPresent()) {
          md.update(
              (t.cdmName() + ":" + l.get().path().getName() + ":" + reader.size(l.get()) + ";")
                  .getBytes(StandardCharsets.UTF_8));
        }
      }
      String hash = HexFormat.of().formatHex(md.digest()).substring(0, 8);
      return LocalDate.now().format(DateTimeFormatter.BASIC_ISO_DATE) + "-" + hash;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
