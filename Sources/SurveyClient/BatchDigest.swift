import Crypto
import Foundation
import SurveyModel

/// SHA-256 helpers for client-side batch ids.
public enum BatchDigest {
    /// Lower-case hex SHA-256 of the UTF-8 text.
    public static func hex(of text: String) -> String {
        Array(SHA256.hash(data: Data(text.utf8))).hexString
    }
}
