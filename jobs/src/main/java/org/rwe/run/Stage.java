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
 * Settings that name a file the stage reads outside the input extract (a cohort table) are declared
 * too: the file's fingerprint (sizes, modification times) is part of the stage's hash.
 */
public enum Stage {
  /** Also depends on the input fingerprint and the product and Spark versions. */
  INGEST(List.of("ingest"), List.of("curated", "rejects", "_staging", "aggregates/ingest_summary")),
  /**
   * Outcome events and measurement changes are found here too, hence {@code outcomes}; concept sets
   * count with their content (an ATLAS JSON file may change under the same name), and the cohort
   * table (cohort.source = "cohortTable") with its fingerprint.
   */
  COHORT(
      List.of(
          "conceptSets",
          "cohort",
          "outcomes",
          "defaults.conceptSetItem",
          "defaults.exclusion",
          "defaults.outcome"),
      List.of("cohort"),
      List.of("cohort.cohortTable.path")),
  FEATURES(List.of("features"), List.of("features")),
  PROPENSITY(
      List.of("propensity"),
      List.of(
          "propensity",
          "aggregates/propensity_model",
          "aggregates/propensity_summary",
          "aggregates/preference_score_dist")),
  MATCH(
      List.of("studyPopulation", "analyses", "defaults.analysis"),
      List.of("match", "aggregates/attrition", "aggregates/covariate_balance")),
  /**
   * {@code diagnostics}: thresholds of diagnostics_summary (and failOnFailure, exit code 4). The
   * stages write their result tables unmasked (aggregates/), but this one reads {@code results} all
   * the same: an arm's survival curve and the MDRR are left out where the outcome count they would
   * give away is masked.
   */
  OUTCOMES(
      List.of(
          "analyses",
          "outcomes",
          "defaults.analysis",
          "defaults.outcome",
          "diagnostics",
          "absoluteRisk",
          "subgroups",
          "defaults.subgroup",
          "results"),
      List.of(
          "aggregates/cohort_method_result",
          "aggregates/incidence_rate",
          "aggregates/follow_up_dist",
          "aggregates/kaplan_meier_dist",
          "aggregates/absolute_risk",
          "aggregates/diagnostics_summary",
          "aggregates/analysis",
          "aggregates/continuous_outcome_result",
          "aggregates/interaction_result")),
  /**
   * Disclosure control of every result table together (aggregates/ to results/, the run's one
   * shareable copy), the check of what it publishes, then the HTML report and CSV exports, which
   * read only results/.
   */
  REPORT(List.of("study", "results"), List.of("results", "report"));

  private final List<String> sections;
  private final List<String> outputs;
  private final List<String> files;

  Stage(List<String> sections, List<String> outputs) {
    this(sections, outputs, List.of());
  }

  Stage(List<String> sections, List<String> outputs, List<String> files) {
    this.sections = sections;
    this.outputs = outputs;
    this.files = files;
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

  /**
   * Configuration paths whose value names a file or folder this stage reads besides the input
   * extract ("" = none); its fingerprint is part of the stage's hash.
   */
  public List<String> files() {
    return files;
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
