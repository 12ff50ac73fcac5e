package org.rwe.omop;

/** A CDM column the pipeline uses: its type, and whether a null makes the row unusable. */
public record CdmColumn(String name, ColumnType type, boolean required) {
  static CdmColumn req(String name, ColumnType type) {
    return new CdmColumn(name, type, true);
  }

  static CdmColumn opt(String name, ColumnType type) {
    return new CdmColumn(name, type, false);
  }
}
