import GRDB
import GRDBSQLite

/// An INSERT of many rows of integers, written as statements of up to ``chunk`` rows each
/// (`VALUES (…), (…), …`): one statement run per chunk instead of per row, which is where the
/// time of a small insert goes. The statements are GRDB's cached statements.
struct MultiRowInsert: Sendable {
    static let chunk = 32
    let columns: Int
    /// The SQL for 1…chunk rows, at the index of its row count.
    private let sql: [String]

    /// `head` ends with `VALUES`; `tail` follows the rows (an `ON CONFLICT` clause, or nothing).
    init(head: String, columns: Int, tail: String = "") {
        self.columns = columns
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        sql = (0...MultiRowInsert.chunk).map { count in
            head + " " + Array(repeating: row, count: count).joined(separator: ", ") + (tail.isEmpty ? "" : " " + tail)
        }
    }

    /// Inserts `rows` rows; `value(row, column)` gives each argument.
    func run(_ db: Database, rows: Int, value: (_ row: Int, _ column: Int) -> Int64) throws {
        var start = 0
        while start < rows {
            let count = min(MultiRowInsert.chunk, rows - start)
            let statement = try db.cachedStatement(sql: sql[count])
            let handle = statement.sqliteStatement
            sqlite3_reset(handle)
            for row in 0..<count {
                for column in 0..<columns {
                    sqlite3_bind_int64(handle, Int32(row * columns + column + 1), value(start + row, column))
                }
            }
            let code = sqlite3_step(handle)
            guard code == SQLITE_DONE else { throw MultiRowInsert.failure(statement, db) }
            sqlite3_reset(handle)
            start += count
        }
    }

    /// The error of the last step of `statement`, as GRDB would report it; resets the statement.
    private static func failure(_ statement: Statement, _ db: Database) -> DatabaseError {
        let connection = db.sqliteConnection
        let code = sqlite3_extended_errcode(connection)
        let message = sqlite3_errmsg(connection).map { String(cString: $0) }
        sqlite3_reset(statement.sqliteStatement)
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}
