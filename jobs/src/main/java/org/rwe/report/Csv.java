package org.rwe.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.rwe.results.ResultTable;

/**
 * CSV exports of the result tables (RFC 4180: comma, CRLF-free "\n" lines, fields quoted when
 * needed), written from the rows already masked under results/, so they are suppressed the same
 * way. A null is an empty field; maps and lists are JSON.
 */
public final class Csv {
  private Csv() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  public static String render(ResultTable table, List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append(String.join(",", table.columnNames().stream().map(Csv::field).toList()));
    b.append('\n');
    for (Row r : rows) {
      List<String> fields = new ArrayList<>(r.size());
      for (int i = 0; i < r.size(); i++) {
        fields.add(field(value(r.get(i))));
      }
      b.append(String.join(",", fields)).append('\n');
    }
    return b.toString();
  }

  static String value(Object v) {
    if (v == null) {
      return "";
    }
    try {
      if (v instanceof scala.collection.Map<?, ?> m) {
        Map<Object, Object> j =
            new LinkedHashMap<>(scala.jdk.javaapi.CollectionConverters.asJava(m));
        return JSON.writeValueAsString(new java.util.TreeMap<>(stringKeys(j)));
      }
      if (v instanceof scala.collection.Seq<?> s) {
        return JSON.writeValueAsString(scala.jdk.javaapi.CollectionConverters.asJava(s));
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    if (v instanceof Double d) {
      // Shortest text that reads back as the same double.
      return Double.toString(d);
    }
    return v.toString();
  }

  private static Map<String, Object> stringKeys(Map<Object, Object> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  static String field(String s) {
    if (s.indexOf(',') >= 0
        || s.indexOf('"') >= 0
        || s.indexOf('\n') >= 0
        || s.indexOf('\r') >= 0) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
