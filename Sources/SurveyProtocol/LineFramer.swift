/// One framed unit of input: a complete line (without its LF or CRLF), or the notice that a line
/// exceeded the limit and was discarded.
public enum FramedLine: Equatable, Sendable {
    /// A line's bytes: a slice of a buffer shared by the lines framed together.
    case line(ArraySlice<UInt8>)
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
    ///
    /// The lines are slices of one new buffer holding all of them (one allocation per call, not
    /// one per line).
    public mutating func push<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [FramedLine] {
        if let lines = bytes.withContiguousStorageIfAvailable({ push(contiguous: $0) }) {
            return lines
        }
        return Array(bytes).withUnsafeBufferPointer { push(contiguous: $0) }
    }

    private mutating func push(contiguous bytes: UnsafeBufferPointer<UInt8>) -> [FramedLine] {
        var storage: [UInt8] = []
        var spans: [Range<Int>?] = []
        var start = 0
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
            let chunk = UnsafeBufferPointer(rebasing: bytes[start..<(newline ?? bytes.count)])
            guard let newline else {
                // A partial line: keep it, unless it is already over the limit (one extra byte
                // for the CR of a CRLF line end).
                if !discarding {
                    if pending.count + chunk.count > maxLineBytes + 1 {
                        discarding = true
                        pending.removeAll(keepingCapacity: true)
                    } else {
                        pending.append(contentsOf: chunk)
                    }
                }
                break
            }
            if discarding || pending.count + chunk.count > maxLineBytes + 1 {
                spans.append(nil)
                discarding = false
                pending.removeAll(keepingCapacity: true)
            } else {
                if storage.isEmpty { storage.reserveCapacity(pending.count + bytes.count - start) }
                let lineStart = storage.count
                if !pending.isEmpty {
                    storage.append(contentsOf: pending)
                    pending.removeAll(keepingCapacity: true)
                }
                storage.append(contentsOf: chunk)
                var lineEnd = storage.count
                if lineEnd > lineStart, storage[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                spans.append(lineEnd - lineStart > maxLineBytes ? nil : lineStart..<lineEnd)
            }
            start = newline + 1
        }
        return spans.map { span in span.map { .line(storage[$0]) } ?? .overlong }
    }
}
