package org.rwe.testing;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * One local[2] SparkSession for the whole test JVM: starting one costs seconds, so every test class
 * shares it (and leaves nothing cached).
 */
public final class SparkTestSession {
  private static SparkSession spark;

  private SparkTestSession() {}

  public static synchronized SparkSession get() {
    if (spark == null) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("rwe-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.sql.session.timeZone", "UTC")
              .getOrCreate();
      spark.sparkContext().setLogLevel("ERROR");
    }
    return spark;
  }

  /** The project folder (pom.xml's), for shipped config and sample data. */
  public static Path projectDir() {
    return Path.of(System.getProperty("rwe.project.dir", "."));
  }
}
