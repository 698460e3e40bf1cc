import Foundation
import SurveyModel
import SurveyReport
import SurveyStore

extension Publisher {
    /// Computes every stored round's progress as of `now` and writes `rounds/CODE/progress.{json,csv,html}`
    /// for each, all replaced together (``AtomicBatch``). Returns the progress of each round with
    /// the round's row id and whether it is still configured.
    func publishRounds(_ inputs: [RoundInputs], now: Date) throws -> [(id: Int64, active: Bool, progress: RoundProgress)] {
        guard !inputs.isEmpty else { return [] }
        let rounds = inputs.map { (id: $0.stored.id, active: $0.stored.active, progress: $0.progress(now: now, timeZone: timeZone)) }
        let batch = AtomicBatch()
        defer { batch.discard() }
        for round in rounds {
            let folder = "\(directory)/rounds/\(round.progress.code)"
            try AtomicFile.makeDirectory("\(directory)/rounds")
            try AtomicFile.makeDirectory(folder)
            try batch.stage(try RoundReport.json(round.progress), to: "\(folder)/progress.json")
            try batch.stage(RoundReport.csv(round.progress), to: "\(folder)/progress.csv")
            try batch.stage(RoundReport.html(round.progress), to: "\(folder)/progress.html")
        }
        try batch.commit()
        return rounds
    }

    /// Writes `rounds/CODE/results.{json,csv,html}` for every round whose results the plan covers
    /// (closed past its reporting deadline and grace days, or released before), from the counts and
    /// masks of `plan` and the progress of `rounds`, all replaced together. A round whose window
    /// does not fall on whole tally spans (configured after a week it cuts was released) shows
    /// nothing but its coverage. Returns the codes of the rounds whose results are published, and
    /// of those whose results appeared for the first time.
    func publishRoundResults(_ plan: PublicationPlan, progress rounds: [(id: Int64, active: Bool, progress: RoundProgress)], timestamp: String) throws -> (published: Set<String>, first: [String]) {
        let cubes = plan.cubes
        guard !cubes.rounds.isEmpty else { return ([], []) }
        let releasedNow = Set(plan.roundsReleasedNow.map(\.id))
        func revision(_ table: RoundTable) -> Int {
            max(1, (cubes.roundVersions[table.id] ?? []).count + (releasedNow.contains(table.id) ? 1 : 0))
        }
        func counted(_ table: RoundTable) -> RoundResultsBuilder.CountedRound {
            guard table.isCut, let mask = plan.roundMasks[table.id] else {
                var mask = cubes.emptyMask
                for t in 0..<cubes.empty.topics.count { RoundResultsBuilder.withholdAll(topic: t, in: &mask) }
                return .init(round: table.round, cube: cubes.empty, withheld: mask, revision: revision(table))
            }
            return .init(round: table.round, cube: cubes.roundCube(table), withheld: mask, revision: revision(table))
        }
        let all = cubes.rounds.map(counted)
        let builder = RoundResultsBuilder(minimumCellSize: minimumCellSize)
        let batch = AtomicBatch()
        defer { batch.discard() }
        // A closed round's results rarely change: files equal to what is there are not written
        // again (reading a few files costs far less than writing and flushing them).
        func stage(_ data: Data, to path: String) throws {
            if let existing = FileManager.default.contents(atPath: path), existing == data { return }
            try batch.stage(data, to: path)
        }
        var first: [String] = []
        var published = Set<String>()
        for (table, current) in zip(cubes.rounds, all) {
            guard let progress = rounds.first(where: { $0.id == table.id })?.progress else { continue }
            published.insert(table.round.code)
            let versions = cubes.roundVersions[table.id] ?? []
            let revision = current.revision ?? revision(table)
            let dataThrough = releasedNow.contains(table.id) || release == .open
                ? timestamp : versions.last.flatMap { cubes.release.released.releasedAt[($0.seq + 1) / 2] } ?? timestamp
            let results = builder.build(current, earlier: all.filter { $0.round.code != table.round.code }, progress: progress, revision: revision, dataThrough: dataThrough)
            let folder = "\(directory)/rounds/\(table.round.code)"
            try AtomicFile.makeDirectory("\(directory)/rounds")
            try AtomicFile.makeDirectory(folder)
            if !Publisher.exists("\(folder)/results.json") { first.append(table.round.code) }
            try stage(try RoundResultsReport.json(results), to: "\(folder)/results.json")
            try stage(RoundResultsReport.csv(results), to: "\(folder)/results.csv")
            try stage(RoundResultsReport.html(results, timeZone: timeZone), to: "\(folder)/results.html")
            // Each unit's view, for its administrators (the web front): cut from the protected results.
            for unit in cubes.empty.units where Publisher.isUnitFolderName(unit.code) {
                let view = results.view(of: unit.code)
                let unitFolder = "\(directory)/\(Publisher.unitFolder(unit.code))/rounds/\(table.round.code)"
                for path in ["\(directory)/\(Publisher.unitFolder(unit.code))", "\(directory)/\(Publisher.unitFolder(unit.code))/rounds", unitFolder] {
                    try AtomicFile.makeDirectory(path)
                }
                try stage(try RoundResultsReport.json(view), to: "\(unitFolder)/results.json")
                try stage(RoundResultsReport.csv(view), to: "\(unitFolder)/results.csv")
                try stage(RoundResultsReport.html(view, timeZone: timeZone), to: "\(unitFolder)/results.html")
            }
        }
        try batch.commit()
        return (published, first)
    }

    /// The journal's events for the configured rounds: what changed since the journal last spoke
    /// (the state kept in the database, so a restart repeats nothing), recorded as said.
    func roundEvents(_ rounds: [(id: Int64, active: Bool, progress: RoundProgress)], withResults: Set<String> = []) throws -> [RoundEvent] {
        var events: [RoundEvent] = []
        for round in rounds where round.active {
            let previous = try store.roundJournalState(round: round.id)
            var (new, next) = RoundAlerts.events(previous: previous, progress: round.progress)
            next.resultsAnnounced = previous.resultsAnnounced
            if withResults.contains(round.progress.code), !next.resultsAnnounced {
                new.append(.resultsPublished(round: round.progress.code))
                next.resultsAnnounced = true
            }
            if next != previous { try store.recordRoundJournalState(round: round.id, next) }
            events += new
        }
        return events
    }

    /// The index's entries of the rounds: open ones first, then upcoming, then closed.
    static func indexEntries(_ rounds: [(id: Int64, active: Bool, progress: RoundProgress)], withResults: Set<String> = []) -> [SummaryIndex.Round] {
        let rank: [RoundPhase: Int] = [.open: 0, .upcoming: 1, .closed: 2]
        return rounds.sorted {
            (rank[$0.progress.phase] ?? 3, $1.progress.from.dayNumber) < (rank[$1.progress.phase] ?? 3, $0.progress.from.dayNumber)
        }.map { round in
            let p = round.progress
            return SummaryIndex.Round(
                code: p.code, title: p.title, phase: p.phase.rawValue, from: p.from.description, to: p.to.description,
                reportBy: p.reportBy.description, configured: round.active, received: p.province.received, target: p.province.target,
                completion: p.province.completion, unitsReported: p.province.unitsReported, unitsExpected: p.province.unitsExpected,
                unitsNeedingAttention: p.province.statuses["silent", default: 0] + p.province.statuses["behind", default: 0],
                path: "rounds/\(p.code)", results: withResults.contains(p.code) ? "rounds/\(p.code)/results.html" : nil
            )
        }
    }
}

extension Publisher {
    /// This publisher with the rounds reckoned in `timeZone` and their journal events decided and
    /// remembered (the daemon's publisher).
    public func announcingRounds(in timeZone: TimeZone) -> Publisher {
        var publisher = self
        publisher.timeZone = timeZone
        publisher.announcesRounds = true
        return publisher
    }
}
