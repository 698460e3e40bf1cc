import Foundation
import SurveyModel

/// The content of `alerts.json` (schema `surveyd.alerts/1`, documented in docs/SUMMARIES.md): the
/// early-warning alarms open at the latest week. Shares in percent, rounded to two decimals.
public struct AlertsDocument: Codable, Sendable, Equatable {
    public static let schemaVersion = "surveyd.alerts/1"

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
        /// (absent when withheld), and the chart's threshold.
        public var score: Double?
        public var threshold: Double
        /// True when a week the evidence covers was revised after its first release (late
        /// responses or retractions): the alarm rests on revised figures (absent otherwise).
        public var revisedData: Bool?

        public init(topic: String, unit: String?, sentiment: String, direction: String, since: String, period: String, share: Double?,
                    expected: Double, expectedLow: Double, expectedHigh: Double, score: Double?, threshold: Double, revisedData: Bool? = nil) {
            self.revisedData = revisedData
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

    public var schema = AlertsDocument.schemaVersion
    /// UTC time (ISO 8601) of the publication that computed the alarms.
    public var generatedAt: String
    /// The latest week, the one the alarms are as of (absent before any data).
    public var week: String?
    /// Charts running, and the false alarms per week expected across them when nothing changes.
    public var charts: Int
    public var expectedFalseAlarmsPerWeek: Double
    /// The settings the charts ran with.
    public var oddsRatio: Double
    public var targetRunLengthWeeks: Double
    public var alerts: [Alert]

    public init(generatedAt: String, week: String?, charts: Int, expectedFalseAlarmsPerWeek: Double, oddsRatio: Double, targetRunLengthWeeks: Double, alerts: [Alert]) {
        self.generatedAt = generatedAt
        self.week = week
        self.charts = charts
        self.expectedFalseAlarmsPerWeek = expectedFalseAlarmsPerWeek
        self.oddsRatio = oddsRatio
        self.targetRunLengthWeeks = targetRunLengthWeeks
        self.alerts = alerts
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
