package org.rwe.generate;

/**
 * What to generate.
 *
 * @param persons number of persons
 * @param seed the seed: the same seed and persons give the same extract, byte for byte
 * @param partitions how many part files per table (1 = a single {@code table.csv.gz})
 * @param unmeasuredConfounding add a confounder that affects treatment and every outcome but is
 *     never recorded, so that negative-control calibration has something to correct
 * @param dirtyRate share of event rows written with a defect ingest must reject
 */
public record GeneratorSettings(
    long persons, long seed, int partitions, boolean unmeasuredConfounding, double dirtyRate)
    implements java.io.Serializable {}
