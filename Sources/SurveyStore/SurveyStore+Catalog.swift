import GRDB
import SurveyModel

extension SurveyStore {
    /// Makes the reference tables match the configuration: rows are inserted or updated, and rows
    /// no longer configured are deactivated (never deleted, so history stays readable).
    public func synchronize(_ catalog: Catalog) throws(StoreError) {
        do {
            try writer.write { db in
                func sync(_ table: String, _ rows: [(code: String, columns: [String: (any DatabaseValueConvertible)?])]) throws {
                    try db.execute(sql: "UPDATE \(table) SET active = 0")
                    for row in rows {
                        let names = ["code"] + row.columns.keys.sorted()
                        var values: [(any DatabaseValueConvertible)?] = [row.code]
                        values += row.columns.keys.sorted().map { row.columns[$0] ?? nil }
                        let placeholders = Array(repeating: "?", count: names.count + 1).joined(separator: ", ")
                        let updates = (names.dropFirst() + ["active"]).map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
                        try db.execute(
                            sql: """
                            INSERT INTO \(table) (\((names + ["active"]).joined(separator: ", "))) VALUES (\(placeholders))
                            ON CONFLICT (code) DO UPDATE SET \(updates)
                            """,
                            arguments: StatementArguments(values + [1])
                        )
                    }
                }
                try sync("units", catalog.units.map { ($0.code, ["name": $0.name]) })
                try sync("topics", catalog.topics.map {
                    ($0.code, ["title": $0.title, "active_from": $0.activeFrom?.description, "active_to": $0.activeTo?.description])
                })
                try sync("respondent_groups", catalog.groups.map { ($0.code, ["name": $0.name]) })
                try sync("sentiments", catalog.sentiments.map { ($0.code, ["label": $0.label, "polarity": $0.polarity.rawValue]) })
            }
            try loadCodes()
        } catch {
            throw SurveyStore.classify(error, "cannot synchronise the configuration into the database")
        }
    }

    /// Units as stored, including deactivated ones.
    public func units() throws(StoreError) -> [(unit: SurveyUnit, active: Bool)] {
        do {
            return try writer.read { db in
                try Row.fetchAll(db, sql: "SELECT code, name, active FROM units ORDER BY code").map {
                    (SurveyUnit(code: $0["code"], name: $0["name"]), $0["active"] as Bool)
                }
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read units")
        }
    }

    /// Topics as stored, including deactivated ones.
    public func topics() throws(StoreError) -> [(topic: Topic, active: Bool)] {
        do {
            return try writer.read { db in
                try Row.fetchAll(db, sql: "SELECT code, title, active_from, active_to, active FROM topics ORDER BY code").map {
                    let from = ($0["active_from"] as String?).flatMap { LocalDate(iso: $0) }
                    let to = ($0["active_to"] as String?).flatMap { LocalDate(iso: $0) }
                    return (Topic(code: $0["code"], title: $0["title"], activeFrom: from, activeTo: to), $0["active"] as Bool)
                }
            }
        } catch {
            throw SurveyStore.classify(error, "cannot read topics")
        }
    }
}
