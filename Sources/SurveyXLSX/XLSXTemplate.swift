import Foundation
import SurveyCSV
import SurveyModel
import ZIPFoundation

/// The workbook a collaborator fills in (`surveyctl template`): a data sheet with the header,
/// frozen, the date column formatted DD/MM/YYYY and validated within the accepted dates, drop-down
/// lists of the configured Vietnamese labels for topic, group and sentiment; a sheet of
/// instructions in Vietnamese; and the hidden lists sheet (see ``TemplateLayout``).
public struct XLSXTemplate: Sendable {
    public var unitCode: String
    public var unitName: String
    /// The round's code and title, when the template is for a round.
    public var round: (code: String, title: String)?
    public var topics: [BatchFile.Choices.Choice]
    public var groups: [BatchFile.Choices.Choice]
    public var sentiments: [BatchFile.Choices.Choice]
    /// The first and last collection dates the date column accepts.
    public var firstDate: LocalDate
    public var lastDate: LocalDate
    /// How many rows below the header carry the validations.
    public var rows: Int

    public init(
        unitCode: String, unitName: String, round: (code: String, title: String)? = nil,
        topics: [BatchFile.Choices.Choice], groups: [BatchFile.Choices.Choice], sentiments: [BatchFile.Choices.Choice],
        firstDate: LocalDate, lastDate: LocalDate, rows: Int = 1000
    ) {
        self.unitCode = unitCode
        self.unitName = unitName
        self.round = round
        self.topics = topics
        self.groups = groups
        self.sentiments = sentiments
        self.firstDate = firstDate
        self.lastDate = lastDate
        self.rows = max(rows, 1)
    }

    /// The .xlsx file's bytes; the same template gives the same bytes.
    public func data() throws -> Data {
        var strings = SharedStrings()
        let parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes),
            ("_rels/.rels", rootRelations),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbookRelations),
            ("xl/styles.xml", styles),
            ("xl/worksheets/sheet1.xml", dataSheet(&strings)),
            ("xl/worksheets/sheet2.xml", instructionsSheet(&strings)),
            ("xl/worksheets/sheet3.xml", listsSheet(&strings)),
            ("xl/sharedStrings.xml", strings.xml),
        ]
        let archive = try Archive(data: Data(), accessMode: .create)
        // A fixed time: the same template is the same file.
        let modified = Date(timeIntervalSince1970: 1_767_225_600)
        for (path, text) in parts {
            let bytes = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: modified,
                                 compressionMethod: .deflate) { position, size in
                let start = Int(position)
                return bytes.subdata(in: start..<min(start + size, bytes.count))
            }
        }
        guard let data = archive.data else { throw XLSXError("the archive was not written") }
        return data
    }

    private static let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    private static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    private static let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    private var contentTypes: String {
        let sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
        return XLSXTemplate.header + """
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/worksheets/sheet1.xml" ContentType="\(sheet)"/>\
        <Override PartName="/xl/worksheets/sheet2.xml" ContentType="\(sheet)"/>\
        <Override PartName="/xl/worksheets/sheet3.xml" ContentType="\(sheet)"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
        </Types>
        """
    }

    private var rootRelations: String {
        XLSXTemplate.header + """
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="\(XLSXTemplate.relationships)/officeDocument" Target="xl/workbook.xml"/>\
        </Relationships>
        """
    }

    private var workbook: String {
        XLSXTemplate.header + """
        <workbook xmlns="\(XLSXTemplate.main)" xmlns:r="\(XLSXTemplate.relationships)">\
        <workbookPr/><bookViews><workbookView activeTab="0"/></bookViews><sheets>\
        <sheet name="\(xml(TemplateLayout.dataSheet))" sheetId="1" r:id="rId1"/>\
        <sheet name="\(xml(TemplateLayout.instructionsSheet))" sheetId="2" r:id="rId2"/>\
        <sheet name="\(xml(TemplateLayout.listsSheet))" sheetId="3" state="hidden" r:id="rId3"/>\
        </sheets></workbook>
        """
    }

    private var workbookRelations: String {
        let type = XLSXTemplate.relationships
        return XLSXTemplate.header + """
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="\(type)/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="\(type)/worksheet" Target="worksheets/sheet2.xml"/>\
        <Relationship Id="rId3" Type="\(type)/worksheet" Target="worksheets/sheet3.xml"/>\
        <Relationship Id="rId4" Type="\(type)/styles" Target="styles.xml"/>\
        <Relationship Id="rId5" Type="\(type)/sharedStrings" Target="sharedStrings.xml"/>\
        </Relationships>
        """
    }

    /// Styles: 0 default, 1 bold header, 2 date DD/MM/YYYY, 3 wrapped text.
    private var styles: String {
        XLSXTemplate.header + """
        <styleSheet xmlns="\(XLSXTemplate.main)">\
        <numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>\
        <fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
        <font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
        <fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>\
        <fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>\
        <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf></cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
        </styleSheet>
        """
    }

    private func dataSheet(_ strings: inout SharedStrings) -> String {
        let last = rows + 1
        let headerCells = TemplateLayout.headers.enumerated().map { column, name in
            "<c r=\"\(BatchFile.Place.letters(column))1\" s=\"1\" t=\"s\"><v>\(strings.index(name))</v></c>"
        }.joined()
        let first = ExcelDate.serial(of: firstDate)
        let end = ExcelDate.serial(of: lastDate)
        let shown = "\(XLSXTemplate.dayMonthYear(firstDate)) – \(XLSXTemplate.dayMonthYear(lastDate))"
        func list(_ column: String, _ listColumn: String, _ count: Int, _ title: String) -> String {
            """
            <dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1" \
            errorTitle="\(xml(title))" error="\(xml("Hãy chọn trong danh sách."))" promptTitle="\(xml(title))" \
            prompt="\(xml("Chọn trong danh sách."))" sqref="\(column)2:\(column)\(last)">\
            <formula1>'\(xml(TemplateLayout.listsSheet))'!$\(listColumn)$2:$\(listColumn)$\(max(count, 1) + 1)</formula1></dataValidation>
            """
        }
        return XLSXTemplate.header + """
        <worksheet xmlns="\(XLSXTemplate.main)" xmlns:r="\(XLSXTemplate.relationships)">\
        <dimension ref="A1:D1"/>\
        <sheetViews><sheetView tabSelected="1" workbookViewId="0">\
        <pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>\
        <selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>\
        <sheetFormatPr defaultRowHeight="15"/>\
        <cols><col min="1" max="1" width="14" style="2" customWidth="1"/>\
        <col min="2" max="2" width="\(TemplateXML.width(topics))" customWidth="1"/>\
        <col min="3" max="3" width="\(TemplateXML.width(groups))" customWidth="1"/>\
        <col min="4" max="4" width="\(TemplateXML.width(sentiments))" customWidth="1"/>\
        <col min="5" max="5" width="30" customWidth="1"/></cols>\
        <sheetData><row r="1">\(headerCells)</row></sheetData>\
        <dataValidations count="4">\
        <dataValidation type="date" operator="between" allowBlank="1" showInputMessage="1" showErrorMessage="1" \
        errorTitle="\(xml("Ngày"))" error="\(xml("Ngày thu thập phải từ \(shown), ghi NN/TT/NNNN."))" \
        promptTitle="\(xml("Ngày"))" prompt="\(xml("Ngày thu thập ý kiến (NN/TT/NNNN), \(shown)."))" sqref="A2:A\(last)">\
        <formula1>\(first)</formula1><formula2>\(end)</formula2></dataValidation>\
        \(list("B", "B", topics.count, "Chủ đề"))\(list("C", "D", groups.count, "Nhóm"))\(list("D", "F", sentiments.count, "Thái độ"))\
        </dataValidations>\
        <pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>\
        </worksheet>
        """
    }

    private func instructionsSheet(_ strings: inout SharedStrings) -> String {
        var lines = [
            "Phiếu nhập ý kiến dư luận xã hội: \(unitName) (\(unitCode))",
        ]
        if let round { lines.append("Đợt điều tra: \(round.title) (\(round.code))") }
        lines += [
            "",
            "1. Ghi vào trang «\(TemplateLayout.dataSheet)», mỗi dòng là ý kiến của một người về một chủ đề.",
            "2. Ngày: ngày thu thập ý kiến, ghi NN/TT/NNNN (ví dụ 29/11/2026), từ \(XLSXTemplate.dayMonthYear(firstDate)) đến \(XLSXTemplate.dayMonthYear(lastDate)).",
            "3. Chủ đề, Nhóm, Thái độ: chọn trong danh sách thả xuống của ô (có thể ghi mã).",
            "4. Không ghi họ tên, số điện thoại, địa chỉ hay điều gì khác về người được hỏi.",
            "5. Dòng trống được bỏ qua; cột thêm ở bên phải (ghi chú) không được gửi.",
            "6. Lưu tệp dạng Excel (.xlsx) rồi gửi: surveyctl submit TỆP.xlsx --collaborator MÃ_SỐ --token-file TỆP_MÃ_TRUY_CẬP",
            "7. Gửi lại cùng một tệp (ví dụ khi mất kết nối) không bị tính hai lần.",
            "",
            "Danh sách:",
        ]
        for (title, list) in [("Chủ đề", topics), ("Nhóm", groups), ("Thái độ", sentiments)] {
            lines.append("\(title): " + list.map { "\($0.label) (\($0.code))" }.joined(separator: "; "))
        }
        let rowsXML = lines.enumerated().map { index, text in
            text.isEmpty ? "" : "<row r=\"\(index + 1)\"><c r=\"A\(index + 1)\" s=\"\(index == 0 ? 1 : 3)\" t=\"s\"><v>\(strings.index(text))</v></c></row>"
        }.joined()
        return XLSXTemplate.header + """
        <worksheet xmlns="\(XLSXTemplate.main)"><sheetViews><sheetView workbookViewId="0"/></sheetViews>\
        <sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="110" customWidth="1"/></cols>\
        <sheetData>\(rowsXML)</sheetData></worksheet>
        """
    }

    private func listsSheet(_ strings: inout SharedStrings) -> String {
        let lists = [topics, groups, sentiments]
        let count = lists.map(\.count).max() ?? 0
        var rowsXML = "<row r=\"1\">" + TemplateLayout.listHeaders.enumerated().map { column, name in
            "<c r=\"\(BatchFile.Place.letters(column))1\" s=\"1\" t=\"s\"><v>\(strings.index(name))</v></c>"
        }.joined() + "</row>"
        for index in 0..<count {
            var cells = ""
            for (list, choices) in lists.enumerated() where choices.indices.contains(index) {
                for (offset, text) in [choices[index].code, choices[index].label].enumerated() {
                    cells += "<c r=\"\(BatchFile.Place.letters(2 * list + offset))\(index + 2)\" t=\"s\"><v>\(strings.index(text))</v></c>"
                }
            }
            rowsXML += "<row r=\"\(index + 2)\">\(cells)</row>"
        }
        return XLSXTemplate.header + """
        <worksheet xmlns="\(XLSXTemplate.main)"><sheetViews><sheetView workbookViewId="0"/></sheetViews>\
        <sheetFormatPr defaultRowHeight="15"/><sheetData>\(rowsXML)</sheetData></worksheet>
        """
    }

    private func xml(_ text: String) -> String { text.markupEscaped }

    /// DD/MM/YYYY, as collaborators write dates.
    public static func dayMonthYear(_ date: LocalDate) -> String {
        let (year, month, day) = date.components
        return String(format: "%02d/%02d/%04d", day, month, year)
    }
}

/// The shared strings table of a workbook being written.
struct SharedStrings {
    private(set) var strings: [String] = []
    private var indices: [String: Int] = [:]

    mutating func index(_ text: String) -> Int {
        if let index = indices[text] { return index }
        strings.append(text)
        indices[text] = strings.count - 1
        return strings.count - 1
    }

    var xml: String {
        #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
            + "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"\(strings.count)\" uniqueCount=\"\(strings.count)\">"
            + strings.map { "<si><t xml:space=\"preserve\">\($0.markupEscaped)</t></si>" }.joined() + "</sst>"
    }
}

/// Small pieces of the template's XML.
enum TemplateXML {
    /// A column width that shows the longest label (between 12 and 60 characters).
    static func width(_ choices: [BatchFile.Choices.Choice]) -> Int {
        min(max((choices.map(\.label.count).max() ?? 0) + 4, 12), 60)
    }
}
