package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** shufflePartitions = "auto": one per 8 MB of input files, at least 8 and two per core. */
class AutoPartitionsTest {
  @Test
  void fromTheInputsSizeAndTheCores() {
    long mb = 1L << 20;
    // The sample (about 30 MB of gzipped CSV) on 2 cores: the floor of 8 decides.
    assertEquals(8, Pipeline.autoShufflePartitions(30 * mb, 2));
    assertEquals(8, Pipeline.autoShufflePartitions(0, 0));
    assertEquals(32, Pipeline.autoShufflePartitions(30 * mb, 16));
    // 200,000 generated persons (155 MB) on 2 cores: the size decides.
    assertEquals(20, Pipeline.autoShufflePartitions(155 * mb, 2));
    // 10 M persons (about 7.6 GB) on 64 cores.
    assertEquals(975, Pipeline.autoShufflePartitions(7800 * mb, 64));
    assertEquals(10_000, Pipeline.autoShufflePartitions(Long.MAX_VALUE / 2, 16));
  }
}
