import Foundation
import SurveyModel

/// A batch of responses as a collaborator's file holds it (a CSV file or a sheet of an Excel
/// workbook): a header naming the columns date, topic, group and sentiment (in any order, English or
/// Vietnamese names, other columns ignored) and one response per row. Dates may be ISO
/// (`YYYY-MM-DD`), Vietnamese (`DD/MM/YYYY`, `D/M/YYYY`) or Excel date serials; topics, groups and
/// sentiments may be codes or, when the file carries them (the template's lists), their labels.
/// Rows that cannot be sent are collected as problems, so one run names every one.
public struct BatchFile: Sendable {
    /// The four fields of a response, in protocol order.
    public enum Field: Int, CaseIterable, Sendable {
        case date, topic, group, sentiment

        /// The English name, as the protocol's errors name it.
        public var name: String { ["date", "topic", "group", "sentiment"][rawValue] }

        /// The field a protocol error names (`date`, `topic`, …), if any.
        public init?(name: String) {
            guard let field = Field.allCases.first(where: { $0.name == name }) else { return nil }
            self = field
        }
    }

    /// Where in the file: a CSV line, or a cell of a workbook's sheet (`Phiếu!C7`).
    public struct Place: Sendable, Equatable, CustomStringConvertible {
        /// The CSV line, or the row as Excel numbers it.
        public var line: Int
        /// The sheet, for workbooks.
        public var sheet: String?
        /// The column (0 for A), for workbooks.
        public var column: Int?

        public init(line: Int, sheet: String? = nil, column: Int? = nil) {
            self.line = line
            self.sheet = sheet
            self.column = column
        }

        public var description: String {
            guard let sheet else { return String(line) }
            return "\(sheet)!\(column.map(Place.letters) ?? "")\(line)"
        }

        /// Excel's column name: 0 → A, 25 → Z, 26 → AA.
        public static func letters(_ column: Int) -> String {
            var name = ""
            var rest = max(column, 0) + 1
            while rest > 0 {
                let digit = (rest - 1) % 26
                name = String(UnicodeScalar(UInt8(65 + digit))) + name
                rest = (rest - 1) / 26
            }
            return name
        }
    }

    /// One response and where each of its fields was read.
    public struct Row: Sendable, Equatable {
        /// The CSV line or Excel row.
        public var line: Int
        /// date (ISO), topic, group, sentiment: as the protocol takes them.
        public var fields: [String]
        /// Where each field was read, in the order of `fields`.
        public var places: [Place]

        public init(line: Int, fields: [String], places: [Place]? = nil) {
            self.line = line
            self.fields = fields
            self.places = places ?? Array(repeating: Place(line: line), count: fields.count)
        }

        /// Where `field` was read.
        public func place(of field: Field?) -> Place {
            field.flatMap { places.indices.contains($0.rawValue) ? places[$0.rawValue] : nil } ?? Place(line: line)
        }
    }

    /// A problem with the file or with one of its rows; nothing is sent while there is one.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, with the data to say it in any language (see ``Messages``).
        public enum Kind: Error, Sendable, Equatable {
            case notText
            case notAWorkbook(String)
            case emptyFile
            case cannotRead(String)
            case noSheet(String, available: [String])
            case noColumn(Field)
            case noResponses
            case cellCount(expected: Int, got: Int)
            case emptyCell
            case space(String)
            case controlCharacter(UInt32)
            case badDate(String)
            case notInList(String, choices: [String])
        }

        public var kind: Kind
        /// The line or cell; nil for a problem of the whole file.
        public var place: Place?
        public var field: Field?

        public init(_ kind: Kind, place: Place? = nil, field: Field? = nil) {
            self.kind = kind
            self.place = place
            self.field = field
        }

        /// The CSV line or Excel row; nil for a problem of the whole file.
        public var line: Int? { place?.line }

        /// The problem in English, without its place.
        public var message: String { Messages(.english).problem(self) }

        public var description: String {
            place.map { "\($0): \(message)" } ?? message
        }
    }

    /// Choices for topic, group and sentiment: codes with their labels (the template's lists).
    public struct Choices: Sendable, Equatable {
        /// A code and the label shown for it.
        public struct Choice: Sendable, Equatable {
            public var code: String
            public var label: String

            public init(code: String, label: String) {
                self.code = code
                self.label = label
            }
        }

        public var byField: [Int: [Choice]]
        /// Whether a value outside the lists is a problem (the template's lists), or is sent as it
        /// is for the server to judge (the labels the server reports, which only translate).
        public var strict: Bool

        public init(topics: [Choice] = [], groups: [Choice] = [], sentiments: [Choice] = [], strict: Bool = true) {
            byField = [Field.topic.rawValue: topics, Field.group.rawValue: groups, Field.sentiment.rawValue: sentiments]
            self.strict = strict
        }

        public subscript(field: Field) -> [Choice] { byField[field.rawValue] ?? [] }

        public static let none = Choices()
    }

    /// A cell as read: its text and, for a number in a workbook, its value (a date serial in the
    /// date column).
    public struct Cell: Sendable, Equatable {
        public var text: String
        public var number: Double?

        public init(_ text: String, number: Double? = nil) {
            self.text = text
            self.number = number
        }
    }

    /// A row as read: its line or Excel row and its cells by column (0 for A; missing cells empty).
    public struct SourceRow: Sendable, Equatable {
        public var line: Int
        public var cells: [Cell]

        public init(line: Int, cells: [Cell]) {
            self.line = line
            self.cells = cells
        }
    }

    /// The header names accepted for each field, in protocol order (lower case, NFC).
    public static let columns: [(field: Field, aliases: Set<String>)] = [
        (.date, ["date", "collection_date", "collected_on", "ngày", "ngay", "ngày khảo sát", "ngày thu thập"]),
        (.topic, ["topic", "chủ đề", "chu de", "chude"]),
        (.group, ["group", "respondent_group", "nhóm", "nhom", "đối tượng", "doi tuong", "nhóm đối tượng"]),
        (.sentiment, ["sentiment", "thái độ", "thai do", "ý kiến", "y kien"]),
    ]

    public private(set) var rows: [Row] = []
    /// Problems found in rows; the file is not sent if there is any.
    public private(set) var problems: [Problem] = []

    /// Reads the rows of a table: the first row with any text is the header. `sheet` names the
    /// workbook sheet (nil for CSV, whose rows must be as wide as the header), `date1904` the
    /// workbook's date system.
    public init(rows source: [SourceRow], sheet: String? = nil, date1904: Bool = false, choices: Choices = .none) throws(Problem) {
        guard let headerIndex = source.firstIndex(where: { $0.cells.contains { !BatchFile.trimmed($0.text).isEmpty } }) else {
            throw Problem(.emptyFile)
        }
        let header = source[headerIndex]
        let names = header.cells.map { BatchFile.normalised($0.text).lowercased() }
        var positions: [Int] = []
        for column in BatchFile.columns {
            guard let position = names.firstIndex(where: { column.aliases.contains($0) }) else {
                throw Problem(.noColumn(column.field), place: Place(line: header.line, sheet: sheet, column: sheet == nil ? nil : 0))
            }
            positions.append(position)
        }
        for row in source[(headerIndex + 1)...] {
            let cells = row.cells.map { Cell(BatchFile.trimmed($0.text), number: $0.number) }
            if cells.allSatisfy({ $0.text.isEmpty }) { continue }
            if sheet == nil, !positions.allSatisfy({ $0 < cells.count }) {
                problems.append(Problem(.cellCount(expected: names.count, got: cells.count), place: Place(line: row.line)))
                continue
            }
            var fields: [String] = []
            var places: [Place] = []
            var problem: Problem?
            for (field, position) in zip(Field.allCases, positions) {
                let place = Place(line: row.line, sheet: sheet, column: sheet == nil ? nil : position)
                let cell = cells.indices.contains(position) ? cells[position] : Cell("")
                switch BatchFile.value(of: cell, field: field, date1904: date1904, choices: choices) {
                case let .success(value):
                    fields.append(value)
                    places.append(place)
                case let .failure(kind):
                    problem = Problem(kind, place: place, field: field)
                }
                if problem != nil { break }
            }
            if let problem {
                problems.append(problem)
            } else {
                rows.append(Row(line: row.line, fields: fields, places: places))
            }
        }
        if rows.isEmpty && problems.isEmpty {
            throw Problem(.noResponses)
        }
    }

    /// The protocol value of one cell, or what is wrong with it.
    static func value(of cell: Cell, field: Field, date1904: Bool, choices: Choices) -> Result<String, Problem.Kind> {
        let text = normalised(cell.text)
        if field == .date, let serial = cell.number {
            return ExcelDate.date(serial: serial, date1904: date1904).map { .success($0.description) }
                ?? .failure(.badDate(text))
        }
        if text.isEmpty { return .failure(.emptyCell) }
        // Found by fuzzing: a NUL or other control character would otherwise reach the server.
        if let scalar = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            return .failure(.controlCharacter(scalar.value))
        }
        if field == .date {
            return BatchFile.date(text).map { .success($0.description) } ?? .failure(.badDate(text))
        }
        let list = choices[field]
        if !list.isEmpty {
            let key = text.lowercased()
            if let choice = list.first(where: { $0.code.lowercased() == key || normalised($0.label).lowercased() == key }) {
                return .success(choice.code)
            }
            if choices.strict { return .failure(.notInList(text, choices: list.map(\.label))) }
        }
        if text.contains(where: \.isWhitespace) { return .failure(.space(text)) }
        return .success(text)
    }

    /// A date written `YYYY-MM-DD`, `DD/MM/YYYY` or `D/M/YYYY`; nil for anything else or a day
    /// that does not exist.
    public static func date(_ text: String) -> LocalDate? {
        if let iso = LocalDate(iso: text) { return iso }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count), parts[2].count == 4,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let day = Int(parts[0]), let month = Int(parts[1]), let year = Int(parts[2])
        else { return nil }
        return LocalDate(year: year, month: month, day: day)
    }

    /// Trimmed of blanks (also non-breaking spaces, which Excel users paste).
    static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Trimmed, NFC, inner runs of blanks as one space: how labels and header names compare.
    static func normalised(_ text: String) -> String {
        trimmed(text).precomposedStringWithCanonicalMapping
            .split(whereSeparator: { $0 == " " || $0 == "\u{A0}" }).joined(separator: " ")
    }

    /// The protocol lines (`R date topic group sentiment`) of the rows, in order.
    public var responseLines: [String] {
        rows.map { "R " + $0.fields.joined(separator: " ") }
    }
}
