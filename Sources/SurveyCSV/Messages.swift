import Foundation

/// What `surveyctl submit` and `surveyctl template` tell a collaborator, in English or Vietnamese.
/// Each language has one table (``Messages/english``, ``Messages/vietnamese``) with every
/// ``Key``; `{0}`, `{1}`… are the arguments and `{n}` the count that picks the plural form.
public struct Messages: Sendable {
    /// The languages of the tables.
    public enum Language: String, Sendable, CaseIterable {
        case english = "en"
        case vietnamese = "vi"

        /// `--lang` when given (`vi`, `en`, or a locale name), otherwise the locale of the
        /// environment (`LC_ALL`, `LC_MESSAGES`, `LANG`): Vietnamese for `vi` and `vi_*`.
        public static func choose(flag: String?, environment: [String: String]) -> Language {
            let name = flag ?? ["LC_ALL", "LC_MESSAGES", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
            let lower = name.lowercased()
            return lower == "vi" || lower.hasPrefix("vi_") || lower.hasPrefix("vi-") || lower.hasPrefix("vi.") ? .vietnamese : .english
        }
    }

    /// A message: one text, or a form for a count of one and a form for any other count.
    public enum Text: Sendable {
        case text(String)
        case plural(one: String, other: String)
    }

    /// Every message a collaborator may read.
    public enum Key: String, Sendable, CaseIterable {
        case fieldDate, fieldTopic, fieldGroup, fieldSentiment
        case notText, notAWorkbook, emptyFile, cannotRead, noSheet, noColumn, noResponses, cellCount, emptyCell, space
        case controlCharacter, badDate, notInList, readTimeout
        case badLines, accepted, alreadyReceived, serverSaid, rejected, rejectedFixLines, refused, tlsFailed, gaveUp, retrying
        case noToken, cannotReadToken, badServer, cannotReadFile, unknownUnit, unknownRound, templateWritten, cannotWrite
    }

    public let language: Language

    public init(_ language: Language) {
        self.language = language
    }

    /// The table of `language`.
    public static func table(_ language: Language) -> [Key: Text] {
        switch language {
        case .english: english
        case .vietnamese: vietnamese
        }
    }

    /// The message `key` with its arguments; `count` picks the plural form and fills `{n}`.
    public func callAsFunction(_ key: Key, _ arguments: String..., count: Int? = nil) -> String {
        let text: String
        switch Messages.table(language)[key] ?? Messages.english[key] ?? .text(key.rawValue) {
        case let .text(value): text = value
        case let .plural(one, other): text = count == 1 ? one : other
        }
        var result = text
        if let count { result = result.replacingOccurrences(of: "{n}", with: String(count)) }
        for (index, argument) in arguments.enumerated() {
            result = result.replacingOccurrences(of: "{\(index)}", with: argument)
        }
        return result
    }

    /// The name of a field, as a collaborator reads it in the header.
    public func name(of field: BatchFile.Field) -> String {
        switch field {
        case .date: self(.fieldDate)
        case .topic: self(.fieldTopic)
        case .group: self(.fieldGroup)
        case .sentiment: self(.fieldSentiment)
        }
    }

    /// A problem as `field: reason` (the place is for the caller to put before it).
    public func problem(_ problem: BatchFile.Problem) -> String {
        let reason: String
        switch problem.kind {
        case .notText: reason = self(.notText)
        case let .notAWorkbook(detail): reason = self(.notAWorkbook, detail)
        case .emptyFile: reason = self(.emptyFile)
        case let .cannotRead(detail): reason = self(.cannotRead, detail)
        case let .noSheet(name, available): reason = self(.noSheet, name, available.joined(separator: ", "))
        case let .noColumn(field): reason = self(.noColumn, name(of: field))
        case .noResponses: reason = self(.noResponses)
        case let .cellCount(expected, got): reason = self(.cellCount, String(expected), count: got)
        case .emptyCell: reason = self(.emptyCell)
        case let .space(value): reason = self(.space, value)
        case let .controlCharacter(scalar):
            let code = String(scalar, radix: 16, uppercase: true)
            reason = self(.controlCharacter, "U+" + String(repeating: "0", count: max(0, 4 - code.count)) + code)
        case let .badDate(value): reason = self(.badDate, value)
        case let .notInList(value, choices): reason = self(.notInList, value, choices.joined(separator: ", "))
        }
        return problem.field.map { "\(name(of: $0)): \(reason)" } ?? reason
    }
}
