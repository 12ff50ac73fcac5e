package org.rwe.propensity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.rwe.run.DiagnosticsException;
import org.rwe.testing.SparkTestSession;

/**
 * CohortMethod's high-correlation check before the PS fit, on 200 subjects (80 targets) with a
 * planted near-perfect predictor: covariate 101 is the treatment itself except for two subjects.
 */
class HighCorrelationTest {
  static final SparkSession spark = SparkTestSession.get();
  static final int N = 200;
  static final Map<Long, String> NAMES =
      Map.of(101L, "planted: exposure drug", 102L, "every third subject", 103L, "visit count");

  static int treatment(int i) {
    return i < 80 ? 1 : 0;
  }

  /** Dense values of the three covariates for subject i (0 = no row). */
  static double value(long covariate, int i) {
    if (covariate == 101) {
      return (i == 3 || i == 150) ? 1 - treatment(i) : treatment(i);
    }
    if (covariate == 102) {
      return i % 3 == 0 ? 1 : 0;
    }
    return i % 5 + (treatment(i) == 1 && i % 2 == 0 ? 1 : 0);
  }

  /** Pearson correlation worked out on the dense vectors. */
  static double pearson(long covariate) {
    double mx = 0;
    double my = 0;
    for (int i = 0; i < N; i++) {
      mx += value(covariate, i) / N;
      my += treatment(i) / (double) N;
    }
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < N; i++) {
      double dx = value(covariate, i) - mx;
      double dy = treatment(i) - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  static Dataset<Row> cohort() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      rows.add(RowFactory.create((long) i, treatment(i)));
    }
    return spark.createDataFrame(
        rows,
        new StructType().add("row_id", DataTypes.LongType).add("treatment", DataTypes.IntegerType));
  }

  static Dataset<Row> covariates() {
    List<Row> rows = new ArrayList<>();
    for (long c : List.of(101L, 102L, 103L)) {
      for (int i = 0; i < N; i++) {
        if (value(c, i) != 0) {
          rows.add(RowFactory.create((long) i, c, value(c, i)));
        }
      }
    }
    return spark.createDataFrame(
        rows,
        new StructType()
            .add("row_id", DataTypes.LongType)
            .add("covariate_id", DataTypes.LongType)
            .add("covariate_value", DataTypes.DoubleType));
  }

  static List<PropensityModel.Column> columns() {
    return PropensityModel.columns(covariates(), N);
  }

  @Test
  void plantedPredictorIsFoundWithItsCorrelation() {
    List<PropensityModel.HighCorrelation> flagged =
        PropensityModel.highCorrelations(cohort(), covariates(), columns(), 0.5);
    assertEquals(1, flagged.size(), flagged.toString());
    assertEquals(101L, flagged.get(0).covariateId());
    assertEquals(pearson(101), flagged.get(0).correlation(), 1e-12);
    assertTrue(pearson(101) > 0.95, "near-perfect: " + pearson(101));
    assertTrue(Math.abs(pearson(103)) < 0.5 && Math.abs(pearson(102)) < 0.5);
  }

  @Test
  void theThresholdIsInclusiveAndBothSignsCount() {
    // At the visit count's own |r| it is flagged too (Cyclops: abs(r) >= threshold).
    double r103 = Math.abs(pearson(103));
    List<PropensityModel.HighCorrelation> flagged =
        PropensityModel.highCorrelations(cohort(), covariates(), columns(), r103 - 1e-12);
    assertEquals(List.of(101L, 103L), flagged.stream().map(h -> h.covariateId()).toList());
    // x = (1, 0), y = (0, 1): a perfect negative predictor counts as well.
    assertEquals(-1.0, PropensityModel.correlation(2, 1, 1, 0, 1), 1e-15);
    assertTrue(Double.isNaN(PropensityModel.correlation(4, 4, 4, 2, 2)), "x constant");
  }

  @Test
  void warnKeepsRemoveDropsFailStops() {
    List<PropensityModel.Column> columns = columns();
    List<PropensityModel.HighCorrelation> flagged =
        PropensityModel.highCorrelations(cohort(), covariates(), columns, 0.5);
    assertSame(
        columns,
        PropensityModel.afterHighCorrelationCheck(columns, flagged, "warn", 0.5, NAMES::get));
    List<PropensityModel.Column> kept =
        PropensityModel.afterHighCorrelationCheck(columns, flagged, "remove", 0.5, NAMES::get);
    assertEquals(List.of(102L, 103L), kept.stream().map(c -> c.covariateId()).toList());
    assertEquals(List.of(0, 1), kept.stream().map(c -> c.index()).toList(), "re-indexed");
    DiagnosticsException e =
        assertThrows(
            DiagnosticsException.class,
            () ->
                PropensityModel.afterHighCorrelationCheck(
                    columns, flagged, "fail", 0.5, NAMES::get));
    assertTrue(e.getMessage().contains("covariate 101 'planted: exposure drug'"), e.getMessage());
    assertTrue(
        e.getMessage().contains(String.format(java.util.Locale.ROOT, "r = %.3f", pearson(101))),
        e.getMessage());
    assertTrue(e.getMessage().contains("propensity.highCorrelation"), e.getMessage());
    assertSame(
        columns,
        PropensityModel.afterHighCorrelationCheck(columns, List.of(), "fail", 0.5, NAMES::get),
        "nothing flagged: nothing to do");
  }
}
