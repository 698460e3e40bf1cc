import Foundation
import SurveyModel
import SurveyReport

/// A fixed data set: three units, two topics, two groups, the three-point scale; a previous and a
/// current month, with a few small cells.
enum SummaryFixture {
    static let units = [SurveyUnit(code: "TPTN", name: "Thành phố Thái Nguyên"), SurveyUnit(code: "VN", name: "Huyện Võ Nhai"), SurveyUnit(code: "CA", name: "Đảng bộ Công an tỉnh")]
    static let topics = [Topic(code: "CDS", title: "Chuyển đổi số"), Topic(code: "YTE", title: "Chăm sóc sức khỏe, \"y tế\"")]
    static let groups = [RespondentGroup(code: "CB", name: "Cán bộ"), RespondentGroup(code: "ND", name: "Nhân dân")]
    static let sentiments = [
        Sentiment(code: "DONGTINH", label: "Đồng tình", polarity: .positive),
        Sentiment(code: "PHANVAN", label: "Phân vân", polarity: .neutral),
        Sentiment(code: "KHONGDONGTINH", label: "Không đồng tình", polarity: .negative),
    ]

    static func cube(_ cells: [[[[Int]]]]) -> TallyCube {
        var cube = TallyCube(units: units, topics: topics, groups: groups, sentiments: sentiments)
        for (u, topicsOfUnit) in cells.enumerated() {
            for (t, groupsOfTopic) in topicsOfUnit.enumerated() {
                for (g, counts) in groupsOfTopic.enumerated() {
                    for (s, count) in counts.enumerated() { cube[u, t, g, s] = count }
                }
            }
        }
        return cube
    }

    /// [unit][topic][group][sentiment]
    static let previous = cube([
        [[[20, 10, 10], [30, 20, 30]], [[12, 3, 5], [25, 5, 10]]],
        [[[8, 4, 3], [20, 10, 10]], [[6, 2, 2], [15, 5, 5]]],
        [[[10, 2, 1], [0, 0, 0]], [[9, 1, 0], [0, 0, 0]]],
    ])
    static let current = cube([
        [[[40, 5, 5], [60, 10, 10]], [[10, 5, 5], [20, 10, 15]]],
        [[[1, 1, 0], [20, 12, 8]], [[6, 2, 2], [15, 5, 5]]],
        [[[10, 2, 1], [0, 0, 0]], [[3, 0, 0], [0, 0, 0]]],
    ])

    static var summary: PeriodSummary {
        SummaryBuilder(minimumCellSize: 5).build(
            period: Period(identifier: "2026-11")!, current: current, previous: previous, revision: 2,
            dataThrough: "2026-11-22T10:00:00Z"
        )
    }
}
