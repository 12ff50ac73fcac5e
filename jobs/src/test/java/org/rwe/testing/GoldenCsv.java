package org.rwe.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows of a golden CSV under {@code src/test/resources/golden/}, as the R scripts beside them write
 * it: a header, comma-separated cells, no quoting, numbers with 17 significant digits.
 */
public final class GoldenCsv {
  private GoldenCsv() {}

  /** One row, by column name. */
  public record Row(Map<String, String> cells) {
    public String str(String column) {
      String v = cells.get(column);
      assertNotNull(v, "no column " + column);
      return v;
    }

    public double num(String column) {
      return Double.parseDouble(str(column));
    }

    public long integer(String column) {
      return Long.parseLong(str(column));
    }
  }

  public static List<Row> read(String file) {
    String path = "golden/" + file;
    InputStream in = GoldenCsv.class.getClassLoader().getResourceAsStream(path);
    assertNotNull(in, "missing test resource " + path);
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String[] header = r.readLine().split(",", -1);
      List<Row> rows = new ArrayList<>();
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isEmpty()) {
          continue;
        }
        String[] cells = line.split(",", -1);
        assertEquals(header.length, cells.length, "bad line in " + path + ": " + line);
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < header.length; i++) {
          m.put(header[i], cells[i]);
        }
        rows.add(new Row(m));
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
