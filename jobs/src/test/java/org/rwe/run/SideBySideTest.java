package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.rwe.testing.SparkTestSession;

/**
 * A failed item stops its siblings before the call returns (seen: a failed ingest wave wrote on).
 */
class SideBySideTest {

  @Test
  void aFailureCancelsTheRunningSparkJobsAndStartsNoMoreItems() {
    SparkSession spark = SparkTestSession.get();
    AtomicBoolean slowEnded = new AtomicBoolean();
    AtomicReference<Throwable> slowFailure = new AtomicReference<>();
    AtomicBoolean thirdStarted = new AtomicBoolean();
    long started = System.nanoTime();
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                SideBySide.map(
                    List.of("slow", "fails", "third"),
                    2,
                    item -> {
                      switch (item) {
                        case "slow" -> {
                          try {
                            // 200 tasks of 100 ms: 10 s on two cores unless cancelled.
                            spark
                                .range(0, 200, 1, 200)
                                .map(
                                    (MapFunction<Long, Long>)
                                        x -> {
                                          Thread.sleep(100);
                                          return x;
                                        },
                                    Encoders.LONG())
                                .count();
                          } catch (Throwable t) {
                            slowFailure.set(t);
                          } finally {
                            slowEnded.set(true);
                          }
                          return 0L;
                        }
                        case "fails" -> {
                          sleep(500);
                          throw new IllegalStateException("synthetic failure of one item");
                        }
                        default -> {
                          thirdStarted.set(true);
                          return 0L;
                        }
                      }
                    }));
    double seconds = (System.nanoTime() - started) / 1e9;
    assertEquals("synthetic failure of one item", thrown.getMessage());
    assertTrue(slowEnded.get(), "the running sibling had stopped when the call returned");
    // "fails" frees its thread while "slow" runs: "third" must not take it.
    assertTrue(
        slowFailure.get() != null && String.valueOf(slowFailure.get()).contains("cancel"),
        "its Spark job was cancelled, not run to its end: " + slowFailure.get());
    assertFalse(thirdStarted.get(), "an item not started is not started after a failure");
    assertTrue(seconds < 9, "returned in " + seconds + " s, not after the cancelled job's 10 s");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
