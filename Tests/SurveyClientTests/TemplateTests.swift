import Foundation
import SurveyClient
import Testing

/// The template read back by the reader (LibreOffice and openpyxl read it in ExcelIntegrationTests).
@Suite struct TemplateTests {
    @Test func templateReadsBackWithItsLists() throws {
        let template = XLSXTemplate(
            unitCode: "DHTN", unitName: "Đại học Thái Nguyên", round: ("Q4", "Quý IV"),
            topics: [.init(code: "CDS", label: "Chuyển đổi số & <dữ liệu>")], groups: [.init(code: "ND", label: "Nhân dân")],
            sentiments: [.init(code: "DONGTINH", label: "Đồng tình"), .init(code: "PHANVAN", label: "Phân vân")],
            firstDate: try #require(.init(iso: "2026-10-01")), lastDate: try #require(.init(iso: "2026-12-31"))
        )
        let data = try template.data()
        #expect(try template.data() == data)
        let workbook = try XLSXWorkbook(data: data)
        #expect(workbook.sheets.map(\.name) == ["Phiếu", "Hướng dẫn", "Danh mục"])
        #expect(try workbook.rows(of: workbook.sheets[0]).map { $0.cells.map(\.text) } == [["Ngày", "Chủ đề", "Nhóm", "Thái độ"]])
        // An empty template has a header but no responses.
        #expect((#expect(throws: BatchFile.Problem.self) { try BatchFile(xlsx: data) })?.kind == .noResponses)
        let instructions = try workbook.rows(of: workbook.sheets[1]).flatMap { $0.cells.map(\.text) }.joined(separator: "\n")
        #expect(instructions.contains("01/10/2026 đến 31/12/2026"))
        #expect(instructions.contains("Chuyển đổi số & <dữ liệu> (CDS)"))
    }
}
