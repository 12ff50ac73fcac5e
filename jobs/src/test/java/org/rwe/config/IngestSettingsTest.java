package org.rwe.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rwe.omop.CdmTable;
import org.rwe.testing.SparkTestSession;

/** The ingest block: study-wide values, per-table overrides, and every mistake named by key. */
class IngestSettingsTest {
  static final Path STUDY =
      SparkTestSession.projectDir().resolve("conf/studies/magnesium-depression.conf");
  static final Path EUNOMIA =
      SparkTestSession.projectDir().resolve("conf/studies/eunomia-celecoxib-diclofenac.conf");

  private static IngestSettings load(String hocon) {
    return StudySettings.fromConfig(
            ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseFile(STUDY.toFile())))
        .ingest();
  }

  private static String problem(String hocon) {
    return assertThrows(SettingsException.class, () -> load(hocon)).getMessage();
  }

  @Test
  void defaultsComeFromReferenceConf() {
    IngestSettings s = load("");
    assertEquals(0.05, s.maxRejectShare(CdmTable.OBSERVATION_PERIOD));
    assertEquals("flag", s.outsideObservation(CdmTable.DRUG_EXPOSURE));
    assertEquals(List.of(), s.flagOnly(CdmTable.DRUG_EXPOSURE));
    assertEquals(0, s.delimiterChar(), "auto = detect");
    assertEquals("ingest.maxRejectShare", s.maxRejectShareKey(CdmTable.PERSON));
  }

  @Test
  void aTableOverridesOnlyWhatItNames() {
    IngestSettings s =
        load(
            "ingest { maxRejectShare = 0.1, outsideObservation = reject, delimiter = \"\\t\"\n"
                + " tables { observation_period { maxRejectShare = 0.5 }\n"
                + "   condition_occurrence { outsideObservation = flag } } }");
    assertEquals(0.5, s.maxRejectShare(CdmTable.OBSERVATION_PERIOD));
    assertEquals(
        "ingest.tables.observation_period.maxRejectShare",
        s.maxRejectShareKey(CdmTable.OBSERVATION_PERIOD));
    assertEquals(0.1, s.maxRejectShare(CdmTable.PERSON), "not overridden: study-wide value");
    assertEquals(
        0.1, s.maxRejectShare(CdmTable.CONDITION_OCCURRENCE), "inherits what it does not set");
    assertEquals("flag", s.outsideObservation(CdmTable.CONDITION_OCCURRENCE));
    assertEquals("reject", s.outsideObservation(CdmTable.DRUG_EXPOSURE));
    assertEquals('\t', s.delimiterChar());
  }

  @Test
  void commandLineSetsOneTable() {
    IngestSettings s =
        StudySettings.load(STUDY, Map.of("ingest.tables.measurement.maxRejectShare", "0.2"))
            .ingest();
    assertEquals(0.2, s.maxRejectShare(CdmTable.MEASUREMENT));
    assertEquals(0.05, s.maxRejectShare(CdmTable.DRUG_EXPOSURE));
  }

  @Test
  void unknownTableAndKeyAreNamed() {
    String m =
        problem(
            "ingest.tables { conditions { maxRejectShare = 0.5 }\n"
                + " drug_exposure { maxRejectShar = 0.5 } }");
    assertTrue(m.contains("'ingest.tables.conditions'") && m.contains("condition_occurrence"), m);
    assertTrue(m.contains("'ingest.tables.drug_exposure.maxRejectShar'"), m);
  }

  @Test
  void impossibleValuesAreNamed() {
    String m =
        problem(
            "ingest { delimiter = \"x\"\n"
                + " tables { person { maxRejectShare = 2, outsideObservation = reject }\n"
                + "   measurement { outsideObservation = maybe } } }");
    assertTrue(m.contains("'ingest.delimiter'"), m);
    assertTrue(m.contains("'ingest.tables.person.maxRejectShare'"), m);
    assertTrue(
        m.contains("'ingest.tables.person.outsideObservation'"), "person has no events: " + m);
    assertTrue(m.contains("'ingest.tables.measurement.outsideObservation'"), m);
  }

  @Test
  void flagOnlyIsCheckedPerRuleAndTable() {
    String m =
        problem(
            "ingest { flagOnly = [duplicate_primary_key]\n"
                + " tables { visit_occurrence { flagOnly = [duplicate_primary_key] }\n"
                + "   drug_exposure { flagOnly = [unknown_person] } } }");
    assertTrue(
        m.contains("'ingest.flagOnly'") && m.contains("list it per table"),
        "study-wide would cover visits and persons: " + m);
    assertTrue(
        m.contains("'ingest.tables.visit_occurrence.flagOnly'"), "visits are joined on: " + m);
    assertTrue(
        m.contains("'ingest.tables.drug_exposure.flagOnly'") && m.contains("unknown_person"), m);
    IngestSettings ok = load("ingest.tables.drug_exposure.flagOnly = [duplicate_primary_key]");
    assertEquals(List.of("duplicate_primary_key"), ok.flagOnly(CdmTable.DRUG_EXPOSURE));
    assertEquals(List.of(), ok.flagOnly(CdmTable.MEASUREMENT));
  }

  @Test
  void eunomiaStudyLoadsWithItsDocumentedIngestChoices() {
    IngestSettings s = StudySettings.load(EUNOMIA, Map.of()).ingest();
    assertEquals(0.5, s.maxRejectShare(CdmTable.OBSERVATION_PERIOD));
    assertEquals(0.05, s.maxRejectShare(CdmTable.DRUG_EXPOSURE));
    assertEquals(
        List.of("duplicate_primary_key", "days_supply_out_of_range"),
        s.flagOnly(CdmTable.DRUG_EXPOSURE));
    assertEquals(List.of(), s.flagOnly(CdmTable.CONDITION_OCCURRENCE));
  }
}
