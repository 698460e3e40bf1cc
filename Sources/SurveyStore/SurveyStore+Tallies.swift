import GRDB

/// One tally cell of a batch's unit, by database ids: the increments of a batch are summed per
/// cell before the upserts.
struct TallyIncrementKey: Hashable, Comparable {
    /// Day number of the tally span's first day (``SpanCuts/spanStart(_:)``).
    var span: Int
    var topic: Int64
    var group: Int64
    var sentiment: Int64

    static func < (lhs: TallyIncrementKey, rhs: TallyIncrementKey) -> Bool {
        (lhs.span, lhs.topic, lhs.group, lhs.sentiment) < (rhs.span, rhs.topic, rhs.group, rhs.sentiment)
    }

    /// One increment per cell, in key order: `keys` (one per response) summed by sorting, which
    /// costs less than hashing and writes the cells in key order.
    static func summed(_ keys: consuming [TallyIncrementKey]) -> [(TallyIncrementKey, Int)] {
        keys.sort()
        var increments: [(TallyIncrementKey, Int)] = []
        for key in keys {
            if let last = increments.last, last.0 == key {
                increments[increments.count - 1].1 += 1
            } else {
                increments.append((key, 1))
            }
        }
        return increments
    }
}

extension SurveyStore {
    /// Whether a batch's responses are added to the tallies or taken out of them.
    enum TallyChange {
        /// Ingest of a counted batch, approval of a held one, restoration of a retracted one.
        case add
        /// Retraction.
        case remove
    }

    /// The one place where span tallies change: `increments` of `unitID`'s cells are added (an
    /// upsert, 32 rows a statement) or removed (cells that must exist; their count may not go
    /// below zero, which the table's CHECK also refuses), inside the caller's transaction.
    static func changeTallies(_ change: TallyChange, unitID: Int64, _ increments: [(TallyIncrementKey, Int)], in db: Database) throws {
        switch change {
        case .add:
            try SurveyStore.tallyUpsert.run(db, rows: increments.count) { index, column in
                let (key, count) = increments[index]
                return switch column {
                case 0: unitID
                case 1: Int64(key.span)
                case 2: key.topic
                case 3: key.group
                case 4: key.sentiment
                default: Int64(count)
                }
            }
        case .remove:
            let statement = try db.cachedStatement(sql: """
                UPDATE span_tallies SET count = count - ?6
                WHERE unit_id = ?1 AND span_start = ?2 AND topic_id = ?3 AND group_id = ?4 AND sentiment_id = ?5 AND count >= ?6
                """)
            for (key, count) in increments {
                try statement.execute(arguments: [unitID, key.span, key.topic, key.group, key.sentiment, count])
                guard db.changesCount == 1 else {
                    throw StoreError(.internalError, "the tallies of unit \(unitID) lack responses being removed; run an integrity check")
                }
            }
        }
    }

    static let tallyUpsert = MultiRowInsert(
        head: "INSERT INTO span_tallies (unit_id, span_start, topic_id, group_id, sentiment_id, count) VALUES", columns: 6,
        tail: "ON CONFLICT (unit_id, span_start, topic_id, group_id, sentiment_id) DO UPDATE SET count = count + excluded.count"
    )
}
