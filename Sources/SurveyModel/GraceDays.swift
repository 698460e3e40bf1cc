/// The days a period's publication waits after it ends, per granularity: the units' reporting
/// deadline for each (`publish.grace_days`). A week's figures might wait 2 days and a month's 5,
/// so that the units' monthly returns are in before the month is published.
public struct GraceDays: Sendable, Equatable, Hashable, Codable {
    public var week: Int
    public var month: Int
    public var quarter: Int
    public var year: Int

    /// The same number of days for every granularity.
    public init(all days: Int) {
        self.init(week: days, month: days, quarter: days, year: days)
    }

    /// Days for each granularity.
    public init(week: Int, month: Int, quarter: Int, year: Int) {
        self.week = week
        self.month = month
        self.quarter = quarter
        self.year = year
    }

    /// The grace days of periods of `kind`.
    public subscript(kind: PeriodKind) -> Int {
        get {
            switch kind {
            case .week: week
            case .month: month
            case .quarter: quarter
            case .year: year
            }
        }
        set {
            switch kind {
            case .week: week = newValue
            case .month: month = newValue
            case .quarter: quarter = newValue
            case .year: year = newValue
            }
        }
    }

    /// Whether every granularity waits the same number of days.
    public var isUniform: Bool { week == month && month == quarter && quarter == year }
}
