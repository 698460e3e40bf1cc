/// The granularity of a summary period.
public enum PeriodKind: String, CaseIterable, Sendable, Codable, Comparable {
    /// ISO 8601 week, Monday to Sunday, numbered within its ISO week-numbering year.
    case week
    case month
    case quarter
    case year

    private var rank: Int {
        switch self {
        case .week: 0
        case .month: 1
        case .quarter: 2
        case .year: 3
        }
    }

    public static func < (lhs: PeriodKind, rhs: PeriodKind) -> Bool {
        lhs.rank < rhs.rank
    }
}

/// One period of one granularity: ISO week 2026-W47, month 2026-11, quarter 2026-Q4, or year 2026.
///
/// Periods are computed from collection dates, which are already local dates in the provincial time
/// zone; see ``LocalDate/init(instant:in:)`` for turning an instant into one.
public struct Period: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let kind: PeriodKind
    /// The calendar year, or the ISO week-numbering year for weeks.
    public let year: Int
    /// Week 1–53, month 1–12, quarter 1–4; 1 for years.
    public let index: Int

    /// Creates a period, or nil when `index` is out of range for the kind (including week 53 in a
    /// year that has only 52 ISO weeks).
    public init?(kind: PeriodKind, year: Int, index: Int) {
        let upper: Int
        switch kind {
        case .week: upper = Period.isoWeeksInYear(year)
        case .month: upper = 12
        case .quarter: upper = 4
        case .year: upper = 1
        }
        guard (1...upper).contains(index), (1...9999).contains(year) else { return nil }
        self.kind = kind
        self.year = year
        self.index = index
    }

    private init(unchecked kind: PeriodKind, year: Int, index: Int) {
        self.kind = kind
        self.year = year
        self.index = index
    }

    /// The period of `kind` that contains `date`.
    public static func containing(_ date: LocalDate, kind: PeriodKind) -> Period {
        let (year, month, _) = date.components
        switch kind {
        case .week:
            // The ISO week belongs to the year of its Thursday.
            let thursday = date.adding(days: 4 - date.isoWeekday)
            let weekYear = thursday.year
            let jan1 = LocalDate(dayNumber: LocalDate.daysFromCivil(year: weekYear, month: 1, day: 1))
            let week = (thursday.dayNumber - jan1.dayNumber) / 7 + 1
            return Period(unchecked: .week, year: weekYear, index: week)
        case .month:
            return Period(unchecked: .month, year: year, index: month)
        case .quarter:
            return Period(unchecked: .quarter, year: year, index: (month - 1) / 3 + 1)
        case .year:
            return Period(unchecked: .year, year: year, index: 1)
        }
    }

    /// Parses the identifier form (`2026-W47`, `2026-11`, `2026-Q4`, `2026`).
    public init?(identifier: String) {
        let parts = identifier.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, first.count == 4, let year = Int(first) else { return nil }
        if parts.count == 1 {
            self.init(kind: .year, year: year, index: 1)
            return
        }
        guard parts.count == 2 else { return nil }
        let rest = parts[1]
        if rest.first == "W", rest.count == 3, let week = Int(rest.dropFirst()) {
            self.init(kind: .week, year: year, index: week)
        } else if rest.first == "Q", rest.count == 2, let quarter = Int(rest.dropFirst()) {
            self.init(kind: .quarter, year: year, index: quarter)
        } else if rest.count == 2, rest.allSatisfy(\.isASCIIDigitCharacter), let month = Int(rest) {
            self.init(kind: .month, year: year, index: month)
        } else {
            return nil
        }
    }

    /// The first day of the period.
    public var start: LocalDate {
        switch kind {
        case .week:
            let jan4 = LocalDate(dayNumber: LocalDate.daysFromCivil(year: year, month: 1, day: 4))
            let week1Monday = jan4.adding(days: 1 - jan4.isoWeekday)
            return week1Monday.adding(days: (index - 1) * 7)
        case .month:
            return LocalDate(dayNumber: LocalDate.daysFromCivil(year: year, month: index, day: 1))
        case .quarter:
            return LocalDate(dayNumber: LocalDate.daysFromCivil(year: year, month: (index - 1) * 3 + 1, day: 1))
        case .year:
            return LocalDate(dayNumber: LocalDate.daysFromCivil(year: year, month: 1, day: 1))
        }
    }

    /// The last day of the period (inclusive).
    public var end: LocalDate {
        next.start.adding(days: -1)
    }

    /// The period of the same kind that follows this one.
    public var next: Period {
        switch kind {
        case .week: return Period.containing(start.adding(days: 7), kind: .week)
        case .month: return index == 12 ? Period(unchecked: .month, year: year + 1, index: 1)
            : Period(unchecked: .month, year: year, index: index + 1)
        case .quarter: return index == 4 ? Period(unchecked: .quarter, year: year + 1, index: 1)
            : Period(unchecked: .quarter, year: year, index: index + 1)
        case .year: return Period(unchecked: .year, year: year + 1, index: 1)
        }
    }

    /// The period of the same kind that precedes this one.
    public var previous: Period {
        Period.containing(start.adding(days: -1), kind: kind)
    }

    /// Whether `date` falls within the period.
    public func contains(_ date: LocalDate) -> Bool {
        Period.containing(date, kind: kind) == self
    }

    /// `2026-W47`, `2026-11`, `2026-Q4` or `2026`.
    public var identifier: String {
        let y = LocalDate.pad(year, 4)
        switch kind {
        case .week: return "\(y)-W\(LocalDate.pad(index, 2))"
        case .month: return "\(y)-\(LocalDate.pad(index, 2))"
        case .quarter: return "\(y)-Q\(index)"
        case .year: return y
        }
    }

    public var description: String { identifier }

    public static func < (lhs: Period, rhs: Period) -> Bool {
        if lhs.kind != rhs.kind { return lhs.kind < rhs.kind }
        return (lhs.year, lhs.index) < (rhs.year, rhs.index)
    }

    /// 53 when the ISO year has a week 53, else 52.
    public static func isoWeeksInYear(_ year: Int) -> Int {
        guard (1...9999).contains(year) else { return 52 }
        let dec28 = LocalDate(dayNumber: LocalDate.daysFromCivil(year: year, month: 12, day: 28))
        return containing(dec28, kind: .week).index
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
