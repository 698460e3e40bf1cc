import Foundation
import GRDB
import Logging
import SurveyModel
import SurveyPublisher
import SurveyReport
import SurveyStore
import Synchronization
import Testing

/// A store with a collaborator per unit and a summaries folder, in a temporary directory.
final class PublishFixture {
    let directory: URL
    let store: SurveyStore
    let collaborators: [Int64]
    var summaries: String { directory.appendingPathComponent("summaries").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-publish-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SurveyStore(path: directory.appendingPathComponent("surveyd.sqlite").path, logger: Logger(label: "test"))
        self.store = store
        try store.synchronize(Catalog(
            units: [SurveyUnit(code: "U1", name: "Định Hóa"), SurveyUnit(code: "U2", name: "Phú Lương")],
            topics: [Topic(code: "CDS", title: "Chuyển đổi số")],
            groups: [RespondentGroup(code: "ND", name: "Nhân dân")],
            sentiments: [Sentiment(code: "DT", label: "Đồng tình", polarity: .positive), Sentiment(code: "KDT", label: "Không đồng tình", polarity: .negative)]
        ))
        collaborators = try ["U1", "U2"].map { try store.addCollaborator(unit: $0, name: "C \($0)").0.id }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func publisher() -> Publisher {
        Publisher(store: store, directory: summaries, kinds: [.month, .year], minimumCellSize: 5, logger: Logger(label: "test"), release: .open)
    }

    func ingest(_ id: String, unit: Int, date: String, positive: Int, negative: Int) async throws {
        let day = LocalDate(iso: date)!
        let responses = Array(repeating: Response(collectedOn: day, topic: "CDS", group: "ND", sentiment: "DT"), count: positive)
            + Array(repeating: Response(collectedOn: day, topic: "CDS", group: "ND", sentiment: "KDT"), count: negative)
        _ = try await store.ingest(BatchSubmission(collaboratorID: collaborators[unit], clientBatchID: id, responses: responses))
    }

    func summary(_ path: String) throws -> PeriodSummary {
        try SummaryJSON.decode(try Data(contentsOf: URL(fileURLWithPath: "\(summaries)/\(path)/summary.json")))
    }

    /// Each regular file's inode and modification time: a rewrite (a new file renamed into
    /// place) changes the inode however soon it follows, so no test must wait for the clock to move.
    func fileIdentities() throws -> [String: String] {
        var identities: [String: String] = [:]
        for case let file as String in FileManager.default.enumerator(atPath: summaries)! where !file.hasSuffix("/") {
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(summaries)/\(file)")
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            identities[file] = "\(attributes[.systemFileNumber] ?? "?") \(attributes[.modificationDate] ?? "?")"
        }
        return identities
    }
}

@Suite struct PublisherTests {
    @Test func publishesEveryPeriodWithIndexAndSafePermissions() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-10-15", positive: 8, negative: 4)
        try await fixture.ingest("b", unit: 1, date: "2026-11-03", positive: 9, negative: 1)
        let report = try fixture.publisher().publish()
        #expect(Set(report.written) == ["month/2026-10", "month/2026-11", "year/2026"])
        let november = try fixture.summary("month/2026-11")
        #expect(november.responses == 10 && november.revision == 1)
        #expect(november.previousPeriod == "2026-10")
        #expect(try fixture.summary("year/2026").responses == 22)
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(fixture.summaries)/index.json"))) as? [String: Any]
        let granularities = try #require(index?["granularities"] as? [[String: Any]])
        let months = try #require(granularities.first?["periods"] as? [[String: Any]])
        #expect(months.map { $0["period"] as? String } == ["2026-11", "2026-10"]) // newest first
        #expect(months.first?["revision"] as? Int == 1)
        #expect(FileManager.default.fileExists(atPath: "\(fixture.summaries)/index.html"))
        for file in try fixture.fileIdentities().keys {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: "\(fixture.summaries)/\(file)")[.posixPermissions] as? Int)
            #expect(mode & 0o002 == 0, "\(file) is world-writable")
            #expect(mode == 0o640, "\(file) mode \(String(mode, radix: 8))")
        }
    }

    @Test func publishingTwiceWithoutNewDataRewritesNothing() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-11-03", positive: 8, negative: 4)
        _ = try fixture.publisher().publish()
        let before = try fixture.fileIdentities()
        let report = try fixture.publisher().publish()
        #expect(report.written.isEmpty)
        #expect(report.unchanged == 2)
        #expect(try fixture.fileIdentities() == before)
    }

    @Test func lateDataRaisesTheRevisionOfItsPeriodsOnly() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("a", unit: 0, date: "2026-09-10", positive: 8, negative: 4)
        try await fixture.ingest("b", unit: 0, date: "2026-11-03", positive: 8, negative: 4)
        _ = try fixture.publisher().publish()
        // A late batch collected in September arrives.
        try await fixture.ingest("late", unit: 1, date: "2026-09-20", positive: 6, negative: 0)
        let report = try fixture.publisher().publish()
        #expect(Set(report.written) == ["month/2026-09", "year/2026"])
        #expect(try fixture.summary("month/2026-09").revision == 2)
        #expect(try fixture.summary("month/2026-09").responses == 18)
        #expect(try fixture.summary("month/2026-11").revision == 1)
        // October (empty) is the previous period of November: November is unchanged.
        #expect(try fixture.summary("year/2026").revision == 2)
    }

    @Test func readersNeverSeeAPartialFile() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("seed", unit: 0, date: "2026-11-03", positive: 8, negative: 4)
        _ = try fixture.publisher().publish()
        let path = "\(fixture.summaries)/month/2026-11/summary.json"
        let stop = ManagedAtomicFlag()
        let reader = Task.detached { () -> (reads: Int, bad: Int) in
            var reads = 0, bad = 0
            while !stop.isSet {
                if let data = FileManager.default.contents(atPath: path) {
                    reads += 1
                    if (try? SummaryJSON.decode(data)) == nil { bad += 1 }
                }
            }
            return (reads, bad)
        }
        for round in 0..<30 {
            try await fixture.ingest("r\(round)", unit: round % 2, date: "2026-11-\(10 + round % 15)", positive: round + 1, negative: 2)
            _ = try fixture.publisher().publish()
        }
        stop.set()
        let result = await reader.value
        #expect(result.reads > 30)
        #expect(result.bad == 0)
        #expect(try fixture.summary("month/2026-11").revision == 31)
    }

    @Test func anInterruptedWriteLeavesThePreviousVersionAndIsCleanedUp() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("seed", unit: 0, date: "2026-11-03", positive: 8, negative: 4)
        _ = try fixture.publisher().publish()
        let path = "\(fixture.summaries)/month/2026-11/summary.json"
        let previous = try Data(contentsOf: URL(fileURLWithPath: path))
        struct Crash: Error {}
        #expect(throws: Crash.self) {
            try AtomicFile.write(Data("{ half".utf8), to: path) { throw Crash() }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == previous)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(fixture.summaries)/month/2026-11").filter { $0.contains(".tmp-") }
        #expect(leftovers.count == 1)
        let report = try fixture.publisher().publish()
        #expect(report.leftoversRemoved == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(fixture.summaries)/month/2026-11").filter { $0.contains(".tmp-") }.isEmpty)
    }

    /// A batch interrupted after its files are written and flushed but before any rename (a crash
    /// at the worst moment) changes no published file; its temporary files go at the next publish.
    @Test func anInterruptedBatchChangesNoFileAndIsCleanedUp() async throws {
        let fixture = try PublishFixture()
        try await fixture.ingest("seed", unit: 0, date: "2026-11-03", positive: 8, negative: 4)
        _ = try fixture.publisher().publish()
        let folder = "\(fixture.summaries)/month/2026-11"
        let names = ["summary.json", "summary.csv", "report.html"]
        let before = try names.map { try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\($0)")) }
        struct Crash: Error {}
        let batch = AtomicBatch()
        for name in names { try batch.stage(Data("new \(name)".utf8), to: "\(folder)/\(name)") }
        #expect(throws: Crash.self) { try batch.commit { throw Crash() } }
        // No discard(): as after a crash, the temporary files stay.
        #expect(try names.map { try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\($0)")) } == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp-") }.count == 3)
        let report = try fixture.publisher().publish()
        #expect(report.leftoversRemoved == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp-") }.isEmpty)

        // Committed, every file is replaced, with its mode.
        let again = AtomicBatch()
        for name in names { try again.stage(Data("new \(name)".utf8), to: "\(folder)/\(name)") }
        try again.commit()
        again.discard()
        for name in names {
            #expect(try String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8) == "new \(name)")
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: "\(folder)/\(name)")[.posixPermissions] as? Int)
            #expect(mode == 0o640)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp-") }.isEmpty)
    }
}

/// A flag shared between tasks.
final class ManagedAtomicFlag: Sendable {
    private let storage = Mutex(false)
    var isSet: Bool { storage.withLock { $0 } }
    func set() { storage.withLock { $0 = true } }
}

