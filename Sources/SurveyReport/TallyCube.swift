import SurveyModel

/// Counts of one period: unit × topic × respondent group × sentiment, with the labels of each
/// dimension.
public struct TallyCube: Sendable, Hashable {
    public let units: [SurveyUnit]
    public let topics: [Topic]
    public let groups: [RespondentGroup]
    public let sentiments: [Sentiment]
    /// Flat counts, index `((unit × topics + topic) × groups + group) × sentiments + sentiment`.
    public private(set) var counts: [Int]

    public init(units: [SurveyUnit], topics: [Topic], groups: [RespondentGroup], sentiments: [Sentiment], counts: [Int]? = nil) {
        self.units = units
        self.topics = topics
        self.groups = groups
        self.sentiments = sentiments
        let size = units.count * topics.count * groups.count * sentiments.count
        self.counts = counts.flatMap { $0.count == size ? $0 : nil } ?? Array(repeating: 0, count: size)
    }

    @inline(__always)
    public func index(unit: Int, topic: Int, group: Int, sentiment: Int) -> Int {
        ((unit * topics.count + topic) * groups.count + group) * sentiments.count + sentiment
    }

    public subscript(unit: Int, topic: Int, group: Int, sentiment: Int) -> Int {
        get { counts[index(unit: unit, topic: topic, group: group, sentiment: sentiment)] }
        set { counts[index(unit: unit, topic: topic, group: group, sentiment: sentiment)] = newValue }
    }

    /// Adds `count` to one cell.
    public mutating func add(_ count: Int, at index: Int) {
        counts[index] += count
    }

    /// All responses in the period.
    public var total: Int { counts.reduce(0, +) }

    /// Sentiment counts of one unit × topic × group cell.
    public func cell(unit: Int, topic: Int, group: Int) -> [Int] {
        let start = index(unit: unit, topic: topic, group: group, sentiment: 0)
        return Array(counts[start..<start + sentiments.count])
    }
}
