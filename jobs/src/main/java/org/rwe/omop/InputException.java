package org.rwe.omop;

/**
 * The input extract cannot be used: a missing table or column, an unreadable file, or more rejected
 * rows than the error budget allows. The message names the file, table or column. Exit code 3.
 */
public final class InputException extends RuntimeException {
  public InputException(String message) {
    super(message);
  }

  public InputException(String message, Throwable cause) {
    super(message, cause);
  }
}
