/// Fixed-point formatting of numbers, independent of locale and fast (no `String(format:)`).
enum Decimals {
    /// `value` rounded to `places` decimals (half away from zero), e.g. `-12.50` or `7,3`.
    static func format(_ value: Double, places: Int, separator: Character) -> String {
        guard value.isFinite else { return "" }
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((abs(value) * Double(scale)).rounded())
        let whole = scaled / scale
        var text = scaled == 0 ? "" : (value < 0 ? "-" : "")
        text += String(whole)
        guard places > 0 else { return text }
        let fraction = String(scaled % scale)
        text.append(separator)
        text += String(repeating: "0", count: places - fraction.count) + fraction
        return text
    }
}
