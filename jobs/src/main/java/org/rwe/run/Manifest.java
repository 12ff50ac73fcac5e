package org.rwe.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.rwe.config.StudySettings;
import org.rwe.omop.CdmTable;
import org.rwe.omop.ExtractReader;

/** {@code _manifest.json}: what was run, on what, with which versions, and how it went. */
final class Manifest {
  private Manifest() {}

  static void write(
      FileSystem fs,
      String workDir,
      StudySettings settings,
      String input,
      String runId,
      Instant started,
      Instant ended,
      List<Pipeline.StageRecord> stages,
      SparkSession spark)
      throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("study_id", settings.studyId());
    root.put("run_id", runId);
    root.put("status", "success");
    root.put("started", started.toString());
    root.put("ended", ended.toString());
    ObjectNode versions = root.putObject("versions");
    String v = Manifest.class.getPackage().getImplementationVersion();
    versions.put("rwe", v == null ? "dev" : v);
    versions.put("spark", spark.version());
    versions.put("java", System.getProperty("java.version"));
    ObjectNode in = root.putObject("input");
    in.put("path", input);
    ArrayNode files = in.putArray("tables");
    ExtractReader reader = new ExtractReader(spark, input);
    for (CdmTable t : CdmTable.values()) {
      reader
          .locate(t)
          .ifPresent(
              l -> {
                ObjectNode f = files.addObject();
                f.put("table", t.cdmName());
                f.put("file", l.path().getName());
                f.put("bytes", reader.size(l));
              });
    }
    ArrayNode st = root.putArray("stages");
    for (Pipeline.StageRecord r : stages) {
      ObjectNode s = st.addObject();
      s.put("stage", r.stage());
      s.put("seconds", Math.round(r.seconds() * 10) / 10.0);
      ObjectNode c = s.putObject("counts");
      for (Map.Entry<String, Long> e : r.counts().entrySet()) {
        c.put(e.getKey(), e.getValue());
      }
    }
    root.set("config", json.readTree(settings.resolvedJson(null)));
    try (OutputStream out = fs.create(new Path(workDir, "_manifest.json"), true)) {
      json.writeValue(out, root);
    }
  }
}
