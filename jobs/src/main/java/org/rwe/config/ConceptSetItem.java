package org.rwe.config;

import java.util.List;

/**
 * One line of a concept set, as ATLAS has it: concepts given by vocabulary + codes (a trailing
 * {@code *} is a prefix pattern, e.g. ICD10CM {@code F32*}) or by concept ids, optionally with
 * their descendants, their 'Maps to' standard concepts, or as an exclusion.
 */
public record ConceptSetItem(
    String vocabulary,
    List<String> codes,
    List<Long> conceptIds,
    boolean descendants,
    boolean excluded,
    boolean mapped) {

  static ConceptSetItem from(Cfg c) {
    c.onlyKeys(
        java.util.Set.of("vocabulary", "codes", "conceptIds", "descendants", "excluded", "mapped"));
    ConceptSetItem item =
        new ConceptSetItem(
            c.string("vocabulary"),
            c.strings("codes"),
            c.longs("conceptIds"),
            c.bool("descendants"),
            c.bool("excluded"),
            c.bool("mapped"));
    if (item.codes.isEmpty() && item.conceptIds.isEmpty()) {
      c.problem("codes", "an item needs codes (with a vocabulary) or conceptIds");
    }
    if (!item.codes.isEmpty() && item.vocabulary.isEmpty()) {
      c.problem("vocabulary", "codes need a vocabulary (e.g. SNOMED, ICD10CM, ATC)");
    }
    return item;
  }

  public String describe() {
    return (codes.isEmpty() ? "conceptIds " + conceptIds : vocabulary + " " + codes)
        + (descendants ? " +descendants" : "")
        + (mapped ? " +mapped" : "")
        + (excluded ? " (excluded)" : "");
  }
}
