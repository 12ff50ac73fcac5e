package org.rwe.generate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The vocabulary subset the synthetic extracts use. Codes follow the real vocabularies for what the
 * study names (SNOMED 35489007, ICD10CM F32.x, ATC A12CC, LOINC 19123-9 ...); concept ids are
 * OMOP's where they are well known (gender, race, visit types, routes, depressive disorder) and
 * otherwise local ids above 2,000,000,000, as OMOP reserves for site-specific concepts. The
 * hierarchy (concept_ancestor) and the ICD-to-SNOMED 'Maps to' relationships are built here.
 */
public final class Vocabulary {
  /** One concept row. standard: "S", "C" (classification) or "" (source). */
  public record Concept(
      long id,
      String name,
      String domain,
      String vocabulary,
      String conceptClass,
      String standard,
      String code) {}

  private final Map<Long, Concept> concepts = new LinkedHashMap<>();
  private final Map<Long, Set<Long>> parents = new HashMap<>();
  private final List<long[]> mapsTo = new ArrayList<>();
  private final Map<String, Long> byKey = new HashMap<>();

  // Well-known OMOP concept ids.
  public static final long MALE = 8507;
  public static final long FEMALE = 8532;
  public static final long WHITE = 8527;
  public static final long BLACK = 8516;
  public static final long ASIAN = 8515;
  public static final long HISPANIC = 38003563;
  public static final long NOT_HISPANIC = 38003564;
  public static final long INPATIENT = 9201;
  public static final long OUTPATIENT = 9202;
  public static final long EMERGENCY = 9203;
  public static final long ORAL = 4132161;
  public static final long INTRAVENOUS = 4171047;
  public static final long EHR = 32817;
  public static final long MG_PER_DL = 8840;

  private long nextLocal = 2_000_000_001L;

  public static Vocabulary standard() {
    Vocabulary v = new Vocabulary();
    v.build();
    return v;
  }

  private long add(
      long id, String name, String domain, String vocab, String cls, String std, String code) {
    concepts.put(id, new Concept(id, name, domain, vocab, cls, std, code));
    byKey.put(vocab + ":" + code, id);
    return id;
  }

  private long local(
      String name, String domain, String vocab, String cls, String std, String code) {
    return add(nextLocal++, name, domain, vocab, cls, std, code);
  }

  private void isA(long child, long parent) {
    parents.computeIfAbsent(child, k -> new LinkedHashSet<>()).add(parent);
  }

  private long snomed(String code, String name, long... parentIds) {
    long id = local(name, "Condition", "SNOMED", "Clinical Finding", "S", code);
    for (long p : parentIds) {
      isA(id, p);
    }
    return id;
  }

  /** An ICD10CM (or ICD9CM) source code that maps to a standard SNOMED concept. */
  private long icd(String vocab, String code, String name, long mapsToId) {
    long id =
        local(
            name,
            "Condition",
            vocab,
            vocab.equals("ICD10CM") ? "5-char billing code" : "5-dig billing code",
            "",
            code);
    mapsTo.add(new long[] {id, mapsToId});
    return id;
  }

  private long atc(String code, String name, long parent) {
    long id =
        local(
            name,
            "Drug",
            "ATC",
            "ATC "
                + (code.length() == 1
                    ? "1st"
                    : code.length() == 3 ? "2nd" : code.length() == 4 ? "3rd" : "4th"),
            "C",
            code);
    if (parent != 0) {
      isA(id, parent);
    }
    return id;
  }

  private long ingredient(String code, String name, long atcClass) {
    long id = local(name, "Drug", "RxNorm", "Ingredient", "S", code);
    isA(id, atcClass);
    return id;
  }

  private long clinicalDrug(String code, String name, long ingredient) {
    long id = local(name, "Drug", "RxNorm", "Clinical Drug", "S", code);
    isA(id, ingredient);
    return id;
  }

  private void build() {
    add(MALE, "MALE", "Gender", "Gender", "Gender", "S", "M");
    add(FEMALE, "FEMALE", "Gender", "Gender", "Gender", "S", "F");
    add(WHITE, "White", "Race", "Race", "Race", "S", "5");
    add(BLACK, "Black or African American", "Race", "Race", "Race", "S", "3");
    add(ASIAN, "Asian", "Race", "Race", "Race", "S", "2");
    add(HISPANIC, "Hispanic or Latino", "Ethnicity", "Ethnicity", "Ethnicity", "S", "Hispanic");
    add(
        NOT_HISPANIC,
        "Not Hispanic or Latino",
        "Ethnicity",
        "Ethnicity",
        "Ethnicity",
        "S",
        "Not Hispanic");
    add(INPATIENT, "Inpatient Visit", "Visit", "Visit", "Visit", "S", "IP");
    add(OUTPATIENT, "Outpatient Visit", "Visit", "Visit", "Visit", "S", "OP");
    add(EMERGENCY, "Emergency Room Visit", "Visit", "Visit", "Visit", "S", "ER");
    add(ORAL, "Oral", "Route", "SNOMED", "Qualifier Value", "S", "26643006");
    add(INTRAVENOUS, "Intravenous", "Route", "SNOMED", "Qualifier Value", "S", "47625008");
    add(4302612, "Intramuscular", "Route", "SNOMED", "Qualifier Value", "S", "78421000");
    add(4142048, "Subcutaneous", "Route", "SNOMED", "Qualifier Value", "S", "34206005");
    add(EHR, "EHR", "Type Concept", "Type Concept", "Type Concept", "S", "OMOP4976890");
    add(MG_PER_DL, "milligram per deciliter", "Unit", "UCUM", "Unit", "S", "mg/dL");

    // Conditions (SNOMED) with a small hierarchy, and their ICD10CM source codes.
    long mental = snomed("74732009", "Mental disorder");
    long mood = snomed("46206005", "Mood disorder", mental);
    long depressive =
        add(
            440383,
            "Depressive disorder",
            "Condition",
            "SNOMED",
            "Clinical Finding",
            "S",
            "35489007");
    isA(depressive, mood);
    long mddSingle = snomed("36923009", "Major depression, single episode", depressive);
    long mddRecurrent = snomed("66344007", "Recurrent major depression", depressive);
    long dysthymia = snomed("78667006", "Dysthymia", depressive);
    long severe =
        snomed(
            "76441001",
            "Severe major depression, single episode, without psychotic features",
            mddSingle);
    long bipolar = snomed("13746004", "Bipolar disorder", mood);
    long schizophrenia = snomed("58214004", "Schizophrenia", mental);
    long anxiety = snomed("197480006", "Anxiety disorder", mental);
    long insomnia = snomed("193462001", "Insomnia");
    long kidney = snomed("90708001", "Kidney disease");
    long ckd3 = snomed("433144002", "Chronic kidney disease stage 3", kidney);
    long esrd = snomed("46177005", "End-stage renal disease", kidney);
    long diabetes = snomed("73211009", "Diabetes mellitus");
    long t2dm = snomed("44054006", "Type 2 diabetes mellitus", diabetes);
    long hypertension = snomed("59621000", "Essential hypertension");
    long heartFailure = snomed("84114007", "Heart failure");
    long gerd = snomed("235595009", "Gastroesophageal reflux disease");
    long hypoMg = snomed("190855004", "Hypomagnesemia");
    long obesity = snomed("414916001", "Obesity");
    long migraine = snomed("37796009", "Migraine");
    long suicidalThoughts = snomed("6471006", "Suicidal thoughts");
    long selfHarm = snomed("248062006", "Self-injurious behavior");
    long suicideAttempt = snomed("82313006", "Suicide attempt", selfHarm);
    long diarrhea = snomed("62315008", "Diarrhea");
    long infectiousDiarrhea = snomed("19213003", "Infectious diarrheal disease", diarrhea);
    long hyperMg = snomed("66978005", "Hypermagnesemia");

    icd("ICD10CM", "F32.0", "Major depressive disorder, single episode, mild", mddSingle);
    icd("ICD10CM", "F32.1", "Major depressive disorder, single episode, moderate", mddSingle);
    icd(
        "ICD10CM",
        "F32.2",
        "Major depressive disorder, single episode, severe without psychotic features",
        severe);
    icd("ICD10CM", "F32.9", "Major depressive disorder, single episode, unspecified", depressive);
    icd("ICD10CM", "F33.0", "Major depressive disorder, recurrent, mild", mddRecurrent);
    icd("ICD10CM", "F33.1", "Major depressive disorder, recurrent, moderate", mddRecurrent);
    icd("ICD10CM", "F34.1", "Dysthymic disorder", dysthymia);
    icd(
        "ICD9CM",
        "296.20",
        "Major depressive affective disorder, single episode, unspecified",
        mddSingle);
    icd(
        "ICD9CM",
        "296.30",
        "Major depressive affective disorder, recurrent episode, unspecified",
        mddRecurrent);
    icd("ICD9CM", "300.4", "Dysthymic disorder", dysthymia);
    icd("ICD9CM", "311", "Depressive disorder, not elsewhere classified", depressive);
    icd("ICD10CM", "F31.9", "Bipolar disorder, unspecified", bipolar);
    icd("ICD10CM", "F20.9", "Schizophrenia, unspecified", schizophrenia);
    icd("ICD10CM", "F41.9", "Anxiety disorder, unspecified", anxiety);
    icd("ICD10CM", "G47.00", "Insomnia, unspecified", insomnia);
    icd("ICD10CM", "N18.3", "Chronic kidney disease, stage 3 (moderate)", ckd3);
    icd("ICD10CM", "N18.6", "End stage renal disease", esrd);
    icd("ICD10CM", "E11.9", "Type 2 diabetes mellitus without complications", t2dm);
    icd("ICD10CM", "I10", "Essential (primary) hypertension", hypertension);
    icd("ICD10CM", "I50.9", "Heart failure, unspecified", heartFailure);
    icd("ICD10CM", "K21.9", "Gastro-esophageal reflux disease without esophagitis", gerd);
    icd("ICD10CM", "E83.42", "Hypomagnesemia", hypoMg);
    icd("ICD10CM", "E66.9", "Obesity, unspecified", obesity);
    icd(
        "ICD10CM",
        "G43.909",
        "Migraine, unspecified, not intractable, without status migrainosus",
        migraine);
    icd("ICD10CM", "R45.851", "Suicidal ideations", suicidalThoughts);
    icd(
        "ICD10CM",
        "X78.9XXA",
        "Intentional self-harm by unspecified sharp object, initial encounter",
        selfHarm);
    icd("ICD10CM", "T14.91XA", "Suicide attempt, initial encounter", suicideAttempt);
    icd("ICD10CM", "R19.7", "Diarrhea, unspecified", diarrhea);
    icd(
        "ICD10CM",
        "A09",
        "Infectious gastroenteritis and colitis, unspecified",
        infectiousDiarrhea);
    icd("ICD10CM", "E83.41", "Hypermagnesemia", hyperMg);
    for (String[] nc : NEGATIVE_CONTROL_CODES) {
      long std = snomed(nc[1], nc[2]);
      icd("ICD10CM", nc[0], nc[2], std);
    }

    // Drugs: ATC classes > RxNorm ingredients > clinical drugs.
    long atcA = atc("A", "ALIMENTARY TRACT AND METABOLISM", 0);
    long atcA02 = atc("A02", "DRUGS FOR ACID RELATED DISORDERS", atcA);
    long atcA02B =
        atc("A02B", "DRUGS FOR PEPTIC ULCER AND GASTRO-OESOPHAGEAL REFLUX DISEASE (GORD)", atcA02);
    long atcA02BC = atc("A02BC", "Proton pump inhibitors", atcA02B);
    long atcA10 = atc("A10", "DRUGS USED IN DIABETES", atcA);
    long atcA10B = atc("A10B", "BLOOD GLUCOSE LOWERING DRUGS, EXCL. INSULINS", atcA10);
    long atcA10BA = atc("A10BA", "Biguanides", atcA10B);
    long atcA11 = atc("A11", "VITAMINS", atcA);
    long atcA11C = atc("A11C", "VITAMIN A AND D, INCL. COMBINATIONS OF THE TWO", atcA11);
    long atcA11CC = atc("A11CC", "Vitamin D and analogues", atcA11C);
    long atcA12 = atc("A12", "MINERAL SUPPLEMENTS", atcA);
    long atcA12C = atc("A12C", "OTHER MINERAL SUPPLEMENTS", atcA12);
    long atcA12CC = atc("A12CC", "Magnesium", atcA12C);
    long atcC = atc("C", "CARDIOVASCULAR SYSTEM", 0);
    long atcC03 = atc("C03", "DIURETICS", atcC);
    long atcC03C = atc("C03C", "HIGH-CEILING DIURETICS", atcC03);
    long atcC03CA = atc("C03CA", "Sulfonamides, plain", atcC03C);
    long atcC09 = atc("C09", "AGENTS ACTING ON THE RENIN-ANGIOTENSIN SYSTEM", atcC);
    long atcC09A = atc("C09A", "ACE INHIBITORS, PLAIN", atcC09);
    long atcC09AA = atc("C09AA", "ACE inhibitors, plain", atcC09A);
    long atcN = atc("N", "NERVOUS SYSTEM", 0);
    long atcN06 = atc("N06", "PSYCHOANALEPTICS", atcN);
    long atcN06A = atc("N06A", "ANTIDEPRESSANTS", atcN06);
    long atcN06AB = atc("N06AB", "Selective serotonin reuptake inhibitors", atcN06A);
    long atcN06AX = atc("N06AX", "Other antidepressants", atcN06A);

    drug(
        MG_OXIDE_TABLET,
        "magnesium oxide 400 MG Oral Tablet",
        ingredient("6582", "magnesium oxide", atcA12CC));
    drug(
        MG_CITRATE_SOLUTION,
        "magnesium citrate 58 MG/ML Oral Solution",
        ingredient("52356", "magnesium citrate", atcA12CC));
    drug(
        MG_SULFATE_INJECTION,
        "magnesium sulfate 500 MG/ML Injectable Solution",
        ingredient("6585", "magnesium sulfate", atcA12CC));
    drug(
        OMEPRAZOLE,
        "omeprazole 20 MG Delayed Release Oral Capsule",
        ingredient("7646", "omeprazole", atcA02BC));
    drug(
        PANTOPRAZOLE,
        "pantoprazole 40 MG Delayed Release Oral Tablet",
        ingredient("40790", "pantoprazole", atcA02BC));
    drug(
        METFORMIN,
        "metformin hydrochloride 500 MG Oral Tablet",
        ingredient("6809", "metformin", atcA10BA));
    drug(
        CHOLECALCIFEROL,
        "cholecalciferol 1000 UNT Oral Tablet",
        ingredient("2418", "cholecalciferol", atcA11CC));
    drug(FUROSEMIDE, "furosemide 40 MG Oral Tablet", ingredient("4603", "furosemide", atcC03CA));
    drug(LISINOPRIL, "lisinopril 10 MG Oral Tablet", ingredient("29046", "lisinopril", atcC09AA));
    drug(SERTRALINE, "sertraline 50 MG Oral Tablet", ingredient("36437", "sertraline", atcN06AB));
    drug(FLUOXETINE, "fluoxetine 20 MG Oral Capsule", ingredient("4493", "fluoxetine", atcN06AB));
    drug(
        ESCITALOPRAM,
        "escitalopram 10 MG Oral Tablet",
        ingredient("321988", "escitalopram", atcN06AB));
    drug(
        BUPROPION,
        "bupropion hydrochloride 150 MG Extended Release Oral Tablet",
        ingredient("42347", "bupropion", atcN06AX));
    drug(
        MIRTAZAPINE, "mirtazapine 15 MG Oral Tablet", ingredient("15996", "mirtazapine", atcN06AX));

    add(
        2_100_000_001L,
        "Magnesium [Mass/volume] in Serum or Plasma",
        "Measurement",
        "LOINC",
        "Lab Test",
        "S",
        "19123-9");
    add(
        2_100_000_002L,
        "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
        "Measurement",
        "LOINC",
        "Survey",
        "S",
        "44261-6");
    add(
        2_100_000_003L,
        "Creatinine [Mass/volume] in Serum or Plasma",
        "Measurement",
        "LOINC",
        "Lab Test",
        "S",
        "2160-0");
    add(
        2_100_000_004L,
        "Hemoglobin A1c/Hemoglobin.total in Blood",
        "Measurement",
        "LOINC",
        "Lab Test",
        "S",
        "4548-4");
    add(
        2_100_000_011L,
        "Psychotherapy, 45 minutes with patient",
        "Procedure",
        "CPT4",
        "CPT4",
        "S",
        "90834");
    add(
        2_100_000_012L,
        "Electrocardiogram, routine ECG with at least 12 leads",
        "Procedure",
        "CPT4",
        "CPT4",
        "S",
        "93000");
    add(2_100_000_013L, "Electroconvulsive therapy", "Procedure", "CPT4", "CPT4", "S", "90870");
  }

  private void drug(String code, String name, long ingredient) {
    clinicalDrug(code, name, ingredient);
  }

  // RxNorm codes of the clinical drugs (illustrative: this is a synthetic vocabulary).
  static final String MG_OXIDE_TABLET = "311410";
  static final String MG_CITRATE_SOLUTION = "1372709";
  static final String MG_SULFATE_INJECTION = "1310182";
  static final String OMEPRAZOLE = "200329";
  static final String PANTOPRAZOLE = "314200";
  static final String METFORMIN = "861007";
  static final String CHOLECALCIFEROL = "636676";
  static final String FUROSEMIDE = "313988";
  static final String LISINOPRIL = "314076";
  static final String SERTRALINE = "312940";
  static final String FLUOXETINE = "310385";
  static final String ESCITALOPRAM = "349332";
  static final String BUPROPION = "993541";
  static final String MIRTAZAPINE = "311725";

  /** ICD10CM code, SNOMED code, name: conditions magnesium is not thought to cause or prevent. */
  static final String[][] NEGATIVE_CONTROL_CODES = {
    {"L60.0", "400200009", "Ingrowing nail"},
    {"S93.401A", "44465007", "Sprain of ankle"},
    {"H60.90", "30250000", "Otitis externa"},
    {"B07.9", "240542006", "Viral wart"},
    {"L25.9", "40275004", "Contact dermatitis"},
    {"H00.019", "1693002", "Hordeolum externum"},
    {"B35.1", "414941008", "Onychomycosis"},
    {"M72.2", "202882003", "Plantar fasciitis"},
    {"D17.9", "93163002", "Lipoma"},
    {"H61.20", "18070006", "Impacted cerumen"},
    {"B35.3", "6020002", "Tinea pedis"},
  };

  /** The concept id of a vocabulary code, e.g. {@code id("ICD10CM", "F32.9")}. */
  public long id(String vocabulary, String code) {
    Long id = byKey.get(vocabulary + ":" + code);
    if (id == null) {
      throw new IllegalArgumentException("No concept " + vocabulary + " " + code);
    }
    return id;
  }

  public long mapsTo(long sourceId) {
    for (long[] m : mapsTo) {
      if (m[0] == sourceId) {
        return m[1];
      }
    }
    throw new IllegalArgumentException("No mapping for " + sourceId);
  }

  public List<Concept> concepts() {
    return List.copyOf(concepts.values());
  }

  /** Transitive closure of the hierarchy, including each standard concept with itself (level 0). */
  public List<long[]> ancestors() {
    List<long[]> rows = new ArrayList<>();
    for (Concept c : concepts.values()) {
      if (c.standard().isEmpty()) {
        continue;
      }
      Map<Long, int[]> levels = new LinkedHashMap<>();
      walk(c.id(), 0, levels);
      for (Map.Entry<Long, int[]> e : levels.entrySet()) {
        rows.add(new long[] {e.getKey(), c.id(), e.getValue()[0], e.getValue()[1]});
      }
    }
    return rows;
  }

  private void walk(long id, int depth, Map<Long, int[]> levels) {
    int[] mm = levels.get(id);
    if (mm == null) {
      levels.put(id, new int[] {depth, depth});
    } else {
      mm[0] = Math.min(mm[0], depth);
      mm[1] = Math.max(mm[1], depth);
    }
    for (long p : parents.getOrDefault(id, Set.of())) {
      walk(p, depth + 1, levels);
    }
  }

  /** 'Maps to' and the reverse 'Mapped from', as the OMOP vocabulary holds both directions. */
  public List<String[]> relationships() {
    List<String[]> rows = new ArrayList<>();
    for (long[] m : mapsTo) {
      rows.add(new String[] {Long.toString(m[0]), Long.toString(m[1]), "Maps to"});
      rows.add(new String[] {Long.toString(m[1]), Long.toString(m[0]), "Mapped from"});
    }
    return rows;
  }
}
