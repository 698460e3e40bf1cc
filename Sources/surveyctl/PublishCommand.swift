import ArgumentParser
import Foundation
import Logging
import SurveyConfig
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
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (configuration, store) = try options.open()
        let directory = summariesDir ?? (options.stateDir.map { "\($0)/summaries" } ?? configuration.summariesDirectory)
        var logger = Logger(label: "surveyctl")
        logger.logLevel = .warning
        var publisher = Publisher(
            store: store, directory: directory, kinds: configuration.publishPeriods,
            minimumCellSize: configuration.minimumCellSize, logger: logger, earlyWarning: configuration.alerts
        )
        publisher.timeZone = configuration.timeZone
        do {
            let report = try publisher.publish(lockTimeout: .seconds(max(0, wait)))
            try store.recordAudit(.publishForced, actor: AuditActor.currentUser, details: "\(report.written.count) periods written to \(directory)")
            AuditJournal.announce(.publishForced, details: "\(report.written.count) periods written")
            if json {
                struct Output: Encodable { var directory: String; var written: [String]; var unchanged: Int }
                return try printJSON(Output(directory: directory, written: report.written, unchanged: report.unchanged))
            }
            print("published to \(directory): \(report.written.count) periods written, \(report.unchanged) unchanged")
            for period in report.written { print("  \(period)") }
        } catch {
            throw fail(error)
        }
    }
}
