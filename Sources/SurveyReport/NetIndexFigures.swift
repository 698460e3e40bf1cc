import SurveyModel

/// What the front page shows of one cell of a published summary: its net index, or that it was
/// withheld, or that it had no responses. Always read from a built ``PeriodSummary``, so that it
/// withholds exactly what the summary withholds.
public enum NetIndexFigure: Sendable, Equatable {
    case withheld
    case noResponses
    case published(Point)

    /// A published net index, in percentage points.
    public struct Point: Sendable, Equatable {
        public var netIndex: Double
        public var low: Double
        public var high: Double
        public var responses: Int
        /// Sampling variance of the net index as a fraction (for the local-level model).
        public var variance: Double
        public var change: PeriodSummary.Change?
    }

    /// The figure of `cell`; `polarities` run parallel to the cell's counts.
    public init(_ cell: PeriodSummary.Cell, polarities: [Int]) {
        if cell.suppressed {
            self = .withheld
            return
        }
        guard let n = cell.responses, n > 0, let net = cell.netIndex, let low = cell.netIndexLow, let high = cell.netIndexHigh else {
            self = .noResponses
            return
        }
        var positive = 0, negative = 0
        for (count, polarity) in zip(cell.counts ?? [], polarities) {
            if polarity > 0 { positive += count }
            if polarity < 0 { negative += count }
        }
        let (p, q) = (Double(positive) / Double(n), Double(negative) / Double(n))
        let variance = max((p + q - (p - q) * (p - q)) / Double(n), 1 / (Double(n) * Double(n)))
        self = .published(Point(netIndex: net, low: low, high: high, responses: n, variance: variance, change: cell.netIndexChange))
    }

    public var point: Point? {
        if case let .published(point) = self { return point }
        return nil
    }
}

/// The net indexes of one published period: the province and each unit, per topic. A compact
/// extract of a ``PeriodSummary`` (a publication keeps many of them for the trend charts).
public struct NetIndexFigures: Sendable, Equatable {
    public struct Topic: Sendable, Equatable {
        public var code: String
        public var title: String
        public var province: NetIndexFigure
        /// Parallel to ``NetIndexFigures/units``.
        public var units: [NetIndexFigure]
    }

    public var period: PeriodSummary.PeriodInfo
    public var units: [PeriodSummary.Label]
    public var topics: [Topic]

    public init(_ summary: PeriodSummary) {
        let polarities = summary.sentiments.map(\.polarity)
        period = summary.period
        units = summary.units
        topics = summary.topics.map { topic in
            let byUnit = Dictionary(topic.units.map { ($0.unit, $0.total) }, uniquingKeysWith: { first, _ in first })
            return Topic(
                code: topic.code, title: topic.title, province: NetIndexFigure(topic.province, polarities: polarities),
                // A unit missing from the topic's rows is shown as withheld: never as a figure.
                units: summary.units.map { byUnit[$0.code].map { NetIndexFigure($0, polarities: polarities) } ?? .withheld }
            )
        }
    }

    /// The figure of `unit` (nil: the province) in `topic`, or nil when the period has neither.
    public func figure(topic: String, unit: String?) -> NetIndexFigure? {
        guard let row = topics.first(where: { $0.code == topic }) else { return nil }
        guard let unit else { return row.province }
        guard let u = units.firstIndex(where: { $0.code == unit }), row.units.indices.contains(u) else { return nil }
        return row.units[u]
    }
}
