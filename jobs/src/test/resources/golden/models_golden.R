# Golden numbers for the outcome models with several covariates and the GLMs:
# org.rwe.stats.CoxModel (several covariates), PoissonModel and LogisticModel.
#
# The Java tests never call R (CI has none): they read the CSV files that this script
# writes next to itself. To regenerate, from this directory:
#
#   Rscript models_golden.R
#
# and commit the script together with every CSV it (re)writes (models_data_*.csv,
# models_golden.csv, models_r_versions.csv).
#
# Data sets (one CSV each: time, event, days, count, x, g, z, stratum, weight):
#   time/event   survival time and whether it ends in the outcome (Cox; logistic uses event)
#   days/count   days at risk and number of outcomes in them (Poisson)
#   x            treatment (1 target, 0 comparator); g a subgroup indicator (e.g. female);
#   z            a continuous covariate; the true treatment effect differs by g
#   unstrat          800 subjects, no strata, no weights
#   pairs            400 1:1 matched pairs (stratum = pair id), g varies within pairs
#   sets             1:k matched sets, k = 1..4, some sets with several cases
#   ps_strata        5 large PS-like strata, many events; in one stratum most subjects have the
#                    outcome (exercises the complement in the exact conditional likelihood)
#   weighted         fractional IPTW-like weights, no strata
#   weighted_strata  fractional weights and strata (Cox only)
#
# Model cases (models_golden.csv, one row per case and coefficient):
#   cox       coxph(Surv(time, event) ~ terms [+ strata(stratum)], ties, robust = TRUE)
#   poisson   unstratified: glm(count ~ terms + offset(log(days)), poisson [, weights]);
#             stratified (conditional Poisson): the same with + factor(stratum), whose
#             coefficient and SE of the covariates equal the conditional model's; the
#             conditional log-likelihood (multinomial, with its coefficient) is computed by
#             formula at R's estimate and at 0.
#   logistic  unstratified: glm(event ~ terms, binomial [, weights]);
#             stratified: clogit(event ~ terms + strata(stratum), method = "exact").
# The robust variance of the weighted GLMs is sandwich::vcovHC(type = "HC0"), checked
# against the formula (Z'WVZ)^-1 (sum (w (y - mu))^2 z z') (Z'WVZ)^-1. Unweighted fits use
# the model-based SE, weighted fits the robust one, as the pipeline does.

suppressPackageStartupMessages({
  library(survival)
  library(sandwich)
})

num <- function(v) {
  out <- sprintf("%.17g", v)
  out[is.na(v) & !is.nan(v)] <- "NA"
  out[is.nan(v)] <- "NaN"
  out
}
write_golden <- function(df, file) {
  for (col in names(df)) {
    if (is.numeric(df[[col]])) df[[col]] <- num(df[[col]])
  }
  write.table(df, file, sep = ",", quote = FALSE, row.names = FALSE)
}

# Outcomes for given treatment x, subgroup g, covariate z and a frailty per row: HR 0.7 in
# g = 0 and 1.2 in g = 1, censoring uniform on 1..horizon; count = Poisson over the window.
simulate <- function(x, g, z, frailty, base, horizon) {
  n <- length(x)
  lp <- log(0.7) * x + log(1.2 / 0.7) * x * g + 0.3 * g + 0.4 * z
  ev <- ceiling(rexp(n, rate = base * frailty * exp(lp)))
  days <- ceiling(runif(n, 1, horizon))
  data.frame(time = pmin(ev, days), event = as.integer(ev <= days), days = days,
             count = rpois(n, base * frailty * exp(lp) * days), x = x, g = g, z = z)
}

datasets <- list()

set.seed(20250101)
n <- 800
d <- simulate(rbinom(n, 1, 0.4), rbinom(n, 1, 0.5), round(rnorm(n), 3), 1, 0.004, 365)
d$stratum <- NA
d$weight <- NA
datasets$unstrat <- d

set.seed(20250102)
npairs <- 400
pid <- rep(1e12 + seq_len(npairs) * 7919, each = 2)
frailty <- rep(rgamma(npairs, shape = 2, rate = 2), each = 2)
d <- simulate(rep(c(1, 0), npairs), rbinom(2 * npairs, 1, 0.5), 0, frailty, 0.003, 365)
d$stratum <- pid
d$weight <- NA
datasets$pairs <- d

set.seed(20250103)
nsets <- 250
k <- sample(1:4, nsets, replace = TRUE)
sid <- rep(seq_len(nsets) * 3 - 1, times = k + 1)
x <- unlist(lapply(k, function(kk) c(1, rep(0, kk))))
frailty <- rep(rgamma(nsets, shape = 1, rate = 1), times = k + 1)
d <- simulate(x, rbinom(length(x), 1, 0.5), 0, frailty, 0.004, 365)
d$stratum <- sid
d$weight <- NA
datasets$sets <- d

set.seed(20250104)
size <- c(150, 140, 160, 120, 130)
sid <- rep(1:5, times = size)
n <- length(sid)
ps <- c(0.1, 0.3, 0.5, 0.7, 0.9)[sid]
base <- c(0.001, 0.002, 0.003, 0.004, 0.02)[sid]
d <- simulate(rbinom(n, 1, ps), rbinom(n, 1, 0.5), 0, 1, base, 365)
d$stratum <- sid
d$weight <- NA
datasets$ps_strata <- d

set.seed(20250105)
n <- 700
z <- round(rnorm(n), 3)
ps <- plogis(-0.3 + 0.8 * z)
x <- rbinom(n, 1, ps)
d <- simulate(x, rbinom(n, 1, 0.5), z, 1, 0.004, 365)
d$stratum <- NA
d$weight <- ifelse(x == 1, 1, ps / (1 - ps))
datasets$weighted <- d

set.seed(20250106)
nstrata <- 40
size <- sample(6:14, nstrata, replace = TRUE)
sid <- rep(seq_len(nstrata), times = size)
n <- length(sid)
z <- round(rnorm(n), 3)
ps <- plogis(0.5 * z)
x <- rbinom(n, 1, ps)
d <- simulate(x, rbinom(n, 1, 0.5), z, 1, 0.005, 200)
d$stratum <- sid
d$weight <- ifelse(x == 1, 1 - ps, ps) * runif(n, 0.5, 2)
datasets$weighted_strata <- d

for (name in names(datasets)) {
  write_golden(datasets[[name]], paste0("models_data_", name, ".csv"))
}

# ------------------------------------------------------------------ fits
z975 <- qnorm(0.975)
rows <- list()
add_rows <- function(model, dataset, ties, terms, stratified, weighted, coef, se_model,
                     se_robust, loglik0, loglik, iter, n, events) {
  se_used <- if (weighted) se_robust else se_model
  zz <- coef / se_used
  rows[[length(rows) + 1]] <<- data.frame(
    model = model, dataset = dataset, ties = ties, terms = terms,
    stratified = stratified, weighted = weighted, term = names(coef),
    n = n, events = events, coef = unname(coef), se_model = se_model,
    se_robust = se_robust, se_used = se_used, loglik0 = loglik0, loglik = loglik,
    llr = loglik - loglik0, iter = iter, rr = exp(unname(coef)),
    ci_lb = exp(unname(coef) - z975 * se_used), ci_ub = exp(unname(coef) + z975 * se_used),
    p = 2 * pnorm(-abs(zz))
  )
}
rhs <- c(x = "x", interaction = "x * g", continuous = "x + z")

# Cox: every data set, both tie methods, treatment alone and with the subgroup interaction.
for (name in names(datasets)) {
  d <- datasets[[name]]
  stratified <- !all(is.na(d$stratum))
  weighted <- !all(is.na(d$weight))
  term_sets <- if (name == "unstrat") c("x", "interaction", "continuous") else c("x", "interaction")
  for (terms in term_sets) {
    f <- as.formula(paste("Surv(time, event) ~", rhs[[terms]],
                          if (stratified) "+ strata(stratum)" else ""))
    for (ties in c("efron", "breslow")) {
      fit <- if (weighted) {
        coxph(f, data = d, weights = weight, ties = ties, robust = TRUE,
              control = coxph.control(iter.max = 30))
      } else {
        coxph(f, data = d, ties = ties, robust = TRUE, control = coxph.control(iter.max = 30))
      }
      add_rows("cox", name, toupper(ties), terms, stratified, weighted, coef(fit),
               sqrt(diag(fit$naive.var)), sqrt(diag(fit$var)), fit$loglik[1], fit$loglik[2],
               fit$iter, nrow(d), sum(d$event))
    }
  }
}

# The HC0 sandwich of a GLM, by formula; checked against sandwich::vcovHC below.
hc0 <- function(fit, w) {
  Z <- model.matrix(fit)
  mu <- fitted(fit)
  v <- if (family(fit)$family == "poisson") mu else mu * (1 - mu)
  bread <- solve(t(Z) %*% (Z * (w * v)))
  meat <- t(Z) %*% (Z * (w * (fit$y - mu))^2)
  bread %*% meat %*% bread
}
tight <- glm.control(epsilon = 1e-14, maxit = 100)

# Poisson.
for (name in c("unstrat", "weighted", "pairs", "sets", "ps_strata")) {
  d <- datasets[[name]]
  stratified <- !all(is.na(d$stratum))
  weighted <- !all(is.na(d$weight))
  w <- if (weighted) d$weight else rep(1, nrow(d))
  for (terms in c("x", "interaction")) {
    if (!stratified) {
      f <- as.formula(paste("count ~", rhs[[terms]], "+ offset(log(days))"))
      fit <- glm(f, family = poisson, data = d, weights = w, control = tight)
      null <- glm(count ~ 1 + offset(log(days)), family = poisson, data = d, weights = w,
                  control = tight)
      ll <- function(m) sum(w * dpois(d$count, fitted(m), log = TRUE))
      vr <- hc0(fit, w)
      if (weighted) stopifnot(isTRUE(all.equal(vr, vcovHC(fit, type = "HC0"),
                                               tolerance = 1e-10, check.attributes = FALSE)))
      keep <- names(coef(fit)) != "(Intercept)"
      add_rows("poisson", name, "", terms, FALSE, weighted, coef(fit)[keep],
               sqrt(diag(vcov(fit)))[keep], sqrt(diag(vr))[keep], ll(null), ll(fit), NA,
               nrow(d), sum(d$count))
    } else {
      # Strata without events contribute nothing to the conditional likelihood and have an
      # infinite intercept in the unconditional one: leave them out of the R fit.
      informative <- ave(d$count, d$stratum, FUN = sum) > 0
      di <- d[informative, ]
      f <- as.formula(paste("count ~", rhs[[terms]], "+ factor(stratum) + offset(log(days))"))
      fit <- glm(f, family = poisson, data = di, control = tight)
      cov_names <- if (terms == "x") "x" else c("x", "g", "x:g")
      b <- coef(fit)[cov_names]
      X <- model.matrix(as.formula(paste("~", rhs[[terms]])), di)[, cov_names, drop = FALSE]
      cond_ll <- function(beta) {
        eta <- as.vector(X %*% beta) + log(di$days)
        tot <- 0
        for (s in split(seq_len(nrow(di)), di$stratum)) {
          y <- di$count[s]
          lp <- eta[s] - max(eta[s])
          tot <- tot + lgamma(sum(y) + 1) - sum(lgamma(y + 1)) +
            sum(y * (lp - log(sum(exp(lp)))))
        }
        tot
      }
      add_rows("poisson", name, "", terms, TRUE, FALSE, b,
               sqrt(diag(vcov(fit)))[cov_names], rep(NaN, length(b)),
               cond_ll(rep(0, length(b))), cond_ll(b), NA, nrow(d), sum(d$count))
    }
  }
}

# Logistic.
for (name in c("unstrat", "weighted", "pairs", "sets", "ps_strata")) {
  d <- datasets[[name]]
  stratified <- !all(is.na(d$stratum))
  weighted <- !all(is.na(d$weight))
  w <- if (weighted) d$weight else rep(1, nrow(d))
  for (terms in c("x", "interaction")) {
    if (!stratified) {
      f <- as.formula(paste("event ~", rhs[[terms]]))
      # Fractional weights make binomial() warn about non-integer successes; the fit is the
      # weighted likelihood all the same.
      fit <- suppressWarnings(glm(f, family = binomial, data = d, weights = w, control = tight))
      null <- suppressWarnings(glm(event ~ 1, family = binomial, data = d, weights = w,
                                   control = tight))
      ll <- function(m) {
        mu <- fitted(m)
        sum(w * (d$event * log(mu) + (1 - d$event) * log(1 - mu)))
      }
      vr <- hc0(fit, w)
      if (weighted) stopifnot(isTRUE(all.equal(vr, vcovHC(fit, type = "HC0"),
                                               tolerance = 1e-10, check.attributes = FALSE)))
      keep <- names(coef(fit)) != "(Intercept)"
      add_rows("logistic", name, "", terms, FALSE, weighted, coef(fit)[keep],
               sqrt(diag(vcov(fit)))[keep], sqrt(diag(vr))[keep], ll(null), ll(fit), NA,
               nrow(d), sum(d$event))
    } else {
      f <- as.formula(paste("event ~", rhs[[terms]], "+ strata(stratum)"))
      fit <- clogit(f, data = d, method = "exact",
                    control = coxph.control(eps = 1e-10, iter.max = 50))
      add_rows("logistic", name, "", terms, TRUE, FALSE, coef(fit),
               sqrt(diag(fit$var)), rep(NaN, length(coef(fit))), fit$loglik[1],
               fit$loglik[2], NA, nrow(d), sum(d$event))
    }
  }
}

# With exactly one case per stratum, clogit's exact likelihood is the Cox partial likelihood of
# a stratified model with a common event time (any tie method gives the same: one death per
# risk set). The pipeline's conditional logistic relies on nothing more, but this pins down
# which R model the numbers above correspond to.
one_case <- datasets$sets
one_case <- one_case[ave(one_case$event, one_case$stratum, FUN = sum) == 1, ]
a <- clogit(event ~ x + strata(stratum), data = one_case, method = "exact")
b <- coxph(Surv(rep(1, nrow(one_case)), event) ~ x + strata(stratum), data = one_case,
           ties = "breslow")
stopifnot(isTRUE(all.equal(coef(a), coef(b), tolerance = 1e-8)),
          isTRUE(all.equal(a$var, b$var, tolerance = 1e-8)))

write_golden(do.call(rbind, rows), "models_golden.csv")
write_golden(data.frame(r = R.version.string,
                        survival = as.character(packageVersion("survival")),
                        sandwich = as.character(packageVersion("sandwich"))),
             "models_r_versions.csv")
