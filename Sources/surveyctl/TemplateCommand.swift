import ArgumentParser
import Foundation
import SurveyClient
import SurveyConfig
import SurveyModel
import SurveyXLSX

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
    static let daysAhead = Configuration.templateDaysAhead

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
        let template: XLSXTemplate
        do {
            template = try configuration.template(unit: unit, round: round, today: LocalDate(instant: Date(), in: configuration.timeZone))
        } catch .unknownUnit(let code) {
            printError(say(.unknownUnit, code))
            throw ExitCode(64)
        } catch .unknownRound(let code) {
            printError(say(.unknownRound, code))
            throw ExitCode(64)
        }
        let (first, last) = (template.firstDate, template.lastDate)
        let path = output ?? "phieu-\(template.unitCode)" + (template.round.map { "-\($0.code)" } ?? "") + ".xlsx"
        do {
            try template.data().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            printError(say(.cannotWrite, path, "\(error)"))
            throw ExitCode(73)
        }
        print(say(.templateWritten, path, template.unitCode, XLSXTemplate.dayMonthYear(first), XLSXTemplate.dayMonthYear(last), count: template.topics.count))
    }

}
