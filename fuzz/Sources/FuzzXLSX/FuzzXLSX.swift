// libFuzzer target: the workbook reader of `surveyctl submit`. The input is put by ZIPFoundation
// into an otherwise valid workbook: the first byte picks where (odd: the first sheet's XML; even:
// the shared strings, read by a fixed sheet) and the date system (bit 1). Whole .xlsx files are
// not fuzzed here: ZIPFoundation 0.9.20 loops forever on a deflate stream cut short by the end
// of the file, a hang in the library that no check of ours can prevent (`surveyctl submit` bounds
// the time it reads; WorkbookTests.damagedWorkbooksAreRefused and
// entryBeyondTheEndIsADamagedWorkbook cover damaged containers). The reader must accept or refuse
// with a problem, never crash, and every row it accepts must be four single tokens with an ISO
// date and the sheet's cells as places.
import Foundation
import FuzzDriver
import SurveyCSV
import SurveyXLSX
import ZIPFoundation

private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant broken: \(message())") }
}

@_cdecl("FuzzXLSX_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}

/// A workbook around `sheet` or around `strings`: one data sheet "Phiếu", shared strings, and the
/// lists sheet.
func workbook(sheet: Data?, strings: Data?, date1904: Bool) -> Data? {
    let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    let parts: [(String, Data)] = [
        ("xl/workbook.xml", Data("""
        <workbook xmlns="\(main)" xmlns:r="\(relationships)"><workbookPr date1904="\(date1904 ? 1 : 0)"/><sheets>\
        <sheet name="Phiếu" sheetId="1" r:id="rId1"/><sheet name="Danh mục" sheetId="2" r:id="rId2"/></sheets></workbook>
        """.utf8)),
        ("xl/_rels/workbook.xml.rels", Data("""
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="\(relationships)/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="\(relationships)/worksheet" Target="/xl/worksheets/sheet2.xml"/></Relationships>
        """.utf8)),
        ("xl/sharedStrings.xml", strings ?? Data("""
        <sst xmlns="\(main)"><si><t>Ngày</t></si><si><t>Chủ đề</t></si><si><t>Nhóm</t></si><si><t>Thái độ</t></si>\
        <si><r><t>Nhân </t></r><r><t>dân</t></r></si><si><t>CDS</t><rPh><t>x</t></rPh></si></sst>
        """.utf8)),
        ("xl/worksheets/sheet1.xml", sheet ?? Data("""
        <worksheet xmlns="\(main)"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>\
        <c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row><row r="2"><c r="A2" t="s"><v>4</v></c>\
        <c r="B2" t="s"><v>5</v></c><c r="C2" t="s"><v>6</v></c><c r="D2" t="s"><v>7</v></c></row>\
        <row r="3"><c r="A3"><v>46346</v></c><c r="B3" t="s"><v>8</v></c><c r="C3" t="s"><v>9</v></c><c r="D3" t="s"><v>3</v></c></row>\
        </sheetData></worksheet>
        """.utf8)),
        ("xl/worksheets/sheet2.xml", Data("""
        <worksheet xmlns="\(main)"><sheetData><row r="2"><c r="A2" t="s"><v>5</v></c><c r="B2" t="inlineStr"><is><t>Chuyển đổi số</t></is></c>\
        <c r="C2" t="inlineStr"><is><t>ND</t></is></c><c r="D2" t="s"><v>4</v></c></row></sheetData></worksheet>
        """.utf8)),
    ]
    guard let archive = try? Archive(data: Data(), accessMode: .create, pathEncoding: nil) else { return nil }
    for (path, bytes) in parts {
        do {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count)) { position, size in
                bytes.subdata(in: Int(position)..<min(Int(position) + size, bytes.count))
            }
        } catch {
            return nil
        }
    }
    return archive.data
}

/// One input.
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let mode = data[0]
    let body = Data(bytes: data + 1, count: size - 1)
    guard let file = mode & 1 == 1 ? workbook(sheet: body, strings: nil, date1904: mode & 2 != 0)
        : workbook(sheet: nil, strings: body, date1904: mode & 2 != 0)
    else { return 0 }
    do {
        let batch = try BatchFile(xlsx: file)
        for row in batch.rows {
            require(row.line >= 1, "a row on line \(row.line)")
            require(row.fields.count == 4 && row.places.count == 4, "\(row.fields.count) fields")
            require(BatchFile.date(row.fields[0]) != nil && row.fields[0].count == 10, "date not ISO: \(row.fields[0].debugDescription)")
            for field in row.fields {
                require(!field.isEmpty, "empty field accepted")
                require(!field.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 }, "whitespace inside a field: \(field.debugDescription)")
            }
            for place in row.places {
                require(place.sheet != nil && place.line == row.line && place.column != nil, "place \(place) for row \(row.line)")
            }
        }
        for problem in batch.problems {
            require(!problem.message.isEmpty && problem.place?.sheet != nil, "a problem without a message or a cell: \(problem)")
        }
    } catch {
        require(!error.message.isEmpty, "an error without a message")
    }
    return 0
}
