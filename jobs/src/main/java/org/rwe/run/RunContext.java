package org.rwe.run;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.rwe.config.StudySettings;
import org.rwe.results.ResultTable;
import org.rwe.results.ResultWriter;

/**
 * What a stage job needs: the session, the settings, the input, and the run's working folder with
 * its fixed layout (curated/, rejects/, cohort/, ..., results/).
 */
public record RunContext(
    SparkSession spark,
    StudySettings settings,
    String inputDir,
    String workDir,
    java.util.List<String> warnings) {

  public RunContext(SparkSession spark, StudySettings settings, String inputDir, String workDir) {
    this(spark, settings, inputDir, workDir, new java.util.ArrayList<>());
  }

  /** A warning for the log and the manifest (e.g. a concept code that resolved to nothing). */
  public void warn(String message) {
    if (!warnings.contains(message)) {
      warnings.add(message);
    }
  }

  /** A person-level stage output, e.g. {@code stagePath("cohort", "exposure_cohort")}. */
  public String stagePath(String stage, String table) {
    return workDir + "/" + stage + "/" + table;
  }

  /** A shareable table as published (masked), under results/: written by the report stage. */
  public String resultPath(String table) {
    return workDir + "/results/" + table;
  }

  /**
   * A result table before small-cell masking, under aggregates/ (restricted): the stages write
   * here, and the report stage masks every table together (across tables) into results/.
   */
  public String aggregatePath(String table) {
    return workDir + "/aggregates/" + table;
  }

  public Dataset<Row> read(String stage, String table) {
    return spark.read().parquet(stagePath(stage, table));
  }

  public Dataset<Row> curated(String table) {
    return read("curated", table);
  }

  public Dataset<Row> readResult(String table) {
    return spark.read().parquet(resultPath(table));
  }

  /** An unmasked result table, read back within the run (e.g. an equipoise for diagnostics). */
  public Dataset<Row> readAggregate(String table) {
    return spark.read().parquet(aggregatePath(table));
  }

  /**
   * Writes a result table unmasked under aggregates/; it reaches results/ through the disclosure
   * control of the report stage, which sees every table of the run at once.
   */
  public void writeResult(Dataset<Row> df, ResultTable table) {
    ResultWriter.write(df, table, aggregatePath(table.name()));
  }

  public void write(Dataset<Row> df, String stage, String table) {
    write(df, stage, table, java.util.Map.of());
  }

  /** As {@link #write(Dataset, String, String)}, with options for Spark's Parquet writer. */
  public void write(
      Dataset<Row> df, String stage, String table, java.util.Map<String, String> options) {
    df.write()
        .mode(org.apache.spark.sql.SaveMode.Overwrite)
        .options(options)
        .parquet(stagePath(stage, table));
  }

  /** Removes a working folder (staging data that must not outlive its stage). */
  public void delete(String path) {
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
      p.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(p, true);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Names the Spark job group so the Spark UI shows which stage runs. */
  public void jobGroup(Stage stage, String what) {
    spark.sparkContext().setJobGroup("rwe-" + stage.id(), stage.id() + ": " + what, false);
  }
}
