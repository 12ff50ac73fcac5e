# Golden numbers for LassoLogistic (org.rwe.propensity): R glmnet on a sparse synthetic design.
# Run from this folder: Rscript lasso_golden.R  (writes lasso_data.csv, lasso_golden.csv,
# lasso_r_versions.csv). The design is like a propensity model's: mostly binary covariates of
# varied prevalence, a few continuous ones scaled to (0, 1] (covariates divided by their maximum),
# an intercept, L1 penalty on the coefficients only, covariates not standardized.
suppressMessages(library(glmnet))
set.seed(20261204)
n <- 800; p <- 40
prev <- c(runif(32, 0.01, 0.4), rep(1, 8))
x <- matrix(0, n, p)
for (j in 1:32) x[, j] <- rbinom(n, 1, prev[j])
for (j in 33:40) x[, j] <- round(rbeta(n, 2, 5), 4) * rbinom(n, 1, 0.7)
x[, 33:40] <- x[, 33:40] / apply(x[, 33:40], 2, max)
beta <- c(1.2, -0.8, 0.6, 0, 0, 0.9, -1.5, rep(0, 25), 1.0, -0.7, rep(0, 6))
eta <- -0.9 + x %*% beta
y <- rbinom(n, 1, 1 / (1 + exp(-eta)))
# Row-wise sparse form: row, column (0-based), value; and the outcome per row.
nz <- which(x != 0, arr.ind = TRUE)
nz <- nz[order(nz[, 1], nz[, 2]), , drop = FALSE]
cells <- data.frame(row = nz[, 1] - 1, column = nz[, 2] - 1, value = x[nz])
labels <- data.frame(row = -1 + 1:n, column = -1, value = y)
write.csv(rbind(labels, cells), "lasso_data.csv", row.names = FALSE)
lambdas <- c(0.03, 0.01, 0.003, 0.001, 0.0003)
fit <- glmnet(x, y, family = "binomial", standardize = FALSE, lambda = lambdas,
              thresh = 1e-14, maxit = 1e7)
coefs <- as.matrix(coef(fit))   # (p + 1) x length(lambdas), intercept first
out <- data.frame()
for (l in seq_along(fit$lambda)) {
  out <- rbind(out, data.frame(lambda = fit$lambda[l], term = -1 + 0:p,
                               coefficient = coefs[, l]))
}
write.csv(out, "lasso_golden.csv", row.names = FALSE)
write.csv(data.frame(package = c("R", "glmnet"),
                     version = c(R.version.string, as.character(packageVersion("glmnet")))),
          "lasso_r_versions.csv", row.names = FALSE)
