import Foundation

extension Duration {
    /// The duration in whole milliseconds, for log fields such as `duration_ms`.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}

extension Date {
    /// UTC time as stored and shown by surveyd: `2026-11-22T10:00:00Z`.
    public var utcTimestamp: String {
        formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeZone(separator: .omitted))
    }
}

extension Sequence<UInt8> {
    /// Lower-case hexadecimal, two digits a byte (digests).
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
