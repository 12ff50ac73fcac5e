package org.rwe.run;

import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.sql.SparkSession;
import org.rwe.config.StudySettings;

/** Builds the SparkSession: embedded local[*] by default, or whatever spark-submit provides. */
public final class SparkSessions {
  private SparkSessions() {}

  /** A session, and whether this code started it (and so must stop it). */
  public record Handle(SparkSession spark, boolean owned) implements AutoCloseable {
    @Override
    public void close() {
      if (owned) {
        spark.stop();
      }
    }
  }

  /** Uses the session already running in this JVM (a test, a notebook) or starts one. */
  public static Handle open(StudySettings.SparkSettings settings, String appName) {
    return open(settings, appName, false);
  }

  /**
   * @param verbose Spark's own INFO log and the pipeline's DEBUG lines; otherwise Spark says only
   *     warnings and the pipeline one line per stage
   */
  public static Handle open(StudySettings.SparkSettings settings, String appName, boolean verbose) {
    // Before the session starts, so that its start-up is logged (or not) the same way.
    logLevels(verbose);
    boolean existed = SparkSession.getDefaultSession().isDefined();
    SparkSession spark = create(settings, appName);
    if (verbose) {
      spark.sparkContext().setLogLevel("INFO");
    }
    return new Handle(spark, !existed);
  }

  /**
   * The pipeline's progress lines are INFO whatever log4j2 configuration the JVM started with
   * (bin/rwe's, spark-submit's default, a test's), so they are set here.
   */
  static void logLevels(boolean verbose) {
    if (verbose) {
      // Every logger, also those the quiet configuration turns down (conf/log4j2.properties).
      Configurator.setAllLevels(LogManager.ROOT_LOGGER_NAME, Level.INFO);
    }
    Configurator.setLevel("org.rwe", verbose ? Level.DEBUG : Level.INFO);
  }

  public static SparkSession create(StudySettings.SparkSettings settings, String appName) {
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    // Under spark-submit the master is already set; never override the cluster's choice.
    boolean submitted = System.getProperty("spark.master") != null;
    if (!submitted) {
      b.master(settings.master());
      if (settings.master().startsWith("local")) {
        b.config("spark.driver.host", "127.0.0.1");
        b.config("spark.driver.bindAddress", "127.0.0.1");
        b.config("spark.ui.enabled", "false");
      }
    }
    // An operator's `spark-submit --conf spark.sql.shuffle.partitions=N` wins over the study's;
    // "auto" is decided by the pipeline once it knows the input's size (Pipeline.run).
    if (System.getProperty("spark.sql.shuffle.partitions") == null
        && settings.shufflePartitions() != StudySettings.SparkSettings.AUTO_PARTITIONS) {
      b.config("spark.sql.shuffle.partitions", settings.shufflePartitions());
    }
    b.config("spark.sql.session.timeZone", "UTC");
    // Parquet files carry no random job ids in their bytes when written the same way.
    b.config("spark.sql.parquet.compression.codec", "snappy");
    for (Map.Entry<String, String> e : settings.conf().entrySet()) {
      b.config(e.getKey(), e.getValue());
    }
    SparkSession spark = b.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }
}
