// Publish benchmark: five years of daily tallies for 16 units × 20 topics × 3 groups × 3
// sentiments, then every period published (weeks, months, quarters, years).
//
// Run: scripts/build-release publish-bench && .build/release/publish-bench [DIR]
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
/// SplitMix64: a fast, seeded generator (the system one costs a system call per number).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
var generator = SplitMix64(state: 20261122)
let loadStart = clock.now
// Every cell of every day gets a random count (0…6); the days are summed into their tally spans as
// ingest does (a span is the part of an ISO week inside one month). With SPARSE=N, a cell gets 1…3
// responses on one day in N only: many small cells to withhold (the protection's worst case).
let sparse = ProcessInfo.processInfo.environment["SPARSE"].flatMap { Int($0) }.map { max(1, $0) }
// ROUNDS=1: three survey rounds whose windows cut weeks (and one a month end), configured before
// the load so that the spans are cut at their ends as ingest cuts them (issue 29); every one is
// closed by the first publication, so their results are planned and written with the periods.
let benchRounds = ProcessInfo.processInfo.environment["ROUNDS"] == "1" ? [
    SurveyRound(code: "R-A", title: "Đợt A", topics: ["T05"], from: LocalDate(iso: "2026-09-17")!, to: LocalDate(iso: "2026-09-26")!, defaultTarget: 1000),
    SurveyRound(code: "R-B", title: "Đợt B", topics: ["T05", "T06"], from: LocalDate(iso: "2026-10-01")!, to: LocalDate(iso: "2026-10-14")!, defaultTarget: 1000),
    SurveyRound(code: "R-C", title: "Đợt C", topics: ["T06", "T07"], from: LocalDate(iso: "2026-10-22")!, to: LocalDate(iso: "2026-11-03")!, defaultTarget: 1000),
] : []
try store.synchronizeRounds(benchRounds)
let cuts = SpanCuts(try store.writer.read { try Int.fetchAll($0, sql: "SELECT day FROM span_cuts") })
let rows = try store.writer.write { db -> Int in
    var rows = 0
    let insert = try db.makeStatement(sql: "INSERT INTO span_tallies (unit_id, span_start, topic_id, group_id, sentiment_id, count) VALUES (?, ?, ?, ?, ?, ?)")
    var span = cuts.spanStart(first.dayNumber)
    var sums = [Int](repeating: 0, count: 16 * 20 * 3 * 3)
    func flush() throws {
        for (index, count) in sums.enumerated() {
            try insert.execute(arguments: [index / 180 + 1, span, index / 9 % 20 + 1, index / 3 % 3 + 1, index % 3 + 1, count])
            rows += 1
        }
        sums = sums.map { _ in 0 }
    }
    for day in first.dayNumber...last.dayNumber {
        let start = cuts.spanStart(day)
        if start != span {
            try flush()
            span = start
        }
        if let sparse {
            for index in sums.indices where Int.random(in: 0..<sparse, using: &generator) == 0 { sums[index] += Int.random(in: 1...3, using: &generator) }
        } else {
            for index in sums.indices { sums[index] += Int.random(in: 0...6, using: &generator) }
        }
    }
    try flush()
    return rows
}
let loadTime = clock.now - loadStart

// RELEASE=open publishes every period as it fills (the behaviour before publish.release); the
// default is the closed policy with 2 grace days, as of 25 November 2026 (every week of the data
// has ended; November, the fourth quarter and 2026 have not).
let releaseOpen = ProcessInfo.processInfo.environment["RELEASE"] == "open"
let benchNow = Date(utcTimestamp: "2026-11-25T05:00:00Z")!
// LOOKS=N: provisional alarms recorded in each of the last N weeks of data, as if shown, for two
// units of every topic (a different two each week and topic): the plan bounds their counts of the
// topic in that week from below. (The daemon shows a topic's unit alarms only where the other units
// hold enough of its responses; LOOKS_ALL=1 bounds every unit and the province, beyond what it shows.)
let boundedWeeks = ProcessInfo.processInfo.environment["LOOKS"].flatMap { Int($0) } ?? 0
if boundedWeeks > 0 {
    let (unitIDs, topicIDs) = try store.writer.read { db in
        (try Int64.fetchAll(db, sql: "SELECT id FROM units"), try Int64.fetchAll(db, sql: "SELECT id FROM topics"))
    }
    let lastMonday = Period.containing(last, kind: .week).start.dayNumber
    var looks: [ProvisionalLook] = []
    let every = ProcessInfo.processInfo.environment["LOOKS_ALL"] == "1"
    for week in 0..<boundedWeeks {
        for (t, topic) in topicIDs.enumerated() {
            for (u, unit) in (unitIDs.map(Optional.some) + [nil]).enumerated() where every || (unit != nil && (u + week + t) % 8 == 0) {
                looks.append(ProvisionalLook(weekStart: lastMonday - 7 * week, unitID: unit, topicID: topic))
            }
        }
    }
    try store.recordProvisionalLooks(looks, at: "2026-11-20T00:00:00Z")
}
// The daemon's early warning (SurveyConfig's defaults): the provisional look on the current week's
// Monday and Tuesday, spending what the weekly charts leave; LOOK=0 turns it off (before issue 27's look).
var earlyWarning = EarlyWarningSettings()
if ProcessInfo.processInfo.environment["LOOK"] != "0" {
    earlyWarning.provisionalSpendsSlack = true
    earlyWarning.provisionalDays = 2
}
let publisher = Publisher(
    store: store, directory: "\(directory)/summaries", kinds: [.week, .month, .quarter, .year], minimumCellSize: 5, logger: logger,
    earlyWarning: earlyWarning, release: releaseOpen ? .open : .closed(graceDays: 2)
)
func timed(_ body: () throws -> Publisher.Report) rethrows -> (Duration, Publisher.Report) {
    let start = clock.now
    let report = try body()
    return (clock.now - start, report)
}
let (full, fullReport) = try timed { try publisher.publish(now: benchNow) }
let (again, againReport) = try timed { try publisher.publish(now: benchNow) }
// One late response in the last month: its week, month, quarter and year are rebuilt.
try store.writer.write { db in
    try db.execute(sql: "UPDATE span_tallies SET count = count + 1 WHERE unit_id = 1 AND span_start = ? AND topic_id = 1 AND group_id = 1 AND sentiment_id = 1", arguments: [cuts.spanStart(last.dayNumber)])
}
// Each later step a day after the one before: revisions come at most once a day.
let (late, lateReport) = try timed { try publisher.publish(now: benchNow.addingTimeInterval(86_400)) }
// Four more in the same cell (closed policy): five late responses, shown as a revision.
try store.writer.write { db in
    try db.execute(sql: "UPDATE span_tallies SET count = count + 4 WHERE unit_id = 1 AND span_start = ? AND topic_id = 1 AND group_id = 1 AND sentiment_id = 1", arguments: [cuts.spanStart(last.dayNumber)])
}
let (lateFive, lateFiveReport) = try timed { try publisher.publish(now: benchNow.addingTimeInterval(2 * 86_400)) }
// One late unit-week: unit 2's whole last complete ISO week (the week holding `last`, 2026-11-16…22,
// released in the first publication) arrives late on top of what it had: about 190 responses per
// topic, each of its 180 atoms given a seeded 0…6 per day as the load gives them, summed into the
// week's span(s).
let lateWeekMonday = last.adding(days: 1 - last.isoWeekday)
var lateWeekGenerator = SplitMix64(state: 20261116)
var lateWeekCounts: [Int: [Int]] = [:]
for day in 0..<7 {
    let span = cuts.spanStart(lateWeekMonday.adding(days: day).dayNumber)
    var sums = lateWeekCounts[span] ?? [Int](repeating: 0, count: 20 * 3 * 3)
    for index in sums.indices { sums[index] += Int.random(in: 0...6, using: &lateWeekGenerator) }
    lateWeekCounts[span] = sums
}
let lateWeekResponses = lateWeekCounts.values.reduce(0) { $0 + $1.reduce(0, +) }
try store.writer.write { db in
    let update = try db.makeStatement(sql: "UPDATE span_tallies SET count = count + ? WHERE unit_id = 2 AND span_start = ? AND topic_id = ? AND group_id = ? AND sentiment_id = ?")
    for (span, sums) in lateWeekCounts {
        for (index, count) in sums.enumerated() { try update.execute(arguments: [count, span, index / 9 + 1, index / 3 % 3 + 1, index % 3 + 1]) }
    }
}
let (lateWeek, lateWeekReport) = try timed { try publisher.publish(now: benchNow.addingTimeInterval(3 * 86_400)) }
// FIRST_MONTH=1: then publish as of 10 December 2026 (November and the week of 30 November
// released for the first time, with the late data).
var firstMonth: (Duration, Publisher.Report)?
if ProcessInfo.processInfo.environment["FIRST_MONTH"] == "1" {
    firstMonth = try timed { try publisher.publish(now: Date(utcTimestamp: "2026-12-10T05:00:00Z")!) }
}

// The file system's floor for a first publication: create the same files with the same sizes in
// fresh folders (no rendering) and flush them, as the publisher does.
let floorStart = clock.now
var floorBytes = 0, floorFiles = 0
do {
    let source = "\(directory)/summaries", target = "\(directory)/floor"
    let batch = AtomicBatch()
    for kind in ["week", "month", "quarter", "year"] {
        for period in (try? FileManager.default.contentsOfDirectory(atPath: "\(source)/\(kind)")) ?? [] {
            try FileManager.default.createDirectory(atPath: "\(target)/\(kind)/\(period)", withIntermediateDirectories: true)
            for name in ["summary.json", "summary.csv", "report.html"] {
                let size = (try FileManager.default.attributesOfItem(atPath: "\(source)/\(kind)/\(period)/\(name)")[.size] as? Int) ?? 0
                try batch.stage(Data(count: size), to: "\(target)/\(kind)/\(period)/\(name)")
                floorBytes += size
                floorFiles += 1
            }
        }
    }
    try batch.commit()
}
let floor = clock.now - floorStart

func ms(_ d: Duration) -> String { String(format: "%.0f ms", Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15) }
print("| data | \(days) days of daily counts in \(rows) span tally rows, 16 units × 20 topics × 3 groups × 3 sentiments (loaded in \(ms(loadTime))) |")
print("|---|---|")
func parts(_ r: Publisher.Report) -> String { "read \(ms(r.readTime)), protection \(ms(r.protectionTime)) (withheld \(r.withheld.primary) small + \(r.withheld.complementary) protecting, \(r.withheld.fallbacks) fallbacks), alerts \(ms(r.alertsTime)), render \(ms(r.renderTime)), flush \(ms(r.flushTime)), index pages \(ms(r.indexTime))" }
print("| first publish, every period | \(ms(full)) (\(fullReport.written.count) periods written; \(parts(fullReport))) |")
print("| publish again, nothing new | \(ms(again)) (\(againReport.written.count) written, \(againReport.unchanged) unchanged; \(parts(againReport))) |")
print("| publish after one late response | \(ms(late)) (\(lateReport.written.count) written: \(lateReport.written.joined(separator: ", ")); \(parts(lateReport))) |")
print("| then four more in the same cell | \(ms(lateFive)) (\(lateFiveReport.written.count) written: \(lateFiveReport.written.joined(separator: ", ")); held back \(lateFiveReport.held.added); \(parts(lateFiveReport))) |")
print("| one late unit-week (unit 2, \(lateWeekResponses) responses in span(s) \(lateWeekCounts.keys.sorted().map { LocalDate(dayNumber: $0).description }.joined(separator: ", "))) | \(ms(lateWeek)) (\(lateWeekReport.written.count) written: \(lateWeekReport.written.joined(separator: ", ")); held back \(lateWeekReport.held.added) added, \(lateWeekReport.held.removed) removed; late spans shown \(lateWeekReport.lateReleased); \(parts(lateWeekReport))) |")
if let firstMonth {
    let (time, report) = firstMonth
    print("| publish as of 2026-12-10 (November released, with the late data) | \(ms(time)) (\(report.written.count) written: \(report.written.joined(separator: ", ")); released \(report.released.joined(separator: ", ")); held back \(report.held.added); \(parts(report))) |")
}
if !benchRounds.isEmpty {
    print("| rounds | \(benchRounds.map { "\($0.code) \($0.from)…\($0.to) \($0.topics.joined(separator: "+"))" }.joined(separator: ", ")); results first written: \(fullReport.roundResults.joined(separator: ", ")); span cuts \(cuts.days.count) |")
}
print("| provisional look | \(earlyWarning.looksProvisionally ? "Monday and Tuesday (the daemon's default)" : "off (LOOK=0)")\(boundedWeeks > 0 ? "; \(ProcessInfo.processInfo.environment["LOOKS_ALL"] == "1" ? "every unit's and the province's" : "two units'") counts of every topic bounded in the last \(boundedWeeks) weeks (LOOKS=\(boundedWeeks))" : "") |")
print("| release policy | \(releaseOpen ? "open" : "closed, 2 grace days, as of 2026-11-25 (held back after one late response: \(lateReport.held.added))") |")
print("| file-system floor: create, write and flush the same \(floorFiles) files (\(floorBytes / 1_000_000) MB), no rendering | \(ms(floor)) |")

// A survey round of one million responses: 10,000 batches of 100 from 16 units over 83 days, each
// batch's round counts in 6 rows (2 topics × 3 groups), as ingest writes them. Timed: reading the
// counts, computing the progress, rendering its three files, and the round step of a publication.
let roundCode = "BENCH-ROUND"
try store.synchronizeRounds(benchRounds + [SurveyRound(
    code: roundCode, title: "Đợt đo", topics: ["T01", "T02"], from: LocalDate(iso: "2026-09-01")!, to: LocalDate(iso: "2026-11-30")!,
    defaultTarget: 70_000
)])
let roundID = try store.writer.read { try Int64.fetchOne($0, sql: "SELECT id FROM rounds WHERE code = ?", arguments: [roundCode]) } ?? 1
let collaborators = try units.map { try store.addCollaborator(unit: $0.code, name: "Bench").0.id }
let roundLoadStart = clock.now
try store.writer.write { db in
    let batch = try db.makeStatement(sql: "INSERT INTO batches (collaborator_id, client_batch_id, unit_id, digest, received_at, response_count) VALUES (?, ?, ?, zeroblob(32), ?, 100)")
    let count = try db.makeStatement(sql: "INSERT INTO round_counts (round_id, batch_id, topic_id, group_id, count) VALUES (\(roundID), ?, ?, ?, ?)")
    let start = Date(utcTimestamp: "2026-09-01T01:00:00Z")!.timeIntervalSince1970
    for index in 0..<10_000 {
        let unit = index % 16
        let received = Date(timeIntervalSince1970: start + Double(index) * 83 * 86_400 / 10_000)
        try batch.execute(arguments: [collaborators[unit], "b\(index)", unit + 1, received.utcTimestamp])
        let id = db.lastInsertedRowID
        var left = 100
        for cell in 0..<6 {
            let n = cell == 5 ? left : Int.random(in: 0...(left / 2), using: &generator)
            left -= n
            if n > 0 { try count.execute(arguments: [id, cell / 3 + 1, cell % 3 + 1, n]) }
        }
    }
}
let roundLoad = clock.now - roundLoadStart
let roundNow = Date(utcTimestamp: "2026-11-22T05:00:00Z")!
let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
var readTimes: [Duration] = [], computeTimes: [Duration] = [], renderTimes: [Duration] = []
var roundProgress: RoundProgress?
for _ in 0..<5 {
    let t0 = clock.now
    let inputs = try store.roundInputs(roundCode)!
    let t1 = clock.now
    let progress = inputs.progress(now: roundNow, timeZone: zone)
    let t2 = clock.now
    _ = try RoundReport.json(progress)
    _ = RoundReport.csv(progress)
    _ = RoundReport.html(progress)
    renderTimes.append(clock.now - t2)
    readTimes.append(t1 - t0)
    computeTimes.append(t2 - t1)
    roundProgress = progress
}
let (withRound, withRoundReport) = try timed { try publisher.publish(now: roundNow) }
func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }
print("| a round of \(roundProgress?.province.received ?? 0) responses in 10,000 batches (60,000 round-count rows, loaded in \(ms(roundLoad))): read the counts | \(ms(median(readTimes))) (median of 5) |")
print("| the same round: compute the progress of 16 units (statuses, forecasts) | \(ms(median(computeTimes))) |")
print("| the same round: render progress.json, .csv, .html | \(ms(median(renderTimes))) |")
print("| publish with the round (periods unchanged) | \(ms(withRound)) (round step \(ms(withRoundReport.roundTime)), \(withRoundReport.written.count) periods written) |")
// The small-unit estimates where they cost most: a week in which every unit total has 20–49
// responses (the bench's own weeks have about 190 per unit and topic, so none gets them).
do {
    var sparse = SurveyReport.TallyCube(units: units, topics: topics, groups: groups, sentiments: sentiments)
    for i in 0..<sparse.counts.count { sparse.add(Int.random(in: 0...4, using: &generator) + (i % 9 == 0 ? 2 : 1), at: i) }
    let built = SurveyReport.SummaryBuilder(minimumCellSize: 5).build(
        period: Period(identifier: "2026-W47")!, current: sparse, previous: sparse, revision: 1, dataThrough: "x"
    )
    var times: [Duration] = []
    var small = 0
    for _ in 0..<5 {
        var summary = built
        let start = clock.now
        summary.addSmallUnitEstimates()
        times.append(clock.now - start)
        small = summary.topics.reduce(0) { $0 + $1.units.filter { $0.total.sharesEb != nil }.count }
    }
    print("| small-unit estimates of one sparse week (\(small) of 320 unit totals under 50 responses) | \(ms(median(times))) (median of 5) |")
}
let peak = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.map { $0.split(separator: " ").dropFirst().joined(separator: " ") } ?? "?"
print("| peak resident memory | \(peak) |")
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
