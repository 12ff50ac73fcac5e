package org.rwe.omop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Header splitting (quotes respected). */
class CsvRecordsTest {
  @Test
  void splitsFieldsRespectingQuotes() {
    assertEquals(
        List.of("1", "a,b", "say \"hi\"", ""),
        CsvRecords.fields("1,\"a,b\",\"say \"\"hi\"\"\",\r\n", ','));
    assertEquals(List.of("x", "multi\nline"), CsvRecords.fields("x\t\"multi\nline\"", '\t'));
  }
}
