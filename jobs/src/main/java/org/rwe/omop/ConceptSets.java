package org.rwe.omop;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.rwe.config.ConceptSetItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves concept sets through the extract's own vocabulary tables (never hard-coded ids): codes
 * of a vocabulary (exact, prefix {@code F32*}, or range {@code X71-X83}), concept ids, their
 * descendants ({@code concept_ancestor}), the standard concepts they map to ({@code 'Maps to'}),
 * minus the excluded items. A resolved set holds standard and source concept ids; an event matches
 * when its {@code *_concept_id} or its {@code *_source_concept_id} is in the set.
 */
public final class ConceptSets {
  private static final Logger LOG = LoggerFactory.getLogger(ConceptSets.class);

  private final Dataset<Row> concept;
  private final Dataset<Row> ancestor;
  private final Dataset<Row> relationship;
  private final List<String> warnings = new ArrayList<>();

  public ConceptSets(Dataset<Row> concept, Dataset<Row> ancestor, Dataset<Row> relationship) {
    this.concept = concept.select("concept_id", "vocabulary_id", "concept_code");
    this.ancestor = ancestor.select("ancestor_concept_id", "descendant_concept_id");
    this.relationship = relationship.select("concept_id_1", "concept_id_2", "relationship_id");
  }

  /** Warnings such as a code that resolved to nothing, naming the set and the code. */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /**
   * Resolves every set in a few Spark jobs (codes, then descendants, then mappings), whatever the
   * number of codes: a real vocabulary has millions of concepts, so it is never collected.
   */
  public Map<String, Set<Long>> resolveAll(Map<String, List<ConceptSetItem>> sets) {
    // 1. Codes to concept ids: one filter over the concept table for all codes of all sets.
    Column any = lit(false);
    boolean hasCodes = false;
    for (List<ConceptSetItem> items : sets.values()) {
      for (ConceptSetItem item : items) {
        for (String code : item.codes()) {
          hasCodes = true;
          any = any.or(col("vocabulary_id").equalTo(item.vocabulary()).and(codeMatches(code)));
        }
      }
    }
    List<Row> found =
        hasCodes
            ? concept
                .filter(any)
                .select("concept_id", "vocabulary_id", "concept_code")
                .collectAsList()
            : List.of();
    Set<Long> givenIds = new TreeSet<>();
    sets.values().forEach(items -> items.forEach(i -> givenIds.addAll(i.conceptIds())));
    Set<Long> knownIds =
        givenIds.isEmpty()
            ? Set.of()
            : new TreeSet<>(
                ids(
                    concept
                        .filter(col("concept_id").isin(givenIds.toArray()))
                        .select("concept_id")));

    Map<String, Map<ConceptSetItem, Set<Long>>> direct = new LinkedHashMap<>();
    Set<Long> needDescendants = new TreeSet<>();
    for (Map.Entry<String, List<ConceptSetItem>> e : sets.entrySet()) {
      Map<ConceptSetItem, Set<Long>> perItem = new LinkedHashMap<>();
      for (ConceptSetItem item : e.getValue()) {
        Set<Long> ids = new TreeSet<>();
        for (String code : item.codes()) {
          Set<Long> matched = new TreeSet<>();
          for (Row r : found) {
            if (r.getString(1).equals(item.vocabulary()) && matches(r.getString(2), code)) {
              matched.add(r.getLong(0));
            }
          }
          if (matched.isEmpty()) {
            warn(
                "concept set '"
                    + e.getKey()
                    + "': "
                    + item.vocabulary()
                    + " code "
                    + code
                    + " resolves to no concept in this vocabulary");
          }
          ids.addAll(matched);
        }
        for (Long id : item.conceptIds()) {
          if (!knownIds.contains(id)) {
            warn(
                "concept set '" + e.getKey() + "': concept id " + id + " is not in the vocabulary");
          }
          ids.add(id);
        }
        if (item.descendants()) {
          needDescendants.addAll(ids);
        }
        perItem.put(item, ids);
      }
      direct.put(e.getKey(), perItem);
    }
    // 2. Descendants, in one filter over concept_ancestor.
    Map<Long, Set<Long>> descendants = new HashMap<>();
    if (!needDescendants.isEmpty()) {
      for (Row r :
          ancestor
              .filter(col("ancestor_concept_id").isin(needDescendants.toArray()))
              .collectAsList()) {
        descendants.computeIfAbsent(r.getLong(0), k -> new TreeSet<>()).add(r.getLong(1));
      }
    }
    Set<Long> needMapping = new TreeSet<>();
    direct.forEach(
        (name, perItem) ->
            perItem.replaceAll(
                (item, ids) -> {
                  Set<Long> all = new TreeSet<>(ids);
                  if (item.descendants()) {
                    ids.forEach(id -> all.addAll(descendants.getOrDefault(id, Set.of())));
                  }
                  if (item.mapped()) {
                    needMapping.addAll(all);
                  }
                  return all;
                }));
    // 3. 'Maps to', in one filter over concept_relationship.
    Map<Long, Set<Long>> mapsTo = new HashMap<>();
    if (!needMapping.isEmpty()) {
      for (Row r :
          relationship
              .filter(
                  col("relationship_id")
                      .equalTo("Maps to")
                      .and(col("concept_id_1").isin(needMapping.toArray())))
              .collectAsList()) {
        mapsTo.computeIfAbsent(r.getLong(0), k -> new TreeSet<>()).add(r.getLong(1));
      }
    }
    Map<String, Set<Long>> out = new LinkedHashMap<>();
    direct.forEach(
        (name, perItem) -> {
          Set<Long> included = new TreeSet<>();
          Set<Long> excluded = new TreeSet<>();
          perItem.forEach(
              (item, ids) -> {
                Set<Long> all = new TreeSet<>(ids);
                if (item.mapped()) {
                  ids.forEach(id -> all.addAll(mapsTo.getOrDefault(id, Set.of())));
                }
                (item.excluded() ? excluded : included).addAll(all);
              });
          included.removeAll(excluded);
          if (included.isEmpty()) {
            warn("concept set '" + name + "' resolves to no concept at all");
          }
          out.put(name, included);
        });
    return out;
  }

  /** The same rule as {@link #codeMatches}, on the driver. */
  static boolean matches(String conceptCode, String code) {
    if (code.endsWith("*")) {
      return conceptCode.startsWith(code.substring(0, code.length() - 1));
    }
    int dash = code.indexOf('-');
    if (dash > 0 && dash < code.length() - 1 && !code.contains(".")) {
      String lo = code.substring(0, dash);
      String hi = code.substring(dash + 1);
      if (conceptCode.length() < lo.length()) {
        return false;
      }
      String head = conceptCode.substring(0, lo.length());
      return head.compareTo(lo) >= 0 && head.compareTo(hi) <= 0;
    }
    return conceptCode.equals(code);
  }

  /** {@code F32*} is a prefix, {@code X71-X83} a range over the code's leading characters. */
  static Column codeMatches(String code) {
    Column c = col("concept_code");
    if (code.endsWith("*")) {
      return c.startsWith(code.substring(0, code.length() - 1));
    }
    int dash = code.indexOf('-');
    if (dash > 0 && dash < code.length() - 1 && !code.contains(".")) {
      String lo = code.substring(0, dash);
      String hi = code.substring(dash + 1);
      Column head = org.apache.spark.sql.functions.substring(c, 1, lo.length());
      return head.geq(lit(lo)).and(head.leq(lit(hi)));
    }
    return c.equalTo(code);
  }

  private static List<Long> ids(Dataset<Row> oneColumn) {
    return oneColumn.distinct().collectAsList().stream().map(r -> r.getLong(0)).toList();
  }

  private void warn(String message) {
    if (!warnings.contains(message)) {
      warnings.add(message);
      LOG.warn(message);
    }
  }
}
