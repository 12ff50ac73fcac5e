package org.rwe.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rwe.testing.SparkTestSession;

/** docs/configuration.md is generated from reference.conf; this fails when it is stale. */
class ConfigDocTest {

  @Test
  void docsConfigurationMdIsTheGeneratedOne() throws Exception {
    Path doc = SparkTestSession.projectDir().resolve("docs/configuration.md");
    String generated = ConfigDoc.markdown();
    if (Boolean.getBoolean("rwe.writeDocs")) {
      Files.writeString(doc, generated, StandardCharsets.UTF_8);
      System.out.println("ConfigDocTest: wrote " + doc);
    }
    assertTrue(Files.exists(doc), doc + " is missing");
    assertEquals(
        generated,
        Files.readString(doc, StandardCharsets.UTF_8),
        "docs/configuration.md is stale: it must be generated from reference.conf. Run: mvn -o -q"
            + " test -Dtest=ConfigDocTest -Drwe.writeDocs=true");
  }

  @Test
  void everyKeyHasARowWithItsDefault() {
    String md = ConfigDoc.markdown();
    for (Map.Entry<String, ConfigValue> e : StudySettings.reference().entrySet()) {
      String key = e.getKey().replace("\"", "");
      assertTrue(md.contains("| `" + key + "` | "), key + " has no row");
    }
    assertTrue(
        md.contains("| `propensity.crossValidationFolds` | `10` | "),
        "a default as the pipeline loads it");
    assertTrue(md.contains("| `study.primaryAnalysisId` | `null` | "), "a null default");
  }
}
