import Crypto
import Foundation
import SurveyModel
import SurveyReport
import SurveyStore
import Synchronization

// Disclosure control: the tables of every version (see RevisionRule.swift beside this).

/// Versions and their protection (docs/SUMMARIES.md, "Revisions"): which periods this
/// publication releases a version of, what their late parts are, and what every version withholds,
/// planned with every version released before.
extension PeriodCubes {
    // MARK: Changes

    /// The counts a span showed last (nil: never released).
    func latestCounts(_ day: Int) -> [Int]? {
        versions[day]?.last?.counts
    }

    /// Spans whose current counts differ from their last released version, or that were never
    /// released: this publication releases a new version of each.
    var changedDays: [Int] {
        guard release.policy != .open else { return [] }
        return spanCounts.keys.filter { day in
            guard let counts = spanCounts[day] else { return false }
            guard let latest = latestCounts(day) else { return counts.contains { $0 != 0 } }
            return counts != latest
        }.sorted()
    }

    /// The periods of `kinds` this publication releases a version of: those released for the
    /// first time and those revised (a span of theirs changed), oldest first.
    func releasedNow(_ kinds: [PeriodKind]) -> [Period] {
        guard release.policy != .open else { return [] }
        var result = Set<Period>()
        for kind in kinds {
            for period in periods(kind) where !isReleased(period) { result.insert(period) }
        }
        for day in changedDays {
            for period in periods(ofSpan: day, kinds: kinds) where isReleased(period) { result.insert(period) }
        }
        return result.sorted()
    }

    /// The change groups of `day`: per unit and topic, whether anything differs between `a` and `b`.
    private func groups(_ day: Int, _ a: [Int], _ b: [Int]) -> [ChangeGroup] {
        let (t, g, s) = (empty.topics.count, empty.groups.count, empty.sentiments.count)
        var result: [ChangeGroup] = []
        for u in 0..<empty.units.count {
            for tt in 0..<t {
                let start = (u * t + tt) * g * s
                guard a.indices.contains(start + g * s - 1), b.indices.contains(start + g * s - 1) else { continue }
                if a[start..<start + g * s] != b[start..<start + g * s] { result.append(ChangeGroup(day: day, unit: u, topic: tt)) }
            }
        }
        return result
    }

    /// The changes of released spans (live against the last released version), by unit and
    /// topic in each span.
    var lateGroups: Set<ChangeGroup> {
        var result = Set<ChangeGroup>()
        for (day, versions) in versions {
            guard let latest = versions.last?.counts, let now = live[day] else { continue }
            result.formUnion(groups(day, latest, now))
        }
        return result
    }

    /// The change groups whose retraction would show a group below the minimum: in some cell or
    /// the unit's total of the topic, the responses removed from the last released version number
    /// 1 to `minimum − 1`. They are held back (``holding(_:)``): a retraction never moves the
    /// certificates that protect the other changes.
    /// For a topic no round overlapping the week shows, the pieces a round's window cut the week
    /// into are one span to every table showing it: what is removed is counted over the whole week
    /// (its pieces held back together or shown together).
    func smallRetractions(minimum: Int) -> Set<ChangeGroup> {
        let (t, g, s) = (empty.topics.count, empty.groups.count, empty.sentiments.count)
        var result = Set<ChangeGroup>()
        let late = lateGroups
        for group in late {
            // The pieces read together: the group's own span, or every piece of its week.
            var days = [group.day]
            let start = LocalDate(dayNumber: group.day).tallySpanStart.dayNumber
            if !cuts.days.isEmpty, isCutPiece(group.day), freeTopics(naturalStart: start).contains(group.topic) {
                days = (start..<SpanCuts.naturalEnd(after: start)).filter { cuts.isSpanStart($0) }
            }
            var total = 0
            var small = false
            for gg in 0..<g {
                var removed = 0
                for day in days {
                    guard let latest = latestCounts(day), let now = live[day] else { continue }
                    for ss in 0..<s {
                        let i = ((group.unit * t + group.topic) * g + gg) * s + ss
                        guard latest.indices.contains(i), now.indices.contains(i) else { continue }
                        removed += max(0, latest[i] - now[i])
                    }
                }
                if (1..<minimum).contains(removed) { small = true }
                total += removed
            }
            if small || (1..<minimum).contains(total) {
                // The whole week's pieces of this unit and topic go together.
                for day in days { result.insert(ChangeGroup(day: day, unit: group.unit, topic: group.topic)) }
            }
        }
        return result.intersection(late)
    }

    /// The same view with the changes of `groups` held back: their atoms keep the counts last
    /// released (none: zero), in every version this publication releases.
    func holding(_ groups: Set<ChangeGroup>) -> PeriodCubes {
        guard release.policy != .open else { return self }
        var result = self
        result.heldGroups = groups
        result.spanCounts = live
        let (t, g, s) = (empty.topics.count, empty.groups.count, empty.sentiments.count)
        for group in groups {
            guard var counts = result.spanCounts[group.day] else { continue }
            let latest = latestCounts(group.day) ?? Array(repeating: 0, count: counts.count)
            let start = (group.unit * t + group.topic) * g * s
            guard start >= 0, latest.count == counts.count, counts.indices.contains(start + g * s - 1) else { continue }
            for i in start..<start + g * s { counts[i] = latest[i] }
            result.spanCounts[group.day] = counts
        }
        result.buildCubes()
        return result
    }

    /// The held changes, and the released periods of `kinds` (this publication's included) they
    /// belong to.
    func heldChanges(kinds: [PeriodKind], releasedNow: Set<Period>) -> Publisher.HeldChanges {
        var result = Publisher.HeldChanges()
        var periods = Set<Period>()
        var since: Int?
        for day in Set(heldGroups.map(\.day)) {
            // Held since the span's last version at most: before it, the change was not late.
            let after = versions[day]?.last?.seq ?? self.periods(ofSpan: day, kinds: PeriodKind.allCases).compactMap { periodVersions[$0]?.first?.seq }.min()
            if let after { since = min(since ?? after, after) }
            guard let now = live[day], let shown = spanCounts[day] else { continue }
            for (l, r) in zip(now, shown) {
                if l > r { result.added += l - r } else { result.removed += r - l }
            }
            for period in self.periods(ofSpan: day, kinds: kinds) where isReleased(period) || releasedNow.contains(period) {
                periods.insert(period)
            }
        }
        result.periods = periods.sorted().map { "\($0.kind.rawValue)/\($0.identifier)" }
        // Internal sequence numbers: release n is 2n, its carried-over floors 2n − 1.
        result.since = since.flatMap { release.released.releasedAt[($0 + 1) / 2] }
        return result
    }

    // MARK: Protection

    /// What one plan decided.
    struct Protection {
        var withheld: Publisher.Withheld
        /// The current version's mask of every period of the plan.
        var masks: [Period: ProtectionMask]
        /// The current version's mask of every round of the plan whose table is shown, by row id.
        var roundMasks: [Int64: ProtectionMask] = [:]
        /// Late changes no certificate could protect: hold them back and plan again.
        var hold: Set<ChangeGroup>
    }

    /// What every period of `kinds` withholds, planned for all of them together
    /// (``LinkedProtection``): every version released before (their masks kept as they are), the
    /// current version of every period that may be published and, for the links, of those still
    /// open, and the late parts of every version. The last plan of the process is kept:
    /// publishing again without new data does not plan again.
    func protection(kinds: [PeriodKind], minimum: Int) -> Protection {
        var hasher = SHA256()
        hasher.update(data: Data("\(releasedNow(release.kinds))/\(release.kinds.map(\.rawValue))/\(ids.units)/\(ids.topics)/\(ids.groups)/\(ids.sentiments)/".utf8))
        hasher.update(data: Data("\(kinds.map(\.rawValue))/\(minimum)/\(seq)/\(release.policy == .open)/\(empty.units.count)/\(empty.topics.count)/\(empty.groups.count)/\(empty.sentiments.count)".utf8))
        for day in spanCounts.keys.sorted() {
            withUnsafeBytes(of: day) { hasher.update(bufferPointer: $0) }
            spanCounts[day]?.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            for version in versions[day] ?? [] {
                withUnsafeBytes(of: version.seq) { hasher.update(bufferPointer: $0) }
                version.counts.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            }
        }
        for round in rounds {
            hasher.update(data: Data("round \(round.id) \(round.window.code) \(round.window.from) \(round.window.to) \(round.window.topics.sorted()) \(round.isCut)".utf8))
        }
        for (id, list) in roundVersions.sorted(by: { $0.key < $1.key }) {
            for version in list {
                hasher.update(data: Data("round version \(id) \(version.seq) \(version.window.from) \(version.window.to) \(version.window.topics.sorted()):\(version.withheld.map { "\($0.topicID),\($0.unitID),\($0.groupID)" }.sorted())".utf8))
            }
        }
        for period in periodVersions.keys.sorted() {
            hasher.update(data: Data(period.description.utf8))
            for version in periodVersions[period] ?? [] {
                hasher.update(data: Data("\(version.seq):\(version.withheld.map { "\($0.topicID),\($0.unitID),\($0.groupID)" }.sorted())".utf8))
            }
        }
        let digest = Data(hasher.finalize())
        if let cached = PeriodCubes.recentPlans.withLock({ $0.plans[digest] }) { return cached }
        let protection = plan(kinds: kinds, minimum: minimum)
        PeriodCubes.recentPlans.withLock { recent in
            if recent.plans.updateValue(protection, forKey: digest) == nil { recent.order.append(digest) }
            while recent.order.count > PeriodCubes.plansRemembered { recent.plans[recent.order.removeFirst()] = nil }
        }
        return protection
    }

    /// The last plans of this process (a publication with changes held back makes several), by
    /// the digest of their input, oldest first.
    private static let recentPlans = Mutex<(plans: [Data: Protection], order: [Data])>(([:], []))
    private static let plansRemembered = 16

    /// One table of the plan.
    private struct PlanTable {
        var period: Period
        /// The release it shows (this publication's for a version not released yet).
        var seq: Int
        var cube: TallyCube
        var fixed: ProtectionMask?
        var isCurrent: Bool
        /// A late part: its version's table, and the first release it holds responses of.
        var owner: Int?
        var cut = 0
        /// A round's table: its window as this version showed it, and the round's row id.
        var round: LinkedProtection.RoundWindow?
        var roundID: Int64?

        /// Whether the table holds the span starting on `day` (a period's: decided by the caller).
        func holdsRoundSpan(_ day: Int) -> Bool {
            round.map { day >= $0.from.dayNumber && day <= $0.to.dayNumber } ?? false
        }
    }

    /// One slice of a span: the responses that arrived between two of its versions.
    private struct Slice {
        var day: Int
        var seq: Int
        /// How far each atom changed, what it may give to a certificate, and what was added.
        var change: [Int]
        var capacity: [Int]
        var added: [Int]
        var late: Bool
        var tables: [Int] = []
    }

    private func plan(kinds: [PeriodKind], minimum: Int) -> Protection {
        let now = Set(releasedNow(release.kinds))
        let roundsNow = Set(roundsReleasedNow.map(\.id))
        // Each span's versions, this publication's last when it changes.
        var chains: [Int: [SpanVersion]] = [:]
        for day in Set(spanCounts.keys).union(versions.keys) {
            var chain = versions[day] ?? []
            if let counts = spanCounts[day], counts != chain.last?.counts, chain.last != nil || counts.contains(where: { $0 != 0 }) {
                chain.append(SpanVersion(seq: seq, counts: counts))
            }
            if !chain.isEmpty { chains[day] = chain }
        }
        func firstRelease(_ period: Period) -> Int? {
            periodVersions[period]?.first?.seq ?? (now.contains(period) ? seq : nil)
        }
        let changedPeriods = Set(chains.compactMap { day, chain in chain.last?.seq == seq ? day : nil }.flatMap { periods(ofSpan: $0, kinds: kinds) })
        // The tables: every period's current version, then its earlier versions.
        var tables: [PlanTable] = []
        var tablesOf: [Period: [Int]] = [:]
        func content(at seq: Int, holding: (Int) -> Bool) -> [Int] {
            var counts = Array(repeating: 0, count: empty.counts.count)
            for (day, chain) in chains where holding(day) {
                guard let version = chain.last(where: { $0.seq <= seq }), version.counts.count == counts.count else { continue }
                for i in counts.indices { counts[i] += version.counts[i] }
            }
            return counts
        }
        func makeCube(_ counts: [Int]) -> TallyCube {
            TallyCube(units: empty.units, topics: empty.topics, groups: empty.groups, sentiments: empty.sentiments, counts: counts)
        }
        func content(_ period: Period, at seq: Int) -> TallyCube {
            makeCube(content(at: seq) { period.contains(LocalDate(dayNumber: $0)) })
        }
        func content(_ window: LinkedProtection.RoundWindow, at seq: Int) -> TallyCube {
            makeCube(restricted(content(at: seq) { $0 >= window.from.dayNumber && $0 <= window.to.dayNumber }, to: window))
        }
        for kind in kinds {
            let periods = Set(allPeriods(kind)).union(periodVersions.keys.filter { $0.kind == kind }).sorted()
            for period in periods {
                let released = periodVersions[period] ?? []
                var earlier = released[...]
                if let last = released.last, !changedPeriods.contains(period) {
                    tablesOf[period, default: []].append(tables.count)
                    tables.append(PlanTable(period: period, seq: last.seq, cube: cube(period), fixed: mask(last.withheld), isCurrent: true))
                    earlier = released.dropLast()
                } else {
                    tablesOf[period, default: []].append(tables.count)
                    tables.append(PlanTable(period: period, seq: seq, cube: cube(period), fixed: nil, isCurrent: true))
                }
                var previous: (TallyCube, ProtectionMask)?
                for version in earlier {
                    let table = PlanTable(period: period, seq: version.seq, cube: content(period, at: version.seq), fixed: mask(version.withheld), isCurrent: false)
                    // A version showing what the one before it showed adds nothing.
                    if let previous, previous.0.counts == table.cube.counts, previous.1 == table.fixed { continue }
                    previous = (table.cube, table.fixed ?? emptyMask)
                    tablesOf[period, default: []].append(tables.count)
                    tables.append(table)
                }
            }
        }
        // The rounds' tables: the current version of each round shown (its window a union of
        // whole spans), then its earlier versions, each over the window it showed.
        var roundTables: [Int] = []
        var roundFirstRelease: [(window: LinkedProtection.RoundWindow, seq: Int)] = []
        // A round's table is placed on the week of its first day (the plan orders rounds apart).
        for round in rounds {
            let released = roundVersions[round.id] ?? []
            var earlier = released[...]
            if round.isCut {
                let anchor = Period.containing(round.window.from, kind: .week)
                roundTables.append(tables.count)
                if let last = released.last, !roundsNow.contains(round.id) {
                    tables.append(PlanTable(period: anchor, seq: last.seq, cube: roundCube(round), fixed: mask(last.withheld), isCurrent: true, round: round.window, roundID: round.id))
                    earlier = released.dropLast()
                } else {
                    tables.append(PlanTable(period: anchor, seq: seq, cube: roundCube(round), fixed: nil, isCurrent: true, round: round.window, roundID: round.id))
                }
            }
            if let first = released.first { roundFirstRelease.append((first.window, first.seq)) } else if roundsNow.contains(round.id) { roundFirstRelease.append((round.window, seq)) }
            var previous: (TallyCube, ProtectionMask, LinkedProtection.RoundWindow)?
            for version in earlier {
                let anchor = Period.containing(version.window.from, kind: .week)
                let table = PlanTable(
                    period: anchor, seq: version.seq, cube: content(version.window, at: version.seq), fixed: mask(version.withheld), isCurrent: false,
                    round: version.window, roundID: round.id
                )
                if let previous, previous.0.counts == table.cube.counts, previous.1 == table.fixed, previous.2 == version.window { continue }
                previous = (table.cube, table.fixed ?? emptyMask, version.window)
                roundTables.append(tables.count)
                tables.append(table)
            }
        }
        // The slices, and the tables holding each.
        var slices: [Slice] = []
        for day in chains.keys.sorted() {
            guard let chain = chains[day] else { continue }
            let roundRelease = roundFirstRelease.filter { day >= $0.window.from.dayNumber && day <= $0.window.to.dayNumber }.map(\.seq)
            let releasedAt = (periods(ofSpan: day, kinds: kinds).compactMap(firstRelease) + roundRelease).min() ?? Int.max
            let holders = periods(ofSpan: day, kinds: kinds).flatMap { tablesOf[$0] ?? [] } + roundTables.filter { tables[$0].holdsRoundSpan(day) }
            for (i, version) in chain.enumerated() {
                let before = i > 0 ? chain[i - 1].counts : Array(repeating: 0, count: version.counts.count)
                guard before.count == version.counts.count else { continue }
                let change = zip(version.counts, before).map { $0 - $1 }
                var capacity = change
                for later in chain[i...] where later.counts.count == capacity.count {
                    for a in capacity.indices { capacity[a] = min(capacity[a], later.counts[a]) }
                }
                for a in capacity.indices { capacity[a] = max(0, capacity[a]) }
                var slice = Slice(day: day, seq: version.seq, change: change, capacity: capacity, added: change.map { max(0, $0) }, late: version.seq > releasedAt)
                slice.tables = holders.filter { tables[$0].seq >= version.seq }
                slices.append(slice)
            }
        }
        // The late parts of each published version: what arrived after the first release holding
        // its span, and what arrived after each earlier version of its period. A reader who holds
        // the earlier tables learns them where the version shows them. (A later slice of a span is
        // also the late part of the versions of shorter periods released with it, whose own parts
        // are planned again here, so their certificates keep it uncertain in this version too.)
        // A period not published yet shows nothing: its parts are planned when it is released.
        var lateSlicesOf: [Int: [Int]] = [:]
        for (index, slice) in slices.enumerated() where slice.late {
            for table in slice.tables { lateSlicesOf[table, default: []].append(index) }
        }
        let baseCount = tables.count
        for owner in 0..<baseCount {
            let period = tables[owner].period
            guard let late = lateSlicesOf[owner] else { continue }
            let earlier: [Int]
            if let id = tables[owner].roundID {
                guard tables[owner].fixed != nil || roundVersions[id] != nil || roundsNow.contains(id) else { continue }
                earlier = (roundVersions[id] ?? []).map(\.seq).filter { $0 < tables[owner].seq }
            } else {
                guard tables[owner].fixed != nil || periodVersions[period] != nil || now.contains(period) else { continue }
                earlier = (periodVersions[period] ?? []).map(\.seq).filter { $0 < tables[owner].seq }
            }
            for after in [Int.min] + earlier {
                let cut = after == Int.min ? Int.min : after + 1
                let part = late.filter { slices[$0].seq >= cut }
                guard !part.isEmpty else { continue }
                var counts = Array(repeating: 0, count: empty.counts.count)
                for s in part where slices[s].added.count == counts.count {
                    for i in counts.indices { counts[i] += slices[s].added[i] }
                }
                if let window = tables[owner].round { counts = restricted(counts, to: window) }
                guard PeriodCubes.hasSmallPosition(counts, shape: empty, minimum: minimum) else { continue }
                let index = tables.count
                tables.append(PlanTable(
                    period: tables[owner].period, seq: tables[owner].seq,
                    cube: TallyCube(units: empty.units, topics: empty.topics, groups: empty.groups, sentiments: empty.sentiments, counts: counts),
                    fixed: nil, isCurrent: tables[owner].isCurrent, owner: owner, cut: cut, round: tables[owner].round, roundID: tables[owner].roundID
                ))
                for s in part { slices[s].tables.append(index) }
            }
        }
        // The counts a round's progress files publish: its topics' in the spans overlapping its window.
        func knownTopics(_ day: Int) -> Set<Int> {
            progressWindows.isEmpty ? [] : roundTopics(overlapping: day, cuts.spanEnd(day))
        }
        var spans = slices.compactMap { slice -> LinkedProtection.Span? in
            guard !slice.tables.isEmpty, slice.capacity.contains(where: { $0 > 0 }) else { return nil }
            // A provisional alarm bounds what was stored by the span's first release: the slices
            // that arrived later hold nothing it told.
            return .init(tables: slice.tables, counts: slice.capacity, knownTopics: knownTopics(slice.day), bounds: slice.late ? [] : lookBounds(slice.day))
        }
        let kept = slices.filter { !$0.tables.isEmpty && $0.capacity.contains(where: { $0 > 0 }) }
        spans = joiningCutPieces(spans, slices: kept.map { ($0.day, $0.seq, $0.late) }, tables: tables.map { $0.round != nil })
        let plan = LinkedProtection(
            tables: tables.map { table in
                table.round.map { LinkedProtection.Table(round: $0, cube: table.cube, maskOwner: table.owner, isCurrent: table.isCurrent) }
                    ?? .init(period: table.period, cube: table.cube, maskOwner: table.owner, isCurrent: table.isCurrent)
            },
            spans: spans, minimum: minimum, fixed: tables.map(\.fixed)
        )
        var masks: [Period: ProtectionMask] = [:]
        var roundMasks: [Int64: ProtectionMask] = [:]
        for (index, table) in tables.enumerated() where table.isCurrent && table.owner == nil && plan.masks.indices.contains(index) {
            if let id = table.roundID { roundMasks[id] = plan.masks[index] } else { masks[table.period] = plan.masks[index] }
        }
        // A late part that only withholding its whole topic protects is held back instead.
        var hold = Set<ChangeGroup>()
        for primary in plan.fallbackPrimaries where tables.indices.contains(primary.table) && tables[primary.table].owner != nil {
            let part = tables[primary.table]
            for slice in slices where slice.seq == seq && slice.late && slice.seq >= part.cut && slice.tables.contains(primary.table) {
                for group in groups(slice.day, slice.change, Array(repeating: 0, count: slice.change.count))
                where group.topic == primary.topic && (primary.unit == nil || primary.unit == group.unit)
                    && changes(slice.change, group, inGroup: primary.group) {
                    hold.insert(group)
                }
            }
        }
        let exposed = Set(plan.exposed.compactMap { position -> String? in
            guard tables.indices.contains(position.table) else { return nil }
            let period = tables[position.table].period
            if let round = tables[position.table].round {
                return "round/\(round.code)/\(position.topic)/\(position.unit.map(String.init) ?? "-")/\(position.group.map(String.init) ?? "-")"
            }
            return "\(period.kind.rawValue)/\(period.identifier)/\(position.topic)/\(position.unit.map(String.init) ?? "-")/\(position.group.map(String.init) ?? "-")"
        })
        let withheld = Publisher.Withheld(
            primary: plan.primaryCount, complementary: plan.complementaryCount, fallbacks: plan.fallbacks, unprotected: plan.unprotected,
            exposed: exposed
        )
        return Protection(withheld: withheld, masks: masks, roundMasks: roundMasks, hold: hold)
    }

    /// The topics no round overlapping the natural span starting on `start` (a Monday or a month's
    /// first day, without cuts) shows: every published table holds that span's pieces alike for them.
    func freeTopics(naturalStart start: Int) -> Set<Int> {
        Set(0..<empty.topics.count).subtracting(roundTopics(overlapping: start, SpanCuts.naturalEnd(after: start)))
    }

    /// The topics of the rounds whose window overlaps the days `start` ..< `end`.
    private func roundTopics(overlapping start: Int, _ end: Int) -> Set<Int> {
        progressWindows.reduce(into: Set<Int>()) { topics, window in
            if start <= window.to, end > window.from { topics.formUnion(window.topics) }
        }
    }

    /// Whether the span starting on `day` is a piece of a week (or month's part of one) that cuts split.
    private func isCutPiece(_ day: Int) -> Bool {
        let start = LocalDate(dayNumber: day).tallySpanStart.dayNumber
        return start != day || cuts.spanEnd(day) != SpanCuts.naturalEnd(after: start)
    }

    /// The pieces a round's window cuts a week into, joined again for the topics no round
    /// overlapping that week shows: for those, every published table holds the pieces alike (a
    /// round's table shows nothing of them), so a certificate may draw on the whole week's
    /// responses as before the cut. Slices of one week's pieces are joined when they are of the
    /// same release and held by the same periods' tables (`isRound[t]`: table t is a round's); the
    /// joined span holds those topics' counts, the pieces keep the others'.
    func joiningCutPieces(_ spans: [LinkedProtection.Span], slices: [(day: Int, seq: Int, late: Bool)], tables isRound: [Bool]) -> [LinkedProtection.Span] {
        let topicCount = empty.topics.count
        guard !progressWindows.isEmpty, slices.count == spans.count, topicCount > 0 else { return spans }
        let cell = empty.groups.count * empty.sentiments.count
        struct Key: Hashable {
            var week: Int
            var seq: Int
            var late: Bool
            var tables: [Int]
        }
        var joined: [Key: (members: [Int], free: Set<Int>)] = [:]
        for (index, span) in spans.enumerated() {
            let day = slices[index].day
            let start = LocalDate(dayNumber: day).tallySpanStart.dayNumber
            guard isCutPiece(day) else { continue }
            let free = freeTopics(naturalStart: start)
            guard !free.isEmpty else { continue }
            // The periods' tables (late parts included) and the release: equal for the pieces to join.
            let key = Key(week: start, seq: slices[index].seq, late: slices[index].late, tables: span.tables.filter { isRound.indices.contains($0) && !isRound[$0] })
            joined[key, default: ([], free)].members.append(index)
        }
        var pieces = spans
        // Each joined span goes just before its first piece, where the whole span would be.
        var before: [Int: LinkedProtection.Span] = [:]
        for (_, group) in joined where group.members.count > 1 {
            guard let first = group.members.min() else { continue }
            var counts = Array(repeating: 0, count: spans[first].counts.count)
            var tables = Set<Int>()
            var bounds = Set<LinkedProtection.Bound>()
            for member in group.members {
                tables.formUnion(spans[member].tables)
                bounds.formUnion(spans[member].bounds)
                for u in 0..<empty.units.count {
                    for t in group.free {
                        let start = (u * topicCount + t) * cell
                        guard start + cell <= counts.count else { continue }
                        for i in start..<start + cell {
                            counts[i] += pieces[member].counts[i]
                            pieces[member].counts[i] = 0
                        }
                    }
                }
            }
            before[first] = .init(tables: tables.sorted(), counts: counts, bounds: bounds.sorted { ($0.topic, $0.unit ?? -1, $0.sentiment) < ($1.topic, $1.unit ?? -1, $1.sentiment) })
        }
        var result: [LinkedProtection.Span] = []
        for (index, piece) in pieces.enumerated() {
            if let whole = before[index] { result.append(whole) }
            result.append(piece)
        }
        return result.filter { $0.counts.contains { $0 > 0 } }
    }

    /// Whether `change` moves any atom of `group` (a unit and topic) in respondent group
    /// `respondentGroup` (nil: any).
    private func changes(_ change: [Int], _ group: ChangeGroup, inGroup respondentGroup: Int?) -> Bool {
        let (t, g, s) = (empty.topics.count, empty.groups.count, empty.sentiments.count)
        for gg in respondentGroup.map({ [$0] }) ?? Array(0..<g) {
            for ss in 0..<s {
                let i = ((group.unit * t + group.topic) * g + gg) * s + ss
                if change.indices.contains(i), change[i] != 0 { return true }
            }
        }
        return false
    }

    /// Whether a position (cell, unit total, province group total, province total) of counts in
    /// ``TallyCube`` layout holds 1 to `minimum − 1` responses.
    static func hasSmallPosition(_ counts: [Int], shape: TallyCube, minimum: Int) -> Bool {
        let (units, topics, groups, sentiments) = (shape.units.count, shape.topics.count, shape.groups.count, shape.sentiments.count)
        guard counts.count == units * topics * groups * sentiments else { return false }
        for t in 0..<topics {
            var unitTotals = Array(repeating: 0, count: units), groupTotals = Array(repeating: 0, count: groups)
            for u in 0..<units {
                for g in 0..<groups {
                    let start = ((u * topics + t) * groups + g) * sentiments
                    let n = counts[start..<start + sentiments].reduce(0, +)
                    if (1..<minimum).contains(n) { return true }
                    unitTotals[u] += n
                    groupTotals[g] += n
                }
            }
            if (unitTotals + groupTotals + [unitTotals.reduce(0, +)]).contains(where: { (1..<minimum).contains($0) }) { return true }
        }
        return false
    }

    /// Released positions (database ids) as a mask in the cubes' layout.
    func mask(_ positions: [ReleasedPosition]) -> ProtectionMask {
        func index(_ ids: [Int64]) -> [Int64: Int] {
            Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let units = index(ids.units), topics = index(ids.topics), groups = index(ids.groups)
        var mask = emptyMask
        for position in positions {
            // A code no longer summarised has no responses: nothing of it is shown.
            guard let t = topics[position.topicID] else { continue }
            let u = position.unitID == 0 ? nil : units[position.unitID]
            let g = position.groupID == 0 ? nil : groups[position.groupID]
            if (position.unitID != 0 && u == nil) || (position.groupID != 0 && g == nil) { continue }
            mask.withhold(topic: t, unit: u, group: g)
        }
        return mask
    }
}
