# Golden numbers for org.rwe.stats (CoxModel, KaplanMeier, PoissonRate, Power).
#
# The Java tests never call R (CI has none): they read the CSV files that this
# script writes next to itself. To regenerate, from this directory:
#
#   Rscript cox_km_golden.R
#
# and commit the script together with every CSV it (re)writes. The files
# produced by the last run were made with the R and survival versions recorded in
# r_versions.csv.
#
# Data sets (one CSV each, columns time,event,x,stratum,weight; stratum and weight
# are NA when not used):
#   tiny_a          3 subjects, no ties; MLE has a closed form (see CoxModelTest)
#   tiny_ties       3 subjects, two tied deaths; Efron and Breslow differ
#   lung            survival::lung, event = status - 1, x = sex - 1 (female)
#   sim_ties        simulated, integer days from a narrow range: many ties
#   pairs           1:1 matched pairs (stratum = pair id, large ids), many pairs
#                   with no event (uninformative), ties
#   var_strata      1:k matched sets, k = 1..10, some sets without events
#   weighted        fractional IPTW-like weights, ties, unstratified
#   weighted_strata fractional weights and strata
#   continuous      continuous covariate (standardised age-like), ties
#   near_ties       times that differ only by floating-point noise, which R
#                   (timefix = TRUE, aeqSurv) treats as tied
#   all_events      every subject dies; the Kaplan-Meier curve reaches 0

suppressPackageStartupMessages(library(survival))

# Full precision, so the Java tests can compare to 1e-6 relative.
num <- function(v) {
  out <- sprintf("%.17g", v)
  out[is.na(v) & !is.nan(v)] <- "NA"
  out[is.nan(v)] <- "NaN"
  out[is.infinite(v) & v > 0] <- "Inf"
  out[is.infinite(v) & v < 0] <- "-Inf"
  out
}
write_golden <- function(df, file) {
  for (col in names(df)) {
    if (is.numeric(df[[col]])) df[[col]] <- num(df[[col]])
  }
  write.table(df, file, sep = ",", quote = FALSE, row.names = FALSE)
}

make_data <- function(time, event, x, stratum = NA, weight = NA) {
  data.frame(time = time, event = event, x = x, stratum = stratum, weight = weight)
}

datasets <- list()

datasets$tiny_a <- make_data(c(1, 2, 3), c(1, 1, 0), c(1, 0, 1))
datasets$tiny_ties <- make_data(c(1, 1, 2), c(1, 1, 0), c(1, 0, 0))

datasets$lung <- make_data(lung$time, lung$status - 1, lung$sex - 1)

set.seed(20240611)
n <- 600
x <- rbinom(n, 1, 0.4)
ev <- ceiling(rexp(n, rate = 0.02 * exp(log(1.5) * x)))
ce <- ceiling(runif(n, 1, 120))
datasets$sim_ties <- make_data(pmin(ev, ce), as.integer(ev <= ce), x)

set.seed(20240612)
npairs <- 400
pid <- rep(1e12 + seq_len(npairs) * 7919, each = 2)
x <- rep(c(1, 0), npairs)
frailty <- rep(rgamma(npairs, shape = 2, rate = 2), each = 2)
ev <- ceiling(rexp(2 * npairs, rate = 0.004 * frailty * exp(log(0.7) * x)))
ce <- ceiling(runif(2 * npairs, 1, 365))
datasets$pairs <- make_data(pmin(ev, ce), as.integer(ev <= ce), x, stratum = pid)

set.seed(20240613)
nsets <- 150
k <- sample(1:10, nsets, replace = TRUE)
sid <- rep(seq_len(nsets) * 3 - 1, times = k + 1)
x <- unlist(lapply(k, function(kk) c(1, rep(0, kk))))
frailty <- rep(rgamma(nsets, shape = 1, rate = 1), times = k + 1)
ev <- ceiling(rexp(length(x), rate = 0.003 * frailty * exp(log(1.3) * x)))
ce <- ceiling(runif(length(x), 1, 200))
d <- make_data(pmin(ev, ce), as.integer(ev <= ce), x, stratum = sid)
# Make sure some sets carry no event at all: censor everybody in the first 15.
d$event[d$stratum %in% (seq_len(15) * 3 - 1)] <- 0L
datasets$var_strata <- d

set.seed(20240614)
n <- 500
z <- rnorm(n)
ps <- plogis(-0.3 + 0.8 * z)
x <- rbinom(n, 1, ps)
w <- ifelse(x == 1, 1 / ps, 1 / (1 - ps))
ev <- ceiling(rexp(n, rate = 0.01 * exp(0.5 * z + log(1.2) * x)))
ce <- ceiling(runif(n, 1, 150))
datasets$weighted <- make_data(pmin(ev, ce), as.integer(ev <= ce), x, weight = w)

set.seed(20240615)
nstrata <- 60
size <- sample(4:12, nstrata, replace = TRUE)
sid <- rep(seq_len(nstrata), times = size)
n <- length(sid)
z <- rnorm(n)
ps <- plogis(0.5 * z)
x <- rbinom(n, 1, ps)
w <- ifelse(x == 1, 1 - ps, ps) * runif(n, 0.5, 2)
ev <- ceiling(rexp(n, rate = 0.01 * exp(0.4 * z + log(0.8) * x)))
ce <- ceiling(runif(n, 1, 100))
datasets$weighted_strata <- make_data(pmin(ev, ce), as.integer(ev <= ce), x,
                                      stratum = sid, weight = w)

set.seed(20240616)
n <- 300
age <- round(rnorm(n, 65, 10))
x <- (age - 65) / 10
ev <- ceiling(rexp(n, rate = 0.01 * exp(0.3 * x)))
ce <- ceiling(runif(n, 1, 200))
datasets$continuous <- make_data(pmin(ev, ce), as.integer(ev <= ce), x)

set.seed(20240617)
n <- 40
base <- sample(c(0.1 + 0.2, 0.3, 1 / 3, 7 / 3, 2.5, 10 / 3), n, replace = TRUE)
noisy <- base * (1 + sample(c(-1, 0, 1), n, replace = TRUE) * 1e-12)
x <- rep(c(0, 1), length.out = n)
datasets$near_ties <- make_data(noisy, rbinom(n, 1, 0.6), x)

datasets$all_events <- make_data(c(2, 3, 3, 5, 8), c(1, 1, 1, 1, 1), c(0, 1, 0, 1, 0))

for (name in names(datasets)) {
  write_golden(datasets[[name]], paste0("data_", name, ".csv"))
}

# ---------------------------------------------------------------- Cox models
z975 <- qnorm(0.975)
cox_rows <- list()
for (name in setdiff(names(datasets), "all_events")) {
  d <- datasets[[name]]
  stratified <- !all(is.na(d$stratum))
  weighted <- !all(is.na(d$weight))
  f <- if (stratified) Surv(time, event) ~ x + strata(stratum) else Surv(time, event) ~ x
  for (ties in c("efron", "breslow")) {
    fit <- if (weighted) {
      coxph(f, data = d, weights = weight, ties = ties, robust = TRUE,
            control = coxph.control(iter.max = 30))
    } else {
      coxph(f, data = d, ties = ties, robust = TRUE,
            control = coxph.control(iter.max = 30))
    }
    coef <- unname(coef(fit))
    se_model <- sqrt(fit$naive.var[1, 1])
    se_robust <- sqrt(fit$var[1, 1])
    # As CohortMethod: model-based SE unless the fit is weighted.
    se_used <- if (weighted) se_robust else se_model
    zz <- coef / se_used
    cox_rows[[length(cox_rows) + 1]] <- data.frame(
      dataset = name, ties = toupper(ties), weighted = weighted, stratified = stratified,
      n = nrow(d), events = sum(d$event),
      coef = coef, se_model = se_model, se_robust = se_robust, se_used = se_used,
      loglik0 = fit$loglik[1], loglik = fit$loglik[2],
      llr = fit$loglik[2] - fit$loglik[1], iter = fit$iter,
      hr = exp(coef), ci_lb = exp(coef - z975 * se_used), ci_ub = exp(coef + z975 * se_used),
      p = 2 * pnorm(-abs(zz)), p_greater = pnorm(zz, lower.tail = FALSE), p_less = pnorm(zz)
    )
  }
}
write_golden(do.call(rbind, cox_rows), "cox_golden.csv")

# ---------------------------------------------------------- Kaplan-Meier
# One arm at a time, as the pipeline draws one curve per arm. For weighted data
# both variances: the robust (infinitesimal jackknife) one that survfit uses by
# default for fractional weights, and Greenwood on the weighted counts.
km_specs <- list(
  list(id = "lung_x0", data = "lung", arm = 0, weighted = FALSE, robust = FALSE),
  list(id = "lung_x1", data = "lung", arm = 1, weighted = FALSE, robust = FALSE),
  list(id = "sim_ties_x1", data = "sim_ties", arm = 1, weighted = FALSE, robust = FALSE),
  list(id = "near_ties_all", data = "near_ties", arm = NA, weighted = FALSE, robust = FALSE),
  list(id = "all_events", data = "all_events", arm = NA, weighted = FALSE, robust = FALSE),
  list(id = "weighted_x1_robust", data = "weighted", arm = 1, weighted = TRUE, robust = TRUE),
  list(id = "weighted_x1_greenwood", data = "weighted", arm = 1, weighted = TRUE, robust = FALSE),
  list(id = "all_events_weighted_robust", data = "all_events", arm = NA, weighted = TRUE,
       robust = TRUE)
)
horizons <- c(0.5, 30, 100, 365, 1e6)
km_rows <- list()
hz_rows <- list()
for (s in km_specs) {
  d <- datasets[[s$data]]
  if (!is.na(s$arm)) d <- d[d$x == s$arm, ]
  if (s$data == "all_events" && s$weighted) d$weight <- c(0.5, 1, 2, 1.5, 0.25)
  fit <- if (s$weighted) {
    survfit(Surv(time, event) ~ 1, data = d, weights = weight, robust = s$robust)
  } else {
    survfit(Surv(time, event) ~ 1, data = d)
  }
  # survfit stores the SE of -log(S) (logse = TRUE) for Greenwood and the SE of S for
  # the robust variance; the golden files hold the SE of S in both cases, as summary() does.
  se_surv <- if (fit$logse) fit$std.err * fit$surv else fit$std.err
  km_rows[[length(km_rows) + 1]] <- data.frame(
    curve = s$id, data = s$data, arm = s$arm, weighted = s$weighted,
    variance = if (s$robust) "ROBUST" else "GREENWOOD",
    time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
    surv = fit$surv, se = se_surv, lower = fit$lower, upper = fit$upper
  )
  sm <- summary(fit, times = horizons, extend = TRUE)
  hz_rows[[length(hz_rows) + 1]] <- data.frame(
    curve = s$id, horizon = sm$time, surv = sm$surv, se = sm$std.err,
    lower = sm$lower, upper = sm$upper
  )
}
# The weighted all_events curve uses these weights; record them for the Java test.
write_golden(data.frame(weight = c(0.5, 1, 2, 1.5, 0.25)), "data_all_events_weights.csv")
write_golden(do.call(rbind, km_rows), "km_golden.csv")
write_golden(do.call(rbind, hz_rows), "km_horizon_golden.csv")

# ---------------------------------------------------------- Poisson rates
pois <- data.frame(events = c(0, 1, 5, 37, 250, 3, 12),
                   person_days = c(1000, 365.25, 10000, 123456.7, 2.5e6, 100, 4321))
pois$person_years <- pois$person_days / 365.25
pois$rate_per_1000py <- 1000 * pois$events / pois$person_years
ci <- t(sapply(seq_len(nrow(pois)), function(i) {
  poisson.test(pois$events[i], T = pois$person_years[i])$conf.int * 1000
}))
pois$lower95 <- ci[, 1]
pois$upper95 <- ci[, 2]
write_golden(pois, "poisson_golden.csv")

# ---------------------------------------------------------- MDRR
# CohortMethod:::computeMdrrFromAggregateStats, modelType = "cox" (Schoenfeld 1983).
mdrr_cox <- function(pTarget, totalEvents, alpha = 0.05, power = 0.8, twoSided = TRUE) {
  if (totalEvents == 0) return(Inf)
  z1MinAlpha <- if (twoSided) qnorm(1 - alpha / 2) else qnorm(1 - alpha)
  zBeta <- -qnorm(1 - power)
  exp(sqrt((zBeta + z1MinAlpha)^2 / (totalEvents * pTarget * (1 - pTarget))))
}
pw <- data.frame(events = c(10, 100, 1234, 50, 7, 400, 0),
                 p_target = c(0.5, 0.3, 0.5, 0.9, 0.25, 0.5, 0.5),
                 alpha = c(0.05, 0.05, 0.05, 0.05, 0.05, 0.01, 0.05),
                 power = c(0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 0.8),
                 two_sided = c(TRUE, TRUE, TRUE, TRUE, TRUE, FALSE, TRUE))
pw$mdrr <- mapply(mdrr_cox, pw$p_target, pw$events, pw$alpha, pw$power, pw$two_sided)
pw$se <- 1 / sqrt(pw$events * pw$p_target * (1 - pw$p_target))
write_golden(pw, "mdrr_golden.csv")

write_golden(data.frame(r = R.version.string,
                        survival = as.character(packageVersion("survival"))),
             "r_versions.csv")
