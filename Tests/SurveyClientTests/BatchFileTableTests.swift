import Foundation
import SurveyClient
import SurveyModel
import Testing

/// The pure parts: dates, Excel serials, column names, labels, UTF-16.
@Suite struct BatchFileTableTests {
    @Test(arguments: [
        ("29/11/2026", "2026-11-29"), ("1/2/2026", "2026-02-01"), ("01/02/2026", "2026-02-01"), ("2026-11-29", "2026-11-29"),
        ("29/2/2024", "2024-02-29"), ("29/2/2026", nil), ("31/04/2026", nil), ("29/11/26", nil), ("2026/11/29", nil),
        ("001/2/2026", nil), ("29-11-2026", nil), ("1/13/2026", nil), ("a/b/2026", nil), ("", nil),
    ] as [(String, String?)])
    func vietnameseAndISODates(text: String, iso: String?) {
        #expect(BatchFile.date(text)?.description == iso)
    }

    @Test(arguments: [
        (1.0, false, "1900-01-01"), (59, false, "1900-02-28"), (60, false, nil), (61, false, "1900-03-01"),
        (46_346, false, "2026-11-20"), (46_346.75, false, "2026-11-20"), (0, false, nil), (-3, false, nil),
        (0, true, "1904-01-01"), (44_884, true, "2026-11-20"), (2_958_465, false, "9999-12-31"), (2_958_466, false, nil),
        (.nan, false, nil), (.infinity, true, nil),
    ] as [(Double, Bool, String?)])
    func excelSerials(serial: Double, date1904: Bool, iso: String?) {
        #expect(ExcelDate.date(serial: serial, date1904: date1904)?.description == iso)
    }

    @Test func serialsRoundTrip() throws {
        let date = try #require(LocalDate(iso: "2026-11-29"))
        #expect(ExcelDate.date(serial: Double(ExcelDate.serial(of: date)), date1904: false) == date)
    }

    @Test(arguments: [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (16_383, "XFD")])
    func columnLetters(column: Int, letters: String) {
        #expect(BatchFile.Place.letters(column) == letters)
        #expect(BatchFile.Place(line: 7, sheet: "Phiếu", column: column).description == "Phiếu!\(letters)7")
    }

    static let choices = BatchFile.Choices(
        topics: [.init(code: "CDS", label: "Chuyển đổi số")],
        groups: [.init(code: "ND", label: "Nhân dân"), .init(code: "CB", label: "Cán bộ")],
        sentiments: [.init(code: "DONGTINH", label: "Đồng tình")]
    )

    /// Labels match without regard to case, blanks or Unicode normalisation (NFD as macOS types).
    @Test(arguments: [
        ("Nhân dân", "ND"), ("nhân dân", "ND"), ("NHÂN  DÂN", "ND"), ("Nha\u{0302}n da\u{0302}n", "ND"), ("nd", "ND"), ("\u{A0}Cán bộ ", "CB"),
    ])
    func labelsAreReadAsCodes(typed: String, code: String) throws {
        let file = try BatchFile(rows: [
            .init(line: 1, cells: ["date", "topic", "group", "sentiment"].map { .init($0) }),
            .init(line: 2, cells: ["29/11/2026", "chuyển đổi số", typed, "ĐỒNG TÌNH"].map { .init($0) }),
        ], sheet: "Phiếu", choices: Self.choices)
        #expect(file.problems.isEmpty)
        #expect(file.rows.map(\.fields) == [["2026-11-29", "CDS", code, "DONGTINH"]])
    }

    @Test func problemsNameSheetCellAndField() throws {
        let file = try BatchFile(rows: [
            .init(line: 3, cells: ["", "Thái độ", "Nhóm", "Chủ đề", "Ngày"].map { .init($0) }),
            .init(line: 4, cells: ["x", "Đồng tình", "Nông dân", "CDS", "1/1/2026"].map { .init($0) }),
            .init(line: 5, cells: []),
            .init(line: 6, cells: [.init(""), .init("DONGTINH"), .init("CB"), .init("CDS"), .init("46346", number: 46_346)]),
            .init(line: 9, cells: [.init("note"), .init("DONGTINH"), .init("CB"), .init("CDS")]),
        ], sheet: "Phiếu", choices: Self.choices)
        #expect(file.rows == [.init(line: 6, fields: ["2026-11-20", "CDS", "CB", "DONGTINH"], places: [4, 3, 2, 1].map {
            BatchFile.Place(line: 6, sheet: "Phiếu", column: $0)
        })])
        #expect(file.problems.map(\.description) == [
            "Phiếu!C4: group: 'Nông dân' is not in the list (Nhân dân, Cán bộ)",
            "Phiếu!E9: date: the cell is empty",
        ])
        #expect(Messages(.vietnamese).problem(file.problems[0]) == "nhóm: 'Nông dân' không có trong danh sách (Nhân dân, Cán bộ)")
    }

    /// The labels the server reports translate; anything else goes to the server as it is
    /// (it names every bad line), but a value with a space still cannot be a code.
    @Test(arguments: [
        ("Nhân dân", "ND", nil),
        ("nd", "ND", nil),
        ("Khác", "Khác", nil),
        ("Nông dân", nil, "2: group: 'Nông dân' contains a space (write the code, or use the template's lists)"),
    ] as [(String, String?, String?)])
    func theServersLabelsTranslateButDoNotJudge(typed: String, sent: String?, problem: String?) throws {
        let known = BatchFile.Choices(topics: Self.choices[.topic], groups: Self.choices[.group], sentiments: Self.choices[.sentiment], strict: false)
        let file = try BatchFile(csv: Data("date,topic,group,sentiment\n29/11/2026,Chuyển đổi số,\(typed),Đồng tình\n".utf8), choices: known)
        #expect(file.rows.map(\.fields) == (sent.map { [["2026-11-29", "CDS", $0, "DONGTINH"]] } ?? []))
        #expect(file.problems.map(\.description) == (problem.map { [$0] } ?? []))
    }

    @Test func withoutListsALabelIsNotSentAsACode() throws {
        let file = try BatchFile(csv: Data("date,topic,group,sentiment\n29/11/2026,CDS,Nhân dân,DONGTINH\n".utf8))
        #expect(file.problems.map(\.description) == ["2: group: 'Nhân dân' contains a space (write the code, or use the template's lists)"])
    }

    @Test(arguments: [String.Encoding.utf16LittleEndian, .utf16BigEndian])
    func unicodeTextIsUTF16WithTabs(encoding: String.Encoding) throws {
        let text = "\u{FEFF}Ngày\tChủ đề\tNhóm\tThái độ\r\n29/11/2026\tCDS\tND\tDONGTINH\r\n"
        let file = try BatchFile(csv: try #require(text.data(using: encoding)))
        #expect(file.rows.map(\.fields) == [["2026-11-29", "CDS", "ND", "DONGTINH"]])
    }

    @Test func windowsCodePageIsRefusedWithAdvice() {
        // "Ngày" in Windows-1258 (0xF9 is not UTF-8, and there is no UTF-16 byte-order mark).
        let problem = #expect(throws: BatchFile.Problem.self) { try BatchFile(csv: Data([0x4E, 0x67, 0xE0, 0x79, 0x0A, 0xF9])) }
        #expect(problem?.kind == .notText)
        #expect(problem?.message.contains("CSV UTF-8") == true)
    }
}
