package org.rwe.config;

import java.util.List;

/** Bad configuration: every problem found, each naming its key. Maps to exit code 2. */
public final class SettingsException extends RuntimeException {
  private final List<String> problems;

  public SettingsException(List<String> problems) {
    super(
        problems.size() == 1
            ? problems.get(0)
            : problems.size() + " configuration problems:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public SettingsException(String problem) {
    this(List.of(problem));
  }

  public List<String> problems() {
    return problems;
  }
}
