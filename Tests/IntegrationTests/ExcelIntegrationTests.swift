import Foundation
import SurveyClient
import SurveyConfig
import SurveyModel
import Testing

/// A collaborator's way with only Excel: `surveyctl template` → filled in (openpyxl, and the same
/// file saved again by LibreOffice) → `surveyctl submit` → one accepted batch; the same responses
/// as CSV give the same batch id. The template's validations are read with openpyxl and it is
/// opened in headless LibreOffice (Tests/IntegrationTests/excel-roundtrip.py, one LibreOffice start).
@Suite struct ExcelIntegrationTests {
    static let round = """
      - { code: KHONGDONGTINH, label: "Không đồng tình", polarity: -1 }

    rounds:
      - code: THANG-CDS
        title: "Thăm dò về chuyển đổi số"
        topics: [CDS, YTE]
        from: \(today.adding(days: -20))
        to: \(today.adding(days: 5))
        targets: { default: 10 }
    """

    struct Found: Decodable {
        struct Workbook: Decodable {
            struct Validation: Decodable, Equatable {
                var type: String
                var sqref: String
                var formula1: String?
                var formula2: String?
                var showErrorMessage: Bool
            }

            var sheets: [String]
            var states: [String]
            var header: [String]
            var freeze: String?
            var widths: [String: Double]
            var validations: [Validation]
            var lists: [[String?]]
            var instructions: [String]
        }

        struct Office: Decodable {
            var status: Int32
            var stderr: String
            var files: [String]
        }

        var template: Workbook
        var libreoffice: Office
        var convertedTemplate: Workbook?
    }

    @Test func templateFilledInExcelToolsIsAcceptedOnceWhateverTheFormat() async throws {
        let daemon = try Daemon(replacing: [RoundIntegrationTests.sentiments: Self.round])
        let collaborator = try daemon.addCollaborators(units: ["DHTN"])[0]
        try await daemon.start()
        let work = daemon.directory.appendingPathComponent("excel")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let template = work.appendingPathComponent("phieu.xlsx").path

        let made = try await run("surveyctl", ["template", "--config", daemon.configPath, "--unit", "dhtn", "--round", "THANG-CDS",
                                               "--output", template, "--lang", "vi"])
        #expect(made.status == 0, "\(made.stderr)")
        let first = today.adding(days: -20), last = today.adding(days: 5)
        #expect(made.stdout == "đã ghi \(template) cho đơn vị DHTN: ngày từ \(XLSXTemplate.dayMonthYear(first)) đến \(XLSXTemplate.dayMonthYear(last)), 2 chủ đề\n")

        // Labels as the drop-down lists show them, in the configuration's spelling.
        let configuration = try Configuration.load(path: daemon.configPath)
        let catalog = configuration.catalog
        let responses: [(LocalDate, String, String, String)] = [
            (today.adding(days: -1), "CDS", "ND", "DONGTINH"), (today.adding(days: -2), "YTE", "CB", "PHANVAN"),
            (today, "CDS", "DV", "KHONGDONGTINH"),
        ]
        let rows = try responses.map { date, topic, group, sentiment in
            [date.description, try #require(catalog.topic(topic)).title, try #require(catalog.group(group)).name,
             try #require(catalog.sentiment(sentiment)).label]
        }
        let rowsPath = work.appendingPathComponent("rows.json").path
        try JSONEncoder().encode(rows).write(to: URL(fileURLWithPath: rowsPath))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("excel-roundtrip.py").path
        let played = try await run("/usr/bin/python3", [script, template, work.path, rowsPath], timeout: 300)
        #expect(played.status == 0, "\(played.stderr)")
        let found = try JSONDecoder().decode(Found.self, from: Data(played.stdout.utf8))

        // The template as openpyxl reads it.
        let expectedLists = ["Chăm sóc sức khỏe nhân dân", "Chuyển đổi số"]
        for workbook in [found.template, try #require(found.convertedTemplate, "LibreOffice wrote no template")] {
            #expect(workbook.sheets == ["Phiếu", "Hướng dẫn", "Danh mục"])
            #expect(workbook.states == ["visible", "visible", "hidden"])
            #expect(workbook.header == ["Ngày", "Chủ đề", "Nhóm", "Thái độ"])
            #expect(Set(workbook.lists.compactMap { $0[1] }) == Set(expectedLists))
            #expect(workbook.lists.compactMap { $0[3] } == catalog.groups.map(\.name))
            #expect(workbook.lists.compactMap { $0[5] } == catalog.sentiments.map(\.label))
            let byColumn = Dictionary(workbook.validations.map { ($0.sqref.prefix(1), $0) }) { a, _ in a }
            let date = try #require(byColumn["A"])
            #expect(date.type == "date" && date.showErrorMessage)
            #expect(date.formula1 == String(ExcelDate.serial(of: first)) && date.formula2 == String(ExcelDate.serial(of: last)))
            for (column, listColumn, count) in [("B", "B", 2), ("C", "D", 3), ("D", "F", 3)] {
                let list = try #require(byColumn[Substring(column)], "no list for column \(column)")
                #expect(list.type == "list" && list.showErrorMessage)
                #expect(list.sqref.hasPrefix("\(column)2:\(column)"))
                #expect(list.formula1 == "'Danh mục'!$\(listColumn)$2:$\(listColumn)$\(count + 1)")
            }
        }
        // Headless LibreOffice has no view to save: only the template itself has the frozen header.
        #expect(found.template.freeze == "A2")
        #expect((found.template.widths["B"] ?? 0) >= Double("Chăm sóc sức khỏe nhân dân".count))
        #expect(found.template.instructions.contains { $0.contains("Thăm dò về chuyển đổi số (THANG-CDS)") })
        #expect(found.libreoffice.status == 0 && found.libreoffice.files == ["filled.xlsx", "phieu.xlsx"], "\(found.libreoffice)")

        // Submitted as filled in, as LibreOffice saved it, and as CSV: one batch.
        let submit = { (path: String) in
            try await run("surveyctl", ["submit", path, "--server", "127.0.0.1:\(daemon.port)", "--collaborator", String(collaborator.id)],
                          environment: ["SURVEYD_TOKEN": collaborator.token, "LANG": "C.UTF-8"])
        }
        let filled = try await submit(work.appendingPathComponent("filled.xlsx").path)
        #expect(filled.status == 0, "\(filled.stderr)")
        #expect(filled.stdout.hasPrefix("accepted 3 responses (batch csv-"), "\(filled.stdout)")
        let converted = try await submit(work.appendingPathComponent("lo/filled.xlsx").path)
        #expect(converted.status == 0, "\(converted.stderr)")
        // The same responses: one batch, and it says so.
        let batchID = try #require(filled.stdout.split(separator: "(batch ").last?.prefix { $0 != ")" })
        #expect(converted.stdout.hasPrefix("already received: 3 responses (batch \(batchID)) were stored before"), "\(converted.stdout)")
        let csv = "date,topic,group,sentiment\n" + responses.map { "\($0.0),\($0.1),\($0.2),\($0.3)" }.joined(separator: "\n")
        let csvPath = work.appendingPathComponent("same.csv").path
        try Data(csv.utf8).write(to: URL(fileURLWithPath: csvPath))
        let asCSV = try await submit(csvPath)
        #expect(asCSV.stdout == converted.stdout, "\(asCSV.stderr)")
        #expect(try daemon.count("SELECT COUNT(*) FROM batches") == 1)
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 3)
        #expect(try daemon.count("""
            SELECT COUNT(*) FROM responses r JOIN topics t ON t.id = r.topic_id JOIN respondent_groups g ON g.id = r.group_id
            JOIN sentiments s ON s.id = r.sentiment_id WHERE t.code = 'CDS' AND g.code = 'DV' AND s.code = 'KHONGDONGTINH'
            """) == 1)
    }

    /// Every bad cell of a workbook is named in one run, in Vietnamese with --lang vi; nothing is sent.
    @Test func badCellsAreNamedBySheetAndCellAndNothingIsSent() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["DHTN"])[0]
        try await daemon.start()
        let template = daemon.directory.appendingPathComponent("phieu.xlsx").path
        let made = try await run("surveyctl", ["template", "--config", daemon.configPath, "--unit", "DHTN", "--output", template],
                                 environment: ["LANG": "en_GB.UTF-8"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.hasPrefix("wrote \(template) for unit DHTN: dates "))
        #expect(made.stdout.hasSuffix(", 7 topics\n"), "\(made.stdout)")
        let rows = [[today.description, "Chuyển đổi số", "Nông dân", "Đồng tình"], ["31/02/2026", "CDS", "ND", "DONGTINH"],
                    [today.description, "CDS", "ND", "DONGTINH"]]
        let rowsPath = daemon.directory.appendingPathComponent("rows.json").path
        try JSONEncoder().encode(rows).write(to: URL(fileURLWithPath: rowsPath))
        let filled = daemon.directory.appendingPathComponent("filled.xlsx").path
        let fill = """
        import datetime, json, sys, openpyxl
        wb = openpyxl.load_workbook(sys.argv[1])
        for r, row in enumerate(json.load(open(sys.argv[2], encoding="utf-8")), start=7):
            for c, value in enumerate(row, start=1):
                wb.worksheets[0].cell(row=r, column=c, value=value)
        wb.save(sys.argv[3])
        """
        let filling = try await run("/usr/bin/python3", ["-c", fill, template, rowsPath, filled])
        #expect(filling.status == 0, "\(filling.stderr)")
        let result = try await run("surveyctl", ["submit", filled, "--server", "127.0.0.1:\(daemon.port)", "--collaborator",
                                                 String(collaborator.id), "--lang", "vi"], environment: ["SURVEYD_TOKEN": collaborator.token])
        #expect(result.status == 65)
        #expect(result.stderr == """
        surveyctl: \(filled): Phiếu!C7: nhóm: 'Nông dân' không có trong danh sách (Cán bộ, Đảng viên, Nhân dân)
        surveyctl: \(filled): Phiếu!A8: ngày: '31/02/2026' không phải là ngày (ghi NN/TT/NNNN, N/T/NNNN hoặc NNNN-TT-NN)
        surveyctl: \(filled): 2 dòng sai; chưa gửi gì

        """)
        #expect(try daemon.count("SELECT COUNT(*) FROM batches") == 0)
    }
}
