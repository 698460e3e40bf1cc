import Foundation

/// `summary.csv`: one row per unit × topic × respondent group, then the unit totals (group `ALL`)
/// and the province rows (unit `ALL`), as Excel opens them with Vietnamese text intact: UTF-8 with
/// a byte-order mark, CRLF line ends, fields quoted when needed. Withheld cells have empty figures
/// and `suppressed` = 1.
public enum SummaryCSV {
    public static func render(_ summary: PeriodSummary) -> Data {
        var out = ByteWriter(capacity: 256 * 1024)
        out.raw("\u{FEFF}period,unit_code,unit_name,topic_code,topic_title,group_code,group_name,responses,suppressed")
        for sentiment in summary.sentiments {
            out.raw(",")
            out.csvField("count_" + sentiment.code)
            out.raw(",")
            out.csvField("percent_" + sentiment.code)
        }
        out.raw(",net_index,net_index_low,net_index_high,previous_net_index,net_index_change,change_significant\r\n")
        let unitNames = Dictionary(summary.units.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
        let groupNames = Dictionary(summary.groups.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
        let emptyFigures = summary.sentiments.count * 2 + 6
        func number(_ value: Double?) {
            out.raw(",")
            if let value { out.fixed(value, places: 2) }
        }
        func row(_ topic: PeriodSummary.TopicSummary, unit: String?, group: String?, _ cell: PeriodSummary.Cell) {
            out.csvField(summary.period.id)
            out.raw(",")
            out.csvField(unit ?? "ALL")
            out.raw(",")
            out.csvField(unit.flatMap { unitNames[$0] } ?? "Toàn tỉnh")
            out.raw(",")
            out.csvField(topic.code)
            out.raw(",")
            out.csvField(topic.title)
            out.raw(",")
            out.csvField(group ?? "ALL")
            out.raw(",")
            out.csvField(group.flatMap { groupNames[$0] } ?? "Tất cả")
            guard !cell.suppressed else {
                out.raw(",,1")
                for _ in 0..<emptyFigures { out.raw(",") }
                out.raw("\r\n")
                return
            }
            out.raw(",")
            if let responses = cell.responses { out.int(responses) }
            out.raw(",0")
            for (index, count) in (cell.counts ?? []).enumerated() {
                out.raw(",")
                out.int(count)
                number(cell.shares?[index] ?? nil)
            }
            number(cell.netIndex)
            number(cell.netIndexLow)
            number(cell.netIndexHigh)
            number(cell.previousNetIndex)
            number(cell.netIndexChange?.change)
            out.raw(",")
            if let change = cell.netIndexChange { out.raw(change.significant ? "1" : "0") }
            out.raw("\r\n")
        }
        for topic in summary.topics {
            for unit in topic.units {
                for group in unit.groups { row(topic, unit: unit.unit, group: group.group, group.cell) }
            }
            for unit in topic.units { row(topic, unit: unit.unit, group: nil, unit.total) }
            for group in topic.provinceGroups { row(topic, unit: nil, group: group.group, group.cell) }
            row(topic, unit: nil, group: nil, topic.province)
        }
        return Data(out.bytes)
    }

    /// `value` with `places` decimals and a dot, as written in the CSV.
    public static func number(_ value: Double, places: Int) -> String {
        var out = ByteWriter(capacity: 24)
        out.fixed(value, places: places)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// RFC 4180 quoting (see ``quote(_:)``): most fields need none and are copied as they are.
    fileprivate static func needsQuoting(_ field: String) -> Bool {
        guard let first = field.utf8.first else { return false }
        if first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "@") || first == UInt8(ascii: "-") { return true }
        return field.utf8.contains { byte in
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 0x0A || byte == 0x0D || byte == UInt8(ascii: ";")
        }
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

extension ByteWriter {
    /// A CSV field, quoted and guarded against formulas as ``SummaryCSV/quote(_:)`` does.
    mutating func csvField(_ field: String) {
        if SummaryCSV.needsQuoting(field) {
            text(SummaryCSV.quote(field))
        } else {
            text(field)
        }
    }
}
