package org.rwe.results;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which published counts of a run describe nested or identical groups of persons, in different rows
 * or tables, so that a reader can subtract one from another: the families of complementary
 * suppression across tables. Within a family, the difference of any two published counts must be 0
 * or at least the minimum cell count ({@link Suppression#applyAll} withholds counts until it is;
 * {@link DisclosureAudit} checks it on what is published).
 *
 * <p>A family is a superset of the pairs that are truly nested: counts of two analyses' populations
 * for one outcome are put together although, say, a matched and a stratified population are not
 * nested. Withholding a count too many costs a number in a table; missing a nested pair would
 * publish a person count below the minimum. Per arm:
 *
 * <ul>
 *   <li><b>population</b> (outcome): every attrition step of every analysis for the outcome and the
 *       shared cohort steps, the subjects of cohort_method_result, incidence_rate and
 *       follow_up_dist, the arm sizes of covariate_balance (before and after) and of
 *       continuous_outcome_result;
 *   <li><b>at risk</b> (analysis, outcome): the subjects of cohort_method_result, the numbers at
 *       risk of kaplan_meier_dist and absolute_risk on every day, and the subgroups' subjects of
 *       interaction_result;
 *   <li><b>outcomes</b> (analysis, outcome): the outcome counts of cohort_method_result,
 *       incidence_rate, interaction_result and absolute_risk (outcomes by each horizon).
 * </ul>
 *
 * The tables earlier in {@link #RANK}, then the lower analysis ids, are kept in preference when two
 * counts are too close.
 */
public final class CrossTable {
  private CrossTable() {}

  /** A table's rows as either the writer (raw values) or a reader (published values) sees them. */
  public interface View {
    int rows();

    Object get(int row, String column);

    /** The rows of a table, each an array or a Row in the table's column order. */
    static View of(ResultTable table, List<?> rows) {
      return new View() {
        @Override
        public int rows() {
          return rows.size();
        }

        @Override
        public Object get(int row, String column) {
          Object r = rows.get(row);
          int c = table.indexOf(column);
          return r instanceof Object[] a ? a[c] : ((org.apache.spark.sql.Row) r).get(c);
        }
      };
    }
  }

  /**
   * A count of a family: a column of a row of a table. {@code rank} orders what is kept when one of
   * two counts must go (lower is kept): the table's place in {@link #RANK}, then the analysis id,
   * so the first analyses of the grid (the crude and the primary one) keep their numbers.
   */
  public record Cell(String table, int row, String column, long rank) {}

  /** Counts of nested or identical groups; {@code name} says which, for messages. */
  public record Family(String name, List<Cell> cells) {}

  /** Preference when one of two counts must be withheld: the first kept. */
  static final List<String> RANK =
      List.of(
          "cohort_method_result",
          "incidence_rate",
          "interaction_result",
          "continuous_outcome_result",
          "follow_up_dist",
          "absolute_risk",
          "covariate_balance",
          "attrition",
          "kaplan_meier_dist");

  private static final List<String> ARMS = List.of("target", "comparator");

  /**
   * A column of a table in the families of its rows: {@code column} with "%s" for the arm;
   * population families are per outcome, the others ({@code perAnalysis}) per analysis and outcome.
   */
  private record Member(String table, String column, String kind, boolean perAnalysis) {}

  private static final List<Member> MEMBERS =
      List.of(
          new Member("attrition", "%s_subjects", "population", false),
          new Member("cohort_method_result", "%s_subjects", "population", false),
          new Member("incidence_rate", "%s_subjects", "population", false),
          new Member("follow_up_dist", "%s_subjects", "population", false),
          new Member("covariate_balance", "%s_subjects_before", "population", false),
          new Member("covariate_balance", "%s_subjects_after", "population", false),
          new Member("continuous_outcome_result", "%s_subjects", "population", false),
          new Member("cohort_method_result", "%s_subjects", "at risk", true),
          new Member("kaplan_meier_dist", "%s_at_risk", "at risk", true),
          new Member("absolute_risk", "%s_at_risk", "at risk", true),
          new Member("interaction_result", "%s_subjects", "at risk", true),
          new Member("cohort_method_result", "%s_outcomes", "outcomes", true),
          new Member("incidence_rate", "%s_outcomes", "outcomes", true),
          new Member("interaction_result", "%s_outcomes", "outcomes", true),
          new Member("absolute_risk", "%s_outcomes", "outcomes", true));

  /** The families of the tables present; tables are named as in {@link ResultsSchema}. */
  public static List<Family> families(Map<String, View> tables) {
    Map<String, List<Cell>> families = new LinkedHashMap<>();
    TreeSet<Integer> outcomes = new TreeSet<>();
    for (Map.Entry<String, View> e : tables.entrySet()) {
      View v = e.getValue();
      if (!columns(e.getKey()).contains("outcome_id")) {
        continue;
      }
      for (int r = 0; r < v.rows(); r++) {
        int o = ((Number) v.get(r, "outcome_id")).intValue();
        if (o != 0) {
          outcomes.add(o);
        }
      }
    }
    for (String arm : ARMS) {
      for (Member mb : MEMBERS) {
        add(families, tables, mb, arm, outcomes);
      }
    }
    List<Family> out = new ArrayList<>();
    families.forEach((name, cells) -> out.add(new Family(name, List.copyOf(cells))));
    return out;
  }

  /**
   * Adds a table's column to the families of its rows. Population families are per outcome (a row
   * of outcome 0, the shared cohort steps, belongs to every outcome's); the others per analysis and
   * outcome.
   */
  private static void add(
      Map<String, List<Cell>> families,
      Map<String, View> tables,
      Member member,
      String arm,
      TreeSet<Integer> outcomes) {
    String table = member.table();
    String column = member.column().formatted(arm);
    String kind = member.kind();
    boolean perAnalysis = member.perAnalysis();
    View v = tables.get(table);
    if (v == null) {
      return;
    }
    for (int r = 0; r < v.rows(); r++) {
      int o = ((Number) v.get(r, "outcome_id")).intValue();
      int a = ((Number) v.get(r, "analysis_id")).intValue();
      long rank = (long) RANK.indexOf(table) << 32 | (a & 0xffffffffL);
      List<Integer> of = o == 0 && !perAnalysis ? List.copyOf(outcomes) : List.of(o);
      for (int outcome : of) {
        String name =
            kind
                + " of the "
                + arm
                + " arm, "
                + (perAnalysis ? "analysis " + a + ", " : "")
                + "outcome "
                + outcome;
        families
            .computeIfAbsent(name, k -> new ArrayList<>())
            .add(new Cell(table, r, column, rank));
      }
    }
  }

  private static List<String> columns(String table) {
    return ResultsSchema.byName(table).map(ResultTable::columnNames).orElse(List.of());
  }

  /**
   * A count that is the sum of both arms of another table's row: the subjects the propensity model
   * was fitted on are both arms of the last shared cohort step (when no arm was sampled), so with
   * one arm known the other is their difference.
   */
  public record ArmSum(Cell total, Cell target, Cell comparator) {}

  /** propensity_summary.subjects_fitted against the last shared step of attrition. */
  public static List<ArmSum> armSums(Map<String, View> tables) {
    View ps = tables.get("propensity_summary");
    View att = tables.get("attrition");
    if (ps == null || att == null || ps.rows() == 0) {
      return List.of();
    }
    int last = -1;
    int lastSeq = Integer.MIN_VALUE;
    for (int r = 0; r < att.rows(); r++) {
      int a = ((Number) att.get(r, "analysis_id")).intValue();
      int o = ((Number) att.get(r, "outcome_id")).intValue();
      int seq = ((Number) att.get(r, "sequence_number")).intValue();
      if (a == 0 && o == 0 && seq > lastSeq) {
        last = r;
        lastSeq = seq;
      }
    }
    if (last < 0) {
      return List.of();
    }
    List<ArmSum> out = new ArrayList<>();
    for (int r = 0; r < ps.rows(); r++) {
      out.add(
          new ArmSum(
              new Cell("propensity_summary", r, "subjects_fitted", Long.MAX_VALUE),
              new Cell("attrition", last, "target_subjects", 0),
              new Cell("attrition", last, "comparator_subjects", 0)));
    }
    return out;
  }

  /** For docs/results.md. */
  public static String describe() {
    return """
        Complementary suppression also holds across rows and tables. Counts that describe nested \
        or identical groups of persons form a family, per arm, and the difference of any two \
        published counts of a family is 0 or at least the minimum (counts are withheld, as null, \
        until it is; the tables first in the list below are kept in preference, then the lower \
        analysis ids, the crude and primary analyses first, then the smaller count). The families \
        are wider than the truly nested pairs (a matched and a stratified population of one \
        outcome are not nested, but are in one family): a count withheld too many costs a \
        number, a nested pair missed would publish a small cell.

        - **population**, per outcome: every `attrition` step of every analysis for the outcome \
        and the shared cohort steps (outcome 0), the subjects of `cohort_method_result`, \
        `incidence_rate` and `follow_up_dist`, the arm sizes of `covariate_balance` (before and \
        after) and of `continuous_outcome_result`;
        - **at risk**, per analysis and outcome: the subjects of `cohort_method_result`, the numbers \
        at risk of `kaplan_meier_dist` and `absolute_risk` on every day, and the subgroups' \
        subjects of `interaction_result`;
        - **outcomes**, per analysis and outcome: the outcome counts of `cohort_method_result`, \
        `incidence_rate`, `interaction_result` and `absolute_risk`.

        Preference (kept first):\s"""
        + String.join(", ", RANK.stream().map(t -> "`" + t + "`").toList())
        + ". `propensity_summary.subjects_fitted` is both arms of the last shared cohort step"
        + " when no arm was sampled: it is withheld unless both arms of that step are published"
        + " and it differs from their sum by 0 or at least the minimum."
        + " Every run checks what it is about to publish (every count, sum and family"
        + " difference a reader can form) and stops with exit code 4, publishing nothing, if a"
        + " count below the minimum could be recovered.\n";
  }
}
