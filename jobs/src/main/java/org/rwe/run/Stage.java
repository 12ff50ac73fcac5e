package org.rwe.run;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.rwe.config.SettingsException;

/**
 * The pipeline's stages, in order. Each reads what the stages before it wrote.
 *
 * <p>Each stage declares the configuration sections its output depends on (beyond the stages before
 * it: a stage's hash chains the hash of the stage before, so a change upstream recomputes
 * everything downstream) and the folders of the run it owns (deleted before it is recomputed, so no
 * output of an earlier attempt survives). A new stage adds one line here and one job in {@link
 * Pipeline#jobs()}; StageTest checks that the sections exist and the outputs do not overlap.
 */
public enum Stage {
  /** Also depends on the input fingerprint and the product and Spark versions. */
  INGEST(List.of("ingest"), List.of("curated", "rejects", "_staging", "results/ingest_summary")),
  /** Outcome events are found here too, hence {@code outcomes}. */
  COHORT(
      List.of(
          "conceptSets",
          "cohort",
          "outcomes",
          "defaults.conceptSetItem",
          "defaults.exclusion",
          "defaults.outcome"),
      List.of("cohort")),
  FEATURES(List.of("features"), List.of("features")),
  PROPENSITY(
      List.of("propensity"),
      List.of("propensity", "results/propensity_model", "results/propensity_summary")),
  /** {@code results}: attrition and balance carry counts masked by results.minCellCount. */
  MATCH(
      List.of("studyPopulation", "analyses", "defaults.analysis", "results"),
      List.of("match", "results/attrition", "results/covariate_balance")),
  OUTCOMES(
      List.of("analyses", "outcomes", "defaults.analysis", "defaults.outcome", "results"),
      List.of("results/cohort_method_result"));

  private final List<String> sections;
  private final List<String> outputs;

  Stage(List<String> sections, List<String> outputs) {
    this.sections = sections;
    this.outputs = outputs;
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Configuration paths (in the resolved config) whose values this stage's output depends on. */
  public List<String> sections() {
    return sections;
  }

  /** Folders, relative to the run folder, that this stage writes and no other stage does. */
  public List<String> outputs() {
    return outputs;
  }

  /** The stage that completes a run (a run is published after it). */
  public static Stage last() {
    Stage[] all = values();
    return all[all.length - 1];
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
