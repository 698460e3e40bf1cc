import CSV
import Foundation

/// A batch file as collaborators' offices write it: a CSV with a header naming the columns date,
/// topic, group and sentiment (in any order; Vietnamese names accepted), as Excel's "CSV UTF-8"
/// writes it (byte-order mark, CRLF, quoted fields, blank trailing lines; `;` as separator too).
public struct CSVBatchFile: Sendable {
    /// One data row and the line of the file it starts on.
    public struct Row: Sendable, Equatable {
        public var line: Int
        /// date, topic, group, sentiment: trimmed, in protocol order.
        public var fields: [String]

        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    /// A problem with the file itself, before anything is sent.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int?
        public var message: String

        public var description: String {
            line.map { "line \($0): \(message)" } ?? message
        }
    }

    /// The four columns, in protocol order, with the header names accepted for each.
    public static let columns: [(name: String, aliases: Set<String>)] = [
        ("date", ["date", "collection_date", "collected_on", "ngày", "ngay", "ngày khảo sát"]),
        ("topic", ["topic", "chủ đề", "chu de", "chude"]),
        ("group", ["group", "respondent_group", "nhóm", "nhom", "đối tượng", "doi tuong"]),
        ("sentiment", ["sentiment", "thái độ", "thai do", "ý kiến", "y kien"]),
    ]

    public private(set) var rows: [Row] = []
    /// Problems found in rows (wrong number of cells, empty cells); the file is not sent if any.
    public private(set) var problems: [Problem] = []

    /// Reads a batch file from its bytes.
    public init(data: Data) throws(Problem) {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw Problem(line: nil, message: "the file is not UTF-8 text; in Excel, save it as \"CSV UTF-8 (Comma delimited)\"")
        }
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r\n" }
        let delimiter: UnicodeScalar = firstLine.contains(";") && !firstLine.contains(",") ? ";" : ","
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: false, trimFields: false, delimiter: delimiter)
        } catch {
            throw Problem(line: 1, message: "cannot read the CSV: \(error)")
        }
        guard let header = reader.next() else { throw Problem(line: nil, message: "the file is empty") }
        var positions: [Int] = []
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased().precomposedStringWithCanonicalMapping }
        for column in CSVBatchFile.columns {
            guard let position = names.firstIndex(where: { column.aliases.contains($0) }) else {
                throw Problem(line: 1, message: "the header has no '\(column.name)' column (expected columns: date, topic, group, sentiment)")
            }
            positions.append(position)
        }
        var line = 1 + CSVBatchFile.newlines(in: header) + 1
        while let cells = reader.next() {
            let start = line
            line += 1 + CSVBatchFile.newlines(in: cells)
            let trimmed = cells.map { $0.trimmingCharacters(in: .whitespaces) }
            if trimmed.allSatisfy(\.isEmpty) { continue }
            guard positions.allSatisfy({ $0 < cells.count }) else {
                problems.append(Problem(line: start, message: "expected \(names.count) cells like the header, got \(cells.count)"))
                continue
            }
            let fields = positions.map { trimmed[$0] }
            if let empty = fields.firstIndex(where: \.isEmpty) {
                problems.append(Problem(line: start, message: "the \(CSVBatchFile.columns[empty].name) cell is empty"))
                continue
            }
            if let spaced = fields.firstIndex(where: { $0.contains(where: \.isWhitespace) }) {
                problems.append(Problem(line: start, message: "the \(CSVBatchFile.columns[spaced].name) cell '\(fields[spaced])' contains a space"))
                continue
            }
            // Found by fuzzing: a NUL or other control character would otherwise reach the server.
            if let index = fields.firstIndex(where: { $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }),
               let scalar = fields[index].unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
                let code = String(scalar.value, radix: 16, uppercase: true)
                problems.append(Problem(
                    line: start,
                    message: "the \(CSVBatchFile.columns[index].name) cell contains a control character (U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code))"
                ))
                continue
            }
            rows.append(Row(line: start, fields: fields))
        }
        if let error = reader.error {
            throw Problem(line: line, message: "cannot read the CSV: \(error)")
        }
        if rows.isEmpty && problems.isEmpty {
            throw Problem(line: nil, message: "the file has a header but no responses")
        }
    }

    /// Reads a batch file from disk.
    public init(path: String) throws(Problem) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Problem(line: nil, message: "cannot read \(path): \(error.localizedDescription)")
        }
        try self.init(data: data)
    }

    static func newlines(in cells: [String]) -> Int {
        cells.reduce(0) { $0 + $1.reduce(0) { $0 + ($1 == "\n" || $1 == "\r\n" || $1 == "\r" ? 1 : 0) } }
    }

    /// The protocol lines (`R date topic group sentiment`) of the rows, in order.
    public var responseLines: [String] {
        rows.map { "R " + $0.fields.joined(separator: " ") }
    }
}
