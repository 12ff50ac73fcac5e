package org.rwe.run;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Named points of a run (stage starts and ends, publish steps) where a test can freeze the process
 * to kill it at an exact place: {@code
 * -Drwe.test.pauseAt=stage-end:cohort,publish:old-moved-aside}. A paused run prints one line and
 * waits until it is killed. Without the property this does nothing.
 */
final class FaultPoints {
  static final String PROPERTY = "rwe.test.pauseAt";

  private FaultPoints() {}

  static void reached(String point) {
    String spec = System.getProperty(PROPERTY);
    if (spec == null || spec.isBlank()) {
      return;
    }
    Set<String> points =
        Arrays.stream(spec.split(",")).map(String::trim).collect(Collectors.toSet());
    if (!points.contains(point)) {
      return;
    }
    System.err.println("rwe: paused at " + point + " (" + PROPERTY + ")");
    System.err.flush();
    while (true) {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
