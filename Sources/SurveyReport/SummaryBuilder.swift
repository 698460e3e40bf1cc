import SurveyModel

/// Builds the summary of one period from its counts and the previous period's: statistics,
/// suppression of small cells, and changes. Pure: the same input gives the same summary.
public struct SummaryBuilder: Sendable {
    public var minimumCellSize: Int

    public init(minimumCellSize: Int) {
        self.minimumCellSize = minimumCellSize
    }

    /// Sentiment counts of every published position of one topic: interior cells, unit totals,
    /// group totals and the province total, with what is withheld.
    struct TopicTable {
        var cells: [[[Int]]]
        var unitTotals: [[Int]]
        var groupTotals: [[Int]]
        var province: [Int]
        var mask: ProtectionMask
        var topic: Int

        init(_ cube: TallyCube, topic: Int, mask: ProtectionMask) {
            let s = cube.sentiments.count
            let cells = (0..<cube.units.count).map { u in (0..<cube.groups.count).map { g in cube.cell(unit: u, topic: topic, group: g) } }
            let sum = { (rows: [[Int]]) -> [Int] in
                rows.reduce(Array(repeating: 0, count: s)) { zip($0, $1).map(+) }
            }
            let unitTotals = cells.map(sum)
            self.cells = cells
            self.unitTotals = unitTotals
            groupTotals = (0..<cube.groups.count).map { g in sum(cells.map { $0[g] }) }
            province = sum(unitTotals)
            self.mask = mask
            self.topic = topic
        }

        func withheld(unit: Int?, group: Int?) -> Bool {
            mask.isWithheld(topic: topic, unit: unit, group: group)
        }
    }

    /// The summary of `period`; `previous` holds the previous period's counts (same dimensions).
    /// `withheld` and `previousWithheld` say what each period withholds (``LinkedProtection``
    /// when all published tables are planned together); without them each period's tables are
    /// planned alone (``SingleTablePlan``).
    public func build(
        period: Period, current: TallyCube, previous: TallyCube, revision: Int, dataThrough: String,
        withheld: ProtectionMask? = nil, previousWithheld: ProtectionMask? = nil
    ) -> PeriodSummary {
        build(
            covering: .init(period), previousID: period.previous.identifier, current: current, previous: previous,
            revision: revision, dataThrough: dataThrough, withheld: withheld, previousWithheld: previousWithheld
        )
    }

    /// The summary of what `info` covers (a period, or a round's window), compared with what
    /// `previousID` names (`previous`'s counts: zero where there is nothing to compare).
    public func build(
        covering info: PeriodSummary.PeriodInfo, previousID: String, current: TallyCube, previous: TallyCube, revision: Int,
        dataThrough: String, withheld: ProtectionMask? = nil, previousWithheld: ProtectionMask? = nil
    ) -> PeriodSummary {
        let sentiments = current.sentiments
        let mask = withheld ?? ProtectionMask(singleTable: current, minimum: minimumCellSize)
        let previousMask = previousWithheld ?? ProtectionMask(singleTable: previous, minimum: minimumCellSize)
        var topics: [PeriodSummary.TopicSummary] = []
        var significant: [PeriodSummary.SignificantChange] = []
        var suppressed = 0
        for (t, topic) in current.topics.enumerated() {
            let now = TopicTable(current, topic: t, mask: mask)
            let before = TopicTable(previous, topic: t, mask: previousMask)
            func cell(_ counts: [Int], withheld: Bool, _ old: [Int], oldWithheld: Bool) -> PeriodSummary.Cell {
                if withheld {
                    suppressed += 1
                    return .withheld
                }
                return SummaryBuilder.cell(counts, sentiments: sentiments, previous: oldWithheld ? nil : old)
            }
            var units: [PeriodSummary.UnitRow] = []
            for (u, unit) in current.units.enumerated() {
                // Loops, not closures: Swift 6.3.1's optimiser crashes on a closure here.
                var groups: [PeriodSummary.GroupCell] = []
                for (g, group) in current.groups.enumerated() {
                    let hidden = now.withheld(unit: u, group: g), hiddenBefore = before.withheld(unit: u, group: g)
                    groups.append(.init(group: group.code, cell: cell(now.cells[u][g], withheld: hidden, before.cells[u][g], oldWithheld: hiddenBefore)))
                }
                let total = cell(now.unitTotals[u], withheld: now.withheld(unit: u, group: nil), before.unitTotals[u], oldWithheld: before.withheld(unit: u, group: nil))
                if let entry = SummaryBuilder.comparison(total, now.unitTotals[u], before.unitTotals[u], sentiments, topic: topic.code, unit: unit.code) {
                    significant.append(entry)
                }
                units.append(.init(unit: unit.code, total: total, groups: groups))
            }
            var provinceGroups: [PeriodSummary.GroupCell] = []
            for (g, group) in current.groups.enumerated() {
                let hidden = now.withheld(unit: nil, group: g), hiddenBefore = before.withheld(unit: nil, group: g)
                provinceGroups.append(.init(group: group.code, cell: cell(now.groupTotals[g], withheld: hidden, before.groupTotals[g], oldWithheld: hiddenBefore)))
            }
            let province = cell(now.province, withheld: now.withheld(unit: nil, group: nil), before.province, oldWithheld: before.withheld(unit: nil, group: nil))
            if let entry = SummaryBuilder.comparison(province, now.province, before.province, sentiments, topic: topic.code, unit: nil) {
                significant.append(entry)
            }
            topics.append(.init(code: topic.code, title: topic.title, province: province, provinceGroups: provinceGroups, units: units))
        }
        significant = SummaryBuilder.discoveries(significant)
        significant.sort { (abs($0.change.change), $1.topic, $1.unit ?? "") > (abs($1.change.change), $0.topic, $0.unit ?? "") }
        return PeriodSummary(
            period: info,
            previousPeriod: previousID,
            revision: revision,
            dataThrough: dataThrough,
            minimumCellSize: minimumCellSize,
            responses: current.total,
            suppressedCells: suppressed,
            sentiments: sentiments.map { .init(code: $0.code, label: $0.label, polarity: $0.polarity.rawValue) },
            units: current.units.map { .init(code: $0.code, name: $0.name) },
            groups: current.groups.map { .init(code: $0.code, name: $0.name) },
            topics: topics,
            significantChanges: significant
        )
    }

    /// Percent (or percentage points) rounded to two decimals.
    static func percent(_ fraction: Double) -> Double {
        (fraction * 10_000).rounded() / 100
    }

    /// The statistics of one published cell.
    static func cell(_ counts: [Int], sentiments: [Sentiment], previous: [Int]?) -> PeriodSummary.Cell {
        var cell = PeriodSummary.Cell(suppressed: false)
        let n = counts.reduce(0, +)
        cell.responses = n
        cell.counts = counts
        let intervals = counts.map { Statistics.wilson($0, of: n) }
        cell.shares = counts.map { n > 0 ? percent(Double($0) / Double(n)) : nil }
        cell.sharesLow = intervals.map { $0.map { percent($0.low) } }
        cell.sharesHigh = intervals.map { $0.map { percent($0.high) } }
        let net = netIndex(counts, sentiments)
        if let net {
            cell.netIndex = percent(net.value)
            cell.netIndexLow = percent(net.interval.low)
            cell.netIndexHigh = percent(net.interval.high)
        }
        guard let previous else { return cell }
        let m = previous.reduce(0, +)
        cell.previousResponses = m
        let old = netIndex(previous, sentiments)
        cell.previousNetIndex = old.map { percent($0.value) }
        guard let net, let old else { return cell }
        let change = Statistics.change(current: net.value, currentInterval: net.interval, previous: old.value, previousInterval: old.interval)
        cell.netIndexChange = .init(
            change: percent(change.value), low: percent(change.interval.low), high: percent(change.interval.high),
            significant: change.interval.excludesZero
        )
        cell.shareChanges = zip(counts, previous).compactMap { now, then in
            guard let i1 = Statistics.wilson(now, of: n), let i2 = Statistics.wilson(then, of: m) else { return nil }
            let p1 = Double(now) / Double(n), p2 = Double(then) / Double(m)
            let interval = Statistics.newcombe(p1: p1, interval1: i1, p2: p2, interval2: i2)
            return .init(change: percent(p1 - p2), low: percent(interval.low), high: percent(interval.high), significant: interval.excludesZero)
        }
        return cell
    }

    static func netIndex(_ counts: [Int], _ sentiments: [Sentiment]) -> (value: Double, interval: Interval)? {
        var positive = 0, negative = 0
        for (sentiment, count) in zip(sentiments, counts) {
            switch sentiment.polarity {
            case .positive: positive += count
            case .negative: negative += count
            case .neutral: break
            }
        }
        return Statistics.netIndex(positive: positive, negative: negative, of: counts.reduce(0, +))
    }
}
