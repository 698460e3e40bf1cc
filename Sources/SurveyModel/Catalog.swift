/// A district or sector party committee (đảng bộ trực thuộc) in which collaborators work.
public struct SurveyUnit: Hashable, Sendable, Codable {
    /// Short stable code, e.g. `U01` or `TPTN`.
    public var code: String
    /// Vietnamese name, e.g. `Thành phố Thái Nguyên`.
    public var name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}

/// A topic of public concern (vấn đề dư luận quan tâm) that respondents are asked about.
public struct Topic: Hashable, Sendable, Codable {
    public var code: String
    /// Vietnamese title.
    public var title: String
    /// First collection date on which answers on this topic are accepted, if bounded.
    public var activeFrom: LocalDate?
    /// Last collection date on which answers on this topic are accepted, if bounded.
    public var activeTo: LocalDate?

    public init(code: String, title: String, activeFrom: LocalDate? = nil, activeTo: LocalDate? = nil) {
        self.code = code
        self.title = title
        self.activeFrom = activeFrom
        self.activeTo = activeTo
    }

    /// Whether answers collected on `date` are accepted for this topic.
    public func isActive(on date: LocalDate) -> Bool {
        if let activeFrom, date < activeFrom { return false }
        if let activeTo, date > activeTo { return false }
        return true
    }
}

/// A respondent group: cadres (cán bộ), party members (đảng viên), citizens (nhân dân), …
public struct RespondentGroup: Hashable, Sendable, Codable {
    public var code: String
    public var name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}

/// The direction of a sentiment category, used by the net index.
public enum Polarity: Int, Sendable, Codable, CaseIterable {
    case negative = -1
    case neutral = 0
    case positive = 1
}

/// One category of the sentiment scale, e.g. đồng tình (agree, +1).
public struct Sentiment: Hashable, Sendable, Codable {
    public var code: String
    public var label: String
    public var polarity: Polarity

    public init(code: String, label: String, polarity: Polarity) {
        self.code = code
        self.label = label
        self.polarity = polarity
    }
}

/// Everything a response may refer to: the configured units, topics, groups and sentiment scale,
/// with case-insensitive lookup by code.
public struct Catalog: Sendable {
    public let units: [SurveyUnit]
    public let topics: [Topic]
    public let groups: [RespondentGroup]
    public let sentiments: [Sentiment]

    private let unitIndex: [String: Int]
    private let topicIndex: [String: Int]
    private let groupIndex: [String: Int]
    private let sentimentIndex: [String: Int]

    public init(units: [SurveyUnit], topics: [Topic], groups: [RespondentGroup], sentiments: [Sentiment]) {
        self.units = units
        self.topics = topics
        self.groups = groups
        self.sentiments = sentiments
        unitIndex = Catalog.index(units.map(\.code))
        topicIndex = Catalog.index(topics.map(\.code))
        groupIndex = Catalog.index(groups.map(\.code))
        sentimentIndex = Catalog.index(sentiments.map(\.code))
    }

    /// The key under which codes are compared: ASCII upper case, so `gd-dt` matches `GD-DT`.
    public static func key(_ code: some StringProtocol) -> String {
        String(code).uppercased()
    }

    private static func index(_ codes: [String]) -> [String: Int] {
        var index: [String: Int] = [:]
        for (offset, code) in codes.enumerated() where index[key(code)] == nil {
            index[key(code)] = offset
        }
        return index
    }

    public func unit(_ code: some StringProtocol) -> SurveyUnit? {
        unitIndex[Catalog.key(code)].map { units[$0] }
    }

    public func topic(_ code: some StringProtocol) -> Topic? {
        topicIndex[Catalog.key(code)].map { topics[$0] }
    }

    public func group(_ code: some StringProtocol) -> RespondentGroup? {
        groupIndex[Catalog.key(code)].map { groups[$0] }
    }

    public func sentiment(_ code: some StringProtocol) -> Sentiment? {
        sentimentIndex[Catalog.key(code)].map { sentiments[$0] }
    }
}
