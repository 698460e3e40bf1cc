import Foundation
import Logging
import SurveyModel
import SurveyPublisher
import SurveyReport
import SurveyStore
import Synchronization
import Testing

/// Four units, one topic, three sentiments, thirty weeks: U1's negative share turns from 20% to
/// 50% in the last four weeks; U4 has four responses a week (withheld in the weekly summaries).
final class AlertsFixture {
    let directory: URL
    let store: SurveyStore
    let collaborators: [Int64]
    var summaries: String { directory.appendingPathComponent("summaries").path }
    static let firstMonday = LocalDate(iso: "2026-05-04")!

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-alerts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SurveyStore(path: directory.appendingPathComponent("surveyd.sqlite").path, logger: Logger(label: "test"))
        self.store = store
        try store.synchronize(Catalog(
            units: (1...4).map { SurveyUnit(code: "U\($0)", name: "Đơn vị \($0)") },
            topics: [Topic(code: "CDS", title: "Chuyển đổi số")],
            groups: [RespondentGroup(code: "ND", name: "Nhân dân")],
            sentiments: [
                Sentiment(code: "DT", label: "Đồng tình", polarity: .positive), Sentiment(code: "PV", label: "Phân vân", polarity: .neutral),
                Sentiment(code: "KDT", label: "Không đồng tình", polarity: .negative),
            ]
        ))
        collaborators = try (1...4).map { try store.addCollaborator(unit: "U\($0)", name: "C\($0)").0.id }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func ingest(week: Int, unit: Int, _ counts: [Int], batch: String = "") async throws {
        let day = AlertsFixture.firstMonday.adding(days: 7 * week + 2)
        var responses: [Response] = []
        for (code, count) in zip(["DT", "PV", "KDT"], counts) {
            responses += Array(repeating: Response(collectedOn: day, topic: "CDS", group: "ND", sentiment: code), count: count)
        }
        _ = try await store.ingest(BatchSubmission(collaboratorID: collaborators[unit], clientBatchID: "w\(week)u\(unit)\(batch)", responses: responses))
    }

    func load() async throws {
        for week in 0..<30 {
            let turned = week >= 26
            try await ingest(week: week, unit: 0, turned ? [6, 4, 10] : [12, 4, 4])
            try await ingest(week: week, unit: 1, [10, 4, 4])  // the smallest: the complement when U4 is withheld
            try await ingest(week: week, unit: 2, [11, 5, 4])
            try await ingest(week: week, unit: 3, turned ? [0, 0, 4] : [2, 1, 1])
        }
    }

    func publisher(_ settings: EarlyWarningSettings = EarlyWarningSettings()) -> Publisher {
        Publisher(store: store, directory: summaries, kinds: [.week, .month], minimumCellSize: 5, logger: Logger(label: "test"), earlyWarning: settings, release: .open)
    }

    func alerts() throws -> AlertsDocument {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(AlertsDocument.self, from: Data(contentsOf: URL(fileURLWithPath: "\(summaries)/alerts.json")))
    }
}

@Suite struct AlertsPublicationTests {
    @Test func aTurningUnitRaisesAnAlarmAndWithheldFiguresStayWithheld() async throws {
        let fixture = try AlertsFixture()
        try await fixture.load()
        let report = try fixture.publisher().publish()
        #expect(report.written.contains("week/2026-W19") && report.written.contains("week/2026-W48"))
        let document = try fixture.alerts()
        #expect(document.schema == "surveyd.alerts/2")
        #expect(document.week == "2026-W48")
        // The charts read only published figures: a unit whose weekly total is withheld in every
        // week (U4, and the unit withheld beside it) has no chart; the others and the province do.
        var silent = 0
        for unit in ["U1", "U2", "U3", "U4"] {
            var published = false
            for file in (try? FileManager.default.contentsOfDirectory(atPath: "\(fixture.summaries)/week")) ?? [] {
                let summary = try SummaryJSON.decode(Data(contentsOf: URL(fileURLWithPath: "\(fixture.summaries)/week/\(file)/summary.json")))
                if summary.topics[0].units.contains(where: { $0.unit == unit && !$0.total.suppressed }) { published = true }
            }
            if !published { silent += 1 }
        }
        #expect(silent >= 1)
        #expect(document.charts == 10 - 2 * silent, "\(document)")
        #expect(!document.alerts.contains { $0.unit == "U4" })
        // One budget for the province: the charts' expected false alarms add up to at most 1 a week.
        #expect(document.falseAlarmsPerWeek == 1 && document.runLengthWeeks == Double(document.charts))
        #expect(document.expectedFalseAlarmsPerWeek > 0.5 && document.expectedFalseAlarmsPerWeek <= 1.01, "\(document)")
        #expect(document.budget.contains("khoảng 1 cảnh báo nhầm mỗi tuần trên toàn tỉnh"))
        let alarm = try #require(document.alerts.first { $0.unit == "U1" && $0.sentiment == "KDT" })
        // Triage: a unit's alarm carries the province's state; a province alarm lists its units,
        // and comes first in its group.
        #expect(["alarm", "watch", "none"].contains(alarm.provinceState ?? ""), "\(alarm)")
        if let province = document.alerts.first(where: { $0.unit == nil && $0.topic == "CDS" && $0.direction == "up" }) {
            #expect(alarm.provinceState == "alarm" && province.units?.contains { $0.unit == "U1" && $0.state == "alarm" } == true, "\(province)")
            #expect((document.alerts.firstIndex { $0.unit == nil && $0.direction == "up" } ?? 99) < (document.alerts.firstIndex { $0.unit == "U1" && $0.direction == "up" } ?? -1))
        }
        let page = try String(contentsOfFile: "\(fixture.summaries)/alerts.html", encoding: .utf8)
        #expect(page.contains("<h1>Cảnh báo sớm</h1>") && page.contains("about 1 false alarm a week expected across the province when nothing changes"))
        #expect(page.contains("dự kiến khoảng 1 cảnh báo nhầm mỗi tuần trên toàn tỉnh khi dư luận không thay đổi"))
        #expect(alarm.direction == "up" && alarm.topic == "CDS" && alarm.period == "2026-W48")
        #expect(["2026-W45", "2026-W46", "2026-W47", "2026-W48"].contains(alarm.since), "\(alarm)")
        let share = try #require(alarm.share)
        #expect(share > 40 && share <= 50 && alarm.expected > 15 && alarm.expected < 25, "\(alarm)")
        #expect(alarm.expectedLow <= alarm.expected && alarm.expected <= alarm.expectedHigh && share > alarm.expectedHigh)
        #expect((alarm.score ?? 0) > alarm.threshold)
        // U2 and U3 did not move.
        #expect(!document.alerts.contains { $0.unit == "U2" || $0.unit == "U3" })
        // U4's weeks are withheld in the weekly summaries: no figure of its own in any alarm.
        let week = try SummaryJSON.decode(Data(contentsOf: URL(fileURLWithPath: "\(fixture.summaries)/week/2026-W48/summary.json")))
        #expect(week.topics[0].units[3].total.suppressed)
        for alert in document.alerts where alert.unit == "U4" {
            #expect(alert.share == nil && alert.score == nil, "\(alert)")
        }
        // The front page opens with them, before the lists of periods.
        let index = try String(contentsOfFile: "\(fixture.summaries)/index.html", encoding: .utf8)
        let attention = try #require(index.range(of: "<h2>Cần chú ý</h2>"))
        let lists = try #require(index.range(of: "<h2>Tuần</h2>"))
        #expect(attention.upperBound < lists.lowerBound)
        #expect(index.contains("Đơn vị 1") && index.contains("Không đồng tình") && index.contains("tuần 48/2026 (23/11–29/11/2026)"))
        #expect(index.contains(">\(ReportNumber.text(share))<"), "share \(share)")
        if document.alerts.contains(where: { $0.unit == "U4" }) { #expect(index.contains(">ẩn<")) }
    }

    @Test func alertsAreRewrittenWhenDataOrSettingsChangeOnly() async throws {
        let fixture = try AlertsFixture()
        try await fixture.load()
        _ = try fixture.publisher().publish()
        let path = "\(fixture.summaries)/alerts.json"
        let first = try Data(contentsOf: URL(fileURLWithPath: path))
        let again = try fixture.publisher().publish()
        #expect(again.written.isEmpty && again.alertsTime == .zero)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == first)
        var settings = EarlyWarningSettings()
        settings.falseAlarmsPerWeek = 0.2
        let changed = try fixture.publisher(settings).publish()
        #expect(changed.alertsTime > .zero)
        let document = try fixture.alerts()
        #expect(document.falseAlarmsPerWeek == 0.2 && document.runLengthWeeks == Double(document.charts) / 0.2)
        #expect(document.expectedFalseAlarmsPerWeek <= 0.21)
        #expect(document.budgetEn == "about 0.2 false alarms a week expected across the province when nothing changes")
    }
}

/// Keeps every log entry, for tests.
struct CapturingLogHandler: LogHandler {
    final class Box: Sendable {
        let entries = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])
        func messages(_ message: String) -> [Logger.Metadata] {
            entries.withLock { $0.filter { $0.message == message }.map(\.metadata) }
        }
    }

    let box: Box
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        box.entries.withLock { $0.append((event.level, event.message.description, self.metadata.merging(event.metadata ?? [:]) { $1 })) }
    }
}

extension AlertsPublicationTests {
    @Test func eachEpisodeIsJournalledOnceAndItsEndToo() async throws {
        let fixture = try AlertsFixture()
        try await fixture.load()
        let box = CapturingLogHandler.Box()
        func publisher() -> Publisher {
            var publisher = fixture.publisher()
            publisher.logger = Logger(label: "test") { _ in CapturingLogHandler(box: box) }
            return publisher
        }
        _ = try publisher().publish()
        let document = try fixture.alerts()
        let warnings = box.messages("opinion alarm")
        #expect(warnings.count == document.alerts.count && !warnings.isEmpty)
        let first = try #require(warnings.first { $0["unit"] == "U1" && $0["sentiment"] == "KDT" })
        // The watch list is shown, never logged as a warning.
        for entry in document.watch {
            #expect(!warnings.contains { $0["unit"] == "\(entry.unit ?? "ALL")" && $0["topic"] == "\(entry.topic)" && $0["direction"] == "\(entry.direction)" })
        }
        #expect(first["topic"] == "CDS" && first["sentiment"] == "KDT" && first["direction"] == "up" && first["share_percent"] != nil)
        #expect(box.entries.withLock { $0.first { $0.message == "opinion alarm" }?.level } == .warning)
        // More data that leaves the alarms as they are, and a new process: nothing repeated.
        try await fixture.ingest(week: 29, unit: 2, [1, 0, 0], batch: "late")
        _ = try publisher().publish()
        _ = try publisher().publish()
        #expect(box.messages("opinion alarm").count == warnings.count)
        #expect(box.messages("opinion alarm ended").isEmpty)
        // Every unit back to its old opinion, clearly: every episode ends, each once.
        try await fixture.ingest(week: 30, unit: 0, [30, 6, 2])
        for unit in 1...3 { try await fixture.ingest(week: 30, unit: unit, [12, 4, 4]) }
        _ = try publisher().publish()
        _ = try publisher().publish()
        let ended = box.messages("opinion alarm ended")
        #expect(ended.count == warnings.count, "\(ended)")
        #expect(ended.contains { $0["unit"] == "U1" && $0["sentiment"] == "KDT" && $0["direction"] == "up" })
        #expect(ended.allSatisfy { $0["period"] == "2026-W49" })
        #expect(try fixture.alerts().alerts.isEmpty)
    }

    /// A unit whose turning weeks arrive after those weeks were published: the weeks' new versions
    /// raise the alarm, and the alarm says it rests on revised data (issue 26).
    @Test func anAlarmFromRevisedWeeksSaysSo() async throws {
        let fixture = try AlertsFixture()
        for week in 0..<30 {
            if week < 26 { try await fixture.ingest(week: week, unit: 0, [12, 4, 4]) }
            try await fixture.ingest(week: week, unit: 1, [10, 4, 4])
            try await fixture.ingest(week: week, unit: 2, [11, 5, 4])
            try await fixture.ingest(week: week, unit: 3, [2, 1, 1])
        }
        var publisher = fixture.publisher()
        publisher.release = .closed(graceDays: 0)
        let noon = Date(timeIntervalSince1970: Double(LocalDate(iso: "2026-12-01")!.dayNumber) * 86_400 + 43_200)
        _ = try publisher.publish(now: noon)
        #expect(try fixture.alerts().alerts.allSatisfy { $0.unit != "U1" })
        for week in 26..<30 { try await fixture.ingest(week: week, unit: 0, [6, 4, 10], batch: "late") }
        let report = try publisher.publish(now: noon.addingTimeInterval(86_400))
        #expect(report.revised.contains("week/2026-W48"))
        let alarm = try #require(try fixture.alerts().alerts.first { $0.unit == "U1" && $0.direction == "up" })
        #expect(alarm.revisedData == true)
        let page = try String(contentsOfFile: "\(fixture.summaries)/index.html", encoding: .utf8)
        #expect(page.contains("số liệu đã điều chỉnh"))
    }
}

/// One decimal with a comma, as the report writes numbers.
enum ReportNumber {
    static func text(_ value: Double) -> String {
        String(format: "%.1f", value).replacingOccurrences(of: ".", with: ",")
    }
}
