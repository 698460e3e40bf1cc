import ArgumentParser
import Foundation
import SurveyClient
import SurveyProtocol

struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Send a batch file (Excel .xlsx or CSV) to surveyd; safe to run again after any failure.",
        discussion: """
        The file is an Excel workbook (.xlsx; the first sheet, or --sheet NAME), best made with \
        `surveyctl template`, or a CSV file (UTF-8, or UTF-16 as Excel's "Unicode Text" writes it). \
        Its header names the columns date, topic, group and sentiment (or ngày, chủ đề, nhóm, thái độ), \
        in any order; other columns and empty rows are ignored. Dates are DD/MM/YYYY, D/M/YYYY, \
        YYYY-MM-DD or Excel dates; topics, groups and sentiments are codes or labels (the template's lists, or \
        the labels surveyd reports with LABELS for any other file). Every bad row is named (line, or sheet!cell) \
        and nothing is sent until the file is right. The batch id is derived from the collaborator \
        and the responses, so a re-run never counts twice, whichever format carries them. \
        The token is read from --token-file or the SURVEYD_TOKEN environment variable. Messages are \
        in Vietnamese when LANG is vi_* or with --lang vi. \
        Exit status: 0 accepted (also if received before: then it says \"already received\" and nothing counts twice), 65 rejected, 66 file unreadable, \
        75 still failing after retries, 76 TLS failed (certificate not trusted, wrong name, not a TLS port), \
        77 credentials refused. With --tls or --ca-file the connection is encrypted and the server verified.
        """
    )

    @Argument(help: "The batch file: .xlsx or .csv.") var file: String
    @Option(help: "The workbook's sheet to read (default: the first).") var sheet: String?
    @Option(help: "Server HOST:PORT.") var server: String = "127.0.0.1:7411"
    @Option(help: "Your collaborator id.") var collaborator: Int64
    @Option(help: "File holding your token (first line).") var tokenFile: String?
    @Option(help: "Attempts before giving up on connection failures and 4xx replies.") var attempts: Int = 6
    @Option(help: "Seconds before the first retry; doubles each time, at most 60.") var retryDelay: Double = 2
    @Option(help: "Seconds to wait for any reply.") var timeout: Int = 60
    @Flag(help: "Speak TLS and verify the server's certificate against the system's trusted CAs.") var tls = false
    @Option(help: "Speak TLS and trust the CAs in this PEM file (implies --tls).") var caFile: String?
    @Option(help: "Language of the messages: vi or en (default: from LANG).") var lang: String?

    func run() async throws {
        let say = Messages(.choose(flag: lang, environment: ProcessInfo.processInfo.environment))
        let token = try readToken(say)
        let hostPort = server.split(separator: ":", omittingEmptySubsequences: false)
        guard hostPort.count >= 2, let port = Int(hostPort.last ?? ""), (1...65_535).contains(port) else {
            printError(say(.badServer, server))
            throw ExitCode(64)
        }
        let host = hostPort.dropLast().joined(separator: ":").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let submission = Submission(
            host: host, port: port, collaboratorID: collaborator, token: token, attempts: attempts,
            firstDelay: .milliseconds(Int(retryDelay * 1000)), timeout: .seconds(timeout),
            tls: tls || caFile != nil ? ClientTLS(caFile: caFile) : nil
        )
        // Labels (Chuyển đổi số, Nhân dân) are read as their codes in any file: the server says which.
        let known = await submission.labels() ?? .none
        let batch: BatchFile
        switch await SubmitCommand.read(file, sheet: sheet, known: known, within: SubmitCommand.readingSeconds) {
        case let .success(read):
            batch = read
        case let .failure(error):
            printError(located(error.place) + say.problem(error))
            throw ExitCode(error.place == nil ? 66 : 65)
        case nil:
            printError("\(file): " + say(.readTimeout, count: SubmitCommand.readingSeconds))
            throw ExitCode(66)
        }
        if !batch.problems.isEmpty {
            for problem in batch.problems {
                printError(located(problem.place) + say.problem(problem))
            }
            printError("\(file): " + say(.badLines, count: batch.problems.count))
            throw ExitCode(65)
        }
        let batchID = batch.batchID(collaboratorID: collaborator)
        let progress: @Sendable (Submission.Retry) -> Void = { retry in
            printError(say(.retrying, "\(retry.delay)", String(retry.attempt), String(retry.attempts), retry.lastError))
        }
        switch await submission.run(batch, progress: progress) {
        case let .accepted(reply):
            print(say(.accepted, batchID, count: batch.rows.count))
            if let text = reply.lines.first { print(say(.serverSaid, text)) }
        case let .alreadyReceived(reply):
            print(say(.alreadyReceived, batchID, Submission.receivedAt(in: reply) ?? "?", count: batch.rows.count))
        case let .rejected(reply, lineErrors):
            if lineErrors.isEmpty {
                printError("\(file): " + say(.rejected, reply.lines.joined(separator: " ")))
            } else {
                for entry in lineErrors {
                    let field = BatchFile.Field(name: entry.error.field)
                    let place = entry.row.map { located($0.place(of: field)) } ?? "\(file):?: "
                    printError(place + "\(field.map(say.name(of:)) ?? entry.error.field): \(entry.error.reason)")
                }
                printError("\(file): " + say(.rejectedFixLines, reply.lines.first ?? ""))
            }
            throw ExitCode(65)
        case let .notPermitted(reply):
            printError(say(.refused, reply.lines.joined(separator: " ")))
            throw ExitCode(77)
        case let .tlsFailed(message):
            printError(say(.tlsFailed, server, message))
            throw ExitCode(76)
        case let .gaveUp(lastError):
            printError(say(.gaveUp, lastError, count: attempts))
            throw ExitCode(75)
        }
    }

    static let readingSeconds = BatchFile.readingSeconds

    /// Reads the batch file on a thread of its own; nil when that takes longer than `seconds`.
    static func read(_ path: String, sheet: String?, known: BatchFile.Choices = .none, within seconds: Int) async -> Result<BatchFile, BatchFile.Problem>? {
        await BatchFile.read(within: seconds) { () throws(BatchFile.Problem) in try BatchFile(path: path, sheet: sheet, known: known) }
    }

    /// `file:7: ` for a CSV line, `file: Phiếu!C7: ` for a workbook's cell, `file: ` for the file.
    func located(_ place: BatchFile.Place?) -> String {
        guard let place else { return "\(file): " }
        return place.sheet == nil ? "\(file):\(place): " : "\(file): \(place): "
    }

    func readToken(_ say: Messages) throws -> String {
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8),
                  let first = text.split(whereSeparator: \.isNewline).first?.trimmingCharacters(in: .whitespaces), !first.isEmpty
            else {
                printError(say(.cannotReadToken, tokenFile))
                throw ExitCode(66)
            }
            return first
        }
        if let token = ProcessInfo.processInfo.environment["SURVEYD_TOKEN"], !token.isEmpty {
            return token
        }
        printError(say(.noToken))
        throw ExitCode(64)
    }
}
