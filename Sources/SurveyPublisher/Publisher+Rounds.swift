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

    /// The journal's events for the configured rounds: what changed since the journal last spoke
    /// (the state kept in the database, so a restart repeats nothing), recorded as said.
    func roundEvents(_ rounds: [(id: Int64, active: Bool, progress: RoundProgress)]) throws -> [RoundEvent] {
        var events: [RoundEvent] = []
        for round in rounds where round.active {
            let previous = try store.roundJournalState(round: round.id)
            let (new, next) = RoundAlerts.events(previous: previous, progress: round.progress)
            if next != previous { try store.recordRoundJournalState(round: round.id, next) }
            events += new
        }
        return events
    }

    /// The index's entries of the rounds: open ones first, then upcoming, then closed.
    static func indexEntries(_ rounds: [(id: Int64, active: Bool, progress: RoundProgress)]) -> [SummaryIndex.Round] {
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
                path: "rounds/\(p.code)"
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
