/// A JSON document built in memory and written with sorted keys, compact, without escaping
/// slashes: byte for byte what `JSONEncoder` writes with `[.sortedKeys, .withoutEscapingSlashes]`
/// (a test holds it to that), about twenty times faster on Linux for the large summaries.
indirect enum JSONValue {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// An object without the members whose value is nil (as synthesized `Encodable` omits them).
    static func object(_ members: [(String, JSONValue?)]) -> JSONValue {
        .object(members.compactMap { key, value in value.map { (key, $0) } })
    }

    static func number(_ value: Double?) -> JSONValue {
        value.map { .double($0) } ?? .null
    }

    func write(to out: inout [UInt8]) {
        switch self {
        case .null:
            out.append(contentsOf: "null".utf8)
        case let .bool(value):
            out.append(contentsOf: (value ? "true" : "false").utf8)
        case let .int(value):
            out.append(contentsOf: String(value).utf8)
        case let .double(value):
            out.append(contentsOf: JSONValue.format(value).utf8)
        case let .string(value):
            JSONValue.writeString(value, to: &out)
        case let .array(values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            // Members are listed in sorted order where they are built (a test compares the output
            // with JSONEncoder's sorted keys).
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(member.0, to: &out)
                out.append(UInt8(ascii: ":"))
                member.1.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Shortest round-trip form; integral values without a fraction, as JSONEncoder writes them.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int(value))
        }
        return value.description
    }

    static func writeString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension PeriodSummary {
    var json: JSONValue {
        .object([
            ("data_through", .string(dataThrough)),
            ("groups", .array(groups.map(\.json))),
            ("minimum_cell_size", .int(minimumCellSize)),
            ("period", .object([
                ("end", .string(period.end.description)), ("id", .string(period.id)),
                ("kind", .string(period.kind.rawValue)), ("start", .string(period.start.description)),
            ])),
            ("previous_period", .string(previousPeriod)),
            ("responses", .int(responses)),
            ("revision", .int(revision)),
            ("schema", .string(schema)),
            ("sentiments", .array(sentiments.map { .object([("code", .string($0.code)), ("label", .string($0.label)), ("polarity", .int($0.polarity))]) })),
            ("significant_changes", .array(significantChanges.map { change in
                .object([
                    ("change", change.change.json), ("net_index", .double(change.netIndex)),
                    ("previous_net_index", .double(change.previousNetIndex)), ("topic", .string(change.topic)),
                    ("unit", change.unit.map { .string($0) }),
                ])
            })),
            ("suppressed_cells", .int(suppressedCells)),
            ("topics", .array(topics.map { topic in
                .object([
                    ("code", .string(topic.code)), ("province", topic.province.json),
                    ("province_groups", .array(topic.provinceGroups.map(\.json))), ("title", .string(topic.title)),
                    ("units", .array(topic.units.map { unit in
                        .object([("groups", .array(unit.groups.map(\.json))), ("total", unit.total.json), ("unit", .string(unit.unit))])
                    })),
                ])
            })),
            ("units", .array(units.map(\.json))),
        ])
    }
}

extension PeriodSummary.Label {
    var json: JSONValue { .object([("code", .string(code)), ("name", .string(name))]) }
}

extension PeriodSummary.GroupCell {
    var json: JSONValue { .object([("cell", cell.json), ("group", .string(group))]) }
}

extension PeriodSummary.Change {
    var json: JSONValue {
        .object([("change", .double(change)), ("high", .double(high)), ("low", .double(low)), ("significant", .bool(significant))])
    }
}

extension PeriodSummary.Cell {
    var json: JSONValue {
        .object([
            ("counts", counts.map { .array($0.map { .int($0) }) }),
            ("net_index", netIndex.map { .double($0) }),
            ("net_index_change", netIndexChange?.json),
            ("net_index_high", netIndexHigh.map { .double($0) }),
            ("net_index_low", netIndexLow.map { .double($0) }),
            ("previous_net_index", previousNetIndex.map { .double($0) }),
            ("previous_responses", previousResponses.map { .int($0) }),
            ("responses", responses.map { .int($0) }),
            ("share_changes", shareChanges.map { .array($0.map(\.json)) }),
            ("shares", shares.map { .array($0.map(JSONValue.number)) }),
            ("shares_high", sharesHigh.map { .array($0.map(JSONValue.number)) }),
            ("shares_low", sharesLow.map { .array($0.map(JSONValue.number)) }),
            ("suppressed", .bool(suppressed)),
        ])
    }
}
