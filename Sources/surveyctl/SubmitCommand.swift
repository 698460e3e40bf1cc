import ArgumentParser
import Foundation
import SurveyClient
import SurveyProtocol

struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Send a CSV batch file to surveyd; safe to run again after any failure.",
        discussion: """
        The CSV needs a header with the columns date, topic, group and sentiment. The batch id is \
        derived from the collaborator and the file's content, so a re-run never counts twice. \
        The token is read from --token-file or the SURVEYD_TOKEN environment variable. \
        Exit status: 0 accepted (also if accepted before), 65 rejected, 66 file unreadable, \
        75 still failing after retries, 76 TLS failed (certificate not trusted, wrong name, not a TLS port), \
        77 credentials refused. With --tls or --ca-file the connection is encrypted and the server verified.
        """
    )

    @Argument(help: "The CSV file.") var file: String
    @Option(help: "Server HOST:PORT.") var server: String = "127.0.0.1:7411"
    @Option(help: "Your collaborator id.") var collaborator: Int64
    @Option(help: "File holding your token (first line).") var tokenFile: String?
    @Option(help: "Attempts before giving up on connection failures and 4xx replies.") var attempts: Int = 6
    @Option(help: "Seconds before the first retry; doubles each time, at most 60.") var retryDelay: Double = 2
    @Option(help: "Seconds to wait for any reply.") var timeout: Int = 60
    @Flag(help: "Speak TLS and verify the server's certificate against the system's trusted CAs.") var tls = false
    @Option(help: "Speak TLS and trust the CAs in this PEM file (implies --tls).") var caFile: String?

    func run() async throws {
        let token = try readToken()
        let hostPort = server.split(separator: ":", omittingEmptySubsequences: false)
        guard hostPort.count >= 2, let port = Int(hostPort.last ?? ""), (1...65_535).contains(port) else {
            printError("--server must be HOST:PORT, got '\(server)'")
            throw ExitCode(64)
        }
        let host = hostPort.dropLast().joined(separator: ":").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let batch: CSVBatchFile
        do {
            batch = try CSVBatchFile(path: file)
        } catch {
            printError("\(file): \(error)")
            throw ExitCode(error.line == nil ? 66 : 65)
        }
        if !batch.problems.isEmpty {
            for problem in batch.problems { printError("\(file):\(problem.line ?? 0): \(problem.message)") }
            printError("\(file): \(batch.problems.count) bad lines; nothing sent")
            throw ExitCode(65)
        }
        let submission = Submission(
            host: host, port: port, collaboratorID: collaborator, token: token, attempts: attempts,
            firstDelay: .milliseconds(Int(retryDelay * 1000)), timeout: .seconds(timeout),
            tls: tls || caFile != nil ? ClientTLS(caFile: caFile) : nil
        )
        let batchID = batch.batchID(collaboratorID: collaborator)
        switch await submission.run(batch, progress: { printError($0) }) {
        case let .accepted(reply):
            print("accepted \(batch.rows.count) \(batch.rows.count == 1 ? "response" : "responses") (batch \(batchID))")
            if let text = reply.lines.first { print("server: \(text)") }
        case let .rejected(reply, lineErrors):
            if lineErrors.isEmpty {
                printError("\(file): rejected: \(reply.lines.joined(separator: " "))")
            } else {
                for entry in lineErrors {
                    printError("\(file):\(entry.csvLine.map(String.init) ?? "?"): \(entry.error.field): \(entry.error.reason)")
                }
                printError("\(file): rejected: \(reply.lines.first ?? ""); fix the lines above and run again")
            }
            throw ExitCode(65)
        case let .notPermitted(reply):
            printError("refused: \(reply.lines.joined(separator: " "))")
            throw ExitCode(77)
        case let .tlsFailed(message):
            printError("\(server): \(message); nothing sent")
            throw ExitCode(76)
        case let .gaveUp(lastError):
            printError("gave up after \(attempts) attempts: \(lastError); run the same command again later, it is safe")
            throw ExitCode(75)
        }
    }

    func readToken() throws -> String {
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8),
                  let first = text.split(whereSeparator: \.isNewline).first?.trimmingCharacters(in: .whitespaces), !first.isEmpty
            else {
                printError("cannot read a token from \(tokenFile)")
                throw ExitCode(66)
            }
            return first
        }
        if let token = ProcessInfo.processInfo.environment["SURVEYD_TOKEN"], !token.isEmpty {
            return token
        }
        printError("no token: use --token-file PATH or set SURVEYD_TOKEN")
        throw ExitCode(64)
    }
}
