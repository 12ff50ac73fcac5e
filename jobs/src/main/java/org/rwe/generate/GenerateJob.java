package org.rwe.generate;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a synthetic OMOP CDM v5.4 extract as gzipped CSV, one Spark task per slice of persons,
 * each writing its own part file per table (so it scales to millions of persons); then the
 * vocabulary subset and {@code ground_truth.json} from the driver. With one partition each table is
 * a single {@code table.csv.gz}.
 */
public final class GenerateJob {
  private static final Logger LOG = LoggerFactory.getLogger(GenerateJob.class);

  private GenerateJob() {}

  public static Map<String, Long> run(SparkSession spark, GeneratorSettings settings, String outDir)
      throws IOException {
    Path out = new Path(outDir);
    FileSystem fs = out.getFileSystem(spark.sparkContext().hadoopConfiguration());
    // No .crc side files next to the extract: it is meant to be read by other tools too.
    fs.setWriteChecksum(false);
    fs.mkdirs(out);
    int partitions = settings.partitions();
    // Executors may run elsewhere, in another working folder: give them the absolute location and
    // the session's Hadoop settings (e.g. object-store credentials), not their own defaults.
    String qualifiedOut = fs.makeQualified(out).toString();
    Broadcast<SerializableConfiguration> hadoopConf =
        SerializableConfiguration.broadcast(
            spark.sparkContext(), spark.sparkContext().hadoopConfiguration());
    spark
        .sparkContext()
        .setJobGroup("rwe-generate", "generate " + settings.persons() + " persons", false);
    List<String> counts =
        spark
            .range(0, partitions, 1, partitions)
            .mapPartitions(
                new WritePartition(settings, qualifiedOut, hadoopConf), Encoders.STRING())
            .collectAsList();
    Map<String, Long> totals = new LinkedHashMap<>();
    for (OutTable t : OutTable.values()) {
      totals.put(t.fileName(), 0L);
    }
    for (String line : counts) {
      String[] kv = line.split("=");
      totals.merge(kv[0], Long.parseLong(kv[1]), Long::sum);
    }
    writeVocabulary(fs, out, Vocabulary.standard(), totals);
    writeGroundTruth(fs, out, settings);
    LOG.info("generated {} persons into {}: {}", settings.persons(), outDir, totals);
    return totals;
  }

  /** Persons [lo, hi) of one partition, written straight to part files. */
  static final class WritePartition implements MapPartitionsFunction<Long, String> {
    private final GeneratorSettings settings;
    private final String outDir;
    private final Broadcast<SerializableConfiguration> hadoopConf;

    WritePartition(
        GeneratorSettings settings, String outDir, Broadcast<SerializableConfiguration> conf) {
      this.settings = settings;
      this.outDir = outDir;
      this.hadoopConf = conf;
    }

    @Override
    public Iterator<String> call(Iterator<Long> partitionIds) throws IOException {
      List<String> counts = new ArrayList<>();
      while (partitionIds.hasNext()) {
        long part = partitionIds.next();
        long perPart = (settings.persons() + settings.partitions() - 1) / settings.partitions();
        long lo = part * perPart + 1;
        long hi = Math.min(settings.persons(), (part + 1) * perPart);
        Map<OutTable, Long> n = writePersons(lo, hi, (int) part);
        n.forEach((t, c) -> counts.add(t.fileName() + "=" + c));
      }
      return counts.iterator();
    }

    private Map<OutTable, Long> writePersons(long lo, long hi, int part) throws IOException {
      Path root = new Path(outDir);
      FileSystem fs = root.getFileSystem(hadoopConf.value().value());
      fs.setWriteChecksum(false);
      Map<OutTable, Writer> writers = new EnumMap<>(OutTable.class);
      Map<OutTable, Long> n = new EnumMap<>(OutTable.class);
      try {
        for (OutTable t : OutTable.values()) {
          Path file =
              settings.partitions() == 1
                  ? new Path(root, t.fileName() + ".csv.gz")
                  : new Path(new Path(root, t.fileName()), String.format("part-%05d.csv.gz", part));
          OutputStream os = new GZIPOutputStream(fs.create(file, true), 1 << 16);
          Writer w = new OutputStreamWriter(os, StandardCharsets.UTF_8);
          w.write(t.header());
          w.write('\n');
          writers.put(t, w);
          n.put(t, 0L);
        }
        PersonSimulator sim = new PersonSimulator(settings, Vocabulary.standard());
        PersonSimulator.Sink sink =
            (table, values) -> {
              try {
                Writer w = writers.get(table);
                w.write(PersonSimulator.csvLine(values));
                w.write('\n');
                n.merge(table, 1L, Long::sum);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            };
        for (long id = lo; id <= hi; id++) {
          sim.simulate(id, sink);
        }
      } finally {
        for (Writer w : writers.values()) {
          w.close();
        }
      }
      return n;
    }
  }

  private static void writeVocabulary(
      FileSystem fs, Path out, Vocabulary vocab, Map<String, Long> totals) throws IOException {
    List<String> concept = new ArrayList<>();
    for (Vocabulary.Concept c : vocab.concepts()) {
      concept.add(
          PersonSimulator.csvLine(
              PersonSimulator.arrayOf(
                  c.id(),
                  c.name(),
                  c.domain(),
                  c.vocabulary(),
                  c.conceptClass(),
                  c.standard().isEmpty() ? null : c.standard(),
                  c.code(),
                  "1970-01-01",
                  "2099-12-31",
                  null)));
    }
    writeCsv(
        fs,
        new Path(out, "concept.csv.gz"),
        "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept,"
            + "concept_code,valid_start_date,valid_end_date,invalid_reason",
        concept);
    List<String> ancestor = new ArrayList<>();
    for (long[] a : vocab.ancestors()) {
      ancestor.add(a[0] + "," + a[1] + "," + a[2] + "," + a[3]);
    }
    writeCsv(
        fs,
        new Path(out, "concept_ancestor.csv.gz"),
        "ancestor_concept_id,descendant_concept_id,min_levels_of_separation,"
            + "max_levels_of_separation",
        ancestor);
    List<String> rel = new ArrayList<>();
    for (String[] r : vocab.relationships()) {
      rel.add(r[0] + "," + r[1] + "," + r[2] + ",1970-01-01,2099-12-31,");
    }
    writeCsv(
        fs,
        new Path(out, "concept_relationship.csv.gz"),
        "concept_id_1,concept_id_2,relationship_id,valid_start_date,valid_end_date,invalid_reason",
        rel);
    totals.put("concept", (long) concept.size());
    totals.put("concept_ancestor", (long) ancestor.size());
    totals.put("concept_relationship", (long) rel.size());
  }

  private static void writeCsv(FileSystem fs, Path file, String header, List<String> lines)
      throws IOException {
    try (Writer w =
        new OutputStreamWriter(
            new GZIPOutputStream(fs.create(file, true)), StandardCharsets.UTF_8)) {
      w.write(header);
      w.write('\n');
      for (String l : lines) {
        w.write(l);
        w.write('\n');
      }
    }
  }

  /** The truth the pipeline must recover, beside the data. */
  static String groundTruthJson(GeneratorSettings settings) {
    StringBuilder sb = new StringBuilder();
    sb.append("{\n  \"persons\": ").append(settings.persons());
    sb.append(",\n  \"seed\": ").append(settings.seed());
    sb.append(",\n  \"unmeasured_confounding\": ").append(settings.unmeasuredConfounding());
    sb.append(",\n  \"cdm_version\": \"5.4\"");
    sb.append(",\n  \"outcomes\": [");
    List<SimulatedOutcome> outcomes = SimulatedOutcome.all();
    for (int i = 0; i < outcomes.size(); i++) {
      SimulatedOutcome o = outcomes.get(i);
      sb.append(i == 0 ? "\n" : ",\n");
      sb.append("    {\"outcome_id\": ")
          .append(o.outcomeId())
          .append(", \"name\": \"")
          .append(o.name())
          .append("\", \"true_hr\": ")
          .append(o.trueHr())
          .append(", \"negative_control\": ")
          .append(o.negativeControl())
          .append("}");
    }
    sb.append(",\n    {\"outcome_id\": 5, \"name\": \"PHQ-9 change\", \"true_mean_difference\": ")
        .append(PersonSimulator.PHQ9_EFFECT)
        .append(", \"negative_control\": false}");
    sb.append("\n  ]\n}\n");
    return sb.toString();
  }

  private static void writeGroundTruth(FileSystem fs, Path out, GeneratorSettings settings)
      throws IOException {
    try (Writer w =
        new OutputStreamWriter(
            fs.create(new Path(out, "ground_truth.json"), true), StandardCharsets.UTF_8)) {
      w.write(groundTruthJson(settings));
    }
  }
}
