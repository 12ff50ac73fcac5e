package org.rwe.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class ResultRowTest {
  private static ResultRow analysisRow() {
    return ResultRow.of(ResultsSchema.ANALYSIS)
        .set("is_primary", true)
        .set("analysis_id", 2)
        .set("description", "matched")
        .set("model_type", "cox")
        .set("definition", null);
  }

  @Test
  void valuesLandInTheTablesColumnOrderWhateverTheOrderSet() {
    Row r = analysisRow().build();
    assertEquals(5, r.size());
    assertEquals(2, r.getInt(ResultsSchema.ANALYSIS.indexOf("analysis_id")));
    assertEquals("cox", r.getString(ResultsSchema.ANALYSIS.indexOf("model_type")));
    assertTrue(r.getBoolean(ResultsSchema.ANALYSIS.indexOf("is_primary")));
    assertTrue(r.isNullAt(ResultsSchema.ANALYSIS.indexOf("definition")));
  }

  @Test
  void unknownRepeatedOrMissingColumnsAreErrorsThatNameThem() {
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> ResultRow.of(ResultsSchema.ANALYSIS).set("analysis", 1));
    assertTrue(
        unknown.getMessage().contains("analysis has no column analysis"), unknown.getMessage());
    IllegalStateException twice =
        assertThrows(IllegalStateException.class, () -> analysisRow().set("model_type", "x"));
    assertTrue(twice.getMessage().contains("model_type set twice"), twice.getMessage());
    IllegalStateException missing =
        assertThrows(
            IllegalStateException.class,
            () -> ResultRow.of(ResultsSchema.ANALYSIS).set("analysis_id", 1).build());
    assertTrue(missing.getMessage().contains("column description not set"), missing.getMessage());
  }
}
