import Foundation
import Logging
import SurveyStore
import SystemdSupport

/// Administrative actions also go to the journal (when there is one), as `SYSLOG_IDENTIFIER=surveyctl`
/// entries with their own MESSAGE_ID and `SURVEY_ACTION`, `SURVEY_ACTOR`, `SURVEY_SUBJECT` and
/// `SURVEY_DETAILS` fields, so that an operator can alert on them like on the daemon's.
enum AuditJournal {
    static let messageID = "5f1e735cc4c64d53aef7136afd9b68ca"

    static func announce(_ action: AuditAction, subject: String? = nil, details: String = "") {
        guard FileManager.default.fileExists(atPath: "/run/systemd/journal/socket") else { return }
        let logger = Logger(label: "surveyctl") { _ in
            var handler = JournalLogHandler(identifier: "surveyctl", fieldPrefix: "SURVEY", messageIDs: ["administrative action": messageID])
            handler.logLevel = .info
            return handler
        }
        var metadata: Logger.Metadata = ["action": "\(action.rawValue)", "actor": "\(AuditActor.currentUser)"]
        if let subject { metadata["subject"] = "\(subject)" }
        if !details.isEmpty { metadata["details"] = "\(details)" }
        logger.notice("administrative action", metadata: metadata)
    }
}
