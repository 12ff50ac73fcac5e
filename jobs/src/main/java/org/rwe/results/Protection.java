package org.rwe.results;

import java.util.List;

/**
 * A complementary-suppression rule: how the cells of a table add up, so that a masked cell cannot
 * be recovered by subtraction from the cells published beside it. Declared with the table in {@link
 * ResultsSchema}; applied by {@link Suppression}; described in docs/results.md.
 */
public sealed interface Protection permits Protection.Sum, Protection.Chain {

  /** One sentence for the documentation. */
  String describe();

  /** The columns the rule reads (all must be declared in the table). */
  List<String> columns();

  /**
   * Within one row: {@code total = parts (+ remainder)}. With {@code remainder}, the parts do not
   * cover the total and the difference is itself a count of persons that is never published (e.g.
   * subjects without the outcome = subjects - outcomes); it must not become known when it is small.
   */
  record Sum(String total, List<String> parts, boolean remainder, String remainderMeaning)
      implements Protection {
    public Sum {
      parts = List.copyOf(parts);
    }

    @Override
    public String describe() {
      return "`"
          + total
          + "` = "
          + String.join(" + ", parts.stream().map(p -> "`" + p + "`").toList())
          + (remainder ? " + " + remainderMeaning + " (never published)" : "")
          + ": when a masked cell"
          + (remainder ? ", or the " + remainderMeaning + " when it is below the minimum," : "")
          + " could be recovered by subtraction, or the cells hidden together add up to fewer"
          + " than the minimum, the smallest other part is withheld (null)";
    }

    @Override
    public List<String> columns() {
      return java.util.stream.Stream.concat(java.util.stream.Stream.of(total), parts.stream())
          .toList();
    }
  }

  /**
   * Across rows: the counts of each group, in {@code order}, form a chain in which each row keeps
   * part of the one before (attrition). The rows whose {@code groupColumns} equal {@code head} are
   * the common start of every group's chain. The number removed between two published counts is a
   * count of persons too: walking each chain from its end, a count whose difference from the next
   * published count is in 1..minCellCount-1 is withheld (null), so every difference a reader can
   * take is 0 or at least the minimum, and the last count of a chain (published elsewhere too) is
   * kept.
   */
  record Chain(List<String> groupColumns, List<Object> head, String order, List<String> counts)
      implements Protection {
    public Chain {
      groupColumns = List.copyOf(groupColumns);
      head = List.copyOf(head);
      counts = List.copyOf(counts);
    }

    @Override
    public String describe() {
      return "each ("
          + String.join(", ", groupColumns)
          + ") is a chain of steps ordered by `"
          + order
          + "`, after the steps all chains share ("
          + String.join(", ", groupColumns)
          + " = "
          + String.join(", ", head.stream().map(String::valueOf).toList())
          + "). Walking each chain from its last step back, a count of "
          + String.join(" or ", counts.stream().map(c -> "`" + c + "`").toList())
          + " whose difference from the next published count (the persons removed by the steps"
          + " between) is below the minimum is withheld (null): every difference a reader can"
          + " take is 0 or at least the minimum, and the last count of each chain, which"
          + " `cohort_method_result` publishes too, is kept";
    }

    @Override
    public List<String> columns() {
      List<String> all = new java.util.ArrayList<>(groupColumns);
      all.add(order);
      all.addAll(counts);
      return all;
    }
  }
}
