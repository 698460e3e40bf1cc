import SurveyModel

/// The content of `summary.json` for one period: the schema `surveyd.summary/1`, documented in
/// docs/SUMMARIES.md. Percentages are in percent (shares) or percentage points (net index and
/// changes), rounded to two decimals.
public struct PeriodSummary: Codable, Sendable, Equatable {
    public static let schemaVersion = "surveyd.summary/1"

    /// What the summary covers: a calendar period (`id` its identifier, `2026-W47`), or a survey
    /// round's window (kind ``SummaryKind/round``, `id` the round's code).
    public struct PeriodInfo: Codable, Sendable, Equatable {
        public var kind: SummaryKind
        public var id: String
        public var start: LocalDate
        public var end: LocalDate

        public init(kind: SummaryKind, id: String, start: LocalDate, end: LocalDate) {
            self.kind = kind
            self.id = id
            self.start = start
            self.end = end
        }

        /// The info of a calendar period.
        public init(_ period: Period) {
            self.init(kind: SummaryKind(period.kind), id: period.identifier, start: period.start, end: period.end)
        }
    }

    public struct Label: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
    }

    public struct SentimentLabel: Codable, Sendable, Equatable {
        public var code: String
        public var label: String
        public var polarity: Int
    }

    /// The change of a share or of the net index since the previous period.
    public struct Change: Codable, Sendable, Equatable {
        /// Percentage points, with the 95% interval of the difference (Newcombe).
        public var change: Double
        public var low: Double
        public var high: Double
        /// The interval excludes zero.
        public var significant: Bool
    }

    /// The figures of one cell, or only `suppressed: true` when they are withheld. Arrays run
    /// parallel to the summary's `sentiments`.
    public struct Cell: Codable, Sendable, Equatable {
        public var suppressed: Bool
        public var responses: Int?
        /// Responses per sentiment.
        public var counts: [Int]?
        /// Percent of the cell's responses per sentiment, with 95% Wilson intervals (null when
        /// the cell has no responses).
        public var shares: [Double?]?
        public var sharesLow: [Double?]?
        public var sharesHigh: [Double?]?
        /// Share positive − share negative, in percentage points, with its 95% interval.
        public var netIndex: Double?
        public var netIndexLow: Double?
        public var netIndexHigh: Double?
        /// Responses and net index in the previous period (when published there).
        public var previousResponses: Int?
        public var previousNetIndex: Double?
        public var netIndexChange: Change?
        /// Change of each share since the previous period.
        public var shareChanges: [Change]?
        /// Unit totals with few responses (below ``PeriodSummary/smallUnitResponses``): the
        /// empirical-Bayes estimate of each share, in percent, with its 95% posterior interval,
        /// shrunk toward the province by as much as the unit's responses are few
        /// (``PeriodSummary/addSmallUnitEstimates()``).
        public var sharesEb: [Double?]?
        public var sharesEbLow: [Double?]?
        public var sharesEbHigh: [Double?]?
        /// Weekly summaries: the expected net index next week with its 95% band, from the
        /// local-level model of the published weekly net indexes (``NetIndexOutlook``).
        public var outlook: Outlook?

        public static let withheld = Cell(suppressed: true)

        init(suppressed: Bool) {
            self.suppressed = suppressed
        }
    }

    /// The expected net index of the next week, in percentage points, and the 95% band in which
    /// next week's published net index should fall if opinion moves as it has.
    public struct Outlook: Codable, Sendable, Equatable {
        public var expected: Double
        public var low: Double
        public var high: Double
        /// Published weeks the model saw (of the last ``NetIndexOutlook/weeks``).
        public var weeks: Int

        public init(expected: Double, low: Double, high: Double, weeks: Int) {
            self.expected = expected
            self.low = low
            self.high = high
            self.weeks = weeks
        }
    }

    public struct GroupCell: Codable, Sendable, Equatable {
        public var group: String
        public var cell: Cell
    }

    public struct UnitRow: Codable, Sendable, Equatable {
        public var unit: String
        /// All groups of the unit together.
        public var total: Cell
        public var groups: [GroupCell]
    }

    public struct TopicSummary: Codable, Sendable, Equatable {
        public var code: String
        public var title: String
        /// The whole province, all groups.
        public var province: Cell
        /// The whole province, per group.
        public var provinceGroups: [GroupCell]
        public var units: [UnitRow]
    }

    /// A change of the net index kept in the "what changed" list: a discovery of the
    /// Benjamini–Hochberg procedure at a false discovery rate of 5% across all the period's
    /// comparisons (unit totals and province totals of every topic).
    public struct SignificantChange: Codable, Sendable, Equatable {
        public var topic: String
        /// A unit code, or nil for the whole province.
        public var unit: String?
        public var previousNetIndex: Double
        public var netIndex: Double
        public var change: Change
        /// Two-sided p-value of "no change", from the method of the change's interval.
        public var pValue: Double?
        /// Benjamini–Hochberg adjusted p-value across the period's comparisons (≤ 0.05 here).
        public var qValue: Double?
    }

    public var schema = PeriodSummary.schemaVersion
    public var period: PeriodInfo
    public var previousPeriod: String
    public var revision: Int
    /// UTC time up to which received data is included.
    public var dataThrough: String
    public var minimumCellSize: Int
    public var responses: Int
    public var suppressedCells: Int
    public var sentiments: [SentimentLabel]
    public var units: [Label]
    public var groups: [Label]
    public var topics: [TopicSummary]
    /// Largest absolute net-index change first.
    public var significantChanges: [SignificantChange]
}

/// What a summary covers: the calendar periods' granularities, and a survey round's window
/// (`rounds/CODE/results.json`). The raw values are those of ``PeriodKind`` and `round`.
public enum SummaryKind: String, Codable, Sendable, Hashable {
    case week, month, quarter, year, round

    public init(_ kind: PeriodKind) {
        switch kind {
        case .week: self = .week
        case .month: self = .month
        case .quarter: self = .quarter
        case .year: self = .year
        }
    }
}
