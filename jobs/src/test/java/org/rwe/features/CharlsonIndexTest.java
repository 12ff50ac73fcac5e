package org.rwe.features;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.rwe.testing.SparkTestSession;

/**
 * The Charlson index worked by hand on a few subjects, with OMOP concept ids and with local ids.
 */
class CharlsonIndexTest {
  static final SparkSession spark = SparkTestSession.get();

  static Dataset<Row> concepts(Object[]... rows) {
    List<Row> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(RowFactory.create(r));
    }
    return spark.createDataFrame(
        out,
        new StructType()
            .add("concept_id", DataTypes.LongType)
            .add("vocabulary_id", DataTypes.StringType)
            .add("concept_code", DataTypes.StringType));
  }

  /** concept_ancestor with each concept its own ancestor and the given (ancestor, descendant). */
  static Dataset<Row> ancestors(Dataset<Row> concepts, long[]... pairs) {
    List<Row> out = new ArrayList<>();
    for (Row c : concepts.collectAsList()) {
      out.add(RowFactory.create(c.getLong(0), c.getLong(0)));
    }
    for (long[] p : pairs) {
      out.add(RowFactory.create(p[0], p[1]));
    }
    return spark.createDataFrame(
        out,
        new StructType()
            .add("ancestor_concept_id", DataTypes.LongType)
            .add("descendant_concept_id", DataTypes.LongType));
  }

  static Dataset<Row> index(Object[]... rows) {
    List<Row> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(RowFactory.create(r[0], r[1], Date.valueOf((String) r[2])));
    }
    return spark.createDataFrame(
        out,
        new StructType()
            .add("row_id", DataTypes.LongType)
            .add("person_id", DataTypes.LongType)
            .add("cohort_start_date", DataTypes.DateType));
  }

  static Dataset<Row> conditions(Object[]... rows) {
    List<Row> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(RowFactory.create(r[0], Date.valueOf((String) r[1]), r[2]));
    }
    return spark.createDataFrame(
        out,
        new StructType()
            .add("person_id", DataTypes.LongType)
            .add("d", DataTypes.DateType)
            .add("concept_id", DataTypes.LongType));
  }

  static Map<Long, Double> scores(Dataset<Row> covariates) {
    Map<Long, Double> out = new TreeMap<>();
    for (Row r : covariates.collectAsList()) {
      assertEquals(1901L, r.getLong(1));
      out.put(r.getLong(0), r.getDouble(2));
    }
    return out;
  }

  @Test
  void romanoCategoriesAndWeights() {
    List<CharlsonIndex.Ancestor> r = CharlsonIndex.romano();
    assertEquals(29, r.size());
    Map<Integer, Integer> weight = new TreeMap<>();
    r.forEach(a -> weight.put(a.categoryId(), a.weight()));
    assertEquals(17, weight.size());
    assertEquals(
        List.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 6, 6), List.copyOf(weight.values()));
  }

  @Test
  void scoresWithOmopConceptIds() {
    // Diabetes 201820 > type 2 diabetes 201826 and > retinopathy 4174977, which is also under the
    // diabetic complications 443767 (both categories count, as in FeatureExtraction); renal
    // 4030518 > CKD 46271022; malignancy 443392 > metastasis 432851. 2000000099 carries heart
    // failure's SNOMED code under a local id: with 316139 in the vocabulary, codes are not used.
    Dataset<Row> concept =
        concepts(
            new Object[] {201820L, "SNOMED", "73211009"},
            new Object[] {201826L, "SNOMED", "44054006"},
            new Object[] {443767L, "SNOMED", "x"},
            new Object[] {4174977L, "SNOMED", "y"},
            new Object[] {316139L, "SNOMED", "84114007"},
            new Object[] {4030518L, "SNOMED", "236423003"},
            new Object[] {46271022L, "SNOMED", "z"},
            new Object[] {443392L, "SNOMED", "363346000"},
            new Object[] {432851L, "SNOMED", "128462008"},
            new Object[] {4329847L, "SNOMED", "22298006"},
            new Object[] {2000000099L, "SNOMED", "84114007"},
            new Object[] {999L, "SNOMED", "1"});
    Dataset<Row> ancestor =
        ancestors(
            concept,
            new long[] {201820, 201826},
            new long[] {201820, 4174977},
            new long[] {443767, 4174977},
            new long[] {4030518, 46271022},
            new long[] {443392, 432851});
    Dataset<Row> index =
        index(
            new Object[] {1L, 1L, "2020-06-01"},
            new Object[] {2L, 2L, "2020-06-01"},
            new Object[] {3L, 3L, "2020-06-01"},
            new Object[] {4L, 4L, "2020-06-01"},
            new Object[] {5L, 5L, "2020-06-01"},
            new Object[] {6L, 6L, "2020-06-01"},
            new Object[] {7L, 3L, "2020-06-10"});
    Dataset<Row> conditions =
        conditions(
            new Object[] {1L, "2020-03-01", 201826L},
            new Object[] {2L, "2019-01-01", 201826L},
            new Object[] {2L, "2020-01-01", 4174977L},
            new Object[] {2L, "2020-02-01", 4174977L},
            new Object[] {2L, "2020-05-31", 316139L},
            new Object[] {3L, "2010-01-01", 46271022L},
            new Object[] {3L, "2020-06-06", 432851L},
            new Object[] {4L, "2020-06-01", 4329847L},
            new Object[] {5L, "2020-01-01", 999L},
            new Object[] {6L, "2020-01-01", 2000000099L});
    Map<Long, Double> s =
        scores(
            CharlsonIndex.covariates(
                index,
                conditions,
                CharlsonIndex.categoryConcepts(CharlsonIndex.romano(), concept, ancestor),
                0));
    assertEquals(1.0, s.get(1L), "type 2 diabetes: diabetes (1)");
    assertEquals(4.0, s.get(2L), "diabetes 1 + complications 2 + heart failure 1, each once");
    assertEquals(2.0, s.get(3L), "CKD ten years before counts; the metastasis after index not");
    assertEquals(1.0, s.get(4L), "myocardial infarction on the index day");
    assertEquals(10.0, s.get(7L), "same person, later index: CKD 2 + malignancy 2 + metastasis 6");
    assertEquals(List.of(1L, 2L, 3L, 4L, 7L), List.copyOf(s.keySet()), "no category, no row");
  }

  @Test
  void localIdsResolveBySnomedCode() {
    // The generator's vocabulary: real SNOMED codes, local ids, no OMOP ids.
    Dataset<Row> concept =
        concepts(
            new Object[] {2000000001L, "SNOMED", "73211009"},
            new Object[] {2000000002L, "SNOMED", "44054006"},
            new Object[] {2000000003L, "SNOMED", "84114007"},
            new Object[] {2000000004L, "ICD10CM", "I50.9"});
    Dataset<Row> ancestor = ancestors(concept, new long[] {2000000001L, 2000000002L});
    Map<Long, Double> s =
        scores(
            CharlsonIndex.covariates(
                index(new Object[] {1L, 1L, "2020-06-01"}, new Object[] {2L, 2L, "2020-06-01"}),
                conditions(
                    new Object[] {1L, "2020-01-01", 2000000002L},
                    new Object[] {1L, "2020-01-02", 2000000003L},
                    new Object[] {2L, "2020-01-02", 2000000004L}),
                CharlsonIndex.categoryConcepts(CharlsonIndex.romano(), concept, ancestor),
                0));
    assertEquals(
        Map.of(1L, 2.0), s, "diabetes 1 + heart failure 1; row 2 has no Charlson condition");
  }
}
