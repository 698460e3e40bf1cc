import ArgumentParser
import Foundation
import Logging
import SurveyConfig
import SurveyPublisher
import SurveyStore

struct BatchesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "batches", abstract: "List batches, newest first.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Only this unit.") var unit: String?
    @Option(help: "Only this collaborator id.") var collaborator: Int64?
    @Option(help: "Only batches received from this date (YYYY-MM-DD, UTC) or time on.") var since: String?
    @Option(help: "At most this many.") var limit: Int = 1000
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (_, store) = try options.open()
        do {
            let batches = try store.batches(unit: unit, collaborator: collaborator, since: since, limit: limit)
            if json { return try printJSON(batches) }
            printTable(["ID", "BATCH", "UNIT", "COLLABORATOR", "RECEIVED", "RESPONSES", "STATE"], batches.map {
                [String($0.id), $0.clientBatchID, $0.unit, String($0.collaboratorID), $0.receivedAt, String($0.responses), $0.state]
            })
        } catch {
            throw fail(error)
        }
    }
}

struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Show, retract or restore one batch (by the ID that `surveyctl batches` lists).",
        subcommands: [Show.self, Retract.self, Restore.self, Approve.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A batch's responses and history.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Batch ID.") var id: Int64
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (_, store) = try options.open()
            do {
                guard let detail = try store.batchDetail(id: id) else {
                    printError("no batch has the id \(id) (see `surveyctl batches`)")
                    throw ExitCode(65)
                }
                if json { return try printJSON(detail) }
                let batch = detail.batch
                print("batch \(batch.id) '\(batch.clientBatchID)': unit \(batch.unit), collaborator \(batch.collaboratorID), received \(batch.receivedAt), \(batch.responses) responses, \(batch.state)")
                printTable(["DATE", "TOPIC", "GROUP", "SENTIMENT"], detail.responses.map { [$0.collectedOn.description, $0.topic, $0.group, $0.sentiment] })
                print("history:")
                print("  \(batch.receivedAt)  received from collaborator \(batch.collaboratorID)")
                for entry in detail.history {
                    print("  \(entry.at)  \(entry.action.rawValue.replacingOccurrences(of: "_", with: " ")) by \(entry.actor)\(entry.details.isEmpty ? "" : ": \(entry.details)")")
                }
            } catch let error as ExitCode {
                throw error
            } catch {
                throw fail(error)
            }
        }
    }

    struct Retract: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop counting a batch: its tallies are removed, its rows kept, the summaries republished."
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "Batch ID.") var id: Int64
        @Option(help: "Why (recorded in the audit trail).") var reason: String

        func run() async throws {
            try changeState(
                options, id: id, action: .batchRetracted, details: reason, apply: { try $0.retractBatch(id: id, reason: reason) },
                unchanged: "was already retracted", done: "retracted batch \(id): it no longer counts"
            )
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Undo a retraction: the batch counts again; the summaries are republished.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Batch ID.") var id: Int64

        func run() async throws {
            try changeState(
                options, id: id, action: .batchRestored, apply: { try $0.restoreBatch(id: id) },
                unchanged: "is not retracted", done: "restored batch \(id): it counts again"
            )
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a batch held for review (review.hold): it counts from now on; the summaries are republished."
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "Batch ID.") var id: Int64

        func run() async throws {
            try changeState(
                options, id: id, action: .batchApproved, apply: { try $0.approveBatch(id: id) },
                unchanged: "is not waiting for approval", done: "approved batch \(id): it counts now"
            )
        }
    }

    /// The steps of every change of a batch's state: apply it (false: it was not in the state it
    /// changes from, and nothing changed), announce it to the journal, say so, and republish.
    static func changeState(
        _ options: StoreOptions, id: Int64, action: AuditAction, details: String = "",
        apply: (SurveyStore) throws -> Bool, unchanged: String, done: String
    ) throws {
        let (configuration, store) = try options.open()
        do {
            guard try apply(store) else {
                print("batch \(id) \(unchanged); nothing changed")
                return
            }
            AuditJournal.announce(action, subject: "batch:\(id)", details: details)
            print(done)
            try republish(configuration, store, options)
        } catch {
            throw fail(error)
        }
    }

    /// Publishes the periods whose counts changed (their revision rises).
    static func republish(_ configuration: Configuration, _ store: SurveyStore, _ options: StoreOptions) throws {
        var logger = Logger(label: "surveyctl")
        logger.logLevel = .warning
        let directory = options.stateDir.map { "\($0)/summaries" } ?? configuration.summariesDirectory
        let publisher = Publisher(configuration: configuration, store: store, logger: logger, directory: directory)
        let report = try publisher.publish()
        print("republished \(report.written.count) periods: \(report.written.joined(separator: ", "))")
        if !report.held.isEmpty {
            print("held back: \(report.held.added) late responses, \(report.held.removed) retracted, for \(report.held.periods.joined(separator: ", ")): no protection found that keeps them from showing a group below the minimum; tried again at every publication (docs/SUMMARIES.md, \"Revisions\")")
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit trail of administrative actions, oldest first.")
    @OptionGroup var options: StoreOptions
    @Option(help: "From this date (YYYY-MM-DD, UTC) or time on.") var since: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (_, store) = try options.open()
        do {
            let entries = try store.auditTrail(since: since)
            if json { return try printJSON(entries) }
            printTable(["ID", "AT", "ACTOR", "ACTION", "SUBJECT", "DETAILS"], entries.map {
                [String($0.id), $0.at, $0.actor, $0.action.rawValue, $0.subject ?? "", $0.details]
            })
        } catch {
            throw fail(error)
        }
    }
}
