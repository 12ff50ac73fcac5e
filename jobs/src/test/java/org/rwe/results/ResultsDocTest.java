package org.rwe.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.rwe.testing.SparkTestSession;

/** docs/results.md is generated from the declaration; this fails when it is stale. */
class ResultsDocTest {

  @Test
  void docsResultsMdIsTheGeneratedOne() throws Exception {
    Path doc = SparkTestSession.projectDir().resolve("docs/results.md");
    String generated = ResultsDoc.markdown();
    if (Boolean.getBoolean("rwe.writeDocs")) {
      Files.writeString(doc, generated, StandardCharsets.UTF_8);
      System.out.println("ResultsDocTest: wrote " + doc);
    }
    assertTrue(Files.exists(doc), doc + " is missing");
    assertEquals(
        generated,
        Files.readString(doc, StandardCharsets.UTF_8),
        "docs/results.md is stale: it must be generated from ResultsSchema. Run: mvn -o -q test"
            + " -Dtest=ResultsDocTest -Drwe.writeDocs=true");
  }

  @Test
  void everyTableAndColumnIsDocumented() {
    String md = ResultsDoc.markdown();
    for (ResultTable t : ResultsSchema.ALL) {
      assertTrue(md.contains("\n### " + t.name() + "\n"), t.name());
      for (ResultColumn c : t.columns()) {
        assertTrue(!c.meaning().isBlank(), t.name() + "." + c.name() + " has no meaning");
        assertTrue(md.contains("| `" + c.name() + "` | "), t.name() + "." + c.name());
      }
    }
  }
}
