import Foundation
import SurveyModel
import SurveyReport
import Testing
import TestSupport

/// The "significant changes" list under simulation (figures quoted in docs/SUMMARIES.md): 16 units
/// × 7 topics (119 unit and province comparisons a period, as in issue 18), about 150 responses
/// per unit and topic, in two groups.
@Suite struct ChangeListSimulationTests {
    static let units = (1...16).map { SurveyUnit(code: "U\($0)", name: "Đơn vị \($0)") }
    static let topics = (1...7).map { Topic(code: "T\($0)", title: "Chủ đề \($0)") }
    static let groups = [RespondentGroup(code: "CB", name: "Cán bộ"), RespondentGroup(code: "ND", name: "Nhân dân")]
    static let sentiments = [
        Sentiment(code: "DONGTINH", label: "Đồng tình", polarity: .positive),
        Sentiment(code: "PHANVAN", label: "Phân vân", polarity: .neutral),
        Sentiment(code: "KHONGDONGTINH", label: "Không đồng tình", polarity: .negative),
    ]

    /// A period's counts; `changed` unit × topic pairs draw from the shifted distribution.
    static func period(changed: Set<[Int]>, using generator: inout SeededGenerator) -> TallyCube {
        var cube = TallyCube(units: units, topics: topics, groups: groups, sentiments: sentiments)
        for u in units.indices {
            for t in topics.indices {
                let (positive, negative) = changed.contains([u, t]) ? (0.35, 0.40) : (0.5, 0.2)
                for g in groups.indices {
                    for _ in 0..<75 {
                        let x = Double.random(in: 0..<1, using: &generator)
                        cube[u, t, g, x < positive ? 0 : x < 1 - negative ? 1 : 2] += 1
                    }
                }
            }
        }
        return cube
    }

    static func build(_ current: TallyCube, _ previous: TallyCube) -> PeriodSummary {
        SummaryBuilder(minimumCellSize: 5).build(period: Period(identifier: "2026-W47")!, current: current, previous: previous, revision: 1, dataThrough: "2026-11-22T10:00:00Z")
    }

    /// Nothing changed: the old rule (each cell's 95% interval) flags about 5% of the 119
    /// comparisons a period; the list controlled at a 5% false discovery rate is empty in about
    /// 95% of periods (under the complete null, FDR = the chance of any entry).
    @Test func nothingChangedGivesAnEmptyListAlmostAlways() {
        var generator = SeededGenerator.forTest()
        let seed = generator.seed
        let periods = 100
        var cellFlags = 0, listed = 0, periodsWithEntries = 0
        for _ in 0..<periods {
            let summary = Self.build(Self.period(changed: [], using: &generator), Self.period(changed: [], using: &generator))
            for topic in summary.topics {
                cellFlags += topic.units.filter { $0.total.netIndexChange?.significant == true }.count
                if topic.province.netIndexChange?.significant == true { cellFlags += 1 }
            }
            listed += summary.significantChanges.count
            if !summary.significantChanges.isEmpty { periodsWithEntries += 1 }
            #expect(summary.significantChanges.allSatisfy { ($0.qValue ?? 1) <= 0.05 && $0.change.significant })
        }
        let perPeriod = Double(cellFlags) / Double(periods)
        print("simulation no change: cell intervals flag \(perPeriod) of 119 comparisons a period; the FDR list has entries in \(periodsWithEntries)/\(periods) periods (\(listed) entries)")
        #expect(perPeriod > 2 && perPeriod < 10, "seed \(seed): \(perPeriod)")
        #expect(periodsWithEntries <= 12, "seed \(seed): \(periodsWithEntries)/\(periods)")
    }

    /// Twelve unit × topic cells really moved (negative 20% → 40%): the share of false entries in
    /// the list averages at most about 5%, and most real changes are found.
    @Test func falseDiscoveriesStayNearFivePercent() {
        var generator = SeededGenerator.forTest()
        let seed = generator.seed
        let periods = 100
        var proportion = 0.0, found = 0, real = 0
        for _ in 0..<periods {
            var changed = Set<[Int]>()
            while changed.count < 12 { changed.insert([Int.random(in: 0..<16, using: &generator), Int.random(in: 0..<7, using: &generator)]) }
            let summary = Self.build(Self.period(changed: changed, using: &generator), Self.period(changed: [], using: &generator))
            let changedTopics = Set(changed.map { Self.topics[$0[1]].code })
            var falseEntries = 0
            for entry in summary.significantChanges {
                let truth: Bool
                if let unit = entry.unit, let u = Self.units.firstIndex(where: { $0.code == unit }), let t = Self.topics.firstIndex(where: { $0.code == entry.topic }) {
                    truth = changed.contains([u, t])
                    if truth { found += 1 }
                } else {
                    truth = changedTopics.contains(entry.topic)
                }
                if !truth { falseEntries += 1 }
            }
            real += changed.count
            proportion += Double(falseEntries) / Double(max(1, summary.significantChanges.count))
        }
        let fdr = proportion / Double(periods)
        print("simulation 12 real changes of 119: false discovery proportion \(fdr) on average; \(found)/\(real) real unit changes listed")
        #expect(fdr <= 0.075, "seed \(seed): \(fdr)")
        #expect(Double(found) / Double(real) > 0.5, "seed \(seed): \(found)/\(real)")
    }
}
