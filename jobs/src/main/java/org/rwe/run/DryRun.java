package org.rwe.run;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.rwe.config.StudySettings;
import org.rwe.omop.CdmTable;
import org.rwe.omop.ExtractReader;
import org.rwe.omop.InputException;

/**
 * {@code rwe run --dry-run}: everything that can be checked without running a stage. The
 * configuration is already validated when this runs; here: every required table is present, every
 * table's header has its required columns, every data file can be opened and read, the run id is
 * valid and the output location is writable. All input problems are reported at once. Nothing is
 * created or written (the writability probe is a file created and removed at once).
 */
final class DryRun {
  private DryRun() {}

  static void check(
      SparkSession spark, StudySettings settings, String input, String output, String runId) {
    if (runId != null) {
      Pipeline.checkRunId(runId);
    }
    ExtractReader reader = new ExtractReader(spark, input);
    FileSystem fs;
    try {
      fs = reader.root().getFileSystem(spark.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new InputException("Cannot open input folder " + input + ": " + e.getMessage(), e);
    }
    List<String> problems = new ArrayList<>();
    List<String> report = new ArrayList<>();
    for (CdmTable t : CdmTable.values()) {
      try {
        var located = reader.locate(t);
        if (located.isEmpty()) {
          if (t.required()) {
            problems.add("required table " + t.cdmName() + " not found in " + input);
          } else {
            report.add(String.format(Locale.ROOT, "  %-22s (absent, optional)", t.cdmName()));
          }
          continue;
        }
        InputFingerprint.Table f = InputFingerprint.table(fs, located.get());
        List<String> dropped =
            located.get().columns().stream().filter(c -> !t.hasColumn(c)).sorted().toList();
        readable(fs, located.get().path(), f, problems);
        report.add(
            String.format(
                Locale.ROOT,
                "  %-22s %s (%s, %d file%s, %,d bytes)%s",
                t.cdmName(),
                f.name(),
                located.get().format(),
                f.files().size(),
                f.files().size() == 1 ? "" : "s",
                f.bytes(),
                dropped.isEmpty() ? "" : "; columns not used, dropped by ingest: " + dropped));
      } catch (InputException e) {
        problems.add(e.getMessage());
      } catch (IOException e) {
        problems.add("Table " + t.cdmName() + ": " + e.getMessage());
      }
    }
    // Files named by settings, read by a stage besides the extract (a cohort table).
    for (Stage stage : Stage.values()) {
      for (String setting : stage.files()) {
        String path =
            settings.resolved().hasPath(setting) ? settings.resolved().getString(setting) : "";
        if (!path.isEmpty()
            && InputFingerprint.ofPath(spark.sparkContext().hadoopConfiguration(), path)
                .equals("missing")) {
          problems.add(path + " (" + setting + ") not found");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new InputException(
          problems.size() == 1
              ? problems.get(0)
              : problems.size() + " input problems:\n  - " + String.join("\n  - ", problems));
    }
    String id = runId != null ? runId : Pipeline.defaultRunId(InputFingerprint.of(spark, input));
    String studyDir = output + "/" + settings.studyId();
    checkWritableWithoutCreating(spark, studyDir);
    System.out.println(
        "rwe: dry run of study "
            + settings.studyId()
            + ", run "
            + id
            + ": configuration valid, input readable, "
            + studyDir
            + " writable; nothing was run.\n"
            + String.join("\n", report));
  }

  /** Opens every data file of a table and reads its first bytes (decompressing gzip). */
  private static void readable(
      FileSystem fs, Path tablePath, InputFingerprint.Table table, List<String> problems) {
    for (InputFingerprint.DataFile file : table.files()) {
      Path p = file.path().isEmpty() ? tablePath : new Path(tablePath, file.path());
      try (InputStream raw = fs.open(p);
          InputStream in =
              p.getName().toLowerCase(Locale.ROOT).endsWith(".gz")
                  ? new GZIPInputStream(raw)
                  : raw) {
        in.readNBytes(4096);
      } catch (IOException e) {
        problems.add("File " + p + " cannot be read: " + e.getMessage());
      }
    }
  }

  /** The nearest existing folder on the way to the study folder accepts a new file. */
  private static void checkWritableWithoutCreating(SparkSession spark, String studyDir) {
    RunFiles files = RunFiles.forPath(studyDir, spark.sparkContext().hadoopConfiguration());
    try {
      Path p = files.fs().makeQualified(new Path(studyDir));
      while (p != null && !files.fs().exists(p)) {
        p = p.getParent();
      }
      if (p == null || !files.fs().getFileStatus(p).isDirectory()) {
        throw new OutputException(
            "Output folder " + studyDir + " cannot be created: " + p + " is not a folder");
      }
      String probe = p + "/.rwe-write-probe-" + java.util.UUID.randomUUID();
      files.write(probe, "probe");
      files.delete(probe);
    } catch (IOException e) {
      throw new OutputException(
          "Output folder " + studyDir + " is not writable: " + e.getMessage(), e);
    }
  }
}
