package org.rwe.features;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.rwe.cohort.CohortJob;
import org.rwe.run.RunContext;
import org.rwe.run.Stage;

/** The features job: baseline covariates of every cohort row. */
public final class FeaturesJob {
  private FeaturesJob() {}

  public static Map<String, Long> run(RunContext ctx) {
    ctx.jobGroup(Stage.FEATURES, "baseline covariates");
    Map<String, Set<Long>> sets = CohortJob.conceptSets(ctx);
    Set<Long> excluded = new HashSet<>();
    for (String name : ctx.settings().features().excludedConceptSets()) {
      excluded.addAll(sets.get(name));
    }
    FeatureBuilder.Inputs in =
        new FeatureBuilder.Inputs(
            ctx.curated("person"),
            ctx.curated("visit_occurrence"),
            ctx.curated("condition_occurrence"),
            ctx.curated("drug_exposure"),
            ctx.curated("procedure_occurrence"),
            ctx.curated("measurement"),
            ctx.curated("concept"),
            ctx.curated("concept_ancestor"));
    FeatureBuilder.Result r =
        FeatureBuilder.build(
            ctx.read("cohort", "exposure_cohort"), in, excluded, ctx.settings().features());
    ctx.write(r.covariates(), "features", "covariates");
    ctx.write(r.covariateRef(), "features", "covariate_ref");
    Dataset<Row> ref = ctx.read("features", "covariate_ref");
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("covariates", ref.count());
    counts.put("covariate_values", ctx.read("features", "covariates").count());
    return counts;
  }
}
