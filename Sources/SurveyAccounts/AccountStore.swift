import Foundation
import GRDB
import SurveyWeb

/// An administrator's web account.
public struct Account: Sendable, Equatable {
    public var name: String
    public var scope: Scope
    /// Raised by each new password; a session remembers the generation it signed in with.
    public var generation: Int64
    public var createdAt: String
    /// Failed sign-ins since the last success or lockout.
    public var failures: Int
    /// When a lockout ends, if one is running.
    public var lockedUntil: Date?
}

/// What a sign-in attempt found.
public enum SignInOutcome: Sendable, Equatable {
    case signedIn(Account)
    /// Wrong password, or no such account (the two look the same from outside).
    case refused
    /// Too many failures: the account is locked until then, the password not even checked.
    case locked(until: Date)
}

/// Problems the accounts file reports to `surveyctl account`.
public enum AccountError: Error, Equatable, CustomStringConvertible {
    case badName(String)
    case exists(String)
    case noSuchAccount(String)
    case weakPassword(String)

    public var description: String {
        switch self {
        case let .badName(name): "'\(name)' is not a valid account name (1 to 64 of a-z, A-Z, 0-9, '.', '_', '-', '@')"
        case let .exists(name): "account '\(name)' exists already"
        case let .noSuchAccount(name): "no account '\(name)'"
        case let .weakPassword(reason): "password refused: \(reason)"
        }
    }
}

/// The web accounts, in a SQLite file of the web service's own (not surveyd's database, which the
/// web service never opens): written by `surveyctl account`, read by `surveyweb` at every request.
public final class AccountStore: Sendable {
    /// Failed sign-ins before an account is locked.
    public static let maximumFailures = 5
    /// How long a lockout lasts.
    public static let lockout: TimeInterval = 15 * 60
    /// Shortest password `surveyctl account` accepts (NIST SP 800-63B: at least 8; 12 here).
    public static let minimumPasswordLength = 12

    private let pool: DatabasePool
    /// Checked against unknown names, so that they take as long as a wrong password.
    private let decoy: PasswordHash?
    /// The cost of new hashes (lower only in tests: scrypt in a debug build is slow).
    private let cost: PasswordHash.Cost

    public init(path: String, cost: PasswordHash.Cost = .standard) throws {
        self.cost = cost
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("accounts") { db in
            try db.execute(sql: """
                CREATE TABLE account (
                    name TEXT PRIMARY KEY NOT NULL,
                    scope TEXT NOT NULL,
                    password TEXT NOT NULL,
                    generation INTEGER NOT NULL DEFAULT 1,
                    failures INTEGER NOT NULL DEFAULT 0,
                    locked_until REAL,
                    created_at TEXT NOT NULL
                ) STRICT
                """)
        }
        try migrator.migrate(pool)
        decoy = try? PasswordHash.make(PasswordHash.generatePassword(), cost: cost)
    }

    /// Whether `name` can name an account.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || ".-_@".unicodeScalars.contains($0)
        }
    }

    /// Why `password` is refused, or nil.
    public static func weakness(of password: String) -> String? {
        if password.count < minimumPasswordLength { return "at least \(minimumPasswordLength) characters" }
        if password.count > 256 { return "at most 256 characters" }
        return nil
    }

    public func add(name: String, scope: Scope, password: String, now: Date = Date()) throws {
        guard AccountStore.isValidName(name) else { throw AccountError.badName(name) }
        if let weakness = AccountStore.weakness(of: password) { throw AccountError.weakPassword(weakness) }
        let hash = try PasswordHash.make(password, cost: cost).stored
        try pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM account WHERE name = ?", arguments: [name]) == nil else {
                throw AccountError.exists(name)
            }
            try db.execute(
                sql: "INSERT INTO account (name, scope, password, created_at) VALUES (?, ?, ?, ?)",
                arguments: [name, scope.stored, hash, ISO8601DateFormatter().string(from: now)]
            )
        }
    }

    /// Every account, by name.
    public func list() throws -> [Account] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM account ORDER BY name").compactMap(AccountStore.account)
        }
    }

    public func account(_ name: String) throws -> Account? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM account WHERE name = ?", arguments: [name]).flatMap(AccountStore.account)
        }
    }

    /// Removes the account; its sessions end at their next request.
    public func remove(_ name: String) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM account WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { throw AccountError.noSuchAccount(name) }
        }
    }

    /// Sets a new password, raises the generation (ending every session of the account) and
    /// lifts a lockout.
    public func setPassword(_ name: String, to password: String) throws {
        if let weakness = AccountStore.weakness(of: password) { throw AccountError.weakPassword(weakness) }
        let hash = try PasswordHash.make(password, cost: cost).stored
        try pool.write { db in
            try db.execute(
                sql: "UPDATE account SET password = ?, generation = generation + 1, failures = 0, locked_until = NULL WHERE name = ?",
                arguments: [hash, name]
            )
            guard db.changesCount > 0 else { throw AccountError.noSuchAccount(name) }
        }
    }

    /// Checks a sign-in, counting failures: the ``maximumFailures``-th in a row locks the
    /// account for ``lockout``.
    public func signIn(name: String, password: String, now: Date = Date()) throws -> SignInOutcome {
        let found = AccountStore.isValidName(name) ? try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM account WHERE name = ?", arguments: [name]).map { row in
                (AccountStore.account(row), row["password"] as String?)
            }
        } : nil
        guard let (maybeAccount, stored) = found, let account = maybeAccount, let stored, let hash = PasswordHash(stored: stored) else {
            _ = decoy?.matches(password)
            return .refused
        }
        if let until = account.lockedUntil, until > now { return .locked(until: until) }
        if hash.matches(password) {
            try pool.write { db in
                try db.execute(sql: "UPDATE account SET failures = 0, locked_until = NULL WHERE name = ?", arguments: [name])
            }
            return .signedIn(account)
        }
        return try pool.write { db in
            let failures = (try Int.fetchOne(db, sql: "SELECT failures FROM account WHERE name = ?", arguments: [name]) ?? 0) + 1
            if failures >= AccountStore.maximumFailures {
                let until = now.addingTimeInterval(AccountStore.lockout)
                try db.execute(
                    sql: "UPDATE account SET failures = 0, locked_until = ? WHERE name = ?",
                    arguments: [until.timeIntervalSince1970, name]
                )
                return .locked(until: until)
            }
            try db.execute(sql: "UPDATE account SET failures = ? WHERE name = ?", arguments: [failures, name])
            return .refused
        }
    }

    static func account(_ row: Row) -> Account? {
        guard let name = row["name"] as String?, let scopeText = row["scope"] as String?, let scope = Scope(stored: scopeText),
              let generation = row["generation"] as Int64?, let createdAt = row["created_at"] as String?
        else { return nil }
        let locked = (row["locked_until"] as Double?).map { Date(timeIntervalSince1970: $0) }
        return Account(name: name, scope: scope, generation: generation, createdAt: createdAt, failures: row["failures"] as Int? ?? 0, lockedUntil: locked)
    }
}
