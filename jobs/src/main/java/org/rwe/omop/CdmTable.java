package org.rwe.omop;

import static org.rwe.omop.CdmColumn.opt;
import static org.rwe.omop.CdmColumn.req;
import static org.rwe.omop.ColumnType.DATE;
import static org.rwe.omop.ColumnType.DOUBLE;
import static org.rwe.omop.ColumnType.ID;
import static org.rwe.omop.ColumnType.INT;
import static org.rwe.omop.ColumnType.STRING;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The OMOP CDM tables the pipeline reads, with only the columns it uses: every other column of the
 * extract is dropped at ingest (and listed), so free text and identifiers never travel. Valid for
 * CDM v5.3 and v5.4 (the columns used here did not change between them).
 */
public enum CdmTable {
  PERSON(
      true,
      List.of("person_id"),
      null,
      null,
      null,
      req("person_id", ID),
      req("gender_concept_id", ID),
      req("year_of_birth", INT),
      opt("month_of_birth", INT),
      opt("day_of_birth", INT),
      opt("race_concept_id", ID),
      opt("ethnicity_concept_id", ID)),
  OBSERVATION_PERIOD(
      true,
      List.of("observation_period_id"),
      "observation_period_start_date",
      "observation_period_end_date",
      null,
      req("observation_period_id", ID),
      req("person_id", ID),
      req("observation_period_start_date", DATE),
      req("observation_period_end_date", DATE),
      opt("period_type_concept_id", ID)),
  DEATH(
      false,
      List.of("person_id"),
      "death_date",
      null,
      null,
      req("person_id", ID),
      req("death_date", DATE),
      opt("cause_concept_id", ID)),
  VISIT_OCCURRENCE(
      true,
      List.of("visit_occurrence_id"),
      "visit_start_date",
      "visit_end_date",
      "visit_concept_id",
      req("visit_occurrence_id", ID),
      req("person_id", ID),
      req("visit_concept_id", ID),
      req("visit_start_date", DATE),
      opt("visit_end_date", DATE),
      opt("visit_type_concept_id", ID)),
  CONDITION_OCCURRENCE(
      true,
      List.of("condition_occurrence_id"),
      "condition_start_date",
      "condition_end_date",
      "condition_concept_id",
      req("condition_occurrence_id", ID),
      req("person_id", ID),
      req("condition_concept_id", ID),
      req("condition_start_date", DATE),
      opt("condition_end_date", DATE),
      opt("condition_type_concept_id", ID),
      opt("condition_source_concept_id", ID),
      opt("visit_occurrence_id", ID)),
  DRUG_EXPOSURE(
      true,
      List.of("drug_exposure_id"),
      "drug_exposure_start_date",
      "drug_exposure_end_date",
      "drug_concept_id",
      req("drug_exposure_id", ID),
      req("person_id", ID),
      req("drug_concept_id", ID),
      req("drug_exposure_start_date", DATE),
      opt("drug_exposure_end_date", DATE),
      opt("days_supply", INT),
      opt("quantity", DOUBLE),
      opt("route_concept_id", ID),
      opt("drug_type_concept_id", ID),
      opt("drug_source_concept_id", ID),
      opt("visit_occurrence_id", ID)),
  DRUG_ERA(
      false,
      List.of("drug_era_id"),
      "drug_era_start_date",
      "drug_era_end_date",
      "drug_concept_id",
      req("drug_era_id", ID),
      req("person_id", ID),
      req("drug_concept_id", ID),
      req("drug_era_start_date", DATE),
      req("drug_era_end_date", DATE),
      opt("drug_exposure_count", INT),
      opt("gap_days", INT)),
  PROCEDURE_OCCURRENCE(
      false,
      List.of("procedure_occurrence_id"),
      "procedure_date",
      null,
      "procedure_concept_id",
      req("procedure_occurrence_id", ID),
      req("person_id", ID),
      req("procedure_concept_id", ID),
      req("procedure_date", DATE),
      opt("procedure_source_concept_id", ID),
      opt("visit_occurrence_id", ID)),
  MEASUREMENT(
      false,
      List.of("measurement_id"),
      "measurement_date",
      null,
      "measurement_concept_id",
      req("measurement_id", ID),
      req("person_id", ID),
      req("measurement_concept_id", ID),
      req("measurement_date", DATE),
      opt("value_as_number", DOUBLE),
      opt("unit_concept_id", ID),
      opt("range_low", DOUBLE),
      opt("range_high", DOUBLE),
      opt("measurement_source_concept_id", ID),
      opt("visit_occurrence_id", ID)),
  OBSERVATION(
      false,
      List.of("observation_id"),
      "observation_date",
      null,
      "observation_concept_id",
      req("observation_id", ID),
      req("person_id", ID),
      req("observation_concept_id", ID),
      req("observation_date", DATE),
      opt("value_as_number", DOUBLE),
      opt("observation_source_concept_id", ID),
      opt("visit_occurrence_id", ID)),
  CONCEPT(
      true,
      List.of("concept_id"),
      null,
      null,
      null,
      req("concept_id", ID),
      opt("concept_name", STRING),
      opt("domain_id", STRING),
      req("vocabulary_id", STRING),
      opt("concept_class_id", STRING),
      opt("standard_concept", STRING),
      req("concept_code", STRING),
      opt("invalid_reason", STRING)),
  CONCEPT_ANCESTOR(
      true,
      List.of("ancestor_concept_id", "descendant_concept_id"),
      null,
      null,
      null,
      req("ancestor_concept_id", ID),
      req("descendant_concept_id", ID),
      opt("min_levels_of_separation", INT),
      opt("max_levels_of_separation", INT)),
  CONCEPT_RELATIONSHIP(
      true,
      List.of("concept_id_1", "concept_id_2", "relationship_id"),
      null,
      null,
      null,
      req("concept_id_1", ID),
      req("concept_id_2", ID),
      req("relationship_id", STRING),
      opt("invalid_reason", STRING));

  private final boolean required;
  private final List<String> primaryKey;
  private final String startDate;
  private final String endDate;
  private final String conceptColumn;
  private final List<CdmColumn> columns;

  CdmTable(
      boolean required,
      List<String> primaryKey,
      String startDate,
      String endDate,
      String conceptColumn,
      CdmColumn... columns) {
    this.required = required;
    this.primaryKey = primaryKey;
    this.startDate = startDate;
    this.endDate = endDate;
    this.conceptColumn = conceptColumn;
    this.columns = List.of(columns);
  }

  /** The CDM name, as files and folders are named ({@code condition_occurrence}). */
  public String cdmName() {
    return name().toLowerCase();
  }

  /** A required table missing from the extract stops the run; an optional one is read as empty. */
  public boolean required() {
    return required;
  }

  public List<String> primaryKey() {
    return primaryKey;
  }

  /** The event date (null for tables without one). */
  public String startDate() {
    return startDate;
  }

  public String endDate() {
    return endDate;
  }

  public String conceptColumn() {
    return conceptColumn;
  }

  public List<CdmColumn> columns() {
    return columns;
  }

  public boolean hasColumn(String name) {
    return columns.stream().anyMatch(c -> c.name().equals(name));
  }

  /** Clinical tables hang off a person; vocabulary tables do not. */
  public boolean personLevel() {
    return hasColumn("person_id");
  }

  public boolean vocabulary() {
    return this == CONCEPT || this == CONCEPT_ANCESTOR || this == CONCEPT_RELATIONSHIP;
  }

  public static Optional<CdmTable> byName(String name) {
    return Arrays.stream(values()).filter(t -> t.cdmName().equalsIgnoreCase(name)).findFirst();
  }
}
