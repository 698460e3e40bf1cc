import Foundation
import SurveyModel
import Yams

extension Configuration {
    /// Every top-level key the file may hold.
    static let topLevelKeys: Set<String> = [
        "listen", "allow_plaintext_on_network", "tls", "review", "database", "summaries_directory", "publish", "alerts", "time_zone", "dates", "limits",
        "units", "topics", "groups", "sentiments", "rounds",
    ]

    /// Reads and validates the configuration file at `path`.
    ///
    /// - Throws: ``ConfigurationError`` naming the file, key, line and reason.
    public static func load(path: String) throws(ConfigurationError) -> Configuration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError(file: path, key: nil, line: nil, reason: "cannot read the file: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, key: nil, line: nil, reason: "the file is not valid UTF-8")
        }
        return try parse(text, file: path)
    }

    /// Parses and validates configuration text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> Configuration {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigurationError(file: file, key: nil, line: nil, reason: "the file is empty")
            }
            root = node
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            throw ConfigurationError(yaml: error, file: file, text: text)
        } catch {
            throw ConfigurationError(file: file, key: nil, line: nil, reason: "syntax error: \(error)")
        }
        var reader = ConfigurationReader(file: file)
        return try reader.read(root)
    }
}

extension ConfigurationError {
    init(yaml error: YamlError, file: String, text: String) {
        switch error {
        case let .duplicatedKeysInMapping(duplicates, _):
            // Yams reports the mapping, not the key: find the key's second occurrence.
            let key = duplicates.sorted().first ?? "?"
            var seen = 0
            var line: Int?
            for (offset, content) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = content.drop { $0 == " " || $0 == "-" || $0 == "{" || $0 == "," }
                if trimmed.hasPrefix("\(key):") || content.contains(" \(key):") || content.contains("{\(key):") {
                    seen += 1
                    if seen == 2 { line = offset + 1; break }
                }
            }
            self.init(file: file, key: key, line: line, reason: "key given twice")
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let detail = context.map { "\($0.text) " } ?? ""
            self.init(file: file, key: nil, line: mark.line, reason: "syntax error: \(detail)\(problem)")
        default:
            self.init(file: file, key: nil, line: nil, reason: "syntax error: \(error)")
        }
    }
}

/// Walks the YAML tree, remembering the key path for error messages.
struct ConfigurationReader {
    let file: String

    func fail(_ key: String?, _ node: Node?, _ reason: String) -> ConfigurationError {
        ConfigurationError(file: file, key: key, line: node?.mark?.line, reason: reason)
    }

    /// The pairs of a mapping, refusing keys that are unknown or repeated.
    func entries(_ node: Node, key: String?, allowed: Set<String>) throws(ConfigurationError) -> [String: Node] {
        guard let mapping = node.mapping else {
            throw fail(key, node, "expected a mapping of keys to values")
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let name = keyNode.string else { throw fail(key, keyNode, "keys must be text") }
            let path = key.map { "\($0).\(name)" } ?? name
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw fail(path, keyNode, "unknown key (known keys here: \(known))")
            }
            guard result[name] == nil else { throw fail(path, keyNode, "key given twice") }
            result[name] = value
        }
        return result
    }

    func string(_ node: Node, _ key: String) throws(ConfigurationError) -> String {
        guard case let .scalar(scalar) = node else { throw fail(key, node, "expected a text value") }
        let value = scalar.string.precomposedStringWithCanonicalMapping.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw fail(key, node, "must not be empty") }
        return value
    }

    func integer(_ node: Node, _ key: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard case .scalar = node, let value = node.int else {
            throw fail(key, node, "expected a whole number")
        }
        guard range.contains(value) else {
            throw fail(key, node, "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    func sequence(_ node: Node, _ key: String) throws(ConfigurationError) -> [Node] {
        if case let .scalar(scalar) = node, scalar.string.isEmpty || scalar.tag == .init(.null) { return [] }
        guard let sequence = node.sequence else { throw fail(key, node, "expected a list") }
        return Array(sequence)
    }

    func code(_ node: Node, _ key: String) throws(ConfigurationError) -> String {
        let value = try string(node, key)
        let allowed = value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        guard allowed, value.utf8.count <= 32 else {
            throw fail(key, node, "a code is 1 to 32 characters of A-Z, a-z, 0-9, '-', '_' or '.', got '\(value)'")
        }
        return value
    }

    func date(_ node: Node, _ key: String) throws(ConfigurationError) -> LocalDate {
        let text = try string(node, key)
        guard let date = LocalDate(iso: text) else { throw fail(key, node, "expected a date YYYY-MM-DD, got '\(text)'") }
        return date
    }

    mutating func read(_ root: Node) throws(ConfigurationError) -> Configuration {
        var config = Configuration()
        let top = try entries(root, key: nil, allowed: Configuration.topLevelKeys)

        if let node = top["allow_plaintext_on_network"] {
            guard case .scalar = node, let value = node.bool else { throw fail("allow_plaintext_on_network", node, "expected true or false") }
            config.allowPlaintextOnNetwork = value
        }
        if let node = top["tls"] { config.tls = try readTLS(node) }
        if let node = top["listen"] {
            config.listen = try addresses(node, "listen")
            guard !config.listen.isEmpty || config.tls != nil else {
                throw fail("listen", node, "at least one address is needed (or TLS listeners under tls.listen)")
            }
            if !config.allowPlaintextOnNetwork, let offset = config.listen.firstIndex(where: { !$0.isLoopback }) {
                throw fail(
                    "listen[\(offset)]", node.sequence.map { Array($0)[offset] } ?? node,
                    "plain text on \(config.listen[offset]) would carry tokens unencrypted beyond this machine: listen on loopback, use tls.listen, or set allow_plaintext_on_network: true"
                )
            }
        }
        if let node = top["database"] { config.databasePath = try string(node, "database") }
        if let node = top["summaries_directory"] {
            config.summariesDirectory = try string(node, "summaries_directory")
        }
        if let node = top["time_zone"] {
            let name = try string(node, "time_zone")
            guard let zone = TimeZone(identifier: name) else {
                throw fail("time_zone", node, "unknown time zone '\(name)' (use an IANA name such as Asia/Ho_Chi_Minh)")
            }
            config.timeZone = zone
        }
        if let node = top["publish"] { try readPublish(node, into: &config) }
        if let node = top["alerts"] { try readAlerts(node, into: &config) }
        if let node = top["dates"] {
            let values = try entries(node, key: "dates", allowed: ["future_tolerance_days", "maximum_age_days"])
            if let value = values["future_tolerance_days"] {
                config.dateWindow.futureToleranceDays = try integer(value, "dates.future_tolerance_days", 0...31)
            }
            if let value = values["maximum_age_days"] {
                config.dateWindow.maximumAgeDays = try integer(value, "dates.maximum_age_days", 1...36_600)
            }
        }
        if let node = top["limits"] { try readLimits(node, into: &config) }
        config.catalog = try readCatalog(top, root: root)
        if let node = top["review"] { config.hold = try readHold(node, catalog: config.catalog) }
        config.rounds = try readRounds(top, root: root, catalog: config.catalog)
        return config
    }

    /// A list of `HOST:PORT` addresses.
    func addresses(_ node: Node, _ key: String) throws(ConfigurationError) -> [ListenAddress] {
        var addresses: [ListenAddress] = []
        for (offset, item) in try sequence(node, key).enumerated() {
            let itemKey = "\(key)[\(offset)]"
            let text = try string(item, itemKey)
            guard let address = ListenAddress(parsing: text) else {
                throw fail(itemKey, item, "expected HOST:PORT (IPv6 as [ADDR]:PORT), got '\(text)'")
            }
            addresses.append(address)
        }
        return addresses
    }

    /// `review: { hold: all | [UNIT, …] }`; the codes must be configured units.
    func readHold(_ node: Node, catalog: Catalog) throws(ConfigurationError) -> HoldPolicy {
        let values = try entries(node, key: "review", allowed: ["hold"])
        guard let hold = values["hold"] else { return .none }
        if case let .scalar(scalar) = hold, scalar.string == "all" { return .all }
        var codes: Set<String> = []
        for (offset, item) in try sequence(hold, "review.hold").enumerated() {
            let code = try string(item, "review.hold[\(offset)]")
            guard let unit = catalog.unit(code) else {
                throw fail("review.hold[\(offset)]", item, "'\(code)' is not a configured unit (or write hold: all)")
            }
            codes.insert(unit.code)
        }
        return codes.isEmpty ? .none : .units(codes)
    }

    /// `tls:` with `listen`, `certificate` and `key`; the files must be readable.
    func readTLS(_ node: Node) throws(ConfigurationError) -> TLSSettings {
        let values = try entries(node, key: "tls", allowed: ["listen", "certificate", "key"])
        guard let listenNode = values["listen"] else { throw fail("tls.listen", node, "required: the addresses to listen on with TLS") }
        let listen = try addresses(listenNode, "tls.listen")
        guard !listen.isEmpty else { throw fail("tls.listen", listenNode, "at least one address is needed") }
        var paths: [String] = []
        for name in ["certificate", "key"] {
            guard let value = values[name] else { throw fail("tls.\(name)", node, "required: a PEM file") }
            let path = try string(value, "tls.\(name)")
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw fail("tls.\(name)", value, "cannot read \(path)")
            }
            paths.append(path)
        }
        return TLSSettings(listen: listen, certificatePath: paths[0], keyPath: paths[1])
    }

    func readPublish(_ node: Node, into config: inout Configuration) throws(ConfigurationError) {
        let values = try entries(node, key: "publish", allowed: ["interval_seconds", "periods", "minimum_cell_size", "release", "grace_days"])
        if let value = values["interval_seconds"] {
            config.publishIntervalSeconds = try integer(value, "publish.interval_seconds", 10...604_800)
        }
        if let value = values["minimum_cell_size"] {
            config.minimumCellSize = try integer(value, "publish.minimum_cell_size", 1...1000)
        }
        let graceDays = try values["grace_days"].map { (node) throws(ConfigurationError) in try readGraceDays(node) }
        if let value = values["release"] {
            switch try string(value, "publish.release") {
            case "closed": config.release = .closed(graceDays ?? ReleasePolicy.standardGraceDays)
            case "open":
                if let grace = values["grace_days"] { throw fail("publish.grace_days", grace, "only with release: closed") }
                config.release = .open
            case let other: throw fail("publish.release", value, "expected closed or open; got '\(other)'")
            }
        } else if let graceDays {
            config.release = .closed(graceDays)
        }
        if let value = values["periods"] {
            var kinds: [PeriodKind] = []
            for (offset, item) in try sequence(value, "publish.periods").enumerated() {
                let key = "publish.periods[\(offset)]"
                let name = try string(item, key)
                guard let kind = PeriodKind(rawValue: name.lowercased()) else {
                    throw fail(key, item, "expected one of week, month, quarter, year; got '\(name)'")
                }
                guard !kinds.contains(kind) else { throw fail(key, item, "'\(name)' listed twice") }
                kinds.append(kind)
            }
            guard !kinds.isEmpty else { throw fail("publish.periods", value, "list at least one period") }
            config.publishPeriods = kinds.sorted()
        }
    }

    /// `publish.grace_days`: one number of days for every granularity, or a mapping
    /// `{ week: 2, month: 5, quarter: 5, year: 10 }` whose missing granularities wait the default.
    func readGraceDays(_ node: Node) throws(ConfigurationError) -> GraceDays {
        let range = 0...60
        guard node.mapping != nil else {
            guard case .scalar = node, node.int != nil else {
                throw fail("publish.grace_days", node, "expected a number of days, or one per period such as { week: 2, month: 5, quarter: 5, year: 10 }")
            }
            return GraceDays(all: try integer(node, "publish.grace_days", range))
        }
        var grace = ReleasePolicy.standardGraceDays
        let values = try entries(node, key: "publish.grace_days", allowed: Set(PeriodKind.allCases.map(\.rawValue)))
        for kind in PeriodKind.allCases {
            if let value = values[kind.rawValue] {
                grace[kind] = try integer(value, "publish.grace_days.\(kind.rawValue)", range)
            }
        }
        return grace
    }

    func readLimits(_ node: Node, into config: inout Configuration) throws(ConfigurationError) {
        let fields: [(String, ClosedRange<Int>, WritableKeyPath<ProtocolLimits, Int>)] = [
            ("max_line_bytes", 128...65_536, \.maxLineBytes),
            ("max_batch_responses", 1...1_000_000, \.maxBatchResponses),
            ("max_connections", 1...100_000, \.maxConnections),
            ("max_connections_per_peer", 1...100_000, \.maxConnectionsPerPeer),
            ("idle_timeout_seconds", 1...86_400, \.idleTimeoutSeconds),
            ("max_auth_failures_per_connection", 1...100, \.maxAuthFailuresPerConnection),
            ("max_auth_failures_per_peer", 1...10_000, \.maxAuthFailuresPerPeer),
            ("auth_failure_window_seconds", 1...86_400, \.authFailureWindowSeconds),
            ("auth_lockout_failures", 1...100_000, \.authLockoutFailures),
            ("drain_timeout_seconds", 0...3_600, \.drainTimeoutSeconds),
            ("login_grace_seconds", 1...3_600, \.loginGraceSeconds),
            ("max_unauthenticated", 1...100_000, \.maxUnauthenticated),
            ("early_drop_start", 0...100_000, \.earlyDropStart),
            ("early_drop_percent", 0...100, \.earlyDropPercent),
        ]
        let values = try entries(node, key: "limits", allowed: Set(fields.map(\.0)))
        for (name, range, path) in fields {
            if let value = values[name] {
                config.limits[keyPath: path] = try integer(value, "limits.\(name)", range)
            }
        }
        if values["early_drop_start"] == nil {
            // Unless set, early drop starts at half the cap (64 of 128 by default).
            config.limits.earlyDropStart = config.limits.maxUnauthenticated / 2
        }
        if config.limits.earlyDropStart > config.limits.maxUnauthenticated {
            throw fail(
                "limits.early_drop_start", values["early_drop_start"] ?? node,
                "must be at most limits.max_unauthenticated (\(config.limits.maxUnauthenticated)); equal means no early drop"
            )
        }
    }

    /// Reads a list of mappings with a unique `code` each.
    func readCoded<T>(
        _ top: [String: Node], _ name: String, root: Node, required: Bool, allowed: Set<String>,
        _ make: ([String: Node], String, String) throws(ConfigurationError) -> T
    ) throws(ConfigurationError) -> [T] {
        guard let node = top[name] else {
            if required { throw fail(name, root, "missing: list at least one") }
            return []
        }
        var seen: [String: Int] = [:]
        var items: [T] = []
        for (offset, item) in try sequence(node, name).enumerated() {
            let key = "\(name)[\(offset)]"
            let values = try entries(item, key: key, allowed: allowed)
            guard let codeNode = values["code"] else { throw fail("\(key).code", item, "missing") }
            let code = try code(codeNode, "\(key).code")
            if let first = seen[Catalog.key(code)] {
                throw fail("\(key).code", codeNode, "duplicate code '\(code)' (already used by \(name)[\(first)])")
            }
            seen[Catalog.key(code)] = offset
            items.append(try make(values, code, key))
        }
        if required && items.isEmpty { throw fail(name, node, "the list is empty: list at least one") }
        return items
    }

    func required(_ values: [String: Node], _ name: String, _ key: String) throws(ConfigurationError) -> Node {
        guard let node = values[name] else {
            throw ConfigurationError(file: file, key: "\(key).\(name)", line: nil, reason: "missing")
        }
        return node
    }

    func readCatalog(_ top: [String: Node], root: Node) throws(ConfigurationError) -> Catalog {
        let units = try readCoded(top, "units", root: root, required: true, allowed: ["code", "name"]) {
            (values, code, key) throws(ConfigurationError) in
            SurveyUnit(code: code, name: try string(try required(values, "name", key), "\(key).name"))
        }
        let topics = try readCoded(
            top, "topics", root: root, required: true, allowed: ["code", "title", "active_from", "active_to"]
        ) { (values, code, key) throws(ConfigurationError) in
            let title = try string(try required(values, "title", key), "\(key).title")
            let from = try values["active_from"].map { (node) throws(ConfigurationError) in try date(node, "\(key).active_from") }
            let to = try values["active_to"].map { (node) throws(ConfigurationError) in try date(node, "\(key).active_to") }
            if let from, let to, to < from, let node = values["active_to"] {
                throw fail("\(key).active_to", node, "ends (\(to)) before it starts (\(from))")
            }
            return Topic(code: code, title: title, activeFrom: from, activeTo: to)
        }
        let groups = try readCoded(top, "groups", root: root, required: true, allowed: ["code", "name"]) {
            (values, code, key) throws(ConfigurationError) in
            RespondentGroup(code: code, name: try string(try required(values, "name", key), "\(key).name"))
        }
        let sentiments = try readCoded(
            top, "sentiments", root: root, required: true, allowed: ["code", "label", "polarity"]
        ) { (values, code, key) throws(ConfigurationError) in
            let label = try string(try required(values, "label", key), "\(key).label")
            let polarityNode = try required(values, "polarity", key)
            let raw = try integer(polarityNode, "\(key).polarity", -1...1)
            return Sentiment(code: code, label: label, polarity: Polarity(rawValue: raw) ?? .neutral)
        }
        let polarities = Set(sentiments.map(\.polarity))
        if !polarities.contains(.positive) || !polarities.contains(.negative) {
            throw fail("sentiments", top["sentiments"], "the scale needs at least one category with polarity 1 and one with polarity -1")
        }
        return Catalog(units: units, topics: topics, groups: groups, sentiments: sentiments)
    }
}
