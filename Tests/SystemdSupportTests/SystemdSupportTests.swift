import Logging
import SystemdSupport
import Testing

@Suite struct SystemdSupportTests {
    @Test func metadataKeysBecomeJournalFieldNames() {
        #expect(JournalLogHandler.fieldName(prefix: "SURVEY", key: "duration_ms") == "SURVEY_DURATION_MS")
        #expect(JournalLogHandler.fieldName(prefix: "SURVEY", key: "unit") == "SURVEY_UNIT")
        #expect(JournalLogHandler.fieldName(prefix: "SURVEY", key: "socket-activated") == "SURVEY_SOCKET_ACTIVATED")
    }

    @Test func levelsMapToSyslogPriorities() {
        #expect([Logger.Level.trace, .debug, .info, .notice, .warning, .error, .critical].map(JournalLogHandler.priority) == [7, 7, 6, 5, 4, 3, 2])
    }

    @Test func journalIsChosenOnlyWhenStandardErrorIsConnectedToIt() {
        // A JOURNAL_STREAM that names another file is not ours (and this machine has no journal
        // socket, or the test runs with a terminal or a pipe as standard error).
        #expect(!JournalLogHandler.shouldUseJournal(environment: ["JOURNAL_STREAM": "1:1"]) || isJournalSocketPresent())
    }

    @Test func withoutAServiceManagerEverythingIsAQuietNoOp() {
        // The test process has no NOTIFY_SOCKET, WATCHDOG_USEC or LISTEN_FDS.
        let notifier = SystemdNotifier()
        #expect(!notifier.isEnabled)
        #expect(!notifier.notify("READY=1"))
        #expect(notifier.watchdogInterval == nil)
        #expect(SocketActivation.listeningSockets().isEmpty)
    }

    func isJournalSocketPresent() -> Bool {
        access("/run/systemd/journal/socket", F_OK) == 0
    }
}

import Glibc
