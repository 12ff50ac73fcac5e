package org.rwe.stats;

/**
 * Fitting options of {@link PoissonModel} and {@link LogisticModel}.
 *
 * @param maxIterations Newton-Raphson iterations before giving up
 * @param epsilon convergence tolerance on the relative change in log-likelihood
 * @param variance which standard error the intervals and p-values use; {@link
 *     CoxModel.VarianceChoice#AUTO} means robust (HC0 sandwich) when weighted, as for the Cox model
 */
public record GlmOptions(int maxIterations, double epsilon, CoxModel.VarianceChoice variance) {

  /**
   * 50 iterations, 1e-10, {@link CoxModel.VarianceChoice#AUTO}. The tolerance is tighter than
   * coxph's 1e-9 because these fits start from the null model and converge in a handful of steps.
   */
  public static GlmOptions defaults() {
    return new GlmOptions(50, 1e-10, CoxModel.VarianceChoice.AUTO);
  }

  public GlmOptions {
    if (variance == null) {
      throw new IllegalArgumentException("variance must not be null");
    }
    if (maxIterations < 1) {
      throw new IllegalArgumentException("maxIterations must be >= 1: " + maxIterations);
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon must be > 0: " + epsilon);
    }
  }

  public GlmOptions withVariance(CoxModel.VarianceChoice newVariance) {
    return new GlmOptions(maxIterations, epsilon, newVariance);
  }

  boolean robustUsed(boolean weighted) {
    return switch (variance) {
      case AUTO -> weighted;
      case MODEL_BASED -> false;
      case ROBUST -> true;
    };
  }
}
