# Golden numbers for org.rwe.stats.EmpiricalCalibration, computed independently in base R:
# the empirical null of OHDSI EmpiricalCalibration::fitNull (same likelihood: each negative-control
# log RR ~ N(mu, sigma^2 + se^2)), maximized with optim (BFGS, tight tolerance); calibrated p as
# EmpiricalCalibration::calibrateP; EASE by numerical integration of E|X|.
# Run: cd jobs/src/test/resources/golden && Rscript empirical_calibration_golden.R
set.seed(2026)
nll <- function(theta, logRr, se) {
  sd <- sqrt(theta[2]^2 + se^2)
  -sum(dnorm(logRr, theta[1], sd, log = TRUE))
}
sets <- list(
  list(name = "biased", mu = 0.2, sigma = 0.15, n = 20),
  list(name = "unbiased", mu = 0, sigma = 0.05, n = 12),
  list(name = "wide", mu = -0.1, sigma = 0.4, n = 30)
)
data <- NULL
results <- NULL
for (s in sets) {
  se <- runif(s$n, 0.05, 0.4)
  logRr <- rnorm(s$n, s$mu, sqrt(s$sigma^2 + se^2))
  data <- rbind(data, data.frame(set = s$name, log_rr = logRr, se_log_rr = se))
  fit <- optim(c(0, 0.1), nll, logRr = logRr, se = se, method = "BFGS",
               control = list(reltol = 1e-15, maxit = 10000))
  fit <- optim(fit$par, nll, logRr = logRr, se = se, method = "Nelder-Mead",
               control = list(reltol = 1e-15, maxit = 10000))
  mu <- fit$par[1]; sigma <- abs(fit$par[2])
  # A test estimate to calibrate.
  est <- 0.3; estSe <- 0.1
  sd <- sqrt(sigma^2 + estSe^2)
  p <- 2 * min(pnorm(est, mu, sd), pnorm(est, mu, sd, lower.tail = FALSE))
  ease <- if (sigma > 1e-6) integrate(function(x) abs(x) * dnorm(x, mu, sigma), -Inf, Inf,
                                      rel.tol = 1e-12)$value else abs(mu)
  results <- rbind(results, data.frame(set = s$name, mean = mu, sd = sigma,
                                       neg_log_lik = fit$value, test_log_rr = est,
                                       test_se = estSe, calibrated_p = p, ease = ease))
}
write.csv(data, "ec_data.csv", row.names = FALSE)
write.csv(format(results, digits = 15), "ec_golden.csv", row.names = FALSE, quote = FALSE)
