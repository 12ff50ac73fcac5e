package org.rwe.omop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.rwe.testing.SparkTestSession;

/** The pure parts of the reader: delimiter detection, header splitting, column names. */
class ExtractReaderTest {
  @Test
  void detectsTheDelimiterThatSplitsTheHeaderMost() {
    assertEquals(',', ExtractReader.detectDelimiter("person_id,gender_concept_id,year_of_birth"));
    assertEquals('\t', ExtractReader.detectDelimiter("person_id\tgender_concept_id\tyear"));
    assertEquals(';', ExtractReader.detectDelimiter("person_id;gender_concept_id;year"));
    assertEquals('|', ExtractReader.detectDelimiter("person_id|gender_concept_id|year"));
    assertEquals(
        '\t', ExtractReader.detectDelimiter("\"a,b\"\t\"c,d\"\te"), "commas inside quotes ignored");
    assertEquals(',', ExtractReader.detectDelimiter("person_id"), "one column: the default");
  }

  @Test
  void sampleDataTablesAreItsOwnFilesNeverTheNestedEunomiaExtract() {
    var reader =
        new ExtractReader(
            SparkTestSession.get(),
            SparkTestSession.projectDir().resolve("sample-data").toString());
    for (CdmTable t : CdmTable.values()) {
      var located = reader.locate(t);
      if (t == CdmTable.OBSERVATION || t == CdmTable.DRUG_ERA) {
        assertTrue(located.isEmpty(), "sample-data has no " + t.cdmName() + " table of its own");
        continue;
      }
      assertTrue(located.isPresent(), t.cdmName());
      assertEquals(t.cdmName() + ".csv.gz", located.get().source());
      assertEquals(List.of(located.get().path()), located.get().files());
      assertTrue(
          !located.get().path().toString().contains("eunomia"), located.get().path().toString());
    }
  }

  @Test
  void namesAreLowerCasedTrimmedAndMadeUnique() {
    Path f = new Path("/x/person.csv");
    assertEquals(
        List.of("person_id", "year_of_birth", "provider_id", "provider_id#4", "_unnamed_5"),
        ExtractReader.normalizeNames(
            List.of("\uFEFFPERSON_ID", " Year_Of_Birth ", "provider_id", "PROVIDER_ID", ""),
            CdmTable.PERSON,
            f));
    InputException e =
        assertThrows(
            InputException.class,
            () ->
                ExtractReader.normalizeNames(
                    List.of("person_id", "year_of_birth", "Person_Id"), CdmTable.PERSON, f));
    assertTrue(
        e.getMessage().contains("/x/person.csv")
            && e.getMessage().contains("'person_id'")
            && e.getMessage().contains("positions 1 and 3"),
        e.getMessage());
  }
}
