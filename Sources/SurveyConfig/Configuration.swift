import Foundation
import SurveyModel

/// The whole configuration of surveyd and surveyctl, read from one YAML file
/// (by default /etc/surveyd/surveyd.conf). Every key is documented in the example configuration
/// `config/surveyd.conf` and in README.md.
public struct Configuration: Sendable {
    /// Addresses the collaborator protocol listens on in plain text (may be empty when TLS
    /// listens). Non-loopback addresses need ``allowPlaintextOnNetwork``.
    public var listen: [ListenAddress] = [ListenAddress(host: "127.0.0.1", port: 7411)]
    /// Plain text on addresses other than loopback, explicitly allowed.
    public var allowPlaintextOnNetwork = false
    /// TLS listeners with their certificate and key, if any.
    public var tls: TLSSettings?
    /// Path of the SQLite database file.
    public var databasePath: String = "/var/lib/surveyd/surveyd.sqlite"
    /// Directory summary files are published into.
    public var summariesDirectory: String = "/var/lib/surveyd/summaries"
    /// Seconds between scheduled publications.
    public var publishIntervalSeconds: Int = 900
    /// Granularities published.
    public var publishPeriods: [PeriodKind] = [.week, .month, .quarter, .year]
    /// Cells with fewer responses than this are withheld from summaries.
    public var minimumCellSize: Int = 5
    /// When periods are published and whether they are revised (`publish.release`, `publish.grace_days`).
    public var release: ReleasePolicy = .standard
    /// The early-warning charts published in `alerts.json` (`alerts.*`).
    public var alerts = Configuration.defaultAlerts

    /// The early warning's defaults: the provisional look on the current week's Monday and Tuesday,
    /// spending what the weekly charts leave of the budget (docs/SUMMARIES.md, "The provisional look").
    public static var defaultAlerts: EarlyWarningSettings {
        var settings = EarlyWarningSettings()
        settings.provisionalSpendsSlack = true
        settings.provisionalDays = 2
        return settings
    }
    /// The provincial time zone: periods and "today" are reckoned in it.
    public var timeZone: TimeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .gmt
    /// Which collection dates are accepted.
    public var dateWindow = DateWindow()
    /// Protocol limits.
    public var limits = ProtocolLimits()
    /// Units whose new batches wait for an administrator's approval before they count.
    public var hold: HoldPolicy = .none
    /// Units, topics, groups and the sentiment scale.
    public var catalog = Catalog(units: [], topics: [], groups: [], sentiments: [])
    /// Survey rounds (đợt điều tra): planned collection with targets per unit and a deadline.
    public var rounds: [SurveyRound] = []
    /// Keys that are accepted but no longer used, each with what replaced it: said at start-up
    /// and by `--check-config`.
    public var notices: [String] = []

    public init() {}
}

/// The collaborators' protocol over TLS: where, and with which certificate chain and key (PEM).
public struct TLSSettings: Sendable, Hashable {
    public var listen: [ListenAddress]
    public var certificatePath: String
    public var keyPath: String

    public init(listen: [ListenAddress], certificatePath: String, keyPath: String) {
        self.listen = listen
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}

/// A host and port to listen on: `127.0.0.1:7411`, `[::1]:7411`, `0.0.0.0:7411`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (IPv6 hosts in brackets); nil if malformed.
    public init?(parsing text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                  text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(" "), let port = Int(portText), (0...65_535).contains(port) else {
            return nil
        }
        self.host = String(host)
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whether only this machine can reach the address (127.0.0.0/8, ::1, localhost).
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
