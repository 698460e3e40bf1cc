import ArgumentParser
import Foundation
import SurveyAccounts
import SurveyConfig
import SurveyWeb

/// `surveyctl account`: the administrators' web accounts, each scoped to the province or a unit.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Add, list and remove administrators' web accounts, and change their passwords.",
        discussion: """
        Accounts live in the web service's own file, WEB_STATE_DIR/accounts.sqlite (default \
        /var/lib/surveyweb), not in surveyd's database. An account sees the whole province \
        (--province) or one unit's view of the summaries (--unit CODE). Removing an account or \
        changing its password ends its sessions at their next request.
        """,
        subcommands: [Add.self, List.self, Remove.self, Passwd.self]
    )

    struct WebOptions: ParsableArguments {
        @Option(help: "The web service's state folder (its accounts.sqlite).")
        var webStateDir: String = ProcessInfo.processInfo.environment["SURVEYWEB_STATE_DIR"] ?? "/var/lib/surveyweb"

        func open() throws -> AccountStore {
            do {
                try FileManager.default.createDirectory(atPath: webStateDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
                let store = try AccountStore(path: "\(webStateDir)/accounts.sqlite")
                // Run by root, the files go to the folder's owner (surveyweb), which must write them.
                var folder = stat()
                if geteuid() == 0, stat(webStateDir, &folder) == 0, folder.st_uid != 0 {
                    for suffix in ["", "-wal", "-shm"] {
                        _ = chown("\(webStateDir)/accounts.sqlite\(suffix)", folder.st_uid, folder.st_gid)
                    }
                }
                return store
            } catch {
                printError("cannot open \(webStateDir)/accounts.sqlite: \(error)")
                throw ExitCode(73)
            }
        }
    }

    /// The password from `--password-file` (its first line), or a new one printed once.
    static func password(from file: String?) throws -> (password: String, generated: Bool) {
        guard let file else { return (PasswordHash.generatePassword(), true) }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let first = text.split(whereSeparator: \.isNewline).first, !first.isEmpty else {
            printError("cannot read a password from \(file)")
            throw ExitCode(66)
        }
        return (String(first), false)
    }

    static func fail(_ error: any Error) -> ExitCode {
        printError("\(error)")
        switch error as? AccountError {
        case .badName, .weakPassword: return ExitCode(64)
        case .exists: return ExitCode(65)
        case .noSuchAccount: return ExitCode(66)
        case nil: return ExitCode(73)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account; prints its password once unless --password-file gives one.")
        @OptionGroup var web: WebOptions
        @Argument(help: "Account name: 1 to 64 of a-z, A-Z, 0-9, '.', '_', '-', '@'.") var name: String
        @Flag(help: "The account sees the whole province.") var province = false
        @Option(help: "The account sees this unit only (a configured unit code).") var unit: String?
        @Option(help: "File whose first line is the password (at least 12 characters).") var passwordFile: String?
        @Option(help: "Configuration file (to check the unit code).")
        var config: String = ProcessInfo.processInfo.environment["SURVEYD_CONFIG"] ?? "/etc/surveyd/surveyd.conf"

        func validate() throws {
            guard province != (unit != nil) else { throw ValidationError("give exactly one of --province and --unit CODE") }
        }

        func run() async throws {
            var scope = Scope.province
            if let unit {
                let configuration: Configuration
                do {
                    configuration = try Configuration.load(path: config)
                } catch {
                    printError("configuration error: \(error)")
                    throw ExitCode(78)
                }
                guard let found = configuration.catalog.unit(unit), Scope.isValidCode(found.code) else {
                    printError("unknown unit '\(unit)' (see `surveyctl units`)")
                    throw ExitCode(64)
                }
                scope = .unit(found.code)
            }
            let (password, generated) = try AccountCommand.password(from: passwordFile)
            let store = try web.open()
            do {
                try store.add(name: name, scope: scope, password: password)
            } catch {
                throw AccountCommand.fail(error)
            }
            AuditJournal.announce(.accountAdded, subject: "account:\(name)", details: "scope \(scope)")
            print("added account \(name) (\(scope))")
            if generated {
                print("password: \(password)")
                print("The password is shown only this once: give it to the administrator now.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts.")
        @OptionGroup var web: WebOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let accounts: [Account]
            do {
                accounts = try web.open().list()
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw AccountCommand.fail(error)
            }
            let now = Date()
            if json {
                struct Row: Encodable { var name: String; var scope: String; var created_at: String; var locked: Bool }
                return try printJSON(accounts.map { Row(name: $0.name, scope: $0.scope.stored, created_at: $0.createdAt, locked: ($0.lockedUntil ?? .distantPast) > now) })
            }
            printTable(["NAME", "SCOPE", "CREATED", "STATE"], accounts.map {
                [$0.name, $0.scope.stored, $0.createdAt, ($0.lockedUntil ?? .distantPast) > now ? "locked" : "active"]
            })
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an account; its sessions end at once.")
        @OptionGroup var web: WebOptions
        @Argument(help: "Account name.") var name: String

        func run() async throws {
            do {
                try web.open().remove(name)
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw AccountCommand.fail(error)
            }
            AuditJournal.announce(.accountRemoved, subject: "account:\(name)")
            print("removed account \(name)")
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "passwd",
            abstract: "Set a new password (printed once unless --password-file gives one); ends the account's sessions and lifts a lockout."
        )
        @OptionGroup var web: WebOptions
        @Argument(help: "Account name.") var name: String
        @Option(help: "File whose first line is the new password (at least 12 characters).") var passwordFile: String?

        func run() async throws {
            let (password, generated) = try AccountCommand.password(from: passwordFile)
            do {
                try web.open().setPassword(name, to: password)
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw AccountCommand.fail(error)
            }
            AuditJournal.announce(.accountPasswordChanged, subject: "account:\(name)")
            print("new password set for \(name)")
            if generated {
                print("password: \(password)")
                print("The password is shown only this once: give it to the administrator now.")
            }
        }
    }
}
