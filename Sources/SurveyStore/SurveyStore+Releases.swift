import Foundation
import GRDB
import GRDBSQLite
import SurveyModel

/// A withheld position of a released period, by database ids; 0 stands for all units (the
/// province) or all groups.
public struct ReleasedPosition: Sendable, Hashable {
    public var topicID: Int64
    public var unitID: Int64
    public var groupID: Int64

    public init(topicID: Int64, unitID: Int64, groupID: Int64) {
        self.topicID = topicID
        self.unitID = unitID
        self.groupID = groupID
    }
}

/// One count of a released tally span, by database ids.
public struct ReleasedTally: Sendable, Hashable {
    public var unitID: Int64
    public var topicID: Int64
    public var groupID: Int64
    public var sentimentID: Int64
    public var count: Int
    /// The smallest count any released version showed (at most `count`).
    public var floor: Int

    public init(unitID: Int64, topicID: Int64, groupID: Int64, sentimentID: Int64, count: Int, floor: Int) {
        self.unitID = unitID
        self.topicID = topicID
        self.groupID = groupID
        self.sentimentID = sentimentID
        self.count = count
        self.floor = floor
    }
}

/// What has been released for good under ``ReleasePolicy/closed(graceDays:)``: the periods and
/// what each withholds. (Their span counts are read with
/// ``PublicationSnapshot/forEachReleasedTally(_:)``.)
public struct ReleasedState: Sendable {
    public var periods: Set<Period> = []
    public var withheld: [Period: [ReleasedPosition]] = [:]

    public init() {}
}

/// What one publication releases: new periods with what they withhold, and the counts of the
/// spans it releases (new spans, or released spans whose late changes are published now).
public struct Release: Sendable {
    public var periods: [Period] = []
    public var withheld: [Period: [ReleasedPosition]] = [:]
    /// Span start → the span's counts as released now (replacing what was released before).
    public var tallies: [Int: [ReleasedTally]] = [:]
    public var releasedAt: String

    public init(releasedAt: String) {
        self.releasedAt = releasedAt
    }

    public var isEmpty: Bool { periods.isEmpty && tallies.isEmpty }
}

extension PublicationSnapshot {
    /// The released periods and what they withhold.
    public func releasedState() throws(StoreError) -> ReleasedState {
        do {
            var state = ReleasedState()
            // A row that does not parse stops the publication: skipping it would publish a released
            // period afresh, or a position it withholds.
            func period(_ row: Row) throws(StoreError) -> Period {
                let kind: String? = row["kind"], identifier: String? = row["period"]
                guard let kind, let identifier, let parsed = Period(identifier: identifier), parsed.kind.rawValue == kind else {
                    throw StoreError(.internalError, "a released period is damaged: \(kind ?? "?")/\(identifier ?? "?")")
                }
                return parsed
            }
            for row in try Row.fetchAll(db, sql: "SELECT kind, period FROM released_periods") {
                state.periods.insert(try period(row))
            }
            for row in try Row.fetchAll(db, sql: "SELECT kind, period, topic_id, unit_id, group_id FROM released_withheld") {
                let released = try period(row)
                let topic: Int64? = row["topic_id"], unit: Int64? = row["unit_id"], group: Int64? = row["group_id"]
                guard let topic, let unit, let group else { throw StoreError(.internalError, "a withheld position of \(released) is damaged") }
                state.withheld[released, default: []].append(ReleasedPosition(topicID: topic, unitID: unit, groupID: group))
            }
            return state
        } catch let error as StoreError {
            throw error
        } catch {
            throw SurveyStore.classify(error, "cannot read the released periods")
        }
    }

    /// Calls `body(unitID, spanStart, topicID, groupID, sentimentID, count, floor)` for every
    /// released span count, with the smallest count any released version showed.
    public func forEachReleasedTally(_ body: (Int64, Int, Int64, Int64, Int64, Int, Int) -> Void) throws(StoreError) {
        do {
            let rows = try Row.fetchCursor(db, sql: "SELECT span_start, counts FROM released_spans")
            while let row = try rows.next() {
                let span: Int? = row[0], blob: Data? = row[1]
                guard let span, let blob, blob.count % ReleasedTally.encodedSize == 0 else {
                    throw StoreError(.internalError, "a released span is damaged (span \(row[0] as Int? ?? 0), \((row[1] as Data?)?.count ?? 0) bytes)")
                }
                var damaged = false
                blob.withUnsafeBytes { raw in
                    var offset = 0
                    while offset + ReleasedTally.encodedSize <= raw.count {
                        func field(_ i: Int) -> Int32 { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: Int32.self)) }
                        let count = Int(field(4)), floor = Int(field(5))
                        guard count > 0, (0...count).contains(floor) else {
                            damaged = true
                            return
                        }
                        body(Int64(field(0)), span, Int64(field(1)), Int64(field(2)), Int64(field(3)), count, floor)
                        offset += ReleasedTally.encodedSize
                    }
                }
                if damaged { throw StoreError(.internalError, "released span \(span) is damaged (a count below 1 or a floor outside 0…count)") }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw SurveyStore.classify(error, "cannot read the released tallies")
        }
    }
}

extension ReleasedTally {
    /// Bytes per atom in `released_spans.counts`: six little-endian 32-bit integers.
    static let encodedSize = 24

    /// The packed form of a span's counts.
    static func encode(_ tallies: [ReleasedTally]) -> Data {
        var data = Data(capacity: tallies.count * encodedSize)
        for tally in tallies where tally.count > 0 {
            for value in [tally.unitID, tally.topicID, tally.groupID, tally.sentimentID, Int64(tally.count), Int64(min(max(tally.floor, 0), tally.count))] {
                withUnsafeBytes(of: Int32(clamping: value).littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }
}

extension SurveyStore {
    /// Records a release in one transaction, before its files are written: a publication that
    /// stops half-way is completed from it by the next one, with the same figures.
    public func recordRelease(_ release: Release) throws(StoreError) {
        guard !release.isEmpty else { return }
        do {
            try writer.write { db in
                let period = try db.cachedStatement(sql: "INSERT OR IGNORE INTO released_periods (kind, period, released_at) VALUES (?, ?, ?)")
                let withheld = try db.cachedStatement(sql: "INSERT OR IGNORE INTO released_withheld (kind, period, topic_id, unit_id, group_id) VALUES (?, ?, ?, ?, ?)")
                for released in release.periods {
                    try period.execute(arguments: [released.kind.rawValue, released.identifier, release.releasedAt])
                    for position in release.withheld[released] ?? [] {
                        try withheld.execute(arguments: [released.kind.rawValue, released.identifier, position.topicID, position.unitID, position.groupID])
                    }
                }
                let span = try db.cachedStatement(sql: "INSERT OR REPLACE INTO released_spans (span_start, counts) VALUES (?, ?)")
                for (day, counts) in release.tallies {
                    try span.execute(arguments: [day, ReleasedTally.encode(counts)])
                }
            }
        } catch {
            throw SurveyStore.classify(error, "cannot record the release")
        }
    }

    /// Forgets the publication of these periods (their files are removed by the caller): periods
    /// published while they were still open, before ``ReleasePolicy/closed(graceDays:)``.
    public func forgetPublications(_ periods: [Period]) throws(StoreError) {
        guard !periods.isEmpty else { return }
        do {
            try writer.write { db in
                let statement = try db.cachedStatement(sql: "DELETE FROM publications WHERE kind = ? AND period = ?")
                for period in periods { try statement.execute(arguments: [period.kind.rawValue, period.identifier]) }
            }
        } catch {
            throw SurveyStore.classify(error, "cannot record the publication")
        }
    }
}
