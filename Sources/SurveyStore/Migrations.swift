import GRDB

/// The schema migrations, embedded at build time from the top-level migrations/ folder.
public enum Migrations {
    /// Name and SQL of every migration, in the order they are applied.
    public static var all: [(name: String, sql: String)] { embeddedMigrations }

    /// A migrator that applies each migration in its own transaction.
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in embeddedMigrations {
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }
}
