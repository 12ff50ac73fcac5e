package org.rwe.stats;

import org.apache.commons.statistics.distribution.ChiSquaredDistribution;

/**
 * Incidence rate per 1,000 person-years with the exact (Garwood) Poisson confidence interval, as
 * R's {@code poisson.test(events, T = personYears)$conf.int}.
 *
 * <p>The exact interval keeps its coverage for the small counts typical of rare outcomes, where a
 * normal approximation would give negative lower limits. Limits for the count are {@code
 * qchisq(a/2, 2x) / 2} (0 when x = 0) and {@code qchisq(1 - a/2, 2(x + 1)) / 2}; dividing by the
 * person-years gives the rate limits. Person-years are person-days / 365.25.
 *
 * @param events number of events
 * @param personDays total time at risk in days
 * @param personYears personDays / 365.25
 * @param ratePer1000Py events per 1,000 person-years (NaN when there is no person-time)
 * @param lower95 lower limit of the 95% interval of the rate per 1,000 person-years
 * @param upper95 upper limit of the 95% interval of the rate per 1,000 person-years
 */
public record PoissonRate(
    long events,
    double personDays,
    double personYears,
    double ratePer1000Py,
    double lower95,
    double upper95) {

  /** Days per year, as used throughout OHDSI tools. */
  public static final double DAYS_PER_YEAR = 365.25;

  /**
   * The rate and its 95% exact interval.
   *
   * @param events number of events, &gt;= 0
   * @param personDays person-days at risk, finite and &gt;= 0; with 0 the rate and limits are NaN
   */
  public static PoissonRate of(long events, double personDays) {
    if (events < 0) {
      throw new IllegalArgumentException("events must be >= 0: " + events);
    }
    if (!(personDays >= 0) || Double.isInfinite(personDays)) {
      throw new IllegalArgumentException("personDays must be finite and >= 0: " + personDays);
    }
    double years = personDays / DAYS_PER_YEAR;
    double alpha = 0.05;
    double lowerCount =
        events == 0
            ? 0
            : ChiSquaredDistribution.of(2.0 * events).inverseCumulativeProbability(alpha / 2) / 2;
    double upperCount =
        ChiSquaredDistribution.of(2.0 * (events + 1)).inverseSurvivalProbability(alpha / 2) / 2;
    if (years == 0) {
      return new PoissonRate(events, personDays, years, Double.NaN, Double.NaN, Double.NaN);
    }
    double scale = 1000 / years;
    return new PoissonRate(
        events, personDays, years, events * scale, lowerCount * scale, upperCount * scale);
  }
}
