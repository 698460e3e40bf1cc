import CSystemd
import Foundation
import Logging

/// A swift-log handler that writes structured entries to the systemd journal with
/// sd_journal_sendv(3): MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CODE_FILE/LINE/FUNC, MESSAGE_ID
/// when the message has one, and each metadata key as a field `PREFIX_KEY` (upper case).
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    let identifier: String
    let fieldPrefix: String
    let messageIDs: [String: String]

    /// - Parameters:
    ///   - identifier: SYSLOG_IDENTIFIER.
    ///   - fieldPrefix: prefix of metadata fields, e.g. `SURVEY` gives `SURVEY_UNIT`.
    ///   - messageIDs: MESSAGE_ID (32 hex digits) per message text.
    public init(identifier: String, fieldPrefix: String, messageIDs: [String: String], metadataProvider: Logger.MetadataProvider? = nil) {
        self.identifier = identifier
        self.fieldPrefix = fieldPrefix
        self.messageIDs = messageIDs
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The journal field name for a metadata key: `duration_ms` → `SURVEY_DURATION_MS`.
    public static func fieldName(prefix: String, key: String) -> String {
        let cleaned = key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return prefix + "_" + String(cleaned)
    }

    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public func log(event: LogEvent) {
        var fields: [String] = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(JournalLogHandler.priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
        ]
        if let id = messageIDs[event.message.description] { fields.append("MESSAGE_ID=\(id)") }
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            fields.append("\(JournalLogHandler.fieldName(prefix: fieldPrefix, key: key))=\(value)")
        }
        JournalLogHandler.send(fields)
    }

    static func send(_ fields: [String]) {
        let buffers = fields.map { Array($0.utf8) }
        var storage = buffers
        storage.withUnsafeMutableBufferPointer { all in
            var vectors = (0..<all.count).map { index in
                all[index].withUnsafeMutableBytes { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
            }
            _ = sd_journal_sendv(&vectors, Int32(vectors.count))
        }
    }

    /// Whether log lines should go to the journal: when standard error is connected to it
    /// (JOURNAL_STREAM names stderr's device and inode, as systemd sets it for services), or when
    /// the journal socket exists and standard error is not a terminal. sd_journal_send returns
    /// success even when nothing receives the entry, so this is decided up front.
    public static func shouldUseJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        if let stream = environment["JOURNAL_STREAM"] {
            var status = stat()
            if fstat(2, &status) == 0 {
                let parts = stream.split(separator: ":")
                if parts.count == 2, UInt64(parts[0]) == UInt64(status.st_dev), UInt64(parts[1]) == UInt64(status.st_ino) {
                    return true
                }
            }
        }
        return isatty(2) == 0 && FileManager.default.fileExists(atPath: "/run/systemd/journal/socket")
    }
}
