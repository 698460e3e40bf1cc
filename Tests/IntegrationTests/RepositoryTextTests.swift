import Foundation
import Testing

/// Checks on the repository's own texts that no build catches: the journal catalog against the
/// MESSAGE_IDs the code logs, and the man pages and docs free of stray control characters (a
/// `\f` font escape once reached surveyctl(8) as a form feed).
struct RepositoryTextTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The 32-hex-digit ids quoted in a Swift MessageIDs table.
    static func loggedIDs(_ path: String) throws -> Set<String> {
        let text = try read(path)
        let pattern = try Regex(#""([0-9a-f]{32})""#)
        return Set(text.matches(of: pattern).compactMap { $0.output[1].substring.map(String.init) })
    }

    @Test func everyLoggedMessageIDIsExplainedInTheCatalogAndNoOtherIs() throws {
        let logged = try ["Sources/surveyd/MessageIDs.swift", "Sources/surveyweb/MessageIDs.swift", "Sources/surveyctl/AuditJournal.swift"]
            .reduce(into: Set<String>()) { $0.formUnion(try Self.loggedIDs($1)) }
        let catalog = try Self.read("systemd/surveyd.catalog")
        let explained = catalog.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("-- ") else { return nil }
            return String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
        }
        #expect(logged.count >= 30, "the tables were read: \(logged.count) ids")
        #expect(Set(explained).count == explained.count, "an id is explained twice in the catalog")
        #expect(logged.subtracting(explained).sorted() == [], "logged but not in systemd/surveyd.catalog")
        #expect(Set(explained).subtracting(logged).sorted() == [], "in the catalog but never logged")
    }

    @Test(arguments: ["man/surveyctl.8", "man/surveyd.8", "man/surveyd.conf.5", "man/surveyweb.8", "README.md",
                      "docs/ARCHITECTURE.md", "docs/BENCHMARKS.md", "docs/OPERATIONS.md", "docs/PROTOCOL.md",
                      "docs/RELIABILITY.md", "docs/SECURITY.md", "docs/SUMMARIES.md"])
    func textHoldsNoControlCharacters(_ path: String) throws {
        let text = try Self.read(path)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().filter { _, line in
            line.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }
        }.map { $0.offset + 1 }
        #expect(lines == [], "\(path): control characters on lines \(lines)")
    }
}
