package org.rwe.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A concept set exported from OHDSI ATLAS as JSON: {@code items[].concept.CONCEPT_ID} with {@code
 * includeDescendants}, {@code isExcluded} and {@code includeMapped}; the WebAPI export that wraps
 * it in {@code expression} is read too. In the study file: {@code name { atlasJson = "x.json" }},
 * the path relative to that file.
 */
final class AtlasConceptSet {
  private AtlasConceptSet() {}

  static List<ConceptSetItem> read(Cfg c) {
    c.onlyKeys(Set.of("atlasJson"));
    String file = c.string("atlasJson");
    if (file.isEmpty()) {
      return List.of();
    }
    Path path = Path.of(file);
    if (!path.isAbsolute()) {
      String origin = c.raw().getValue("atlasJson").origin().filename();
      if (origin != null) {
        path = Path.of(origin).toAbsolutePath().getParent().resolve(file);
      }
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(path));
    } catch (IOException e) {
      c.problem("atlasJson", "cannot read the ATLAS concept set " + path + ": " + e.getMessage());
      return List.of();
    }
    JsonNode items =
        root.has("expression") ? root.get("expression").get("items") : root.get("items");
    if (items == null || !items.isArray()) {
      c.problem("atlasJson", path + " is not an ATLAS concept set export (no items[])");
      return List.of();
    }
    List<ConceptSetItem> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      JsonNode id = item.path("concept").path("CONCEPT_ID");
      if (!id.canConvertToLong()) {
        c.problem("atlasJson", path + ": items[" + i + "].concept.CONCEPT_ID is missing");
        continue;
      }
      out.add(
          new ConceptSetItem(
              "",
              List.of(),
              List.of(id.asLong()),
              item.path("includeDescendants").asBoolean(false),
              item.path("isExcluded").asBoolean(false),
              item.path("includeMapped").asBoolean(false)));
    }
    return out;
  }
}
