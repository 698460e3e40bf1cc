import SurveyReport

/// A tally span (its first day) and one of its versions (an internal sequence number; 0 for the
/// live counts).
struct SpanKey: Hashable {
    var day: Int
    var seq: Int
}

/// Sums rows of counts by span and version into arrays in ``TallyCube`` layout, checking every
/// database value before it indexes anything.
struct AtomSlots {
    let units: [Int], topics: [Int], groups: [Int], sentiments: [Int]
    let t: Int, g: Int, s: Int, size: Int

    init(ids: PeriodCubes.IDs, shape: TallyCube) throws {
        func lookup(_ ids: [Int64]) throws -> [Int] {
            // Ids are SQLite rowids of reference rows: small. A table this size is a surprise.
            guard let largest = ids.max() else { return [] }
            guard largest >= 0, largest < 1 << 24 else { throw PublishInputError.referenceIDOutOfRange(largest) }
            var table = Array(repeating: -1, count: Int(largest) + 1)
            for (index, id) in ids.enumerated() where id >= 0 { table[Int(id)] = index }
            return table
        }
        units = try lookup(ids.units)
        topics = try lookup(ids.topics)
        groups = try lookup(ids.groups)
        sentiments = try lookup(ids.sentiments)
        (t, g, s) = (shape.topics.count, shape.groups.count, shape.sentiments.count)
        size = shape.counts.count
    }

    /// Reads rows `(key, unitID, topicID, groupID, sentimentID, count)`; a day outside
    /// ``PeriodCubes/plausibleDays`` stops the publication.
    func collect(_ read: ((SpanKey, Int64, Int64, Int64, Int64, Int) -> Void) throws -> Void) throws -> [SpanKey: [Int]] {
        var arrays: [[Int]] = []
        var slotOfKey: [SpanKey: Int] = [:]
        var last = (key: SpanKey(day: Int.min, seq: 0), slot: 0)
        var surprise: PublishInputError?
        try read { key, unitID, topicID, groupID, sentimentID, count in
            guard surprise == nil, count > 0 else { return }
            guard PeriodCubes.plausibleDays.contains(key.day) else {
                surprise = .implausibleSpans(key.day...key.day)
                return
            }
            // Rows of codes that are not summarised (inactive and unused) are skipped.
            guard let u = units[safe: Int(unitID)], u >= 0, let tt = topics[safe: Int(topicID)], tt >= 0,
                  let gg = groups[safe: Int(groupID)], gg >= 0, let ss = sentiments[safe: Int(sentimentID)], ss >= 0
            else { return }
            if key != last.key {
                if let slot = slotOfKey[key] {
                    last = (key, slot)
                } else {
                    last = (key, arrays.count)
                    slotOfKey[key] = arrays.count
                    arrays.append([Int](repeating: 0, count: size))
                }
            }
            arrays[last.slot][((u * t + tt) * g + gg) * s + ss] += count
        }
        if let surprise { throw surprise }
        return slotOfKey.mapValues { arrays[$0] }
    }
}

/// The database held something a publication cannot place: the publication stops, the previous
/// files stay, and the error is logged (never a trap).
enum PublishInputError: Error, CustomStringConvertible {
    case implausibleSpans(ClosedRange<Int>)
    case referenceIDOutOfRange(Int64)

    var description: String {
        switch self {
        case let .implausibleSpans(range):
            "the tally spans run from day \(range.lowerBound) to day \(range.upperBound), outside the years 1900–2199"
        case let .referenceIDOutOfRange(id):
            "a reference row has the id \(id), outside the expected range"
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
