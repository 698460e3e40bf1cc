import ArgumentParser
import Foundation
import SurveyModel
import SurveyPublisher
import SurveyReport
import SurveyStore

/// Reads every stored round's progress as of now, in the configuration's time zone.
func roundProgress(_ options: StoreOptions) throws -> [(stored: StoredRound, progress: RoundProgress)] {
    let (configuration, store) = try options.open()
    do {
        let now = Date()
        return try store.allRoundInputs().map { ($0.stored, $0.progress(now: now, timeZone: configuration.timeZone)) }
    } catch {
        throw fail(error)
    }
}

func percentText(_ value: Double?) -> String {
    value.map { SummaryCSV.number($0 * 100, places: 1) + "%" } ?? "–"
}

struct RoundsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rounds",
        abstract: "List the survey rounds with their phase and completion (open rounds first).",
        discussion: "Rounds are stored by surveyd when it starts or reloads its configuration; past rounds stay listed (CONFIGURED no). --json prints the entries of index.json's rounds."
    )
    @OptionGroup var options: StoreOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let rounds = try roundProgress(options)
        let rank: [RoundPhase: Int] = [.open: 0, .upcoming: 1, .closed: 2]
        let sorted = rounds.sorted { (rank[$0.progress.phase] ?? 3, $1.progress.from.dayNumber) < (rank[$1.progress.phase] ?? 3, $0.progress.from.dayNumber) }
        if json {
            let entries = sorted.map { round in
                let p = round.progress
                return SummaryIndex.Round(
                    code: p.code, title: p.title, phase: p.phase.rawValue, from: p.from.description, to: p.to.description,
                    reportBy: p.reportBy.description, configured: round.stored.active, received: p.province.received, target: p.province.target,
                    completion: p.province.completion, unitsReported: p.province.unitsReported, unitsExpected: p.province.unitsExpected,
                    unitsNeedingAttention: p.province.statuses["silent", default: 0] + p.province.statuses["behind", default: 0],
                    path: "rounds/\(p.code)"
                )
            }
            let encoder = SummaryJSON.encoder()
            encoder.outputFormatting.insert(.prettyPrinted)
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            return
        }
        printTable(
            ["CODE", "PHASE", "FROM", "TO", "REPORT_BY", "RECEIVED", "TARGET", "COMPLETION", "REPORTED", "ON_TIME", "BEHIND", "SILENT", "CONFIGURED"],
            sorted.map { round in
                let p = round.progress, province = p.province
                return [
                    p.code, p.phase.rawValue, p.from.description, p.to.description, p.reportBy.description, "\(province.received)", "\(province.target)",
                    percentText(province.completion), "\(province.unitsReported)/\(province.unitsExpected)", "\(province.unitsOnTime)/\(province.unitsExpected)",
                    "\(province.statuses["behind", default: 0])", "\(province.statuses["silent", default: 0])", round.stored.active ? "yes" : "no",
                ]
            }
        )
    }
}

struct RoundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "round",
        abstract: "Show one survey round's progress per unit.",
        subcommands: [Show.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A round's progress per unit, the units needing attention first (as progress.html).",
            discussion: "--json prints the same document as rounds/CODE/progress.json (schema surveyd.round/1). Exit 65 when no round has the code."
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "Round code.") var code: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let round = try roundProgress(options).first(where: { Catalog.key($0.progress.code) == Catalog.key(code) }) else {
                printError("no round has the code \(code) (see surveyctl rounds)")
                throw ExitCode(65)
            }
            let p = round.progress
            if json {
                FileHandle.standardOutput.write(try RoundReport.json(p))
                return
            }
            print("\(p.code): \(p.title)")
            print("topics \(p.topics.joined(separator: ", ")); collection \(p.from)…\(p.to); report by \(p.reportBy); \(p.phase.rawValue) on \(p.today)")
            let province = p.province
            print("province: \(province.received)/\(province.target) (\(percentText(province.completion))), reported \(province.unitsReported)/\(province.unitsExpected), on time \(province.unitsOnTime)/\(province.unitsExpected), held \(province.held), late \(province.late)")
            printTable(
                ["UNIT", "STATUS", "RECEIVED", "TARGET", "COMPLETION", "EXPECTED", "HELD", "LATE", "BATCHES", "COLLABORATORS", "LAST_BATCH", "DAYS", "FORECAST", "INTERVAL_90", "TARGET_ON"],
                p.units.map { unit in
                    [
                        unit.unit, unit.status.rawValue, "\(unit.received)", "\(unit.target)", percentText(unit.completion),
                        SummaryCSV.number(unit.expectedByToday, places: 0), "\(unit.held)", "\(unit.late)", "\(unit.batches)",
                        "\(unit.collaboratorsSent)/\(unit.collaboratorsActive)", unit.lastBatch ?? "–", unit.daysSinceLastBatch.map(String.init) ?? "–",
                        unit.forecast.map { SummaryCSV.number($0.expectedByReportBy, places: 0) } ?? "–",
                        unit.forecast.map { "\($0.low)–\($0.high)" } ?? "–", unit.forecast?.targetReachedOn?.description ?? "–",
                    ]
                }
            )
        }
    }
}
