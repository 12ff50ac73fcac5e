package org.rwe.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rwe.testing.RunCompare;

/**
 * "Same input + same config = the same results, bit for bit", however Spark runs it: one core or
 * two, 7 shuffle partitions or 200. Every table of the run (person-level and results) is compared
 * value for value with the baseline (local[2], 7 partitions).
 */
@Tag("faults")
class DeterminismIT {
  @ParameterizedTest(name = "{0} with {1} shuffle partitions")
  @CsvSource({"local[1], 7", "local[2], 200"})
  void theSameResultsWhateverTheParallelism(String master, int partitions) throws Exception {
    Path baseline = OpsFixture.baseline();
    String name = "det-" + master.replaceAll("[^0-9]", "") + "-" + partitions;
    Path out = OpsFixture.ROOT.resolve(name);
    SampleRun.deleteTree(out);
    long t0 = System.nanoTime();
    try (ChildProcess p =
        OpsFixture.run(
            name,
            out,
            "r",
            Map.of(),
            "-Dspark.master=" + master,
            "-Dspark.shufflePartitions=" + partitions)) {
      assertEquals(0, p.await(Duration.ofMinutes(40)), p.output());
    }
    OpsFixture.timing("run " + master + ", " + partitions + " partitions (bin/rwe)", t0);
    Path run = out.resolve(OpsFixture.STUDY).resolve("r");
    assertEquals(java.util.List.of(), RunCompare.differences(baseline, run));
  }
}
