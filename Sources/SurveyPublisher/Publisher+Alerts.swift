import Foundation
import Logging
import SurveyModel
import SurveyReport

extension Publisher {
    /// Thresholds computed by any publication of this process (they depend only on their inputs).
    static let thresholds = ThresholdCache()

    /// The alarms open at the latest week with data, from the weekly tallies: the early-warning
    /// charts of every unit × topic and province × topic (``EarlyWarning``). The charts read only
    /// what the weekly summaries publish: a week whose unit (or province) total is withheld counts
    /// as a week without responses for that chart, so that no figure of `alerts.json` (expected
    /// shares, scores, whether an alarm is open) rests on a withheld count. A figure of an alarm
    /// (its share and score) is also left out when any week it covers has that total withheld.
    /// `weekMasks` says what the published weekly summaries withhold (a week without responses
    /// has none). Without weekly summaries (nil: `week` is not in `publish.periods`) there are no
    /// charts: they would read figures no file publishes. The charts read each week's current
    /// version: a revised week is read again, and an alarm whose evidence covers a week in
    /// `revisedWeeks` says it rests on revised data.
    /// `look`, the first days of the week after the latest published one, as stored, is followed
    /// by the provisional look once a day: when `previous` (the `alerts.json` in place) looked at
    /// the same days of the same week, its provisional alarms stand (the look's threshold holds
    /// one look a day); see ``LookDays/safeCrossings(_:minimum:recorded:)`` for which are shown.
    static func alerts(
        cubes: PeriodCubes, settings: EarlyWarningSettings, minimumCellSize: Int, generatedAt: String,
        weekMasks: [Period: ProtectionMask]?, revisedWeeks: Set<Period> = [], look: LookDays? = nil, previous: AlertsDocument? = nil
    ) -> AlertsDocument {
        var document = AlertsDocument(generatedAt: generatedAt, week: nil, settings: settings)
        let withData = cubes.periods(.week)
        guard let weekMasks, let latest = withData.last, let first = withData.first else { return document }
        document.week = latest.identifier
        // The weeks the charts can use, oldest first: no earlier than the first week with data.
        var weeks: [Period] = []
        var week = latest
        while weeks.count < settings.baselineWeeks + settings.watchedWeeks, week >= first {
            weeks.append(week)
            week = week.previous
        }
        weeks.reverse()
        let weekCubes = weeks.map { cubes.cube($0) }
        let empty = cubes.empty
        let (unitCount, groupCount) = (empty.units.count, empty.groups.count)
        let polarity = empty.sentiments.map(\.polarity)
        func name(_ wanted: Polarity, _ fallback: String) -> String {
            let matching = empty.sentiments.filter { $0.polarity == wanted }
            return matching.count == 1 ? matching[0].code : fallback
        }
        let negativeName = name(.negative, "negative"), positiveName = name(.positive, "positive")
        var masks: [Int: ProtectionMask] = [:]
        func withheld(topic t: Int, unit: Int?, week w: Int) -> Bool {
            let mask = masks[w] ?? weekMasks[weeks[w]] ?? ProtectionMask(singleTable: weekCubes[w], minimum: minimumCellSize)
            masks[w] = mask
            return mask.isWithheld(topic: t, unit: unit, group: nil)
        }
        var topics: [TopicWeeks] = []
        for t in empty.topics.indices {
            var series = TopicWeeks(units: unitCount, weeks: weeks.count)
            var province = (positive: [Int](repeating: 0, count: weeks.count), negative: [Int](repeating: 0, count: weeks.count), responses: [Int](repeating: 0, count: weeks.count))
            for (w, cube) in weekCubes.enumerated() {
                let provinceShown = !withheld(topic: t, unit: nil, week: w)
                for u in 0..<unitCount {
                    var positive = 0, negative = 0, all = 0
                    for g in 0..<groupCount {
                        for (s, sentimentPolarity) in polarity.enumerated() {
                            let count = cube[u, t, g, s]
                            all += count
                            if sentimentPolarity == .positive { positive += count }
                            if sentimentPolarity == .negative { negative += count }
                        }
                    }
                    if provinceShown {
                        province.positive[w] += positive
                        province.negative[w] += negative
                        province.responses[w] += all
                    }
                    guard !withheld(topic: t, unit: u, week: w) else { continue }
                    let i = u * weeks.count + w
                    series.positive[i] = positive
                    series.negative[i] = negative
                    series.responses[i] = all
                }
            }
            series.province = province
            topics.append(series)
        }
        let family = EarlyWarning(settings: settings).family(topics, thresholds: thresholds)
        document.charts = family.charts.count
        document.runLengthWeeks = hundredths(family.runLength)
        document.expectedFalseAlarmsPerWeek = hundredths(family.expectedFalseAlarms)
        document.expectedWatchEntriesPerWeek = family.expectedWatchEntries.map(hundredths)
        func alert(_ chart: EarlyWarning.Chart, _ episode: EarlyWarning.Alarm) -> AlertsDocument.Alert? {
            guard weeks.indices.contains(episode.since), let topic = empty.topics[safe: chart.topic] else { return nil }
            let hidden = (episode.since..<weeks.count).contains { withheld(topic: chart.topic, unit: chart.unit, week: $0) }
            return AlertsDocument.Alert(
                topic: topic.code, unit: chart.unit.flatMap { empty.units[safe: $0]?.code },
                sentiment: chart.share == .negativeRising ? negativeName : positiveName, direction: chart.share.direction,
                since: weeks[episode.since].identifier, period: latest.identifier,
                share: hidden || episode.responses == 0 ? nil : percent(Double(episode.count) / Double(episode.responses)),
                expected: percent(episode.expected), expectedLow: percent(episode.expectedRange.low), expectedHigh: percent(episode.expectedRange.high),
                score: hidden ? nil : hundredths(episode.score), threshold: hundredths(episode.threshold),
                dispersion: chart.cusum.dispersion > 1 ? hundredths(chart.cusum.dispersion) : nil,
                revisedData: weeks[episode.since...].contains(where: revisedWeeks.contains) ? true : nil
            )
        }
        for chart in family.charts {
            if let episode = chart.alarm, let entry = alert(chart, episode) { document.alerts.append(entry) }
            if let episode = chart.watch, let entry = alert(chart, episode) { document.watch.append(entry) }
        }
        if settings.looksProvisionally {
            document.expectedProvisionalAlarmsPerWeek = family.expectedProvisionalAlarms.map(hundredths)
            document.provisional = []
            let through = look?.through
            document.provisionalThrough = through
            if let look, look.week > latest, let previous, previous.provisionalThrough == through, let shown = previous.provisional {
                // Looked at today already: the same alarms, recorded when first shown.
                document.provisional = shown
            } else if let look, look.week > latest {
                var crossings: [(chart: EarlyWarning.Chart, day: Int)] = []
                for chart in family.charts {
                    guard let days = look.series(chart, polarity: polarity), days.reduce(0, { $0 + $1.n }) >= minimumCellSize,
                          let crossed = chart.provisionalCrossing(days) else { continue }
                    crossings.append((chart, crossed))
                }
                // The alarms shown before for this week, recorded: their bounds hold in every plan.
                let recorded = Set((cubes.provisionalBounds[look.week.start.dayNumber] ?? []).map { LookDays.Series(topic: $0.topic, unit: $0.unit) })
                // A table holding the days looked at waits for their week (months and rounds wait
                // for the week of their last day); were one out, it was planned without the bounds
                // of an alarm not yet recorded: no new alarm then.
                let mayAdd = !look.spansReleased(cubes)
                for (chart, crossed) in look.safeCrossings(crossings, minimum: minimumCellSize, recorded: recorded)
                where mayAdd || recorded.contains(LookDays.Series(topic: chart.topic, unit: chart.unit)) {
                    guard let topic = empty.topics[safe: chart.topic] else { continue }
                    document.provisional?.append(AlertsDocument.Provisional(
                        topic: topic.code, unit: chart.unit.flatMap { empty.units[safe: $0]?.code },
                        sentiment: chart.share == .negativeRising ? negativeName : positiveName, direction: chart.share.direction,
                        week: look.week.identifier, crossedOn: look.week.start.adding(days: crossed - 1).description,
                        through: look.through
                    ))
                }
            }
        }
        document.triage(topicOrder: empty.topics.map(\.code), unitOrder: empty.units.map(\.code))
        return document
    }

    /// Percent, rounded to two decimals.
    static func percent(_ fraction: Double) -> Double { hundredths(fraction * 100) }

    static func hundredths(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}

/// The current week's first days as stored, for the provisional look: counts per unit, topic,
/// day and sentiment (all groups together), read before the week is released.
struct LookDays {
    var week: Period
    /// Days read, Monday on (1 to 6).
    var days: Int
    let units: Int, topics: Int, sentiments: Int
    /// `counts[((unit * topics + topic) * days + day) * sentiments + sentiment]`.
    var counts: [Int]

    init(week: Period, days: Int, units: Int, topics: Int, sentiments: Int) {
        self.week = week
        self.days = days
        (self.units, self.topics, self.sentiments) = (units, topics, sentiments)
        counts = Array(repeating: 0, count: max(0, units * topics * days * sentiments))
    }

    /// The last day looked at (ISO date), as `alerts.json`'s `provisional_through` records it.
    var through: String { week.start.adding(days: days - 1).description }

    mutating func add(_ count: Int, unit: Int, topic: Int, day: Int, sentiment: Int) {
        guard (0..<units).contains(unit), (0..<topics).contains(topic), (0..<days).contains(day), (0..<sentiments).contains(sentiment) else { return }
        counts[((unit * topics + topic) * days + day) * sentiments + sentiment] += count
    }

    /// The crossings that may be shown. An alarm shown bounds its unit's (or the province's) counts
    /// of the topic in the week from below for every later plan; a small unit's total there is
    /// protected by moving responses between it and the other units, and a small topic's province
    /// total against the other topics, so those moves need partners the alarms do not bound: a
    /// topic's unit alarms are shown only when the units without one hold at least `minimum`
    /// responses of it on the days looked at, and a province alarm only when the topics without
    /// one do (data only grow until the week's release, so the partners are there then too).
    /// A unit's (nil: the province's) topic.
    struct Series: Hashable {
        var topic: Int
        var unit: Int?
    }

    /// Whether a table shown before or now holds one of the days looked at: a span of them is
    /// released (a month ending in the week), or a round's window (released or to be) meets them.
    func spansReleased(_ cubes: PeriodCubes) -> Bool {
        let first = week.start.dayNumber, last = first + days - 1
        if (first...last).contains(where: { cubes.spanCounts[cubes.cuts.spanStart($0)] != nil }) { return true }
        return cubes.rounds.contains { $0.window.from.dayNumber <= last && $0.window.to.dayNumber >= first }
    }

    /// `recorded`: the series whose alarms were shown before this week (bounded already).
    func safeCrossings(_ crossings: [(chart: EarlyWarning.Chart, day: Int)], minimum: Int, recorded: Set<Series> = []) -> [(chart: EarlyWarning.Chart, day: Int)] {
        func responses(unit: Int?, topic: Int) -> Int {
            var n = 0
            for u in unit.map({ [$0] }) ?? Array(0..<units) where (0..<units).contains(u) {
                for day in 0..<days {
                    for s in 0..<sentiments { n += counts[((u * topics + topic) * days + day) * sentiments + s] }
                }
            }
            return n
        }
        var alarmedUnits = Dictionary(grouping: crossings.filter { $0.chart.unit != nil }, by: \.chart.topic).mapValues { Set($0.compactMap(\.chart.unit)) }
        for series in recorded { if let unit = series.unit { alarmedUnits[series.topic, default: []].insert(unit) } }
        let alarmedTopics = Set(crossings.filter { $0.chart.unit == nil }.map(\.chart.topic)).union(recorded.filter { $0.unit == nil }.map(\.topic))
        return crossings.filter { crossing in
            let topic = crossing.chart.topic
            guard (0..<topics).contains(topic) else { return false }
            if crossing.chart.unit != nil {
                let bounded = alarmedUnits[topic] ?? []
                return (0..<units).filter { !bounded.contains($0) }.reduce(0) { $0 + responses(unit: $1, topic: topic) } >= minimum
            }
            return (0..<topics).filter { !alarmedTopics.contains($0) }.reduce(0) { $0 + responses(unit: nil, topic: $1) } >= minimum
        }
    }

    /// A chart's days: the watched share's answers and all answers of its unit (or of every unit,
    /// for the province) on each day; nil for a topic out of range.
    func series(_ chart: EarlyWarning.Chart, polarity: [Polarity]) -> [(count: Int, n: Int)]? {
        guard (0..<topics).contains(chart.topic), polarity.count == sentiments else { return nil }
        let watched: Polarity = chart.share == .negativeRising ? .negative : .positive
        return (0..<days).map { day in
            var count = 0, n = 0
            for unit in chart.unit.map({ [$0] }) ?? Array(0..<units) where (0..<units).contains(unit) {
                for s in 0..<sentiments {
                    let c = counts[((unit * topics + chart.topic) * days + day) * sentiments + s]
                    n += c
                    if polarity[s] == watched { count += c }
                }
            }
            return (count, n)
        }
    }
}

extension Publisher {
    /// Whether `alerts.json` and `alerts.html` must be (re)computed: when any period changed, when
    /// a file is missing, or when they were computed with other settings.
    func alertsNeeded(changed: Bool) throws -> Bool {
        if changed { return true }
        guard let old = publishedAlerts(), FileManager.default.fileExists(atPath: "\(directory)/alerts.html") else { return true }
        let settings = effectiveEarlyWarning
        return old.oddsRatio != settings.oddsRatio || old.falseAlarmsPerWeek != settings.falseAlarmsPerWeek
            || old.watchEntriesPerWeek != (settings.watches ? settings.watchEntriesPerWeek : nil)
            || old.provisionalDays != (settings.looksProvisionally ? settings.provisionalDays : nil)
    }

    /// The `alerts.json` in place (nil if missing, unreadable or of another schema).
    func publishedAlerts() -> AlertsDocument? {
        guard let data = FileManager.default.contents(atPath: "\(directory)/alerts.json") else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let document = try? decoder.decode(AlertsDocument.self, from: data), document.schema == AlertsDocument.schemaVersion else { return nil }
        return document
    }

    /// Journal events: a warning `opinion alarm` for each episode that was not open in the
    /// previously published `alerts.json`, and a notice `opinion alarm ended` for each one that
    /// was and is no longer. An episode is identified by topic, unit, sentiment and direction;
    /// the published file is the memory, so neither a new publication nor a restart repeats one.
    func logAlarmEpisodes(previous: AlertsDocument?, current: AlertsDocument) {
        func key(_ alert: AlertsDocument.Alert) -> String { "\(alert.topic)|\(alert.unit ?? "")|\(alert.sentiment)|\(alert.direction)" }
        let before = Dictionary((previous?.alerts ?? []).map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let now = Set(current.alerts.map(key))
        func metadata(_ alert: AlertsDocument.Alert) -> Logger.Metadata {
            var fields: Logger.Metadata = [
                "unit": "\(alert.unit ?? "ALL")", "topic": "\(alert.topic)", "sentiment": "\(alert.sentiment)",
                "direction": "\(alert.direction)", "since": "\(alert.since)", "period": "\(alert.period)",
                "expected_percent": "\(alert.expected)", "expected_low_percent": "\(alert.expectedLow)",
                "expected_high_percent": "\(alert.expectedHigh)", "threshold": "\(alert.threshold)",
            ]
            if let share = alert.share { fields["share_percent"] = "\(share)" }
            if let score = alert.score { fields["score"] = "\(score)" }
            if alert.revisedData == true { fields["revised_data"] = "true" }
            if let province = alert.provinceState { fields["province"] = "\(province)" }
            if let units = alert.units, !units.isEmpty { fields["units"] = "\(units.map { "\($0.unit):\($0.state)" }.joined(separator: ","))" }
            return fields
        }
        for alert in current.alerts where before[key(alert)] == nil {
            logger.warning("opinion alarm", metadata: metadata(alert))
        }
        for (id, alert) in before.sorted(by: { $0.key < $1.key }) where !now.contains(id) {
            var fields = metadata(alert)
            fields["period"] = "\(current.week ?? alert.period)"
            logger.notice("opinion alarm ended", metadata: fields)
        }
    }
}

extension Publisher {
    /// The labels of the codes an alerts document holds.
    static func alertLabels(_ cube: TallyCube) -> AlertsHTML.Labels {
        AlertsHTML.Labels(
            units: Dictionary(cube.units.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first }),
            topics: Dictionary(cube.topics.map { ($0.code, $0.title) }, uniquingKeysWith: { first, _ in first }),
            sentiments: Dictionary(cube.sentiments.map { ($0.code, $0.label) }, uniquingKeysWith: { first, _ in first })
        )
    }
}

