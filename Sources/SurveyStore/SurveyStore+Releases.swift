import Foundation
import GRDB
import GRDBSQLite
import SurveyModel

/// A withheld position of a released period version, by database ids; 0 stands for all units
/// (the province) or all groups.
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

/// One count of a released version of a tally span, by database ids.
public struct ReleasedTally: Sendable, Hashable {
    public var unitID: Int64
    public var topicID: Int64
    public var groupID: Int64
    public var sentimentID: Int64
    public var count: Int
    /// The smallest count an earlier version showed: `count` but in rows carried over from
    /// schema version 7, where an earlier version may have shown less.
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

/// One released version of a period: the release it came with and what it withholds.
public struct ReleasedVersion: Sendable, Hashable {
    /// The release's sequence number: the version shows, for each of its spans, the span version
    /// with the largest sequence number not above it.
    public var seq: Int
    /// The positions this version withholds.
    public var withheld: [ReleasedPosition]

    public init(seq: Int, withheld: [ReleasedPosition]) {
        self.seq = seq
        self.withheld = withheld
    }
}

/// One released version of a survey round's results: the window and topics it showed (a
/// round's definition may change later) and what it withholds.
public struct ReleasedRoundVersion: Sendable, Hashable {
    public var seq: Int
    /// The first and last day of the window, as day numbers.
    public var from: Int
    public var to: Int
    /// The database ids of the topics it showed.
    public var topicIDs: [Int64]
    public var withheld: [ReleasedPosition]

    public init(seq: Int, from: Int, to: Int, topicIDs: [Int64], withheld: [ReleasedPosition]) {
        self.seq = seq
        self.from = from
        self.to = to
        self.topicIDs = topicIDs
        self.withheld = withheld
    }
}

/// What has been released for good under ``ReleasePolicy/closed(_:)``: every version of every
/// released period, oldest first. (The span versions are read with
/// ``PublicationSnapshot/forEachSpanVersion(_:)``.)
public struct ReleasedState: Sendable {
    public var versions: [Period: [ReleasedVersion]] = [:]
    /// Every version of every round's released results, by the round's row id, oldest first.
    public var rounds: [Int64: [ReleasedRoundVersion]] = [:]
    /// The last release's sequence number (0: nothing released yet).
    public var lastSeq = 0
    /// When each release was recorded (UTC, ISO 8601), by sequence number.
    public var releasedAt: [Int: String] = [:]

    public init() {}

    /// The released periods.
    public var periods: Set<Period> { Set(versions.keys) }

    /// The largest release number a database may hold (a larger one is damage).
    public static let largestSeq = 1 << 30

    /// The collection days a database may hold (`responses.collected_on`'s CHECK): a round
    /// version's window outside is damage.
    public static let storableDays = 0...2_932_896
}

/// What one publication releases: new versions of periods (first releases and revisions) with
/// what each withholds, and the new versions of the tally spans they show.
public struct Release: Sendable {
    /// The release's number: one more than the last recorded (a taken number is refused).
    public var seq: Int
    /// When it was recorded (UTC, ISO 8601).
    public var releasedAt: String
    /// The periods it releases a version of, and what each version withholds.
    public var periods: [Period] = []
    public var withheld: [Period: [ReleasedPosition]] = [:]
    /// Span start → the counts of the span's new version.
    public var tallies: [Int: [ReleasedTally]] = [:]
    /// The rounds it releases a version of (first releases and revisions), by row id.
    public var rounds: [Int64: ReleasedRoundVersion] = [:]
    /// The span cuts its counts were read with: a release made while the daemon cut spans is
    /// refused (its span versions would hold a span now cut), and planned again.
    public var cuts = SpanCuts()

    public init(seq: Int, releasedAt: String) {
        self.seq = seq
        self.releasedAt = releasedAt
    }

    /// Whether it releases nothing (then nothing is recorded).
    public var isEmpty: Bool { periods.isEmpty && tallies.isEmpty && rounds.isEmpty }
}

extension PublicationSnapshot {
    /// Every version of every released period, with what it withholds.
    public func releasedState() throws(StoreError) -> ReleasedState {
        do {
            var state = ReleasedState()
            // A row that does not parse stops the publication: skipping it would publish a released
            // period afresh, or a position it withholds.
            func version(_ row: Row) throws(StoreError) -> (Period, Int) {
                let kind: String? = row["kind"], identifier: String? = row["period"], seq: Int? = row["seq"]
                guard let kind, let identifier, let seq, (1...ReleasedState.largestSeq).contains(seq), let parsed = Period(identifier: identifier), parsed.kind.rawValue == kind else {
                    throw StoreError(.internalError, "a released period version is damaged: \(kind ?? "?")/\(identifier ?? "?")")
                }
                return (parsed, seq)
            }
            var withheld: [Period: [Int: [ReleasedPosition]]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, period, seq, topic_id, unit_id, group_id FROM period_version_withheld") {
                let (released, seq) = try version(row)
                let topic: Int64? = row["topic_id"], unit: Int64? = row["unit_id"], group: Int64? = row["group_id"]
                guard let topic, let unit, let group else { throw StoreError(.internalError, "a withheld position of \(released) is damaged") }
                withheld[released, default: [:]][seq, default: []].append(ReleasedPosition(topicID: topic, unitID: unit, groupID: group))
            }
            for row in try Row.fetchAll(db, sql: "SELECT kind, period, seq FROM period_versions ORDER BY seq") {
                let (released, seq) = try version(row)
                state.versions[released, default: []].append(ReleasedVersion(seq: seq, withheld: withheld[released]?[seq] ?? []))
            }
            var roundWithheld: [Int64: [Int: [ReleasedPosition]]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT round_id, seq, topic_id, unit_id, group_id FROM round_version_withheld") {
                let round: Int64? = row[0], seq: Int? = row[1], topic: Int64? = row[2], unit: Int64? = row[3], group: Int64? = row[4]
                guard let round, let seq, let topic, let unit, let group else { throw StoreError(.internalError, "a withheld position of a released round is damaged") }
                roundWithheld[round, default: [:]][seq, default: []].append(ReleasedPosition(topicID: topic, unitID: unit, groupID: group))
            }
            for row in try Row.fetchAll(db, sql: "SELECT round_id, seq, from_day, to_day, topics FROM round_versions ORDER BY seq") {
                let round: Int64? = row[0], seq: Int? = row[1], from: Int? = row[2], to: Int? = row[3], topics: String? = row[4]
                guard let round, let seq, (1...ReleasedState.largestSeq).contains(seq), let from, let to, from <= to,
                      ReleasedState.storableDays.contains(from), ReleasedState.storableDays.contains(to),
                      let topics, let ids = try? JSONDecoder().decode([Int64].self, from: Data(topics.utf8))
                else {
                    throw StoreError(.internalError, "a released round version is damaged (round \(row[0] as Int64? ?? 0))")
                }
                state.rounds[round, default: []].append(ReleasedRoundVersion(seq: seq, from: from, to: to, topicIDs: ids, withheld: roundWithheld[round]?[seq] ?? []))
            }
            for row in try Row.fetchAll(db, sql: "SELECT seq, released_at FROM releases") {
                let seq: Int? = row[0], at: String? = row[1]
                if let seq, let at { state.releasedAt[seq] = at }
            }
            state.lastSeq = state.releasedAt.keys.max() ?? 0
            guard state.lastSeq <= ReleasedState.largestSeq else { throw StoreError(.internalError, "a release number is damaged: \(state.lastSeq)") }
            return state
        } catch let error as StoreError {
            throw error
        } catch {
            throw SurveyStore.classify(error, "cannot read the released periods")
        }
    }

    /// Calls `body(spanStart, seq, unitID, topicID, groupID, sentimentID, count, floor)` for every
    /// count of every released span version.
    public func forEachSpanVersion(_ body: (Int, Int, Int64, Int64, Int64, Int64, Int, Int) -> Void) throws(StoreError) {
        do {
            let rows = try Row.fetchCursor(db, sql: "SELECT span_start, seq, counts FROM span_versions ORDER BY span_start, seq")
            while let row = try rows.next() {
                let span: Int? = row[0], seq: Int? = row[1], blob: Data? = row[2]
                guard let span, let seq, (1...ReleasedState.largestSeq).contains(seq), let blob, blob.count % ReleasedTally.encodedSize == 0 else {
                    throw StoreError(.internalError, "a released span version is damaged (span \(row[0] as Int? ?? 0), \((row[2] as Data?)?.count ?? 0) bytes)")
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
                        body(span, seq, Int64(field(0)), Int64(field(1)), Int64(field(2)), Int64(field(3)), count, floor)
                        offset += ReleasedTally.encodedSize
                    }
                }
                if damaged { throw StoreError(.internalError, "released span \(span) version \(seq) is damaged (a count below 1 or a floor outside 0…count)") }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw SurveyStore.classify(error, "cannot read the released tallies")
        }
    }
}

extension ReleasedTally {
    /// Bytes per atom in `span_versions.counts`: six little-endian 32-bit integers.
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
    /// stops half-way is completed from it by the next one, with the same figures. A release whose
    /// sequence number is taken already (another publisher recorded first), or whose spans were cut
    /// since it read them, changes nothing and returns false.
    @discardableResult
    public func recordRelease(_ release: Release) throws(StoreError) -> Bool {
        guard !release.isEmpty else { return true }
        do {
            return try writer.write { db in
                let taken = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM releases WHERE seq >= ?", arguments: [release.seq]) ?? 0
                guard taken == 0, try SurveyStore.spanCuts(db) == release.cuts else { return false }
                try db.execute(sql: "INSERT INTO releases (seq, released_at) VALUES (?, ?)", arguments: [release.seq, release.releasedAt])
                let period = try db.cachedStatement(sql: "INSERT INTO period_versions (kind, period, seq) VALUES (?, ?, ?)")
                let withheld = try db.cachedStatement(sql: "INSERT OR IGNORE INTO period_version_withheld (kind, period, seq, topic_id, unit_id, group_id) VALUES (?, ?, ?, ?, ?, ?)")
                for released in release.periods {
                    try period.execute(arguments: [released.kind.rawValue, released.identifier, release.seq])
                    for position in release.withheld[released] ?? [] {
                        try withheld.execute(arguments: [released.kind.rawValue, released.identifier, release.seq, position.topicID, position.unitID, position.groupID])
                    }
                }
                let round = try db.cachedStatement(sql: "INSERT INTO round_versions (round_id, seq, from_day, to_day, topics) VALUES (?, ?, ?, ?, ?)")
                let roundWithheld = try db.cachedStatement(sql: "INSERT OR IGNORE INTO round_version_withheld (round_id, seq, topic_id, unit_id, group_id) VALUES (?, ?, ?, ?, ?)")
                for (id, version) in release.rounds.sorted(by: { $0.key < $1.key }) {
                    let topics = "[" + version.topicIDs.map(String.init).joined(separator: ",") + "]"
                    try round.execute(arguments: [id, release.seq, version.from, version.to, topics])
                    for position in version.withheld {
                        try roundWithheld.execute(arguments: [id, release.seq, position.topicID, position.unitID, position.groupID])
                    }
                }
                let span = try db.cachedStatement(sql: "INSERT INTO span_versions (span_start, seq, counts) VALUES (?, ?, ?)")
                for (day, counts) in release.tallies {
                    try span.execute(arguments: [day, release.seq, ReleasedTally.encode(counts)])
                }
                return true
            }
        } catch {
            throw SurveyStore.classify(error, "cannot record the release")
        }
    }

    /// Forgets the publication of these periods (their files are removed by the caller): periods
    /// published while they were still open, before ``ReleasePolicy/closed(_:)``.
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
