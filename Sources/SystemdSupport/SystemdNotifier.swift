// SystemdSupport: a small Swift layer over libsystemd (readiness, status, watchdog, socket
// activation, the journal). No surveyd logic lives here. Without NOTIFY_SOCKET, LISTEN_FDS or a
// journal, everything is a quiet no-op.
import CSystemd
import Foundation

/// Sends sd_notify(3) messages to the service manager.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// Whether a service manager listens (NOTIFY_SOCKET is set).
    public var isEnabled: Bool {
        ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] != nil
    }

    /// Sends `state` (newline-separated `KEY=VALUE` lines); returns whether it was delivered.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard isEnabled else { return false }
        return sd_notify(0, state) > 0
    }

    /// `READY=1`, with a status line.
    public func ready(status: String? = nil) {
        notify("READY=1" + (status.map { "\nSTATUS=\($0)" } ?? ""))
    }

    /// `STATUS=…`: one line shown by `systemctl status`.
    public func status(_ text: String) {
        notify("STATUS=" + text.replacingOccurrences(of: "\n", with: " "))
    }

    /// `RELOADING=1` with the current `MONOTONIC_USEC`, as Type=notify-reload expects.
    public func reloading() {
        notify("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())")
    }

    /// `STOPPING=1`.
    public func stopping() {
        notify("STOPPING=1")
    }

    /// `WATCHDOG=1`.
    public func watchdog() {
        notify("WATCHDOG=1")
    }

    /// The watchdog interval the service manager expects pings within, if it is enabled for this
    /// process (WATCHDOG_USEC, and WATCHDOG_PID if set).
    public var watchdogInterval: Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec))
    }

    static func monotonicMicroseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1000
    }
}

/// Listening sockets passed by socket activation (sd_listen_fds(3)).
public enum SocketActivation {
    /// The passed file descriptors (from 3), or none when not socket-activated. The environment
    /// variables are removed so that child processes do not inherit them.
    public static func listeningSockets() -> [Int32] {
        let count = sd_listen_fds(1)
        guard count > 0 else { return [] }
        return (0..<count).map { SD_LISTEN_FDS_START + $0 }
    }
}
