import Foundation
import Testing
@testable import SurveyAccounts
@testable import SurveyWeb

@Suite struct PasswordHashTests {
    struct Fixture: Decodable { var password: String; var stored: String }

    static let fixtures: [Fixture] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/scrypt.json")
        return (try? JSONDecoder().decode([Fixture].self, from: Data(contentsOf: url))) ?? []
    }()

    /// Hashes made by Python's hashlib.scrypt (OpenSSL) check out here, and nothing else does.
    @Test func matchesHashesMadeByPython() throws {
        #expect(PasswordHashTests.fixtures.count == 4)
        for fixture in PasswordHashTests.fixtures {
            let hash = try #require(PasswordHash(stored: fixture.stored))
            #expect(hash.matches(fixture.password), "\(fixture.password)")
            #expect(!hash.matches(fixture.password + " "))
            #expect(hash.stored == fixture.stored)
        }
    }

    @Test func newHashesUseTheStandardParametersAndFreshSalts() throws {
        let a = try PasswordHash.make("pw-province-123456", logN: 10, r: 8, p: 1)
        let b = try PasswordHash.make("pw-province-123456", logN: 10, r: 8, p: 1)
        #expect(a.salt != b.salt && a.hash != b.hash)
        #expect(a.matches("pw-province-123456") && !a.matches("pw-province-123457"))
        #expect(PasswordHash.standard == .init(logN: 15, r: 8, p: 3))
    }

    @Test(arguments: ["", "scrypt$15$8$3$AA==", "bcrypt$15$8$3$AA==$AA==", "scrypt$40$8$3$AAAA$" + String(repeating: "A", count: 44), "scrypt$15$8$3$!!$AA=="])
    func refusesWhatIsNotAHash(_ text: String) {
        #expect(PasswordHash(stored: text) == nil)
    }

    @Test func generatedPasswordsAreLongAndDistinct() {
        let passwords = Set((0..<200).map { _ in PasswordHash.generatePassword() })
        #expect(passwords.count == 200 && passwords.allSatisfy { $0.count == 20 && AccountStore.weakness(of: $0) == nil })
    }
}

@Suite(.serialized) struct AccountStoreTests {
    func store() throws -> AccountStore {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("accounts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A cheap cost: scrypt at the standard one takes seconds in a debug build, and these run
        // beside the integration tests.
        return try AccountStore(path: folder.appendingPathComponent("accounts.sqlite").path, cost: .init(logN: 10, r: 8, p: 1))
    }

    @Test func addListRemove() throws {
        let accounts = try store()
        try accounts.add(name: "tinh", scope: .province, password: "a long password 1")
        try accounts.add(name: "dh.admin@x", scope: .unit("DH"), password: "a long password 2")
        #expect(try accounts.list().map(\.name) == ["dh.admin@x", "tinh"])
        #expect(try accounts.account("dh.admin@x")?.scope == .unit("DH"))
        #expect(throws: AccountError.exists("tinh")) { try accounts.add(name: "tinh", scope: .province, password: "a long password 3") }
        #expect(throws: AccountError.badName("a b")) { try accounts.add(name: "a b", scope: .province, password: "a long password 3") }
        #expect(throws: AccountError.weakPassword("at least 12 characters")) { try accounts.add(name: "x", scope: .province, password: "short") }
        try accounts.remove("tinh")
        #expect(throws: AccountError.noSuchAccount("tinh")) { try accounts.remove("tinh") }
        #expect(try accounts.signIn(name: "tinh", password: "a long password 1") == .refused)
    }

    @Test func fiveFailuresLockTheAccountForFifteenMinutes() throws {
        let accounts = try store()
        try accounts.add(name: "tinh", scope: .province, password: "a long password 1")
        let start = Date()
        for attempt in 1...4 {
            #expect(try accounts.signIn(name: "tinh", password: "wrong \(attempt)", now: start) == .refused)
        }
        #expect(try accounts.signIn(name: "tinh", password: "wrong 5", now: start) == .locked(until: start.addingTimeInterval(900)))
        // Locked: even the right password is not checked.
        if case .locked = try accounts.signIn(name: "tinh", password: "a long password 1", now: start.addingTimeInterval(899)) {} else {
            Issue.record("the right password opened a locked account")
        }
        guard case let .signedIn(account) = try accounts.signIn(name: "tinh", password: "a long password 1", now: start.addingTimeInterval(901)) else {
            Issue.record("the lockout did not end")
            return
        }
        #expect(account.scope == .province && account.failures == 0)
    }

    @Test func aNewPasswordRaisesTheGenerationAndLiftsALockout() throws {
        let accounts = try store()
        try accounts.add(name: "dh", scope: .unit("DH"), password: "a long password 1")
        let before = try #require(try accounts.account("dh")).generation
        for _ in 1...5 { _ = try accounts.signIn(name: "dh", password: "wrong") }
        try accounts.setPassword("dh", to: "another long password")
        let after = try #require(try accounts.account("dh"))
        #expect(after.generation == before + 1 && after.lockedUntil == nil)
        #expect(try accounts.signIn(name: "dh", password: "a long password 1") == .refused)
        if case .signedIn = try accounts.signIn(name: "dh", password: "another long password") {} else { Issue.record("new password refused") }
        #expect(throws: AccountError.noSuchAccount("nobody")) { try accounts.setPassword("nobody", to: "another long password") }
    }
}
