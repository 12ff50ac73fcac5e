package org.rwe.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.rwe.results.ResultTable;

/**
 * Everything the report shows: the study's design and the (already suppressed) result tables of the
 * run. Nothing person-level: the report is built from these alone.
 */
public record ReportInput(Study study, Map<String, List<Rec>> tables) {

  /** The design, from the resolved configuration. */
  public record Study(
      String studyId,
      String description,
      String runId,
      int minCellCount,
      String targetName,
      String comparatorName,
      List<Analysis> analyses,
      List<Outcome> outcomes,
      Map<String, String> design,
      String resolvedConfigJson,
      Map<String, String> versions) {}

  /**
   * One analysis of the grid: {@code modelType} is the outcome model (cox, poisson, logistic), so
   * that an estimate is labelled HR, IRR or OR; {@code primary} the one the report leads with.
   */
  public record Analysis(
      int analysisId, String description, boolean matched, String modelType, boolean primary) {

    /** What {@code rr} is for this analysis: a hazard, incidence-rate or odds ratio. */
    public String measure() {
      return ReportInput.measure(modelType);
    }
  }

  /** HR, IRR or OR: what {@code rr} is for an outcome model (cox, poisson, logistic). */
  public static String measure(String modelType) {
    return switch (modelType) {
      case "poisson" -> "IRR";
      case "logistic" -> "OR";
      default -> "HR";
    };
  }

  public record Outcome(int outcomeId, String name, boolean negativeControl) {}

  /** One row of a result table, by column name. */
  public record Rec(Map<String, Object> values) {
    public Object get(String column) {
      if (!values.containsKey(column)) {
        throw new IllegalArgumentException("no column " + column + " in " + values.keySet());
      }
      return values.get(column);
    }

    public Double num(String column) {
      Object v = get(column);
      return v == null ? null : ((Number) v).doubleValue();
    }

    public Long lng(String column) {
      Object v = get(column);
      return v == null ? null : ((Number) v).longValue();
    }

    public int integer(String column) {
      return ((Number) get(column)).intValue();
    }

    public String str(String column) {
      Object v = get(column);
      return v == null ? null : v.toString();
    }

    public boolean bool(String column) {
      return Boolean.TRUE.equals(get(column));
    }

    public static Rec of(Row row, ResultTable table) {
      Map<String, Object> v = new LinkedHashMap<>();
      for (int i = 0; i < table.columns().size(); i++) {
        v.put(table.columns().get(i).name(), row.get(i));
      }
      return new Rec(Collections.unmodifiableMap(v));
    }
  }

  public Optional<List<Rec>> table(String name) {
    List<Rec> rows = tables.get(name);
    return rows == null ? Optional.empty() : Optional.of(rows);
  }

  public boolean has(String name) {
    return tables.containsKey(name);
  }

  /** The rows of a table matching a filter, or none when the table is absent. */
  public List<Rec> rows(String name, java.util.function.Predicate<Rec> filter) {
    List<Rec> out = new ArrayList<>();
    for (Rec r : tables.getOrDefault(name, List.of())) {
      if (filter.test(r)) {
        out.add(r);
      }
    }
    return out;
  }

  public String outcomeName(int outcomeId) {
    return study.outcomes().stream()
        .filter(o -> o.outcomeId() == outcomeId)
        .map(Outcome::name)
        .findFirst()
        .orElse("outcome " + outcomeId);
  }

  public String analysisName(int analysisId) {
    return study.analyses().stream()
        .filter(a -> a.analysisId() == analysisId)
        .map(a -> a.description().isEmpty() ? "analysis " + analysisId : a.description())
        .findFirst()
        .orElse("analysis " + analysisId);
  }

  /** A short label for narrow columns: the id, with the description as its tooltip. */
  public String analysisLabel(int analysisId) {
    return "<span class=\"aid\" title=\""
        + Fmt.esc(analysisName(analysisId))
        + "\">"
        + analysisId
        + "</span>";
  }

  /** The primary analysis, if the study has one among its analyses. */
  public Optional<Analysis> primary() {
    return study.analyses().stream().filter(Analysis::primary).findFirst();
  }

  /** HR, IRR or OR: what an estimate of this analysis is. */
  public String measure(int analysisId) {
    return study.analyses().stream()
        .filter(a -> a.analysisId() == analysisId)
        .map(Analysis::measure)
        .findFirst()
        .orElse("RR");
  }

  public boolean negativeControl(int outcomeId) {
    return study.outcomes().stream()
        .anyMatch(o -> o.outcomeId() == outcomeId && o.negativeControl());
  }

  /** The outcome the per-outcome sections show: the first outcome of interest. */
  public int focusOutcome() {
    return study.outcomes().stream()
        .filter(o -> !o.negativeControl())
        .mapToInt(Outcome::outcomeId)
        .min()
        .orElse(study.outcomes().isEmpty() ? 0 : study.outcomes().get(0).outcomeId());
  }
}
