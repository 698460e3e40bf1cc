import Foundation
import SurveyModel

/// The content of `alerts.json` (schema `surveyd.alerts/2`, documented in docs/SUMMARIES.md): the
/// early-warning alarms open at the latest week, grouped for triage, the watch list, and the
/// false-alarm budget they are held to. Shares in percent, rounded to two decimals.
public struct AlertsDocument: Codable, Sendable, Equatable {
    public static let schemaVersion = "surveyd.alerts/2"

    /// A unit whose own chart carries a province alarm: in alarm, or on the watch list.
    public struct CarryingUnit: Codable, Sendable, Equatable {
        public var unit: String
        /// `alarm` or `watch`.
        public var state: String

        public init(unit: String, state: String) {
            self.unit = unit
            self.state = state
        }
    }

    /// One open alarm episode.
    public struct Alert: Codable, Sendable, Equatable {
        public var topic: String
        /// A unit code, or nil for the whole province.
        public var unit: String?
        /// The sentiment whose share moved (its code when one sentiment has that polarity, else
        /// `negative` or `positive`).
        public var sentiment: String
        /// `up` (the negative share rising) or `down` (the positive share falling).
        public var direction: String
        /// The week the evidence started accumulating, and the latest week.
        public var since: String
        public var period: String
        /// The share since `since` (absent when any of those weeks' cells is withheld).
        public var share: Double?
        /// The share expected if nothing had changed, and the 95% range of the share over the
        /// same responses then.
        public var expected: Double
        public var expectedLow: Double
        public var expectedHigh: Double
        /// Log-likelihood ratio of the shifted share against the expected one since `since`
        /// (absent when withheld), and the chart's threshold (the watch list's, for a watch entry).
        public var score: Double?
        public var threshold: Double
        /// φ, how much more than binomial the topic's weekly counts vary (absent: 1).
        public var dispersion: Double?
        /// A province alarm: the units whose own charts of the topic and direction are in alarm
        /// or on the watch list (absent for a unit's alarm).
        public var units: [CarryingUnit]?
        /// A unit's alarm: the province's chart of the topic and direction, `alarm`, `watch` or
        /// `none` (absent for a province alarm or a watch entry), and the province's share over
        /// the same weeks (absent when withheld or without a chart).
        public var provinceState: String?
        public var provinceShare: Double?
        /// True when a week the evidence covers was revised after its first release (late
        /// responses or retractions): the alarm rests on revised figures (absent otherwise).
        public var revisedData: Bool?

        public init(topic: String, unit: String?, sentiment: String, direction: String, since: String, period: String, share: Double?,
                    expected: Double, expectedLow: Double, expectedHigh: Double, score: Double?, threshold: Double,
                    dispersion: Double? = nil, revisedData: Bool? = nil) {
            self.revisedData = revisedData
            self.dispersion = dispersion
            self.topic = topic
            self.unit = unit
            self.sentiment = sentiment
            self.direction = direction
            self.since = since
            self.period = period
            self.share = share
            self.expected = expected
            self.expectedLow = expectedLow
            self.expectedHigh = expectedHigh
            self.score = score
            self.threshold = threshold
        }
    }

    /// A provisional alarm ("cảnh báo tạm thời"): a chart continued day by day over the first days
    /// of the current week, which is not published yet, crossed its provisional threshold. It
    /// shows no figure: those days' counts are in no file until the week is published.
    public struct Provisional: Codable, Sendable, Equatable {
        public var topic: String
        /// The unit; nil for the province.
        public var unit: String?
        public var sentiment: String
        public var direction: String
        /// The week looked at (not yet published), and the day of the crossing (ISO dates).
        public var week: String
        public var crossedOn: String
        /// The last day looked at.
        public var through: String

        public init(topic: String, unit: String?, sentiment: String, direction: String, week: String, crossedOn: String, through: String) {
            self.topic = topic
            self.unit = unit
            self.sentiment = sentiment
            self.direction = direction
            self.week = week
            self.crossedOn = crossedOn
            self.through = through
        }
    }

    public var schema = AlertsDocument.schemaVersion
    /// UTC time (ISO 8601) of the publication that computed the alarms.
    public var generatedAt: String
    /// The latest week, the one the alarms are as of (absent before any data).
    public var week: String?
    /// Charts running.
    public var charts: Int
    /// The budget (`alerts.false_alarms_per_week`), the in-control run length it gives each chart
    /// (charts / budget, weeks), and Σ 1 / ARL over the charts: the false alarms per week expected
    /// across the province when nothing changes (at most the budget).
    public var falseAlarmsPerWeek: Double
    public var runLengthWeeks: Double
    public var expectedFalseAlarmsPerWeek: Double
    /// The watch list's budget and its expected chance entries per week (absent: no watch list).
    public var watchEntriesPerWeek: Double?
    public var expectedWatchEntriesPerWeek: Double?
    /// The budget in words, in Vietnamese and in English.
    public var budget: String
    public var budgetEn: String
    /// The odds ratio the charts are tuned to.
    public var oddsRatio: Double
    /// The alarms, grouped: for each topic and direction with an alarm, the province's first, then
    /// its units'; the groups with a province alarm first.
    public var alerts: [Alert]
    /// Charts above the watch list's looser threshold and not in alarm ("theo dõi"), in the same order.
    public var watch: [Alert]
    /// The provisional look (absent when it is off): the days of each week it follows, the chance
    /// alarms per week it is expected to raise (part of `expectedFalseAlarmsPerWeek`), and its
    /// alarms on the current week's first days, in the alarms' order.
    public var provisionalDays: Int?
    public var expectedProvisionalAlarmsPerWeek: Double?
    public var provisional: [Provisional]?
    /// The last day the look looked at (ISO date; absent when it had no day): a publication that
    /// looks at the same days keeps these alarms (one look a day).
    public var provisionalThrough: String?

    /// An empty document for `settings` (no charts yet).
    public init(generatedAt: String, week: String?, settings: EarlyWarningSettings) {
        self.generatedAt = generatedAt
        self.week = week
        charts = 0
        falseAlarmsPerWeek = settings.falseAlarmsPerWeek
        runLengthWeeks = 0
        expectedFalseAlarmsPerWeek = 0
        watchEntriesPerWeek = settings.watches ? settings.watchEntriesPerWeek : nil
        expectedWatchEntriesPerWeek = nil
        budget = AlertsDocument.budgetText(settings.falseAlarmsPerWeek, english: false)
        budgetEn = AlertsDocument.budgetText(settings.falseAlarmsPerWeek, english: true)
        oddsRatio = settings.oddsRatio
        alerts = []
        watch = []
        provisionalDays = settings.looksProvisionally ? settings.provisionalDays : nil
    }

    /// "about 1 false alarm a week expected across the province when nothing changes".
    public static func budgetText(_ perWeek: Double, english: Bool) -> String {
        let rounded = (perWeek * 100).rounded() / 100
        var amount = rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.2f", rounded)
        if amount.contains("."), amount.hasSuffix("0") { amount.removeLast() }
        if !english { amount = amount.replacingOccurrences(of: ".", with: ",") }
        if english {
            return "about \(amount) false alarm\(perWeek == 1 ? "" : "s") a week expected across the province when nothing changes"
        }
        return "dự kiến khoảng \(amount) cảnh báo nhầm mỗi tuần trên toàn tỉnh khi dư luận không thay đổi"
    }

    /// Orders the alarms and the watch list for triage and links each group: a province alarm
    /// lists the units that carry it; a unit's alarm says what the province's chart shows.
    public mutating func triage(topicOrder: [String], unitOrder: [String]) {
        func rank(_ order: [String], _ code: String?) -> Int {
            guard let code else { return -1 }
            return order.firstIndex(of: code) ?? order.count
        }
        func group(_ alert: Alert) -> String { "\(alert.topic)|\(alert.direction)" }
        var provinceAlarm: [String: Alert] = [:], provinceWatch: [String: Alert] = [:]
        for alert in alerts where alert.unit == nil { provinceAlarm[group(alert)] = alert }
        for alert in watch where alert.unit == nil { provinceWatch[group(alert)] = alert }
        var carrying: [String: [CarryingUnit]] = [:]
        for (list, state) in [(alerts, "alarm"), (watch, "watch")] {
            for alert in list { if let unit = alert.unit { carrying[group(alert), default: []].append(CarryingUnit(unit: unit, state: state)) } }
        }
        for index in alerts.indices {
            let key = group(alerts[index])
            if alerts[index].unit == nil {
                alerts[index].units = (carrying[key] ?? []).sorted { ($0.state, rank(unitOrder, $0.unit)) < ($1.state, rank(unitOrder, $1.unit)) }
            } else {
                let province = provinceAlarm[key] ?? provinceWatch[key]
                alerts[index].provinceState = provinceAlarm[key] != nil ? "alarm" : provinceWatch[key] != nil ? "watch" : "none"
                alerts[index].provinceShare = province?.share
            }
        }
        func order(_ a: Alert, _ b: Alert) -> Bool {
            let aLead = provinceAlarm[group(a)] != nil ? 0 : 1, bLead = provinceAlarm[group(b)] != nil ? 0 : 1
            return (aLead, rank(topicOrder, a.topic), a.direction, rank(unitOrder, a.unit)) < (bLead, rank(topicOrder, b.topic), b.direction, rank(unitOrder, b.unit))
        }
        alerts.sort(by: order)
        watch.sort(by: order)
        provisional?.sort { a, b in
            (rank(topicOrder, a.topic), a.direction, rank(unitOrder, a.unit)) < (rank(topicOrder, b.topic), b.direction, rank(unitOrder, b.unit))
        }
    }

    /// Marks the alarms that were open in `previous` on revised data, and still are, as resting on
    /// revised data: the flag stays with an alarm for as long as it is open.
    public mutating func keepRevisedFlags(of previous: AlertsDocument?) {
        guard let previous else { return }
        func key(_ alert: Alert) -> String { "\(alert.topic)|\(alert.unit ?? "")|\(alert.sentiment)|\(alert.direction)|\(alert.since)" }
        let flagged = Set(previous.alerts.filter { $0.revisedData == true }.map(key))
        for index in alerts.indices where flagged.contains(key(alerts[index])) { alerts[index].revisedData = true }
    }

    /// Compact JSON with sorted keys and a final newline.
    public func json() throws -> Data {
        var data = try SummaryJSON.encoder().encode(self)
        data.append(0x0A)
        return data
    }
}
