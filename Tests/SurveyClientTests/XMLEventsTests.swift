import Foundation
@testable import SurveyXLSX
import Testing

/// The XML layer under the workbook reader.
@Suite struct XMLEventsTests {
    final class Recorded: @unchecked Sendable {
        var events: [String] = []
    }

    func events(_ xml: [UInt8]) throws(XLSXError) -> [String] {
        let recorded = Recorded()
        try XMLEvents.parse(Data(xml), part: "test.xml", start: { name, attributes in
            recorded.events.append("<\(name)" + attributes.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined() + ">")
        }, end: { recorded.events.append("</\($0)>") }, text: { recorded.events.append($0) })
        return recorded.events
    }

    @Test func prefixesDroppedAndReferencesDecoded() throws {
        let xml = #"<x:row xmlns:x="urn:x" xmlns:r="urn:r" x:r="7"><x:c r:id="a&amp;b">Nh&#226;n d&#xE2;n</x:c></x:row>"#
        let seen = try events(Array(xml.utf8))
        #expect(seen.first == "<row r=7>")
        #expect(seen.contains("<c id=a&b>"))
        #expect(seen.filter { !$0.hasPrefix("<") }.joined() == "Nhân dân")
        #expect(seen.suffix(2) == ["</c>", "</row>"])
    }

    /// Found by fuzzing (fuzz/corpus/FuzzXLSX/regression-invalid-utf8-attribute): FoundationXML
    /// trapped on an attribute name that is not UTF-8.
    @Test(arguments: [
        (Array(#"<a "#.utf8) + [0xFF, 0xFF, 0xDB] + Array(#"s="1"/>"#.utf8), "not UTF-8"),
        (Array("<a>\n<b c=></b></a>".utf8), "test.xml: line 2"),
        ([0xEF, 0xBB], "not UTF-8"),
    ])
    func badPartsAreErrors(xml: [UInt8], expected: String) {
        let error = #expect(throws: XLSXError.self) { try events(xml) }
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
    }

    @Test(arguments: [("C7", 2), ("AA10", 26), ("xfd1", 16_383), ("XFE1", nil), ("7", nil), ("C", nil), ("ABCD1", nil), ("", nil)] as [(String, Int?)])
    func cellReferences(reference: String, column: Int?) {
        #expect(XLSXWorkbook.column(of: reference) == column)
    }
}
