package org.rwe.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rwe.config.StudySettings;

/**
 * {@code _manifest.json}: what was run, on what, with which versions, how each stage went, and how
 * the run ended. Rewritten after every stage (so a killed run's work folder says how far it got),
 * on failure (status "failed" with the error), and last before {@code _SUCCESS}.
 */
final class Manifest {
  static final String FILE = "_manifest.json";

  /** How one stage went in this run: computed now, or current from an earlier run and skipped. */
  record StageRun(
      Stage stage,
      String status,
      String hash,
      double seconds,
      Instant finished,
      Map<String, Long> counts) {}

  private final StudySettings settings;
  private final String runId;
  private final InputFingerprint input;
  private final Map<String, String> versions;
  private final Map<String, String> spark;
  private final Instant started;
  private final List<StageRun> stages = new ArrayList<>();
  private final Set<String> warnings = new LinkedHashSet<>();
  private String status = "running";
  private Integer exitCode;
  private Instant ended;
  private Stage failedStage;
  private Throwable error;

  Manifest(
      StudySettings settings,
      String runId,
      InputFingerprint input,
      Map<String, String> versions,
      Map<String, String> spark,
      Instant started) {
    this.settings = settings;
    this.runId = runId;
    this.input = input;
    this.versions = versions;
    this.spark = spark;
    this.started = started;
  }

  void skipped(StageStamp stamp) {
    stages.add(
        new StageRun(
            stamp.stage(),
            "current",
            stamp.hash(),
            stamp.seconds(),
            stamp.finished(),
            stamp.counts()));
    warnings.addAll(stamp.warnings());
  }

  void computed(StageStamp stamp) {
    stages.add(
        new StageRun(
            stamp.stage(),
            "computed",
            stamp.hash(),
            stamp.seconds(),
            stamp.finished(),
            stamp.counts()));
    warnings.addAll(stamp.warnings());
  }

  void ended(String status, int exitCode) {
    this.status = status;
    this.exitCode = exitCode;
    this.ended = Instant.now();
  }

  void failed(Stage stage, Throwable error, int exitCode) {
    this.failedStage = stage;
    this.error = error;
    ended("failed", exitCode);
  }

  List<StageRun> stages() {
    return stages;
  }

  String toJson() throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("study_id", settings.studyId());
    root.put("run_id", runId);
    root.put("status", status);
    if (exitCode != null) {
      root.put("exit_code", exitCode);
    }
    root.put("started", started.toString());
    root.put("ended", ended == null ? null : ended.toString());
    if (error != null) {
      ObjectNode e = root.putObject("error");
      e.put("stage", failedStage == null ? null : failedStage.id());
      e.put("type", error.getClass().getName());
      e.put("message", String.valueOf(error.getMessage()));
    }
    // The process's own command line, as the JVM records it (rwe's arguments with their paths
    // and -D overrides): what to type to run this again.
    String command = System.getProperty("sun.java.command", "");
    root.put("command", command.replaceFirst("^org\\.rwe\\.cli\\.Main\\b", "rwe"));
    ObjectNode v = root.putObject("versions");
    versions.forEach(v::put);
    ObjectNode s = root.putObject("spark");
    spark.forEach(s::put);

    ObjectNode in = root.putObject("input");
    in.put("path", input.root());
    in.put("fingerprint", input.contentHash());
    Map<String, Long> ingestCounts =
        stages.stream()
            .filter(r -> r.stage() == Stage.INGEST)
            .map(StageRun::counts)
            .findFirst()
            .orElse(Map.of());
    ArrayNode tables = in.putArray("tables");
    for (InputFingerprint.Table t : input.tables()) {
      ObjectNode n = tables.addObject();
      n.put("table", t.table());
      n.put("name", t.name());
      n.put("format", t.format());
      n.put("bytes", t.bytes());
      n.put("files", t.files().size());
      for (String what : new String[] {"read", "curated", "rejected"}) {
        Long c = ingestCounts.get(t.table() + "." + what);
        if (c != null) {
          n.put("rows_" + what, c);
        }
      }
    }

    ArrayNode st = root.putArray("stages");
    for (StageRun r : stages) {
      ObjectNode n = st.addObject();
      n.put("stage", r.stage().id());
      n.put("status", r.status());
      n.put("seconds", Math.round(r.seconds() * 10) / 10.0);
      n.put("finished", r.finished().toString());
      n.put("hash", r.hash());
      ObjectNode c = n.putObject("counts");
      new LinkedHashMap<>(r.counts()).forEach(c::put);
    }
    ArrayNode w = root.putArray("warnings");
    warnings.forEach(w::add);
    root.set("config", json.readTree(settings.resolvedJson(null)));
    return json.writeValueAsString(root);
  }

  void write(RunFiles files, String runDir) throws IOException {
    files.replaceAtomically(runDir + "/" + FILE, toJson());
  }
}
