/// The key of a tally cell: one unit, one day, one topic, one respondent group, one sentiment.
public struct TallyKey: Hashable, Sendable {
    public var unit: String
    public var day: LocalDate
    public var topic: String
    public var group: String
    public var sentiment: String

    public init(unit: String, day: LocalDate, topic: String, group: String, sentiment: String) {
        self.unit = unit
        self.day = day
        self.topic = topic
        self.group = group
        self.sentiment = sentiment
    }
}

/// Counts per unit × period, rolled up from daily tallies.
public struct PeriodCount: Hashable, Sendable, Codable {
    public var unit: String
    public var period: String
    public var responses: Int

    public init(unit: String, period: String, responses: Int) {
        self.unit = unit
        self.period = period
        self.responses = responses
    }
}

/// Rolls counts per unit and day (or per tally span, keyed by its first day: a span lies inside one
/// period of every kind) up to periods of `kind`, sorted by unit then period.
public func rollUp(_ daily: [(unit: String, day: LocalDate, count: Int)], to kind: PeriodKind) -> [PeriodCount] {
    var sums: [String: [Period: Int]] = [:]
    for row in daily {
        sums[row.unit, default: [:]][Period.containing(row.day, kind: kind), default: 0] += row.count
    }
    return sums.keys.sorted().flatMap { unit in
        sums[unit, default: [:]].sorted { $0.key < $1.key }.map {
            PeriodCount(unit: unit, period: $0.key.identifier, responses: $0.value)
        }
    }
}
