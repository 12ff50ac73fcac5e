package org.rwe.run;

import java.util.List;

/**
 * The study ran, but diagnostics configured to fail the run ({@code diagnostics.failOnFailure}) did
 * not pass (e.g. covariate balance, equipoise). The outcomes stage writes every result table first,
 * unmasked, so they can be reviewed in the run's work folder ({@code <run id>.inprogress/
 * aggregates/}, restricted: nothing is published to results/ before the report stage); the run is
 * not published, {@code latest} is left as it was, and the exit code (4) tells the scheduler. The
 * message lists every failed diagnostic.
 */
public final class DiagnosticsException extends RuntimeException {
  private final List<String> failed;

  public DiagnosticsException(List<String> failed) {
    super(
        failed.size() == 1
            ? "diagnostic failed: " + failed.get(0)
            : failed.size() + " diagnostics failed:\n  - " + String.join("\n  - ", failed));
    this.failed = List.copyOf(failed);
  }

  public List<String> failed() {
    return failed;
  }
}
