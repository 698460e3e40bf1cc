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

    /// Whether `period` may be published on `today` (the provincial day).
    public func isReleasable(_ period: Period, today: LocalDate) -> Bool {
        switch self {
        case .open: true
        case let .closed(graceDays): today.dayNumber > period.end.dayNumber + graceDays
        }
    }
}
