package org.rwe.generate;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Simulates one person's record: demographics, observation, yearly check-ups with chronic
 * conditions and labs, chronic drugs, depression with its visits, magnesium initiation that is
 * confounded by age, sex, PPI use, low serum magnesium, severity and comorbidity, and outcomes
 * whose hazard depends on those same factors and, from initiation on, on magnesium with the true
 * hazard ratio of {@link SimulatedOutcome}. Pure and deterministic: the rows depend only on the
 * seed and the person id, never on how persons are split into partitions.
 */
public final class PersonSimulator {
  static final LocalDate DATA_START = LocalDate.of(2014, 1, 1);
  static final LocalDate DATA_END = LocalDate.of(2023, 12, 31);

  /** True effect of magnesium on later PHQ-9 scores (points), from initiation on. */
  public static final double PHQ9_EFFECT = -1.5;

  /** Row ids are personId * ROW_ID_STRIDE + a per-person sequence number. */
  static final long ROW_ID_STRIDE = 1000;

  /** Receives the rows of one person. */
  public interface Sink {
    void row(OutTable table, String[] values);
  }

  private final GeneratorSettings settings;
  private final Vocabulary vocab;
  private final List<SimulatedOutcome> outcomes = SimulatedOutcome.all();

  public PersonSimulator(GeneratorSettings settings, Vocabulary vocab) {
    this.settings = settings;
    this.vocab = vocab;
  }

  /** State of one person while simulating. */
  private final class Person {
    final long id;
    final SplittableRandom rng;
    final Sink sink;
    final Map<OutTable, Integer> seq = new EnumMap<>(OutTable.class);
    final double[] x = new double[10];

    /** PHQ-9 follow-up scores before the effect of magnesium: (day, visit id, score). */
    final java.util.List<double[]> phqFollowUps = new java.util.ArrayList<>();

    int obsStart;
    int obsEnd;

    Person(long id, Sink sink) {
      this.id = id;
      this.sink = sink;
      this.rng = new SplittableRandom(mix(settings.seed() * 0x9E3779B97F4A7C15L + id));
    }

    long nextId(OutTable t) {
      int n = seq.merge(t, 1, Integer::sum);
      if (n >= ROW_ID_STRIDE) {
        return -1;
      }
      return id * ROW_ID_STRIDE + n;
    }

    boolean chance(double p) {
      return rng.nextDouble() < p;
    }

    int uniform(int lo, int hi) {
      return hi <= lo ? lo : lo + rng.nextInt(hi - lo + 1);
    }

    double normal() {
      double u1 = 1.0 - rng.nextDouble();
      double u2 = rng.nextDouble();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    double exponential(double mean) {
      return -mean * Math.log(1.0 - rng.nextDouble());
    }

    boolean dirty() {
      return settings.dirtyRate() > 0 && chance(settings.dirtyRate());
    }
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static double logistic(double v) {
    return 1.0 / (1.0 + Math.exp(-v));
  }

  static String date(int epochDay) {
    return LocalDate.ofEpochDay(epochDay).toString();
  }

  public void simulate(long personId, Sink sink) {
    Person p = new Person(personId, sink);
    SplittableRandom r = p.rng;

    // Demographics: a few minors, to be excluded by the age rule.
    boolean female = p.chance(0.56);
    int age2019 = p.chance(0.04) ? p.uniform(12, 17) : p.uniform(18, 88);
    int yearOfBirth = 2019 - age2019;
    boolean age65 = age2019 >= 65;
    double u = r.nextDouble();
    long race =
        u < 0.70 ? Vocabulary.WHITE : u < 0.85 ? Vocabulary.BLACK : u < 0.95 ? Vocabulary.ASIAN : 0;
    long ethnicity = p.chance(0.15) ? Vocabulary.HISPANIC : Vocabulary.NOT_HISPANIC;
    String[] person = new String[OutTable.PERSON.width()];
    person[0] = Long.toString(personId);
    person[1] = Long.toString(female ? Vocabulary.FEMALE : Vocabulary.MALE);
    person[2] = Integer.toString(yearOfBirth);
    person[3] = Integer.toString(p.uniform(1, 12));
    person[4] = Integer.toString(p.uniform(1, 28));
    person[6] = Long.toString(race);
    person[7] = Long.toString(ethnicity);
    person[12] = female ? "F" : "M";
    person[13] = "0";
    person[15] = "0";
    person[17] = "0";
    sink.row(OutTable.PERSON, person);

    // Observation, ended by death for some.
    int dataStart = (int) DATA_START.toEpochDay();
    int dataEnd = (int) DATA_END.toEpochDay();
    p.obsStart = dataStart + p.uniform(0, 1460);
    p.obsEnd = Math.min(dataEnd, p.obsStart + p.uniform(900, 3650));
    if (p.chance(0.02 + (age2019 >= 75 ? 0.08 : 0))) {
      int death = p.uniform(p.obsStart + 200, p.obsEnd);
      p.obsEnd = death;
      String[] d = new String[OutTable.DEATH.width()];
      d[0] = Long.toString(personId);
      d[1] = date(death);
      d[3] = Long.toString(Vocabulary.EHR);
      sink.row(OutTable.DEATH, d);
    }
    String[] op = new String[OutTable.OBSERVATION_PERIOD.width()];
    op[0] = Long.toString(personId);
    op[1] = Long.toString(personId);
    op[2] = date(p.obsStart);
    op[3] = date(p.obsEnd);
    op[4] = Long.toString(Vocabulary.EHR);
    sink.row(OutTable.OBSERVATION_PERIOD, op);
    if (p.dirty()) {
      // A period of a person the extract does not have (as in OHDSI's Eunomia export).
      String[] orphan = op.clone();
      orphan[0] = Long.toString(personId + 4_000_000_000_000L);
      orphan[1] = Long.toString(personId + 4_000_000_000_000L);
      sink.row(OutTable.OBSERVATION_PERIOD, orphan);
    }

    // Confounders: person-level and stable, recorded wherever a real record would show them.
    boolean ppi = p.chance(logistic(-1.4 + 0.6 * (age65 ? 1 : 0) + 0.3 * (female ? 1 : 0)));
    boolean heartFailure = p.chance(0.04 + (age65 ? 0.08 : 0));
    boolean diuretic = heartFailure || p.chance(0.04);
    boolean ckd3 = p.chance(0.05 + (age65 ? 0.10 : 0));
    boolean esrd = ckd3 && p.chance(0.08);
    boolean diabetes = p.chance(0.10 + (age65 ? 0.08 : 0));
    boolean hypertension = p.chance(0.20 + (age65 ? 0.25 : 0));
    boolean gerd = ppi ? p.chance(0.6) : p.chance(0.05);
    boolean lowMg = p.chance(logistic(-2.2 + 1.0 * b(ppi) + 0.8 * b(diuretic) + 0.6 * b(diabetes)));
    boolean anxiety = p.chance(0.25);
    boolean obesity = p.chance(0.2);
    boolean migraine = p.chance(0.08);
    boolean insomnia = p.chance(0.12);
    boolean vitaminD = p.chance(0.10);
    double unmeasured = settings.unmeasuredConfounding() ? p.normal() : 0;

    // Depression: onset is when the base-population rule is first met.
    boolean depressed = p.chance(0.70);
    boolean severe = depressed && p.chance(logistic(-1.0 + 0.3 * b(female) + 0.4 * b(anxiety)));
    int onset = Integer.MAX_VALUE;
    int obsLength = p.obsEnd - p.obsStart;
    if (depressed && obsLength > 200) {
      onset = p.obsStart + p.uniform(100, obsLength - 60);
    }

    p.x[SimulatedOutcome.FEMALE] = b(female);
    p.x[SimulatedOutcome.AGE65] = b(age65);
    p.x[SimulatedOutcome.PPI] = b(ppi);
    p.x[SimulatedOutcome.LOW_MG] = b(lowMg);
    p.x[SimulatedOutcome.SEVERE] = b(severe);
    p.x[SimulatedOutcome.DIABETES] = b(diabetes);
    p.x[SimulatedOutcome.CKD3] = b(ckd3);
    p.x[SimulatedOutcome.HEART_FAILURE] = b(heartFailure);
    p.x[SimulatedOutcome.ANXIETY] = b(anxiety);
    p.x[SimulatedOutcome.UNMEASURED] = unmeasured;

    // Yearly check-ups: chronic conditions coded, labs measured, a random phase per person.
    for (int t = p.obsStart + p.uniform(0, 364); t <= p.obsEnd; t += 365 + p.uniform(-20, 20)) {
      long visit = visit(p, Vocabulary.OUTPATIENT, t, t);
      if (diabetes) condition(p, "E11.9", t, visit);
      if (hypertension) condition(p, "I10", t, visit);
      if (ckd3) condition(p, esrd && t > p.obsStart + 365 ? "N18.6" : "N18.3", t, visit);
      if (heartFailure) condition(p, "I50.9", t, visit);
      if (gerd) condition(p, "K21.9", t, visit);
      if (anxiety) condition(p, "F41.9", t, visit);
      if (obesity) condition(p, "E66.9", t, visit);
      if (migraine) condition(p, "G43.909", t, visit);
      if (insomnia) condition(p, "G47.00", t, visit);
      if (lowMg && p.chance(0.5)) condition(p, "E83.42", t, visit);
      double mg = lowMg && p.chance(0.9) ? 1.45 + 0.12 * p.normal() : 2.0 + 0.12 * p.normal();
      measurement(p, "19123-9", t, visit, round(mg, 2), 1.7, 2.2, Vocabulary.MG_PER_DL);
      double creatinine = ckd3 ? 1.8 + 0.3 * p.normal() : 0.9 + 0.15 * p.normal();
      measurement(p, "2160-0", t, visit, round(creatinine, 2), 0.6, 1.2, Vocabulary.MG_PER_DL);
      if (diabetes || p.chance(0.3)) {
        double a1c = diabetes ? 7.5 + p.normal() : 5.3 + 0.3 * p.normal();
        measurement(p, "4548-4", t, visit, round(a1c, 1), 4.0, 5.6, 0);
      }
      if (p.chance(0.25)) procedure(p, "93000", t, visit);
    }

    // Chronic drugs, dispensed every 90 days throughout observation.
    if (ppi) chronicDrug(p, p.chance(0.7) ? Vocabulary.OMEPRAZOLE : Vocabulary.PANTOPRAZOLE);
    if (diuretic) chronicDrug(p, Vocabulary.FUROSEMIDE);
    if (diabetes && p.chance(0.8)) chronicDrug(p, Vocabulary.METFORMIN);
    if (hypertension && p.chance(0.6)) chronicDrug(p, Vocabulary.LISINOPRIL);
    if (vitaminD) chronicDrug(p, Vocabulary.CHOLECALCIFEROL);

    int initiation = Integer.MAX_VALUE;
    if (onset != Integer.MAX_VALUE) {
      depression(p, onset, severe);
      // Exclusion conditions, recorded before onset.
      if (p.chance(0.03)) historyCondition(p, "F31.9", onset);
      if (p.chance(0.01)) historyCondition(p, "F20.9", onset);

      double logit =
          -2.3
              + 0.5 * b(female)
              + 0.5 * b(age65)
              + 1.0 * b(ppi)
              + 1.4 * b(lowMg)
              + 0.9 * b(severe)
              + 0.4 * b(diabetes)
              + 0.3 * b(ckd3)
              + 0.4 * b(anxiety)
              + 0.9 * unmeasured;
      if (p.chance(logistic(logit))) {
        initiation = onset + (int) Math.min(365, p.exponential(100));
      } else if (p.chance(0.05)) {
        // Prevalent users: started before onset, so never new users.
        initiation = onset - p.uniform(30, 300);
      } else if (p.chance(0.05)) {
        // Late starters: after any comparator's follow-up has ended.
        initiation = onset + 800 + p.uniform(0, 400);
      }
      if (initiation <= p.obsEnd && initiation >= p.obsStart) {
        magnesium(p, initiation);
      } else {
        initiation = Integer.MAX_VALUE;
      }
      for (double[] f : p.phqFollowUps) {
        double effect = f[0] >= initiation ? PHQ9_EFFECT : 0;
        int score = clamp((int) Math.round(f[2] + effect), 0, 27);
        measurement(p, "44261-6", (int) f[0], (long) f[1], Integer.toString(score), 0, 4, 0);
      }
    }

    for (SimulatedOutcome o : outcomes) {
      outcome(p, o, onset, initiation, severe);
    }
  }

  private static double b(boolean v) {
    return v ? 1 : 0;
  }

  private static String round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Double.toString(Math.round(v * f) / f);
  }

  private void depression(Person p, int onset, boolean severe) {
    String code =
        severe
            ? "F32.2"
            : new String[] {"F32.0", "F32.1", "F32.9", "F33.1", "F34.1"}[p.uniform(0, 4)];
    int phq = (int) Math.round((severe ? 18 : 12) + 3 * p.normal());
    if (p.chance(0.10)) {
      // One inpatient diagnosis meets the rule on its own.
      int end = onset + p.uniform(2, 8);
      long v = visit(p, Vocabulary.INPATIENT, onset, end);
      condition(p, code, onset, v);
      measurement(p, "44261-6", onset, v, Integer.toString(clamp(phq, 0, 27)), 0, 4, 0);
    } else {
      int first = Math.max(p.obsStart, onset - p.uniform(7, 300));
      long v1 = visit(p, Vocabulary.OUTPATIENT, first, first);
      condition(p, code, first, v1);
      measurement(p, "44261-6", first, v1, Integer.toString(clamp(phq, 0, 27)), 0, 4, 0);
      if (first == onset || p.chance(0.08)) {
        return; // a single outpatient diagnosis: not in the base population
      }
      long v2 = visit(p, Vocabulary.OUTPATIENT, onset, onset);
      condition(p, code, onset, v2);
      if (p.chance(0.4)) procedure(p, "90834", onset, v2);
    }
    // Antidepressant treatment from onset, and follow-up visits.
    if (p.chance(0.65)) {
      String[] ads = {
        Vocabulary.SERTRALINE,
        Vocabulary.FLUOXETINE,
        Vocabulary.ESCITALOPRAM,
        Vocabulary.BUPROPION,
        Vocabulary.MIRTAZAPINE
      };
      String ad = ads[p.uniform(0, ads.length - 1)];
      int fills = 1 + (int) p.exponential(5);
      for (int i = 0, t = onset; i < fills && t <= p.obsEnd; i++, t += 30 + p.uniform(0, 10)) {
        drug(p, ad, t, 30, Vocabulary.ORAL, -1);
      }
    }
    if (severe && p.chance(0.05)) {
      procedure(p, "90870", onset + p.uniform(10, 60), -1);
    }
    for (int t = onset + p.uniform(45, 150);
        t <= p.obsEnd && p.chance(0.8);
        t += p.uniform(45, 150)) {
      long v = visit(p, Vocabulary.OUTPATIENT, t, t);
      condition(p, code, t, v);
      // Written once the initiation date is known: magnesium lowers later scores.
      p.phqFollowUps.add(new double[] {t, v, phq - 2 * (t - onset) / 365.0 + 3 * p.normal()});
      if (p.chance(0.3)) procedure(p, "90834", t, v);
    }
  }

  private void historyCondition(Person p, String code, int before) {
    int t = Math.max(p.obsStart, before - p.uniform(30, 700));
    long v = visit(p, Vocabulary.OUTPATIENT, t, t);
    condition(p, code, t, v);
  }

  private static int clamp(int v, int lo, int hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  /** Oral magnesium from initiation, refilled monthly until the person stops. */
  private void magnesium(Person p, int start) {
    String product = p.chance(0.8) ? Vocabulary.MG_OXIDE_TABLET : Vocabulary.MG_CITRATE_SOLUTION;
    int t = start;
    do {
      drug(p, product, t, 30, Vocabulary.ORAL, -1);
      t += 30 + p.uniform(0, 12);
    } while (t <= p.obsEnd && p.chance(0.75));
  }

  private void chronicDrug(Person p, String rxnorm) {
    for (int t = p.obsStart + p.uniform(0, 60); t <= p.obsEnd; t += 90 + p.uniform(-5, 10)) {
      drug(p, rxnorm, t, 90, Vocabulary.ORAL, -1);
    }
  }

  /**
   * Events as a Poisson process over observation (over depression for outcomes that need it), with
   * the hazard multiplied by the true HR from magnesium initiation on.
   */
  private void outcome(Person p, SimulatedOutcome o, int onset, int initiation, boolean severe) {
    int from = o.requiresDepression() ? onset : p.obsStart;
    if (from == Integer.MAX_VALUE) {
      return;
    }
    double lin = 0;
    for (int i = 0; i < p.x.length; i++) {
      lin += o.beta()[i] * p.x[i];
    }
    double ratePerDay = o.baseRatePerYear() / 365.0 * Math.exp(lin);
    double t = from;
    int events = 0;
    while (events < 20) {
      double rate = t >= initiation ? ratePerDay * o.trueHr() : ratePerDay;
      double next = t + p.exponential(1.0 / rate);
      if (t < initiation && next >= initiation) {
        t = initiation; // memoryless: restart the clock at the change of hazard
        continue;
      }
      if (next > p.obsEnd) {
        break;
      }
      int day = (int) Math.floor(next);
      String code = o.icd10Codes()[p.uniform(0, o.icd10Codes().length - 1)];
      if (o.outcomeId() == 1 && severe) {
        code = "F32.2";
      }
      long visitType = o.visitConceptId();
      int end = visitType == Vocabulary.INPATIENT ? day + p.uniform(2, 10) : day;
      long v = visit(p, visitType, day, Math.min(end, p.obsEnd));
      condition(p, code, day, v);
      if (visitType == Vocabulary.INPATIENT && p.chance(0.1)) {
        // Parenteral magnesium in hospital: never a qualifying (oral) exposure.
        drug(p, Vocabulary.MG_SULFATE_INJECTION, day, 1, Vocabulary.INTRAVENOUS, v);
      }
      events++;
      t = day + 1;
    }
  }

  // --- row writers --------------------------------------------------------------------------

  private long visit(Person p, long concept, int start, int end) {
    long id = p.nextId(OutTable.VISIT_OCCURRENCE);
    if (id < 0) {
      return -1;
    }
    String[] v = new String[OutTable.VISIT_OCCURRENCE.width()];
    v[0] = Long.toString(id);
    v[1] = Long.toString(p.id);
    v[2] = Long.toString(concept);
    v[3] = date(start);
    v[5] = date(end);
    v[7] = Long.toString(Vocabulary.EHR);
    v[10] = concept == Vocabulary.INPATIENT ? "IP" : concept == Vocabulary.EMERGENCY ? "ER" : "OP";
    v[11] = "0";
    p.sink.row(OutTable.VISIT_OCCURRENCE, v);
    return id;
  }

  private void condition(Person p, String icd10, int day, long visit) {
    long id = p.nextId(OutTable.CONDITION_OCCURRENCE);
    if (id < 0) {
      return;
    }
    long source = vocab.id("ICD10CM", icd10);
    String[] c = new String[OutTable.CONDITION_OCCURRENCE.width()];
    c[0] = Long.toString(id);
    c[1] = Long.toString(p.id);
    c[2] = Long.toString(vocab.mapsTo(source));
    c[3] = date(day);
    c[5] = p.dirty() ? date(day - 5) : date(day);
    c[7] = Long.toString(Vocabulary.EHR);
    c[11] = visit > 0 ? Long.toString(visit) : null;
    c[13] = icd10;
    c[14] = Long.toString(source);
    p.sink.row(OutTable.CONDITION_OCCURRENCE, c);
  }

  private void drug(Person p, String rxnorm, int day, int daysSupply, long route, long visit) {
    long id = p.nextId(OutTable.DRUG_EXPOSURE);
    if (id < 0 || day > p.obsEnd) {
      return;
    }
    String[] d = new String[OutTable.DRUG_EXPOSURE.width()];
    d[0] = Long.toString(id);
    d[1] = Long.toString(p.id);
    d[2] = Long.toString(vocab.id("RxNorm", rxnorm));
    d[3] = date(day);
    d[5] = date(day + daysSupply - 1);
    d[8] = Long.toString(Vocabulary.EHR);
    d[11] = Integer.toString(daysSupply);
    d[12] = p.dirty() ? "-1" : Integer.toString(daysSupply);
    d[14] = Long.toString(route);
    d[17] = visit > 0 ? Long.toString(visit) : null;
    d[19] = rxnorm;
    d[20] = "0";
    p.sink.row(OutTable.DRUG_EXPOSURE, d);
  }

  private void measurement(
      Person p,
      String loinc,
      int day,
      long visit,
      String value,
      double low,
      double high,
      long unit) {
    long id = p.nextId(OutTable.MEASUREMENT);
    if (id < 0) {
      return;
    }
    String[] m = new String[OutTable.MEASUREMENT.width()];
    m[0] = Long.toString(id);
    m[1] = Long.toString(p.id);
    m[2] = Long.toString(vocab.id("LOINC", loinc));
    m[3] = date(day);
    m[6] = Long.toString(Vocabulary.EHR);
    m[8] = value;
    m[10] = Long.toString(unit);
    m[11] = Double.toString(low);
    m[12] = Double.toString(high);
    m[14] = visit > 0 ? Long.toString(visit) : null;
    m[16] = loinc;
    m[17] = "0";
    p.sink.row(OutTable.MEASUREMENT, m);
  }

  private void procedure(Person p, String cpt, int day, long visit) {
    if (day > p.obsEnd) {
      return;
    }
    long id = p.nextId(OutTable.PROCEDURE_OCCURRENCE);
    if (id < 0) {
      return;
    }
    String[] r = new String[OutTable.PROCEDURE_OCCURRENCE.width()];
    r[0] = Long.toString(id);
    r[1] = Long.toString(p.id);
    r[2] = Long.toString(vocab.id("CPT4", cpt));
    r[3] = date(day);
    r[7] = Long.toString(Vocabulary.EHR);
    r[11] = visit > 0 ? Long.toString(visit) : null;
    r[13] = cpt;
    r[14] = "0";
    p.sink.row(OutTable.PROCEDURE_OCCURRENCE, r);
  }

  static String csvLine(String[] values) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      String v = values[i];
      if (v == null) {
        continue;
      }
      if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0) {
        sb.append('"').append(v.replace("\"", "\"\"")).append('"');
      } else {
        sb.append(v);
      }
    }
    return sb.toString();
  }

  static String[] arrayOf(Object... values) {
    return Arrays.stream(values).map(v -> v == null ? null : v.toString()).toArray(String[]::new);
  }
}
