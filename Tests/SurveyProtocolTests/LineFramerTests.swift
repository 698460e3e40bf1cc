import SurveyProtocol
import Testing

@Suite struct LineFramerTests {
    func lines(_ text: String) -> [FramedLine] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { .line(ArraySlice($0.utf8)) }
    }

    @Test func manyLinesInOneBuffer() {
        var framer = LineFramer(maxLineBytes: 16)
        #expect(framer.push(Array("PING\r\nHELP\nQUIT\r\n".utf8)) == [.line(ArraySlice("PING".utf8)), .line(ArraySlice("HELP".utf8)), .line(ArraySlice("QUIT".utf8))])
        #expect(!framer.hasPartialLine)
    }

    @Test func oneByteAtATimeGivesTheSameLines() {
        let input = Array("AUTH 1 abc\r\nBATCH b1 2\nR 2026-11-20 T G S\r\n\r\nCOMMIT\n".utf8)
        var whole = LineFramer(maxLineBytes: 64)
        let expected = whole.push(input)
        var framer = LineFramer(maxLineBytes: 64)
        var collected: [FramedLine] = []
        for byte in input { collected += framer.push([byte]) }
        #expect(collected == expected)
        #expect(collected.count == 5)
        #expect(collected[3] == .line([]))
    }

    @Test func overlongLineIsDroppedWhileReadingAndReportedOnce() {
        var framer = LineFramer(maxLineBytes: 8)
        var out: [FramedLine] = []
        for _ in 0..<1000 {
            out += framer.push(Array(repeating: UInt8(ascii: "x"), count: 100))
            // The framer never holds more than the limit plus one byte.
            #expect(framer.bufferedByteCount <= 9)
        }
        #expect(out.isEmpty)
        out += framer.push(Array("xx\nPING\n".utf8))
        #expect(out == [.overlong, .line(ArraySlice("PING".utf8))])
    }

    @Test func limitIsExclusiveOfTheLineEnd() {
        var framer = LineFramer(maxLineBytes: 4)
        #expect(framer.push(Array("ABCD\r\nABCD\nABCDE\nABCDE\r\n".utf8)) == [.line(ArraySlice("ABCD".utf8)), .line(ArraySlice("ABCD".utf8)), .overlong, .overlong])
    }

    @Test func partialLineIsKeptAcrossPushes() {
        var framer = LineFramer(maxLineBytes: 32)
        #expect(framer.push(Array("PI".utf8)).isEmpty)
        #expect(framer.hasPartialLine)
        #expect(framer.push(Array("NG\r".utf8)).isEmpty)
        #expect(framer.push(Array("\n".utf8)) == [.line(ArraySlice("PING".utf8))])
    }
}
