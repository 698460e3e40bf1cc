/// A command of the collaborator protocol, parsed from one line. Verbs are case-insensitive.
public enum Command: Equatable, Sendable {
    /// `AUTH <collaborator-id> <token>`
    case auth(collaboratorID: Int64, token: String)
    /// `BATCH <batch-id> <count>`
    case batch(id: String, count: Int)
    /// `R <date> <topic> <group> <sentiment>`: one response inside a batch (fields unchecked here).
    case response(fields: [Substring])
    case commit
    case abort
    case ping
    case quit
    case help
    /// `LABELS`: the codes and labels of topics, groups and sentiments (so that a client can read
    /// files that name them by label).
    case labels

    /// Usage lines, as shown by HELP and in syntax errors.
    public static let usage: [(verb: String, usage: String)] = [
        ("AUTH", "AUTH <collaborator-id> <token>"),
        ("BATCH", "BATCH <batch-id> <count>"),
        ("R", "R <YYYY-MM-DD> <topic> <group> <sentiment>"),
        ("COMMIT", "COMMIT"),
        ("ABORT", "ABORT"),
        ("PING", "PING"),
        ("QUIT", "QUIT"),
        ("HELP", "HELP"),
        ("LABELS", "LABELS"),
    ]

    /// Longest batch id in bytes.
    public static let maxBatchIDBytes = 64
    /// Longest token in bytes.
    public static let maxTokenBytes = 128

    /// Whether `line` is a response line (`R …`), without decoding it.
    public static func isResponseLine(_ line: some Collection<UInt8>) -> Bool {
        var bytes = line.makeIterator()
        guard let first = bytes.next(), let second = bytes.next() else { return false }
        return (first == UInt8(ascii: "R") || first == UInt8(ascii: "r"))
            && (second == UInt8(ascii: " ") || second == UInt8(ascii: "\t"))
    }

    /// Whether `line` is `COMMIT` (any case, blanks around it allowed), without decoding it.
    public static func isCommitLine(_ line: some Collection<UInt8>) -> Bool {
        let word = line.drop { $0 == 0x20 || $0 == 0x09 }.prefix { $0 != 0x20 && $0 != 0x09 }
        return word.count == 6 && zip(word, "COMMIT".utf8).allSatisfy { $0 & 0xDF == $1 }
            && line.drop { $0 == 0x20 || $0 == 0x09 }.dropFirst(6).allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    /// Parses one line of text (already known to be valid UTF-8, line end removed).
    public static func parse(_ line: String) -> Result<Command, CommandError> {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let verbWord = words.first else { return .failure(.empty) }
        let verb = verbWord.uppercased()
        let arguments = Array(words.dropFirst())
        func syntax() -> Result<Command, CommandError> {
            .failure(.syntax(verb: verb, usage: usage.first { $0.verb == verb }?.usage ?? verb))
        }
        switch verb {
        case "AUTH":
            guard arguments.count == 2, isDigits(arguments[0]), let id = Int64(arguments[0]), id > 0,
                  !arguments[1].isEmpty, arguments[1].utf8.count <= maxTokenBytes
            else { return syntax() }
            return .success(.auth(collaboratorID: id, token: String(arguments[1])))
        case "BATCH":
            guard arguments.count == 2, isValidBatchID(arguments[0]), isDigits(arguments[1]), let count = Int(arguments[1]), count >= 1 else {
                return syntax()
            }
            return .success(.batch(id: String(arguments[0]), count: count))
        case "R":
            return .success(.response(fields: arguments))
        case "COMMIT", "ABORT", "PING", "QUIT", "HELP", "LABELS":
            guard arguments.isEmpty else { return syntax() }
            switch verb {
            case "COMMIT": return .success(.commit)
            case "ABORT": return .success(.abort)
            case "PING": return .success(.ping)
            case "QUIT": return .success(.quit)
            case "LABELS": return .success(.labels)
            default: return .success(.help)
            }
        default:
            return .failure(.unknown(verb: verb.count > 20 ? String(verb.prefix(20)) + "…" : verb))
        }
    }

    static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// A batch id is 1–64 characters of A–Z, a–z, 0–9, `.`, `_`, `:` and `-`.
    public static func isValidBatchID(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count <= maxBatchIDBytes else { return false }
        return text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: "-")
        }
    }
}

/// Why a line is not a valid command.
public enum CommandError: Error, Equatable, Sendable {
    case empty
    case unknown(verb: String)
    case syntax(verb: String, usage: String)
}
