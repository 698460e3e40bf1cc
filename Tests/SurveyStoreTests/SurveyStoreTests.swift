import Foundation
import GRDB
import Logging
import SurveyModel
import SurveyStore
import Testing

@Suite struct MigrationTests {
    @Test func embeddedMigrationsAreTheFilesOnDisk() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        #expect(Migrations.all.map(\.name) == files.map { String($0.dropLast(4)) })
        for (migration, file) in zip(Migrations.all, files) {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(migration.sql.trimmingCharacters(in: .whitespacesAndNewlines) == text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func openingMigratesAndIsDurable() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        #expect(try fixture.store.appliedMigrations() == Migrations.all.map(\.name))
        #expect(try fixture.store.synchronousLevels() == (writer: 2, ingest: 1)) // FULL; NORMAL and LogFlusher
        let mode = try fixture.store.writer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let foreignKeys = try fixture.store.writer.read { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") }
        #expect(foreignKeys == 1)
        // Reopening applies nothing new and keeps data.
        _ = try fixture.store.addCollaborator(unit: "U01", name: "A")
        let again = try SurveyStore(path: fixture.path, logger: Logger(label: "test"))
        #expect(try again.collaborators().count == 1)
    }

    /// The database holds token hashes and every response: its files are not for other users.
    @Test func aNewDatabaseAndItsJournalAreNotReadableByOthers() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        _ = try fixture.store.addCollaborator(unit: "U01", name: "A")
        for suffix in ["", "-wal", "-shm"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: fixture.path + suffix)
            let mode = try #require(attributes[.posixPermissions] as? Int)
            #expect(mode == 0o640, "\(suffix): \(String(mode, radix: 8))")
        }
    }

    @Test func refusesADatabaseFromANewerVersion() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        try fixture.store.writer.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_from_the_future')")
        }
        let error = #expect(throws: StoreError.self) { try SurveyStore(path: fixture.path, logger: Logger(label: "test")) }
        #expect(error?.code == .schemaTooNew)
        #expect(error?.message.contains("newer version of surveyd") == true)
    }

    /// Version 3 replaces daily tallies with span tallies: a version-2 database keeps every count,
    /// summed into the span each day belongs to, and the SQL span formula agrees with Swift's.
    @Test func dailyTalliesOfVersion2BecomeSpanTallies() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("surveyd.sqlite").path
        let first = try #require(LocalDate(iso: "2024-12-20")).dayNumber, last = try #require(LocalDate(iso: "2026-03-10")).dayNumber
        var expected: [String: Int] = [:] // "unit/period" → count
        do {
            var old = DatabaseMigrator()
            for migration in Migrations.all.prefix(2) {
                old.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) }
            }
            let queue = try DatabaseQueue(path: path)
            try old.migrate(queue)
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO units (code, name) VALUES ('U01', 'Một'), ('U02', 'Hai');
                    INSERT INTO topics (code, title) VALUES ('T', 'Chủ đề');
                    INSERT INTO respondent_groups (code, name) VALUES ('G', 'Nhóm');
                    INSERT INTO sentiments (code, label, polarity) VALUES ('S', 'Ý kiến', 1);
                    """)
                for day in first...last {
                    for unit in 1...2 {
                        let count = (day * 7 + unit) % 5
                        try db.execute(sql: "INSERT INTO daily_tallies VALUES (?, ?, 1, 1, 1, ?)", arguments: [unit, day, count])
                        for kind in [PeriodKind.week, .month, .quarter] {
                            expected["\(unit)/\(Period.containing(LocalDate(dayNumber: day), kind: kind).identifier)", default: 0] += count
                        }
                    }
                }
            }
        }
        let store = try SurveyStore(path: path, logger: Logger(label: "test"))
        #expect(try store.appliedMigrations() == Migrations.all.map(\.name))
        var actual: [String: Int] = [:]
        try store.forEachSpanTally { unit, span, _, _, _, count in
            let start = LocalDate(dayNumber: span)
            #expect(start.tallySpanStart == start, "\(start) is not a span start")
            for kind in [PeriodKind.week, .month, .quarter] {
                actual["\(unit)/\(Period.containing(start, kind: kind).identifier)", default: 0] += count
            }
        }
        #expect(actual == expected)
        let tables = try store.writer.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        #expect(!tables.contains("daily_tallies"))
        // The formula of the migration, for every day of a decade.
        let rows = try store.writer.read { db in
            try Row.fetchAll(db, sql: """
                WITH RECURSIVE days(d) AS (SELECT ? UNION ALL SELECT d + 1 FROM days WHERE d < ?)
                SELECT d, max(d - (d + 3) % 7, CAST(julianday(d * 86400, 'unixepoch', 'start of month') - 2440587.5 AS INTEGER)) AS s FROM days
                """, arguments: [first - 3000, last + 1000])
        }
        #expect(rows.count == last - first + 4001)
        for row in rows {
            let day: Int = row["d"], span: Int = row["s"]
            #expect(LocalDate(dayNumber: day).tallySpanStart.dayNumber == span, "day \(day)")
        }
    }

    @Test func constraintsAreEnforcedByTheDatabase() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        #expect(throws: DatabaseError.self) {
            try fixture.store.writer.write { try $0.execute(sql: "INSERT INTO sentiments (code, label, polarity) VALUES ('X', 'x', 2)") }
        }
        #expect(throws: DatabaseError.self) {
            try fixture.store.writer.write { try $0.execute(sql: "INSERT INTO responses (batch_id, collected_on, topic_id, group_id, sentiment_id) VALUES (999, 1, 1, 1, 1)") }
        }
    }
}

@Suite struct CatalogSyncTests {
    @Test func removedEntriesAreDeactivatedNotDeleted() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let smaller = Catalog(
            units: [SurveyUnit(code: "U01", name: "Định Hóa (mới)")],
            topics: StoreFixture.catalog.topics, groups: StoreFixture.catalog.groups, sentiments: StoreFixture.catalog.sentiments
        )
        try fixture.store.synchronize(smaller)
        let units = try fixture.store.units()
        #expect(units.map(\.unit.code) == ["U01", "U02"])
        #expect(units.map(\.active) == [true, false])
        #expect(units[0].unit.name == "Định Hóa (mới)")
        // A collaborator cannot be added to a deactivated unit.
        #expect((#expect(throws: StoreError.self) { try fixture.store.addCollaborator(unit: "U02", name: "B") })?.code == .unknownCode)
        try fixture.store.synchronize(StoreFixture.catalog)
        #expect(try fixture.store.units().allSatisfy(\.active))
    }
}

@Suite struct CollaboratorTests {
    @Test func collaboratorChangesAreAudited() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (added, _) = try fixture.store.addCollaborator(unit: "U01", name: "Nguyễn Văn An", actor: "admin1")
        #expect(try fixture.store.revokeCollaborator(id: added.id, actor: "admin2"))
        #expect(try !fixture.store.revokeCollaborator(id: added.id, actor: "admin2"), "a second revocation changes nothing")
        let trail = try fixture.store.auditTrail()
        #expect(trail.map(\.action) == [.collaboratorAdded, .collaboratorRevoked])
        #expect(trail.map(\.actor) == ["admin1", "admin2"])
        #expect(trail.allSatisfy { $0.subject == "collaborator:\(added.id)" })
        #expect(trail[0].details.contains("Nguyễn Văn An"))
    }

    @Test func tokensAuthenticateAndRevocationStopsThem() async throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (collaborator, token) = try fixture.store.addCollaborator(unit: "u01", name: "  Nguyễn Văn A ")
        #expect(collaborator.unit == "U01")
        #expect(collaborator.name == "Nguyễn Văn A")
        #expect(token.count >= 43) // 256 bits in base64url
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(try await fixture.store.authenticate(id: collaborator.id, token: token) == .accepted(collaborator))
        #expect(try await fixture.store.authenticate(id: collaborator.id, token: token + "x") == .rejected)
        #expect(try await fixture.store.authenticate(id: 999, token: token) == .rejected)
        // The token itself is stored nowhere.
        let stored = try await fixture.store.writer.read { try Data.fetchOne($0, sql: "SELECT token_hash FROM collaborators") }
        #expect(stored?.count == 32)
        #expect(stored != Data(token.utf8))
        #expect(try fixture.store.revokeCollaborator(id: collaborator.id))
        #expect(try !fixture.store.revokeCollaborator(id: collaborator.id))
        #expect(try await fixture.store.authenticate(id: collaborator.id, token: token) == .revoked)
        #expect(try !fixture.store.isActive(collaboratorID: collaborator.id))
        #expect((#expect(throws: StoreError.self) { try fixture.store.revokeCollaborator(id: 42) })?.code == .notFound)
    }

    @Test func tokensAreUnique() {
        let tokens = Set((0..<1000).map { _ in CollaboratorToken.generate() })
        #expect(tokens.count == 1000)
    }
}

/// Version 8 keeps every version of every release: what version 7 released (its periods, masks
/// and span counts with their floors) becomes release 1, and a floor below its count reads as an
/// earlier version of the span.
@Suite struct ReleaseMigrationTests {
    @Test func releasesOfVersion7BecomeRelease1() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("surveyd.sqlite").path
        func packed(_ rows: [[Int32]]) -> Data {
            var data = Data()
            for row in rows { for value in row { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } } }
            return data
        }
        do {
            var old = DatabaseMigrator()
            for migration in Migrations.all.prefix(7) {
                old.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) }
            }
            let queue = try DatabaseQueue(path: path)
            try old.migrate(queue)
            try queue.write { db in
                try db.execute(sql: "INSERT INTO released_periods (kind, period, released_at) VALUES ('week', '2026-W45', '2026-11-09T05:00:00Z'), ('week', '2026-W46', '2026-11-16T05:00:00Z')")
                try db.execute(sql: "INSERT INTO released_withheld (kind, period, topic_id, unit_id, group_id) VALUES ('week', '2026-W45', 1, 2, 0)")
                // Span of 2 November: an atom of 10 shown (floor 10) and one of 7 first shown as 4.
                try db.execute(sql: "INSERT INTO released_spans (span_start, counts) VALUES (?, ?)", arguments: [20394, packed([[1, 1, 1, 1, 10, 10], [2, 1, 1, 1, 7, 4]])])
            }
        }
        let store = try SurveyStore(path: path, logger: Logger(label: "test"))
        #expect(try store.appliedMigrations() == Migrations.all.map(\.name))
        try store.withPublicationSnapshot { snapshot in
            let state = try snapshot.releasedState()
            #expect(state.lastSeq == 1)
            #expect(Set(state.periods.map(\.identifier)) == ["2026-W45", "2026-W46"])
            #expect(state.versions.values.allSatisfy { $0.map(\.seq) == [1] })
            let w45 = try #require(state.versions.first { $0.key.identifier == "2026-W45" }?.value.first)
            #expect(w45.withheld == [ReleasedPosition(topicID: 1, unitID: 2, groupID: 0)])
            var rows: [[Int]] = []
            try snapshot.forEachSpanVersion { day, seq, unit, topic, group, sentiment, count, floor in
                rows.append([day, seq, Int(unit), Int(topic), Int(group), Int(sentiment), count, floor])
            }
            #expect(rows == [[20394, 1, 1, 1, 1, 1, 10, 10], [20394, 1, 2, 1, 1, 1, 7, 4]])
        }
        // The old tables are gone; a release is numbered after the carried-over one.
        #expect(try store.writer.read { db in try db.tableExists("released_spans") } == false)
        var release = Release(seq: 1, releasedAt: "2026-11-23T05:00:00Z")
        release.periods = [try #require(Period(identifier: "2026-W47"))]
        #expect(try store.recordRelease(release) == false, "release 1 is taken")
        release.seq = 2
        #expect(try store.recordRelease(release) == true)
    }
}
