import Foundation
import GRDB
import Logging
import SurveyClient
import SurveyConfig
import SurveyModel
import SurveyProtocol
import SurveyStore
import Testing
import TestSupport

/// Where the built executables are: beside the test bundle.
let productsDirectory: URL = {
    if let directory = ProcessInfo.processInfo.environment["SURVEYD_PRODUCTS_DIR"] {
        return URL(fileURLWithPath: directory)
    }
    var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL]
    candidates += [Bundle.main.bundleURL.deletingLastPathComponent()]
    candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug"))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("surveyd").path) } ?? candidates[0]
}()

/// The example configuration in the repository.
let exampleConfigPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("config/surveyd.conf").path

/// The 1-based line of the example configuration that starts with `text`.
func exampleLine(of text: String) -> Int {
    let lines = ((try? String(contentsOfFile: exampleConfigPath, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
    return (lines.firstIndex { $0.hasPrefix(text) } ?? -1) + 1
}

/// A port nobody listens on right now.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The result of running a command to completion.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs an executable from the products directory and waits for it (at most `timeout`).
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) async throws -> CommandResult {
    let path = executable.hasPrefix("/") ? executable : productsDirectory.appendingPathComponent(executable).path
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "SURVEYD_TOKEN")
    env.removeValue(forKey: "SURVEYD_CONFIG")
    for (key, value) in environment { env[key] = value }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = directory.appendingPathComponent("out").path, err = directory.appendingPathComponent("err").path
    let child = try ChildProcess(path, arguments, environment: env, stdout: out, stderr: err)
    let status = await child.exit(timeout: timeout)
    return CommandResult(
        status: status,
        stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
    )
}

/// A real surveyd process on a free port with its own temporary state folder.
final class Daemon: @unchecked Sendable {
    let directory: URL
    let configPath: String
    let port: Int
    private(set) var process: ChildProcess?
    let logPath: String

    var stateDirectory: String { directory.appendingPathComponent("state").path }
    var databasePath: String { stateDirectory + "/surveyd.sqlite" }

    /// The example configuration's `publish.grace_days` line.
    static let graceDaysLine = "  grace_days: { week: 0, month: 2, quarter: 2, year: 2 }\n"

    /// Writes a configuration (the example with `replacing` applied) without starting anything.
    init(replacing: [String: String] = [:]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var text = try String(contentsOfFile: exampleConfigPath, encoding: .utf8)
        var replacing = replacing
        // Tests of other things publish the current periods (`release: open`); tests of the
        // closed policy say so.
        if !replacing.keys.contains(where: { $0.contains("release:") || $0.contains("grace_days:") }) {
            replacing["  release: closed\n  # Days after"] = "  release: open\n  # Days after"
            replacing[Daemon.graceDaysLine] = "\n"
        }
        for (old, new) in replacing {
            precondition(text.contains(old), "the example configuration has no '\(old)'")
            text = text.replacingOccurrences(of: old, with: new)
        }
        configPath = directory.appendingPathComponent("surveyd.conf").path
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        port = freePort()
        logPath = directory.appendingPathComponent("surveyd.log").path
    }

    /// Options that point surveyctl at this daemon's configuration and state.
    var storeOptions: [String] { ["--config", configPath, "--state-dir", stateDirectory] }

    /// Starts the daemon and waits until it logs that it is ready.
    @discardableResult
    func start(executable: URL? = nil, extraArguments: [String] = [], environment: [String: String] = [:]) async throws -> Daemon {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = try ChildProcess(
            (executable ?? productsDirectory.appendingPathComponent("surveyd")).path,
            ["--config", configPath, "--state-dir", stateDirectory, "--listen", "127.0.0.1:\(port)", "--log-target", "stderr"] + extraArguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            stdout: logPath, stderr: logPath, directory: "/"
        )
        self.process = process
        // Ends early when the daemon exits; ready or not is read from the log.
        _ = await Wait.until { log().contains("] ready") || !process.isRunning }
        if log().contains("] ready") { return self }
        throw DaemonError("surveyd did not become ready:\n\(log())")
    }

    /// The daemon's log so far.
    func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Sends a signal and waits for the exit status (at most `timeout`).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 30) async -> Int32 {
        guard let process else { return -1 }
        if signal != 0 { process.signal(signal) }
        return await process.exit(timeout: timeout)
    }

    deinit {
        if let process, process.isRunning {
            process.signal(SIGKILL)
            process.wait(timeout: 10)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Sends SIGHUP and waits (at most `seconds`) until `text` appears in the log once more than
    /// before; whether it did.
    func reload(waitingFor text: String, seconds: Double = 60) async -> Bool {
        guard let process else { return false }
        let before = log().components(separatedBy: text).count
        process.signal(SIGHUP)
        return await Wait.until(within: .seconds(seconds)) { log().components(separatedBy: text).count > before }
    }

    /// Adds collaborators directly in the database (before or while the daemon runs).
    func addCollaborators(units: [String]) throws -> [(id: Int64, token: String)] {
        let configuration = try Configuration.load(path: configPath)
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let store = try SurveyStore(path: databasePath, logger: Logger(label: "test"))
        try store.synchronize(configuration.catalog)
        return try units.map { unit in
            let (collaborator, token) = try store.addCollaborator(unit: unit, name: "Cộng tác viên \(unit)")
            return (collaborator.id, token)
        }
    }

    /// Opens the daemon's database for checks (read-only use).
    func database() throws -> DatabaseQueue {
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: databasePath, configuration: configuration)
    }

    func string(_ sql: String) throws -> String? {
        try database().read { try String.fetchOne($0, sql: sql) }
    }

    func count(_ sql: String) throws -> Int {
        try database().read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }

    /// Whether the span tallies equal a recount of the counted responses, and every reference
    /// holds (ingest writes with foreign keys unenforced: `PRAGMA foreign_key_check` must be empty).
    func talliesMatchRecount() throws -> Bool {
        let dangling = try database().read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") }
        guard dangling.isEmpty else { return false }
        return try database().read { try SurveyStore.tallyMismatches($0) } == 0
    }

    /// Sends one batch on a fresh connection (AUTH, BATCH, lines, COMMIT); the reply to COMMIT, or
    /// to BATCH when it was refused.
    func submit(_ collaborator: (id: Int64, token: String), _ id: String, _ lines: [String]) async throws -> Reply {
        try await connect { client in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
            try await client.send(batchLines(id, lines))
            let go = try await client.readReply()
            guard go.code == 354 else { return go }
            return try await client.readReply()
        }
    }

    /// Opens a protocol connection to the daemon.
    /// A transport failure carries the end of the daemon's log, to tell a hang from a crash.
    func connect<T>(timeout: Duration = .seconds(30), _ body: (ProtocolClient) async throws -> T) async throws -> T {
        do {
            return try await ProtocolClient.withConnection(host: "127.0.0.1", port: port, timeout: timeout, body)
        } catch let error as ConnectionFailure {
            print("connection to surveyd failed: \(error)\n--- end of the daemon's log ---\n\(log().suffix(4000))")
            throw error
        }
    }
}

/// Another process's write lock on a database (an immediate transaction held on a thread of the
/// test process), until `release()`.
final class DatabaseWriteLock: Sendable {
    private let released = DispatchSemaphore(value: 0)

    static func take(_ path: String) async throws -> DatabaseWriteLock {
        let lock = DatabaseWriteLock()
        let queue = try DatabaseQueue(path: path)
        let locked = DispatchSemaphore(value: 0)
        Thread { [released = lock.released] in
            try? queue.inTransaction(.immediate) { _ in
                locked.signal()
                released.wait()
                return .rollback
            }
        }.start()
        guard await Wait.until({ locked.wait(timeout: .now()) == .success }) else {
            throw DaemonError("the database lock was not taken in a minute")
        }
        return lock
    }

    func release() {
        released.signal()
    }
}

struct DaemonError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Today in the provincial time zone, as the daemon sees it.
var today: LocalDate { LocalDate(instant: Date(), in: TimeZone(identifier: "Asia/Ho_Chi_Minh")!) }

/// `count` valid response lines, collected in the last days.
func responseLines(_ count: Int, seed: Int = 0) -> [String] {
    let topics = ["DAIHOI", "CANBO", "YTE", "GIAODUC", "CDS"], groups = ["CB", "DV", "ND"]
    let sentiments = ["DONGTINH", "PHANVAN", "KHONGDONGTINH"]
    return (0..<count).map { i in
        let n = i + seed
        return "R \(today.adding(days: -(n % 20))) \(topics[n % 5]) \(groups[(n / 5) % 3]) \(sentiments[(n / 15) % 3])"
    }
}

/// BATCH, the lines and COMMIT.
func batchLines(_ id: String, _ lines: [String]) -> [String] {
    ["BATCH \(id) \(lines.count)"] + lines + ["COMMIT"]
}
