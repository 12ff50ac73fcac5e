package org.rwe.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.rwe.testing.SparkTestSession;

/** Direct identifiers are found in what people write, and never in the codes of the field. */
class IdentifiersTest {
  static final List<String> IDENTIFIERS =
      List.of(
          "john.doe@example.com",
          "contact: A.B+tag@mail.hospital.org",
          "123-45-6789",
          "ssn 078-05-1120",
          "555-123-4567",
          "(555) 123-4567",
          "+1 555 123 4567",
          "555.123.4567",
          "1-800-555-0199");

  /** Source values of real extracts (Eunomia, Synthea, claims) that must pass untouched. */
  static final List<String> CODES =
      List.of(
          "195662009", // SNOMED
          "8331-1", // LOINC
          "44261-6",
          "12345-6789-01", // NDC 5-4-2
          "0093-0058-01", // NDC 4-4-2
          "F32.A", // ICD10CM
          "296.20", // ICD9CM
          "001f4a87-70d0-435c-a4b9-1425f6928d33", // Synthea person UUID
          "2020-01-31",
          "2020-01-31 12:30:00",
          "5551234567", // ten digits without separators: a code, not a phone number
          "123456789", // nine digits: a SNOMED code, not an SSN
          "Müller 東京 😀",
          "428251008.0",
          "M",
          "user at example dot com");

  @Test
  void findsIdentifiersInTheFormsPeopleWriteThem() {
    for (String v : IDENTIFIERS) {
      assertTrue(Identifiers.present(v), v);
    }
  }

  @Test
  void leavesTheCodesOfTheFieldAlone() {
    for (String v : CODES) {
      assertFalse(Identifiers.present(v), v);
    }
  }

  @Test
  void masksEveryIdentifierAndKeepsTheRest() {
    assertEquals(
        "{\"x_source_value\":\"mail <e-mail> or call <phone>, ssn <ssn>; code 8331-1\"}",
        Identifiers.mask(
            "{\"x_source_value\":\"mail jane@x.org or call (555) 123-4567, ssn 123-45-6789;"
                + " code 8331-1\"}"));
    for (String v : CODES) {
      assertEquals(v, Identifiers.mask(v));
    }
  }

  @Test
  void sparkAndJavaMaskAlike() {
    var spark = SparkTestSession.get();
    List<String> all = new java.util.ArrayList<>(IDENTIFIERS);
    all.addAll(CODES);
    var df = spark.createDataset(all, Encoders.STRING()).toDF("v");
    List<String> masked =
        df.select(Identifiers.mask(functions.col("v"))).as(Encoders.STRING()).collectAsList();
    assertEquals(all.stream().map(Identifiers::mask).toList(), masked);
  }
}
