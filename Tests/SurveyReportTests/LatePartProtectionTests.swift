import SurveyModel
import SurveyReport
import Testing

/// The late part of a version (issue 26): responses that arrived after a week was released reach
/// its second version and its month, and a reader who kept the first version learns them where
/// both are shown. The plan treats each late part as a table of its own whose positions are its
/// version's (``LinkedProtection/Table/maskOwner``): a small late group is withheld in every
/// version holding it, with a certificate that keeps the first version's figures, or is reported
/// as a fallback so that the publisher holds it back.
@Suite struct LatePartProtectionTests {
    typealias Late = (unit: Int, topic: Int, group: Int, sentiment: Int, count: Int)

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var late: [Late]
        /// Whether no certificate protects a late group (the publisher then holds it back).
        var fallsBack: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "5 late in one cell: shown", late: [(0, 0, 0, 0, 5)], fallsBack: false),
        Case(name: "3 and 4 late in two units of a group: withheld, moved against each other", late: [(0, 0, 0, 0, 3), (1, 0, 0, 1, 4)], fallsBack: false),
        Case(name: "3 and 4 late in two groups of a unit", late: [(2, 0, 1, 2, 3), (2, 0, 2, 0, 4)], fallsBack: false),
        Case(name: "2 late alone: nothing can move them", late: [(0, 0, 0, 0, 2)], fallsBack: true),
        Case(name: "7 late in a cell and 2 in another topic", late: [(0, 0, 0, 0, 7), (3, 1, 2, 1, 2)], fallsBack: true),
    ]

    /// Week 46 (9–15 November 2026) released once with the background; its second version and
    /// November hold the late responses too.
    @Test(arguments: cases) func aLatePartIsProtectedWithTheFirstVersionFixed(_ test: Case) throws {
        let empty = TallyCube(units: LinkedProtectionTests.units, topics: LinkedProtectionTests.topics, groups: LinkedProtectionTests.groups, sentiments: LinkedProtectionTests.sentiments)
        var onTime = empty, late = empty
        for u in 0..<empty.units.count {
            for g in 0..<empty.groups.count {
                for s in 0..<empty.sentiments.count { onTime.add(4 + s, at: empty.index(unit: u, topic: 0, group: g, sentiment: s)) }
            }
        }
        for l in test.late { late.add(l.count, at: empty.index(unit: l.unit, topic: l.topic, group: l.group, sentiment: l.sentiment)) }
        var both = onTime
        for (i, count) in late.counts.enumerated() { both.add(count, at: i) }
        let week = try #require(Period(identifier: "2026-W46")), month = try #require(Period(identifier: "2026-11"))
        let tables = [
            LinkedProtection.Table(period: week, cube: onTime, isCurrent: false),  // 0: the first version, fixed
            LinkedProtection.Table(period: week, cube: both),                       // 1: the second version
            LinkedProtection.Table(period: month, cube: both),                      // 2: the month's first version
            LinkedProtection.Table(period: week, cube: late, maskOwner: 1),         // 3: what arrived late, in 1
            LinkedProtection.Table(period: month, cube: late, maskOwner: 2),        // 4: and in 2
        ]
        let spans = [LinkedProtection.Span(tables: [0, 1, 2], counts: onTime.counts), LinkedProtection.Span(tables: [1, 2, 3, 4], counts: late.counts)]
        let first = ProtectionMask(topics: empty.topics.count, units: empty.units.count, groups: empty.groups.count)
        let plan = LinkedProtection(tables: tables, spans: spans, minimum: 5, fixed: [first, nil, nil, nil, nil])
        #expect(plan.masks[0] == first, "the first version keeps its mask")
        let fellBack = plan.fallbackPrimaries.contains { tables[$0.table].maskOwner != nil }
        #expect(fellBack == test.fallsBack)
        guard !test.fallsBack else { return }
        #expect(LinkedProtectionTests.problems(plan) == [])
        // Every position that gained 1 to 4 responses is withheld in both versions holding them.
        for t in 0..<empty.topics.count {
            for unit in [nil] + (0..<empty.units.count).map(Optional.some) {
                for group in [nil] + (0..<empty.groups.count).map(Optional.some) {
                    var gained = 0
                    for l in test.late where l.topic == t && (unit == nil || unit == l.unit) && (group == nil || group == l.group) { gained += l.count }
                    guard (1..<5).contains(gained) else { continue }
                    #expect(plan.masks[1].isWithheld(topic: t, unit: unit, group: group), "week v2 T\(t) \(String(describing: unit))/\(String(describing: group))")
                    #expect(plan.masks[2].isWithheld(topic: t, unit: unit, group: group), "month T\(t) \(String(describing: unit))/\(String(describing: group))")
                }
            }
        }
    }
}
