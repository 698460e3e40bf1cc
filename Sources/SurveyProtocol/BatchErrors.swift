/// One bad line of a batch: its number within the batch (1 = the first line after BATCH), the field
/// and why.
public struct LineError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    /// `date`, `topic`, `group`, `sentiment`, or `line` for the whole line.
    public var field: String
    public var reason: String

    public init(line: Int, field: String, reason: String) {
        self.line = line
        self.field = field
        self.reason = reason
    }

    /// `line 3: topic: unknown topic 'XX'`
    public var description: String { "line \(line): \(field): \(reason)" }

    /// Parses the form produced by ``description``; nil otherwise.
    public init?(parsing text: String) {
        guard text.hasPrefix("line ") else { return nil }
        let parts = text.dropFirst(5).split(separator: ":", maxSplits: 2)
        guard parts.count == 3, let line = Int(parts[0]) else { return nil }
        self.init(line: line, field: parts[1].trimmingPrefix(" ").description, reason: parts[2].trimmingPrefix(" ").description)
    }
}

/// The errors found in a batch: the first ``maximumListed`` in full, and the total.
public struct BatchErrors: Equatable, Sendable {
    public static let maximumListed = 20
    public private(set) var listed: [LineError] = []
    public private(set) var total = 0

    public init() {}

    /// Errors found elsewhere (the store, at COMMIT): `listed` in order, `total` in all.
    public init(listing listed: [LineError], total: Int) {
        self.listed = Array(listed.prefix(BatchErrors.maximumListed))
        self.total = max(total, listed.count)
    }

    public var isEmpty: Bool { total == 0 }

    public mutating func append(_ error: LineError) {
        total += 1
        if listed.count < BatchErrors.maximumListed { listed.append(error) }
    }
}
