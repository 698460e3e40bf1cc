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
    private let topicShortIndex: [ShortCode: Int]
    private let groupShortIndex: [ShortCode: Int]
    private let sentimentShortIndex: [ShortCode: Int]

    public init(units: [SurveyUnit], topics: [Topic], groups: [RespondentGroup], sentiments: [Sentiment]) {
        self.units = units
        self.topics = topics
        self.groups = groups
        self.sentiments = sentiments
        unitIndex = Catalog.index(units.map(\.code))
        topicIndex = Catalog.index(topics.map(\.code))
        groupIndex = Catalog.index(groups.map(\.code))
        sentimentIndex = Catalog.index(sentiments.map(\.code))
        topicShortIndex = Catalog.shortIndex(topicIndex)
        groupShortIndex = Catalog.shortIndex(groupIndex)
        sentimentShortIndex = Catalog.shortIndex(sentimentIndex)
    }

    /// The entries of `index` whose key is a ``ShortCode``; the others are found by ``topic(_:)``
    /// and the like only.
    private static func shortIndex(_ index: [String: Int]) -> [ShortCode: Int] {
        var short: [ShortCode: Int] = [:]
        for (key, offset) in index {
            let bytes = Array(key.utf8)
            if let code = bytes.withUnsafeBufferPointer({ ShortCode(uppercasing: $0) }) { short[code] = offset }
        }
        return short
    }

    /// The topic whose code is `code` (bytes, any ASCII case), if the code is a ``ShortCode``.
    public func topic(short code: ShortCode) -> Topic? {
        topicShortIndex[code].map { topics[$0] }
    }

    public func group(short code: ShortCode) -> RespondentGroup? {
        groupShortIndex[code].map { groups[$0] }
    }

    public func sentiment(short code: ShortCode) -> Sentiment? {
        sentimentShortIndex[code].map { sentiments[$0] }
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

/// A code of 1–16 printable ASCII bytes, upper-cased and packed into two words: a dictionary key
/// made from a line's bytes without a string (the protocol's fast path for response lines).
public struct ShortCode: Hashable, Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    /// Nil unless `bytes` is 1–16 bytes of printable ASCII (`!` to `~`).
    public init?(uppercasing bytes: UnsafeBufferPointer<UInt8>) {
        guard (1...16).contains(bytes.count) else { return nil }
        for (index, byte) in bytes.enumerated() {
            guard byte >= 0x21, byte <= 0x7E else { return nil }
            let upper = byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
            if index < 8 {
                low |= UInt64(upper) << (8 * UInt64(index))
            } else {
                high |= UInt64(upper) << (8 * UInt64(index - 8))
            }
        }
    }
}
