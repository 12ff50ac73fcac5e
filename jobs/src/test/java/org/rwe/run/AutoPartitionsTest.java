package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** shufflePartitions = "auto": one per 32 MB of input files, at least two per core. */
class AutoPartitionsTest {
  @Test
  void fromTheInputsSizeAndTheCores() {
    long mb = 1L << 20;
    // The sample (about 30 MB of gzipped CSV) on 2 cores: the cores decide.
    assertEquals(4, Pipeline.autoShufflePartitions(30 * mb, 2));
    assertEquals(2, Pipeline.autoShufflePartitions(0, 0));
    // 200,000 generated persons (155 MB) on 2 cores: the size decides.
    assertEquals(5, Pipeline.autoShufflePartitions(155 * mb, 2));
    // 10 M persons (about 7.6 GB) on 64 cores.
    assertEquals(244, Pipeline.autoShufflePartitions(7800 * mb, 64));
    assertEquals(10_000, Pipeline.autoShufflePartitions(Long.MAX_VALUE / 2, 16));
  }
}
