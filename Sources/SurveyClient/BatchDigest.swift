import Crypto
import Foundation
@_exported import SurveyCSV
@_exported import SurveyXLSX
import SurveyModel

/// SHA-256 helpers for client-side batch ids.
public enum BatchDigest {
    /// Lower-case hex SHA-256 of the UTF-8 text.
    public static func hex(of text: String) -> String {
        Array(SHA256.hash(data: Data(text.utf8))).hexString
    }
}

extension BatchFile {
    /// A batch id that depends only on the collaborator and the rows' content (codes compared
    /// without regard to case, as the server does), so sending the same file again after any
    /// failure, or after re-saving it, can never count it twice.
    public func batchID(collaboratorID: Int64) -> String {
        let content = responseLines.map { $0.uppercased() }.joined(separator: "\n")
        return "csv-" + BatchDigest.hex(of: "\(collaboratorID)\n" + content).prefix(40)
    }
}
