import Foundation

/// `summary.json`: the ``PeriodSummary`` with sorted keys in snake case, compact. Written directly
/// into bytes, byte for byte what `JSONEncoder` writes with `[.sortedKeys, .withoutEscapingSlashes]`
/// (a test holds it to that), many times faster.
public enum SummaryJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        // Compact: a month of 16 units × 20 topics is about 1 MB pretty-printed.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    public static func render(_ summary: PeriodSummary) throws -> Data {
        var out = ByteWriter(capacity: 1 << 20)
        summary.write(to: &out)
        out.byte(0x0A)
        return Data(out.bytes)
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

/// Writes the members of a JSON object, with the commas between them. Members must be written in
/// sorted key order (as `JSONEncoder`'s `.sortedKeys`); nil values are left out, as synthesized
/// `Encodable` does.
struct JSONObject {
    private var first = true

    init(_ out: inout ByteWriter) {
        out.byte(UInt8(ascii: "{"))
    }

    /// `key` is the quoted key with its colon, e.g. `"\"counts\":"`.
    @inline(__always)
    mutating func key(_ key: StaticString, _ out: inout ByteWriter) {
        if !first { out.byte(UInt8(ascii: ",")) }
        first = false
        out.raw(key)
    }

    func end(_ out: inout ByteWriter) {
        out.byte(UInt8(ascii: "}"))
    }
}

extension ByteWriter {
    mutating func jsonArray<C: Collection>(_ values: C, _ element: (inout ByteWriter, C.Element) -> Void) {
        byte(UInt8(ascii: "["))
        var first = true
        for value in values {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            element(&self, value)
        }
        byte(UInt8(ascii: "]"))
    }

    mutating func jsonOptionalNumber(_ value: Double?) {
        if let value { jsonNumber(value) } else { raw("null") }
    }

    mutating func jsonBool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }
}

extension PeriodSummary {
    func write(to out: inout ByteWriter) {
        var o = JSONObject(&out)
        o.key("\"data_through\":", &out); out.jsonString(dataThrough)
        o.key("\"groups\":", &out); out.jsonArray(groups) { $1.write(to: &$0) }
        o.key("\"minimum_cell_size\":", &out); out.int(minimumCellSize)
        o.key("\"period\":", &out)
        var p = JSONObject(&out)
        p.key("\"end\":", &out); out.jsonString(period.end.description)
        p.key("\"id\":", &out); out.jsonString(period.id)
        p.key("\"kind\":", &out); out.jsonString(period.kind.rawValue)
        p.key("\"start\":", &out); out.jsonString(period.start.description)
        p.end(&out)
        o.key("\"previous_period\":", &out); out.jsonString(previousPeriod)
        o.key("\"responses\":", &out); out.int(responses)
        o.key("\"revision\":", &out); out.int(revision)
        o.key("\"schema\":", &out); out.jsonString(schema)
        o.key("\"sentiments\":", &out)
        out.jsonArray(sentiments) { out, sentiment in
            var s = JSONObject(&out)
            s.key("\"code\":", &out); out.jsonString(sentiment.code)
            s.key("\"label\":", &out); out.jsonString(sentiment.label)
            s.key("\"polarity\":", &out); out.int(sentiment.polarity)
            s.end(&out)
        }
        o.key("\"significant_changes\":", &out)
        out.jsonArray(significantChanges) { out, change in
            var c = JSONObject(&out)
            c.key("\"change\":", &out); change.change.write(to: &out)
            c.key("\"net_index\":", &out); out.jsonNumber(change.netIndex)
            if let p = change.pValue { c.key("\"p_value\":", &out); out.jsonNumber(p) }
            c.key("\"previous_net_index\":", &out); out.jsonNumber(change.previousNetIndex)
            if let q = change.qValue { c.key("\"q_value\":", &out); out.jsonNumber(q) }
            c.key("\"topic\":", &out); out.jsonString(change.topic)
            if let unit = change.unit { c.key("\"unit\":", &out); out.jsonString(unit) }
            c.end(&out)
        }
        o.key("\"suppressed_cells\":", &out); out.int(suppressedCells)
        o.key("\"topics\":", &out)
        out.jsonArray(topics) { out, topic in
            var t = JSONObject(&out)
            t.key("\"code\":", &out); out.jsonString(topic.code)
            t.key("\"province\":", &out); topic.province.write(to: &out)
            t.key("\"province_groups\":", &out); out.jsonArray(topic.provinceGroups) { $1.write(to: &$0) }
            t.key("\"title\":", &out); out.jsonString(topic.title)
            t.key("\"units\":", &out)
            out.jsonArray(topic.units) { out, unit in
                var u = JSONObject(&out)
                u.key("\"groups\":", &out); out.jsonArray(unit.groups) { $1.write(to: &$0) }
                u.key("\"total\":", &out); unit.total.write(to: &out)
                u.key("\"unit\":", &out); out.jsonString(unit.unit)
                u.end(&out)
            }
            t.end(&out)
        }
        o.key("\"units\":", &out); out.jsonArray(units) { $1.write(to: &$0) }
        o.end(&out)
    }
}

extension PeriodSummary.Label {
    func write(to out: inout ByteWriter) {
        var o = JSONObject(&out)
        o.key("\"code\":", &out); out.jsonString(code)
        o.key("\"name\":", &out); out.jsonString(name)
        o.end(&out)
    }
}

extension PeriodSummary.GroupCell {
    func write(to out: inout ByteWriter) {
        var o = JSONObject(&out)
        o.key("\"cell\":", &out); cell.write(to: &out)
        o.key("\"group\":", &out); out.jsonString(group)
        o.end(&out)
    }
}

extension PeriodSummary.Change {
    func write(to out: inout ByteWriter) {
        var o = JSONObject(&out)
        o.key("\"change\":", &out); out.jsonNumber(change)
        o.key("\"high\":", &out); out.jsonNumber(high)
        o.key("\"low\":", &out); out.jsonNumber(low)
        o.key("\"significant\":", &out); out.jsonBool(significant)
        o.end(&out)
    }
}

extension PeriodSummary.Outlook {
    func write(to out: inout ByteWriter) {
        var o = JSONObject(&out)
        o.key("\"expected\":", &out); out.jsonNumber(expected)
        o.key("\"high\":", &out); out.jsonNumber(high)
        o.key("\"low\":", &out); out.jsonNumber(low)
        o.key("\"weeks\":", &out); out.int(weeks)
        o.end(&out)
    }
}

extension PeriodSummary.Cell {
    func write(to out: inout ByteWriter) {
        var o = JSONObject(&out)
        if let counts { o.key("\"counts\":", &out); out.jsonArray(counts) { $0.int($1) } }
        if let netIndex { o.key("\"net_index\":", &out); out.jsonNumber(netIndex) }
        if let netIndexChange { o.key("\"net_index_change\":", &out); netIndexChange.write(to: &out) }
        if let netIndexHigh { o.key("\"net_index_high\":", &out); out.jsonNumber(netIndexHigh) }
        if let netIndexLow { o.key("\"net_index_low\":", &out); out.jsonNumber(netIndexLow) }
        if let outlook { o.key("\"outlook\":", &out); outlook.write(to: &out) }
        if let previousNetIndex { o.key("\"previous_net_index\":", &out); out.jsonNumber(previousNetIndex) }
        if let previousResponses { o.key("\"previous_responses\":", &out); out.int(previousResponses) }
        if let responses { o.key("\"responses\":", &out); out.int(responses) }
        if let shareChanges { o.key("\"share_changes\":", &out); out.jsonArray(shareChanges) { $1.write(to: &$0) } }
        if let shares { o.key("\"shares\":", &out); out.jsonArray(shares) { $0.jsonOptionalNumber($1) } }
        if let sharesEb { o.key("\"shares_eb\":", &out); out.jsonArray(sharesEb) { $0.jsonOptionalNumber($1) } }
        if let sharesEbHigh { o.key("\"shares_eb_high\":", &out); out.jsonArray(sharesEbHigh) { $0.jsonOptionalNumber($1) } }
        if let sharesEbLow { o.key("\"shares_eb_low\":", &out); out.jsonArray(sharesEbLow) { $0.jsonOptionalNumber($1) } }
        if let sharesHigh { o.key("\"shares_high\":", &out); out.jsonArray(sharesHigh) { $0.jsonOptionalNumber($1) } }
        if let sharesLow { o.key("\"shares_low\":", &out); out.jsonArray(sharesLow) { $0.jsonOptionalNumber($1) } }
        o.key("\"suppressed\":", &out); out.jsonBool(suppressed)
        o.end(&out)
    }
}
