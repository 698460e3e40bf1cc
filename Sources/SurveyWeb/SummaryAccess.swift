/// Who may read which file of the summaries folder, as nginx asks through `auth_request`: the
/// province's administrators everything, a unit's administrators their unit's view
/// (`/units/CODE/…`) and nothing else. Paths are checked after percent-decoding; anything that
/// could step out of a folder (`..`, `.`, a backslash, a NUL, an encoded slash) is refused.
public enum SummaryAccess {
    /// The answer to one request.
    public enum Decision: Sendable, Equatable {
        case allow
        /// Not signed in (or the session ended): nginx sends the sign-in page.
        case signIn
        /// Signed in, but outside the account's scope (or a path that is never served).
        case forbidden
    }

    /// The decision for `uri` (the original request URI, query included) and a signed-in
    /// administrator's `scope` (nil: nobody signed in).
    public static func decide(uri: String, scope: Scope?) -> Decision {
        guard let scope else { return .signIn }
        guard let components = pathComponents(uri) else { return .forbidden }
        switch scope {
        case .province:
            return .allow
        case let .unit(code):
            return components.count >= 2 && components[0] == "units" && components[1] == code ? .allow : .forbidden
        }
    }

    /// The decoded components of the path of `uri`, or nil when it is malformed or could step
    /// out of a folder. `/` gives `[]`; `/units/A/` gives `["units", "A"]`.
    public static func pathComponents(_ uri: String) -> [String]? {
        let path = uri.prefix { $0 != "?" && $0 != "#" }
        guard path.hasPrefix("/") else { return nil }
        var components: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            guard let decoded = percentDecoded(raw) else { return nil }
            if decoded.isEmpty { continue }
            if decoded == "." || decoded == ".." || decoded.contains("/") || decoded.contains("\\") || decoded.contains("\0") {
                return nil
            }
            components.append(decoded)
        }
        return components
    }

    /// `%XX` decoded (UTF-8); nil for a bad escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
