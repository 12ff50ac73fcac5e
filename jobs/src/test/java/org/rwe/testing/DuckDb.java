package org.rwe.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** DuckDB over JDBC: an independent reader of the Parquet the pipeline writes. */
public final class DuckDb {
  private DuckDb() {}

  public static List<Map<String, Object>> query(String sql) {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      ResultSetMetaData m = r.getMetaData();
      List<Map<String, Object>> rows = new ArrayList<>();
      while (r.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= m.getColumnCount(); i++) {
          row.put(m.getColumnName(i), r.getObject(i));
        }
        rows.add(row);
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** Column name to DuckDB type name of a Parquet table (a folder of part files). */
  public static Map<String, String> schema(String folder) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map<String, Object> r : query("DESCRIBE SELECT * FROM '" + folder + "/*.parquet'")) {
      out.put((String) r.get("column_name"), (String) r.get("column_type"));
    }
    return out;
  }

  public static double number(Object o) {
    return ((Number) o).doubleValue();
  }
}
