package org.rwe.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.rwe.results.ResultTable;
import org.rwe.results.ResultsSchema;

/**
 * Result tables of a made-up run of the magnesium study, with every table the report can show
 * (including those later stages will write: preference scores, Kaplan-Meier, diagnostics,
 * calibrated estimates, incidence rates, absolute risk, continuous outcomes) for the shipped
 * study's grid of six analyses, and small cells in places where masking must show: an outcome with
 * 4 events, a rare covariate, a tail with few at risk, attrition steps that remove 2 persons, a
 * continuous outcome with 9 subjects.
 */
final class SyntheticResults {
  private SyntheticResults() {}

  static final long SEED = 8;
  static final int[] OUTCOMES = {1, 2, 6, 7};
  static final int[] NEGATIVE_CONTROLS = {101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111};

  /** The shipped study's grid: crude, three matchings, stratification, IPTW. */
  static final String[] ANALYSES = {
    "Crude: no adjustment, unstratified Cox, ITT",
    "1:1 PS matching, ITT, Cox stratified",
    "Variable-ratio PS matching up to 1:4, ITT, Cox stratified",
    "PS stratification into quintiles, ITT, Cox stratified by stratum",
    "IPTW (ATT, stabilized weights), ITT, weighted Cox with robust SE",
    "1:1 PS matching, on-treatment, Cox stratified"
  };

  static boolean matched(int analysisId) {
    return analysisId == 2 || analysisId == 3 || analysisId == 6;
  }

  /** Subjects per arm in an analysis: matching keeps fewer comparators. */
  static long targetSubjects(int a) {
    return matched(a) ? 1450 : 1500;
  }

  static long comparatorSubjects(int a) {
    return a == 3 ? 3900 : matched(a) ? 1450 : 4000;
  }

  static Map<ResultTable, List<Row>> tables() {
    Random rnd = new Random(SEED);
    Map<ResultTable, List<Row>> t = new LinkedHashMap<>();
    List<Row> analyses = new ArrayList<>();
    for (int a = 1; a <= ANALYSES.length; a++) {
      analyses.add(
          RowFactory.create(a, ANALYSES[a - 1], "cox", "{\"analysisId\":" + a + "}", a == 2));
    }
    t.put(ResultsSchema.ANALYSIS, analyses);
    t.put(
        ResultsSchema.INGEST_SUMMARY,
        List.of(
            RowFactory.create(
                "person",
                "person.csv",
                10000L,
                0L,
                9998L,
                2L,
                0.0002,
                scala.jdk.javaapi.CollectionConverters.asScala(
                    Map.of("birth_year_out_of_range", 2L)),
                scala.jdk.javaapi.CollectionConverters.asScala(Map.<String, Long>of()),
                scala.jdk.javaapi.CollectionConverters.asScala(List.of("person_source_value"))
                    .toSeq())));
    List<Row> attrition = new ArrayList<>();
    long[][] shared = {
      {6675, 6675}, {1964, 6675}, {1870, 6348}, {1683, 5511}, {1681, 5511}, {1577, 4244}
    };
    String[] steps = {
      "Base population", "First target exposure / index assigned", "Age >= 18 at index",
      ">= 365 days of prior observation", "Alive at index", "No excluded condition before index"
    };
    for (int i = 0; i < shared.length; i++) {
      attrition.add(RowFactory.create(0, 0, i + 1, steps[i], shared[i][0], shared[i][1]));
    }
    for (int a = 1; a <= ANALYSES.length; a++) {
      for (int o : concat(OUTCOMES, NEGATIVE_CONTROLS)) {
        long t1 = 1577 - 50 - o % 7 * 20;
        long c1 = 4244 - 150 - o % 5 * 40;
        attrition.add(RowFactory.create(a, o, 7, "Original cohorts", 1577L, 4244L));
        attrition.add(RowFactory.create(a, o, 8, "No prior outcome", t1, c1));
        attrition.add(RowFactory.create(a, o, 9, "At least 1 day at risk", t1 - 2, c1 - 5));
        if (matched(a)) {
          attrition.add(
              RowFactory.create(
                  a, o, 10, "Matched on propensity score", t1 - 30, a == 3 ? c1 - 90 : t1 - 30));
        }
      }
    }
    t.put(ResultsSchema.ATTRITION, attrition);

    List<Row> balance = new ArrayList<>();
    for (int a = 2; a <= ANALYSES.length; a++) {
      for (int o : concat(OUTCOMES, NEGATIVE_CONTROLS)) {
        long nt = 1500;
        long nc = 4000;
        long m = 1450;
        List<Object[]> covs = new ArrayList<>();
        covs.add(new Object[] {8532001L, "gender = FEMALE", 1, 0.66, 0.55, 0.63, 0.64});
        covs.add(new Object[] {8507001L, "gender = MALE", 1, 0.34, 0.45, 0.37, 0.36});
        for (int g = 3; g < 17; g++) {
          double pt = Math.exp(-Math.pow(g - 11.5, 2) / 10) / 5.6;
          double pc = Math.exp(-Math.pow(g - 9.5, 2) / 12) / 6.1;
          covs.add(
              new Object[] {
                g * 1000L + 3, "age group: " + g * 5 + " - " + (g * 5 + 4), 3, pt, pc, pt * 0.98, pt
              });
        }
        for (int y = 2015; y <= 2020; y++) {
          covs.add(
              new Object[] {
                y * 1000L + 6,
                "index year: " + y,
                6,
                1 / 6.0,
                1 / 6.0 + (y - 2017.5) / 200,
                1 / 6.0,
                1 / 6.0
              });
        }
        for (int i = 0; i < 40; i++) {
          double pc = 0.02 + rnd.nextDouble() * 0.4;
          double pt = Math.min(0.99, pc * (0.6 + rnd.nextDouble() * 1.2));
          double after = Math.min(1, Math.max(0, pt + (rnd.nextDouble() - 0.5) * 0.04));
          int family = i < 20 ? 210 : i < 32 ? 410 : i < 36 ? 502 : 702;
          covs.add(
              new Object[] {
                (100000L + i) * 1000 + family,
                "condition or drug number " + i,
                family,
                pt,
                pc,
                pt,
                after
              });
        }
        covs.add(
            new Object[] {
              999001L * 1000 + 210, "a rare condition", 210, 4.0 / nt, 30.0 / nc, 4.0 / m, 3.0 / m
            });
        covs.add(
            new Object[] {1901L, "Charlson index - Romano adaptation", 901, 1.9, 1.4, 1.85, 1.83});
        covs.add(
            new Object[] {923L, "number of outpatient visits (365 days)", 923, 8.4, 6.1, 8.2, 8.3});
        for (Object[] c : covs) {
          double tb = (Double) c[3];
          double cb = (Double) c[4];
          double ta = (Double) c[5];
          double ca = (Double) c[6];
          boolean continuous = (Integer) c[2] >= 900;
          balance.add(
              RowFactory.create(
                  a,
                  o,
                  c[0],
                  c[1],
                  c[2],
                  tb,
                  cb,
                  sdm(tb, cb, continuous),
                  ta,
                  ca,
                  sdm(ta, ca, continuous),
                  nt,
                  nc,
                  m,
                  m));
        }
      }
    }
    t.put(ResultsSchema.COVARIATE_BALANCE, balance);
    t.put(
        ResultsSchema.PROPENSITY_MODEL,
        List.of(
            RowFactory.create(0L, "(intercept)", -1.2),
            RowFactory.create(8532001L, "gender = FEMALE", 0.4),
            RowFactory.create(1901L, "Charlson index - Romano adaptation", 0.12)));
    t.put(
        ResultsSchema.PROPENSITY_SUMMARY,
        List.of(RowFactory.create(0.001, 0.71, 0.73, 241L, 37L, 5821L, 0.58, null, "none")));
    List<Row> ps = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      double x = (i + 0.5) / 100;
      ps.add(RowFactory.create(0, x, beta(x, 4, 3), beta(x, 2.5, 4)));
    }
    t.put(ResultsSchema.PREFERENCE_SCORE_DIST, ps);

    List<Row> cmr = new ArrayList<>();
    List<Row> rates = new ArrayList<>();
    List<Row> followUp = new ArrayList<>();
    List<Row> risk = new ArrayList<>();
    for (int a = 1; a <= ANALYSES.length; a++) {
      for (int o : concat(OUTCOMES, NEGATIVE_CONTROLS)) {
        boolean nc = o > 100;
        long ts = targetSubjects(a);
        long cs = comparatorSubjects(a);
        long to = o == 7 ? 12 : 40 + (o * 7) % 60;
        long co =
            o == 7 ? 4 : (long) (to * (matched(a) ? 1.0 : 2.4) * (nc ? 1 : 0.9) * (a == 3 ? 2 : 1));
        double logRr =
            nc
                ? (rnd.nextGaussian() * 0.12 + (a == 1 ? 0.25 : 0.02))
                : Math.log(o == 6 ? 1.5 : 0.8);
        double se = Math.sqrt(1.0 / to + 1.0 / co);
        double p = 2 * (1 - phi(Math.abs(logRr / se)));
        boolean calibrated = a != 1;
        double calLog = logRr - 0.02;
        double calSe = 2.1 * se / 1.96;
        cmr.add(
            RowFactory.create(
                a,
                o,
                nc ? "negative control " + o : "outcome " + o,
                nc,
                ts,
                cs,
                ts * 330,
                cs * 335,
                to,
                co,
                Math.exp(logRr),
                Math.exp(logRr - 1.96 * se),
                Math.exp(logRr + 1.96 * se),
                p,
                logRr,
                se,
                1.0,
                1 - phi(logRr / se),
                "att",
                calibrated ? Math.exp(calLog) : null,
                calibrated ? Math.exp(calLog - 1.96 * calSe) : null,
                calibrated ? Math.exp(calLog + 1.96 * calSe) : null,
                calibrated ? Math.min(1, p * 1.2) : null,
                calibrated ? calLog : null,
                calibrated ? calSe : null,
                "OK"));
        double ty = ts * 330 / 365.25;
        double cy = cs * 335 / 365.25;
        rates.add(
            RowFactory.create(
                a,
                o,
                ts,
                ty,
                to,
                1000.0 * to / ty,
                1000.0 * to / ty * 0.75,
                1000.0 * to / ty * 1.3,
                cs,
                cy,
                co,
                1000.0 * co / cy,
                1000.0 * co / cy * 0.75,
                1000.0 * co / cy * 1.3));
        followUp.add(
            RowFactory.create(
                a, o, 1.0, 60.0, 150.0, 330.0, 365.0, 365.0, 365.0, 1.0, 70.0, 160.0, 335.0, 365.0,
                365.0, 365.0, ts, cs));
        double tr = to * 0.8 / ts;
        double cr = co * 0.8 / cs;
        double seRd = Math.sqrt(tr * (1 - tr) / ts + cr * (1 - cr) / cs);
        risk.add(
            RowFactory.create(
                a,
                o,
                365,
                tr,
                cr,
                tr - cr,
                tr - cr - 1.96 * seRd,
                tr - cr + 1.96 * seRd,
                ts / 2,
                to * 8 / 10,
                cs / 2,
                co * 8 / 10));
      }
    }
    t.put(ResultsSchema.COHORT_METHOD_RESULT, cmr);
    t.put(ResultsSchema.INCIDENCE_RATE, rates);
    t.put(ResultsSchema.FOLLOW_UP_DIST, followUp);
    t.put(ResultsSchema.ABSOLUTE_RISK, risk);

    List<Row> continuous = new ArrayList<>();
    for (int a = 1; a <= ANALYSES.length; a++) {
      boolean paired = a == 2 || a == 6;
      // The on-treatment analysis has few PHQ-9 follow-ups: a small cell.
      long tn = a == 6 ? 9 : 700;
      long cn = paired ? tn : 1800;
      continuous.add(
          RowFactory.create(
              a,
              5,
              "PHQ-9 change",
              paired ? "paired" : "weighted",
              tn,
              cn,
              -3.1,
              -1.6,
              -1.5,
              -2.1,
              -0.9,
              0.0001));
    }
    t.put(ResultsSchema.CONTINUOUS_OUTCOME_RESULT, continuous);

    List<Row> km = new ArrayList<>();
    for (int a = 1; a <= ANALYSES.length; a++) {
      for (int o : OUTCOMES) {
        double ht = 0.0004 * (o == 6 ? 1.5 : 0.8);
        double hc = 0.0004;
        long nt = targetSubjects(a);
        long nc = comparatorSubjects(a);
        for (int d = 0; d <= 365; d += 5) {
          double st = Math.exp(-ht * d);
          double sc = Math.exp(-hc * d);
          long atT = Math.round(nt * Math.exp(-0.014 * d));
          long atC = Math.round(nc * Math.exp(-0.004 * d));
          double wt = 1.96 * Math.sqrt(st * (1 - st) / Math.max(1, atT));
          double wc = 1.96 * Math.sqrt(sc * (1 - sc) / Math.max(1, atC));
          km.add(
              RowFactory.create(
                  a,
                  o,
                  d,
                  st,
                  Math.max(0, st - wt),
                  Math.min(1, st + wt),
                  sc,
                  Math.max(0, sc - wc),
                  Math.min(1, sc + wc),
                  atT,
                  atC));
        }
      }
    }
    t.put(ResultsSchema.KAPLAN_MEIER_DIST, km);

    List<Row> diag = new ArrayList<>();
    for (int a = 1; a <= ANALYSES.length; a++) {
      for (int o : concat(OUTCOMES, NEGATIVE_CONTROLS)) {
        boolean power = o != 7;
        diag.add(
            RowFactory.create(
                a,
                o,
                0.04,
                0.58,
                power ? 1.6 : 3.9,
                0.05,
                "PASS",
                "PASS",
                power ? "PASS" : "FAIL",
                "PASS",
                power));
      }
    }
    t.put(ResultsSchema.DIAGNOSTICS_SUMMARY, diag);
    return t;
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static double sdm(double t, double c, boolean continuous) {
    double vt = continuous ? t : t * (1 - t);
    double vc = continuous ? c : c * (1 - c);
    double sd = Math.sqrt((vt + vc) / 2);
    return sd == 0 ? 0 : (t - c) / sd;
  }

  static double beta(double x, double a, double b) {
    return Math.pow(x, a - 1) * Math.pow(1 - x, b - 1) * 30;
  }

  static double phi(double z) {
    return 0.5 * (1 + erf(z / Math.sqrt(2)));
  }

  static double erf(double x) {
    double t = 1 / (1 + 0.3275911 * Math.abs(x));
    double y =
        1
            - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
                    + 0.254829592)
                * t
                * Math.exp(-x * x);
    return x >= 0 ? y : -y;
  }
}
