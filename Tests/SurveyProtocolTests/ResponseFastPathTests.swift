import SurveyModel
import SurveyProtocol
import Testing
import TestSupport

/// The byte-level reading of response lines must accept exactly what the general path accepts,
/// with the same result; whatever it declines goes to the general path, which explains the error.
@Suite struct ResponseFastPathTests {
    static let validator = ResponseValidator(context: CollaboratorSessionTests.context, today: CollaboratorSessionTests.today)

    /// The general path: parse the line as a command, then validate its fields.
    static func general(_ line: [UInt8]) -> Result<Response, LineError>? {
        guard let text = String(validating: line, as: UTF8.self),
              case let .success(.response(fields)) = Command.parse(text) else { return nil }
        return validator.validate(fields, line: 1)
    }

    @Test(arguments: [
        "R 2026-11-20 CDS ND DONGTINH",
        "r 2026-11-20 cds nd dongtinh",
        "R\t2026-11-22  CdS\tcb   KhongDongTinh",
        "R 2026-11-23 CDS ND DONGTINH",
        "R 2026-10-23 CDS ND DONGTINH",
        "R 2026-10-31 COVID ND DONGTINH",
        "R 2026-11-20 CDS ND DONGTINH ",
        "  R 2026-11-20 CDS ND DONGTINH",
    ])
    func validLinesTakeTheFastPath(_ text: String) throws {
        let fast = try #require(Self.validator.fastResponse(ArraySlice(text.utf8)))
        #expect(Self.general(Array(text.utf8)) == .success(fast))
    }

    @Test(arguments: [
        "R 2026-11-24 CDS ND DONGTINH",        // in the future
        "R 2026-10-22 CDS ND DONGTINH",        // too old
        "R 2026-11-01 COVID ND DONGTINH",      // topic closed
        "R 2026-02-30 CDS ND DONGTINH",        // no such day
        "R 2026-11-20 CDS ND",                 // a field missing
        "R 2026-11-20 CDS ND DONGTINH extra",  // a field too many
        "R 2026-11-20 XYZ ND DONGTINH",        // unknown topic
        "R 2026-11-20 CDS XX DONGTINH",        // unknown group
        "R 2026-11-20 CDS ND MAYBE",           // unknown sentiment
        "R 20261120 CDS ND DONGTINH",          // bad date
        "R 2026-11-20 CDS ND ĐỒNG",            // not ASCII
        "RR 2026-11-20 CDS ND DONGTINH",       // not an R line
        "R 2026-11-20 CDS ND DONG\u{7F}TINH",  // control character
    ])
    func everythingElseIsLeftToTheGeneralPath(_ text: String) {
        #expect(Self.validator.fastResponse(ArraySlice(text.utf8)) == nil)
    }

    /// Random lines built from good and bad pieces, and random byte mutations of good lines: the
    /// fast path never accepts what the general path refuses, never differs in the result, and
    /// takes every plain ASCII line that the general path accepts.
    @Test func agreesWithTheGeneralPathOnRandomLines() {
        var generator = SeededGenerator.forTest()
        let verbs = ["R", "r", "RR", ""], separators = [" ", "\t", "  ", " \t"]
        let dates = ["2026-11-20", "2026-11-23", "2026-11-24", "2026-10-23", "2026-10-22", "2026-02-29", "2024-02-29", "2026-13-01", "x"]
        let topics = ["CDS", "cds", "COVID", "covid", "CDSX", "", "Đ"], groups = ["ND", "cb", "XX", "nd"]
        let sentiments = ["DONGTINH", "khongdongtinh", "DONGTINH1", "ĐT"]
        var accepted = 0
        for round in 0..<20_000 {
            var line = Array(([verbs.randomElement(using: &generator)!, dates.randomElement(using: &generator)!,
                               topics.randomElement(using: &generator)!, groups.randomElement(using: &generator)!,
                               sentiments.randomElement(using: &generator)!] as [String])
                .joined(separator: separators.randomElement(using: &generator)!).utf8)
            if round % 3 == 0, !line.isEmpty {
                line[Int.random(in: 0..<line.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            // A slice that does not start at index 0, as the framer hands them out.
            let storage = [UInt8]("xx".utf8) + line
            let fast = Self.validator.fastResponse(storage[2...])
            let general = Self.general(line)
            if let fast {
                accepted += 1
                #expect(general == .success(fast), "\(String(decoding: line, as: UTF8.self))")
            } else if case .success = general, line.allSatisfy({ $0 < 0x80 }) {
                Issue.record("the fast path declined a plain valid line: \(String(decoding: line, as: UTF8.self))")
            }
        }
        #expect(accepted > 100)
    }
}
