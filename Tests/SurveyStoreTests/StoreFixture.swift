import Foundation
import Logging
import SurveyModel
import SurveyStore
import TestSupport

/// A store in a fresh temporary directory with a small catalogue.
struct StoreFixture {
    let directory: URL
    let store: SurveyStore
    var path: String { directory.appendingPathComponent("surveyd.sqlite").path }

    static let catalog = Catalog(
        units: [SurveyUnit(code: "U01", name: "Định Hóa"), SurveyUnit(code: "U02", name: "Phú Lương")],
        topics: [Topic(code: "CDS", title: "Chuyển đổi số"), Topic(code: "YTE", title: "Y tế"), Topic(code: "GD", title: "Giáo dục")],
        groups: [RespondentGroup(code: "CB", name: "Cán bộ"), RespondentGroup(code: "DV", name: "Đảng viên"), RespondentGroup(code: "ND", name: "Nhân dân")],
        sentiments: [
            Sentiment(code: "DT", label: "Đồng tình", polarity: .positive),
            Sentiment(code: "PV", label: "Phân vân", polarity: .neutral),
            Sentiment(code: "KDT", label: "Không đồng tình", polarity: .negative),
        ]
    )

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SurveyStore(path: directory.appendingPathComponent("surveyd.sqlite").path, logger: Logger(label: "test"))
        try store.synchronize(Self.catalog)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

func randomResponses(_ count: Int, using generator: inout SeededGenerator) -> [Response] {
    let start = LocalDate(iso: "2026-01-01")!
    return (0..<count).map { _ in
        Response(
            collectedOn: start.adding(days: Int.random(in: 0..<320, using: &generator)),
            topic: StoreFixture.catalog.topics.randomElement(using: &generator)!.code,
            group: StoreFixture.catalog.groups.randomElement(using: &generator)!.code,
            sentiment: StoreFixture.catalog.sentiments.randomElement(using: &generator)!.code
        )
    }
}
