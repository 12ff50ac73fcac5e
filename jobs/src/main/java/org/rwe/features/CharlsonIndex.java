package org.rwe.features;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The Charlson comorbidity index as FeatureExtraction's CharlsonIndex (analysis 901, covariate
 * 1901, "Charlson index - Romano adaptation"): each of 17 categories is the set of descendants of
 * its SNOMED ancestor concepts (the data in {@code features/charlson_romano.csv}, with its source);
 * a subject scores the sum of the weights of the distinct categories among its conditions recorded
 * up to index + endDays, with no start day, as FeatureExtraction does. Subjects without any
 * category have no row (missing means 0).
 */
public final class CharlsonIndex {
  public static final int ANALYSIS_ID = 901;
  public static final long COVARIATE_ID = 1000L + ANALYSIS_ID;
  public static final String NAME = "Charlson index - Romano adaptation";
  static final String RESOURCE = "features/charlson_romano.csv";

  private CharlsonIndex() {}

  /** One ancestor concept of a category. snomedCode is "" when not given. */
  public record Ancestor(
      int categoryId, String category, int weight, long conceptId, String snomedCode) {}

  /** The Romano adaptation's categories, from the resource file. */
  public static List<Ancestor> romano() {
    InputStream in = CharlsonIndex.class.getClassLoader().getResourceAsStream(RESOURCE);
    if (in == null) {
      throw new IllegalStateException("Missing resource " + RESOURCE);
    }
    List<Ancestor> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      boolean header = true;
      while ((line = r.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        if (header) {
          header = false;
          continue;
        }
        String[] f = line.split(",", -1);
        out.add(
            new Ancestor(
                Integer.parseInt(f[0]),
                f[1],
                Integer.parseInt(f[2]),
                Long.parseLong(f[3]),
                f[4].trim()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(out);
  }

  /**
   * (concept_id, category_id, weight): every concept of every category, i.e. each ancestor and its
   * descendants in concept_ancestor. An ancestor is found by its concept id; when the vocabulary
   * has no concept with that id but the table gives the ancestor's SNOMED code, by that code.
   *
   * @param concept (concept_id, vocabulary_id, concept_code)
   * @param ancestor (ancestor_concept_id, descendant_concept_id)
   */
  public static Dataset<Row> categoryConcepts(
      List<Ancestor> categories, Dataset<Row> concept, Dataset<Row> ancestor) {
    List<Row> rows = new ArrayList<>();
    for (Ancestor a : categories) {
      rows.add(RowFactory.create(a.categoryId(), a.weight(), a.conceptId(), a.snomedCode()));
    }
    Dataset<Row> listed =
        concept
            .sparkSession()
            .createDataFrame(
                rows,
                new StructType()
                    .add("category_id", DataTypes.IntegerType)
                    .add("weight", DataTypes.IntegerType)
                    .add("concept_id", DataTypes.LongType)
                    .add("snomed_code", DataTypes.StringType));
    Dataset<Row> byCode =
        listed
            .filter(col("snomed_code").notEqual(""))
            .join(concept.select("concept_id"), new String[] {"concept_id"}, "left_anti")
            .join(
                concept
                    .filter(col("vocabulary_id").equalTo("SNOMED"))
                    .select(col("concept_id").as("_local"), col("concept_code")),
                col("snomed_code").equalTo(col("concept_code")))
            .select(col("category_id"), col("weight"), col("_local").as("concept_id"));
    Dataset<Row> roots =
        listed.select("category_id", "weight", "concept_id").unionByName(byCode).distinct();
    Dataset<Row> descendants =
        roots
            .join(ancestor, roots.col("concept_id").equalTo(ancestor.col("ancestor_concept_id")))
            .select(
                col("category_id"), col("weight"), col("descendant_concept_id").as("concept_id"));
    return roots
        .unionByName(descendants)
        .distinct()
        .select(col("concept_id").cast("long"), col("category_id"), col("weight"));
  }

  /**
   * (row_id, covariate_id, covariate_value) of every row with a score above 0.
   *
   * @param index (row_id, person_id, cohort_start_date)
   * @param conditions (person_id, d, concept_id): condition start dates and standard concepts
   * @param categoryConcepts as {@link #categoryConcepts}
   */
  public static Dataset<Row> covariates(
      Dataset<Row> index, Dataset<Row> conditions, Dataset<Row> categoryConcepts, int endDays) {
    Dataset<Row> c = conditions.withColumnRenamed("person_id", "_person");
    return index
        .join(
            c,
            col("person_id")
                .equalTo(col("_person"))
                .and(col("d").leq(date_add(col("cohort_start_date"), endDays))))
        .join(broadcast(categoryConcepts), "concept_id")
        .select("row_id", "category_id", "weight")
        .distinct()
        .groupBy("row_id")
        .agg(sum("weight").cast("double").as("covariate_value"))
        .select(col("row_id"), lit(COVARIATE_ID).as("covariate_id"), col("covariate_value"));
  }
}
