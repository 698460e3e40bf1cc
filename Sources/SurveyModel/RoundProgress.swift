import Foundation

/// One batch's responses that belong to a round, by topic and respondent group: what the store
/// keeps at ingest (never the responses themselves), joined with the batch's unit, collaborator,
/// receipt time and review state.
public struct RoundCount: Sendable, Hashable {
    public var batch: Int64
    /// Unit code.
    public var unit: String
    public var collaborator: Int64
    public var receivedAt: Date
    /// Held for review: shown apart, not counted.
    public var held: Bool
    public var topic: String
    public var group: String
    public var count: Int

    public init(batch: Int64, unit: String, collaborator: Int64, receivedAt: Date, held: Bool, topic: String, group: String, count: Int) {
        self.batch = batch
        self.unit = unit
        self.collaborator = collaborator
        self.receivedAt = receivedAt
        self.held = held
        self.topic = topic
        self.group = group
        self.count = count
    }
}

/// Where a round stands in time, in the provincial time zone.
public enum RoundPhase: String, Sendable, Codable, CaseIterable {
    /// Before ``SurveyRound/from``.
    case upcoming
    /// From ``SurveyRound/from`` to ``SurveyRound/reportBy``, both included: batches are expected.
    case open
    /// After ``SurveyRound/reportBy``.
    case closed
}

/// A unit's status in a round. See ``RoundProgress/status(round:target:received:lastBatchDay:today:)``
/// for the rules.
public enum RoundStatus: String, Sendable, Codable, CaseIterable {
    case notStarted = "not_started"
    case onTrack = "on_track"
    case behind
    case silent
    case complete
    case missed

    /// Order on the progress page: the units needing attention first.
    public var attentionRank: Int {
        switch self {
        case .silent: 0
        case .behind: 1
        case .missed: 2
        case .notStarted: 3
        case .onTrack: 4
        case .complete: 5
        }
    }

    /// Whether the journal warns when a unit enters the status.
    public var needsAttention: Bool { self == .silent || self == .behind }

    /// Vietnamese label for the pages.
    public var label: String {
        switch self {
        case .notStarted: "Chưa bắt đầu"
        case .onTrack: "Đúng tiến độ"
        case .behind: "Chậm tiến độ"
        case .silent: "Chưa báo cáo"
        case .complete: "Hoàn thành"
        case .missed: "Không đạt"
        }
    }
}

/// Progress of one round as of one instant: per unit and for the province. Computed by
/// ``compute(round:units:activeCollaborators:counts:now:timeZone:)``, pure.
public struct RoundProgress: Sendable, Codable, Equatable {
    /// A unit's figures, status and forecast.
    public struct UnitProgress: Sendable, Codable, Equatable {
        public var unit: String
        public var name: String
        public var target: Int
        /// Counted responses (accepted batches, not held).
        public var received: Int
        /// Responses in batches held for review (not in ``received``).
        public var held: Int
        /// Counted responses received after the reporting deadline (local day).
        public var late: Int
        /// Counted batches with responses in the round.
        public var batches: Int
        /// Counted responses per topic code and per respondent group code.
        public var byTopic: [String: Int]
        public var byGroup: [String: Int]
        /// Collaborators of the unit who sent a batch for the round / who are not revoked.
        public var collaboratorsSent: Int
        public var collaboratorsActive: Int
        /// First and last batch received (held ones included), local time with its UTC offset.
        public var firstBatch: String?
        public var lastBatch: String?
        /// Whole local days since the last batch; nil when none.
        public var daysSinceLastBatch: Int?
        /// Responses expected by the start of today at an even pace from `from` to `report_by`.
        public var expectedByToday: Double
        /// received ÷ target (1 when the target is 0).
        public var completion: Double
        public var status: RoundStatus
        public var forecast: RoundForecast?
    }

    /// The province: DHIS2's reporting rate and timeliness, and the completion.
    public struct ProvinceProgress: Sendable, Codable, Equatable {
        /// Units with a target above 0.
        public var unitsExpected: Int
        /// Expected units with at least one counted batch.
        public var unitsReported: Int
        /// Expected units with at least one counted batch received by `report_by`.
        public var unitsOnTime: Int
        /// unitsReported ÷ unitsExpected, unitsOnTime ÷ unitsExpected (nil when none expected).
        public var reportingRate: Double?
        public var onTimeRate: Double?
        public var target: Int
        public var received: Int
        public var held: Int
        public var late: Int
        /// Σ min(received, target) ÷ Σ target over units: one unit's surplus does not hide another's
        /// shortfall (nil when no target).
        public var completion: Double?
        /// Units per status (every status listed).
        public var statuses: [String: Int]
    }

    public var schema = "surveyd.round/1"
    public var code: String
    public var title: String
    public var topics: [String]
    public var from: LocalDate
    public var to: LocalDate
    public var reportBy: LocalDate
    public var silentAfterDays: Int
    /// When the progress was computed (UTC) and the provincial day it fell on.
    public var asOf: String
    public var today: LocalDate
    public var phase: RoundPhase
    public var province: ProvinceProgress
    /// Units needing attention first (status rank, then completion, then code).
    public var units: [UnitProgress]
}

extension RoundProgress {
    /// A unit whose count is below this share of the even-pace expectation is behind.
    public static let behindTolerance = 0.8
    /// Days of receipts the forecast's rate is measured over.
    public static let rateWindowDays = 14

    /// The round's phase on `today` (a provincial day).
    public static func phase(_ round: SurveyRound, today: LocalDate) -> RoundPhase {
        today < round.from ? .upcoming : today > round.reportBy ? .closed : .open
    }

    /// Responses expected by the start of `today` at an even pace: the target spread evenly over
    /// the days from `from` to `report_by` (both included), of which `today − from` have passed.
    public static func expected(_ round: SurveyRound, target: Int, today: LocalDate) -> Double {
        let days = round.reportBy.dayNumber - round.from.dayNumber + 1
        let passed = min(max(today.dayNumber - round.from.dayNumber, 0), days)
        return days > 0 ? Double(target) * Double(passed) / Double(days) : Double(target)
    }

    /// A unit's status, by the first rule that applies:
    /// 1. `not_started` before `from`;
    /// 2. `complete` when received ≥ target;
    /// 3. `missed` after `report_by`;
    /// 4. `silent` when no batch for `silent_after_days` days or more (days since its last batch;
    ///    for a unit that never sent, days since `from`);
    /// 5. `behind` when received < 80% of the even-pace expectation (``expected(_:target:today:)``);
    /// 6. `not_started` when it has sent nothing yet, else `on_track`.
    public static func status(round: SurveyRound, target: Int, received: Int, lastBatchDay: LocalDate?, today: LocalDate) -> RoundStatus {
        if today < round.from { return .notStarted }
        if received >= target { return .complete }
        if today > round.reportBy { return .missed }
        let quiet = today.dayNumber - (lastBatchDay ?? round.from).dayNumber
        if quiet >= round.silentAfterDays { return .silent }
        if Double(received) < behindTolerance * expected(round, target: target, today: today) { return .behind }
        return lastBatchDay == nil && received == 0 ? .notStarted : .onTrack
    }

    /// Progress of `round` as of `now`: `units` are the configured units (others with counts are
    /// added), `activeCollaborators` the non-revoked collaborators per unit code, `counts` the
    /// round's counts of every batch that is not retracted.
    public static func compute(
        round: SurveyRound, units: [SurveyUnit], activeCollaborators: [String: Int], counts: [RoundCount], now: Date, timeZone: TimeZone
    ) -> RoundProgress {
        let today = LocalDate(instant: now, in: timeZone)
        struct Accumulator {
            var received = 0, held = 0, late = 0, onTime = 0
            var batches: Set<Int64> = []
            var collaborators: Set<Int64> = []
            var byTopic: [String: Int] = [:], byGroup: [String: Int] = [:]
            var first: Date?, last: Date?
            var daily: [Int: Int] = [:]
        }
        // One accumulator per unit, mutated in place in an array (a copy taken out of a
        // dictionary would copy its sets at every row).
        var accumulators: [Accumulator] = []
        var positions: [String: Int] = [:]
        var names: [String] = []
        var order: [String] = []
        for unit in units where positions[unit.code] == nil {
            positions[unit.code] = order.count
            order.append(unit.code)
            names.append(unit.name)
            accumulators.append(Accumulator())
        }
        // Days are reckoned once per batch: its rows share one receipt time.
        var lastBatch: Int64?
        var day = 0
        var position = 0
        var lastUnit = ""
        for row in counts {
            if row.unit != lastUnit || order.isEmpty {
                if let known = positions[row.unit] {
                    position = known
                } else {
                    position = order.count
                    positions[row.unit] = position
                    order.append(row.unit)
                    names.append(row.unit)
                    accumulators.append(Accumulator())
                }
                lastUnit = row.unit
            }
            if row.batch != lastBatch {
                day = LocalDate(instant: row.receivedAt, in: timeZone).dayNumber
                lastBatch = row.batch
                if accumulators[position].first.map({ row.receivedAt < $0 }) ?? true { accumulators[position].first = row.receivedAt }
                if accumulators[position].last.map({ row.receivedAt > $0 }) ?? true { accumulators[position].last = row.receivedAt }
                accumulators[position].collaborators.insert(row.collaborator)
            }
            if row.held {
                accumulators[position].held += row.count
            } else {
                accumulators[position].received += row.count
                accumulators[position].batches.insert(row.batch)
                accumulators[position].byTopic[row.topic, default: 0] += row.count
                accumulators[position].byGroup[row.group, default: 0] += row.count
                accumulators[position].daily[day, default: 0] += row.count
                if day > round.reportBy.dayNumber { accumulators[position].late += row.count } else { accumulators[position].onTime += row.count }
            }
        }

        var unitRows: [UnitProgress] = []
        var province = ProvinceProgress(
            unitsExpected: 0, unitsReported: 0, unitsOnTime: 0, reportingRate: nil, onTimeRate: nil,
            target: 0, received: 0, held: 0, late: 0, completion: nil,
            statuses: Dictionary(uniqueKeysWithValues: RoundStatus.allCases.map { ($0.rawValue, 0) })
        )
        var capped = 0
        for (position, code) in order.enumerated() {
            let a = accumulators[position]
            let target = round.target(for: code)
            let lastDay = a.last.map { LocalDate(instant: $0, in: timeZone) }
            let status = status(round: round, target: target, received: a.received, lastBatchDay: lastDay, today: today)
            let forecast = phase(round, today: today) == .open
                ? RoundForecast.make(round: round, target: target, received: a.received, daily: a.daily, today: today) : nil
            unitRows.append(UnitProgress(
                unit: code, name: names[position], target: target, received: a.received, held: a.held, late: a.late,
                batches: a.batches.count, byTopic: a.byTopic, byGroup: a.byGroup,
                collaboratorsSent: a.collaborators.count, collaboratorsActive: activeCollaborators[code] ?? 0,
                firstBatch: a.first.map { localTimestamp($0, in: timeZone) }, lastBatch: a.last.map { localTimestamp($0, in: timeZone) },
                daysSinceLastBatch: lastDay.map { today.dayNumber - $0.dayNumber },
                expectedByToday: expected(round, target: target, today: today),
                completion: target > 0 ? Double(a.received) / Double(target) : 1, status: status, forecast: forecast
            ))
            province.statuses[status.rawValue, default: 0] += 1
            province.target += target
            province.received += a.received
            province.held += a.held
            province.late += a.late
            capped += min(a.received, target)
            if target > 0 {
                province.unitsExpected += 1
                if !a.batches.isEmpty { province.unitsReported += 1 }
                if a.onTime > 0 { province.unitsOnTime += 1 }
            }
        }
        if province.unitsExpected > 0 {
            province.reportingRate = Double(province.unitsReported) / Double(province.unitsExpected)
            province.onTimeRate = Double(province.unitsOnTime) / Double(province.unitsExpected)
        }
        if province.target > 0 { province.completion = Double(capped) / Double(province.target) }
        unitRows.sort {
            ($0.status.attentionRank, $0.completion, $0.unit) < ($1.status.attentionRank, $1.completion, $1.unit)
        }
        return RoundProgress(
            code: round.code, title: round.title, topics: round.topics, from: round.from, to: round.to, reportBy: round.reportBy,
            silentAfterDays: round.silentAfterDays, asOf: now.utcTimestamp, today: today, phase: phase(round, today: today),
            province: province, units: unitRows
        )
    }

    /// `2026-11-03T09:12:05+07:00`: the instant in `timeZone`, with its offset.
    public static func localTimestamp(_ instant: Date, in timeZone: TimeZone) -> String {
        let offset = timeZone.secondsFromGMT(for: instant)
        let shifted = Date(timeIntervalSince1970: instant.timeIntervalSince1970 + Double(offset)).utcTimestamp.dropLast()
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return "\(shifted)\(sign)\(LocalDate.pad(minutes / 60, 2)):\(LocalDate.pad(minutes % 60, 2))"
    }
}
