package org.rwe.config;

import java.util.List;
import java.util.Set;

/**
 * An outcome: occurrences of a concept set in the named domains, optionally only those recorded in
 * visits of given types (e.g. inpatient). Negative controls have a true effect of 1.
 */
public record OutcomeDefinition(
    int outcomeId,
    String name,
    String conceptSet,
    List<String> domains,
    List<Long> visitConceptIds,
    long cohortId,
    boolean negativeControl) {

  public static final Set<String> DOMAINS =
      Set.of("condition", "procedure", "observation", "measurement", "drug");

  static OutcomeDefinition from(Cfg element, Cfg defaults) {
    element.onlyKeys(
        Set.of(
            "outcomeId",
            "name",
            "conceptSet",
            "domains",
            "visitConceptIds",
            "cohortId",
            "negativeControl"));
    Cfg c =
        new Cfg(element.raw().withFallback(defaults.raw()), element.key(""), element.problems());
    OutcomeDefinition o =
        new OutcomeDefinition(
            c.intAtLeast("outcomeId", 1),
            c.string("name"),
            c.string("conceptSet"),
            c.strings("domains"),
            c.longs("visitConceptIds"),
            c.longValue("cohortId"),
            c.bool("negativeControl"));
    for (String d : o.domains) {
      if (!DOMAINS.contains(d)) {
        c.problem("domains", "unknown domain '" + d + "', expected one of " + DOMAINS);
      }
    }
    if (o.conceptSet.isEmpty() && o.cohortId == 0) {
      c.problem("conceptSet", "an outcome needs a concept set (or a cohortId of the cohort table)");
    }
    return o;
  }
}
