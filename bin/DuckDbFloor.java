import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * The floor bin/rwe-bench compares the pipeline with: DuckDB (in memory) parsing every CSV of an
 * extract (a file, or a folder of part files, per table) into a table, all columns typed by its
 * sniffer. Prints "rows N seconds S".
 * Run as a single-file program: java -cp duckdb_jdbc.jar bin/DuckDbFloor.java EXTRACT_DIR
 */
public class DuckDbFloor {
  public static void main(String[] args) throws Exception {
    long t0 = System.nanoTime();
    long rows = 0;
    File[] files = new File(args[0]).listFiles();
    if (files == null) {
      throw new IllegalArgumentException("No folder " + args[0]);
    }
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      for (File f : files) {
        String name = f.getName();
        String source;
        String table;
        if (f.isDirectory()) {
          // A folder of part files (bin/rwe generate writes one per table above 200,000 persons).
          File[] parts = f.listFiles((d, n) -> n.endsWith(".csv.gz") || n.endsWith(".csv"));
          if (parts == null || parts.length == 0) {
            continue;
          }
          source = f + "/" + (parts[0].getName().endsWith(".gz") ? "*.csv.gz" : "*.csv");
          table = name;
        } else if (name.endsWith(".csv.gz") || name.endsWith(".csv")) {
          source = f.toString();
          table = name.replaceAll("\\.csv(\\.gz)?$", "");
        } else {
          continue;
        }
        s.execute(
            "CREATE TABLE " + table + " AS SELECT * FROM read_csv('" + source + "', header = true)");
        try (ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
          r.next();
          rows += r.getLong(1);
        }
      }
    }
    System.out.printf("rows %d seconds %.1f%n", rows, (System.nanoTime() - t0) / 1e9);
  }
}
