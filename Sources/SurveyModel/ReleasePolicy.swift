/// When a period's summaries are published, and whether they are ever revised
/// (`publish.release`, `publish.grace_days`).
public enum ReleasePolicy: Sendable, Equatable {
    /// A period is published once it has ended and `graceDays` more days have passed; its
    /// figures are then final. Responses that arrive later for it are held and published only when
    /// comparing the two versions reveals no group below the minimum (docs/SUMMARIES.md,
    /// "Revisions").
    case closed(graceDays: Int)
    /// Every period is published as it fills and revised at each publication. Withholding then
    /// protects each publication on its own, not a comparison of versions.
    case open

    /// The default: closed periods, two days after their end.
    public static let standard = ReleasePolicy.closed(graceDays: 2)

    /// Whether `period` may be published on `today` (the provincial day). A month, quarter or
    /// year waits for the ISO week holding its last day to end too: the responses of its last
    /// days come with that week's batches, and releasing a period freezes its days.
    public func isReleasable(_ period: Period, today: LocalDate) -> Bool {
        switch self {
        case .open: true
        case let .closed(graceDays): today.dayNumber > ReleasePolicy.closingDay(period).dayNumber + graceDays
        }
    }

    /// The last day whose responses a period waits for: its own last day, or for a month, quarter
    /// or year the Sunday of the ISO week holding it.
    public static func closingDay(_ period: Period) -> LocalDate {
        period.kind == .week ? period.end : Period.containing(period.end, kind: .week).end
    }
}
