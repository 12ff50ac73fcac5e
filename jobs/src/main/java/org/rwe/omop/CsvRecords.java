package org.rwe.omop;

import java.util.ArrayList;
import java.util.List;

/**
 * Judges a CSV record whose number of fields differs from its header's (Spark hands it over whole
 * as a "corrupt record"). Exports often end every row with a delimiter, or end the header with one
 * (an unnamed last column): such rows are well-formed when the fields beyond the named columns are
 * empty. Any other difference means the values cannot be matched to their columns.
 */
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

  /**
   * True when a record whose field count differs from the header's still lines up: every named
   * column has its field, and every field beyond the header is empty.
   *
   * @param headerColumns columns in the header
   * @param namedColumns columns up to and including the last one with a name
   */
  static boolean alignable(String record, char delim, int headerColumns, int namedColumns) {
    if (record == null) {
      return true;
    }
    List<String> f = fields(record, delim);
    if (f.size() < namedColumns) {
      return false;
    }
    for (int i = headerColumns; i < f.size(); i++) {
      if (!f.get(i).isBlank()) {
        return false;
      }
    }
    return true;
  }
}
