package org.rwe.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.rwe.cli.Main;
import org.rwe.omop.CdmTable;
import org.rwe.testing.DuckDb;
import org.rwe.testing.SparkTestSession;

/**
 * A small OMOP extract written to disk for one test case, run through the command line as a
 * scheduler would ({@code rwe run --to ingest}), and read back with DuckDB. Starts from a minimal
 * valid extract (every required table, CDM v5.4 headers) that a case changes file by file.
 */
final class Extract {
  static final Path STUDY =
      SparkTestSession.projectDir().resolve("conf/studies/magnesium-depression.conf");
  static final ObjectMapper JSON = new ObjectMapper();

  static final String CONCEPT =
      """
      concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept,concept_code,invalid_reason
      0,No matching concept,Metadata,None,Undefined,,No matching concept,
      8507,MALE,Gender,Gender,Gender,S,M,
      8532,FEMALE,Gender,Gender,Gender,S,F,
      9201,Inpatient Visit,Visit,Visit,Visit,S,IP,
      9202,Outpatient Visit,Visit,Visit,Visit,S,OP,
      32817,EHR,Type Concept,Type Concept,Type Concept,S,OMOP4976890,
      201826,Type 2 diabetes mellitus,Condition,SNOMED,Clinical Finding,S,44054006,
      1118084,celecoxib,Drug,RxNorm,Ingredient,S,140587,
      3004410,Hemoglobin A1c,Measurement,LOINC,Lab Test,S,4548-4,
      """;
  static final String CONCEPT_ANCESTOR =
      """
      ancestor_concept_id,descendant_concept_id,min_levels_of_separation,max_levels_of_separation
      1118084,1118084,0,0
      201826,201826,0,0
      """;
  static final String CONCEPT_RELATIONSHIP =
      """
      concept_id_1,concept_id_2,relationship_id,valid_start_date,valid_end_date,invalid_reason
      201826,201826,Maps to,1970-01-01,2099-12-31,
      """;
  static final String PERSON_HEADER =
      "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,race_concept_id,"
          + "ethnicity_concept_id,person_source_value,gender_source_value";
  static final String PERSON =
      PERSON_HEADER
          + "\n"
          + """
          1,8507,1970,3,16,0,0,P0001,M
          2,8532,1980,,,0,0,P0002,F
          3,8507,1955,1,1,0,0,P0003,M
          """;
  static final String PERIOD_HEADER =
      "observation_period_id,person_id,observation_period_start_date,"
          + "observation_period_end_date,period_type_concept_id";
  static final String PERIODS =
      PERIOD_HEADER
          + "\n"
          + """
          1,1,2010-01-01,2020-12-31,32817
          2,2,2012-01-01,2021-12-31,32817
          3,3,2008-01-01,2019-12-31,32817
          """;
  static final String VISIT_HEADER =
      "visit_occurrence_id,person_id,visit_concept_id,visit_start_date,visit_end_date,"
          + "visit_type_concept_id,provider_id,care_site_id,visit_source_value";
  static final String VISITS =
      VISIT_HEADER
          + "\n"
          + """
          10,1,9202,2015-03-01,2015-03-01,32817,,,OP
          11,2,9201,2016-05-01,2016-05-03,32817,,,IP
          """;
  static final String CONDITION_HEADER =
      "condition_occurrence_id,person_id,condition_concept_id,condition_start_date,"
          + "condition_end_date,condition_type_concept_id,stop_reason,visit_occurrence_id,"
          + "condition_source_value,condition_source_concept_id";
  static final String CONDITIONS =
      CONDITION_HEADER
          + "\n"
          + """
          100,1,201826,2015-03-01,,32817,,10,E11.9,0
          101,2,201826,2016-05-02,2016-05-10,32817,,11,E11.9,0
          """;
  static final String DRUG_HEADER =
      "drug_exposure_id,person_id,drug_concept_id,drug_exposure_start_date,"
          + "drug_exposure_end_date,days_supply,quantity,drug_type_concept_id,sig,"
          + "drug_source_value";
  static final String DRUGS =
      DRUG_HEADER
          + "\n"
          + """
          200,1,1118084,2015-03-01,2015-03-30,30,30,32817,take one daily,59762-1234-01
          201,3,1118084,2010-06-01,2010-06-30,30,60,32817,,RX123
          """;

  private static int cases = 0;

  private final Path dir;
  private final Map<String, byte[]> files = new LinkedHashMap<>();
  private final List<String> options = new ArrayList<>();
  private final Map<String, Long> expected = new TreeMap<>();
  private String studyOverlay;

  Extract(Path root) {
    this.dir = root.resolve("case" + (++cases));
    text("concept.csv", CONCEPT);
    text("concept_ancestor.csv", CONCEPT_ANCESTOR);
    text("concept_relationship.csv", CONCEPT_RELATIONSHIP);
    text("person.csv", PERSON);
    text("observation_period.csv", PERIODS);
    text("visit_occurrence.csv", VISITS);
    text("condition_occurrence.csv", CONDITIONS);
    text("drug_exposure.csv", DRUGS);
  }

  /** Writes (or replaces) a file of the extract, relative to its folder. */
  Extract text(String path, String content) {
    return bytes(path, content.getBytes(StandardCharsets.UTF_8));
  }

  Extract bytes(String path, byte[] content) {
    files.put(path, content);
    return this;
  }

  Extract remove(String path) {
    files.remove(path);
    return this;
  }

  /** A table's base rows plus more lines. */
  Extract append(String path, String... lines) {
    String base = new String(files.get(path), StandardCharsets.UTF_8);
    return text(path, base + String.join("\n", lines) + "\n");
  }

  /**
   * Settings for this run as a study file would give them (HOCON, lists included), on top of the
   * magnesium study: the run reads a study file that includes it.
   */
  Extract study(String hocon) {
    studyOverlay = hocon;
    return this;
  }

  /** What a file map cannot say (a FIFO, a symbolic link), done in the input folder. */
  interface IoAction {
    void run(Path input) throws IOException;
  }

  private final List<IoAction> preparations = new ArrayList<>();

  /** Runs {@code action} on the input folder once the files are written, before the run. */
  Extract prepare(IoAction action) {
    preparations.add(action);
    return this;
  }

  /**
   * The records a table's file holds, counted by the case's author (for files whose quotes are
   * broken on purpose, which the quote-counting reading of {@link #records} cannot count).
   */
  Extract expectRecords(String table, long records) {
    expected.put(table, records);
    return this;
  }

  /** A setting for this run, e.g. {@code ingest.maxRejectShare=1}. */
  Extract option(String keyValue) {
    options.add("-D" + keyValue);
    return this;
  }

  Path input() {
    return dir.resolve("extract");
  }

  /** Writes the files and runs ingest through the command line. */
  Run run() {
    try {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Path p = input().resolve(f.getKey());
        Files.createDirectories(p.getParent());
        Files.write(p, f.getValue());
      }
      Files.createDirectories(input());
      for (IoAction a : preparations) {
        a.run(input());
      }
      if (studyOverlay != null) {
        Files.writeString(
            dir.resolve("study.conf"),
            "include file(\"" + STUDY + "\")\n" + studyOverlay + "\n",
            StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "--conf",
                studyOverlay == null ? STUDY.toString() : dir.resolve("study.conf").toString(),
                "--input",
                input().toString(),
                "--output",
                dir.resolve("out").toString(),
                "--run-id",
                "c",
                "--to",
                "ingest"));
    args.addAll(options);
    SparkTestSession.get();
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.execute(args.toArray(String[]::new));
    } finally {
      System.setErr(old);
    }
    return new Run(
        this,
        code,
        err.toString(StandardCharsets.UTF_8),
        dir.resolve("out/magnesium-depression/c.inprogress"));
  }

  /**
   * Rows of each table as written, counted here with a CSV reading of our own (quotes honoured).
   */
  Map<String, Long> writtenRows() {
    Map<String, Long> out = new TreeMap<>();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      String[] parts = f.getKey().toLowerCase(Locale.ROOT).split("/");
      String leaf = parts[parts.length - 1];
      String table = parts.length > 1 ? parts[0] : leaf.replaceAll("\\.(csv|tsv|txt)(\\.gz)?$", "");
      if (CdmTable.byName(table).isEmpty()
          || parts.length > 2
          || leaf.startsWith("_")
          || leaf.startsWith(".")
          || leaf.endsWith(".parquet")) {
        continue;
      }
      byte[] b = f.getValue();
      if (leaf.endsWith(".gz")) {
        b = gunzip(b);
      }
      out.merge(table, records(new String(b, StandardCharsets.UTF_8)), Long::sum);
    }
    out.putAll(expected);
    return out;
  }

  /** Data records of a CSV text: non-blank records (quote-aware) after the header. */
  static long records(String text) {
    long n = 0;
    boolean quoted = false;
    boolean content = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        quoted = !quoted;
        content = true;
      } else if (c == '\n' && !quoted) {
        n += content ? 1 : 0;
        content = false;
      } else if (!Character.isWhitespace(c) && c != '\uFEFF') {
        content = true;
      }
    }
    n += content ? 1 : 0;
    return Math.max(0, n - 1);
  }

  static byte[] gzip(String text) {
    return gzip(text.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] gunzip(byte[] bytes) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The outcome of one run: exit code, what it printed, and its working folder. */
  record Run(Extract extract, int code, String err, Path dir) {

    /** Asserts a clean exit and that every table conserved its rows. */
    Run ok() {
      assertEquals(0, code, err);
      assertConserved();
      return this;
    }

    /** Asserts exit code 3 with a one-line message holding every fragment, and no stack trace. */
    Run fails(String... fragments) {
      assertEquals(3, code, err);
      assertTrue(err.startsWith("rwe: input error: "), err);
      for (String f : fragments) {
        assertTrue(err.contains(f), "expected '" + f + "' in: " + err);
      }
      assertFalse(err.contains("\tat "), "no stack trace for an expected error: " + err);
      return this;
    }

    List<Map<String, Object>> summary() {
      return DuckDb.query(
          "SELECT * FROM '" + dir + "/aggregates/ingest_summary/*.parquet' ORDER BY table_name");
    }

    Map<String, Object> summary(String table) {
      return summary().stream()
          .filter(r -> r.get("table_name").equals(table))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no summary row for " + table));
    }

    /** rejected_by_rule (or flagged_by_rule) of a table, read with DuckDB. */
    Map<String, Long> byRule(String table, String column) {
      Map<String, Long> out = new TreeMap<>();
      for (Map<String, Object> r :
          DuckDb.query(
              "SELECT unnest(map_keys("
                  + column
                  + ")) k, unnest(map_values("
                  + column
                  + ")) v FROM '"
                  + dir
                  + "/aggregates/ingest_summary/*.parquet' WHERE table_name = '"
                  + table
                  + "'")) {
        out.put((String) r.get("k"), ((Number) r.get("v")).longValue());
      }
      return out;
    }

    Map<String, Long> rejected(String table) {
      return byRule(table, "rejected_by_rule");
    }

    Map<String, Long> flagged(String table) {
      return byRule(table, "flagged_by_rule");
    }

    List<String> dropped(String table) {
      List<String> out = new ArrayList<>();
      for (Map<String, Object> r :
          DuckDb.query(
              "SELECT unnest(dropped_columns) c FROM '"
                  + dir
                  + "/aggregates/ingest_summary/*.parquet' WHERE table_name = '"
                  + table
                  + "'")) {
        out.add((String) r.get("c"));
      }
      return out;
    }

    List<Map<String, Object>> curated(String table, String orderBy) {
      return DuckDb.query(
          "SELECT * FROM '" + dir + "/curated/" + table + "/*.parquet' ORDER BY " + orderBy);
    }

    List<Map<String, Object>> rejects(String table) {
      return DuckDb.query(
          "SELECT * FROM '" + dir + "/rejects/" + table + "/*.parquet' ORDER BY raw_values");
    }

    /**
     * Every row of a table by the raw text of its key column: "" when curated, else its rule. A key
     * seen twice keeps both outcomes, comma-separated in sorted order.
     */
    Map<String, String> outcomes(String table, String key) {
      Map<String, List<String>> out = new TreeMap<>();
      for (Map<String, Object> r : curated(table, key)) {
        out.computeIfAbsent(String.valueOf(r.get(key)), k -> new ArrayList<>()).add("");
      }
      for (Map<String, Object> r : rejects(table)) {
        String raw = (String) r.get("raw_values");
        // A malformed record keeps its line as read: its key is its first field here.
        String id = raw.startsWith("{") ? json(raw).path(key).asText("?") : raw.split("[,\t;|]")[0];
        out.computeIfAbsent(id, k -> new ArrayList<>()).add((String) r.get("rule"));
      }
      Map<String, String> joined = new TreeMap<>();
      out.forEach((k, v) -> joined.put(k, String.join(",", v.stream().sorted().toList())));
      return joined;
    }

    /**
     * rows_read = rows_curated + rows_rejected per table, where rows_read is also the number of
     * records written to the input (counted by this test), and the other two are what DuckDB finds
     * in curated/ and rejects/.
     */
    void assertConserved() {
      Map<String, Long> written = extract.writtenRows();
      for (Map<String, Object> s : summary()) {
        String t = (String) s.get("table_name");
        long read = ((Number) s.get("rows_read")).longValue();
        long curated = ((Number) s.get("rows_curated")).longValue();
        long rejected = ((Number) s.get("rows_rejected")).longValue();
        assertEquals(read, curated + rejected, t + ": rows_read = rows_curated + rows_rejected");
        assertEquals(count("curated", t), curated, t + ": rows in curated/");
        assertEquals(count("rejects", t), rejected, t + ": rows in rejects/");
        long perRule = rejected(t).values().stream().mapToLong(Long::longValue).sum();
        assertEquals(rejected, perRule, t + ": rejects per rule add up");
        if (written.containsKey(t)) {
          assertEquals(written.get(t), read, t + ": rows_read = records in the input");
        }
      }
    }

    private static JsonNode json(String raw) {
      try {
        return JSON.readTree(raw);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    long count(String stage, String table) {
      return ((Number)
              DuckDb.query(
                      "SELECT count(*) n FROM '" + dir + "/" + stage + "/" + table + "/*.parquet'")
                  .get(0)
                  .get("n"))
          .longValue();
    }
  }
}
