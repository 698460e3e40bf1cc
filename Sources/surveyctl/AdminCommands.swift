import ArgumentParser
import Foundation
import SurveyModel
import SurveyStore

struct CollaboratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collaborator",
        abstract: "Add, list and revoke field collaborators.",
        subcommands: [Add.self, List.self, Revoke.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a collaborator and print its token once.")
        @OptionGroup var options: StoreOptions
        @Option(help: "Unit code (see `surveyctl units`).") var unit: String
        @Option(help: "Display name.") var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (_, store) = try options.open()
            do {
                let (collaborator, token) = try store.addCollaborator(unit: unit, name: name)
                AuditJournal.announce(.collaboratorAdded, subject: "collaborator:\(collaborator.id)", details: "unit \(collaborator.unit)")
                if json {
                    struct Added: Encodable { var collaborator: Collaborator; var token: String }
                    try printJSON(Added(collaborator: collaborator, token: token))
                } else {
                    print("added collaborator \(collaborator.id) (\(collaborator.name)) to unit \(collaborator.unit)")
                    print("token: \(token)")
                    print("The token is shown only this once: give it to the collaborator now.")
                }
            } catch {
                throw fail(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List collaborators.")
        @OptionGroup var options: StoreOptions
        @Option(help: "Only this unit.") var unit: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (_, store) = try options.open()
            do {
                let collaborators = try store.collaborators(unit: unit)
                if json { return try printJSON(collaborators) }
                printTable(["ID", "UNIT", "NAME", "CREATED", "STATE"], collaborators.map {
                    [String($0.id), $0.unit, $0.name, $0.createdAt, $0.revokedAt.map { "revoked \($0)" } ?? "active"]
                })
            } catch {
                throw fail(error)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a collaborator: refused from its next command on.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "Collaborator id.") var id: Int64

        func run() async throws {
            let (_, store) = try options.open()
            do {
                if try store.revokeCollaborator(id: id) {
                    AuditJournal.announce(.collaboratorRevoked, subject: "collaborator:\(id)")
                    print("revoked collaborator \(id)")
                } else {
                    print("collaborator \(id) was already revoked; nothing changed")
                }
            } catch {
                throw fail(error)
            }
        }
    }
}

struct UnitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "units", abstract: "List units.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (_, store) = try options.open()
        do {
            let units = try store.units()
            if json {
                struct Row: Encodable { var code: String; var name: String; var active: Bool }
                return try printJSON(units.map { Row(code: $0.unit.code, name: $0.unit.name, active: $0.active) })
            }
            printTable(["CODE", "NAME", "STATE"], units.map { [$0.unit.code, $0.unit.name, $0.active ? "active" : "inactive"] })
        } catch {
            throw fail(error)
        }
    }
}

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "topics", abstract: "List topics.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (_, store) = try options.open()
        do {
            let topics = try store.topics()
            if json {
                struct Row: Encodable { var code: String; var title: String; var activeFrom: LocalDate?; var activeTo: LocalDate?; var active: Bool }
                return try printJSON(topics.map {
                    Row(code: $0.topic.code, title: $0.topic.title, activeFrom: $0.topic.activeFrom, activeTo: $0.topic.activeTo, active: $0.active)
                })
            }
            printTable(["CODE", "TITLE", "OPEN FROM", "OPEN TO", "STATE"], topics.map {
                [$0.topic.code, $0.topic.title, $0.topic.activeFrom?.description ?? "-", $0.topic.activeTo?.description ?? "-", $0.active ? "active" : "inactive"]
            })
        } catch {
            throw fail(error)
        }
    }
}

extension PeriodKind: ExpressibleByArgument {}

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Responses per unit and period.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Period: week, month, quarter or year.") var period: PeriodKind = .month
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (_, store) = try options.open()
        do {
            let counts = try store.periodCounts(period)
            let totals = try store.totals()
            if json {
                struct Stats: Encodable { var period: PeriodKind; var totals: StoreTotals; var counts: [PeriodCount] }
                return try printJSON(Stats(period: period, totals: totals, counts: counts))
            }
            printTable(["UNIT", period.rawValue.uppercased(), "RESPONSES"], counts.map { [$0.unit, $0.period, String($0.responses)] })
            print("total: \(totals.responses) responses in \(totals.batches) batches from \(totals.collaborators) collaborators")
        } catch {
            throw fail(error)
        }
    }
}
