import Foundation
import SurveyCSV
import Testing
@testable import SurveyWeb

@Suite struct MultipartTests {
    static func body(_ text: String) -> [UInt8] { Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

    @Test func readsAFormWithAFile() throws {
        let body = MultipartTests.body("""
        --XyZ
        Content-Disposition: form-data; name="csrf"

        abc123
        --XyZ
        Content-Disposition: form-data; name="file"; filename="phiếu đơn vị.csv"
        Content-Type: text/csv

        a,b
        1,2

        --XyZ--

        """)
        let form = try Multipart(body: body, boundary: "XyZ")
        #expect(form.parts.count == 2)
        #expect(form.text("csrf") == "abc123")
        #expect(form.part("file")?.filename == "phiếu đơn vị.csv")
        #expect(form.part("file")?.contentType == "text/csv")
        #expect(form.part("file").map { String(decoding: $0.data, as: UTF8.self) } == "a,b\r\n1,2\r\n")
    }

    @Test func binaryContentIsKeptByteForByte() throws {
        let payload: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0x0D, 0x0A, 0x2D, 0x2D, 0x00, 0xFF]
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.xlsx\"\r\n\r\n".utf8) + payload + Array("\r\n--b--\r\n".utf8)
        let form = try Multipart(body: body, boundary: "b")
        #expect(form.part("file")?.data == payload)
    }

    static let malformed: [(String, Multipart.Failure)] = [
        ("", .malformed),
        ("--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nno end", .malformed),
        ("--XyZ\nContent-Disposition: form-data\n\nx\n--XyZ--\n", .malformed),
        ("--XyZ\nContent-Disposition: attachment; name=\"a\"\n\nx\n--XyZ--\n", .malformed),
        ("--XyZ\nno colon here\n\nx\n--XyZ--\n", .malformed),
        ("--XyZ\nContent-Disposition: form-data; name=\"a\"\nno blank line\n--XyZ--\n", .malformed),
        (String(repeating: "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nx\n", count: 9) + "--XyZ--\n", .tooManyParts(8)),
    ]

    @Test(arguments: malformed.indices)
    func refusesWhatIsNotTheFormat(_ index: Int) {
        let (text, failure) = MultipartTests.malformed[index]
        #expect(throws: failure) { try Multipart(body: MultipartTests.body(text), boundary: "XyZ") }
    }

    @Test(arguments: [
        ("multipart/form-data; boundary=abc", "abc"),
        ("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"", "a b"),
        ("multipart/form-data;boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", "----WebKitFormBoundary7MA4YWxkTrZu0gW"),
    ])
    func findsTheBoundary(_ header: String, _ boundary: String) {
        #expect(Multipart.boundary(contentType: header) == .success(boundary))
    }

    @Test func refusesOtherContentTypes() {
        #expect(Multipart.boundary(contentType: "application/x-www-form-urlencoded") == .failure(.notMultipart))
        #expect(Multipart.boundary(contentType: "multipart/form-data") == .failure(.noBoundary))
        #expect(Multipart.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)) == .failure(.noBoundary))
    }
}

@Suite struct FormFieldsTests {
    @Test(arguments: [
        ("a=1&b=x%20y", ["a": "1", "b": "x y"]),
        ("name=admin&password=p%26w%3D1+2", ["name": "admin", "password": "p&w=1 2"]),
        ("collaborator=7&token=", ["collaborator": "7", "token": ""]),
        ("a=1&a=2", ["a": "1"]),
        ("t%E1%BB%AB=%C4%91%C3%BAng", ["từ": "đúng"]),
        ("", [:]),
    ])
    func decodes(_ body: String, _ expected: [String: String]) {
        #expect(FormFields(urlEncoded: Array(body.utf8))?.values == expected)
    }

    @Test(arguments: ["a=%zz", "a=%4", "a=%FF%FE"])
    func refusesBadEscapes(_ body: String) {
        #expect(FormFields(urlEncoded: Array(body.utf8)) == nil)
    }
}

@Suite struct PageLanguageTests {
    @Test(arguments: [
        (nil, nil, Messages.Language.vietnamese),
        ("en", nil, .english),
        ("vi", "en-US,en;q=0.9", .vietnamese),
        ("xx", "en-GB", .english),
        (nil, "en-US,en;q=0.9,vi;q=0.8", .english),
        (nil, "vi-VN,vi;q=0.9,en;q=0.8", .vietnamese),
        (nil, "fr-FR,en;q=0.5", .english),
        (nil, "fr-FR", .vietnamese),
        (nil, "en;q=0", .vietnamese),
    ] as [(String?, String?, Messages.Language)])
    func choosesTheLanguage(_ query: String?, _ accept: String?, _ expected: Messages.Language) {
        #expect(Messages.Language.forPage(query: query, acceptLanguage: accept) == expected)
    }

    @Test func pagesEscapeWhatTheyShow() {
        let pages = WebPages(language: .vietnamese, title: "T")
        let html = pages.signIn(csrf: "\"><script>", error: "<b>x</b>")
        #expect(!html.contains("<script>") && !html.contains("<b>x</b>"))
        #expect(html.contains("&lt;b&gt;x&lt;/b&gt;"))
        let result = pages.collaboratorHome(id: 3, unit: "DH", unitName: "Huyện <Định Hóa>", csrf: "c", result: .problems([.init(place: "Phiếu!C7", message: "'<x>' không có trong danh sách")]))
        #expect(result.contains("Phiếu!C7") && result.contains("&#39;&lt;x&gt;&#39;") && result.contains("Huyện &lt;Định Hóa&gt;"))
        #expect(result.contains("name=\"csrf\" value=\"c\""))
    }

    @Test(arguments: [
        (UploadResult.accepted(responses: 2, batch: "b"), "Đã nhận 2 ý kiến", "Accepted: 2 responses"),
        (.alreadyReceived(responses: 2, batch: "b", receivedAt: "2026-12-07T02:54:58Z"), "Đã nhận từ trước", "Already received"),
        (.held(responses: 1, batch: "b"), "chờ quản trị viên duyệt", "once an administrator approves"),
        (.refused("too large"), "Chưa lưu gì", "Nothing stored"),
        (.unavailable("down"), "hãy gửi lại sau", "send it again later"),
    ])
    func resultsSayWhatHappened(_ result: UploadResult, _ vietnamese: String, _ english: String) {
        #expect(WebPages(language: .vietnamese, title: "T").collaboratorHome(id: 1, unit: "DH", unitName: nil, csrf: "c", result: result).contains(vietnamese))
        #expect(WebPages(language: .english, title: "T").collaboratorHome(id: 1, unit: "DH", unitName: nil, csrf: "c", result: result).contains(english))
    }
}
