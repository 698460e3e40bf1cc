/// An append-only UTF-8 buffer for the renderers: text, integers and fixed-point numbers are
/// written straight into bytes, without intermediate strings (a period's three files are about a
/// megabyte, and a first publication writes hundreds of periods).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    /// Literal text, such as markup or a JSON key.
    @inline(__always)
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Text as it is (no escaping).
    mutating func text(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ value: Int) {
        if value < 0 {
            byte(UInt8(ascii: "-"))
            digits(value.magnitude)
        } else {
            digits(UInt(value))
        }
    }

    private mutating func digits(_ value: UInt) {
        guard value >= 10 else {
            byte(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes: enough for 20 digits
        var value = value
        var count = 0
        withUnsafeMutableBytes(of: &buffer) { raw in
            while value > 0 {
                count += 1
                raw[24 - count] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            bytes.append(contentsOf: raw[(24 - count)...])
        }
    }

    /// `value` rounded to `places` decimals (half away from zero) with `separator`, e.g. `-12.50`
    /// or `7,3`; nothing for infinities and NaN. Negative values that round to zero print as 0.
    mutating func fixed(_ value: Double, places: Int, separator: UInt8 = UInt8(ascii: ".")) {
        guard value.isFinite else { return }
        var scale: UInt = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = UInt((value.magnitude * Double(scale)).rounded())
        if scaled != 0 && value < 0 { byte(UInt8(ascii: "-")) }
        digits(scaled / scale)
        guard places > 0 else { return }
        byte(separator)
        var fraction = scaled % scale
        var divisor = scale / 10
        while divisor > 0 {
            byte(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    /// A number as `JSONEncoder` writes it: integral values without a fraction, others in the
    /// shortest form that reads back to the same value. Values with at most two decimals (all of a
    /// summary's percentages) are written directly; that is the shortest form, as any other
    /// candidate would differ by at least 0.01.
    mutating func jsonNumber(_ value: Double) {
        if value == value.rounded(), value.magnitude < 1e15 {
            if value == 0 && value.sign == .minus { byte(UInt8(ascii: "-")) }
            int(Int(value))
            return
        }
        let hundredths = (value * 100).rounded()
        guard hundredths.magnitude < 1e13, hundredths / 100 == value else {
            text(value.description)
            return
        }
        let scaled = Int(hundredths)
        if scaled < 0 { byte(UInt8(ascii: "-")) }
        digits(scaled.magnitude / 100)
        byte(UInt8(ascii: "."))
        let fraction = scaled.magnitude % 100
        byte(UInt8(ascii: "0") + UInt8(fraction / 10))
        if fraction % 10 != 0 { byte(UInt8(ascii: "0") + UInt8(fraction % 10)) }
    }

    /// A JSON string literal, escaped as `JSONEncoder` escapes it (slashes left alone).
    mutating func jsonString(_ value: String) {
        byte(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for (index, unit) in utf8.enumerated() where unit < 0x20 || unit == UInt8(ascii: "\"") || unit == UInt8(ascii: "\\") {
                bytes.append(contentsOf: utf8[start..<index])
                start = index + 1
                switch unit {
                case UInt8(ascii: "\""): raw("\\\"")
                case UInt8(ascii: "\\"): raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                default:
                    let hex: StaticString = "0123456789abcdef"
                    raw("\\u00")
                    hex.withUTF8Buffer { digits in
                        byte(digits[Int(unit >> 4)])
                        byte(digits[Int(unit & 0xF)])
                    }
                }
            }
            bytes.append(contentsOf: utf8[start...])
        }
        byte(UInt8(ascii: "\""))
    }

    /// Text escaped for HTML content and attribute values.
    mutating func html(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for (index, unit) in utf8.enumerated() {
                let replacement: StaticString
                switch unit {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                case UInt8(ascii: "'"): replacement = "&#39;"
                default: continue
                }
                bytes.append(contentsOf: utf8[start..<index])
                start = index + 1
                raw(replacement)
            }
            bytes.append(contentsOf: utf8[start...])
        }
    }
}
