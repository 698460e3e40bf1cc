import CSV
import Foundation

extension BatchFile {
    /// Reads a CSV batch file as Excel writes it: "CSV UTF-8" (byte-order mark, CRLF, quoted
    /// fields, blank trailing lines; `;` as separator too) or "Unicode Text" (UTF-16 with a
    /// byte-order mark, tab-separated). Line numbers count the file's lines. `choices`: the labels
    /// the server knows (a CSV file carries none), read as their codes.
    public init(csv data: Data, choices: Choices = .none) throws(Problem) {
        guard let text = BatchFile.text(of: data) else { throw Problem(.notText) }
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r\n" }
        let delimiter: UnicodeScalar = firstLine.contains("\t") ? "\t" : firstLine.contains(";") && !firstLine.contains(",") ? ";" : ","
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: false, trimFields: false, delimiter: delimiter)
        } catch {
            throw Problem(.cannotRead("\(error)"), place: Place(line: 1))
        }
        var rows: [SourceRow] = []
        var line = 1
        while let cells = reader.next() {
            rows.append(SourceRow(line: line, cells: cells.map { Cell($0) }))
            line += 1 + BatchFile.newlines(in: cells)
        }
        if let error = reader.error {
            throw Problem(.cannotRead("\(error)"), place: Place(line: line))
        }
        try self.init(rows: rows, choices: choices)
    }

    /// The text of a CSV file: UTF-8 (with or without a byte-order mark) or UTF-16 with a
    /// byte-order mark; nil for anything else.
    static func text(of data: Data) -> String? {
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
            guard data.count % 2 == 0, let text = String(data: data, encoding: .utf16) else { return nil }
            return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        }
        let bytes = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
        return String(data: bytes, encoding: .utf8)
    }

    static func newlines(in cells: [String]) -> Int {
        cells.reduce(0) { $0 + $1.reduce(0) { $0 + ($1 == "\n" || $1 == "\r\n" || $1 == "\r" ? 1 : 0) } }
    }
}
