package org.rwe.run;

import java.util.List;

/**
 * The disclosure check found, in what the run was about to publish, a count of persons below the
 * minimum cell count that a reader could read or recover by adding or subtracting published counts.
 * Nothing is published (results/ and report/ are not written, {@code latest} is left as it was),
 * and the exit code is 4. This is a defect of the suppression, not of the input: the message lists
 * every recoverable count so it can be reported.
 */
public final class DisclosureException extends RuntimeException {
  private final List<String> problems;

  public DisclosureException(List<String> problems) {
    super(
        "disclosure check failed, nothing published: "
            + problems.size()
            + " count(s) below the minimum could be recovered:\n  - "
            + String.join("\n  - ", problems.subList(0, Math.min(problems.size(), 20)))
            + (problems.size() > 20 ? "\n  - ... and " + (problems.size() - 20) + " more" : ""));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
