package org.rwe.config;

import java.util.Set;

/**
 * A subgroup for interaction analyses (CohortMethod's {@code interactionCovariateIds}): subjects
 * who have a baseline covariate of the features stage (e.g. 8532001, gender = female), or, when
 * {@code minAgeAtIndex} is set, subjects at least that old at index (year of index - year of birth,
 * as the age-group covariates count it).
 *
 * @param covariateId the id written as {@code interaction_covariate_id} and named by an analysis's
 *     {@code interactionCovariateIds}; the covariate that defines membership unless minAgeAtIndex
 *     is set
 * @param name what the subgroup is, written as {@code interaction_name}
 * @param minAgeAtIndex 0: membership by the covariate; otherwise the minimum age at index
 */
public record SubgroupDefinition(long covariateId, String name, int minAgeAtIndex) {

  static final Set<String> KEYS = Set.of("covariateId", "name", "minAgeAtIndex");

  /** Membership comes from the age at index rather than from a covariate. */
  public boolean byAge() {
    return minAgeAtIndex > 0;
  }

  static SubgroupDefinition from(Cfg element, Cfg defaults) {
    element.onlyKeys(KEYS);
    Cfg c =
        new Cfg(element.raw().withFallback(defaults.raw()), element.key(""), element.problems());
    SubgroupDefinition s =
        new SubgroupDefinition(
            c.longValue("covariateId"), c.string("name"), c.intAtLeast("minAgeAtIndex", 0));
    if (s.covariateId < 1) {
      c.problem("covariateId", "must be a covariate id >= 1, got " + s.covariateId);
    }
    if (s.name.isBlank()) {
      c.problem("name", "a subgroup needs a name (written to interaction_result)");
    }
    return s;
  }
}
