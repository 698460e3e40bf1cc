import Foundation
import SurveyClient
import Testing

/// Reading workbooks made by openpyxl and by LibreOffice (Fixtures/make-fixtures.py says what
/// each holds).
@Suite struct WorkbookTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func read(_ name: String, sheet: String? = nil) throws -> BatchFile {
        try BatchFile(path: fixtures.appendingPathComponent(name).path, sheet: sheet)
    }

    /// Rows 2, 3 and 5 of the first sheet in every copy; row 4 is empty, the note column ignored.
    static let common: [BatchFile.Row] = [
        .init(line: 2, fields: ["2026-11-20", "CDS", "ND", "DONGTINH"]),
        .init(line: 3, fields: ["2026-11-29", "YTE", "CB", "PHANVAN"]),
        .init(line: 5, fields: ["2026-02-01", "YTE", "DV", "KHONGDONGTINH"]),
    ]

    @Test func openpyxlInlineStringsAndFormulasWithoutCachedValues() throws {
        let file = try Self.read("openpyxl.xlsx")
        #expect(file.rows.map(\.fields) == Self.common.map(\.fields))
        #expect(file.rows.map(\.line) == [2, 3, 5])
        #expect(file.rows[0].places[2].description == "Phiếu!C2")
        // openpyxl stores no value for a formula: the cell is empty.
        #expect(file.problems.map(\.description) == [
            "Phiếu!A6: date: '31/02/2026' is not a date (write DD/MM/YYYY, D/M/YYYY or YYYY-MM-DD)",
            "Phiếu!C7: group: 'Nông dân' is not in the list (Cán bộ, Đảng viên, Nhân dân)",
            "Phiếu!A8: date: the cell is empty",
        ])
    }

    @Test func libreOfficeSharedStringsAndCachedFormulaValues() throws {
        let file = try Self.read("libreoffice.xlsx")
        #expect(file.rows.map(\.fields) == Self.common.map(\.fields) + [["2026-11-21", "YTE", "ND", "DONGTINH"]])
        #expect(file.rows.map(\.line) == [2, 3, 5, 8])
        #expect(file.problems.map { $0.place?.description } == ["Phiếu!A6", "Phiếu!C7"])
    }

    @Test func secondSheetByNameAndUnknownSheets() throws {
        let other = try Self.read("libreoffice.xlsx", sheet: "khác")
        #expect(other.rows == [.init(line: 2, fields: ["2026-10-01", "CDS", "CB", "PHANVAN"], places: (0..<4).map {
            .init(line: 2, sheet: "Khác", column: $0)
        })])
        let missing = #expect(throws: BatchFile.Problem.self) { try Self.read("openpyxl.xlsx", sheet: "Sheet9") }
        #expect(missing?.kind == .noSheet("Sheet9", available: ["Phiếu", "Khác", "Danh mục"]))
    }

    @Test func dateSystem1904() throws {
        let file = try Self.read("mac1904.xlsx")
        #expect(file.rows.map(\.fields) == [["2026-11-20", "CDS", "ND", "DONGTINH"], ["2024-02-29", "YTE", "CB", "PHANVAN"]])
    }

    @Test func unicodeTextFromExcel() throws {
        let file = try Self.read("unicode-text.txt")
        #expect(file.rows == [
            .init(line: 2, fields: ["2026-11-29", "CDS", "ND", "DONGTINH"]), .init(line: 3, fields: ["2026-02-01", "YTE", "CB", "PHANVAN"]),
        ])
    }

    /// The same responses give the same batch id from a workbook, CSV UTF-8 and UTF-16.
    @Test func batchIDDependsOnResponsesNotFormat() throws {
        let workbook = try Self.read("libreoffice.xlsx")
        let csv = try BatchFile(csv: Data("""
        date,topic,group,sentiment
        2026-11-20,cds,ND,DONGTINH
        29/11/2026,YTE,CB,PHANVAN
        2026-02-01,YTE,DV,KHONGDONGTINH
        21/11/2026,YTE,ND,DONGTINH
        """.utf8))
        #expect(workbook.batchID(collaboratorID: 3) == csv.batchID(collaboratorID: 3))
        let fewer = try BatchFile(csv: Data("date,topic,group,sentiment\n2026-11-20,CDS,ND,DONGTINH\n".utf8))
        #expect(workbook.batchID(collaboratorID: 3) != fewer.batchID(collaboratorID: 3))
    }

    @Test(arguments: [Data(), Data("PK\u{3}\u{4}not a zip".utf8), Data("plain text".utf8)])
    func damagedWorkbooksAreRefused(data: Data) {
        #expect(throws: BatchFile.Problem.self) { try BatchFile(xlsx: data) }
    }

    /// Found by fuzzing (Fixtures/damaged-offset-beyond-end.bin, libreoffice.xlsx with one bit
    /// changed; its first byte was the fuzz target's mode): an entry whose data offset lies beyond
    /// the end of the file trapped inside ZIPFoundation's in-memory archive; read from a file, it
    /// is a damaged workbook.
    @Test func entryBeyondTheEndIsADamagedWorkbook() throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("damaged-offset-beyond-end.bin")).dropFirst()
        let problem = #expect(throws: BatchFile.Problem.self) { try BatchFile(xlsx: Data(data)) }
        guard case .notAWorkbook? = problem?.kind else {
            Issue.record("expected a damaged workbook, got \(String(describing: problem))")
            return
        }
    }
}
