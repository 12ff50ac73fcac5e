package org.rwe.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * An outcome the generator simulates, with its true hazard ratio for magnesium (intention to treat,
 * from initiation on) and how the confounders change its baseline hazard.
 *
 * <p>Confounder order in {@code beta}: female, age >= 65, PPI use, low serum magnesium, severe
 * depression, diabetes, CKD stage 3, heart failure, anxiety, unmeasured.
 */
public record SimulatedOutcome(
    int outcomeId,
    String name,
    double trueHr,
    double baseRatePerYear,
    double[] beta,
    boolean requiresDepression,
    long visitConceptId,
    String[] icd10Codes,
    boolean negativeControl) {

  static final int FEMALE = 0;
  static final int AGE65 = 1;
  static final int PPI = 2;
  static final int LOW_MG = 3;
  static final int SEVERE = 4;
  static final int DIABETES = 5;
  static final int CKD3 = 6;
  static final int HEART_FAILURE = 7;
  static final int ANXIETY = 8;
  static final int UNMEASURED = 9;

  public static List<SimulatedOutcome> all() {
    List<SimulatedOutcome> out = new ArrayList<>();
    out.add(
        new SimulatedOutcome(
            1,
            "depression-related hospitalization",
            0.80,
            0.08,
            new double[] {0.1, 0.3, 0.4, 0.5, 1.1, 0, 0, 0, 0.3, 0.6},
            true,
            Vocabulary.INPATIENT,
            new String[] {"F32.9", "F33.1", "F32.1"},
            false));
    out.add(
        new SimulatedOutcome(
            2,
            "intentional self-harm or suicidal ideation",
            0.90,
            0.015,
            new double[] {0, 0, 0.2, 0.3, 1.0, 0, 0, 0, 0.4, 0.6},
            true,
            Vocabulary.EMERGENCY,
            new String[] {"R45.851", "X78.9XXA", "T14.91XA"},
            false));
    out.add(
        new SimulatedOutcome(
            6,
            "diarrhea",
            1.50,
            0.04,
            new double[] {0.1, 0.3, 0.6, 0.4, 0, 0.3, 0, 0, 0, 0.6},
            false,
            Vocabulary.OUTPATIENT,
            new String[] {"R19.7", "R19.7", "A09"},
            false));
    out.add(
        new SimulatedOutcome(
            7,
            "hypermagnesemia",
            2.50,
            0.006,
            new double[] {0, 0.5, 0, 0, 0, 0, 1.6, 0.4, 0, 0.6},
            false,
            Vocabulary.OUTPATIENT,
            new String[] {"E83.41"},
            false));
    double[] rates = {0.02, 0.03, 0.025, 0.02, 0.03, 0.015, 0.025, 0.02, 0.015, 0.02, 0.025};
    for (int i = 0; i < Vocabulary.NEGATIVE_CONTROL_CODES.length; i++) {
      String[] nc = Vocabulary.NEGATIVE_CONTROL_CODES[i];
      out.add(
          new SimulatedOutcome(
              101 + i,
              nc[2].toLowerCase(),
              1.0,
              rates[i],
              new double[] {0.2, 0.3, 0.5, 0.5, 0.5, 0.2, 0, 0, 0, 0.6},
              false,
              Vocabulary.OUTPATIENT,
              new String[] {nc[0]},
              true));
    }
    return out;
  }
}
