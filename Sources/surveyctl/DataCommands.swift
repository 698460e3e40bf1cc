import ArgumentParser
import Foundation
import Logging
import SurveyConfig
import SurveyModel
import SurveyStore

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the live database to a new file (online, while surveyd runs) and verify the copy."
    )
    @OptionGroup var options: StoreOptions
    @Argument(help: "The new file.") var path: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (_, store) = try options.open()
        do {
            let report = try store.backup(to: path)
            AuditJournal.announce(.backupMade, details: path)
            if json { return try printJSON(report) }
            print("backed up to \(report.path): \(report.bytes) bytes, \(report.batches) batches, \(report.responses) responses; verified (integrity, tallies = recount)")
        } catch {
            throw fail(error)
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database with a verified backup (surveyd stopped); the old files are kept aside."
    )
    @OptionGroup var options: StoreOptions
    @Argument(help: "A file made by `surveyctl backup`.") var path: String

    func run() async throws {
        let configuration = try options.loadConfiguration(creatingDirectories: false)
        var logger = Logger(label: "surveyctl")
        logger.logLevel = .warning
        do {
            let (report, aside) = try SurveyStore.restore(from: path, to: configuration.databasePath, logger: logger)
            AuditJournal.announce(.databaseRestored, details: "from \(path)")
            print("restored \(configuration.databasePath) from \(path): \(report.batches) batches, \(report.responses) responses")
            if let aside { print("the previous database is kept as \(aside)") }
        } catch {
            throw fail(error)
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Stream the accepted responses collected in a date range, as CSV (Excel-safe) or JSON lines.",
        discussion: "Columns: collected_on, unit, topic, group, sentiment, batch, received_at. Memory stays constant whatever the size; surveyd goes on ingesting meanwhile (WAL readers do not block the writer)."
    )
    enum Format: String, ExpressibleByArgument { case csv, jsonl }

    @OptionGroup var options: StoreOptions
    @Option(help: "First collection date, YYYY-MM-DD.") var from: String
    @Option(help: "Last collection date, YYYY-MM-DD.") var to: String
    @Option(help: "Only this unit.") var unit: String?
    @Option(help: "csv or jsonl.") var format: Format = .csv
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        guard let first = LocalDate(iso: from), let last = LocalDate(iso: to), first <= last else {
            printError("--from and --to must be dates YYYY-MM-DD, --from not after --to")
            throw ExitCode(64)
        }
        let (_, store) = try options.open()
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o640]),
                  let file = FileHandle(forWritingAtPath: output) else {
                printError("cannot write \(output)")
                throw ExitCode(73)
            }
            handle = file
        } else {
            handle = FileHandle.standardOutput
        }
        var buffer = ExportBuffer(handle: handle, format: format)
        do {
            let count = try store.forEachExportedResponse(from: first, to: last, unit: unit) { row in buffer.append(row) }
            buffer.finish()
            if output != nil { printError("exported \(count) responses to \(output ?? "")") }
        } catch {
            throw fail(error)
        }
    }
}

/// Rows encoded into a 256 kB buffer written out when full: memory stays constant.
struct ExportBuffer {
    let handle: FileHandle
    let format: ExportCommand.Format
    var bytes: [UInt8] = []

    init(handle: FileHandle, format: ExportCommand.Format) {
        self.handle = handle
        self.format = format
        bytes.reserveCapacity(1 << 18)
        if format == .csv {
            bytes += [0xEF, 0xBB, 0xBF]
            bytes += Array("collected_on,unit,topic,group,sentiment,batch,received_at\r\n".utf8)
        }
    }

    mutating func append(_ row: ExportedResponse) {
        switch format {
        case .csv:
            // Codes and batch ids hold no comma, quote or line break (the protocol forbids them); a
            // batch id starting with '-' gets a leading quote so that Excel does not take it for a formula.
            let batch = row.batch.hasPrefix("-") ? "'" + row.batch : row.batch
            bytes += Array("\(row.collectedOn),\(row.unit),\(row.topic),\(row.group),\(row.sentiment),\(batch),\(row.receivedAt)\r\n".utf8)
        case .jsonl:
            let object: [String: String] = [
                "collected_on": row.collectedOn.description, "unit": row.unit, "topic": row.topic, "group": row.group,
                "sentiment": row.sentiment, "batch": row.batch, "received_at": row.receivedAt,
            ]
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
                bytes += data
                bytes.append(0x0A)
            }
        }
        if bytes.count >= 1 << 18 { flush() }
    }

    mutating func flush() {
        handle.write(Data(bytes))
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func finish() {
        flush()
        try? handle.synchronize()
    }
}
