import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SurveyConfig
import SurveyModel
import SurveyProtocol
import SurveyPublisher
import SurveyServer
import SurveyStore
import NIOPosix
import SystemdSupport
import UnixSignals

/// The surveyd daemon: collects survey batches from collaborators and keeps tallies in SQLite.
@main
struct Surveyd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surveyd",
        abstract: "Collects social-opinion survey batches from field collaborators and keeps sentiment tallies.",
        discussion: "Exit status: 0 clean stop, 65 database newer than this program, 69 cannot listen, 73 cannot open the database, 78 bad configuration."
    )

    @Option(name: .long, help: "Configuration file (YAML).")
    var config: String = ProcessInfo.processInfo.environment["SURVEYD_CONFIG"] ?? "/etc/surveyd/surveyd.conf"

    @Flag(name: .long, help: "Validate the configuration and exit (0 valid, 78 invalid).")
    var checkConfig = false

    @Option(name: .long, help: "Listen on HOST:PORT instead of the configured addresses (repeatable).")
    var listen: [String] = []

    @Option(name: .long, help: "SQLite database file (overrides `database`).")
    var database: String?

    @Option(name: .long, help: "Summaries directory (overrides `summaries_directory`).")
    var summariesDir: String?

    @Option(name: .long, help: "State folder: DIR/surveyd.sqlite and DIR/summaries.")
    var stateDir: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(name: .long, help: "Where logs go: auto (the journal when run by systemd, else standard error), journal or stderr.")
    var logTarget: LogTarget = .auto

    enum LogTarget: String, ExpressibleByArgument {
        case auto, journal, stderr
    }

    /// The configuration file with the command-line overrides applied and checked.
    func loadConfiguration() throws(ConfigurationError) -> Configuration {
        var configuration = try Configuration.load(path: config)
        try configuration.apply(
            ConfigurationOverrides(listen: listen, databasePath: database, summariesDirectory: summariesDir, stateDirectory: stateDir),
            file: config
        )
        try configuration.checkDirectories(file: config)
        return configuration
    }

    func run() async throws {
        // First of all: from here on a crash (a failed runtime check, a bad pointer, an abort)
        // leaves its reason and call stack on standard error, the journal under systemd.
        FatalSignalReporter.install(identifier: "surveyd")
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let journal = logTarget == .journal || (logTarget == .auto && !checkConfig && JournalLogHandler.shouldUseJournal())
        LoggingSystem.bootstrap { label in
            if journal {
                var handler = JournalLogHandler(identifier: "surveyd", fieldPrefix: "SURVEY", messageIDs: MessageIDs.table)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "surveyd")

        let configuration: Configuration
        do {
            configuration = try loadConfiguration()
        } catch {
            Surveyd.fail("surveyd: configuration error: \(error)")
            throw ExitCode(78)
        }
        var tls: TLSContextHolder?
        if let settings = configuration.tls {
            do {
                tls = try TLSContextHolder(certificatePath: settings.certificatePath, keyPath: settings.keyPath)
            } catch {
                Surveyd.fail("surveyd: configuration error: \(config): tls: \(error)")
                throw ExitCode(78)
            }
        }
        for notice in configuration.notices {
            if checkConfig { print("\(config): notice: \(notice)") } else { logger.notice("configuration notice", metadata: ["notice": "\(notice)"]) }
        }
        if checkConfig {
            let catalog = configuration.catalog
            print("\(config): configuration is valid (\(catalog.units.count) units, \(catalog.topics.count) topics, \(catalog.groups.count) respondent groups, \(catalog.sentiments.count) sentiments\(configuration.rounds.isEmpty ? "" : ", \(configuration.rounds.count) rounds"))")
            return
        }
        do {
            try configuration.createDirectories(file: config)
        } catch {
            Surveyd.fail("surveyd: \(error)")
            throw ExitCode(73)
        }

        logger.info("started", metadata: ["version": "\(surveydVersion)", "config": "\(config)", "database": "\(configuration.databasePath)"])
        // One daemon per database, and no restore underneath it (released when the process ends).
        guard let databaseLock = DatabaseLock(databasePath: configuration.databasePath) else {
            logger.critical("database error", metadata: ["error": "another surveyd (or a restore) is using \(configuration.databasePath)"])
            Surveyd.fail("surveyd: another surveyd (or surveyctl restore) is using \(configuration.databasePath)")
            throw ExitCode(75)
        }
        let store: SurveyStore
        do {
            store = try SurveyStore(path: configuration.databasePath, logger: logger)
            try store.adopt(configuration)
        } catch {
            logger.critical("database error", metadata: ["error": "\(error)"])
            Surveyd.fail("surveyd: \(error)")
            throw ExitCode(error.code == .schemaTooNew ? 65 : 73)
        }
        // Commits that reached only the page cache before a crash are made durable before anything
        // is acknowledged again (a retry of such a batch is answered as a duplicate).
        do {
            let frames = try store.checkpointLeftoverLog()
            if frames > 0 {
                logger.info("write-ahead log copied into the database", metadata: ["frames": "\(frames)"])
            }
        } catch {
            logger.warning("cannot copy the write-ahead log into the database at start-up; the checkpoints will", metadata: ["error": "\(error)"])
        }

        let context = SessionContext(configuration, limits: configuration.limits)
        // Trap SIGHUP now, before anything can announce readiness.
        let reloadSignals = await UnixSignalsSequence(trapping: .sighup)
        let notifier = SystemdNotifier()
        let inherited = SocketActivation.listeningSockets()
        let server = CollaboratorServer(
            settings: .init(
                addresses: configuration.listen.map { ($0.host, $0.port) }, inheritedSockets: inherited, context: context,
                tlsAddresses: configuration.tls?.listen.map { ($0.host, $0.port) } ?? [], tls: tls
            ),
            store: store, logger: logger
        ) { addresses in
            logger.info("ready", metadata: [
                "addresses": "\(addresses.map(\.description).joined(separator: " "))", "socket_activated": "\(!inherited.isEmpty)",
            ])
            notifier.ready(status: "accepting batches")
        }
        let publisher = PublisherService(
            publisher: Publisher(configuration: configuration, store: store, logger: logger).announcingRounds(in: configuration.timeZone),
            interval: .seconds(configuration.publishIntervalSeconds), logger: logger
        )
        let supervisor = DaemonSupervisor(
            server: server, publisher: publisher, store: store, logger: logger, group: MultiThreadedEventLoopGroup.singleton,
            reloadSignals: reloadSignals
        ) { [self] () throws -> Configuration in
            try loadConfiguration()
        }
        // Shut down in reverse order: the supervisor says STOPPING=1 first, then the publisher
        // stops, then the server drains.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    // If its connection cannot be opened it hands checkpoints back to the writer
                    // and ends: the daemon goes on.
                    .init(service: CheckpointService(store: store), successTerminationBehavior: .ignore),
                    // A failed log flush stops the daemon gracefully: connections are told.
                    .init(service: LogFlushWatchService(store: store, logger: logger), failureTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: server), .init(service: publisher),
                    .init(service: supervisor),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch let error as ServerError {
            logger.critical("cannot listen", metadata: ["error": "\(error)"])
            Surveyd.fail("surveyd: \(error)")
            throw ExitCode(69)
        } catch let error as StoreError {
            // A failed flush of the write-ahead log (logged by LogFlushWatchService).
            Surveyd.fail("surveyd: \(error)")
            throw ExitCode(74)
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            throw ExitCode(70)
        }
        withExtendedLifetime(databaseLock) {}
        let grouping = store.groupCommitCounts
        logger.info("stopped", metadata: ["ingest_batches": "\(grouping.batches)", "ingest_transactions": "\(grouping.transactions)"])
    }

    static func fail(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// The version reported in logs and `--version`.
let surveydVersion = "0.1.0"
