import Foundation

/// The fields of an `application/x-www-form-urlencoded` body (`a=1&b=x%20y`), as a browser
/// posts a form. Pure; a malformed escape makes the whole body unreadable.
public struct FormFields: Sendable, Equatable {
    public var values: [String: String]

    /// Nil for a body with a bad escape or text that is not UTF-8.
    public init?(urlEncoded body: some Collection<UInt8>) {
        guard let text = String(validating: Array(body), as: UTF8.self) else { return nil }
        var values: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = FormFields.decode(parts[0]), let value = FormFields.decode(parts.count > 1 ? parts[1] : "") else { return nil }
            if values[name] == nil { values[name] = value }
        }
        self.values = values
    }

    public subscript(name: String) -> String? { values[name] }

    static func decode(_ text: Substring) -> String? {
        SummaryAccess.percentDecoded(Substring(text.replacingOccurrences(of: "+", with: " ")))
    }
}
