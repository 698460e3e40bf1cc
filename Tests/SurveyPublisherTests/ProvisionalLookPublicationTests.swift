import Foundation
import Logging
import SurveyModel
@testable import SurveyPublisher
import SurveyReport
import SurveyStore
import Testing

/// The provisional look in a publication (issue 27): the current week's first days, read as
/// stored, continue each chart; an alarm there is shown without a figure and recorded, and every
/// later plan bounds that week's counts.
@Suite struct ProvisionalLookPublicationTests {
    static let dimensions = SummaryDimensions(
        units: (0..<4).map { (Int64(11 + $0), SurveyUnit(code: "U\($0 + 1)", name: "Đơn vị \($0 + 1)")) },
        topics: [(21, Topic(code: "CDS", title: "Chuyển đổi số"))],
        groups: [(31, RespondentGroup(code: "ND", name: "Nhân dân"))],
        sentiments: [(41, Sentiment(code: "DT", label: "Đồng tình", polarity: .positive)), (42, Sentiment(code: "KDT", label: "Không đồng tình", polarity: .negative))]
    )
    /// The week looked at: 2026-W50, Monday 7 December.
    static let week = Period.containing(LocalDate(iso: "2026-12-07") ?? LocalDate(dayNumber: 0), kind: .week)

    /// 20 weeks before 2026-W50, each unit 40 answers a week (8 negative); then, on the week's
    /// Monday and Tuesday, 6 answers a day per unit (1 negative), but `loud` in U1 (all negative).
    static func reading(loud: Int, week: Period = week) -> MemoryReading {
        var spans: [(unit: Int64, day: Int, topic: Int64, group: Int64, sentiment: Int64, count: Int)] = []
        for back in 1...20 {
            let monday = week.start.dayNumber - 7 * back
            for unit in Int64(11)...14 {
                spans.append((unit, monday, 21, 31, 41, 32 + back % 3))
                spans.append((unit, monday, 21, 31, 42, 8 + (back + Int(unit)) % 3))
            }
        }
        var reading = MemoryReading(dimensions: dimensions, spans: spans)
        for day in [week.start.dayNumber, week.start.dayNumber + 1] {
            for unit in Int64(11)...14 {
                if unit == 11, loud > 0 {
                    reading.daily.append((unit, day, 21, 42, loud))
                } else {
                    reading.daily.append((unit, day, 21, 41, 5))
                    reading.daily.append((unit, day, 21, 42, 1))
                }
            }
        }
        // The same answers in the tallies (by span), as the database holds them.
        for row in reading.daily {
            reading.spans.append((row.unit, LocalDate(dayNumber: row.day).tallySpanStart.dayNumber, row.topic, 31, row.sentiment, row.count))
        }
        return reading
    }

    static func publisher(_ store: MemoryStore, days: Int = 2, release: ReleasePolicy = .standard) -> Publisher {
        var settings = EarlyWarningSettings()
        settings.provisionalSpendsSlack = true
        settings.provisionalDays = days
        return Publisher(
            store: store, directory: "/nonexistent/surveyd-look", kinds: [.week, .month], minimumCellSize: 5,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), earlyWarning: settings, release: release
        )
    }

    /// Noon UTC on `iso`.
    static func noon(_ iso: String) -> Date {
        Date(timeIntervalSince1970: Double((LocalDate(iso: iso) ?? LocalDate(dayNumber: 0)).dayNumber) * 86_400 + 43_200)
    }

    @Test func aShiftOnTheWeeksFirstDaysIsShownAndRecordedWithoutAFigure() throws {
        let store = MemoryStore(Self.reading(loud: 6))
        let publisher = Self.publisher(store)
        let now = Self.noon("2026-12-09")
        let input = try publisher.read(now: now)
        let look = try #require(input.look)
        #expect(look.week == Self.week && look.days == 2)
        let plan = publisher.plan(input, now: now)
        let (_, document) = publisher.alarms(plan, timestamp: now.utcTimestamp)
        #expect(document.week == "2026-W49", "the charts read the published weeks")
        #expect(document.provisionalDays == 2)
        let expected = try #require(document.expectedProvisionalAlarmsPerWeek)
        #expect(expected > 0 && document.expectedFalseAlarmsPerWeek <= 1.0 + 1e-9)
        let provisional = try #require(document.provisional)
        // U1's charts (its negative share rising, its positive share falling), and maybe the
        // province's, which sums U1; never another unit's.
        #expect(Set(provisional.map(\.unit)).isSubset(of: [nil, "U1"]) && provisional.contains { $0.unit == "U1" }, "\(provisional)")
        let alarm = try #require(provisional.first { $0.unit == "U1" && $0.direction == "up" })
        #expect(alarm.sentiment == "KDT" && alarm.week == "2026-W50")
        #expect(alarm.crossedOn == "2026-12-07" || alarm.crossedOn == "2026-12-08")
        #expect(alarm.through == "2026-12-08")
        // No figure of the week's days in the file: only codes and dates.
        let json = String(decoding: try document.json(), as: UTF8.self)
        #expect(json.contains("\"provisional\":[{\"crossed_on\""))
        // Recorded, and read back as bounds on every sentiment of U1's topic in that week.
        let looks = publisher.provisionalLooks(document, cubes: plan.cubes)
        #expect(looks.contains(ProvisionalLook(weekStart: Self.week.start.dayNumber, unitID: 11, topicID: 21)))
        #expect(Set(looks).count == looks.count && looks.allSatisfy { $0.unitID == nil || $0.unitID == 11 })
        try store.recordProvisionalLooks(looks, at: now.utcTimestamp)
        let next = try publisher.read(now: Self.noon("2026-12-14"))
        #expect(next.look == nil, "Monday: no day of the new week to look at")
        let bounds = next.cubes.lookBounds(Self.week.start.dayNumber + 3)
        #expect(Set(bounds.filter { $0.unit == 0 }) == [LinkedProtection.Bound(topic: 0, unit: 0, sentiment: 0, atLeast: true), LinkedProtection.Bound(topic: 0, unit: 0, sentiment: 1, atLeast: true)])
        #expect(bounds.allSatisfy { $0.unit == nil || $0.unit == 0 })
        #expect(next.cubes.lookBounds(Self.week.start.dayNumber - 1).isEmpty, "the week before is not bounded")
    }

    @Test func nothingIsShownWhenTheDaysAreOrdinary() throws {
        let store = MemoryStore(Self.reading(loud: 0))
        let publisher = Self.publisher(store)
        let now = Self.noon("2026-12-10")
        let plan = publisher.plan(try publisher.read(now: now), now: now)
        let (_, document) = publisher.alarms(plan, timestamp: now.utcTimestamp)
        #expect(document.provisional == [])
        #expect(publisher.provisionalLooks(document, cubes: plan.cubes).isEmpty)
    }

    /// Off (`alerts.provisional_days: 0`): nothing read, nothing shown, the whole budget weekly.
    @Test func offItReadsAndShowsNothing() throws {
        let store = MemoryStore(Self.reading(loud: 12))
        let publisher = Self.publisher(store, days: 0)
        let now = Self.noon("2026-12-09")
        let input = try publisher.read(now: now)
        #expect(input.look == nil)
        let (_, document) = publisher.alarms(publisher.plan(input, now: now), timestamp: now.utcTimestamp)
        #expect(document.provisional == nil && document.provisionalDays == nil && document.expectedProvisionalAlarmsPerWeek == nil)
        #expect(!String(decoding: try document.json(), as: UTF8.self).contains("provisional"))
    }

    /// On Tuesday only Monday is looked at; a week whose previous week is not the latest the
    /// charts read (nothing published in 2026-W49) is not looked at.
    @Test func theLookFollowsOnlyTheDaysBeforeTodayAfterTheLatestWeek() throws {
        let tuesday = Self.noon("2026-12-08")
        let store = MemoryStore(Self.reading(loud: 12))
        let input = try Self.publisher(store).read(now: tuesday)
        #expect(input.look?.days == 1)
        let (_, document) = Self.publisher(store).alarms(Self.publisher(store).plan(input, now: tuesday), timestamp: tuesday.utcTimestamp)
        #expect(document.provisional?.first?.through == "2026-12-07")
        // A week without data between (a holiday) is skipped: the charts carry on from 2026-W48.
        var gap = Self.reading(loud: 12)
        gap.spans.removeAll { $0.day == Self.week.start.dayNumber - 7 }
        let later = MemoryStore(gap)
        let laterPublisher = Self.publisher(later)
        let now = Self.noon("2026-12-09")
        let gapInput = try laterPublisher.read(now: now)
        #expect(gapInput.look?.week == Self.week && gapInput.look?.days == 2)
        let (_, skipped) = laterPublisher.alarms(laterPublisher.plan(gapInput, now: now), timestamp: now.utcTimestamp)
        #expect(skipped.week == "2026-W48")
        let shown = skipped.provisional ?? []
        #expect(shown.contains { $0.unit == "U1" && $0.week == "2026-W50" }, "\(shown)")
    }

    /// With weeks published two days after them (`grace_days.week: 2`), on the Tuesday after
    /// 2026-W50 that week is still unpublished: its look (Monday and Tuesday) still shows.
    @Test func aWeekNotYetPublishedKeepsItsLookWithGraceDays() throws {
        let store = MemoryStore(Self.reading(loud: 12))
        let publisher = Self.publisher(store, release: .closed(GraceDays(week: 2, month: 2, quarter: 2, year: 2)))
        let tuesday = Self.noon("2026-12-15")
        let input = try publisher.read(now: tuesday)
        #expect(input.look?.week == Self.week && input.look?.days == 2)
        let (_, document) = publisher.alarms(publisher.plan(input, now: tuesday), timestamp: tuesday.utcTimestamp)
        #expect(document.week == "2026-W49" && document.provisional?.contains { $0.unit == "U1" && $0.week == "2026-W50" } == true)
    }

    /// Under `publish.release: open` the current week is published as it fills: no look.
    @Test func noLookUnderTheOpenPolicy() throws {
        let store = MemoryStore(Self.reading(loud: 12))
        let publisher = Self.publisher(store, release: .open)
        let now = Self.noon("2026-12-09")
        let input = try publisher.read(now: now)
        #expect(input.look == nil)
        let (_, document) = publisher.alarms(publisher.plan(input, now: now), timestamp: now.utcTimestamp)
        #expect(document.provisional == nil && document.provisionalDays == nil)
    }

    /// One look a day: a publication that looks at the same days keeps the alarms of the one before
    /// (the threshold holds one look a day), even when later answers would undo the crossing; a new
    /// day is looked at afresh.
    @Test func theLookIsMadeOnceADay() throws {
        let loudStore = MemoryStore(Self.reading(loud: 12))
        let publisher = Self.publisher(loudStore)
        let now = Self.noon("2026-12-09")
        let (_, first) = publisher.alarms(publisher.plan(try publisher.read(now: now), now: now), timestamp: now.utcTimestamp)
        #expect(first.provisionalThrough == "2026-12-08" && first.provisional?.contains { $0.unit == "U1" } == true)
        let quiet = MemoryStore(Self.reading(loud: 0))
        let quietPublisher = Self.publisher(quiet)
        let plan = quietPublisher.plan(try quietPublisher.read(now: now), now: now)
        let again = Publisher.alerts(cubes: plan.cubes, settings: quietPublisher.earlyWarning, minimumCellSize: 5, generatedAt: "later",
                                     weekMasks: plan.masks, look: plan.look, previous: first)
        #expect(again.provisional == first.provisional)
        var yesterday = first
        yesterday.provisionalThrough = "2026-12-07"
        let fresh = Publisher.alerts(cubes: plan.cubes, settings: quietPublisher.earlyWarning, minimumCellSize: 5, generatedAt: "later",
                                     weekMasks: plan.masks, look: plan.look, previous: yesterday)
        #expect(fresh.provisional == [])
    }

    /// The units already alarmed this week (recorded) are bounded too: they are no partners. With
    /// U2's 5 answers the only other ones on Monday and Tuesday, U1's alarm shows while U2 is free,
    /// and not once U2's alarm was recorded.
    @Test func aUnitRecordedBeforeIsNoPartner() throws {
        var reading = Self.reading(loud: 6)
        reading.daily.removeAll { $0.unit != 11 }
        reading.daily.append((12, Self.week.start.dayNumber, 21, 41, 5))
        let now = Self.noon("2026-12-09")
        func shown(_ reading: MemoryReading) throws -> Bool {
            let store = MemoryStore(reading)
            let publisher = Self.publisher(store)
            let (_, document) = publisher.alarms(publisher.plan(try publisher.read(now: now), now: now), timestamp: now.utcTimestamp)
            return document.provisional?.contains { $0.unit == "U1" } == true
        }
        #expect(try shown(reading))
        reading.looks = [ProvisionalLook(weekStart: Self.week.start.dayNumber, unitID: 12, topicID: 21)]
        #expect(try !shown(reading))
    }

    /// No table holding the days looked at is published before their week: a month waits for the
    /// end of the week holding its last day, a round for the week of its last day. As a guard, a
    /// span of those days shown (or a round's window meeting them) would stop new alarms, which
    /// a table planned without their bounds could betray.
    @Test func theGuardSeesATableHoldingTheDays() throws {
        let store = MemoryStore(Self.reading(loud: 12))
        let publisher = Self.publisher(store)
        var input = try publisher.read(now: Self.noon("2026-12-09"))
        let look = try #require(input.look)
        #expect(!look.spansReleased(input.cubes))
        input.cubes.spanCounts[Self.week.start.dayNumber] = input.cubes.empty.counts
        #expect(look.spansReleased(input.cubes))
    }

    /// An alarm shown keeps its unit's counts of the week from moving down in the plans that
    /// protect a small unit there; those need other units to move against. So a topic's unit
    /// alarms are shown only when the units without one hold at least the minimum (5) of its
    /// responses on the days looked at; the province's alarm, only when other topics do (here there
    /// is one topic: never).
    @Test(arguments: [(partner: 0, shown: false), (partner: 4, shown: false), (partner: 5, shown: true)])
    func anAlarmNeedsPartnersItDoesNotBound(partner: Int, shown: Bool) throws {
        var reading = Self.reading(loud: 6)
        reading.daily.removeAll { $0.unit != 11 }
        if partner > 0 { reading.daily.append((12, Self.week.start.dayNumber, 21, 41, partner)) }
        let store = MemoryStore(reading)
        let publisher = Self.publisher(store)
        let now = Self.noon("2026-12-09")
        let plan = publisher.plan(try publisher.read(now: now), now: now)
        let (_, document) = publisher.alarms(plan, timestamp: now.utcTimestamp)
        let provisional = try #require(document.provisional)
        #expect(provisional.contains { $0.unit == "U1" && $0.direction == "up" } == shown, "\(provisional)")
        #expect(provisional.allSatisfy { $0.unit == "U1" }, "no province alarm with one topic: \(provisional)")
    }
}
