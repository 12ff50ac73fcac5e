package org.rwe.omop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Field splitting (quotes respected) and when a record of the wrong width still lines up. */
class CsvRecordsTest {
  @Test
  void splitsFieldsRespectingQuotes() {
    assertEquals(
        List.of("1", "a,b", "say \"hi\"", ""),
        CsvRecords.fields("1,\"a,b\",\"say \"\"hi\"\"\",\r\n", ','));
    assertEquals(List.of("x", "multi\nline"), CsvRecords.fields("x\t\"multi\nline\"", '\t'));
  }

  @Test
  void trailingDelimitersLineUpOtherDifferencesDoNot() {
    // header a,b,c: 3 columns, all named
    assertTrue(CsvRecords.alignable("1,2,3,", ',', 3, 3), "one empty field beyond the header");
    assertTrue(CsvRecords.alignable("1,2,3,,\r", ',', 3, 3));
    assertFalse(CsvRecords.alignable("1,2,3,4", ',', 3, 3), "a value beyond the header");
    assertFalse(CsvRecords.alignable("1,2", ',', 3, 3), "a field missing");
    // header a,b,c, : 4 columns, the last unnamed
    assertTrue(CsvRecords.alignable("1,2,3", ',', 4, 3), "rows without the trailing delimiter");
    assertFalse(CsvRecords.alignable("1,2", ',', 4, 3));
    assertTrue(CsvRecords.alignable(null, ',', 3, 3));
  }
}
