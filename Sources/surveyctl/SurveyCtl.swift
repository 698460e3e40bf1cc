import ArgumentParser
import Foundation
import Logging
import SurveyConfig
import SurveyPublisher
import SurveyStore

/// surveyctl: administration of surveyd (collaborators, reference data, statistics) and batch
/// submission for collaborators.
@main
struct SurveyCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surveyctl",
        abstract: "Administer surveyd and submit survey batches.",
        discussion: "Exit status follows sysexits: 0 done, 64 usage, 65 data rejected, 66 no input, 69 unavailable, 73 cannot open the database, 75 temporary failure, 77 not permitted, 78 configuration.",
        subcommands: [
            CollaboratorCommand.self, UnitsCommand.self, TopicsCommand.self, StatsCommand.self, PublishCommand.self, SubmitCommand.self,
            BatchesCommand.self, BatchCommand.self, AuditCommand.self, ExportCommand.self, BackupCommand.self, RestoreCommand.self,
            RoundsCommand.self, RoundCommand.self, TemplateCommand.self, AccountCommand.self,
        ]
    )
}

/// Options shared by the administration commands: which configuration and database.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file.")
    var config: String = ProcessInfo.processInfo.environment["SURVEYD_CONFIG"] ?? "/etc/surveyd/surveyd.conf"

    @Option(name: .long, help: "SQLite database (overrides the configuration).")
    var database: String?

    @Option(name: .long, help: "State folder: DIR/surveyd.sqlite (as for surveyd --state-dir).")
    var stateDir: String?

    /// Loads the configuration with the command line's paths applied (exit 78 on error).
    func loadConfiguration(creatingDirectories: Bool = true) throws -> Configuration {
        do {
            var configuration = try Configuration.load(path: config)
            try configuration.apply(ConfigurationOverrides(databasePath: database, stateDirectory: stateDir), file: config)
            if creatingDirectories { try configuration.createDirectories(file: config) }
            return configuration
        } catch {
            printError("configuration error: \(error)")
            throw ExitCode(78)
        }
    }

    /// Loads the configuration, opens the database (migrating it) and synchronises reference data.
    func open() throws -> (Configuration, SurveyStore) {
        let configuration = try loadConfiguration()
        var logger = Logger(label: "surveyctl")
        logger.logLevel = .warning
        do {
            let store = try SurveyStore(path: configuration.databasePath, logger: logger)
            try store.synchronize(configuration.catalog)
            return (configuration, store)
        } catch {
            printError("\(error)")
            throw ExitCode(error.code == .schemaTooNew ? 65 : 73)
        }
    }
}

/// Writes `surveyctl: message` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("surveyctl: \(message)\n".utf8))
}

/// Maps an error to a message and an exit status.
func fail(_ error: any Error) -> ExitCode {
    printError("\(error)")
    // Another publication holds the summaries folder: temporary.
    if error is PublishBusyError { return ExitCode(75) }
    guard let error = error as? StoreError else { return ExitCode(74) }
    switch error.code {
    case .notFound, .unknownCode: return ExitCode(65)
    case .unavailable: return ExitCode(75)
    case .schemaTooNew: return ExitCode(65)
    default: return ExitCode(70)
    }
}

/// Prints rows as aligned columns under a header.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() where index < widths.count {
            widths[index] = max(widths[index], cell.count)
        }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
        }.joined(separator: "  ")
    }
    print(line(header))
    for row in rows { print(line(row)) }
}

/// Prints a value as pretty JSON with sorted keys.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
