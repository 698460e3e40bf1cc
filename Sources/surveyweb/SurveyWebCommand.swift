import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SurveyAccounts
import SurveyClient
import SurveyConfig
import SurveyWeb
import SystemdSupport

/// `surveyweb`: the web service nginx asks (`auth_request`) before serving a summary file, and
/// the pages where administrators sign in and collaborators send their workbooks.
@main
struct SurveyWebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surveyweb",
        abstract: "The web service behind nginx: sign-in, access to the summaries, collaborators' uploads.",
        discussion: """
        Listens for HTTP on a loopback address only; nginx in front terminates TLS and serves the \
        summary files, asking GET /_auth before each one. Administrators' accounts are in \
        STATE_DIR/accounts.sqlite (surveyctl account); collaborators sign in with their id and token, \
        which surveyd checks, and their uploads go to surveyd as `surveyctl submit` sends them. \
        See docs/SECURITY.md and surveyweb(8).
        """
    )

    @Option(help: "Configuration file (read only: units, labels, surveyd's address, the summaries folder).")
    var config: String = ProcessInfo.processInfo.environment["SURVEYD_CONFIG"] ?? "/etc/surveyd/surveyd.conf"
    @Option(help: "Folder of the accounts file (accounts.sqlite).") var stateDir: String = "/var/lib/surveyweb"
    @Option(help: "HOST:PORT to listen on (loopback only).") var listen: String = "127.0.0.1:7480"
    @Option(help: "surveyd's protocol address HOST:PORT (default: its first plain-text listen address).") var surveyd: String?
    @Option(help: "The summaries folder, for the rounds' progress (default: the configuration's).") var summariesDir: String?
    @Option(help: "Largest upload in bytes.") var maxUploadBytes: Int = WebService.defaultMaxUploadBytes
    @Option(help: "Minutes a session lasts without a request (fractions allowed).") var idleMinutes: Double = 30
    @Option(help: "Hours a session lasts after sign-in.") var sessionHours: Int = 8
    @Option(help: "Where logs go: auto (the journal under systemd), journal or stderr.") var log: String = "auto"

    func validate() throws {
        guard ["auto", "journal", "stderr"].contains(log) else { throw ValidationError("--log must be auto, journal or stderr") }
        guard (0.05...1440).contains(idleMinutes), (1...168).contains(sessionHours) else {
            throw ValidationError("--idle-minutes must be 0.05 to 1440 and --session-hours 1 to 168")
        }
        guard maxUploadBytes >= 1024 else { throw ValidationError("--max-upload-bytes must be at least 1024") }
    }

    func run() async throws {
        FatalSignalReporter.install(identifier: "surveyweb")
        let journal = log == "journal" || (log == "auto" && JournalLogHandler.shouldUseJournal())
        LoggingSystem.bootstrap { label in
            if journal {
                return JournalLogHandler(identifier: "surveyweb", fieldPrefix: "SURVEY", messageIDs: WebMessageIDs.table)
            }
            return StreamLogHandler.standardError(label: label)
        }
        let logger = Logger(label: "surveyweb")
        var configuration: Configuration
        do {
            configuration = try Configuration.load(path: config)
            if let summariesDir { configuration.summariesDirectory = summariesDir }
        } catch {
            printError("surveyweb: configuration error: \(error)")
            throw ExitCode(78)
        }
        guard let (host, port) = SurveyWebCommand.hostPort(listen), SurveyWebCommand.isLoopback(host) else {
            printError("surveyweb: --listen must be a loopback HOST:PORT (nginx is the one facing the network), got '\(listen)'")
            throw ExitCode(64)
        }
        let surveydAddress: (String, Int)
        if let surveyd {
            guard let parsed = SurveyWebCommand.hostPort(surveyd) else {
                printError("surveyweb: --surveyd must be HOST:PORT, got '\(surveyd)'")
                throw ExitCode(64)
            }
            surveydAddress = parsed
        } else if let first = configuration.listen.first {
            surveydAddress = (first.host == "0.0.0.0" ? "127.0.0.1" : first.host == "::" ? "::1" : first.host, first.port)
        } else {
            printError("surveyweb: the configuration has no listen address; give --surveyd")
            throw ExitCode(64)
        }
        let accounts: AccountStore
        do {
            try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            accounts = try AccountStore(path: "\(stateDir)/accounts.sqlite")
        } catch {
            printError("surveyweb: cannot open \(stateDir)/accounts.sqlite: \(error)")
            throw ExitCode(73)
        }
        let service = WebService(
            configuration: configuration, accounts: accounts,
            check: CollaboratorCheck(host: surveydAddress.0, port: surveydAddress.1, tls: nil),
            state: WebState(sessions: SessionBook(idleLimit: idleMinutes * 60, absoluteLimit: TimeInterval(sessionHours * 3600))),
            maxUploadBytes: maxUploadBytes, logger: logger
        )
        let app = Application(
            router: service.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                logger.notice("web started", metadata: [
                    "address": "\(channel.localAddress?.description ?? listen)", "surveyd": "\(surveydAddress.0):\(surveydAddress.1)",
                ])
            },
            logger: logger
        )
        try await app.runService()
    }

    static func hostPort(_ text: String) -> (String, Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2, let port = Int(parts.last ?? ""), (0...65_535).contains(port) else { return nil }
        let host = parts.dropLast().joined(separator: ":").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.isEmpty ? nil : (host, port)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
