package org.rwe.testing;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.rwe.config.IngestSettings;
import org.rwe.ingest.Ingest;
import org.rwe.omop.CdmTable;
import org.rwe.omop.ExtractReader;

/** Curated OMOP tables built from a few CSV-like lines, typed exactly as ingest types them. */
public final class Tables {
  private Tables() {}

  static final IngestSettings SETTINGS = new IngestSettings(1.0, 365, 30, 1900, "flag");

  /**
   * e.g. {@code curated(CdmTable.PERSON, "person_id,gender_concept_id,year_of_birth",
   * "1,8507,1970")}
   */
  public static Dataset<Row> curated(CdmTable table, String header, String... rows) {
    String[] cols = header.split(",");
    StructType schema = new StructType();
    for (String c : cols) {
      schema = schema.add(c, DataTypes.StringType);
    }
    schema = schema.add(ExtractReader.SOURCE_FILE, DataTypes.StringType);
    List<Row> out = new ArrayList<>();
    for (String r : rows) {
      String[] v = Arrays.copyOf(r.split(",", -1), cols.length + 1);
      v[cols.length] = "test";
      out.add(RowFactory.create((Object[]) v));
    }
    Dataset<Row> parsed =
        Ingest.parse(
            SparkTestSession.get().createDataFrame(out, schema),
            table,
            SETTINGS,
            LocalDate.of(2026, 1, 1));
    List<Row> bad = parsed.filter(parsed.col(Ingest.RULE).isNotNull()).collectAsList();
    if (!bad.isEmpty()) {
      throw new IllegalArgumentException("test rows do not parse: " + bad);
    }
    return parsed.select(Ingest.curatedColumns(table));
  }

  public static Dataset<Row> empty(CdmTable table) {
    return curated(table, String.join(",", table.columns().stream().map(c -> c.name()).toList()));
  }
}
