package org.rwe.run;

import java.util.List;

/**
 * The output location cannot be written: not a folder, not writable, disk full, quota exceeded,
 * read-only file system. The message names the location. Exit code 5: the run and its input are
 * fine, the place it writes to is not (a scheduler may retry once space is freed). The previous
 * published run is never touched by a run that fails this way.
 */
public final class OutputException extends RuntimeException {
  /** What the operating system says when the disk, the quota or the mount refuses a write. */
  private static final List<String> NO_SPACE =
      List.of("No space left on device", "Disk quota exceeded", "Read-only file system");

  public OutputException(String message) {
    super(message);
  }

  public OutputException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The reason, when a failure was caused by the output location refusing a write (ENOSPC, EDQUOT,
   * EROFS), however deeply Spark wrapped it; null otherwise. Reads never fail with these, so they
   * point at the output.
   */
  public static String noSpaceReason(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null) {
        for (String s : NO_SPACE) {
          if (m.contains(s)) {
            return s;
          }
        }
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }
}
