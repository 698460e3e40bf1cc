#!/usr/bin/env Rscript
# Reference values for surveyd's BinomialCUSUM and BetaDistribution from R's `surveillance`
# package (Höhle), written by people who are not us:
#   - CUSUM scores and alarms: surveillance::categoricalCUSUM with a binomial dfun (k = 2);
#   - average run lengths: surveillance::LRCUSUM.runlength (Markov chain, Hawkins' Simpson rule);
#   - thresholds of a family of charts at a derived run length: uniroot on LRCUSUM.runlength;
#   - beta quantiles and distribution function: stats::qbeta, stats::pbeta.
# Writes cusum-fixtures.json beside this script. Needs Debian's r-cran-surveillance
# (apt-get install r-cran-surveillance). Run: Rscript make-cusum-fixtures.R
# The fixture is committed, so the Swift tests need no R; check-fixtures.sh regenerates and diffs.
suppressPackageStartupMessages(library(surveillance))

here <- tryCatch(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1]))),
                 error = function(e) ".")
num <- function(x) paste0("[", paste(sprintf("%.17g", x), collapse = ","), "]")
int <- function(x) paste0("[", paste(as.integer(x), collapse = ","), "]")
lgl <- function(x) paste0("[", paste(ifelse(x, "true", "false"), collapse = ","), "]")
shifted <- function(p, or) or * p / (1 - p + or * p)

# categoricalCUSUM's dfun gets y, mu as (k × T) matrices; for k = 2 row 1 is "success".
dBinomMatrix <- function(y, size, mu, log = FALSE) dbinom(x = y[1, ], size = size, prob = mu[1, ], log = log)
# LRCUSUM.runlength's dfun gets one outcome (vector of length k − 1) at a time.
dBinomVector <- function(y, size, mu, log = FALSE) dbinom(x = y[1], size = size, prob = mu[1], log = log)

score_case <- function(p0, or, h, y, n) {
  p1 <- shifted(p0, or)
  T <- length(y)
  observed <- cbind(yes = y, no = n - y)
  s <- sts(observed = observed, populationFrac = cbind(yes = n, no = n), epoch = seq_len(T))
  control <- list(range = seq_len(T), h = h, pi0 = rbind(rep(p0, T), rep(1 - p0, T)),
                  pi1 = rbind(rep(p1, T), rep(1 - p1, T)), ret = "value", dfun = dBinomMatrix)
  res <- categoricalCUSUM(s, control = control)
  sprintf('{"in_control":%.17g,"odds_ratio":%.17g,"out_of_control":%.17g,"threshold":%.17g,"counts":%s,"n":%s,"scores":%s,"alarms":%s}',
          p0, or, p1, h, int(y), int(n), num(upperbound(res)[, 1]), lgl(alarms(res)[, 1]))
}

arl_case <- function(p0, or, actual, n, h, g) {
  p1 <- shifted(p0, or)
  m <- function(x) matrix(x, nrow = 1, ncol = 1)
  invisible(capture.output(rl <- LRCUSUM.runlength(mu = m(actual), mu0 = m(p0), mu1 = m(p1), h = h,
                                                   dfun = dBinomVector, n = n, g = g)))
  sprintf('{"in_control":%.17g,"odds_ratio":%.17g,"out_of_control":%.17g,"actual":%.17g,"n":%d,"threshold":%.17g,"states":%d,"arl":%.17g}',
          p0, or, p1, actual, n, h, g, rl$arl)
}

set.seed(20261129)
shift_y <- c(rbinom(10, 40, 0.2), rbinom(10, 40, 0.4))
varying_n <- c(40, 5, 0, 12, 150, 0, 3, 60, 40, 40, 80, 1, 0, 25, 40)
down_y <- rbinom(length(varying_n), varying_n, c(rep(0.5, 7), rep(0.3, 8)))
scores <- c(
  score_case(0.2, 2, 4, shift_y, rep(40L, 20)),
  score_case(0.5, 0.5, 3, down_y, varying_n),
  score_case(0.1, 2, 2.5, rbinom(30, 150, 0.14), rep(150L, 30))
)
arls <- c(
  arl_case(0.2, 2, 0.2, 40, 3, 20),
  arl_case(0.2, 2, 0.2, 40, 5, 40),
  arl_case(0.2, 2, 0.4, 40, 5, 40),
  arl_case(0.5, 0.5, 0.5, 150, 4, 40),
  arl_case(0.05, 2, 0.05, 5, 2.5, 30),
  arl_case(0.3, 2, 0.3, 600, 6, 40)
)
# Thresholds for a province's family of charts: the in-control run length of each chart is
# charts / budget weeks (238: 16 units and the province × 7 topics × 2 directions at 1 false alarm
# a week; 680: × 20 topics); the threshold is the root of log ARL(h) = log target.
family_case <- function(p0, or, n, target, g) {
  p1 <- shifted(p0, or)
  m <- function(x) matrix(x, nrow = 1, ncol = 1)
  arl <- function(h) {
    invisible(capture.output(rl <- LRCUSUM.runlength(mu = m(p0), mu0 = m(p0), mu1 = m(p1), h = h, dfun = dBinomVector, n = n, g = g)))
    rl$arl
  }
  h <- uniroot(function(h) log(arl(h)) - log(target), c(0.5, 10), tol = 1e-10)$root
  sprintf('{"in_control":%.17g,"odds_ratio":%.17g,"n":%d,"target":%.17g,"states":%d,"threshold":%.17g,"arl":%.17g}',
          p0, or, n, target, g, h, arl(h))
}
family <- c(
  family_case(0.2, 2, 40, 238, 40),
  family_case(0.2, 2, 40, 680, 40),
  family_case(0.5, 0.5, 150, 238, 40),
  family_case(0.1, 2, 400, 680, 40),
  family_case(0.3, 2, 20, 238, 40)
)
betas <- expand.grid(a = c(0.5, 2, 30.5), b = c(1, 5, 400), q = c(0.025, 0.5, 0.975))
beta_json <- sprintf('{"alpha":%.17g,"beta":%.17g,"q":%.17g,"quantile":%.17g,"cdf_at_0_3":%.17g}',
                     betas$a, betas$b, betas$q, qbeta(betas$q, betas$a, betas$b), pbeta(0.3, betas$a, betas$b))
out <- paste0('{"generator":"R ', getRversion(), ', surveillance ', packageVersion("surveillance"),
              ' (categoricalCUSUM, LRCUSUM.runlength), stats::qbeta/pbeta",\n"scores":[\n',
              paste(scores, collapse = ",\n"), '],\n"run_lengths":[\n', paste(arls, collapse = ",\n"),
              '],\n"family_thresholds":[\n', paste(family, collapse = ",\n"),
              '],\n"beta":[\n', paste(beta_json, collapse = ",\n"), ']}\n')
writeLines(out, file.path(here, "cusum-fixtures.json"), sep = "")
