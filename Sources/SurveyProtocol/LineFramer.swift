/// One framed unit of input: a complete line (without its LF or CRLF), or the notice that a line
/// exceeded the limit and was discarded.
public enum FramedLine: Equatable, Sendable {
    case line([UInt8])
    /// A line longer than the limit; its bytes were dropped up to and including its LF.
    case overlong
}

/// Splits a byte stream into lines ending in LF or CRLF, never buffering more than the limit.
///
/// An over-long line is dropped while it is read (its bytes are not kept) and reported once, as
/// ``FramedLine/overlong``, when its end arrives.
public struct LineFramer: Sendable {
    /// Longest line accepted, in bytes, without the line end.
    public let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var discarding = false

    public init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
        pending.reserveCapacity(min(maxLineBytes + 1, 4096))
    }

    /// Bytes held for an incomplete line.
    public var bufferedByteCount: Int { pending.count }

    /// Whether a partial line is pending (useful to tell a clean end of stream from a cut one).
    public var hasPartialLine: Bool { !pending.isEmpty || discarding }

    /// Consumes `bytes` and returns the lines completed by them, in order.
    public mutating func push<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [FramedLine] {
        var lines: [FramedLine] = []
        var start = bytes.startIndex
        while start != bytes.endIndex {
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
            let end = newline ?? bytes.endIndex
            if !discarding {
                let chunk = bytes[start..<end]
                // Allow one extra byte for the CR of a CRLF line end.
                if pending.count + chunk.count > maxLineBytes + 1 {
                    discarding = true
                    pending.removeAll(keepingCapacity: true)
                } else {
                    pending.append(contentsOf: chunk)
                }
            }
            guard let newline else { break }
            if discarding {
                lines.append(.overlong)
                discarding = false
            } else {
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                lines.append(pending.count > maxLineBytes ? .overlong : .line(pending))
                pending.removeAll(keepingCapacity: true)
            }
            start = bytes.index(after: newline)
        }
        return lines
    }
}
