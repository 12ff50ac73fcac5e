package org.rwe.run;

import java.util.List;

/**
 * The study ran, but diagnostics configured to fail the run did not pass (e.g. covariate balance,
 * equipoise). The results are written and published for inspection; the exit code (4) tells the
 * scheduler that they must not be used as they are. The message lists every failed diagnostic.
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
