import Foundation

/// `summary.csv`: one row per unit × topic × respondent group, then the unit totals (group `ALL`)
/// and the province rows (unit `ALL`), as Excel opens them with Vietnamese text intact: UTF-8 with
/// a byte-order mark, CRLF line ends, fields quoted when needed. Withheld cells have empty figures
/// and `suppressed` = 1.
public enum SummaryCSV {
    public static func render(_ summary: PeriodSummary) -> Data {
        var lines: [[String]] = []
        var header = ["period", "unit_code", "unit_name", "topic_code", "topic_title", "group_code", "group_name", "responses", "suppressed"]
        for sentiment in summary.sentiments {
            header += ["count_\(sentiment.code)", "percent_\(sentiment.code)"]
        }
        header += ["net_index", "net_index_low", "net_index_high", "previous_net_index", "net_index_change", "change_significant"]
        lines.append(header)
        let unitNames = Dictionary(uniqueKeysWithValues: summary.units.map { ($0.code, $0.name) })
        let groupNames = Dictionary(uniqueKeysWithValues: summary.groups.map { ($0.code, $0.name) })
        func row(_ topic: PeriodSummary.TopicSummary, unit: String?, group: String?, _ cell: PeriodSummary.Cell) -> [String] {
            var fields = [
                summary.period.id,
                unit ?? "ALL", unit.flatMap { unitNames[$0] } ?? "Toàn tỉnh",
                topic.code, topic.title,
                group ?? "ALL", group.flatMap { groupNames[$0] } ?? "Tất cả",
            ]
            guard !cell.suppressed else {
                fields += ["", "1"] + Array(repeating: "", count: summary.sentiments.count * 2 + 6)
                return fields
            }
            fields += [cell.responses.map(String.init) ?? "", "0"]
            for (index, count) in (cell.counts ?? []).enumerated() {
                fields += [String(count), number(cell.shares?[index] ?? nil)]
            }
            fields += [number(cell.netIndex), number(cell.netIndexLow), number(cell.netIndexHigh), number(cell.previousNetIndex)]
            fields += [number(cell.netIndexChange?.change), cell.netIndexChange.map { $0.significant ? "1" : "0" } ?? ""]
            return fields
        }
        for topic in summary.topics {
            for unit in topic.units {
                for group in unit.groups { lines.append(row(topic, unit: unit.unit, group: group.group, group.cell)) }
            }
            for unit in topic.units { lines.append(row(topic, unit: unit.unit, group: nil, unit.total)) }
            for group in topic.provinceGroups { lines.append(row(topic, unit: nil, group: group.group, group.cell)) }
            lines.append(row(topic, unit: nil, group: nil, topic.province))
        }
        var text = "\u{FEFF}"
        for line in lines {
            text += line.map(quote).joined(separator: ",")
            text += "\r\n"
        }
        return Data(text.utf8)
    }

    /// Two decimals with a dot, or empty.
    static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        return Decimals.format(value, places: 2, separator: ".")
    }

    /// `value` with `places` decimals and a dot, as written in the CSV.
    public static func number(_ value: Double, places: Int) -> String {
        Decimals.format(value, places: places, separator: ".")
    }

    /// RFC 4180 quoting; a leading `=`, `+`, `-` or `@` in text is prefixed with `'` so that Excel
    /// does not run it as a formula.
    static func quote(_ field: String) -> String {
        var field = field
        if let first = field.utf8.first, first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "@")
            || (first == UInt8(ascii: "-") && Double(field) == nil) {
            field = "'" + field
        }
        let special = field.utf8.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 0x0A || byte == 0x0D || byte == UInt8(ascii: ";")
        }
        guard special else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// `summary.json`: the ``PeriodSummary`` with sorted keys in snake case, pretty-printed.
public enum SummaryJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        // Compact: a month of 16 units × 20 topics is about 1 MB pretty-printed.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    public static func render(_ summary: PeriodSummary) throws -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 << 20)
        summary.json.write(to: &bytes)
        bytes.append(0x0A)
        return Data(bytes)
    }

    /// The same document through `JSONEncoder` (slower; the reference for tests).
    public static func renderWithEncoder(_ summary: PeriodSummary) throws -> Data {
        var data = try encoder().encode(summary)
        data.append(0x0A)
        return data
    }

    public static func decode(_ data: Data) throws -> PeriodSummary {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(PeriodSummary.self, from: data)
    }
}
