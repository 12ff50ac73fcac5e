package org.rwe.ingest;

import java.util.List;

/** The names of ingest's rules, as they appear in rejects/ and in results/ingest_summary. */
public final class Rules {
  private Rules() {}

  public static final String IDENTIFIER_IN_SOURCE_VALUE = "identifier_in_source_value";
  public static final String MALFORMED_RECORD = "malformed_record";
  public static final String INVALID_UTF8 = "invalid_utf8";
  public static final String REQUIRED_NULL = "required_null";
  public static final String UNPARSEABLE_NUMBER = "unparseable_number";
  public static final String NON_INTEGRAL_ID = "non_integral_id";
  public static final String UNPARSEABLE_DATE = "unparseable_date";
  public static final String NEGATIVE_ID = "negative_id";
  public static final String END_BEFORE_START = "end_before_start";
  public static final String DAYS_SUPPLY_OUT_OF_RANGE = "days_supply_out_of_range";
  public static final String NEGATIVE_QUANTITY = "negative_quantity";
  public static final String DATE_IN_FUTURE = "date_in_future";
  public static final String BIRTH_YEAR_IMPLAUSIBLE = "birth_year_implausible";
  public static final String DUPLICATE_PRIMARY_KEY = "duplicate_primary_key";
  public static final String UNKNOWN_PERSON = "unknown_person";
  public static final String EVENT_BEFORE_BIRTH = "event_before_birth";
  public static final String EVENT_AFTER_DEATH = "event_after_death";
  public static final String OUTSIDE_OBSERVATION = "outside_observation";
  public static final String OBSERVATION_PERIOD_OVERLAP = "observation_period_overlap";

  /** A flag, never a reject: the concept id is not in the extract's vocabulary. */
  public static final String UNKNOWN_CONCEPT = "unknown_concept";

  /**
   * Every rule that rejects a row, in the order ingest checks them (the first that fails names the
   * row's rule). {@link #OUTSIDE_OBSERVATION} rejects only where configured, else flags.
   */
  public static final List<String> REJECTING =
      List.of(
          IDENTIFIER_IN_SOURCE_VALUE,
          MALFORMED_RECORD,
          INVALID_UTF8,
          REQUIRED_NULL,
          UNPARSEABLE_NUMBER,
          NON_INTEGRAL_ID,
          UNPARSEABLE_DATE,
          NEGATIVE_ID,
          END_BEFORE_START,
          DAYS_SUPPLY_OUT_OF_RANGE,
          NEGATIVE_QUANTITY,
          DATE_IN_FUTURE,
          BIRTH_YEAR_IMPLAUSIBLE,
          OBSERVATION_PERIOD_OVERLAP,
          UNKNOWN_PERSON,
          EVENT_BEFORE_BIRTH,
          EVENT_AFTER_DEATH,
          OUTSIDE_OBSERVATION,
          DUPLICATE_PRIMARY_KEY);

  /**
   * Plausibility rules a study may turn into flags for a table ({@code ingest.tables.<table>
   * .flagOnly}): the row is implausible but still a fact an analysis in R would use.
   */
  public static final List<String> FLAGGABLE =
      List.of(
          DUPLICATE_PRIMARY_KEY,
          DAYS_SUPPLY_OUT_OF_RANGE,
          NEGATIVE_QUANTITY,
          DATE_IN_FUTURE,
          EVENT_BEFORE_BIRTH,
          EVENT_AFTER_DEATH);

  /** Every flag: the row is curated, and counted per flag. */
  public static final List<String> FLAGGING =
      List.of(
          OUTSIDE_OBSERVATION,
          UNKNOWN_CONCEPT,
          DUPLICATE_PRIMARY_KEY,
          DAYS_SUPPLY_OUT_OF_RANGE,
          NEGATIVE_QUANTITY,
          DATE_IN_FUTURE,
          EVENT_BEFORE_BIRTH,
          EVENT_AFTER_DEATH);
}
