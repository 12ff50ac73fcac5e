package org.rwe.omop;

import java.util.ArrayList;
import java.util.List;

/** Splits one line of delimited text (a header) into its fields. */
final class CsvRecords {
  private CsvRecords() {}

  /** The fields of one record (quotes removed, "" inside quotes is one quote). */
  static List<String> fields(String record, char delim) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    String line = record;
    while (line.endsWith("\n") || line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            cur.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == delim) {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }
}
