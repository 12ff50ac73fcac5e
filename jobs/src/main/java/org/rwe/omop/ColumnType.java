package org.rwe.omop;

/** The types the curated layer uses. Ids are 64-bit; CDM v5.3 exports often write them as 6.0. */
public enum ColumnType {
  ID,
  INT,
  DOUBLE,
  DATE,
  STRING
}
