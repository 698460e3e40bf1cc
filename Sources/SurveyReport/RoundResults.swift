import SurveyModel

/// The results of one survey round (đợt điều tra) for the party committee: what the people asked
/// thought of the round's topics, by unit and respondent group, with the round's coverage and the
/// change since the previous round on each topic. Schema `surveyd.round-results/1`, published as
/// `rounds/CODE/results.json` (docs/SUMMARIES.md, "Round results").
///
/// ``summary`` is a ``PeriodSummary`` of kind ``SummaryKind/round`` over the round's topics:
/// counts, shares with Wilson intervals, the net index, empirical-Bayes estimates for small units,
/// and changes against the previous round with Newcombe intervals and one change list under the
/// same false-discovery control as the periods'. Its cells withhold what the protection plan
/// withholds for the round's table: the builder never decides that itself; its `responses` is
/// the sum of the province totals it shows. The ``coverage`` is the round progress's exact counts
/// (as `progress.json` shows them), which the plan does not model yet: a one-topic round's
/// coverage is its unit totals.
public struct RoundResults: Codable, Sendable, Equatable {
    public static let schemaVersion = "surveyd.round-results/1"

    /// The round a topic is compared with: the most recent closed round sharing the topic that
    /// ended before this one began; nil figures when there is none.
    public struct Comparison: Codable, Sendable, Equatable {
        public var topic: String
        public var round: String?
        public var title: String?
        public var from: LocalDate?
        public var to: LocalDate?
        /// The revision of the previous round's results whose figures are compared with: a file
        /// rewritten because that round was revised says so here.
        public var revision: Int?

        public init(topic: String, round: String? = nil, title: String? = nil, from: LocalDate? = nil, to: LocalDate? = nil, revision: Int? = nil) {
            self.topic = topic
            self.round = round
            self.title = title
            self.from = from
            self.to = to
            self.revision = revision
        }
    }

    /// One unit's coverage: the round's counted responses against its target. The counts are
    /// absent (withheld) when the results withhold one of the unit's topic totals: their sum
    /// would give it back.
    public struct UnitCoverage: Codable, Sendable, Equatable {
        public var unit: String
        public var name: String
        public var target: Int
        public var received: Int?
        /// Counted responses received after the reporting deadline.
        public var late: Int?
        /// received ÷ target (1 when the target is 0).
        public var completion: Double?
        public var status: String
    }

    /// The round's coverage, from its progress as of the same publication; the province's counts
    /// are absent (withheld) when the results withhold a province topic total.
    public struct Coverage: Codable, Sendable, Equatable {
        public var target: Int
        public var received: Int?
        public var late: Int?
        /// Σ min(received, target) ÷ Σ target over units (nil when no target).
        public var completion: Double?
        public var unitsExpected: Int
        public var unitsReported: Int
        public var unitsOnTime: Int
        public var units: [UnitCoverage]
    }

    public var schema = RoundResults.schemaVersion
    public var round: String
    public var title: String
    public var topics: [String]
    public var from: LocalDate
    public var to: LocalDate
    public var reportBy: LocalDate
    public var comparedWith: [Comparison]
    public var coverage: Coverage
    public var summary: PeriodSummary
}

/// Builds a round's ``RoundResults`` from its counts and what the plan withholds. Pure.
public struct RoundResultsBuilder: Sendable {
    /// A round and its counts (every topic of the catalogue, in ``TallyCube`` layout), with what
    /// the protection plan withholds in its table.
    public struct CountedRound: Sendable {
        public var round: SurveyRound
        public var cube: TallyCube
        public var withheld: ProtectionMask
        /// The revision of its results these counts are (nil: not known).
        public var revision: Int?

        public init(round: SurveyRound, cube: TallyCube, withheld: ProtectionMask, revision: Int? = nil) {
            self.round = round
            self.cube = cube
            self.withheld = withheld
            self.revision = revision
        }
    }

    public var minimumCellSize: Int

    public init(minimumCellSize: Int) {
        self.minimumCellSize = minimumCellSize
    }

    /// The round `topic` is compared with: of `rounds`, the one sharing the topic that ended
    /// latest before `round` began (rounds sharing a topic never overlap). `rounds` must hold only
    /// closed rounds whose results are published: a comparison shows the earlier figures.
    public static func previousRound(of round: SurveyRound, topic: String, among rounds: [SurveyRound]) -> SurveyRound? {
        let key = Catalog.key(topic)
        return rounds
            .filter { $0.code != round.code && $0.to < round.from && $0.topics.contains { Catalog.key($0) == key } }
            .max { ($0.to, $0.code) < ($1.to, $1.code) }
    }

    /// The results of `current`, compared topic by topic with the latest earlier round of
    /// `earlier` (closed rounds whose results are published, with the masks they were published
    /// with) sharing it; coverage from `progress`. Topics of the round that the catalogue does not
    /// hold are left out; a topic with nothing to compare shows no previous figure.
    public func build(
        _ current: CountedRound, earlier: [CountedRound], progress: RoundProgress, revision: Int, dataThrough: String
    ) -> RoundResults {
        let cube = current.cube
        let keys = current.round.topics.map(Catalog.key)
        let indices = keys.compactMap { key in cube.topics.firstIndex { Catalog.key($0.code) == key } }
        let topics = indices.map { cube.topics[$0] }
        let now = Self.restrict(cube, current.withheld, to: indices)
        // The previous counts, topic by topic from each topic's own previous round: zero (nothing
        // to compare) where there is none.
        var before = TallyCube(units: cube.units, topics: topics, groups: cube.groups, sentiments: cube.sentiments)
        var beforeWithheld = ProtectionMask(topics: topics.count, units: cube.units.count, groups: cube.groups.count)
        var comparisons: [RoundResults.Comparison] = []
        for (t, topic) in topics.enumerated() {
            let previous = Self.previousRound(of: current.round, topic: topic.code, among: earlier.map(\.round))
            // Compared only when its counts have the same units, groups and sentiments.
            guard let previous, let counted = earlier.first(where: { $0.round.code == previous.code }),
                  counted.cube.units.map(\.code) == cube.units.map(\.code), counted.cube.groups.map(\.code) == cube.groups.map(\.code),
                  counted.cube.sentiments.map(\.code) == cube.sentiments.map(\.code),
                  let source = counted.cube.topics.firstIndex(where: { Catalog.key($0.code) == Catalog.key(topic.code) })
            else {
                // Nothing to compare: no previous figure at all (not a previous count of 0).
                comparisons.append(.init(topic: topic.code))
                Self.withholdAll(topic: t, in: &beforeWithheld)
                continue
            }
            comparisons.append(.init(topic: topic.code, round: previous.code, title: previous.title, from: previous.from, to: previous.to, revision: counted.revision))
            Self.copy(topic: source, of: counted.cube, counted.withheld, to: t, into: &before, &beforeWithheld)
        }
        let named = Array(Set(comparisons.compactMap(\.round))).sorted()
        var summary = SummaryBuilder(minimumCellSize: minimumCellSize).build(
            covering: .init(kind: .round, id: current.round.code, start: current.round.from, end: current.round.to),
            previousID: named.joined(separator: ","), current: now.cube, previous: before, revision: revision,
            dataThrough: dataThrough, withheld: now.mask, previousWithheld: beforeWithheld
        )
        summary.addSmallUnitEstimates()
        // The round's sum of responses is that of the province totals it shows: a total of its
        // own would be one more figure (the round's topics only), which the plan does not keep.
        summary.responses = summary.topics.reduce(0) { $0 + ($1.province.suppressed ? 0 : $1.province.responses ?? 0) }
        // The coverage's counts are sums of the round's topic totals: shown only where every one
        // of them is shown.
        let p = progress.province
        let provinceShown = topics.indices.allSatisfy { !now.mask.isWithheld(topic: $0, unit: nil, group: nil) }
        let unitIndex = Dictionary(cube.units.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { first, _ in first })
        func unitShown(_ code: String) -> Bool {
            guard let u = unitIndex[code] else { return false }
            return topics.indices.allSatisfy { !now.mask.isWithheld(topic: $0, unit: u, group: nil) }
        }
        let coverage = RoundResults.Coverage(
            target: p.target, received: provinceShown ? p.received : nil, late: provinceShown ? p.late : nil,
            completion: provinceShown ? p.completion : nil,
            unitsExpected: p.unitsExpected, unitsReported: p.unitsReported, unitsOnTime: p.unitsOnTime,
            units: progress.units.map { unit in
                let shown = unitShown(unit.unit)
                return .init(
                    unit: unit.unit, name: unit.name, target: unit.target, received: shown ? unit.received : nil, late: shown ? unit.late : nil,
                    completion: shown ? unit.completion : nil, status: unit.status.rawValue
                )
            }
        )
        return RoundResults(
            round: current.round.code, title: current.round.title, topics: topics.map(\.code), from: current.round.from,
            to: current.round.to, reportBy: current.round.reportBy, comparedWith: comparisons, coverage: coverage, summary: summary
        )
    }

    /// `cube` and `mask` with only the topics at `indices`, in that order.
    static func restrict(_ cube: TallyCube, _ mask: ProtectionMask, to indices: [Int]) -> (cube: TallyCube, mask: ProtectionMask) {
        var out = TallyCube(units: cube.units, topics: indices.map { cube.topics[$0] }, groups: cube.groups, sentiments: cube.sentiments)
        var kept = ProtectionMask(topics: indices.count, units: cube.units.count, groups: cube.groups.count)
        for (t, source) in indices.enumerated() { copy(topic: source, of: cube, mask, to: t, into: &out, &kept) }
        return (out, kept)
    }

    /// Withholds every position of topic `t`.
    public static func withholdAll(topic t: Int, in mask: inout ProtectionMask) {
        for u in [nil] + (0..<mask.units).map(Optional.some) {
            for g in [nil] + (0..<mask.groups).map(Optional.some) { mask.withhold(topic: t, unit: u, group: g) }
        }
    }

    /// Copies topic `source` of `cube` and `mask` to topic `t` of `out` and `kept` (same units,
    /// groups and sentiments).
    static func copy(topic source: Int, of cube: TallyCube, _ mask: ProtectionMask, to t: Int, into out: inout TallyCube, _ kept: inout ProtectionMask) {
        for u in cube.units.indices {
            for g in cube.groups.indices {
                for s in cube.sentiments.indices { out[u, t, g, s] = cube[u, source, g, s] }
                if mask.isWithheld(topic: source, unit: u, group: g) { kept.withhold(topic: t, unit: u, group: g) }
            }
            if mask.isWithheld(topic: source, unit: u, group: nil) { kept.withhold(topic: t, unit: u, group: nil) }
        }
        for g in cube.groups.indices where mask.isWithheld(topic: source, unit: nil, group: g) { kept.withhold(topic: t, unit: nil, group: g) }
        if mask.isWithheld(topic: source, unit: nil, group: nil) { kept.withhold(topic: t, unit: nil, group: nil) }
    }
}
