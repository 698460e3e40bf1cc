/// The days on which a tally span starts besides Mondays and months' first days: each survey
/// round's first day and the day after its last (schema version 9), so that a round's window is a
/// union of whole spans, like every period's.
///
/// A span starts on the latest of its ISO week's Monday, its month's first day and the cuts
/// before it; it lies inside one week, one month and, for every round, inside or outside its
/// window.
public struct SpanCuts: Sendable, Equatable {
    /// The cut days (day numbers), ascending.
    public private(set) var days: [Int]

    public init(_ days: some Sequence<Int> = []) {
        self.days = Array(Set(days)).sorted()
    }

    /// The first day of the span holding day number `day`.
    @inline(__always)
    public func spanStart(_ day: Int) -> Int {
        let start = LocalDate(dayNumber: day).tallySpanStart.dayNumber
        guard !days.isEmpty else { return start }
        // The last cut on or before `day` (cuts accumulate, two per round ever configured).
        var low = 0, high = days.count
        while low < high {
            let middle = (low + high) / 2
            if days[middle] <= day { low = middle + 1 } else { high = middle }
        }
        return low > 0 ? max(start, days[low - 1]) : start
    }

    /// Whether a span starts on `day` whatever the cuts: a Monday or a month's first day.
    public static func isNaturalStart(_ day: Int) -> Bool {
        LocalDate(dayNumber: day).tallySpanStart.dayNumber == day
    }

    /// Whether a span starts on `day`.
    public func isSpanStart(_ day: Int) -> Bool {
        spanStart(day) == day
    }

    /// The first day after the span-free stretch that holds `day` with no cut: the next Monday or
    /// month's first day after `day` (the end, exclusive, of the span `day` would lie in with no cut).
    public static func naturalEnd(after day: Int) -> Int {
        var next = day + 1
        while !isNaturalStart(next) { next += 1 }
        return next
    }

    /// The day after the last of the span starting on (or holding) `day`: the next Monday, month's
    /// first day or cut after it.
    public func spanEnd(_ day: Int) -> Int {
        let natural = Self.naturalEnd(after: day)
        // The first cut after `day`.
        var low = 0, high = days.count
        while low < high {
            let middle = (low + high) / 2
            if days[middle] <= day { low = middle + 1 } else { high = middle }
        }
        return low < days.count ? min(natural, days[low]) : natural
    }

    /// Whether the days `from`…`to` are a union of whole spans.
    public func holdsWindow(from: LocalDate, to: LocalDate) -> Bool {
        isSpanStart(from.dayNumber) && isSpanStart(to.dayNumber + 1)
    }

    /// The days a round needs cut: its first day and the day after its last, when neither a
    /// Monday nor a month's first day.
    public static func needed(from: LocalDate, to: LocalDate) -> [Int] {
        [from.dayNumber, to.dayNumber + 1].filter { !isNaturalStart($0) }
    }
}
