// The storage ceiling of the ingest benchmark: the very batches the load generator sends (same
// seed), stored by surveyd's own storage code with no network and no protocol, one transaction
// per batch (`--mode alone`), or from C concurrent tasks through surveyd's group commit
// (`--mode group`). Prints one JSON line.
//
//   ingest-ceiling --config FILE --database PATH --connections C --batches B --responses K [--seed N] [--mode alone|group]
import BenchSupport
import Foundation
import Logging
import SurveyConfig
import SurveyModel
import SurveyStore

var values: [String: String] = [:]
var arguments = Array(CommandLine.arguments.dropFirst()).makeIterator()
while let name = arguments.next() { values[name] = arguments.next() ?? "" }
guard let configPath = values["--config"], let databasePath = values["--database"] else {
    FileHandle.standardError.write(Data("usage: ingest-ceiling --config FILE --database PATH --connections C --batches B --responses K [--seed N] [--mode alone|group]\n".utf8))
    exit(64)
}
let connections = Int(values["--connections"] ?? "") ?? 16
let batches = Int(values["--batches"] ?? "") ?? 10
let responses = Int(values["--responses"] ?? "") ?? 100
let seed = UInt64(values["--seed"] ?? "") ?? 1
let mode = values["--mode"] ?? "alone"

var logger = Logger(label: "ceiling")
logger.logLevel = .warning
let configuration = try Configuration.load(path: configPath)
let store = try SurveyStore(path: databasePath, logger: logger)
try store.synchronize(configuration.catalog)
try store.synchronizeRounds(configuration.rounds)
let units = configuration.catalog.units.map(\.code)
let collaborators = try (0..<connections).map { index in try store.addCollaborator(unit: units[index % units.count], name: "bench \(index)").0.id }
let today = LocalDate(instant: Date(), in: configuration.timeZone)
// Generate everything first: only the storage is timed.
let work: [[BatchSubmission]] = (0..<connections).map { index in
    var generator = Workload.generator(seed: seed, connection: index)
    return (0..<batches).map { batch in
        BatchSubmission(
            collaboratorID: collaborators[index], clientBatchID: Workload.batchID(seed: seed, connection: index, batch: batch),
            responses: Workload.responses(responses, today: today, generator: &generator)
        )
    }
}
// Checkpoints from their own connection, as in surveyd.
let checkpoints = Task { await store.runCheckpoints() }
let start = ContinuousClock.now
if mode == "group" {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for submissions in work {
            group.addTask {
                for submission in submissions { _ = try await store.ingest(submission) }
            }
        }
        try await group.waitForAll()
    }
} else {
    for batch in 0..<batches {
        for submissions in work { _ = try await store.ingestAlone(submissions[batch]) }
    }
}
let elapsed = ContinuousClock.now - start
checkpoints.cancel()
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let total = connections * batches * responses
print("{\"mode\":\"\(mode)\",\"accepted_responses\":\(total),\"seconds\":\(seconds),\"responses_per_second\":\(Double(total) / seconds)}")
