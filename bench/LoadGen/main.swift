// Load generator for surveyd: C connections, each authenticated as its own collaborator (of one
// unit), sending B batches of K responses over one to three field days, pipelined two deep. Each
// connection is a blocking socket on a thread of its own (as each `redis-cli --pipe` of the Redis
// peer is a process of its own), so that the generator takes little of the CPU it shares with
// the server.
// Prints one JSON line: accepted responses, responses per second and commit-reply latency
// percentiles (HdrHistogram, microseconds).
//
//   loadgen --port P --credentials FILE --batches B --responses K [--window 2] [--seed N] [--rate R]
// With --rate, each connection sends R batches a second on a fixed schedule (open loop) instead
// of as fast as it can, and latency counts from each batch's scheduled time, so that a late reply
// also delays (and is charged to) the batches behind it.
// FILE: one collaborator per line, "ID TOKEN" (C = the number of lines).
import Foundation
import BenchSupport
import Histogram
import SurveyModel
import SurveyProtocol

struct Options {
    var port = 7411
    var credentials = ""
    var batches = 10
    var responses = 100
    var window = 2
    var seed: UInt64 = 1
    var rate: Double?

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            let value = iterator.next() ?? ""
            switch name {
            case "--port": port = Int(value) ?? port
            case "--credentials": credentials = value
            case "--batches": batches = Int(value) ?? batches
            case "--responses": responses = Int(value) ?? responses
            case "--window": window = max(1, Int(value) ?? window)
            case "--seed": seed = UInt64(value) ?? seed
            case "--rate": rate = Double(value).flatMap { $0 > 0 ? $0 : nil }
            default: FileHandle.standardError.write(Data("loadgen: unknown option \(name)\n".utf8)); exit(64)
            }
        }
    }
}

struct ConnectionResult: Sendable {
    var accepted = 0
    var refused = 0
    var latencies: [UInt64] = []
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let credentials = ((try? String(contentsOfFile: options.credentials, encoding: .utf8)) ?? "")
    .split(separator: "\n").compactMap { line -> (Int64, String)? in
        let parts = line.split(separator: " ")
        guard parts.count == 2, let id = Int64(parts[0]) else { return nil }
        return (id, String(parts[1]))
    }
guard !credentials.isEmpty else {
    FileHandle.standardError.write(Data("loadgen: no credentials in '\(options.credentials)'\n".utf8))
    exit(64)
}
let today = LocalDate(instant: Date(), in: TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .gmt)
// Every batch's bytes are made before the clock starts: during the run the generator only writes
// and reads, as `redis-cli --pipe` does for the Redis peer.
let payloads: [[[UInt8]]] = credentials.indices.map { index in
    var generator = Workload.generator(seed: options.seed, connection: index)
    return (0..<options.batches).map { batch in
        let id = Workload.batchID(seed: options.seed, connection: index, batch: batch)
        return Array(Workload.lines(id: id, Workload.responses(options.responses, today: today, generator: &generator))
            .map { $0 + "\r\n" }.joined().utf8)
    }
}
// One thread and one blocking socket per connection, as redis-cli --pipe is one process per
// connection for the Redis peer: the generator's own cost stays small beside the server's.
struct Driver: Sendable {
    let options: Options
    let payloads: [[[UInt8]]]
    let connections: Int

    /// One connection: authenticate, send the batches (pipelined, or on a schedule), count replies.
    func drive(index: Int, credential: (Int64, String), start: ContinuousClock.Instant) throws -> ConnectionResult {
        let batches = payloads[index]
        var result = ConnectionResult()
        let client = try BlockingConnection(port: options.port)
        try client.send(Array("AUTH \(credential.0) \(credential.1)\r\n".utf8))
        guard try client.readReply() == 235 else { throw BlockingConnection.Failure(description: "AUTH refused") }
        var inFlight: [ContinuousClock.Instant] = []
        func settleOne() throws {
            let sent = inFlight.removeFirst()
            let go = try client.readReply()
            let final = go == 354 ? try client.readReply() : go
            if final == 250 {
                result.accepted += options.responses
                let elapsed = ContinuousClock.now - sent
                result.latencies.append(UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000))
            } else {
                result.refused += 1
            }
        }
        if let rate = options.rate {
            // Open loop: batch i is due at i / rate seconds (connections staggered).
            let interval = Duration.seconds(1 / rate)
            let first = start + interval * (Double(index) / Double(connections))
            for (number, bytes) in batches.enumerated() {
                let due = first + interval * number
                let wait = due - .now
                if wait > .zero {
                    var pause = timespec(tv_sec: Int(wait.components.seconds), tv_nsec: Int(wait.components.attoseconds / 1_000_000_000))
                    nanosleep(&pause, nil)
                }
                try client.send(bytes)
                inFlight.append(due)
                try settleOne()
            }
        } else {
            for bytes in batches {
                try client.send(bytes)
                inFlight.append(.now)
                if inFlight.count >= options.window { try settleOne() }
            }
        }
        while !inFlight.isEmpty { try settleOne() }
        try? client.send(Array("QUIT\r\n".utf8))
        return result
    }
}

final class Outcomes: @unchecked Sendable {
    // Written by each thread at its own index before `done` is signalled, read after all are.
    var results: [Result<ConnectionResult, any Error>]
    init(count: Int) { results = Array(repeating: .success(ConnectionResult()), count: count) }
}
let outcomes = Outcomes(count: credentials.count)
let driver = Driver(options: options, payloads: payloads, connections: credentials.count)
let done = DispatchSemaphore(value: 0)
let start = ContinuousClock.now
for (index, credential) in credentials.enumerated() {
    let thread = Thread {
        outcomes.results[index] = Result { try driver.drive(index: index, credential: credential, start: start) }
        done.signal()
    }
    thread.stackSize = 256 * 1024
    thread.start()
}
for _ in credentials { done.wait() }
let results = try outcomes.results.map { try $0.get() }
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
for result in results {
    for latency in result.latencies { _ = histogram.record(max(latency, 1)) }
}
let accepted = results.reduce(0) { $0 + $1.accepted }
let refused = results.reduce(0) { $0 + $1.refused }
let summary: [String: Any] = [
    "connections": credentials.count, "rate_per_connection": options.rate ?? 0, "batches_per_connection": options.batches, "responses_per_batch": options.responses,
    "accepted_responses": accepted, "refused_batches": refused, "seconds": seconds,
    "responses_per_second": Double(accepted) / seconds,
    "p50_us": histogram.valueAtPercentile(50), "p99_us": histogram.valueAtPercentile(99),
    "p999_us": histogram.valueAtPercentile(99.9), "max_us": histogram.max,
]
let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
