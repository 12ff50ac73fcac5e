package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.rwe.testing.SparkTestSession;

/** The console's progress line inside a stage, from the jobs Spark runs under its job group. */
class ProgressTest {

  @Test
  void aLineSaysWhatTheStageHasDoneAndNothingWhenNothingFinished() throws Exception {
    SparkSession spark = SparkTestSession.get();
    SparkContext sc = spark.sparkContext();
    try (Progress progress = Progress.counting(sc)) {
      assertNull(progress.line(), "no stage has run a job yet");
      sc.setJobGroup("rwe-features", "features: covariates in the 365 days before index", false);
      spark.range(100).repartition(3).count();
      // Listener events arrive on Spark's listener bus, shortly after the job.
      Thread.sleep(1000);
      String line = null;
      for (int i = 0; i < 200 && line == null; i++) {
        line = progress.line();
        Thread.sleep(50);
      }
      assertTrue(
          line != null
              && line.matches(
                  "stage features: 0 min \\d\\d s, [1-9]\\d* Spark jobs and [1-9]\\d* tasks"
                      + " done; now: covariates in the 365 days before index"),
          String.valueOf(line));
      assertNull(progress.line(), "nothing new since the last line");
      Progress.Work work = progress.finish("features");
      assertTrue(work.jobs() >= 1 && work.tasks() >= 3, "3 partitions at least: " + work);
      assertTrue(
          progress.finish("cohort").equals(new Progress.Work(0, 0)), "another stage ran nothing");
    } finally {
      sc.clearJobGroup();
    }
  }
}
