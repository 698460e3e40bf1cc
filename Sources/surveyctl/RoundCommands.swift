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
        abstract: "Show one survey round's progress per unit, or its published results.",
        subcommands: [Show.self, Results.self]
    )

    struct Results: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A closed round's results as published: per topic, the province and each unit, with the change since the previous round.",
            discussion: """
                Reads rounds/CODE/results.json from the summaries folder: the figures as published, protected with every other \
                table (withheld figures print as "–"). --json prints that document (schema surveyd.round-results/1). Exit 65 when \
                no round has the code, 69 when its results are not published yet (they come the day after its report_by date and \
                a week's grace days, once the week holding its last day is published), 74 when the file cannot be read.
                """
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "Round code.") var code: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let configuration = try options.loadConfiguration(creatingDirectories: false)
            let directory = options.stateDir.map { "\($0)/summaries" } ?? configuration.summariesDirectory
            let known = configuration.rounds.map(\.code) + ((try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/rounds")) ?? [])
            guard let folder = known.first(where: { Catalog.key($0) == Catalog.key(code) }) else {
                printError("no round has the code \(code) (see surveyctl rounds)")
                throw ExitCode(65)
            }
            let path = "\(directory)/rounds/\(folder)/results.json"
            guard let data = FileManager.default.contents(atPath: path) else {
                let reportBy = configuration.rounds.first { Catalog.key($0.code) == Catalog.key(code) }.map { " (report by \($0.reportBy))" } ?? ""
                printError("the results of round \(folder) are not published yet\(reportBy): \(path) does not exist")
                throw ExitCode(69)
            }
            if json {
                FileHandle.standardOutput.write(data)
                return
            }
            let results: RoundResults
            do {
                results = try RoundResultsReport.decode(data)
            } catch {
                printError("\(path) cannot be read: \(error)")
                throw ExitCode(74)
            }
            let summary = results.summary
            print("\(results.round): \(results.title)")
            print("topics \(results.topics.joined(separator: ", ")); collection \(results.from)…\(results.to); report by \(results.reportBy); revision \(summary.revision), data through \(summary.dataThrough)")
            let c = results.coverage
            print("coverage: \(c.received.map(String.init) ?? "–")/\(c.target) (\(percentText(c.completion))), reported \(c.unitsReported)/\(c.unitsExpected), on time \(c.unitsOnTime)/\(c.unitsExpected), late \(c.late.map(String.init) ?? "–")")
            for comparison in results.comparedWith {
                print("\(comparison.topic): " + (comparison.round.map { "compared with \($0) (\(comparison.from?.description ?? "?")…\(comparison.to?.description ?? "?")\(comparison.revision.map { ", revision \($0)" } ?? ""))" } ?? "no previous round"))
            }
            func cell(_ cell: PeriodSummary.Cell) -> [String] {
                guard !cell.suppressed, let n = cell.responses else { return ["–", "–", "–"] }
                let shares = summary.sentiments.indices.map { i in
                    cell.shares.flatMap { $0.indices.contains(i) ? $0[i] : nil }.map { SummaryCSV.number($0, places: 1) + "%" } ?? "–"
                }
                return ["\(n)", shares.joined(separator: " / "), cell.netIndex.map { SummaryCSV.number($0, places: 1) } ?? "–"]
            }
            let sentiments = summary.sentiments.map(\.code).joined(separator: " / ")
            printTable(
                ["TOPIC", "UNIT", "RESPONSES", sentiments, "NET_INDEX"],
                summary.topics.flatMap { topic in
                    [[topic.code, "province"] + cell(topic.province)] + topic.units.map { [topic.code, $0.unit] + cell($0.total) }
                }
            )
        }
    }

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
