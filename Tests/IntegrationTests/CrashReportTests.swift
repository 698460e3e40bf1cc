import Foundation
import Testing

@Suite struct CrashReportTests {
    /// A fatal signal leaves a report on standard error (the journal under systemd) and still
    /// kills the daemon with that signal, so systemd sees `status=4/ILL` and restarts it. kill(2)
    /// stands in for a real trap: the handler is the same, and the trap itself (the re-executed
    /// `ud2`) is covered by SystemdSupportTests' exit tests. No test-only code in surveyd.
    @Test func aFatalSignalIsReportedThenKillsTheDaemonWithIt() async throws {
        let daemon = try Daemon()
        // As the unit runs it: a debug build would otherwise find the runtime's backtracer helper
        // in the toolchain, and the backtracer, installed first, would take the signals.
        try await daemon.start(environment: ["SWIFT_BACKTRACE": "enable=no"])
        let status = await daemon.stop(signal: SIGILL)
        #expect(status == 128 + SIGILL)
        let lines = daemon.log().split(separator: "\n").map(String.init)
        let report = try #require(lines.firstIndex { $0.hasPrefix("surveyd: fatal signal SIGILL (illegal instruction) at ") }, "\(daemon.log())")
        #expect(lines[report].contains("sent by process \(getpid()) with kill(2)"))
        #expect(lines[report + 1].hasPrefix("surveyd: #0 "))
        #expect(lines.contains { $0.hasPrefix("surveyd: build-id ") && $0.contains("gdb -batch") })
    }
}
