package org.rwe.ingest;

/** The names of ingest's rules, as they appear in rejects/ and in results/ingest_summary. */
public final class Rules {
  private Rules() {}

  public static final String REQUIRED_NULL = "required_null";
  public static final String UNPARSEABLE_NUMBER = "unparseable_number";
  public static final String NON_INTEGRAL_ID = "non_integral_id";
  public static final String UNPARSEABLE_DATE = "unparseable_date";
  public static final String END_BEFORE_START = "end_before_start";
  public static final String DAYS_SUPPLY_OUT_OF_RANGE = "days_supply_out_of_range";
  public static final String BIRTH_YEAR_IMPLAUSIBLE = "birth_year_implausible";
  public static final String DUPLICATE_PRIMARY_KEY = "duplicate_primary_key";
  public static final String UNKNOWN_PERSON = "unknown_person";
  public static final String EVENT_BEFORE_BIRTH = "event_before_birth";
  public static final String EVENT_AFTER_DEATH = "event_after_death";
  public static final String OUTSIDE_OBSERVATION = "outside_observation";
  public static final String OBSERVATION_PERIOD_OVERLAP = "observation_period_overlap";

  /** A flag, never a reject: the concept id is not in the extract's vocabulary. */
  public static final String UNKNOWN_CONCEPT = "unknown_concept";
}
