package org.rwe.cli;

import org.rwe.config.SettingsException;
import org.rwe.omop.InputException;
import org.rwe.run.DiagnosticsException;
import org.rwe.run.DisclosureException;
import org.rwe.run.OutputException;

/** Exit codes (DESIGN.md section 6), stable for schedulers. */
public enum ExitCode {
  SUCCESS(0),
  /** A bug or an unexpected failure (Spark, JVM): the message and a stack trace. */
  INTERNAL_ERROR(1),
  /** Configuration or command line: the message names the key or option. Do not retry. */
  BAD_CONFIGURATION(2),
  /** The input extract: missing table or column, unreadable file, error budget. Do not retry. */
  BAD_INPUT(3),
  /**
   * Diagnostics configured to fail the run did not pass, or the disclosure check found a count
   * below the minimum that a reader could recover: the run is not published. Do not retry.
   */
  DIAGNOSTICS_FAILED(4),
  /** The output location: not writable, disk full, quota. Retry once it is fixed. */
  OUTPUT_ERROR(5);

  public final int code;

  ExitCode(int code) {
    this.code = code;
  }

  /**
   * The exit code for a failure: the first expected error in its cause chain (Spark wraps what a
   * task throws), else an output error when the disk refused a write, else an internal error.
   */
  public static ExitCode of(Throwable t) {
    Throwable expected = expectedCause(t);
    if (expected instanceof SettingsException) {
      return BAD_CONFIGURATION;
    }
    if (expected instanceof InputException) {
      return BAD_INPUT;
    }
    if (expected instanceof DiagnosticsException || expected instanceof DisclosureException) {
      return DIAGNOSTICS_FAILED;
    }
    if (expected instanceof OutputException || OutputException.noSpaceReason(t) != null) {
      return OUTPUT_ERROR;
    }
    return INTERNAL_ERROR;
  }

  /** The expected error in the cause chain, or the failure itself when there is none. */
  public static Throwable expectedCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof SettingsException
          || c instanceof InputException
          || c instanceof DiagnosticsException
          || c instanceof DisclosureException
          || c instanceof OutputException) {
        return c;
      }
    }
    return t;
  }
}
