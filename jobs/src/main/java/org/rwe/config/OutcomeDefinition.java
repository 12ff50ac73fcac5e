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
    boolean negativeControl,
    String type,
    List<Integer> baselineDays,
    List<Integer> followUpDays,
    int followUpTargetDay)
    implements java.io.Serializable {

  /** A change in a measurement's value (e.g. PHQ-9), compared as a mean difference. */
  public boolean continuous() {
    return type.equals("change");
  }

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
            "negativeControl",
            "type",
            "baselineDays",
            "followUpDays",
            "followUpTargetDay"));
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
            c.bool("negativeControl"),
            c.oneOf("type", Set.of("event", "change")),
            c.longs("baselineDays").stream().map(Long::intValue).toList(),
            c.longs("followUpDays").stream().map(Long::intValue).toList(),
            c.integer("followUpTargetDay"));
    for (String w : List.of("baselineDays", "followUpDays")) {
      List<Integer> v = w.equals("baselineDays") ? o.baselineDays : o.followUpDays;
      if (v.size() != 2 || v.get(0) > v.get(1)) {
        c.problem(w, "expected [first day, last day] relative to index, first <= last");
      }
    }
    if (o.continuous() && !o.domains.equals(List.of("measurement"))) {
      c.problem("domains", "a 'change' outcome is measured: domains = [\"measurement\"]");
    }
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
