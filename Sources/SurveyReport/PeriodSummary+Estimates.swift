import SurveyModel

extension PeriodSummary {
    /// Unit totals with fewer responses than this get empirical-Bayes estimates beside their raw
    /// shares (`shares_eb`).
    public static let smallUnitResponses = 50

    /// Adds to every published unit total with fewer than ``smallUnitResponses`` responses the
    /// empirical-Bayes estimate of each share with its 95% interval.
    ///
    /// The prior of each topic and sentiment is fitted (``BetaBinomialPrior/fit(_:)``) only from
    /// the unit totals this summary publishes: a withheld cell neither gets an estimate nor informs
    /// anyone else's, so the estimates follow whatever the summary withholds.
    public mutating func addSmallUnitEstimates() {
        for t in topics.indices {
            let published = topics[t].units.map(\.total).filter { !$0.suppressed && ($0.responses ?? 0) > 0 }
            let priors = sentiments.indices.map { s in
                BetaBinomialPrior.fit(published.compactMap { cell in
                    guard let n = cell.responses, let counts = cell.counts, counts.indices.contains(s) else { return nil }
                    return (count: counts[s], n: n)
                })
            }
            for u in topics[t].units.indices {
                topics[t].units[u].total.addEstimates(priors)
            }
        }
    }
}

extension PeriodSummary.Cell {
    /// The estimates of a published cell with few responses under `priors` (one per sentiment).
    mutating func addEstimates(_ priors: [BetaBinomialPrior]) {
        guard !suppressed, let n = responses, n > 0, n < PeriodSummary.smallUnitResponses, let counts, counts.count == priors.count else { return }
        var estimates: [Double?] = [], lows: [Double?] = [], highs: [Double?] = []
        for (count, prior) in zip(counts, priors) {
            guard prior.strength > 0, let posterior = prior.posterior(count: count, of: n) else {
                estimates.append(nil); lows.append(nil); highs.append(nil)
                continue
            }
            // Published to two decimals of a percent: ends to 10⁻⁶ are exact enough (20 halvings, not 64).
            let interval = posterior.interval(tolerance: 1e-6)
            estimates.append(SummaryBuilder.percent(prior.shrunkShare(count: count, of: n)))
            lows.append(SummaryBuilder.percent(interval.low))
            highs.append(SummaryBuilder.percent(interval.high))
        }
        sharesEb = estimates
        sharesEbLow = lows
        sharesEbHigh = highs
    }
}
