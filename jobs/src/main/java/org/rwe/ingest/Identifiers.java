package org.rwe.ingest;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;

import java.util.regex.Pattern;
import org.apache.spark.sql.Column;

/**
 * Direct identifiers that must never sit in a de-identified extract: e-mail addresses, US social
 * security numbers, US phone numbers. Found in {@code *_source_value} fields, they reject the row
 * (rule {@code identifier_in_source_value}); wherever they appear in what rejects/ keeps (raw
 * values, reasons), they are masked.
 *
 * <p>The patterns ask for the separators people write (123-45-6789, (555) 123-4567, 555.123.4567)
 * and for boundaries that are not digits, letters or dashes, so that the codes of the field (SNOMED
 * 195662009, LOINC 8331-1, NDC 12345-6789-01, ICD10CM F32.A, UUIDs, dates) never match.
 */
public final class Identifiers {
  private Identifiers() {}

  private static final String B = "(?<![0-9A-Za-z-])";
  private static final String E = "(?![0-9A-Za-z-])";

  static final String EMAIL = "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}";
  static final String SSN = B + "\\d{3}-\\d{2}-\\d{4}" + E;
  static final String PHONE =
      "(?<![0-9A-Za-z-])(\\+?1[ .-]?)?(\\(\\d{3}\\) ?|\\d{3}[ .-])\\d{3}[ .-]\\d{4}" + E;

  /** Any of the three, for one pass over a value. */
  static final String ANY = "(" + EMAIL + ")|(" + SSN + ")|(" + PHONE + ")";

  /** Shortest value that can hold one of them (a@b.co): shorter values skip the regex. */
  static final int MIN_LENGTH = 6;

  private static final Pattern ANY_PATTERN = Pattern.compile(ANY);

  /** True where the value holds an identifier (ingest's row checks, in the reading task). */
  public static boolean present(String value) {
    return value != null
        && value.length() >= MIN_LENGTH
        && mayHold(value)
        && ANY_PATTERN.matcher(value).find();
  }

  /**
   * A cheap first look: an e-mail address has an '@', a social security number 9 digits, a phone
   * number 10. Most source values (codes) have neither and skip the regular expression.
   */
  private static boolean mayHold(String value) {
    int digits = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '@') {
        return true;
      }
      if (c >= '0' && c <= '9') {
        digits++;
      }
    }
    return digits >= 9;
  }

  private static final Pattern EMAIL_PATTERN = Pattern.compile(EMAIL);
  private static final Pattern SSN_PATTERN = Pattern.compile(SSN);

  /** What kind of identifier a value holds (where {@link #present(String)} is true). */
  static String kind(String value) {
    if (EMAIL_PATTERN.matcher(value).find()) {
      return "an e-mail address";
    }
    return SSN_PATTERN.matcher(value).find() ? "a US social security number" : "a phone number";
  }

  /** The value with each identifier masked by a token of its kind: <e-mail>, <ssn>, <phone>. */
  public static Column mask(Column value) {
    return regexp_replace(
        regexp_replace(regexp_replace(value, lit(EMAIL), lit("<e-mail>")), lit(SSN), lit("<ssn>")),
        lit(PHONE),
        lit("<phone>"));
  }

  /** {@link #mask(Column)} on the driver. */
  public static String mask(String value) {
    return value == null
        ? null
        : value.replaceAll(EMAIL, "<e-mail>").replaceAll(SSN, "<ssn>").replaceAll(PHONE, "<phone>");
  }
}
