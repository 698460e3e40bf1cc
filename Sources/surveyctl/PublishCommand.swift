import ArgumentParser
import Foundation
import Logging
import SurveyConfig
import SurveyModel
import SurveyPublisher
import SurveyStore

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish the summary files now, straight from the database (works while surveyd is stopped)."
    )
    @OptionGroup var options: StoreOptions
    @Option(help: "Summaries folder (overrides the configuration).") var summariesDir: String?
    @Option(help: "Seconds to wait for a publication already running on the folder (the daemon's) to end; then exit 75.")
    var wait: Int = 60
    @Option(name: .customLong("as-of"), help: "Publish as if today were this provincial day (YYYY-MM-DD): which periods have ended follows from it (for replays and tests).")
    var asOf: String?
    @Flag(help: "Allow --as-of after today: periods that have not ended are then released for good, and responses that arrive later for them are held back.")
    var allowFuture = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (configuration, store) = try options.open()
        let directory = summariesDir ?? (options.stateDir.map { "\($0)/summaries" } ?? configuration.summariesDirectory)
        var logger = Logger(label: "surveyctl")
        logger.logLevel = .warning
        let publisher = Publisher(configuration: configuration, store: store, logger: logger, directory: directory)
        var now = Date()
        if let asOf {
            guard let day = LocalDate(iso: asOf) else { throw ValidationError("--as-of: expected a day as YYYY-MM-DD, got '\(asOf)'") }
            let today = LocalDate(instant: Date(), in: configuration.timeZone)
            guard day <= today || allowFuture else {
                throw ValidationError("--as-of \(asOf) is after today (\(today)): it would release periods that have not ended, and hold back what arrives for them later; add --allow-future to do it anyway")
            }
            // Noon of that day in the provincial zone.
            now = Date(timeIntervalSince1970: Double(day.dayNumber) * 86_400 + 43_200 - Double(configuration.timeZone.secondsFromGMT()))
        }
        do {
            let report = try publisher.publish(now: now, lockTimeout: .seconds(max(0, wait)))
            var details = "\(report.written.count) periods written to \(directory)"
            if let asOf { details += ", as of \(asOf)" }
            if !report.released.isEmpty { details += ", released: \(report.released.joined(separator: " "))" }
            if !report.revised.isEmpty { details += ", revised: \(report.revised.joined(separator: " "))" }
            try store.recordAudit(.publishForced, actor: AuditActor.currentUser, details: details)
            AuditJournal.announce(.publishForced, details: details)
            if json {
                struct Held: Encodable { var added: Int; var removed: Int; var periods: [String] }
                struct Output: Encodable {
                    var directory: String; var written: [String]; var unchanged: Int; var released: [String]; var revised: [String]; var withdrawn: [String]; var held: Held
                }
                return try printJSON(Output(
                    directory: directory, written: report.written, unchanged: report.unchanged, released: report.released, revised: report.revised, withdrawn: report.withdrawn,
                    held: Held(added: report.held.added, removed: report.held.removed, periods: report.held.periods)
                ))
            }
            print("published to \(directory): \(report.written.count) periods written, \(report.unchanged) unchanged")
            for period in report.written { print("  \(period)\(report.revised.contains(period) ? " (revised: late responses or retractions)" : "")") }
            if !report.withdrawn.isEmpty {
                print("withdrawn until they end (published while open): \(report.withdrawn.joined(separator: ", "))")
            }
            if !report.held.isEmpty {
                print("held back: \(report.held.added) late responses, \(report.held.removed) retracted, for \(report.held.periods.joined(separator: ", ")): no protection found that keeps them from showing a group below the minimum; tried again at every publication (docs/SUMMARIES.md, \"Revisions\")")
            }
        } catch {
            throw fail(error)
        }
    }
}
