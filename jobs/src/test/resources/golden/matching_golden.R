# Golden numbers for org.rwe.matching (GreedyMatcher through Adjustment.match, Adjustment.iptw,
# Balance), from R: MatchIt's nearest-neighbour matching, CohortMethod's IPTW weights and its
# computeCovariateBalance, transcribed by hand (CohortMethod is not installed here).
#
# The Java tests never call R (CI has none): they read the CSV files this script writes next to
# itself. To regenerate, from this directory:
#
#   Rscript matching_golden.R
#
# and commit the script with every CSV it (re)writes; matching_versions.csv records R and MatchIt.
#
# Matching. CohortMethod's matchOnPs (src/Match.cpp) is greedy over *pairs*: round r = 1..maxRatio,
# every target with fewer than r comparators offers its nearest unused comparator on each side to
# one heap, and the globally closest pair is matched first (a stale pair is replaced by the
# target's next nearest). MatchIt's nearest-neighbour matching (4.5.1, nn_matchC_vec) is greedy
# over *targets*: in round r, targets are taken one by one in the order m.order gives ("largest",
# "smallest", "random", "data") and each takes its nearest unused comparator. Both use the same
# rounds, the same nearest-unused-comparator step and the same caliper on the same scale, so
# they agree exactly when MatchIt takes the targets in the order CohortMethod matched them. None
# of 4.5.1's orders does that: the closest-pair order depends on which comparators are gone as
# matching proceeds. (Later MatchIt versions add m.order = "closest", nn_matchC_vec_closest: per
# round, pairs ordered by distance, a pair whose comparator was taken re-inserted with the target's
# next nearest, which is CohortMethod's rule; it is not in the installed 4.5.1.) So:
#   1. cm_greedy() below is CohortMethod's rule written out by brute force (closest available
#      pair of all targets still needing a comparator, stop at the caliper);
#   2. MatchIt reproduces it with m.order = "data" on the data with the targets in the order
#      cm_greedy matched them, one MatchIt call per round (later rounds: the unused comparators,
#      the caliper fixed at its first-round value); the script stops unless both agree;
#   3. the MatchIt sets (matching_golden.csv) are what the Java test compares with.
# matchit_orders.csv records, for the built-in orders, how many targets' sets differ from
# CohortMethod's rule on these data (1:1): the documented difference.
# Other differences, measure-zero on these data: MatchIt's caliper is inclusive (<=), CohortMethod's
# exclusive (<); on exactly equal distances MatchIt takes the left (lower-score) comparator,
# CohortMethod's std::priority_queue leaves ties unspecified (our GreedyMatcher takes the lower
# target, then the lower comparator).
#
# Caliper: CohortMethod's default 0.2 on the standardized logit scale is 0.2 * sd(logit(ps)) over
# the whole population, on distance logit(ps): MatchIt's distance = qlogis(ps), caliper = 0.2,
# std.caliper = TRUE (sd(distance) over all units, as CohortMethod).
#
# IPTW (CohortMethod PsFunctions.R, computeIptw / its estimators): stabilized ATE
# P(T)/ps and P(C)/(1-ps); stabilized ATT P(T) and P(C) ps/(1-ps); ATO 1-ps and ps; unstabilized
# ATE 1/ps, 1/(1-ps) and ATT 1, ps/(1-ps); truncated at maxWeight when it is > 0.
#
# Balance (CohortMethod Balance.R, computeMeansPerGroup): unweighted (before; after 1:1 matching)
# mean = sum/n, sd = sqrt((sumSqr - sum^2/n)/n); weighted (IPTW; matched sets when a set has more
# than one subject of an arm: weight 1/n per set and arm) weights normalized to 1 per arm,
# mean = sum(w x), sd = sqrt(|sum(w x^2) - mean^2| / (1 - sum(w^2))); stdDiff =
# (meanT - meanC) / sqrt((sdT^2 + sdC^2) / 2).

suppressPackageStartupMessages(library(MatchIt))

num <- function(v) sprintf("%.17g", v)
write_golden <- function(df, file) {
  for (col in names(df)) {
    if (is.double(df[[col]])) df[[col]] <- num(df[[col]])
  }
  write.table(df, file, sep = ",", quote = FALSE, row.names = FALSE)
}

# ---- Data: 300 subjects, a PS from three covariates, ~35% targets, tails beyond the caliper.
set.seed(20240617)
n <- 300
x1 <- rnorm(n) # continuous, so no two subjects share a PS (no tied distances)
x2 <- rbinom(n, 1, 0.4)
x3 <- rbinom(n, 1, 0.25)
visits <- rpois(n, 1.5)
ps <- plogis(-0.9 + 1.4 * x1 + 0.8 * x2 - 0.7 * x3 + 0.15 * visits)
treatment <- rbinom(n, 1, ps)
data <- data.frame(row_id = seq_len(n), treatment = treatment, ps = ps,
                   x1 = x1, x2 = x2, x3 = x3, visits = visits)
write_golden(data, "matching_data.csv")

score <- qlogis(ps)
caliper <- 0.2 * sd(score)

# ---- 1. CohortMethod's rule, by brute force.
cm_greedy <- function(score, treat, caliper, max_ratio) {
  stratum <- rep(-1L, length(score))
  size <- integer(0)
  rounds <- list()
  targets <- which(treat == 1)
  comparators <- which(treat == 0)
  for (r in seq_len(max_ratio)) {
    seq_r <- integer(0)
    repeat {
      needs <- targets[stratum[targets] == -1L |
                         (stratum[targets] >= 0L & size[pmax(stratum[targets], 0L) + 1L] < r)]
      free <- comparators[stratum[comparators] == -1L]
      if (length(needs) == 0 || length(free) == 0) break
      d <- abs(outer(score[needs], score[free], "-"))
      best <- which(d == min(d), arr.ind = TRUE)
      if (nrow(best) > 1) stop("tied distances: pick another seed")
      if (!(d[best[1, 1], best[1, 2]] < caliper)) break
      t <- needs[best[1, 1]]
      k <- free[best[1, 2]]
      if (stratum[t] == -1L) {
        stratum[t] <- length(size)
        size <- c(size, 0L)
      }
      stratum[k] <- stratum[t]
      size[stratum[t] + 1L] <- size[stratum[t] + 1L] + 1L
      seq_r <- c(seq_r, t)
    }
    rounds[[r]] <- seq_r
    if (length(seq_r) == 0) break
  }
  list(stratum = stratum, rounds = rounds)
}

# Matched sets as target row -> sorted comparator rows.
sets_of <- function(stratum, treat) {
  out <- list()
  for (s in sort(unique(stratum[stratum >= 0]))) {
    members <- which(stratum == s)
    out[[as.character(members[treat[members] == 1])]] <- sort(members[treat[members] == 0])
  }
  out[order(as.integer(names(out)))]
}

# ---- 2. MatchIt, targets in CohortMethod's order, one call per round.
# MatchIt 4.5.1 as installed here compares distances as if through an integer abs(): below 1 they
# all tie (the left neighbour is always taken) and the caliper never binds; see
# kosukeimai/MatchIt#163 ("Caliper not working as intended on versions 4.5.1 - 4.5.3"). The
# distance is therefore given times SCALE: a rescaling changes neither nearest neighbours nor a
# standardized caliper, and keeps every |difference| below 2^31.
SCALE <- 1e8
matchit_round <- function(rows, order_targets, caliper_value, std) {
  d <- data[rows, ]
  d <- rbind(d[match(order_targets, d$row_id), ], d[d$treatment == 0, ])
  rownames(d) <- d$row_id
  m <- tryCatch(suppressWarnings(
    matchit(treatment ~ x1 + x2 + x3 + visits, data = d, method = "nearest",
            distance = qlogis(d$ps) * SCALE, ratio = 1, replace = FALSE, m.order = "data",
            caliper = caliper_value, std.caliper = std)),
    error = function(e) if (grepl("No units were matched", conditionMessage(e))) NULL else stop(e))
  if (is.null(m)) return(data.frame(target = integer(0), comparator = integer(0)))
  mm <- m$match.matrix
  pairs <- data.frame(target = as.integer(rownames(mm)), comparator = as.integer(mm[, 1]))
  pairs[!is.na(pairs$comparator), ]
}

matchit_like_cm <- function(max_ratio) {
  cm <- cm_greedy(score, treatment, caliper, max_ratio)
  taken <- integer(0)
  got <- setNames(integer(n), seq_len(n))
  pairs <- NULL
  for (r in seq_along(cm$rounds)) {
    needing <- which(treatment == 1 & got < r)
    order_targets <- c(cm$rounds[[r]], setdiff(needing, cm$rounds[[r]]))
    free <- setdiff(which(treatment == 0), taken)
    if (length(free) == 0) break
    rows <- c(order_targets, free)
    # Round 1: MatchIt standardizes the caliper itself (on all units); later rounds see a subset,
    # so they get the first round's absolute caliper.
    p <- if (r == 1) matchit_round(rows, order_targets, 0.2, TRUE)
         else matchit_round(rows, order_targets, caliper * SCALE, FALSE)
    taken <- c(taken, p$comparator)
    got[p$target] <- got[p$target] + 1L
    pairs <- rbind(pairs, p)
  }
  sets <- split(pairs$comparator, pairs$target)
  sets <- lapply(sets, sort)
  sets <- sets[order(as.integer(names(sets)))]
  if (!identical(unname(sets), unname(sets_of(cm$stratum, treatment))) ||
      !identical(names(sets), names(sets_of(cm$stratum, treatment)))) {
    stop("MatchIt in CohortMethod's order differs from CohortMethod's rule at maxRatio ", max_ratio)
  }
  sets
}

ratios <- c(1, 4, 100)
golden <- NULL
all_sets <- list()
for (k in ratios) {
  sets <- matchit_like_cm(k)
  all_sets[[as.character(k)]] <- sets
  golden <- rbind(golden, data.frame(
    max_ratio = k, target_row_id = as.integer(names(sets)),
    comparator_row_ids = vapply(sets, paste, "", collapse = ";")))
}
write_golden(golden, "matching_golden.csv")

# ---- 3. MatchIt's own orders versus CohortMethod's rule (1:1): the documented difference.
cm1 <- all_sets[["1"]]
orders <- NULL
d <- data
rownames(d) <- d$row_id
for (o in c("largest", "smallest", "random", "data")) {
  set.seed(1)
  m <- matchit(treatment ~ x1 + x2 + x3 + visits, data = d, method = "nearest",
               distance = qlogis(d$ps) * SCALE, ratio = 1, replace = FALSE, m.order = o,
               caliper = 0.2, std.caliper = TRUE)
  mm <- m$match.matrix
  own <- setNames(as.integer(mm[, 1]), rownames(mm))
  own <- own[!is.na(own)]
  targets <- union(names(own), names(cm1))
  differ <- sum(vapply(targets, function(t) {
    !identical(unname(own[t]), if (is.null(cm1[[t]])) NA_integer_ else cm1[[t]])
  }, logical(1)))
  orders <- rbind(orders, data.frame(m_order = o, matched_targets = length(own),
                                     targets_with_another_set = differ))
}
orders <- rbind(orders, data.frame(m_order = "cohortmethod", matched_targets = length(cm1),
                                   targets_with_another_set = 0L))
write_golden(orders, "matchit_orders.csv")

# ---- IPTW weights (CohortMethod's estimators), truncation.
iptw <- function(estimator, stabilize, max_weight) {
  pt <- mean(treatment == 1)
  w <- switch(estimator,
    ate = if (stabilize) ifelse(treatment == 1, pt / ps, (1 - pt) / (1 - ps))
          else ifelse(treatment == 1, 1 / ps, 1 / (1 - ps)),
    att = if (stabilize) ifelse(treatment == 1, pt, (1 - pt) * ps / (1 - ps))
          else ifelse(treatment == 1, 1, ps / (1 - ps)),
    ato = ifelse(treatment == 1, 1 - ps, ps))
  if (max_weight > 0) w[w > max_weight] <- max_weight
  w
}
iptw_scenarios <- expand.grid(estimator = c("att", "ate", "ato"), stabilize = c(TRUE, FALSE),
                              max_weight = c(0, 2.5), stringsAsFactors = FALSE)
weights <- NULL
for (i in seq_len(nrow(iptw_scenarios))) {
  s <- iptw_scenarios[i, ]
  weights <- rbind(weights, data.frame(
    estimator = s$estimator, stabilize = s$stabilize, max_weight = s$max_weight,
    row_id = data$row_id, weight = iptw(s$estimator, s$stabilize, s$max_weight)))
}
write_golden(weights, "iptw_golden.csv")

# ---- Balance as CohortMethod's computeMeansPerGroup.
arm_stats <- function(x, w) {
  if (is.null(w)) {
    n <- length(x)
    c(mean = sum(x) / n, sd = sqrt((sum(x^2) - sum(x)^2 / n) / n))
  } else {
    w <- w / sum(w)
    m <- sum(w * x)
    c(mean = m, sd = sqrt(abs(sum(w * x^2) - m^2) / (1 - sum(w^2))))
  }
}
balance_of <- function(x, treat, w) {
  t <- arm_stats(x[treat == 1], if (is.null(w)) NULL else w[treat == 1])
  c <- arm_stats(x[treat == 0], if (is.null(w)) NULL else w[treat == 0])
  c(t[["mean"]], c[["mean"]], (t[["mean"]] - c[["mean"]]) / sqrt((t[["sd"]]^2 + c[["sd"]]^2) / 2))
}
covariates <- list(`1` = x1, `2` = x2, `3` = x3, `4` = visits)

# After-populations: IPTW (everyone, weighted) and matching (matched rows; weight 1/n per set
# and arm when some set has more than one subject of an arm, else unweighted).
after_iptw <- function(estimator, stabilize, max_weight) {
  list(rows = seq_len(n), w = iptw(estimator, stabilize, max_weight))
}
after_match <- function(k) {
  sets <- all_sets[[as.character(k)]]
  rows <- c(as.integer(names(sets)), unlist(sets, use.names = FALSE))
  size <- setNames(lengths(sets), names(sets))
  w <- setNames(rep(1, n), seq_len(n))
  for (t in names(sets)) w[sets[[t]]] <- 1 / size[[t]]
  list(rows = rows, w = if (any(size > 1)) w else NULL)
}
balance_scenarios <- list(
  list(name = "iptw att stabilized", after = after_iptw("att", TRUE, 0)),
  list(name = "iptw ate stabilized max 2.5", after = after_iptw("ate", TRUE, 2.5)),
  list(name = "iptw ate", after = after_iptw("ate", FALSE, 0)),
  list(name = "iptw ato", after = after_iptw("ato", TRUE, 0)),
  list(name = "match 1:1", after = after_match(1)),
  list(name = "match 1:4", after = after_match(4)))
balance <- NULL
for (s in balance_scenarios) {
  rows <- s$after$rows
  w <- if (is.null(s$after$w)) NULL else s$after$w[rows]
  for (id in names(covariates)) {
    x <- covariates[[id]]
    before <- balance_of(x, treatment, NULL)
    after <- balance_of(x[rows], treatment[rows], w)
    balance <- rbind(balance, data.frame(
      scenario = s$name, covariate_id = as.integer(id),
      target_mean_before = before[1], comparator_mean_before = before[2],
      std_diff_before = before[3], target_mean_after = after[1],
      comparator_mean_after = after[2], std_diff_after = after[3]))
  }
}
write_golden(balance, "balance_golden.csv")

write_golden(data.frame(r = R.version.string, matchit = as.character(packageVersion("MatchIt"))),
             "matching_versions.csv")
