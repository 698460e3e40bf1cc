// Publish benchmark: five years of daily tallies for 16 units × 20 topics × 3 groups × 3
// sentiments, then every period published (weeks, months, quarters, years).
//
// Run: swift build -c release --product publish-bench && .build/release/publish-bench [DIR]
import Foundation
import GRDB
import Logging
import SurveyModel
import SurveyPublisher
import SurveyReport
import SurveyStore

let directory = CommandLine.arguments.dropFirst().first ?? FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-publish-bench-\(getpid())").path
try? FileManager.default.removeItem(atPath: directory)
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
var logger = Logger(label: "bench")
logger.logLevel = .warning

let units = (1...16).map { SurveyUnit(code: String(format: "U%02d", $0), name: "Đơn vị \($0)") }
let topics = (1...20).map { Topic(code: String(format: "T%02d", $0), title: "Chủ đề số \($0)") }
let groups = [RespondentGroup(code: "CB", name: "Cán bộ"), RespondentGroup(code: "DV", name: "Đảng viên"), RespondentGroup(code: "ND", name: "Nhân dân")]
let sentiments = [
    Sentiment(code: "DT", label: "Đồng tình", polarity: .positive), Sentiment(code: "PV", label: "Phân vân", polarity: .neutral),
    Sentiment(code: "KDT", label: "Không đồng tình", polarity: .negative),
]
let store = try SurveyStore(path: "\(directory)/surveyd.sqlite", logger: logger)
try store.synchronize(Catalog(units: units, topics: topics, groups: groups, sentiments: sentiments))

let first = LocalDate(iso: ProcessInfo.processInfo.environment["PROFILE"] != nil ? "2026-11-01" : "2021-11-23")!, last = LocalDate(iso: "2026-11-22")!
let days = last.dayNumber - first.dayNumber + 1
let clock = ContinuousClock()
var generator = SystemRandomNumberGenerator()
let loadStart = clock.now
var rows = 0
try store.writer.write { db in
    let insert = try db.makeStatement(sql: "INSERT INTO daily_tallies (unit_id, day, topic_id, group_id, sentiment_id, count) VALUES (?, ?, ?, ?, ?, ?)")
    for day in first.dayNumber...last.dayNumber {
        for unit in 1...16 {
            for topic in 1...20 {
                for group in 1...3 {
                    for sentiment in 1...3 {
                        try insert.execute(arguments: [unit, day, topic, group, sentiment, Int.random(in: 0...6, using: &generator)])
                        rows += 1
                    }
                }
            }
        }
    }
}
let loadTime = clock.now - loadStart

let publisher = Publisher(store: store, directory: "\(directory)/summaries", kinds: [.week, .month, .quarter, .year], minimumCellSize: 5, logger: logger)
func timed(_ body: () throws -> Publisher.Report) rethrows -> (Duration, Publisher.Report) {
    let start = clock.now
    let report = try body()
    return (clock.now - start, report)
}
let (full, fullReport) = try timed { try publisher.publish() }
let (again, againReport) = try timed { try publisher.publish() }
// One late response in the last month: its week, month, quarter and year are rebuilt.
try store.writer.write { db in
    try db.execute(sql: "UPDATE daily_tallies SET count = count + 1 WHERE unit_id = 1 AND day = ? AND topic_id = 1 AND group_id = 1 AND sentiment_id = 1", arguments: [last.dayNumber])
}
let (late, lateReport) = try timed { try publisher.publish() }

func ms(_ d: Duration) -> String { String(format: "%.0f ms", Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15) }
let rss = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.map { $0.split(separator: " ").dropFirst().joined(separator: " ") } ?? "?"
print("| data | \(rows) daily tally rows, \(days) days, 16 units × 20 topics × 3 groups × 3 sentiments (loaded in \(ms(loadTime))) |")
print("|---|---|")
print("| first publish, every period | \(ms(full)) (\(fullReport.written.count) periods written) |")
print("| publish again, nothing new | \(ms(again)) (\(againReport.written.count) written, \(againReport.unchanged) unchanged) |")
print("| publish after one late response | \(ms(late)) (\(lateReport.written.count) written: \(lateReport.written.joined(separator: ", "))) |")
print("| peak resident memory | \(rss) |")
try? FileManager.default.removeItem(atPath: directory)

// Where the time of one period goes (profiling aid).
if ProcessInfo.processInfo.environment["PROFILE"] != nil {
    let cube = { () -> (SurveyReport.TallyCube, SurveyReport.TallyCube) in
        var c = SurveyReport.TallyCube(units: units, topics: topics, groups: groups, sentiments: sentiments)
        for i in 0..<c.counts.count { c.add(Int.random(in: 0...150, using: &generator), at: i) }
        return (c, c)
    }()
    let builder = SurveyReport.SummaryBuilder(minimumCellSize: 5)
    var t = clock.now
    var summary = builder.build(period: Period(identifier: "2026-11")!, current: cube.0, previous: cube.1, revision: 1, dataThrough: "x")
    for _ in 0..<9 { summary = builder.build(period: Period(identifier: "2026-11")!, current: cube.0, previous: cube.1, revision: 1, dataThrough: "x") }
    print("build ×10: \(ms(clock.now - t))"); t = clock.now
    var size = 0
    for _ in 0..<10 { size = try SurveyReport.SummaryJSON.render(summary).count }
    print("json ×10: \(ms(clock.now - t)), \(size) bytes"); t = clock.now
    for _ in 0..<10 { size = SurveyReport.SummaryCSV.render(summary).count }
    print("csv ×10: \(ms(clock.now - t)), \(size) bytes"); t = clock.now
    for _ in 0..<10 { size = SurveyReport.ReportHTML.render(summary).count }
    print("html ×10: \(ms(clock.now - t)), \(size) bytes")
}
