package org.rwe.config;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.rwe.ingest.Rules;
import org.rwe.omop.CdmTable;

/**
 * Validation thresholds and input options of the ingest stage. The error budget, the treatment of
 * events outside observation and the rules that only flag have a study-wide value and optional
 * per-table overrides ({@code ingest.tables.<table>}), because one known quirk of one table (e.g.
 * Eunomia's observation periods of persons who are not in {@code person}) must not loosen the
 * checks of every table.
 */
public record IngestSettings(
    double maxRejectShare,
    int maxDaysSupply,
    int deathGraceDays,
    int minBirthYear,
    int maxFutureDays,
    String outsideObservation,
    String delimiter,
    int maxRecordLines,
    long splitSize,
    long broadcastPersons,
    List<String> flagOnly,
    Map<CdmTable, TableSettings> tables) {

  /** The delimiters a CSV/TSV extract may use; "auto" detects one from each file's header. */
  public static final List<String> DELIMITERS = List.of("auto", ",", "\t", ";", "|");

  static final Set<String> TABLE_KEYS = Set.of("maxRejectShare", "outsideObservation", "flagOnly");

  /**
   * Tables other tables join on by key (or whose rows are looked up per person): their keys must
   * stay unique, so duplicates there are always rejected.
   */
  static final Set<CdmTable> UNIQUE_KEYS =
      Set.of(
          CdmTable.PERSON,
          CdmTable.DEATH,
          CdmTable.OBSERVATION_PERIOD,
          CdmTable.VISIT_OCCURRENCE,
          CdmTable.CONCEPT,
          CdmTable.CONCEPT_ANCESTOR,
          CdmTable.CONCEPT_RELATIONSHIP);

  /** What one table overrides (or inherits) from the study-wide values. */
  public record TableSettings(
      double maxRejectShare, String outsideObservation, List<String> flagOnly) {
    public TableSettings {
      flagOnly = List.copyOf(flagOnly);
    }
  }

  /** Study-wide values only (no per-table overrides), detected delimiter: for tests and tools. */
  public IngestSettings(
      double maxRejectShare,
      int maxDaysSupply,
      int deathGraceDays,
      int minBirthYear,
      String outsideObservation) {
    this(
        maxRejectShare,
        maxDaysSupply,
        deathGraceDays,
        minBirthYear,
        365,
        outsideObservation,
        "auto",
        100,
        128L << 20,
        5_000_000L,
        List.of(),
        Map.of());
  }

  public IngestSettings {
    flagOnly = List.copyOf(flagOnly);
    tables = Map.copyOf(tables);
  }

  /** The error budget of a table: its override, else the study-wide value. */
  public double maxRejectShare(CdmTable table) {
    TableSettings t = tables.get(table);
    return t == null ? maxRejectShare : t.maxRejectShare();
  }

  /** "flag" or "reject": the table's override, else the study-wide value. */
  public String outsideObservation(CdmTable table) {
    TableSettings t = tables.get(table);
    return t == null ? outsideObservation : t.outsideObservation();
  }

  /** Rules that flag rather than reject rows of this table. */
  public List<String> flagOnly(CdmTable table) {
    TableSettings t = tables.get(table);
    return t == null ? flagOnly : t.flagOnly();
  }

  /** The key that set a table's budget, for error messages. */
  public String maxRejectShareKey(CdmTable table) {
    return tables.containsKey(table)
        ? "ingest.tables." + table.cdmName() + ".maxRejectShare"
        : "ingest.maxRejectShare";
  }

  /** The configured delimiter, or 0 for "detect it from the header". */
  public char delimiterChar() {
    return delimiter.equals("auto") ? 0 : delimiter.charAt(0);
  }

  static IngestSettings from(Cfg c) {
    double share = c.numberIn("maxRejectShare", 0, 1);
    String outside = c.oneOf("outsideObservation", Set.of("flag", "reject"));
    String delimiter = c.string("delimiter");
    if (!DELIMITERS.contains(delimiter)) {
      c.problem(
          "delimiter",
          "expected \"auto\", \",\", \"\\t\", \";\" or \"|\", got '"
              + delimiter.replace("\t", "\\t")
              + "'");
    }
    List<String> flagOnly = flagOnly(c, null);
    Map<CdmTable, TableSettings> tables = new LinkedHashMap<>();
    Cfg perTable = c.at("tables");
    for (String name : new TreeMap<>(perTable.raw().root()).keySet()) {
      CdmTable table = CdmTable.byName(name).filter(t -> t.cdmName().equals(name)).orElse(null);
      if (table == null) {
        perTable.problem(
            name,
            "not a table the pipeline reads (known: "
                + Arrays.stream(CdmTable.values()).map(CdmTable::cdmName).toList()
                + ")");
        continue;
      }
      if (!perTable.isObject(name)) {
        perTable.problem(name, "expected an object such as { maxRejectShare = 0.5 }");
        continue;
      }
      Cfg own = perTable.at(name);
      own.onlyKeys(TABLE_KEYS);
      if (own.has("outsideObservation") && !table.checkedAgainstObservation()) {
        own.problem(
            "outsideObservation",
            "table "
                + name
                + " has no event date checked against observation periods; this applies to "
                + Arrays.stream(CdmTable.values())
                    .filter(CdmTable::checkedAgainstObservation)
                    .map(CdmTable::cdmName)
                    .toList());
      }
      // Keys the table does not set come from the study-wide ones (as analyses fall back to
      // defaults.analysis): the defaults still live in reference.conf only.
      Cfg merged =
          new Cfg(
              own.raw()
                  .withFallback(c.raw().withOnlyPath("maxRejectShare"))
                  .withFallback(c.raw().withOnlyPath("outsideObservation"))
                  .withFallback(c.raw().withOnlyPath("flagOnly")),
              perTable.key(name),
              c.problems());
      tables.put(
          table,
          new TableSettings(
              merged.numberIn("maxRejectShare", 0, 1),
              merged.oneOf("outsideObservation", Set.of("flag", "reject")),
              flagOnly(merged, table)));
    }
    return new IngestSettings(
        share,
        c.intAtLeast("maxDaysSupply", 0),
        c.intAtLeast("deathGraceDays", 0),
        c.intAtLeast("minBirthYear", 0),
        c.intAtLeast("maxFutureDays", 0),
        outside,
        delimiter,
        c.intAtLeast("maxRecordLines", 1),
        c.bytesAtLeast("splitSize", 1024),
        c.longAtLeast("broadcastPersons", 0),
        flagOnly,
        tables);
  }

  /** The flagOnly list of a table (or the study-wide one, table null), checked. */
  private static List<String> flagOnly(Cfg c, CdmTable table) {
    List<String> rules = c.strings("flagOnly");
    for (String rule : rules) {
      if (!Rules.FLAGGABLE.contains(rule)) {
        c.problem(
            "flagOnly",
            "'"
                + rule
                + "' cannot be a flag (flaggable: "
                + Rules.FLAGGABLE
                + "; events outside observation have their own key, outsideObservation)");
      }
    }
    if (rules.contains(Rules.DUPLICATE_PRIMARY_KEY)) {
      List<CdmTable> affected =
          table == null
              ? UNIQUE_KEYS.stream().sorted().toList()
              : UNIQUE_KEYS.contains(table) ? List.of(table) : List.of();
      if (!affected.isEmpty()) {
        c.problem(
            "flagOnly",
            "duplicate_primary_key must reject in "
                + affected.stream().map(CdmTable::cdmName).toList()
                + ": other tables join on their keys; list it per table instead, e.g."
                + " tables.drug_exposure.flagOnly");
      }
    }
    return rules;
  }
}
