# Golden numbers for org.rwe.outcomes.ContinuousOutcomes, from R:
#  paired: t.test(target, comparator, paired = TRUE) on matched pairs;
#  weighted: lm(y ~ treatment, weights = w) with the HC0 sandwich variance, computed by hand
#  (sandwich's vcovHC(type = "HC0") formula: (X'WX)^-1 X'W diag(e^2) W X (X'WX)^-1).
# Run: cd jobs/src/test/resources/golden && Rscript continuous_golden.R
set.seed(42)
n <- 40
pairs <- data.frame(stratum = 1:n, target = round(rnorm(n, -3, 4)), comparator = round(rnorm(n, -1.5, 4)))
write.csv(pairs, "continuous_pairs.csv", row.names = FALSE)
tt <- t.test(pairs$target, pairs$comparator, paired = TRUE)
m <- 60
w <- data.frame(treatment = rep(c(1, 0), each = m / 2), weight = round(runif(m, 0.2, 3), 3))
w$value <- round(rnorm(m, ifelse(w$treatment == 1, -3, -1), 3), 1)
write.csv(w, "continuous_weighted.csv", row.names = FALSE)
X <- cbind(1, w$treatment)
W <- diag(w$weight)
beta <- solve(t(X) %*% W %*% X, t(X) %*% W %*% w$value)
e <- as.vector(w$value - X %*% beta)
bread <- solve(t(X) %*% W %*% X)
meat <- t(X) %*% W %*% diag(e^2) %*% W %*% X
V <- bread %*% meat %*% bread
se <- sqrt(V[2, 2])
out <- data.frame(
  method = c("paired", "weighted"),
  mean_difference = c(unname(tt$estimate), beta[2]),
  ci_95_lb = c(tt$conf.int[1], beta[2] - qnorm(0.975) * se),
  ci_95_ub = c(tt$conf.int[2], beta[2] + qnorm(0.975) * se),
  p = c(tt$p.value, 2 * pnorm(-abs(beta[2] / se))))
write.csv(format(out, digits = 15), "continuous_golden.csv", row.names = FALSE, quote = FALSE)
