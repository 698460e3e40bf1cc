// libFuzzer target: arbitrary bytes as a batch file for `surveyctl submit`. The reader must accept
// or refuse with a problem that names a line, never crash, and every row it accepts must hold the
// four fields, none empty, each a single protocol token.
import Foundation
import FuzzDriver
import SurveyCSV

private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant broken: \(message())") }
}

@_cdecl("FuzzCSV_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}

/// One input.
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Data(bytes: data, count: size)
    do {
        let file = try BatchFile(csv: input)
        for row in file.rows {
            require(row.line >= 2, "a row on line \(row.line)")
            require(row.fields.count == 4, "\(row.fields.count) fields")
            for field in row.fields {
                require(!field.isEmpty, "empty field accepted")
                require(!field.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 }, "whitespace inside a field: \(field.debugDescription)")
            }
        }
        for problem in file.problems {
            require(!problem.message.isEmpty, "a problem without a message")
        }
        require(file.responseLines.count == file.rows.count, "lines and rows differ")
    } catch {
        require(!error.message.isEmpty, "an error without a message")
    }
    return 0
}
