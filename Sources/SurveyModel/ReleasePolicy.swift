/// When a period's summaries are published, and whether they are ever revised
/// (`publish.release`, `publish.grace_days`).
public enum ReleasePolicy: Sendable, Equatable {
    /// A period is published once it has ended and its granularity's grace days (the units'
    /// reporting deadline) have passed, with every response stored by then. Responses that arrive
    /// later for it, and retractions, make a new version of it, planned with every earlier
    /// version; a change no plan protects is held back alone (docs/SUMMARIES.md, "Revisions").
    case closed(GraceDays)
    /// Every period is published as it fills and revised at each publication. Withholding then
    /// protects each publication on its own, not a comparison of versions.
    case open

    /// The default: closed periods, a week on the day after it ends, a month, quarter or year two
    /// days after (``standardGraceDays``).
    public static let standard = ReleasePolicy.closed(standardGraceDays)

    /// The grace days of a granularity the configuration does not give: none for a week (its
    /// figures, and the alarms that read them, on the Monday after; late responses reach a
    /// revision the next day), two days for the others.
    public static let standardGraceDays = GraceDays(week: 0, month: 2, quarter: 2, year: 2)

    /// Closed periods with the same grace days for every granularity.
    public static func closed(graceDays: Int) -> ReleasePolicy {
        .closed(GraceDays(all: graceDays))
    }

    /// Whether `period` may be published on `today` (the provincial day). A month, quarter or
    /// year waits for the ISO week holding its last day to end too: the responses of its last
    /// days come with that week's batches.
    public func isReleasable(_ period: Period, today: LocalDate) -> Bool {
        guard let day = releaseDay(period) else { return true }
        return today >= day
    }

    /// The first provincial day on which `period` may be published: the day after its closing
    /// day (``closingDay(_:)``) and its granularity's grace days; nil under ``open``, which
    /// publishes every period at once.
    public func releaseDay(_ period: Period) -> LocalDate? {
        switch self {
        case .open: nil
        case let .closed(grace): ReleasePolicy.closingDay(period).adding(days: grace[period.kind] + 1)
        }
    }

    /// The first provincial day on which a survey round's results may be published: the day after
    /// its reporting deadline (`report_by`) and a week's grace days; under ``open`` the day after
    /// its reporting deadline too (a round's results are never shown while it runs).
    public func roundReleaseDay(reportBy: LocalDate) -> LocalDate {
        switch self {
        case .open: reportBy.adding(days: 1)
        case let .closed(grace): reportBy.adding(days: grace.week + 1)
        }
    }

    /// The release calendar: for each of `kinds`, in that order, the earliest period not yet
    /// releasable on `today`, and the day it will be. Empty under ``open``.
    public func nextReleases(after today: LocalDate, kinds: [PeriodKind]) -> [(period: Period, day: LocalDate)] {
        guard case .closed = self else { return [] }
        return kinds.compactMap { kind in
            // The period holding today is never releasable (it has not ended); walk back over the
            // ones still waiting for their grace days.
            var period = Period.containing(today, kind: kind)
            while !isReleasable(period.previous, today: today) { period = period.previous }
            return releaseDay(period).map { (period, $0) }
        }
    }

    /// The last day whose responses a period waits for: its own last day, or for a month, quarter
    /// or year the Sunday of the ISO week holding it.
    public static func closingDay(_ period: Period) -> LocalDate {
        period.kind == .week ? period.end : Period.containing(period.end, kind: .week).end
    }
}
