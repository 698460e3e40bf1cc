/// A configuration problem an operator must fix: which file, which key, which line, and why.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    /// Dotted key path, e.g. `units[3].code`; nil for whole-file problems.
    public var key: String?
    /// 1-based line in the file, when known.
    public var line: Int?
    public var reason: String

    public init(file: String, key: String?, line: Int?, reason: String) {
        self.file = file
        self.key = key
        self.line = line
        self.reason = reason
    }

    /// `FILE:LINE: KEY: REASON`.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        return text + reason
    }
}
