import Foundation

extension Date {
    /// Parses the stored form `2026-11-22T10:00:00Z` (``utcTimestamp``, fractions of a second
    /// allowed and dropped); nil for anything else.
    public init?(utcTimestamp text: String) {
        var text = text
        let parsed: Date? = text.withUTF8 { bytes -> Date? in
            guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                  bytes[bytes.count - 1] == UInt8(ascii: "Z"),
                  let day = LocalDate(isoBytes: UnsafeBufferPointer(rebasing: bytes[0..<10]))
            else { return nil }
            var seconds = 0
            for (start, limit) in [(11, 24), (14, 60), (17, 60)] {
                let high = Int(bytes[start]) - 48, low = Int(bytes[start + 1]) - 48
                guard (0...9).contains(high), (0...9).contains(low), high * 10 + low < limit else { return nil }
                seconds = seconds * 60 + high * 10 + low
            }
            return Date(timeIntervalSince1970: Double(day.dayNumber * 86_400 + seconds))
        }
        guard let parsed else { return nil }
        self = parsed
    }
}
