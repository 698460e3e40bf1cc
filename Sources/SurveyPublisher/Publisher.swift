import Crypto
import Foundation
import Logging
import SurveyModel
import SurveyReport
import SurveyStore

/// Publishes the summary files of every configured granularity from the store's tallies: reads
/// the tallies once, rebuilds only the periods whose input changed (raising their revision), and
/// replaces files atomically.
public struct Publisher: Sendable {
    /// What a publication did.
    public struct Report: Sendable, Equatable {
        /// Periods whose files were (re)written.
        public var written: [String] = []
        /// Periods left alone because nothing changed.
        public var unchanged = 0
        /// Leftover temporary files removed.
        public var leftoversRemoved = 0
    }

    public var store: SurveyStore
    public var directory: String
    public var kinds: [PeriodKind]
    public var minimumCellSize: Int
    public var title: String
    public var logger: Logger

    public init(store: SurveyStore, directory: String, kinds: [PeriodKind], minimumCellSize: Int, title: String = "Tổng hợp dư luận xã hội", logger: Logger) {
        self.store = store
        self.directory = directory
        self.kinds = kinds
        self.minimumCellSize = minimumCellSize
        self.title = title
        self.logger = logger
    }

    /// Publishes what changed since the last publication.
    public func publish(now: Date = Date()) throws -> Report {
        var report = Report()
        try AtomicFile.makeDirectory(directory)
        report.leftoversRemoved = AtomicFile.removeLeftovers(below: directory)
        let dimensions = try store.summaryDimensions()
        let cubes = try PeriodCubes(store: store, dimensions: dimensions, kinds: kinds)
        var published = Dictionary(uniqueKeysWithValues: try store.publications().map { ("\($0.kind.rawValue)/\($0.period)", $0) })
        let builder = SummaryBuilder(minimumCellSize: minimumCellSize)
        let timestamp = now.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeZone(separator: .omitted))
        for kind in kinds {
            for period in cubes.periods(kind) {
                let current = cubes.cube(period)
                let previous = cubes.cube(period.previous)
                let key = "\(kind.rawValue)/\(period.identifier)"
                let folder = "\(directory)/\(key)"
                let digest = Publisher.digest(current: current, previous: previous, minimum: minimumCellSize)
                let old = published[key]
                let filesPresent = ["summary.json", "summary.csv", "report.html"].allSatisfy { FileManager.default.fileExists(atPath: "\(folder)/\($0)") }
                if let old, old.digest == digest, filesPresent {
                    report.unchanged += 1
                    continue
                }
                let revision = old.map { $0.digest == digest ? $0.revision : $0.revision + 1 } ?? 1
                let dataThrough = old.flatMap { $0.digest == digest ? $0.dataThrough : nil } ?? timestamp
                let summary = builder.build(period: period, current: current, previous: previous, revision: revision, dataThrough: dataThrough)
                try AtomicFile.makeDirectory(folder)
                try AtomicFile.write(try SummaryJSON.render(summary), to: "\(folder)/summary.json")
                try AtomicFile.write(SummaryCSV.render(summary), to: "\(folder)/summary.csv")
                try AtomicFile.write(ReportHTML.render(summary), to: "\(folder)/report.html")
                let record = PublicationRecord(kind: kind, period: period.identifier, revision: revision, digest: digest, responses: current.total, dataThrough: dataThrough)
                try store.recordPublication(record)
                published[key] = record
                report.written.append(key)
            }
        }
        let index = SummaryIndex(title: title, granularities: kinds.map { kind in
            SummaryIndex.Granularity(kind: kind, periods: published.values.filter { $0.kind == kind }
                .sorted { (Period(identifier: $0.period) ?? .init(kind: kind, year: 1, index: 1)!) > (Period(identifier: $1.period) ?? .init(kind: kind, year: 1, index: 1)!) }
                .map { .init(period: $0.period, responses: $0.responses, revision: $0.revision, dataThrough: $0.dataThrough, path: "\(kind.rawValue)/\($0.period)") })
        })
        try AtomicFile.writeIfChanged(try index.json(), to: "\(directory)/index.json")
        try AtomicFile.writeIfChanged(index.html(), to: "\(directory)/index.html")
        return report
    }

    /// What a period's files are built from: its counts, the previous period's, the labels and
    /// the minimum cell size. Equal digests mean equal files (but for the revision).
    static func digest(current: TallyCube, previous: TallyCube, minimum: Int) -> Data {
        var hasher = SHA256()
        hasher.update(data: Data(PeriodSummary.schemaVersion.utf8))
        hasher.update(data: Data("\(minimum)".utf8))
        let labels = current.units.map { "\($0.code)=\($0.name)" } + current.topics.map { "\($0.code)=\($0.title)" }
            + current.groups.map { "\($0.code)=\($0.name)" } + current.sentiments.map { "\($0.code)=\($0.label)=\($0.polarity.rawValue)" }
        hasher.update(data: Data(labels.joined(separator: "\n").utf8))
        for cube in [current, previous] {
            cube.counts.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return Data(hasher.finalize())
    }
}
