import Foundation

extension Duration {
    /// The duration in whole milliseconds, for log fields such as `duration_ms`.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}

extension Date {
    /// UTC time as stored and shown by surveyd: `2026-11-22T10:00:00Z`.
    ///
    /// Worked out by arithmetic (seconds rounded down), not by a format style: it is made for
    /// every batch stored.
    public var utcTimestamp: String {
        let seconds = Int(timeIntervalSince1970.rounded(.down))
        let (days, time) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let day = time < 0 ? days - 1 : days
        let second = time < 0 ? time + 86_400 : time
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        LocalDate(dayNumber: day).appendISO(to: &bytes)
        let zero = UInt8(ascii: "0")
        for (index, value) in [second / 3600, second / 60 % 60, second % 60].enumerated() {
            bytes.append(index == 0 ? UInt8(ascii: "T") : UInt8(ascii: ":"))
            bytes.append(zero + UInt8(value / 10))
            bytes.append(zero + UInt8(value % 10))
        }
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
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

extension String {
    /// The text escaped for HTML and XML, in element text and in quoted attributes (`&`, `<`, `>`,
    /// `"`, `'`): the summary pages and the collaborators' Excel template.
    public var markupEscaped: String {
        var out = ""
        out.reserveCapacity(count)
        for character in self {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
