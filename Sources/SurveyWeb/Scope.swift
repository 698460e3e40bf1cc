/// What a web account may read: the whole province, or one unit (its own view of the summaries,
/// `units/CODE/`, which holds the province's figures and its own rows only).
public enum Scope: Sendable, Hashable, CustomStringConvertible {
    case province
    case unit(String)

    /// Reads `province` or `unit:CODE` (as the accounts file stores it).
    public init?(stored text: String) {
        if text == "province" {
            self = .province
        } else if text.hasPrefix("unit:"), let code = Optional(String(text.dropFirst(5))), Scope.isValidCode(code) {
            self = .unit(code)
        } else {
            return nil
        }
    }

    /// `province` or `unit:CODE`.
    public var stored: String {
        switch self {
        case .province: "province"
        case let .unit(code): "unit:\(code)"
        }
    }

    public var description: String { stored }

    /// The page an account of this scope starts from.
    public var home: String {
        switch self {
        case .province: "/index.html"
        case let .unit(code): "/units/\(code)/index.html"
        }
    }

    /// A unit code as the configuration allows it (1 to 32 of A-Z, a-z, 0-9, `-`, `_`, `.`) that
    /// is also safe as a folder name (not only dots).
    public static func isValidCode(_ code: String) -> Bool {
        !code.isEmpty && code.utf8.count <= 32 && !code.allSatisfy { $0 == "." }
            && code.unicodeScalars.allSatisfy {
                ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "."
            }
    }
}
