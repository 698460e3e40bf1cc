import GRDB
import GRDBSQLite

/// A cached GRDB statement run through SQLite's C interface with integer arguments only: the
/// ingest hot path, where boxing each value into `StatementArguments` cost more than the insert.
/// Errors become GRDB's `DatabaseError`, as if GRDB had run the statement.
struct RawStatement {
    private let statement: Statement
    private let db: Database

    init(_ statement: Statement, _ db: Database) {
        self.statement = statement
        self.db = db
    }

    /// Runs the statement to completion with these arguments.
    func run(_ values: Int64...) throws {
        let handle = statement.sqliteStatement
        bind(values, to: handle)
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw failure(handle) }
        sqlite3_reset(handle)
    }

    /// The first row's first two integer columns, or nil when there is no row.
    func row(_ values: Int64...) throws -> (Int64, Int64)? {
        let handle = statement.sqliteStatement
        bind(values, to: handle)
        defer { sqlite3_reset(handle) }
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return (sqlite3_column_int64(handle, 0), sqlite3_column_int64(handle, 1))
        case SQLITE_DONE: return nil
        default: throw failure(handle)
        }
    }

    private func bind(_ values: [Int64], to handle: SQLiteStatement) {
        sqlite3_reset(handle)
        for (index, value) in values.enumerated() {
            sqlite3_bind_int64(handle, Int32(index + 1), value)
        }
    }

    private func failure(_ handle: SQLiteStatement) -> DatabaseError {
        let connection = db.sqliteConnection
        let code = sqlite3_extended_errcode(connection)
        let message = sqlite3_errmsg(connection).map { String(cString: $0) }
        sqlite3_reset(handle)
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}
