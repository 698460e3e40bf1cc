import Foundation
import SurveyModel

/// Times and periods as a Vietnamese reader writes them: `14:05 ngày 29/11/2026` in the
/// provincial time zone, `tuần 48/2026 (23/11–29/11/2026)`, `tháng 11/2026`, `quý IV/2026`.
public enum VietnameseTime {
    /// `14:05 ngày 29/11/2026` for `instant` in `timeZone`.
    public static func time(_ instant: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
        return "\(two(c.hour ?? 0)):\(two(c.minute ?? 0)) ngày \(two(c.day ?? 0))/\(two(c.month ?? 0))/\(c.year ?? 0)"
    }

    /// The same for a UTC timestamp as stored (`2026-11-29T07:05:00Z`); the text itself when it
    /// is not one.
    public static func time(utc timestamp: String, in timeZone: TimeZone) -> String {
        guard let instant = parseUTC(timestamp) else { return timestamp }
        return time(instant, in: timeZone)
    }

    /// Parses `YYYY-MM-DDThh:mm:ssZ`.
    static func parseUTC(_ text: String) -> Date? {
        let parts = text.split(separator: "T")
        guard parts.count == 2, let date = LocalDate(iso: parts[0]), parts[1].hasSuffix("Z") else { return nil }
        let clock = parts[1].dropLast().split(separator: ":").map { Int($0) }
        guard clock.count == 3, let h = clock[0], let m = clock[1], let s = clock[2], (0..<24).contains(h), (0..<60).contains(m), (0..<61).contains(s) else { return nil }
        return Date(timeIntervalSince1970: Double(date.dayNumber * 86_400 + h * 3600 + m * 60 + s))
    }

    /// `29/11/2026`.
    public static func date(_ date: LocalDate) -> String {
        "\(two(date.day))/\(two(date.month))/\(date.year)"
    }

    /// The name of a period: `tuần 48/2026 (23/11–29/11/2026)`, `tháng 11/2026`, `quý IV/2026`,
    /// `năm 2026`; capitalised at the start of a line. The identifier itself when it is none.
    public static func period(_ identifier: String, capitalized: Bool = false) -> String {
        guard let period = Period(identifier: identifier) else { return identifier }
        let text: String
        switch period.kind {
        case .week:
            let (start, end) = (period.start, period.end)
            text = "tuần \(two(period.index))/\(period.year) (\(two(start.day))/\(two(start.month))–\(date(end)))"
        case .month: text = "tháng \(two(period.index))/\(period.year)"
        case .quarter: text = "quý \(["I", "II", "III", "IV"][max(0, min(3, period.index - 1))])/\(period.year)"
        case .year: text = "năm \(period.year)"
        }
        guard capitalized, let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    static func two(_ n: Int) -> String { n < 10 && n >= 0 ? "0\(n)" : "\(n)" }
}
