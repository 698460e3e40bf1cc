import Crypto
import Foundation

/// SHA-256 helpers for client-side batch ids.
public enum BatchDigest {
    /// Lower-case hex SHA-256 of the UTF-8 text.
    public static func hex(of text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }
}
