import Foundation
import SurveyClient
import Testing

@Suite struct BatchFileCSVTests {
    @Test func excelCSVUTF8WithBOMAndCRLF() throws {
        let text = "\u{FEFF}date,topic,group,sentiment\r\n2026-11-20,CDS,ND,DONGTINH\r\n\"2026-11-21\",\"YTE\",CB,PHANVAN\r\n\r\n\r\n"
        let file = try BatchFile(csv: Data(text.utf8))
        #expect(file.problems.isEmpty)
        #expect(file.rows == [
            .init(line: 2, fields: ["2026-11-20", "CDS", "ND", "DONGTINH"]),
            .init(line: 3, fields: ["2026-11-21", "YTE", "CB", "PHANVAN"]),
        ])
        #expect(file.responseLines == ["R 2026-11-20 CDS ND DONGTINH", "R 2026-11-21 YTE CB PHANVAN"])
    }

    @Test func columnsInAnyOrderWithVietnameseHeadersAndSemicolons() throws {
        let text = "Thái độ;Ngày;Chủ đề;Nhóm;Ghi chú\n DONGTINH ;2026-11-20;CDS;ND;\"bản 1;a\"\n"
        let file = try BatchFile(csv: Data(text.utf8))
        #expect(file.rows.map(\.fields) == [["2026-11-20", "CDS", "ND", "DONGTINH"]])
    }

    @Test func lineNumbersCountBlankLinesAndQuotedNewlines() throws {
        let text = "date,topic,group,sentiment,note\n2026-11-20,CDS,ND,DT,\"two\nlines\"\n\n2026-11-20,,ND,DT,x\n2026-11-20,CDS,ND\n2026-11-20,C S,ND,DT,x\n2026-11-20,YTE,ND,DT,x\n"
        let file = try BatchFile(csv: Data(text.utf8))
        #expect(file.rows.map(\.line) == [2, 8])
        #expect(file.problems.map(\.line) == [5, 6, 7])
        #expect(file.problems[0].message == "topic: the cell is empty")
        #expect(file.problems[2].message.contains("contains a space"))
    }

    /// Found by fuzzing (fuzz/corpus/FuzzCSV/regression-nul-in-date): control characters inside a
    /// cell are a problem of that line, not sent to the server.
    @Test func controlCharactersInACellAreAProblemOfTheirLine() throws {
        let file = try BatchFile(csv: Data("date;topic;group;sentiment\n202\u{0}911-20;CDS;ND;DT\n2026-11-20;CDS;ND\u{7}X;DT\n2026-11-20;CDS;ND;DT\n".utf8))
        #expect(file.rows.map(\.line) == [4])
        #expect(file.problems.map(\.line) == [2, 3])
        #expect(file.problems.map(\.message) == [
            "date: the cell contains a control character (U+0000)", "group: the cell contains a control character (U+0007)",
        ])
    }

    @Test func unusableFilesAreExplained() {
        #expect((#expect(throws: BatchFile.Problem.self) { try BatchFile(csv: Data([0x64, 0xFF, 0x0A])) })?.message.contains("neither UTF-8 nor UTF-16") == true)
        #expect((#expect(throws: BatchFile.Problem.self) { try BatchFile(csv: Data("date,topic,sentiment\n".utf8)) })?.message.contains("no 'group' column") == true)
        #expect((#expect(throws: BatchFile.Problem.self) { try BatchFile(csv: Data("date,topic,group,sentiment\r\n".utf8)) })?.message.contains("no responses") == true)
        #expect((#expect(throws: BatchFile.Problem.self) { try BatchFile(csv: Data()) })?.message == "the file is empty")
    }

    @Test func batchIDDependsOnCollaboratorAndContentOnly() throws {
        let crlf = try BatchFile(csv: Data("\u{FEFF}date,topic,group,sentiment\r\n2026-11-20,CDS,ND,DT\r\n".utf8))
        let lf = try BatchFile(csv: Data("date,topic,group,sentiment\n2026-11-20,CDS,ND,DT\n\n".utf8))
        let other = try BatchFile(csv: Data("date,topic,group,sentiment\n2026-11-20,CDS,ND,KDT\n".utf8))
        #expect(crlf.batchID(collaboratorID: 1) == lf.batchID(collaboratorID: 1))
        #expect(crlf.batchID(collaboratorID: 1) != crlf.batchID(collaboratorID: 2))
        #expect(crlf.batchID(collaboratorID: 1) != other.batchID(collaboratorID: 1))
        #expect(crlf.batchID(collaboratorID: 1).hasPrefix("csv-"))
        #expect(crlf.batchID(collaboratorID: 1).count == 44)
    }
}
