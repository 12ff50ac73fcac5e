package org.rwe.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.rwe.results.Protection;
import org.rwe.results.ResultColumn;
import org.rwe.results.ResultColumn.Kind;
import org.rwe.results.ResultTable;
import org.rwe.results.ResultsDoc;
import org.rwe.results.ResultsSchema;

/**
 * Reads every shareable table of a run (results/ as Parquet and report/csv/ as CSV) with DuckDB,
 * independently of the writer, and lists whatever a disclosure reviewer would object to: an
 * undeclared table or column, a person-level column, a count of 1..min-1, a mean that stands for
 * fewer than min subjects, a value derived from a masked count, an unpublished small difference
 * that subtraction gives away, or a CSV that differs from its Parquet.
 */
public final class ShareableScan {
  private ShareableScan() {}

  /** Person ids, row ids, birth, exact dates, free text: never in a shareable table. */
  static final Pattern PERSON_LEVEL =
      Pattern.compile(
          "person_id|subject_id|row_id|.*_source_value|(year|month|day)_of_birth|birth_datetime"
              + "|.*_date|.*_datetime|.*_time");

  /** Names that say "count of persons or events": they must be declared as counts. */
  static final Pattern COUNT_NAME =
      Pattern.compile(".*(subjects|persons|outcomes|events|at_risk|_count)(_before|_after)?");

  public record Result(
      List<String> problems, int parquetTables, int csvFiles, long masked, long withheld) {}

  public static Result scan(Path run, int m) throws IOException {
    List<String> problems = new ArrayList<>();
    Map<String, List<Map<String, Object>>> parquet = new LinkedHashMap<>();
    long[] masked = {0};
    long[] withheld = {0};
    Path results = run.resolve("results");
    for (Path dir : list(results)) {
      String name = dir.getFileName().toString();
      var table = ResultsSchema.byName(name);
      if (table.isEmpty()) {
        problems.add("results/" + name + ": not declared in ResultsSchema");
        continue;
      }
      ResultTable t = table.get();
      Map<String, String> schema = DuckDb.schema(dir.toString());
      List<String> declared = t.columnNames();
      if (!declared.equals(List.copyOf(schema.keySet()))) {
        problems.add("results/" + name + ": columns " + schema.keySet() + ", declared " + declared);
        continue;
      }
      for (ResultColumn c : t.columns()) {
        String actual = schema.get(c.name());
        if (!actual.equals(ResultsDoc.duckDbType(c.type()))) {
          problems.add(
              "results/"
                  + name
                  + "."
                  + c.name()
                  + ": type "
                  + actual
                  + ", declared "
                  + ResultsDoc.duckDbType(c.type()));
        }
        if (actual.startsWith("DATE") || actual.startsWith("TIMESTAMP")) {
          problems.add("results/" + name + "." + c.name() + ": a date column (" + actual + ")");
        }
      }
      List<Map<String, Object>> rows = DuckDb.query("SELECT * FROM '" + dir + "/*.parquet'");
      parquet.put(name, rows);
      checkRows("results/" + name, t, rows, m, problems, masked, withheld);
    }
    int csvFiles = 0;
    for (Path csv : list(run.resolve("report/csv"))) {
      csvFiles++;
      String file = csv.getFileName().toString();
      String name = file.endsWith(".csv") ? file.substring(0, file.length() - 4) : file;
      var table = ResultsSchema.byName(name);
      if (table.isEmpty() || !file.endsWith(".csv")) {
        problems.add("report/csv/" + file + ": not a declared table");
        continue;
      }
      ResultTable t = table.get();
      List<Map<String, Object>> rows =
          DuckDb.query(
              "SELECT * FROM read_csv('"
                  + csv
                  + "', header = true, all_varchar = true,"
                  + " delim = ',', quote = '\"', escape = '\"')");
      List<String> header =
          new ArrayList<>(
              DuckDb.query(
                      "DESCRIBE SELECT * FROM read_csv('"
                          + csv
                          + "', header = true,"
                          + " all_varchar = true)")
                  .stream()
                  .map(r -> (String) r.get("column_name"))
                  .toList());
      if (!header.equals(t.columnNames())) {
        problems.add("report/csv/" + file + ": header " + header + ", declared " + t.columnNames());
        continue;
      }
      List<Map<String, Object>> typed = new ArrayList<>();
      for (Map<String, Object> r : rows) {
        Map<String, Object> v = new LinkedHashMap<>();
        for (ResultColumn c : t.columns()) {
          v.put(c.name(), parse((String) r.get(c.name()), c));
        }
        typed.add(v);
      }
      checkRows("report/csv/" + file, t, typed, m, problems, new long[1], new long[1]);
      List<Map<String, Object>> p = parquet.get(name);
      if (p == null) {
        problems.add("report/csv/" + file + ": no results/" + name + " to be a copy of");
      } else if (!sameValues(t, p, typed)) {
        problems.add("report/csv/" + file + ": differs from results/" + name);
      }
    }
    crossTable(results, m, problems);
    return new Result(problems, parquet.size(), csvFiles, masked[0], withheld[0]);
  }

  private static List<Path> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> !f.getFileName().toString().startsWith("."))
          .filter(f -> !f.getFileName().toString().startsWith("_"))
          .sorted(Comparator.naturalOrder())
          .toList();
    }
  }

  private static Object parse(String s, ResultColumn c) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    String type = ResultsDoc.duckDbType(c.type());
    return switch (type) {
      case "INTEGER", "BIGINT" -> Long.parseLong(s);
      case "DOUBLE" -> Double.parseDouble(s);
      case "BOOLEAN" -> Boolean.parseBoolean(s);
      default -> s;
    };
  }

  private static boolean sameValues(
      ResultTable t, List<Map<String, Object>> parquet, List<Map<String, Object>> csv) {
    if (parquet.size() != csv.size()) {
      return false;
    }
    for (int i = 0; i < parquet.size(); i++) {
      for (ResultColumn c : t.columns()) {
        Object a = parquet.get(i).get(c.name());
        Object b = csv.get(i).get(c.name());
        if (a == null || b == null) {
          if (a != b) {
            return false;
          }
        } else if (a instanceof Number x && b instanceof Number y) {
          if (x.doubleValue() != y.doubleValue()) {
            return false;
          }
        } else if (a instanceof String || a instanceof Boolean) {
          if (!a.equals(b)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  static Long asLong(Object v) {
    return v == null ? null : ((Number) v).longValue();
  }

  private static void checkRows(
      String where,
      ResultTable t,
      List<Map<String, Object>> rows,
      int m,
      List<String> problems,
      long[] masked,
      long[] withheld) {
    for (ResultColumn c : t.columns()) {
      if (PERSON_LEVEL.matcher(c.name()).matches()) {
        problems.add(where + "." + c.name() + ": a person-level column");
      }
      boolean integer =
          c.type().sameType(org.apache.spark.sql.types.DataTypes.LongType)
              || c.type().sameType(org.apache.spark.sql.types.DataTypes.IntegerType);
      if (integer
          && COUNT_NAME.matcher(c.name()).matches()
          && c.kind() != Kind.COUNT
          && c.kind() != Kind.RECORD_COUNT) {
        problems.add(where + "." + c.name() + ": looks like a count, declared " + c.kind());
      }
    }
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> r = rows.get(i);
      String at = where + " row " + (i + 1);
      for (ResultColumn c : t.columns()) {
        Object v = r.get(c.name());
        switch (c.kind()) {
          case COUNT -> {
            Long n = asLong(v);
            if (n == null) {
              withheld[0]++;
            } else if (n > 0 && n < m) {
              problems.add(at + ": " + c.name() + " = " + n + " (below " + m + ")");
            } else if (n < 0 && n != -m) {
              problems.add(at + ": " + c.name() + " = " + n + " (a mask must be " + -m + ")");
            } else if (n == -m) {
              masked[0]++;
            }
          }
          case MEAN -> {
            Long size = asLong(r.get(c.sources().get(0)));
            if (v != null && size != null && size >= m) {
              double x = ((Number) v).doubleValue();
              if (x > 0 && x * size < m - 1e-6) {
                problems.add(at + ": " + c.name() + " = " + x + " is " + x * size + " subjects");
              }
              if (x > 0 && x <= 1 && (1 - x) * size > 1e-6 && (1 - x) * size < m - 1e-6) {
                problems.add(at + ": " + c.name() + " = " + x + " leaves out a small cell");
              }
              if (x < 0) {
                masked[0]++;
              }
            }
          }
          case DERIVED -> {
            boolean hidden =
                c.sources().stream()
                    .map(r::get)
                    .anyMatch(s -> s == null || ((Number) s).doubleValue() < 0);
            if (hidden && v != null) {
              problems.add(at + ": " + c.name() + " = " + v + " rests on a masked value");
            }
          }
          case CURVE -> {
            Object s = r.get(c.sources().get(0));
            if (s != null && ((Number) s).doubleValue() < 0 && v != null) {
              problems.add(at + ": " + c.name() + " = " + v + " is read at a masked count");
            }
          }
          default -> {}
        }
      }
    }
    for (Protection p : t.protections()) {
      if (p instanceof Protection.Sum s) {
        checkSum(where, s, rows, m, problems);
      } else if (p instanceof Protection.Chain ch) {
        checkChain(where, ch, rows, m, problems);
      }
    }
  }

  /** What subtraction gives a reader: it must be 0, at least min, or unknown. */
  private static void checkSum(
      String where,
      Protection.Sum s,
      List<Map<String, Object>> rows,
      int m,
      List<String> problems) {
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> r = rows.get(i);
      Long total = asLong(r.get(s.total()));
      if (total == null || total < 0) {
        continue;
      }
      List<Long> hidden = new ArrayList<>();
      long known = 0;
      for (String part : s.parts()) {
        Long v = asLong(r.get(part));
        if (v == null || v < 0) {
          hidden.add(v);
        } else {
          known += v;
        }
      }
      long rest = total - known; // what the hidden parts (and the remainder) add up to
      int unknowns = hidden.size() + (s.remainder() ? 1 : 0);
      if (unknowns == 1 && rest > 0 && rest < m) {
        problems.add(where + " row " + (i + 1) + ": " + s.total() + " - parts = " + rest);
      }
      if (unknowns >= 2 && rest > 0 && rest < m) {
        problems.add(
            where + " row " + (i + 1) + ": hidden cells of " + s.total() + " add to " + rest);
      }
    }
  }

  private static void checkChain(
      String where,
      Protection.Chain c,
      List<Map<String, Object>> rows,
      int m,
      List<String> problems) {
    Map<List<Object>, List<Map<String, Object>>> groups = new LinkedHashMap<>();
    for (Map<String, Object> r : rows) {
      List<Object> key = new ArrayList<>();
      for (String g : c.groupColumns()) {
        key.add(((Number) r.get(g)).intValue());
      }
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
    }
    List<Map<String, Object>> head = groups.getOrDefault(c.head(), List.of());
    for (var g : groups.entrySet()) {
      if (g.getKey().equals(c.head()) && groups.size() > 1) {
        continue;
      }
      List<Map<String, Object>> chain =
          new ArrayList<>(g.getKey().equals(c.head()) ? List.of() : head);
      chain.addAll(g.getValue());
      chain.sort(Comparator.comparingLong(r -> ((Number) r.get(c.order())).longValue()));
      for (String col : c.counts()) {
        Long last = null;
        for (Map<String, Object> r : chain) {
          Long v = asLong(r.get(col));
          if (v == null) {
            continue;
          }
          if (v < 0) {
            last = null;
            continue;
          }
          if (last != null && !Objects.equals(last, v) && Math.abs(last - v) < m) {
            problems.add(
                where
                    + " "
                    + g.getKey()
                    + " "
                    + col
                    + ": step "
                    + r.get(c.order())
                    + " removes "
                    + Math.abs(last - v));
          }
          last = v;
        }
      }
    }
  }

  /**
   * The differences a reader can take between tables and rows, in SQL over the Parquet files: the
   * same step across analyses, consecutive steps, arm sizes of the balance table (table 1) against
   * attrition and cohort_method_result, incidence_rate against cohort_method_result, numbers at
   * risk against subjects, subgroups against their population, outcomes by a horizon against all
   * outcomes. Any two published counts of nested or identical groups must differ by 0 or at least
   * m. Written apart from the pipeline's CrossTable, as a reader with DuckDB would.
   */
  static void crossTable(Path results, int m, List<String> problems) {
    List<String> parts = new ArrayList<>();
    for (String arm : List.of("target", "comparator")) {
      String subjects = arm + "_subjects";
      if (Files.isDirectory(results.resolve("attrition"))) {
        String att = parquet(results, "attrition");
        parts.add(
            "SELECT 'population ' || outcome_id AS fam, '"
                + arm
                + "' AS arm, "
                + subjects
                + " AS n, 'attrition a' || analysis_id || ' o' || outcome_id || ' step ' ||"
                + " sequence_number AS src FROM "
                + att
                + " WHERE outcome_id <> 0");
        parts.add(
            "SELECT 'population ' || o.outcome_id, '"
                + arm
                + "', s."
                + subjects
                + ", 'attrition shared step ' || s.sequence_number FROM "
                + att
                + " s, (SELECT DISTINCT outcome_id FROM "
                + att
                + " WHERE outcome_id <> 0) o WHERE s.outcome_id = 0");
      }
      for (String t :
          List.of(
              "cohort_method_result",
              "incidence_rate",
              "follow_up_dist",
              "continuous_outcome_result")) {
        pop(results, t, arm, subjects, "'population ' || outcome_id", parts);
      }
      pop(
          results,
          "covariate_balance",
          arm,
          subjects + "_before",
          "'population ' || outcome_id",
          parts);
      pop(
          results,
          "covariate_balance",
          arm,
          subjects + "_after",
          "'population ' || outcome_id",
          parts);
      String perAnalysis = "' a' || analysis_id || ' o' || outcome_id";
      pop(results, "cohort_method_result", arm, subjects, "'at risk' || " + perAnalysis, parts);
      pop(
          results,
          "kaplan_meier_dist",
          arm,
          arm + "_at_risk",
          "'at risk' || " + perAnalysis,
          parts);
      pop(results, "absolute_risk", arm, arm + "_at_risk", "'at risk' || " + perAnalysis, parts);
      pop(results, "interaction_result", arm, subjects, "'at risk' || " + perAnalysis, parts);
      for (String t :
          List.of(
              "cohort_method_result", "incidence_rate", "interaction_result", "absolute_risk")) {
        pop(results, t, arm, arm + "_outcomes", "'outcomes' || " + perAnalysis, parts);
      }
    }
    if (parts.isEmpty()) {
      return;
    }
    String counts = String.join(" UNION ALL ", parts);
    for (Map<String, Object> r :
        DuckDb.query(
            "WITH c AS ("
                + counts
                + "), k AS (SELECT DISTINCT fam, arm, n, first(src ORDER BY src) AS src FROM c"
                + " WHERE n >= 0 GROUP BY fam, arm, n) SELECT a.fam, a.arm, a.n AS n1, a.src AS s1,"
                + " b.n AS n2, b.src AS s2 FROM k a JOIN k b ON a.fam = b.fam AND a.arm = b.arm"
                + " AND a.n > b.n AND a.n - b.n < "
                + m
                + " ORDER BY 1, 2, 3 LIMIT 200")) {
      problems.add(
          "across tables ("
              + r.get("fam")
              + ", "
              + r.get("arm")
              + "): "
              + r.get("s1")
              + " = "
              + r.get("n1")
              + " and "
              + r.get("s2")
              + " = "
              + r.get("n2")
              + " differ by "
              + (((Number) r.get("n1")).longValue() - ((Number) r.get("n2")).longValue()));
    }
  }

  private static String parquet(Path results, String table) {
    return "read_parquet('" + results.resolve(table) + "/*.parquet')";
  }

  private static void pop(
      Path results, String table, String arm, String column, String fam, List<String> parts) {
    if (!Files.isDirectory(results.resolve(table))) {
      return;
    }
    parts.add(
        "SELECT "
            + fam
            + ", '"
            + arm
            + "', "
            + column
            + ", '"
            + table
            + "."
            + column
            + " a' || analysis_id || ' o' || outcome_id FROM "
            + parquet(results, table));
  }
}
