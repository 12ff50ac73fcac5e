package org.rwe.results;

import org.apache.spark.sql.types.DataType;

/**
 * One column of a shareable result table. {@code minCellCounted} marks counts of persons or events
 * that small-cell rules mask; {@code derivedFrom} names the count a rate or estimate depends on.
 */
public record ResultColumn(
    String name, DataType type, String meaning, boolean minCellCounted, String derivedFrom) {}
