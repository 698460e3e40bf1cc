/// A reply of the collaborator protocol: a three-digit code in the SMTP classes (2xx done, 3xx go
/// on, 4xx temporary, 5xx permanent), a stable enhanced status (`class.subject.detail`, as in
/// RFC 3463) and one or more lines of human-readable text.
public struct Reply: Equatable, Sendable, CustomStringConvertible {
    public var code: Int
    public var status: String
    public var lines: [String]

    public init(_ code: Int, _ status: String, _ lines: [String]) {
        precondition(!lines.isEmpty, "a reply has at least one line")
        self.code = code
        self.status = status
        self.lines = lines
    }

    public init(_ code: Int, _ status: String, _ text: String) {
        self.init(code, status, [text])
    }

    /// Whether the client should retry later (4xx).
    public var isTemporary: Bool { (400..<500).contains(code) }
    /// Whether the command succeeded (2xx).
    public var isSuccess: Bool { (200..<300).contains(code) }

    /// The wire form: `CODE STATUS TEXT` lines ending in CRLF; every line but the last has `-`
    /// after the code.
    public var encoded: String {
        var text = ""
        for (offset, line) in lines.enumerated() {
            let separator = offset == lines.count - 1 ? " " : "-"
            text += "\(code)\(separator)\(status) \(line)\r\n"
        }
        return text
    }

    public var description: String { encoded }

    /// Parses the lines of one reply (as read from the wire, line ends removed); nil if malformed.
    public init?(wireLines: [String]) {
        guard let first = wireLines.first, first.count >= 4, let code = Int(first.prefix(3)) else { return nil }
        var status = ""
        var texts: [String] = []
        for (offset, line) in wireLines.enumerated() {
            let bytes = Array(line)
            guard bytes.count >= 4, String(bytes[0..<3]) == String(code) else { return nil }
            let last = offset == wireLines.count - 1
            guard bytes[3] == (last ? " " : "-") else { return nil }
            let rest = String(bytes[4...])
            let parts = rest.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            status = String(parts[0])
            texts.append(parts.count > 1 ? String(parts[1]) : "")
        }
        self.init(code, status, texts)
    }
}
