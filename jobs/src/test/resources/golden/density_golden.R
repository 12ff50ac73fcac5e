# Golden numbers for PropensityModel.density (a preference score curve per arm): R's bw.nrd0 and
# the Gaussian kernel density evaluated exactly at the report's grid. Run from this folder:
# Rscript density_golden.R  (writes density_data.csv, density_golden.csv).
# The values sit at the centres of the 10,000 bins the pipeline counts them in, so binning moves
# none of them and the pipeline must equal R to rounding; a second sample has heavy ties and one
# that is a single value (bw.nrd0's fallbacks).
set.seed(20261204)
centre <- function(u) (pmin(floor(u * 10000), 9999) + 0.5) / 10000
samples <- list(
  skewed = centre(rbeta(1500, 2, 5)),
  tied = centre(c(rep(0.2, 300), rep(0.7, 100), runif(40))),
  single = centre(rep(0.41, 25)))
grid <- (0:99 + 0.5) / 100
data <- data.frame(); golden <- data.frame()
for (s in names(samples)) {
  x <- samples[[s]]
  bw <- bw.nrd0(x)
  d <- sapply(grid, function(g) mean(dnorm((g - x) / bw)) / bw)
  data <- rbind(data, data.frame(sample = s, value = sprintf("%.17g", x)))
  golden <- rbind(golden, data.frame(sample = s, grid = grid, bw = sprintf("%.17g", bw),
                                     density = sprintf("%.17g", d)))
}
write.csv(data, "density_data.csv", row.names = FALSE, quote = FALSE)
write.csv(golden, "density_golden.csv", row.names = FALSE, quote = FALSE)
