/// A survey round (đợt điều tra): a planned period of collection on some topics, with a target of
/// responses per unit and a deadline for reporting.
///
/// A response belongs to the round when its topic is one of the round's and its collection date
/// lies in ``from``…``to``. Configured rounds that share a topic never overlap in dates, so a
/// response belongs to at most one round.
public struct SurveyRound: Hashable, Sendable, Codable {
    /// Stable code, e.g. `Q4-2026-DAIHOI`.
    public var code: String
    /// Vietnamese title.
    public var title: String
    /// Topic codes (configured spelling).
    public var topics: [String]
    /// First collection day.
    public var from: LocalDate
    /// Last collection day.
    public var to: LocalDate
    /// Batches received (provincial time) after this day are late.
    public var reportBy: LocalDate
    /// A unit with no batch for this round in this many days is silent.
    public var silentAfterDays: Int
    /// Responses expected from a unit not listed in ``unitTargets``.
    public var defaultTarget: Int
    /// Responses expected per unit code (configured spelling), overriding ``defaultTarget``.
    public var unitTargets: [String: Int]

    /// Days after ``to`` that ``reportBy`` defaults to.
    public static let defaultReportingDays = 3
    /// Default of ``silentAfterDays``.
    public static let defaultSilentAfterDays = 7

    public init(
        code: String, title: String, topics: [String], from: LocalDate, to: LocalDate, reportBy: LocalDate? = nil,
        silentAfterDays: Int = SurveyRound.defaultSilentAfterDays, defaultTarget: Int, unitTargets: [String: Int] = [:]
    ) {
        self.code = code
        self.title = title
        self.topics = topics
        self.from = from
        self.to = to
        self.reportBy = reportBy ?? to.adding(days: SurveyRound.defaultReportingDays)
        self.silentAfterDays = silentAfterDays
        self.defaultTarget = defaultTarget
        self.unitTargets = unitTargets
    }

    /// The responses expected from `unit` (a unit code, any case).
    public func target(for unit: String) -> Int {
        let key = Catalog.key(unit)
        for (code, target) in unitTargets where Catalog.key(code) == key { return target }
        return defaultTarget
    }

    /// Whether a response on `topic` collected on `date` belongs to the round.
    public func contains(topic: String, collectedOn date: LocalDate) -> Bool {
        date >= from && date <= to && topics.contains { Catalog.key($0) == Catalog.key(topic) }
    }

    /// What decides which responses belong to the round: when it changes, the round's counts are
    /// rebuilt from the responses.
    public var membershipKey: String {
        "\(topics.map { Catalog.key($0) }.sorted().joined(separator: ",")) \(from) \(to)"
    }

    /// Whether the two rounds could claim the same response (a shared topic and overlapping dates).
    public func overlaps(_ other: SurveyRound) -> Bool {
        let mine = Set(topics.map { Catalog.key($0) })
        return other.topics.contains { mine.contains(Catalog.key($0)) } && from <= other.to && other.from <= to
    }
}
