import SurveyModel
import SurveyReport
import SurveyStore

/// The tallies of every period of the wanted granularities, read in one pass over the daily
/// tallies.
struct PeriodCubes {
    let empty: TallyCube
    private var cubes: [Period: TallyCube] = [:]

    init(store: SurveyStore, dimensions: SummaryDimensions, kinds: [PeriodKind]) throws {
        empty = TallyCube(
            units: dimensions.units.map(\.unit), topics: dimensions.topics.map(\.topic),
            groups: dimensions.groups.map(\.group), sentiments: dimensions.sentiments.map(\.sentiment)
        )
        func lookup(_ ids: [Int64]) -> [Int] {
            var table = Array(repeating: -1, count: Int(ids.max() ?? 0) + 1)
            for (index, id) in ids.enumerated() { table[Int(id)] = index }
            return table
        }
        let units = lookup(dimensions.units.map(\.id)), topics = lookup(dimensions.topics.map(\.id))
        let groups = lookup(dimensions.groups.map(\.id)), sentiments = lookup(dimensions.sentiments.map(\.id))
        // Periods of each day, cached: consecutive rows mostly share days.
        var periodsOfDay: [Int: [Period]] = [:]
        var flat: [Period: [Int]] = [:]
        let template = empty
        try store.forEachDailyTally { unitID, day, topicID, groupID, sentimentID, count in
            guard let u = units[safe: Int(unitID)], u >= 0, let t = topics[safe: Int(topicID)], t >= 0,
                  let g = groups[safe: Int(groupID)], g >= 0, let s = sentiments[safe: Int(sentimentID)], s >= 0, count > 0
            else { return }
            let periods: [Period]
            if let cached = periodsOfDay[day] {
                periods = cached
            } else {
                periods = kinds.map { Period.containing(LocalDate(dayNumber: day), kind: $0) }
                periodsOfDay[day] = periods
            }
            let index = template.index(unit: u, topic: t, group: g, sentiment: s)
            for period in periods {
                if flat[period] == nil { flat[period] = Array(repeating: 0, count: template.counts.count) }
                flat[period]![index] += count
            }
        }
        for (period, counts) in flat {
            cubes[period] = TallyCube(units: empty.units, topics: empty.topics, groups: empty.groups, sentiments: empty.sentiments, counts: counts)
        }
    }

    /// Periods of `kind` with at least one response, oldest first.
    func periods(_ kind: PeriodKind) -> [Period] {
        cubes.keys.filter { $0.kind == kind }.sorted()
    }

    func cube(_ period: Period) -> TallyCube {
        cubes[period] ?? empty
    }
}

extension Array {
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
