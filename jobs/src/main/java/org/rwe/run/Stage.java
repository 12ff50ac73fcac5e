package org.rwe.run;

import java.util.Arrays;
import java.util.Locale;
import org.rwe.config.SettingsException;

/** The pipeline's stages, in order. Each reads what the stages before it wrote. */
public enum Stage {
  INGEST,
  COHORT,
  FEATURES,
  PROPENSITY,
  MATCH,
  OUTCOMES,
  REPORT;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Stage parse(String name, String option) {
    return Arrays.stream(values())
        .filter(s -> s.id().equals(name.toLowerCase(Locale.ROOT)))
        .findFirst()
        .orElseThrow(
            () ->
                new SettingsException(
                    "Invalid value for "
                        + option
                        + ": '"
                        + name
                        + "' is not a stage (expected one of "
                        + Arrays.stream(values()).map(Stage::id).toList()
                        + ")"));
  }
}
