import ArgumentParser
import Foundation
import SurveyClient
import SurveyConfig
import SurveyModel

struct TemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Write the Excel workbook (.xlsx) a collaborator fills in and submits as it is.",
        discussion: """
        The workbook has a sheet "Phiếu" with the columns Ngày, Chủ đề, Nhóm, Thái độ (frozen \
        header), drop-down lists of the configured Vietnamese labels of topics, respondent groups \
        and sentiments, the date column formatted DD/MM/YYYY and checked against the dates surveyd \
        accepts (from dates.maximum_age_days ago to \(TemplateCommand.daysAhead) days ahead, or the \
        round's window with --round); a sheet "Hướng dẫn" of instructions in Vietnamese; and a \
        hidden sheet "Danh mục" of codes and labels, by which `surveyctl submit` reads the labels. \
        Without --round the topics are those open in that window. Reads the configuration only.
        """
    )

    /// How far after today the date column accepts dates when no round is given.
    static let daysAhead = 92

    @Option(help: "The collaborator's unit code.") var unit: String
    @Option(help: "A survey round's code: its topics and collection window.") var round: String?
    @Option(help: "The workbook to write (default: phieu-UNIT.xlsx, or phieu-UNIT-ROUND.xlsx).") var output: String?
    @Option(help: "Language of the messages: vi or en (default: from LANG).") var lang: String?
    @Option(help: "Configuration file.")
    var config: String = ProcessInfo.processInfo.environment["SURVEYD_CONFIG"] ?? "/etc/surveyd/surveyd.conf"

    func run() async throws {
        let say = Messages(.choose(flag: lang, environment: ProcessInfo.processInfo.environment))
        let configuration: Configuration
        do {
            configuration = try Configuration.load(path: config)
        } catch {
            printError("configuration error: \(error)")
            throw ExitCode(78)
        }
        let catalog = configuration.catalog
        guard let unit = catalog.units.first(where: { $0.code.caseInsensitiveCompare(self.unit) == .orderedSame }) else {
            printError(say(.unknownUnit, self.unit))
            throw ExitCode(64)
        }
        let today = LocalDate(instant: Date(), in: configuration.timeZone)
        var first = today.adding(days: -configuration.dateWindow.maximumAgeDays)
        var last = today.adding(days: TemplateCommand.daysAhead)
        var topics = catalog.topics
        var chosenRound: SurveyRound?
        if let code = round {
            guard let found = configuration.rounds.first(where: { $0.code.caseInsensitiveCompare(code) == .orderedSame }) else {
                printError(say(.unknownRound, code))
                throw ExitCode(64)
            }
            chosenRound = found
            first = max(first, found.from)
            last = found.to
            topics = topics.filter { found.topics.contains($0.code) }
        }
        // Topics open on some day of the window.
        topics = topics.filter { ($0.activeFrom ?? first) <= last && ($0.activeTo ?? last) >= first }
        let template = XLSXTemplate(
            unitCode: unit.code, unitName: unit.name, round: chosenRound.map { ($0.code, $0.title) },
            topics: topics.map { .init(code: $0.code, label: $0.title) },
            groups: catalog.groups.map { .init(code: $0.code, label: $0.name) },
            sentiments: catalog.sentiments.map { .init(code: $0.code, label: $0.label) },
            firstDate: first, lastDate: max(first, last)
        )
        let path = output ?? "phieu-\(unit.code)" + (chosenRound.map { "-\($0.code)" } ?? "") + ".xlsx"
        do {
            try template.data().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            printError(say(.cannotWrite, path, "\(error)"))
            throw ExitCode(73)
        }
        print(say(.templateWritten, path, unit.code, XLSXTemplate.dayMonthYear(first), XLSXTemplate.dayMonthYear(max(first, last)), count: topics.count))
    }

}
