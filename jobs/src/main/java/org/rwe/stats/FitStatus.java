package org.rwe.stats;

/**
 * Whether an outcome model produced a usable estimate, and if not, why. Shared by the Cox, Poisson
 * and logistic models; every status but {@link #OK} and {@link #NOT_CONVERGED} comes with NaN
 * estimates (never infinite ones, so that a result row can still be written and filtered on it).
 */
public enum FitStatus {
  /** Converged to a finite maximum. */
  OK,
  /**
   * Ran out of iterations. Estimates are those of the last accepted step (as coxph reports them),
   * finite but not to be trusted.
   */
  NOT_CONVERGED,
  /** No event at all (among rows with a positive weight). */
  NO_EVENTS,
  /**
   * Nothing to compare: x takes a single value; with several covariates, the covariates are
   * collinear on the rows that carry information (e.g. no target subject in a subgroup), so some
   * coefficient is not identified.
   */
  NO_VARIATION,
  /**
   * x is binary (0/1) and one arm has no event: the likelihood is monotone and the MLE is at +/-
   * infinity (coxph or glm would report a huge coefficient with a warning).
   */
  NO_EVENTS_IN_ONE_ARM,
  /**
   * No event happens in a risk set (within its stratum) that contains more than one value of x,
   * e.g. matched pairs where every event occurs after the partner left follow-up: the likelihood
   * does not depend on beta.
   */
  NO_INFORMATIVE_EVENTS,
  /**
   * Informative events exist, but all point the same way (every event had the largest, or every
   * event the smallest, x of its risk set), so the MLE is infinite. The stratified analogue of
   * {@link #NO_EVENTS_IN_ONE_ARM}; with several covariates, any direction in which the likelihood
   * never decreases (e.g. no events among the target subjects of a subgroup).
   */
  MONOTONE_LIKELIHOOD
}
