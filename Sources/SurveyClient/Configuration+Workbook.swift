import Foundation
import SurveyCSV
import SurveyConfig
import SurveyModel
import SurveyXLSX

extension Configuration {
    /// The labels of every topic, respondent group and sentiment, by which a batch file that
    /// carries no lists of its own (a CSV file, a workbook of the collaborator's own) may name them.
    public var knownChoices: BatchFile.Choices {
        BatchFile.Choices(
            topics: catalog.topics.map { .init(code: $0.code, label: $0.title) },
            groups: catalog.groups.map { .init(code: $0.code, label: $0.name) },
            sentiments: catalog.sentiments.map { .init(code: $0.code, label: $0.label) },
            strict: false
        )
    }

    /// Why no workbook can be made.
    public enum TemplateError: Error, Equatable, Sendable {
        case unknownUnit(String)
        case unknownRound(String)
    }

    /// How many days after today a template's date column accepts when no round is given.
    public static let templateDaysAhead = 92

    /// The workbook a collaborator of `unitCode` fills in (as `surveyctl template` writes it): the
    /// topics open in the window (a round's, or from `dates.maximum_age_days` ago to
    /// ``templateDaysAhead`` days ahead), the configured labels, the round if one is given.
    public func template(unit unitCode: String, round roundCode: String? = nil, today: LocalDate) throws(TemplateError) -> XLSXTemplate {
        guard let unit = catalog.units.first(where: { $0.code.caseInsensitiveCompare(unitCode) == .orderedSame }) else {
            throw .unknownUnit(unitCode)
        }
        var first = today.adding(days: -dateWindow.maximumAgeDays)
        var last = today.adding(days: Configuration.templateDaysAhead)
        var topics = catalog.topics
        var chosenRound: SurveyRound?
        if let roundCode {
            guard let found = rounds.first(where: { $0.code.caseInsensitiveCompare(roundCode) == .orderedSame }) else {
                throw .unknownRound(roundCode)
            }
            chosenRound = found
            first = max(first, found.from)
            last = found.to
            topics = topics.filter { found.topics.contains($0.code) }
        }
        // Topics open on some day of the window.
        topics = topics.filter { ($0.activeFrom ?? first) <= last && ($0.activeTo ?? last) >= first }
        return XLSXTemplate(
            unitCode: unit.code, unitName: unit.name, round: chosenRound.map { ($0.code, $0.title) },
            topics: topics.map { .init(code: $0.code, label: $0.title) },
            groups: catalog.groups.map { .init(code: $0.code, label: $0.name) },
            sentiments: catalog.sentiments.map { .init(code: $0.code, label: $0.label) },
            firstDate: first, lastDate: max(first, last)
        )
    }
}
