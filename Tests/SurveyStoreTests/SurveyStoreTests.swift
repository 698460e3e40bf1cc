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
        #expect(try fixture.store.synchronousLevel() == 2) // FULL
        let mode = try fixture.store.writer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let foreignKeys = try fixture.store.writer.read { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") }
        #expect(foreignKeys == 1)
        // Reopening applies nothing new and keeps data.
        _ = try fixture.store.addCollaborator(unit: "U01", name: "A")
        let again = try SurveyStore(path: fixture.path, logger: Logger(label: "test"))
        #expect(try again.collaborators().count == 1)
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
        #expect(try await !fixture.store.isActive(collaboratorID: collaborator.id))
        #expect((#expect(throws: StoreError.self) { try fixture.store.revokeCollaborator(id: 42) })?.code == .notFound)
    }

    @Test func tokensAreUnique() {
        let tokens = Set((0..<1000).map { _ in CollaboratorToken.generate() })
        #expect(tokens.count == 1000)
    }
}
