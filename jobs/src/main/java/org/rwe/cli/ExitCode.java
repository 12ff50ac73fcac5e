package org.rwe.cli;

/** Exit codes (DESIGN.md section 6), stable for schedulers. */
public enum ExitCode {
  SUCCESS(0),
  INTERNAL_ERROR(1),
  BAD_CONFIGURATION(2),
  BAD_INPUT(3),
  DIAGNOSTICS_FAILED(4);

  public final int code;

  ExitCode(int code) {
    this.code = code;
  }
}
