import Foundation
import SurveyCSV

extension BatchFile {
    /// Reads the responses of one sheet of an Excel workbook (the first, or `sheet`), rows
    /// numbered as Excel numbers them. When the workbook carries the template's lists, labels
    /// chosen from them are read as their codes, and values not in them are problems; a workbook
    /// without them reads the labels of `known` (the server's lists) the same way.
    public init(xlsx data: Data, sheet name: String? = nil, known: Choices = .none) throws(Problem) {
        try self.init(workbook: { () throws(XLSXError) in try XLSXWorkbook(data: data) }, sheet: name, known: known)
    }

    /// Reads one sheet of the workbook at `url` (see ``init(xlsx:sheet:)``).
    public init(xlsx url: URL, sheet name: String? = nil, known: Choices = .none) throws(Problem) {
        try self.init(workbook: { () throws(XLSXError) in try XLSXWorkbook(url: url) }, sheet: name, known: known)
    }

    private init(workbook open: () throws(XLSXError) -> XLSXWorkbook, sheet name: String?, known: Choices) throws(Problem) {
        let workbook: XLSXWorkbook
        let rows: [SourceRow]
        let sheet: XLSXWorkbook.Sheet
        let choices: Choices
        do {
            workbook = try open()
            guard let found = workbook.sheet(named: name) else {
                throw Problem(.noSheet(name ?? "", available: workbook.sheets.map(\.name)))
            }
            sheet = found
            rows = try workbook.rows(of: sheet)
            let carried = try TemplateLayout.choices(in: workbook)
            choices = carried == .none ? known : carried
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(.notAWorkbook("\(error)"))
        }
        try self.init(rows: rows, sheet: sheet.name, date1904: workbook.date1904, choices: choices)
    }
}
