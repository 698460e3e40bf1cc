import Foundation
import Synchronization

/// Settings of the early-warning charts (configuration keys `alerts.*`).
public struct EarlyWarningSettings: Sendable, Hashable {
    /// Odds ratio of the share each chart is tuned to detect against the in-control share (> 1;
    /// the chart on the positive share uses its inverse).
    public var oddsRatio = 2.0
    /// The province's false-alarm budget: the false alarms expected per week across all charts
    /// together when nothing changes. Each chart's in-control run length is derived from it.
    public var falseAlarmsPerWeek = 1.0
    /// The watch list's budget: the chance entries per week expected across all charts at its
    /// looser threshold (0, or not above the alarm budget: no watch list).
    public var watchEntriesPerWeek = 5.0
    /// Weeks watched by the charts, up to the latest; the baseline lies before them.
    public var watchedWeeks = 13
    /// Weeks of baseline before the watched ones (at most).
    public var baselineWeeks = 52
    /// Fewer baseline weeks with responses than this: no chart. While the history is short the
    /// baseline takes at least half of it.
    public var minimumBaselineWeeks = 2
    /// States of the Markov-chain approximation of the run length.
    public var states = BinomialCUSUM.defaultStates
    /// The share of the budget spent by the provisional look at the current week's days before
    /// its release: the charts continued day by day over its first ``provisionalDays`` (0: no
    /// provisional look, the whole budget for the weekly charts).
    public var provisionalShare = 0.0
    /// The days of the current week the provisional look follows (Monday on), 1 to 6.
    public var provisionalDays = 6
    /// Whether the provisional look spends only what the weekly charts leave of the budget instead
    /// of ``provisionalShare``: the weekly charts keep the whole budget's thresholds (the lowest
    /// whose run length reaches the family's target, they leave part of it unused on their
    /// lattice), and the look's charts share the rest. The daemon's way (`alerts.provisional_days`).
    public var provisionalSpendsSlack = false

    public init() {}

    /// The in-control run length of each of `charts` charts that spends the budget `perWeek`:
    /// charts / budget weeks (the expected false alarms of several charts add up, dependent or not).
    public static func runLength(charts: Int, perWeek: Double) -> Double {
        guard perWeek > 0, perWeek.isFinite else { return .infinity }
        return max(2, Double(max(1, charts)) / perWeek)
    }

    /// Whether the watch list runs.
    public var watches: Bool { watchEntriesPerWeek > falseAlarmsPerWeek }

    /// Whether the provisional look runs.
    public var looksProvisionally: Bool {
        (provisionalSpendsSlack || (provisionalShare > 0 && provisionalShare < 1)) && (1...6).contains(provisionalDays)
    }

    /// The part of the budget the weekly charts spend, and the provisional look's (spending the
    /// slack, the look's part is known only once the weekly thresholds are: 0 here).
    public var weeklyBudget: Double {
        looksProvisionally && !provisionalSpendsSlack ? falseAlarmsPerWeek * (1 - provisionalShare) : falseAlarmsPerWeek
    }
    public var provisionalBudget: Double {
        looksProvisionally && !provisionalSpendsSlack ? falseAlarmsPerWeek * provisionalShare : 0
    }
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

/// The early-warning charts of a province: for every unit and the province and every topic, a
/// binomial LR-CUSUM on the negative share (watching for a rise) and on the positive share
/// (watching for a fall), all held to one false-alarm budget.
///
/// The in-control share of a chart is its series' share over the baseline weeks (before the
/// watched ones); a unit's is shrunk toward the province's by beta-binomial empirical Bayes across
/// the units. The dispersion φ of a topic's answers (how much more than binomial its weekly counts
/// vary) is estimated from the units' baselines. Each chart's threshold gives the in-control run
/// length charts / budget, when each week's responses are drawn from the baseline's weekly counts
/// (``WeeklyResponses``), counts vary by φ, and the share that holds may lie one standard error
/// of the baseline's estimate from π₀. The CUSUM starts at zero at the first watched week.
///
/// An alarm episode opens when the chart crosses its threshold; the chart is reset to zero, and
/// the episode stays open as long as evidence keeps accumulating in the watched direction: it
/// closes at the first week with responses after which the restarted CUSUM is back at zero. A
/// watch episode is the same at the watch list's looser threshold, for a chart not in alarm.
public struct EarlyWarning: Sendable {
    public var settings: EarlyWarningSettings

    public init(settings: EarlyWarningSettings = EarlyWarningSettings()) {
        self.settings = settings
    }

    /// One chart's outcome.
    public struct Chart: Sendable, Hashable {
        /// The topic's index among those given.
        public var topic: Int
        public var unit: Int?
        public var share: WatchedShare
        /// The chart at its alarm threshold, and at the watch list's (nil: no watch list).
        public var cusum: BinomialCUSUM
        public var watchCUSUM: BinomialCUSUM?
        /// The weekly responses assumed for the threshold and the run length: the baseline's
        /// weekly counts (weeks without responses included), binned.
        public var assumedResponses: WeeklyResponses
        /// The standard error of π₀ the threshold allows for.
        public var uncertainty: Double
        /// In-control average run length at the alarm threshold (and at the watch threshold), in weeks.
        public var runLength: Double
        public var watchRunLength: Double?
        /// The provisional look's threshold and its in-control run length in weeks (nil: no look),
        /// and the days of the week it follows.
        public var provisionalThreshold: Double?
        public var provisionalRunLength: Double?
        public var provisionalDays: Int
        /// The watched weeks (indices into the series) and the chart's steps on them.
        public var firstWatchedWeek: Int
        public var steps: [BinomialCUSUM.Step]
        /// The alarm episode open at the latest week, if any; else the watch episode, if any.
        public var alarm: Alarm?
        public var watch: Alarm?
    }

    /// The charts of a province and what they spend of the budgets.
    public struct Family: Sendable {
        public var charts: [Chart]
        /// The run length each chart was given (charts / budget), in weeks, for alarms and for the watch list.
        public var runLength: Double
        public var watchRunLength: Double?
        /// Σ 1 / ARL over the charts: false alarms (and chance watch entries) expected per week;
        /// with a provisional look, its share included in the false alarms (and given apart).
        public var expectedFalseAlarms: Double
        public var expectedWatchEntries: Double?
        public var provisionalRunLength: Double?
        public var expectedProvisionalAlarms: Double?
    }

    /// An open alarm (or watch) episode.
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
        /// The log-likelihood ratio of the shifted share against the in-control one, over the
        /// dispersion, summed from `since` to the latest week; and the threshold it is measured against.
        public var score: Double
        public var threshold: Double
    }

    /// A chart before its threshold: what the baseline says.
    struct Candidate {
        var topic: Int
        var unit: Int?
        var share: WatchedShare
        var inControl: Double
        var responses: WeeklyResponses
        var dispersion: Double
        var uncertainty: Double
        var firstWatched: Int
        var series: [(count: Int, n: Int)]
    }

    /// Every chart of the topics (for each topic: units, then the province as `unit == nil`),
    /// skipping series without enough baseline, with thresholds that spend the budgets together.
    /// `thresholds` memoises thresholds across calls.
    public func family(_ topics: [TopicWeeks], thresholds cache: ThresholdCache? = nil) -> Family {
        let candidates = topics.enumerated().flatMap { charted($0.element, topic: $0.offset) }
        let runLength = EarlyWarningSettings.runLength(charts: candidates.count, perWeek: settings.weeklyBudget)
        let watchRunLength = settings.watches ? EarlyWarningSettings.runLength(charts: candidates.count, perWeek: settings.watchEntriesPerWeek) : nil
        let slack = settings.looksProvisionally && settings.provisionalSpendsSlack
        var provisionalRunLength = settings.looksProvisionally && !slack
            ? EarlyWarningSettings.runLength(charts: candidates.count, perWeek: settings.provisionalBudget) : nil
        var family = Family(charts: [], runLength: runLength, watchRunLength: watchRunLength, expectedFalseAlarms: 0,
                            expectedWatchEntries: watchRunLength.map { _ in 0 }, provisionalRunLength: provisionalRunLength,
                            expectedProvisionalAlarms: provisionalRunLength.map { _ in 0 })
        var made: [(candidate: Candidate, chart: Chart)] = []
        for candidate in candidates {
            guard let chart = chart(candidate, runLength: runLength, watchRunLength: watchRunLength, provisionalRunLength: provisionalRunLength,
                                    cache: cache) else { continue }
            made.append((candidate, chart))
            if chart.runLength.isFinite, chart.runLength > 0 { family.expectedFalseAlarms += 1 / chart.runLength }
            if let watch = chart.watchRunLength, watch.isFinite, watch > 0 { family.expectedWatchEntries? += 1 / watch }
        }
        if slack {
            // What the weekly charts leave of the budget, shared by the look's charts.
            let left = settings.falseAlarmsPerWeek - family.expectedFalseAlarms
            if left > settings.falseAlarmsPerWeek * 1e-3, !made.isEmpty {
                provisionalRunLength = EarlyWarningSettings.runLength(charts: candidates.count, perWeek: left)
            }
            family.provisionalRunLength = provisionalRunLength
            family.expectedProvisionalAlarms = 0
            if let target = provisionalRunLength {
                // A look's threshold costs several weekly ones: computed on every core.
                let pending = made.map { (candidate: $0.candidate, threshold: $0.chart.cusum.threshold) }
                let computed = Mutex<[Int: (threshold: Double, runLength: Double)]>([:])
                DispatchQueue.concurrentPerform(iterations: pending.count) { index in
                    guard let look = self.look(pending[index].candidate, weekly: runLength, weeklyThreshold: pending[index].threshold, target: target, cache: cache)
                    else { return }
                    computed.withLock { $0[index] = look }
                }
                let looks = computed.withLock { $0 }
                for index in made.indices {
                    let look = looks[index]
                    made[index].chart.provisionalThreshold = look?.threshold
                    made[index].chart.provisionalRunLength = look?.runLength
                    made[index].chart.provisionalDays = look == nil ? 0 : settings.provisionalDays
                }
            }
        }
        for (_, chart) in made {
            family.charts.append(chart)
            if let look = chart.provisionalRunLength, look.isFinite, look > 0 {
                family.expectedProvisionalAlarms? += 1 / look
                family.expectedFalseAlarms += 1 / look
            }
        }
        return family
    }

    /// The provisional look's threshold of a chart whose weekly threshold, at the run length
    /// `weekly`, is `weeklyThreshold`, at the look's run length `target`, from `cache` when it
    /// holds it.
    func look(_ candidate: Candidate, weekly: Double, weeklyThreshold: Double, target: Double, cache: ThresholdCache?) -> (threshold: Double, runLength: Double)? {
        let key = BinomialCUSUM.ProvisionalCalibration(
            weekly: calibration(candidate, runLength: weekly), weeklyThreshold: weeklyThreshold, days: settings.provisionalDays, targetRunLength: target)
        if let entry = cache?.entry(key) { return (entry.threshold, entry.runLength) }
        guard let look = BinomialCUSUM.provisionalThreshold(key) else { return nil }
        cache?.store(key, threshold: look.threshold, runLength: look.runLength)
        return look
    }

    /// What a chart's weekly threshold is computed from, at the run length `target`.
    func calibration(_ candidate: Candidate, runLength target: Double) -> BinomialCUSUM.Calibration {
        BinomialCUSUM.Calibration(inControl: candidate.inControl, oddsRatio: candidate.share == .negativeRising ? settings.oddsRatio : 1 / settings.oddsRatio,
                                  responses: candidate.responses, targetRunLength: target,
                                  dispersion: candidate.dispersion, uncertainty: candidate.uncertainty, states: settings.states)
    }

    /// One chart of a topic at a given in-control run length (nil when its series lacks a baseline).
    public func chart(_ topic: TopicWeeks, unit: Int?, share: WatchedShare, runLength: Double, provisionalRunLength: Double? = nil,
                      thresholds cache: ThresholdCache? = nil) -> Chart? {
        guard let candidate = charted(topic, topic: 0).first(where: { $0.unit == unit && $0.share == share }) else { return nil }
        return chart(candidate, runLength: runLength, watchRunLength: nil, provisionalRunLength: provisionalRunLength, cache: cache)
    }

    /// The watched weeks and the baseline weeks before them: the baseline takes at least
    /// ``EarlyWarningSettings/minimumBaselineWeeks`` and at least half of a short history.
    func window(_ topic: TopicWeeks) -> (firstWatched: Int, baseline: Range<Int>)? {
        let watched = min(settings.watchedWeeks, topic.weeks - max(settings.minimumBaselineWeeks, (topic.weeks + 1) / 2))
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

    /// The charts of one topic with a baseline, before their thresholds.
    func charted(_ topic: TopicWeeks, topic index: Int) -> [Candidate] {
        guard let window = window(topic) else { return [] }
        var candidates: [Candidate] = []
        for share in WatchedShare.allCases {
            let base = baselines(topic, share: share, window: window)
            let prior = BetaBinomialPrior.fit(base)
            let unitWeeks = (0..<topic.units).map { unit in window.baseline.map { topic.count(share, unit: unit, week: $0) } }
            let unitDispersion = Dispersion.pooled(unitWeeks)
            for unit in Array((0..<topic.units).map(Optional.some)) + [nil] {
                let weeks = unit.flatMap { unitWeeks[safe: $0] } ?? window.baseline.map { topic.count(share, unit: nil, week: $0) }
                guard weeks.filter({ $0.n > 0 }).count >= settings.minimumBaselineWeeks else { continue }
                let p0: Double, weight: Double, dispersion: Double
                if let unit, let own = base[safe: unit] {
                    p0 = prior.shrunkShare(count: own.count, of: own.n)
                    weight = Double(own.n) + prior.strength
                    dispersion = unitDispersion
                } else {
                    p0 = prior.mean
                    weight = Double(weeks.reduce(0) { $0 + $1.n })
                    dispersion = max(unitDispersion, Dispersion.pooled([weeks]))
                }
                guard p0 > 0, p0 < 1, weight > 0 else { continue }
                candidates.append(Candidate(
                    topic: index, unit: unit, share: share, inControl: p0, responses: WeeklyResponses(weeks.map(\.n)),
                    dispersion: dispersion, uncertainty: (dispersion * p0 * (1 - p0) / (weight + 1)).squareRoot(),
                    firstWatched: window.firstWatched, series: (window.firstWatched..<topic.weeks).map { topic.count(share, unit: unit, week: $0) }
                ))
            }
        }
        return candidates
    }

    func chart(_ candidate: Candidate, runLength: Double, watchRunLength: Double?, provisionalRunLength: Double? = nil, cache: ThresholdCache?) -> Chart? {
        guard let alarm = ThresholdCache.calibrated(calibration(candidate, runLength: runLength), cache: cache) else { return nil }
        let watch = watchRunLength.flatMap { ThresholdCache.calibrated(calibration(candidate, runLength: $0), cache: cache) }
        let steps = alarm.chart.run(candidate.series)
        let look = provisionalRunLength.flatMap { target in
            self.look(candidate, weekly: runLength, weeklyThreshold: alarm.chart.threshold, target: target, cache: cache)
        }
        var chart = Chart(topic: candidate.topic, unit: candidate.unit, share: candidate.share, cusum: alarm.chart, watchCUSUM: watch?.chart,
                          assumedResponses: candidate.responses, uncertainty: candidate.uncertainty, runLength: alarm.runLength,
                          watchRunLength: watch?.runLength, provisionalThreshold: look?.threshold, provisionalRunLength: look?.runLength,
                          provisionalDays: look == nil ? 0 : settings.provisionalDays, firstWatchedWeek: candidate.firstWatched, steps: steps, alarm: nil, watch: nil)
        chart.alarm = EarlyWarning.openEpisode(alarm.chart, steps: steps, series: candidate.series, firstWatched: candidate.firstWatched)
        if chart.alarm == nil, let watch, watch.chart.threshold < alarm.chart.threshold {
            chart.watch = EarlyWarning.openEpisode(watch.chart, steps: watch.chart.run(candidate.series), series: candidate.series, firstWatched: candidate.firstWatched)
        }
        return chart
    }

    /// The episode open at the latest week of a chart's watched weeks.
    static func openEpisode(_ cusum: BinomialCUSUM, steps: [BinomialCUSUM.Step], series: [(count: Int, n: Int)], firstWatched: Int) -> Alarm? {
        var open: (since: Int, first: Int)?
        var runStart = 0
        var previous = 0.0
        for (offset, step) in steps.enumerated() {
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
            score += cusum.logLikelihoodRatio(count: series[offset].count, of: series[offset].n)
        }
        let p0 = cusum.inControl
        return Alarm(
            since: firstWatched + open.since, firstAlarm: firstWatched + open.first,
            count: count, responses: n, expected: p0, expectedRange: binomialRange(n: n, p: p0),
            score: score, threshold: cusum.threshold
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
/// only on its ``BinomialCUSUM/Calibration``, and the baselines change once a week.
public final class ThresholdCache: Sendable {
    /// A threshold and the in-control run length it gives.
    public struct Entry: Hashable, Sendable {
        public var threshold: Double
        public var runLength: Double
    }

    private let entries = Mutex<[BinomialCUSUM.Calibration: Entry]>([:])
    private let looks = Mutex<[BinomialCUSUM.ProvisionalCalibration: Entry]>([:])

    public init() {}

    public func entry(_ key: BinomialCUSUM.Calibration) -> Entry? {
        entries.withLock { $0[key] }
    }

    /// A provisional look's threshold (``BinomialCUSUM/provisionalThreshold(_:)``), remembered
    /// like the weekly ones: it costs several times as much.
    public func entry(_ key: BinomialCUSUM.ProvisionalCalibration) -> Entry? {
        looks.withLock { $0[key] }
    }

    public func store(_ key: BinomialCUSUM.ProvisionalCalibration, threshold: Double, runLength: Double) {
        looks.withLock { looks in
            if looks.count > 100_000 { looks.removeAll() }
            looks[key] = Entry(threshold: threshold, runLength: runLength)
        }
    }

    public func store(_ key: BinomialCUSUM.Calibration, threshold: Double, runLength: Double) {
        entries.withLock { entries in
            // Bounded: a year of baselines for 16 units × 20 topics is well below this.
            if entries.count > 100_000 { entries.removeAll() }
            entries[key] = Entry(threshold: threshold, runLength: runLength)
        }
    }

    /// The calibrated chart, from `cache` when it holds it.
    static func calibrated(_ calibration: BinomialCUSUM.Calibration, cache: ThresholdCache?) -> (chart: BinomialCUSUM, runLength: Double)? {
        let p1 = BinomialCUSUM.shifted(calibration.inControl, oddsRatio: calibration.oddsRatio)
        if let entry = cache?.entry(calibration) {
            return (BinomialCUSUM(inControl: calibration.inControl, outOfControl: p1, threshold: entry.threshold, dispersion: calibration.dispersion), entry.runLength)
        }
        guard let result = BinomialCUSUM.calibrated(calibration) else { return nil }
        cache?.store(calibration, threshold: result.chart.threshold, runLength: result.runLength)
        return result
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
