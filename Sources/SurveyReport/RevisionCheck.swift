import SurveyModel

/// Whether a change to released tally spans may be published: comparing the version without it
/// to the version with it must reveal no group below the minimum.
///
/// Every published table is a sum of spans, so a reader who compares versions of any tables
/// (and subtracts) can learn the change of each position (a unit × group cell, a unit total, a
/// province group total, the province total) in each span: the people added there, or removed.
/// The change passes when, in every span and every position, the responses added and the
/// responses removed each number 0 or at least the minimum. (Together with the fixed masks of
/// the released tables, whose certificates are re-checked on the counts both versions hold, this
/// keeps every withheld group of both versions protected: docs/SUMMARIES.md, "Revisions".)
///
/// Pure: counts in, answer out.
public enum RevisionCheck {
    /// The first position of `shown` → `live` that fails, or nil when the change may be
    /// published. Counts are in ``TallyCube`` layout of `shape`.
    public static func firstSmallChange(shown: [Int], live: [Int], shape: TallyCube, minimum: Int) -> SmallChange? {
        let (units, topics, groups, sentiments) = (shape.units.count, shape.topics.count, shape.groups.count, shape.sentiments.count)
        guard shown.count == live.count, shown.count == units * topics * groups * sentiments else {
            return SmallChange(topic: 0, unit: nil, group: nil, added: 0, removed: 0)
        }
        for t in 0..<topics {
            // Added and removed per position: (units + 1) × (groups + 1), the last row and column the totals.
            var added = Array(repeating: 0, count: (units + 1) * (groups + 1))
            var removed = added
            for u in 0..<units {
                for g in 0..<groups {
                    var plus = 0, minus = 0
                    for s in 0..<sentiments {
                        let i = ((u * topics + t) * groups + g) * sentiments + s
                        let change = live[i] - shown[i]
                        if change > 0 { plus += change } else { minus -= change }
                    }
                    for position in [u * (groups + 1) + g, u * (groups + 1) + groups, units * (groups + 1) + g, units * (groups + 1) + groups] {
                        added[position] += plus
                        removed[position] += minus
                    }
                }
            }
            for position in added.indices where (1..<minimum).contains(added[position]) || (1..<minimum).contains(removed[position]) {
                let r = position / (groups + 1), c = position % (groups + 1)
                return SmallChange(topic: t, unit: r == units ? nil : r, group: c == groups ? nil : c, added: added[position], removed: removed[position])
            }
        }
        return nil
    }

    /// A position whose change would show a group below the minimum.
    public struct SmallChange: Sendable, Equatable {
        public var topic: Int
        /// nil: the province.
        public var unit: Int?
        /// nil: all groups.
        public var group: Int?
        public var added: Int
        public var removed: Int

        public init(topic: Int, unit: Int?, group: Int?, added: Int, removed: Int) {
            (self.topic, self.unit, self.group, self.added, self.removed) = (topic, unit, group, added, removed)
        }
    }
}
