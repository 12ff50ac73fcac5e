package org.rwe.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.rwe.config.StudySettings;

/**
 * {@code _stages/<stage>.json}: written after a stage's outputs are complete, it records the hash
 * of everything the outputs were made from. A stage whose stamp carries the current hash is
 * skipped; a stage without a stamp (killed, failed) or with another hash is recomputed, and so is
 * every stage after it.
 *
 * @param basis the named parts of the hash (input, versions, one per config section, the hash of
 *     the stage before), kept so the log can say what changed
 */
record StageStamp(
    Stage stage,
    String hash,
    Map<String, String> basis,
    Instant finished,
    double seconds,
    Map<String, Long> counts,
    List<String> warnings) {

  static final String FOLDER = "_stages";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** What a stage's output is made from, and its hash. */
  record Basis(Stage stage, String hash, Map<String, String> parts) {}

  /**
   * The basis of every stage, chained: INGEST from the input fingerprint, the product and Spark
   * versions and its sections; each later stage from the hash of the stage before and its own
   * sections. Settings that cannot change a result (spark.*, study.description) are in no stage.
   * Files named by settings ({@link Stage#files()}) are fingerprinted on the local file system (for
   * tests; a run uses {@link #bases(StudySettings, InputFingerprint, String, String, Function)}
   * with the run's Hadoop file system).
   */
  static Map<Stage, Basis> bases(
      StudySettings settings, InputFingerprint input, String rweVersion, String sparkVersion) {
    return bases(
        settings,
        input,
        rweVersion,
        sparkVersion,
        path -> InputFingerprint.ofPath(new org.apache.hadoop.conf.Configuration(), path));
  }

  /**
   * @param fileFingerprint the fingerprint of a file or folder named by a setting (never called for
   *     "")
   */
  static Map<Stage, Basis> bases(
      StudySettings settings,
      InputFingerprint input,
      String rweVersion,
      String sparkVersion,
      Function<String, String> fileFingerprint) {
    Map<Stage, Basis> out = new EnumMap<>(Stage.class);
    String previous = null;
    for (Stage s : Stage.values()) {
      Map<String, String> parts = new LinkedHashMap<>();
      if (previous == null) {
        parts.put("input", input.contentHash());
        parts.put("version:rwe", rweVersion);
        parts.put("version:spark", sparkVersion);
      } else {
        parts.put("after", previous);
      }
      for (String section : s.sections()) {
        String rendered =
            settings.resolved().hasPath(section) ? settings.resolvedJson(section) : "null";
        if (section.equals("conceptSets")) {
          // The items as read, so that an ATLAS JSON file changed under the same name counts.
          rendered += "\n" + new TreeMap<>(settings.conceptSets());
        }
        parts.put("config:" + section, InputFingerprint.sha256(rendered));
      }
      for (String setting : s.files()) {
        String path =
            settings.resolved().hasPath(setting) ? settings.resolved().getString(setting) : "";
        parts.put(
            "file:" + setting,
            path.isEmpty()
                ? "none"
                : InputFingerprint.sha256(path + "\n" + fileFingerprint.apply(path)));
      }
      StringBuilder sb = new StringBuilder(s.id());
      parts.forEach((k, v) -> sb.append('\n').append(k).append('=').append(v));
      String hash = InputFingerprint.sha256(sb.toString());
      out.put(s, new Basis(s, hash, Map.copyOf(parts)));
      previous = hash;
    }
    return out;
  }

  /** Why a stored output is not current, in words for the log ("config 'features' changed"). */
  static String staleness(StageStamp stored, Basis current) {
    if (stored == null) {
      return "no complete output";
    }
    List<String> changed = new ArrayList<>();
    for (String k : new TreeSet<>(current.parts().keySet())) {
      if (!current.parts().get(k).equals(stored.basis().get(k))) {
        changed.add(
            switch (k) {
              case "after" -> "an earlier stage changed";
              case "input" -> "the input files changed";
              default ->
                  k.startsWith("config:")
                      ? "config '" + k.substring("config:".length()) + "' changed"
                      : k.startsWith("file:")
                          ? "the file named by '" + k.substring("file:".length()) + "' changed"
                          : k.replace(':', ' ') + " changed";
            });
      }
    }
    return changed.isEmpty() ? "its inputs changed" : String.join(", ", changed);
  }

  static String path(String runDir, Stage stage) {
    return runDir + "/" + FOLDER + "/" + stage.id() + ".json";
  }

  void write(RunFiles files, String runDir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("stage", stage.id());
    root.put("hash", hash);
    ObjectNode b = root.putObject("basis");
    new java.util.TreeMap<>(basis).forEach(b::put);
    root.put("finished", finished.toString());
    root.put("seconds", seconds);
    ObjectNode c = root.putObject("counts");
    counts.forEach(c::put);
    var w = root.putArray("warnings");
    warnings.forEach(w::add);
    files.write(path(runDir, stage), JSON.writeValueAsString(root));
  }

  /** The stored stamp, or null when there is none or it cannot be read (then: recompute). */
  static StageStamp read(RunFiles files, String runDir, Stage stage) {
    try {
      String text = files.read(path(runDir, stage));
      if (text == null) {
        return null;
      }
      JsonNode root = JSON.readTree(text);
      Map<String, String> basis = new LinkedHashMap<>();
      root.get("basis")
          .fields()
          .forEachRemaining(e -> basis.put(e.getKey(), e.getValue().asText()));
      Map<String, Long> counts = new LinkedHashMap<>();
      root.get("counts")
          .fields()
          .forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
      List<String> warnings = new ArrayList<>();
      root.get("warnings").forEach(n -> warnings.add(n.asText()));
      return new StageStamp(
          stage,
          root.get("hash").asText(),
          basis,
          Instant.parse(root.get("finished").asText()),
          root.get("seconds").asDouble(),
          counts,
          warnings);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
