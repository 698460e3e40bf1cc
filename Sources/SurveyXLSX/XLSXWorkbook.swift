import Foundation
import SurveyCSV
import ZIPFoundation

/// An Excel workbook (.xlsx: a ZIP of XML parts) read for its cells: the sheets' names, the date
/// system, and each sheet's rows with shared, inline and formula strings resolved to text and
/// numbers kept as numbers. Formatting is not read: a number in the date column is a date serial.
public struct XLSXWorkbook: Sendable {
    /// A sheet's name and the part that holds it.
    public struct Sheet: Sendable, Equatable {
        public var name: String
        var part: String
    }

    /// The sheets in the workbook's order.
    public let sheets: [Sheet]
    /// The workbook counts dates from 1904-01-01 (an option of Excel for Mac).
    public let date1904: Bool
    let sharedStrings: [String]
    private let parts: [String: Data]

    /// The most a part may hold once uncompressed, and all parts together (against ZIP bombs).
    public static let maximumPartBytes = 64 << 20
    public static let maximumTotalBytes = 256 << 20
    /// Cells beyond Excel's own grid are refused.
    static let maximumRow = 1_048_576
    static let maximumColumn = 16_384

    /// Reads the workbook's structure and shared strings from an .xlsx file.
    public init(url: URL) throws(XLSXError) {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw XLSXError("not a ZIP archive")
        }
        try self.init(archive: archive)
    }

    /// Reads the workbook from the bytes of an .xlsx file, through a temporary file: ZIPFoundation's
    /// in-memory archives trap on an entry whose offset lies beyond the end (found by fuzzing,
    /// fuzz/corpus/FuzzXLSX/regression-offset-beyond-end), its file-backed ones report an error.
    public init(data: Data) throws(XLSXError) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("surveyctl-\(UUID().uuidString).xlsx")
        do {
            try data.write(to: url)
        } catch {
            throw XLSXError("cannot write a temporary copy: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: url) }
        try self.init(url: url)
    }

    private init(archive: Archive) throws(XLSXError) {
        var parts: [String: Data] = [:]
        var total = 0
        for entry in archive where entry.type == .file {
            let path = entry.path
            guard path.hasSuffix(".xml") || path.hasSuffix(".rels") else { continue }
            var bytes = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    bytes.append(chunk)
                    total += chunk.count
                    if bytes.count > XLSXWorkbook.maximumPartBytes || total > XLSXWorkbook.maximumTotalBytes {
                        throw XLSXError("\(path) is too large")
                    }
                }
            } catch let error as XLSXError {
                throw error
            } catch {
                throw XLSXError("\(path): damaged (\(error))")
            }
            parts[path] = bytes
        }
        self.parts = parts
        guard let workbook = parts["xl/workbook.xml"] else { throw XLSXError("no xl/workbook.xml") }

        var named: [(name: String, id: String)] = []
        var date1904 = false
        try XMLEvents.parse(workbook, part: "xl/workbook.xml", start: { element, attributes in
            switch element {
            case "sheet":
                if let name = attributes["name"], let id = attributes["id"] { named.append((name, id)) }
            case "workbookPr":
                date1904 = ["1", "true"].contains(attributes["date1904"]?.lowercased() ?? "")
            default: break
            }
        })
        var targets: [String: String] = [:]
        if let relations = parts["xl/_rels/workbook.xml.rels"] {
            try XMLEvents.parse(relations, part: "xl/_rels/workbook.xml.rels", start: { element, attributes in
                if element == "Relationship", let id = attributes["Id"], let target = attributes["Target"] {
                    targets[id] = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
                }
            })
        }
        sheets = named.compactMap { sheet in targets[sheet.id].map { Sheet(name: sheet.name, part: $0) } }
        guard !sheets.isEmpty else { throw XLSXError("the workbook has no sheets") }
        self.date1904 = date1904

        var strings: [String] = []
        if let shared = parts["xl/sharedStrings.xml"] {
            var current = ""
            var inText = false
            var phonetic = 0
            try XMLEvents.parse(shared, part: "xl/sharedStrings.xml", start: { element, _ in
                switch element {
                case "si": current = ""
                case "t": inText = true
                case "rPh": phonetic += 1
                default: break
                }
            }, end: { element in
                switch element {
                case "si": strings.append(current)
                case "t": inText = false
                case "rPh": phonetic -= 1
                default: break
                }
            }, text: { text in
                if inText && phonetic == 0 { current += text }
            })
        }
        sharedStrings = strings
    }

    /// The sheet named `name` (compared as Excel does, without regard to case), or the first.
    public func sheet(named name: String?) -> Sheet? {
        guard let name else { return sheets.first }
        let key = name.precomposedStringWithCanonicalMapping.lowercased()
        return sheets.first { $0.name.precomposedStringWithCanonicalMapping.lowercased() == key }
    }

    /// The rows of `sheet` that have cells, with rows numbered as Excel numbers them.
    public func rows(of sheet: Sheet) throws(XLSXError) -> [BatchFile.SourceRow] {
        guard let data = parts[sheet.part] else { throw XLSXError("no part \(sheet.part) for sheet '\(sheet.name)'") }
        var rows: [BatchFile.SourceRow] = []
        var row: BatchFile.SourceRow?
        var nextRow = 1
        var column = 0
        var type = "n"
        var value: String?
        var inline = ""
        var collecting: String?
        var failure: XLSXError?
        let strings = sharedStrings

        func finishCell() {
            guard var current = row else { return }
            let text: String
            var number: Double?
            switch type {
            case "s":
                guard let index = value.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), strings.indices.contains(index) else {
                    failure = failure ?? XLSXError("\(sheet.name)!\(BatchFile.Place.letters(column))\(current.line): no shared string \(value ?? "")")
                    return
                }
                text = strings[index]
            case "inlineStr": text = inline
            case "d": text = String((value ?? "").prefix(10))
            case "n":
                text = value ?? ""
                number = value.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            default: text = value ?? ""
            }
            if !text.isEmpty {
                while current.cells.count < column { current.cells.append(BatchFile.Cell("")) }
                if current.cells.count == column { current.cells.append(BatchFile.Cell(text, number: number)) }
            }
            row = current
        }

        try XMLEvents.parse(data, part: sheet.part, start: { element, attributes in
            switch element {
            case "row":
                let number = attributes["r"].flatMap { Int($0) } ?? nextRow
                guard number >= nextRow, number <= XLSXWorkbook.maximumRow else {
                    failure = failure ?? XLSXError("\(sheet.name): row \(number) out of order or beyond Excel's last row")
                    return
                }
                row = BatchFile.SourceRow(line: number, cells: [])
                nextRow = number + 1
                column = 0
            case "c":
                if let reference = attributes["r"] {
                    guard let parsed = XLSXWorkbook.column(of: reference), parsed >= (row?.cells.count ?? 0) else {
                        failure = failure ?? XLSXError("\(sheet.name): bad or repeated cell reference '\(reference)'")
                        return
                    }
                    column = parsed
                }
                type = attributes["t"] ?? "n"
                value = nil
                inline = ""
            case "v": collecting = "v"; value = ""
            case "is": collecting = "is"
            case "rPh": collecting = nil
            default: break
            }
        }, end: { element in
            switch element {
            case "c":
                finishCell()
                column += 1
            case "row":
                if let current = row, !current.cells.isEmpty { rows.append(current) }
                row = nil
            case "v", "is": collecting = nil
            default: break
            }
        }, text: { text in
            switch collecting {
            case "v": value = (value ?? "") + text
            case "is": inline += text
            default: break
            }
        })
        if let failure { throw failure }
        return rows
    }

    /// The column (0 for A) of a cell reference like `C7`; nil when malformed or beyond XFD.
    static func column(of reference: String) -> Int? {
        var column = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            switch scalar.value {
            case 65...90: column = column * 26 + Int(scalar.value) - 64
            case 97...122: column = column * 26 + Int(scalar.value) - 96
            default:
                guard letters > 0, (48...57).contains(scalar.value) else { return nil }
                return column - 1 < maximumColumn ? column - 1 : nil
            }
            letters += 1
            if letters > 3 { return nil }
        }
        return nil
    }
}
