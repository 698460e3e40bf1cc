import SurveyModel
import SurveyReport
import SurveyStore

// Disclosure control: survey rounds' results as tables of the plan (issue 29). A round's table
// holds the tally spans inside its window (spans are cut at its ends: SpanCuts) and shows only
// its topics; its versions are recorded like periods' (round_versions).

/// A survey round whose results the protection plan covers.
struct RoundTable: Sendable {
    var id: Int64
    var round: SurveyRound
    /// The window in the cubes' layout (topics as indices); nil when none of its topics is summarised.
    var window: LinkedProtection.RoundWindow
    /// The database ids of the topics it shows, in the cubes' order.
    var topicIDs: [Int64]
    /// Whether its window is a union of whole tally spans. A round configured after the week it
    /// cuts was released cannot be (the span stays whole): everything it would show is withheld.
    var isCut: Bool
}

/// One released version of a round's results.
struct RoundVersion: Sendable {
    var seq: Int
    var window: LinkedProtection.RoundWindow
    var withheld: [ReleasedPosition]
}

extension PeriodCubes {
    /// Adds the rounds whose results the plan covers: of `stored`, those released before and those
    /// whose results may be published today (``ReleasePolicy/roundReleaseDay(reportBy:)``) and
    /// hold at least one counted response.
    mutating func addRounds(_ stored: [StoredRound], cuts: SpanCuts) {
        self.cuts = cuts
        let topicIndex = Dictionary(empty.topics.enumerated().map { (Catalog.key($1.code), $0) }, uniquingKeysWith: { first, _ in first })
        let topicOfID = Dictionary(ids.topics.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        progressWindows = stored.compactMap { entry in
            let topics = Set(entry.round.topics.compactMap { topicIndex[Catalog.key($0)] })
            return topics.isEmpty ? nil : (from: entry.round.from.dayNumber, to: entry.round.to.dayNumber, topics: topics)
        }
        for entry in stored {
            let released = release.released.rounds[entry.id] ?? []
            var versions: [RoundVersion] = []
            for version in released {
                let topics = Set(version.topicIDs.compactMap { topicOfID[$0] })
                let window = LinkedProtection.RoundWindow(
                    code: entry.round.code, from: LocalDate(dayNumber: version.from), to: LocalDate(dayNumber: version.to), topics: topics
                )
                versions.append(RoundVersion(seq: PeriodCubes.internalSeq(version.seq), window: window, withheld: version.withheld))
            }
            if !versions.isEmpty { roundVersions[entry.id] = versions }
            let round = entry.round
            let indices = round.topics.compactMap { topicIndex[Catalog.key($0)] }
            if indices.isEmpty, !versions.isEmpty {
                // None of its topics is summarised any more: its released versions still bind the plan.
                rounds.append(RoundTable(id: entry.id, round: round, window: .init(code: round.code, from: round.from, to: round.to, topics: []), topicIDs: [], isCut: false))
                continue
            }
            // After its reporting deadline and a week's grace days, and once every span of its window
            // is shown (a period of a published granularity holding its last day is released), so
            // that its first version holds every response of its window.
            let releasable = release.today >= release.policy.roundReleaseDay(reportBy: round.reportBy)
                && release.kinds.contains { release.policy.isReleasable(Period.containing(round.to, kind: $0), today: release.today) }
            guard !indices.isEmpty, releasable || !versions.isEmpty else { continue }
            let table = RoundTable(
                id: entry.id, round: round,
                window: .init(code: round.code, from: round.from, to: round.to, topics: Set(indices)),
                topicIDs: indices.compactMap { ids.topics.indices.contains($0) ? ids.topics[$0] : nil },
                isCut: cuts.holdsWindow(from: round.from, to: round.to)
            )
            // A round without a counted response has nothing to report yet: its first version
            // comes with its first response, late or not.
            guard !versions.isEmpty || roundCube(table).total > 0 else { continue }
            rounds.append(table)
        }
    }

    /// The rounds of the plan whose table is shown: their window is a union of whole spans.
    var plannedRounds: [RoundTable] {
        rounds.filter(\.isCut)
    }

    /// `counts` (one span's, or a sum) restricted to the topics of `window`: zero elsewhere.
    func restricted(_ counts: [Int], to window: LinkedProtection.RoundWindow) -> [Int] {
        let (t, g, s) = (empty.topics.count, empty.groups.count, empty.sentiments.count)
        var out = counts
        for index in out.indices {
            let topic = (index / (g * s)) % max(t, 1)
            if !window.topics.contains(topic) { out[index] = 0 }
        }
        return out
    }

    /// The round's current counts: the spans inside its window, its topics only.
    func roundCube(_ round: RoundTable) -> TallyCube {
        var counts = Array(repeating: 0, count: empty.counts.count)
        let (from, to) = (round.window.from.dayNumber, round.window.to.dayNumber)
        for (day, span) in spanCounts where day >= from && day <= to && span.count == counts.count {
            for i in counts.indices { counts[i] += span[i] }
        }
        return TallyCube(units: empty.units, topics: empty.topics, groups: empty.groups, sentiments: empty.sentiments, counts: restricted(counts, to: round.window))
    }

    /// What the round's last released version showed (nil: never released).
    func releasedRoundCounts(_ id: Int64) -> (window: LinkedProtection.RoundWindow, counts: [Int])? {
        guard let last = roundVersions[id]?.last else { return nil }
        var counts = Array(repeating: 0, count: empty.counts.count)
        for (day, chain) in versions where day >= last.window.from.dayNumber && day <= last.window.to.dayNumber {
            guard let version = chain.last(where: { $0.seq <= last.seq }), version.counts.count == counts.count else { continue }
            for i in counts.indices { counts[i] += version.counts[i] }
        }
        return (last.window, restricted(counts, to: last.window))
    }

    /// The rounds this publication releases a version of: first releases, and rounds whose
    /// counts, window or topics changed since their last version.
    var roundsReleasedNow: [RoundTable] {
        guard release.policy != .open else { return [] }
        return plannedRounds.filter { round in
            guard let last = releasedRoundCounts(round.id) else { return true }
            return last.window != round.window || last.counts != roundCube(round).counts
        }
    }

    /// Whether the round's results were released by an earlier publication.
    func isReleased(round id: Int64) -> Bool {
        roundVersions[id] != nil
    }
}
