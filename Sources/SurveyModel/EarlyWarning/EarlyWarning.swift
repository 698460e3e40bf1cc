import Foundation
import Synchronization

/// Settings of the early-warning charts (configuration keys `alerts.*`).
public struct EarlyWarningSettings: Sendable, Hashable {
    /// Odds ratio of the share each chart is tuned to detect against the in-control share (> 1;
    /// the chart on the positive share uses its inverse).
    public var oddsRatio = 2.0
    /// In-control average run length of every chart, in weeks: the threshold is computed so that
    /// a chart on an unchanged opinion raises a false alarm once in this many weeks on average.
    public var targetRunLength = 104.0
    /// Weeks watched by the charts, up to the latest; the baseline lies before them.
    public var watchedWeeks = 13
    /// Weeks of baseline before the watched ones (at most).
    public var baselineWeeks = 52
    /// Fewer baseline weeks with responses than this: no chart.
    public var minimumBaselineWeeks = 4
    /// States of the Markov-chain approximation of the run length.
    public var states = BinomialCUSUM.defaultStates

    public init() {}
}

/// Which share a chart watches, and for which move: the negative share rising, or the positive
/// share falling.
public enum WatchedShare: String, Sendable, Hashable, CaseIterable {
    case negativeRising
    case positiveFalling

    /// "up" or "down".
    public var direction: String { self == .negativeRising ? "up" : "down" }
}

/// The weekly counts of one topic: for each unit and week, the responses with positive and with
/// negative polarity and all responses. Index `unit × weeks + week`; weeks oldest first, the last
/// being the latest week.
public struct TopicWeeks: Sendable, Hashable {
    public var units: Int
    public var weeks: Int
    public var positive: [Int]
    public var negative: [Int]
    public var responses: [Int]
    /// The province's counts per week, when they are not the sum of the units' (a unit's week
    /// left out of its own chart still counts in the province's); nil: the sum.
    public var province: (positive: [Int], negative: [Int], responses: [Int])?

    public init(units: Int, weeks: Int) {
        self.units = units
        self.weeks = weeks
        positive = Array(repeating: 0, count: units * weeks)
        negative = positive
        responses = positive
    }

    public static func == (lhs: TopicWeeks, rhs: TopicWeeks) -> Bool {
        (lhs.units, lhs.weeks, lhs.positive, lhs.negative, lhs.responses) == (rhs.units, rhs.weeks, rhs.positive, rhs.negative, rhs.responses)
            && lhs.province?.positive == rhs.province?.positive && lhs.province?.negative == rhs.province?.negative
            && lhs.province?.responses == rhs.province?.responses
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(units)
        hasher.combine(weeks)
        hasher.combine(positive)
        hasher.combine(negative)
        hasher.combine(responses)
        hasher.combine(province?.positive)
        hasher.combine(province?.negative)
        hasher.combine(province?.responses)
    }

    /// The counts of the watched share of one unit (nil = the province) in one week.
    public func count(_ share: WatchedShare, unit: Int?, week: Int) -> (count: Int, n: Int) {
        let source = share == .negativeRising ? negative : positive
        if unit == nil, let province, province.responses.indices.contains(week) {
            return ((share == .negativeRising ? province.negative : province.positive)[week], province.responses[week])
        }
        guard let unit else {
            var count = 0, n = 0
            for u in 0..<units {
                count += source[u * weeks + week]
                n += responses[u * weeks + week]
            }
            return (count, n)
        }
        return (source[unit * weeks + week], responses[unit * weeks + week])
    }
}

/// The early-warning charts of one topic: for every unit and the province, a binomial LR-CUSUM
/// on the negative share (watching for a rise) and on the positive share (watching for a fall).
///
/// The in-control share of a chart is its series' share over the baseline weeks (before the
/// watched ones); a unit's is shrunk toward the province's by beta-binomial empirical Bayes across
/// the units. The threshold gives the target in-control run length when each week's responses
/// are drawn from the baseline's weekly counts (weeks without responses included; see
/// ``WeeklyResponses``). The CUSUM starts at zero at the first watched week.
///
/// An alarm episode opens when the chart crosses its threshold; the chart is reset to zero, and
/// the episode stays open as long as evidence keeps accumulating in the watched direction: it
/// closes at the first week with responses after which the restarted CUSUM is back at zero.
public struct EarlyWarning: Sendable {
    public var settings: EarlyWarningSettings

    public init(settings: EarlyWarningSettings = EarlyWarningSettings()) {
        self.settings = settings
    }

    /// One chart's outcome.
    public struct Chart: Sendable, Hashable {
        public var unit: Int?
        public var share: WatchedShare
        public var cusum: BinomialCUSUM
        /// The weekly responses assumed for the threshold and the run length: the baseline's
        /// weekly counts (weeks without responses included), binned.
        public var assumedResponses: WeeklyResponses
        /// In-control average run length at that threshold and responses, in weeks.
        public var runLength: Double
        /// The watched weeks (indices into the series) and the chart's steps on them.
        public var firstWatchedWeek: Int
        public var steps: [BinomialCUSUM.Step]
        /// The episode open at the latest week, if any.
        public var alarm: Alarm?
    }

    /// An open alarm episode.
    public struct Alarm: Sendable, Hashable {
        /// The week the evidence started accumulating (the CUSUM's last departure from zero
        /// before the first alarm of the episode).
        public var since: Int
        /// The week of the episode's first threshold crossing.
        public var firstAlarm: Int
        /// Responses of the watched share, and all responses, from `since` to the latest week.
        public var count: Int
        public var responses: Int
        /// The in-control share and the 95% range of the share over those responses if nothing
        /// had changed (binomial quantiles).
        public var expected: Double
        public var expectedRange: Interval
        /// The log-likelihood ratio of the shifted share against the in-control one, summed from
        /// `since` to the latest week; and the threshold it is measured against.
        public var score: Double
        public var threshold: Double
    }

    /// The charts of one topic (units, then the province as `unit == nil`), skipping series
    /// without enough baseline. `thresholds` memoises thresholds across calls.
    public func charts(_ topic: TopicWeeks, thresholds cache: ThresholdCache? = nil) -> [Chart] {
        guard let window = window(topic) else { return [] }
        var charts: [Chart] = []
        for share in WatchedShare.allCases {
            let base = baselines(topic, share: share, window: window)
            let prior = BetaBinomialPrior.fit(base)
            for unit in Array((0..<topic.units).map(Optional.some)) + [nil] {
                if let chart = chart(topic, unit: unit, share: share, window: window, base: base, prior: prior, cache: cache) {
                    charts.append(chart)
                }
            }
        }
        return charts
    }

    /// One chart of a topic (nil when its series lacks a baseline).
    public func chart(_ topic: TopicWeeks, unit: Int?, share: WatchedShare, thresholds cache: ThresholdCache? = nil) -> Chart? {
        guard let window = window(topic) else { return nil }
        let base = baselines(topic, share: share, window: window)
        return chart(topic, unit: unit, share: share, window: window, base: base, prior: BetaBinomialPrior.fit(base), cache: cache)
    }

    /// The watched weeks and the baseline weeks before them.
    func window(_ topic: TopicWeeks) -> (firstWatched: Int, baseline: Range<Int>)? {
        let watched = min(settings.watchedWeeks, topic.weeks - settings.minimumBaselineWeeks)
        guard watched > 0 else { return nil }
        let firstWatched = topic.weeks - watched
        return (firstWatched, max(0, firstWatched - settings.baselineWeeks)..<firstWatched)
    }

    /// Each unit's counts over the baseline weeks.
    func baselines(_ topic: TopicWeeks, share: WatchedShare, window: (firstWatched: Int, baseline: Range<Int>)) -> [(count: Int, n: Int)] {
        (0..<topic.units).map { unit in
            window.baseline.reduce(into: (count: 0, n: 0)) { total, week in
                let c = topic.count(share, unit: unit, week: week)
                total.count += c.count
                total.n += c.n
            }
        }
    }

    func chart(_ topic: TopicWeeks, unit: Int?, share: WatchedShare, window: (firstWatched: Int, baseline: Range<Int>),
               base: [(count: Int, n: Int)], prior: BetaBinomialPrior, cache: ThresholdCache?) -> Chart? {
        let oddsRatio = share == .negativeRising ? settings.oddsRatio : 1 / settings.oddsRatio
        let weekly = window.baseline.map { topic.count(share, unit: unit, week: $0).n }
        guard weekly.filter({ $0 > 0 }).count >= settings.minimumBaselineWeeks else { return nil }
        let p0: Double
        if let unit, let own = base[safe: unit] {
            p0 = prior.shrunkShare(count: own.count, of: own.n)
        } else {
            p0 = prior.mean
        }
        let responses = WeeklyResponses(weekly)
        guard let (cusum, runLength) = calibrate(p0: p0, oddsRatio: oddsRatio, responses: responses, cache: cache) else { return nil }
        let series = (window.firstWatched..<topic.weeks).map { topic.count(share, unit: unit, week: $0) }
        let steps = cusum.run(series)
        var chart = Chart(unit: unit, share: share, cusum: cusum, assumedResponses: responses, runLength: runLength,
                          firstWatchedWeek: window.firstWatched, steps: steps, alarm: nil)
        chart.alarm = EarlyWarning.openEpisode(chart, series: series)
        return chart
    }

    /// The chart for π₀ with its threshold, and its in-control run length (remembered in `cache`).
    func calibrate(p0: Double, oddsRatio: Double, responses: WeeklyResponses, cache: ThresholdCache?) -> (BinomialCUSUM, Double)? {
        guard p0 > 0, p0 < 1 else { return nil }
        let key = ThresholdCache.Key(inControl: p0, oddsRatio: oddsRatio, responses: responses, target: settings.targetRunLength, states: settings.states)
        if let entry = cache?.entry(key) {
            return (BinomialCUSUM(inControl: p0, outOfControl: BinomialCUSUM.shifted(p0, oddsRatio: oddsRatio), threshold: entry.threshold), entry.runLength)
        }
        guard let chart = BinomialCUSUM.calibrated(inControl: p0, oddsRatio: oddsRatio, responses: responses, targetRunLength: settings.targetRunLength, states: settings.states) else { return nil }
        let runLength = chart.averageRunLength(actual: p0, responses: responses, states: settings.states) ?? settings.targetRunLength
        cache?.store(key, threshold: chart.threshold, runLength: runLength)
        return (chart, runLength)
    }

    /// The episode open at the latest week of a chart's watched weeks.
    static func openEpisode(_ chart: Chart, series: [(count: Int, n: Int)]) -> Alarm? {
        var open: (since: Int, first: Int)?
        var runStart = 0
        var previous = 0.0
        for (offset, step) in chart.steps.enumerated() {
            if previous == 0, step.score > 0 { runStart = offset }
            if step.alarm {
                if open == nil { open = (runStart, offset) }
                previous = 0
            } else {
                if open != nil, step.score == 0, offset < series.count, series[offset].n > 0 { open = nil }
                previous = step.score
            }
        }
        guard let open else { return nil }
        var count = 0, n = 0, score = 0.0
        for offset in open.since..<series.count {
            count += series[offset].count
            n += series[offset].n
            score += chart.cusum.logLikelihoodRatio(count: series[offset].count, of: series[offset].n)
        }
        let p0 = chart.cusum.inControl
        return Alarm(
            since: chart.firstWatchedWeek + open.since, firstAlarm: chart.firstWatchedWeek + open.first,
            count: count, responses: n, expected: p0, expectedRange: binomialRange(n: n, p: p0),
            score: score, threshold: chart.cusum.threshold
        )
    }

    /// The central 95% range of Y / n for Y ~ Binomial(n, p).
    static func binomialRange(n: Int, p: Double) -> Interval {
        guard n > 0 else { return Interval(low: p, high: p) }
        var cumulative = 0.0
        var low: Int?, high = n
        for y in 0...n {
            cumulative += BinomialCUSUM.binomialProbability(y, n, p)
            if low == nil, cumulative >= 0.025 { low = y }
            if cumulative >= 0.975 {
                high = y
                break
            }
        }
        return Interval(low: Double(low ?? 0) / Double(n), high: Double(high) / Double(n))
    }
}

/// Thresholds already computed, shared by the publications of one process: a threshold depends
/// only on (π₀, odds ratio, weekly responses, target, states), and the baselines change once a week.
public final class ThresholdCache: Sendable {
    public struct Key: Hashable, Sendable {
        public var inControl: Double
        public var oddsRatio: Double
        public var responses: WeeklyResponses
        public var target: Double
        public var states: Int
    }

    /// A threshold and the in-control run length it gives.
    public struct Entry: Hashable, Sendable {
        public var threshold: Double
        public var runLength: Double
    }

    private let entries = Mutex<[Key: Entry]>([:])

    public init() {}

    public func entry(_ key: Key) -> Entry? {
        entries.withLock { $0[key] }
    }

    public func store(_ key: Key, threshold: Double, runLength: Double) {
        entries.withLock { entries in
            // Bounded: a year of baselines for 16 units × 20 topics is well below this.
            if entries.count > 100_000 { entries.removeAll() }
            entries[key] = Entry(threshold: threshold, runLength: runLength)
        }
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
