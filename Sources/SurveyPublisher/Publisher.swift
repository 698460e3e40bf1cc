import Crypto
import Foundation
import Logging
import SurveyModel
import SurveyReport
import SurveyStore
import Synchronization

/// Publishes the summary files of every configured granularity from the store's tallies: reads
/// the tallies once, rebuilds only the periods whose input changed (raising their revision), and
/// replaces files atomically. Periods are rendered on all cores.
public struct Publisher: Sendable {
    /// What a publication did.
    public struct Report: Sendable, Equatable {
        /// Periods whose files were (re)written, as `kind/period`.
        public var written: [String] = []
        /// Periods left alone because nothing changed.
        public var unchanged = 0
        /// Leftover temporary files removed.
        public var leftoversRemoved = 0
        /// Time spent reading the tallies, rendering the changed periods, and flushing their files
        /// to disk (the rest is bookkeeping).
        public var readTime: Duration = .zero
        public var renderTime: Duration = .zero
        public var flushTime: Duration = .zero
        /// Rounds whose progress files were written, and the time their progress took.
        public var rounds: [String] = []
        public var roundTime: Duration = .zero
        /// The rounds whose results this publication published for the first time.
        public var roundResults: [String] = []
        /// Changes of the rounds' states for the journal (only with ``announcesRounds``).
        public var roundEvents: [RoundEvent] = []
        /// Time spent on the early-warning charts (`alerts.json`).
        public var alertsTime: Duration = .zero
        /// Time spent on the front pages and index files (the province's and each unit's).
        public var indexTime: Duration = .zero
        /// Time spent choosing what to withhold across all periods (``LinkedProtection``), and
        /// how many positions it withheld: small ones, others protecting them, and small ones no
        /// certificate protected (their topic withheld around them instead).
        public var protectionTime: Duration = .zero
        public var withheld = Withheld()
        /// Periods released for the first time by this publication (``ReleasePolicy/closed(_:)``),
        /// and released periods it released a new version of (a revision), as `kind/period`.
        public var released: [String] = []
        public var revised: [String] = []
        /// Released spans whose late changes this publication shows (in new versions).
        public var lateReleased = 0
        /// Late changes held back: only those no certificate could protect.
        public var held = HeldChanges()
        /// Periods published while still open (before the closed policy) whose files were removed.
        public var withdrawn: [String] = []
    }

    /// Changes to released periods held back because publishing them would show a group below the
    /// minimum (responses that arrived late, and retractions).
    public struct HeldChanges: Sendable, Equatable {
        public var added = 0
        public var removed = 0
        /// The released periods they belong to, as `kind/period`.
        public var periods: [String] = []
        /// When the publication was recorded after which the oldest of them arrived (UTC, ISO
        /// 8601): they have waited at most since then.
        public var since: String?
        /// When the late changes waiting for the next scheduled revision will be tried (UTC,
        /// ISO 8601; nil when none wait).
        public var nextRevision: String?
        public var isEmpty: Bool { added == 0 && removed == 0 }
    }

    /// Positions withheld by one publication's plan, over all periods.
    public struct Withheld: Sendable, Equatable {
        public var primary = 0
        public var complementary = 0
        public var fallbacks = 0
        /// Primaries left unprotected because a released table already publishes what protecting
        /// them would need (only after `minimum_cell_size` was raised).
        public var unprotected = 0
        /// Small positions released periods publish (only after `minimum_cell_size` was raised),
        /// as `kind/period/topic/unit/group` (`-`: all).
        public var exposed: Set<String> = []
    }

    public var store: any PublicationStore
    public var directory: String
    public var kinds: [PeriodKind]
    public var minimumCellSize: Int
    public var title: String
    public var logger: Logger
    /// The provincial time zone: the rounds' days are reckoned in it.
    public var timeZone: TimeZone = .gmt
    /// Whether this publisher decides the rounds' journal events and remembers them (the
    /// daemon's, which logs them; never surveyctl's).
    public var announcesRounds = false
    /// The early-warning charts published in `alerts.json`.
    public var earlyWarning = EarlyWarningSettings()
    /// When periods are published, and whether they are revised.
    public var release: ReleasePolicy = .standard
    /// How many days after today a collection day may be (`dates.future_tolerance_days`): the
    /// provisional look reads the batches received since its week's Monday less this.
    public var futureToleranceDays = 31

    public init(
        store: any PublicationStore, directory: String, kinds: [PeriodKind], minimumCellSize: Int, title: String = "Tổng hợp dư luận xã hội", logger: Logger,
        earlyWarning: EarlyWarningSettings = EarlyWarningSettings(), release: ReleasePolicy = .standard
    ) {
        self.earlyWarning = earlyWarning
        self.release = release
        self.store = store
        self.directory = directory
        self.kinds = kinds
        self.minimumCellSize = minimumCellSize
        self.title = title
        self.logger = logger
    }

    /// One period to (re)build.
    struct Job: Sendable {
        var period: Period
        var current: TallyCube
        var previous: TallyCube
        var withheld: ProtectionMask
        var previousWithheld: ProtectionMask
        var record: PublicationRecord
        /// ``digest(current:previous:minimum:)`` of the period (the figures cache's key).
        var baseDigest: Data
        /// A week's: the figures of the weeks before it, for its outlook.
        var history: [NetIndexFigures?]?
    }

    /// Publishes what changed since the last publication.
    ///
    /// Takes the folder's ``PublishLock`` first (waiting at most `lockTimeout` for another
    /// publication), then reads everything it uses from one ``PublicationSnapshot``: each period's
    /// files describe one state of the database, and include every batch committed before the
    /// publication started.
    public func publish(now: Date = Date(), lockTimeout: Duration = .seconds(60)) throws -> Report {
        // Another publisher of the same database (to another folder) may record its release
        // between this one's read and write: read again and plan on top of it.
        for _ in 1..<3 {
            do {
                return try publishOnce(now: now, lockTimeout: lockTimeout)
            } catch is ReleaseTakenError {
                continue
            }
        }
        return try publishOnce(now: now, lockTimeout: lockTimeout)
    }

    /// Another publication recorded a release after this one read the database.
    struct ReleaseTakenError: Error, CustomStringConvertible {
        var description: String { "another publication recorded a release at the same time; publish again" }
    }

    /// One publication, as its stages (``Publisher+Stages.swift``): read one snapshot, plan the
    /// protection, record the release, choose and build the periods' summaries, compute the
    /// alarms, then render and write, and the rounds and front pages after them.
    private func publishOnce(now: Date, lockTimeout: Duration) throws -> Report {
        var report = Report()
        try AtomicFile.makeDirectory(directory)
        let lock = try PublishLock.acquire(directory: directory, timeout: lockTimeout)
        defer { withExtendedLifetime(lock) {} }
        report.leftoversRemoved = AtomicFile.removeLeftovers(below: directory)
        let clock = ContinuousClock()
        let timestamp = now.utcTimestamp

        var start = clock.now
        let input = try read(now: now)
        report.readTime = clock.now - start

        start = clock.now
        let plan = plan(input, now: now)
        report.protectionTime = clock.now - start
        report.withheld = plan.withheld
        report.held = plan.held
        if plan.withheld.unprotected > 0 || !plan.withheld.exposed.isEmpty {
            logger.error("small groups unprotected", metadata: [
                "unprotected": "\(plan.withheld.unprotected)", "exposed": "\(plan.withheld.exposed.count)",
                "reason": "periods released under a smaller minimum_cell_size, or before a retraction that lowered what protected them, show them or what protects them",
            ])
        }

        // What this publication releases for good is recorded before any file is written: one
        // that stops half-way is completed by the next with the same figures.
        if release != .open {
            (report.released, report.revised, report.lateReleased) = try recordRelease(plan, timestamp: timestamp)
        }

        var published = Dictionary(input.records.map { ("\($0.kind.rawValue)/\($0.period)", $0) }, uniquingKeysWith: { first, _ in first })
        report.withdrawn = try withdrawOpenPeriods(input.records, cubes: plan.cubes)
        for key in report.withdrawn { published[key] = nil }
        let digests = PeriodDigests(cubes: plan.cubes, masks: plan.masks, minimum: minimumCellSize)
        let jobs: [Job]
        (jobs, report.unchanged) = changedPeriods(plan, published: published, digests: digests, timestamp: timestamp)

        var alerts: [(data: Data, path: String)] = []
        var alertsUpdate: (previous: AlertsDocument?, current: AlertsDocument)?
        // The look is made once a day: the alarms are computed again for a new day to look at,
        // not at every publication (the look's thresholds cost several weekly ones).
        let lookHasNewDay = plan.look.map { publishedAlerts()?.provisionalThrough != $0.through } ?? false
        if try alertsNeeded(changed: !jobs.isEmpty || lookHasNewDay) {
            start = clock.now
            let update = alarms(plan, timestamp: timestamp)
            // A provisional alarm is recorded before any file shows it: every later plan keeps
            // what it tells.
            try store.recordProvisionalLooks(provisionalLooks(update.current, cubes: plan.cubes), at: timestamp)
            alerts = [(try update.current.json(), "\(directory)/alerts.json"),
                      (AlertsHTML.page(update.current, labels: Publisher.alertLabels(plan.cubes.empty)), "\(directory)/alerts.html")]
            alertsUpdate = update
            report.alertsTime = clock.now - start
        }

        (report.renderTime, report.flushTime) = try render(jobs, extra: alerts)
        if let alertsUpdate { logAlarmEpisodes(previous: alertsUpdate.previous, current: alertsUpdate.current) }
        try store.recordPublications(jobs.map(\.record))
        for job in jobs {
            published["\(job.record.kind.rawValue)/\(job.record.period)"] = job.record
            report.written.append("\(job.record.kind.rawValue)/\(job.record.period)")
        }

        start = clock.now
        let rounds = try publishRounds(input.rounds, now: now)
        report.roundTime = clock.now - start
        report.rounds = rounds.map(\.progress.code)
        let results = try publishRoundResults(plan, progress: rounds, timestamp: timestamp)
        report.roundResults = results.first
        if announcesRounds { report.roundEvents = try roundEvents(rounds, withResults: results.published) }

        start = clock.now
        let alertsNow = alertsUpdate?.current ?? publishedAlerts()
        let front = frontPage(cubes: plan.cubes, masks: plan.masks, records: published.values, alerts: alertsNow, rounds: rounds) { digests.base($0) }
        try writeIndex(published.values, awaiting: input.awaiting, held: report.held, rounds: Publisher.indexEntries(rounds, withResults: results.published), leading: front.html(), today: input.release.today)
        let roundsWithResults = plan.cubes.rounds.filter { results.published.contains($0.round.code) }.map {
            UnitIndexPage.Round(code: $0.round.code, title: $0.round.title, from: $0.round.from, to: $0.round.to)
        }.sorted { ($0.from, $0.code) > ($1.from, $1.code) }
        try writeUnitPages(
            published.values, units: plan.cubes.empty.units, alerts: alertsNow, labels: Publisher.alertLabels(plan.cubes.empty), rounds: roundsWithResults
        )
        report.indexTime = clock.now - start
        return report
    }

    /// Renders and flushes the jobs' files, spread over the cores, then puts them all in place and
    /// flushes each folder once.
    /// Returns the time spent rendering and flushing.
    /// `extra` files (`alerts.json`) go into the same atomic batch.
    func render(_ jobs: [Job], extra: [(data: Data, path: String)] = [], beforeRename: () throws -> Void = {}) throws -> (render: Duration, flush: Duration) {
        guard !jobs.isEmpty || !extra.isEmpty else { return (.zero, .zero) }
        let clock = ContinuousClock()
        let start = clock.now
        let batch = AtomicBatch()
        defer { batch.discard() }
        let directory = self.directory
        let failure = Mutex<(any Error)?>(nil)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, jobs.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: jobs.count, by: workers) {
                if failure.withLock({ $0 != nil }) { return }
                let job = jobs[index]
                do {
                    let summary = summary(
                        job.period, current: job.current, previous: job.previous, revision: job.record.revision, dataThrough: job.record.dataThrough,
                        history: job.history, withheld: job.withheld, previousWithheld: job.previousWithheld
                    )
                    Publisher.figuresCache.remember(NetIndexFigures(summary), period: job.period, digest: job.baseDigest)
                    let folder = "\(directory)/\(job.record.kind.rawValue)/\(job.period.identifier)"
                    try AtomicFile.makeDirectory(folder)
                    try batch.stage(try SummaryJSON.render(summary), to: "\(folder)/summary.json")
                    try batch.stage(SummaryCSV.render(summary), to: "\(folder)/summary.csv")
                    try batch.stage(ReportHTML.render(summary, timeZone: timeZone), to: "\(folder)/report.html")
                    // Each unit's view, cut from the same protected summary.
                    for unit in summary.units where Publisher.isUnitFolderName(unit.code) {
                        let view = summary.view(of: unit.code)
                        let unitFolder = "\(directory)/\(Publisher.unitFolder(unit.code))/\(job.record.kind.rawValue)/\(job.period.identifier)"
                        try AtomicFile.makeDirectory(unitFolder)
                        try batch.stage(try SummaryJSON.render(view), to: "\(unitFolder)/summary.json")
                        try batch.stage(SummaryCSV.render(view), to: "\(unitFolder)/summary.csv")
                        try batch.stage(ReportHTML.render(view, timeZone: timeZone), to: "\(unitFolder)/report.html")
                    }
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        for file in extra { try batch.stage(file.data, to: file.path) }
        let rendered = clock.now
        try batch.commit(beforeRename: beforeRename)
        return (rendered - start, clock.now - rendered)
    }

    /// `index.json` and `index.html`, rewritten only when their content changes.
    func writeIndex(
        _ records: some Sequence<PublicationRecord>, awaiting waiting: (batches: Int, responses: Int), held: HeldChanges = HeldChanges(),
        rounds: [SummaryIndex.Round] = [], leading: String = "", today: LocalDate? = nil
    ) throws {
        let all = Array(records)
        var index = SummaryIndex(title: title, granularities: kinds.map { kind in
            let entries = all.filter { $0.kind == kind }.compactMap { record in Period(identifier: record.period).map { (record, $0) } }
            return SummaryIndex.Granularity(kind: kind, periods: entries.sorted { $0.1 > $1.1 }.map { record, _ in
                .init(period: record.period, responses: record.responses, revision: record.revision, dataThrough: record.dataThrough, path: "\(kind.rawValue)/\(record.period)")
            })
        })
        if waiting.batches > 0 { index.awaitingApproval = .init(batches: waiting.batches, responses: waiting.responses) }
        if !rounds.isEmpty { index.rounds = rounds }
        if !held.isEmpty { index.heldBack = .init(added: held.added, removed: held.removed, periods: held.periods, since: held.since, nextRevision: held.nextRevision) }
        index.release = .init(release, today: today, kinds: kinds)
        try AtomicFile.writeIfChanged(try index.json(), to: "\(directory)/index.json")
        try AtomicFile.writeIfChanged(index.html(leading: leading, timeZone: timeZone), to: "\(directory)/index.html")
    }

    /// Each unit's front page, `units/CODE/index.html`, rewritten only when its content changes.
    func writeUnitPages(
        _ records: some Sequence<PublicationRecord>, units: [SurveyUnit], alerts: AlertsDocument?, labels: AlertsHTML.Labels, rounds: [UnitIndexPage.Round] = []
    ) throws {
        let all = Array(records)
        let granularities = kinds.map { kind in
            let entries = all.filter { $0.kind == kind }.compactMap { record in Period(identifier: record.period).map { (record, $0) } }
            return (kind: kind, periods: entries.sorted { $0.1 > $1.1 }.map { record, _ in
                UnitIndexPage.Period(identifier: record.period, responses: record.responses, revision: record.revision)
            })
        }
        for unit in units where Publisher.isUnitFolderName(unit.code) {
            let folder = "\(directory)/\(Publisher.unitFolder(unit.code))"
            try AtomicFile.makeDirectory(folder)
            let page = UnitIndexPage.html(title: title, unit: unit, granularities: granularities, alerts: alerts?.view(of: unit.code), labels: labels, rounds: rounds)
            try AtomicFile.writeIfChanged(page, to: "\(folder)/index.html")
        }
    }

    /// Whether a file exists (`access(2)`, without Foundation's overhead).
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The folder of a unit's view, relative to the summaries folder.
    static func unitFolder(_ code: String) -> String { "units/\(code)" }

    /// Whether a unit code can name a folder (configured codes are 1 to 32 of A-Z, a-z, 0-9, `-`,
    /// `_`, `.`; a code of dots only would step out of `units/`).
    static func isUnitFolderName(_ code: String) -> Bool {
        !code.isEmpty && !code.allSatisfy { $0 == "." } && !code.contains("/") && !code.contains("\0")
    }

    /// Raised when the files of every period change with the same counts (2: small-unit
    /// estimates, weekly outlooks, the report's one-page summary), so that an upgrade republishes
    /// every period once, each with its revision raised.
    static let filesVersion = 2

    /// What a period's files are built from: its counts, the previous period's, what each
    /// withholds, the labels and the minimum cell size. Equal digests mean equal files (but for the
    /// revision).
    static func digest(current: TallyCube, previous: TallyCube, minimum: Int, masks: [ProtectionMask] = []) -> Data {
        var hasher = SHA256()
        hasher.update(data: Data(PeriodSummary.schemaVersion.utf8))
        hasher.update(data: Data("\(Publisher.filesVersion)".utf8))
        hasher.update(data: Data("\(minimum)".utf8))
        let labels = current.units.map { "\($0.code)=\($0.name)" } + current.topics.map { "\($0.code)=\($0.title)" }
            + current.groups.map { "\($0.code)=\($0.name)" } + current.sentiments.map { "\($0.code)=\($0.label)=\($0.polarity.rawValue)" }
        hasher.update(data: Data(labels.joined(separator: "\n").utf8))
        for cube in [current, previous] {
            cube.counts.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        for mask in masks { hasher.update(data: Data(mask.bytes)) }
        return Data(hasher.finalize())
    }
}
