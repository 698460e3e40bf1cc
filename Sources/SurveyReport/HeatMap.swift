/// One cell of the front page's unit × topic heat map of the net index. A withheld cell stays
/// visibly withheld (hatched, "ẩn"), never a number or a colour that hints at one.
public enum HeatMapCell: Sendable, Equatable {
    case withheld
    case noResponses
    /// The net index (points), its fill and the text colour readable on it.
    case value(netIndex: Double, fill: String, ink: String)

    public init(_ figure: NetIndexFigure) {
        switch figure {
        case .withheld: self = .withheld
        case .noResponses: self = .noResponses
        case let .published(point):
            let fill = HeatMapCell.fill(point.netIndex)
            self = .value(netIndex: point.netIndex, fill: fill.colour, ink: fill.strong ? "#fff" : "#1d1d1d")
        }
    }

    /// Diverging scale: red for a negative net index, white at zero, green for positive, full
    /// strength from ±60 points. `strong` when white text reads better on it.
    public static func fill(_ netIndex: Double) -> (colour: String, strong: Bool) {
        let t = min(1, abs(netIndex) / 60)
        let end: (Double, Double, Double) = netIndex < 0 ? (198, 40, 40) : (46, 125, 50)
        func channel(_ target: Double) -> Int { Int((255 + (target - 255) * t).rounded()) }
        let hex = [channel(end.0), channel(end.1), channel(end.2)].map { value -> String in
            let digits = String(value, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        return ("#" + hex, t > 0.55)
    }

    /// The cell's `<td>`.
    func html() -> String {
        switch self {
        case .withheld:
            return "<td class=\"hm withheld\" title=\"Ẩn: quá ít ý kiến\">ẩn</td>"
        case .noResponses:
            return "<td class=\"hm none\" title=\"Không có ý kiến\">·</td>"
        case let .value(netIndex, fill, ink):
            return "<td class=\"hm\" style=\"background:\(fill);color:\(ink)\">\(ReportHTML.number(netIndex, sign: true))</td>"
        }
    }

    /// The unit × topic table of `figures` (the province first) with its legend. `dropSilent`
    /// leaves out the units with no responses on any topic, and names them under the table.
    public static func table(_ figures: NetIndexFigures, dropSilent: Bool = false) -> String {
        var html = "<table class=\"heatmap\" aria-label=\"Chỉ số ròng theo đơn vị và chủ đề\"><thead><tr><th scope=\"col\">Đơn vị</th>"
        for topic in figures.topics { html += "<th scope=\"col\" class=\"hm\">\(HTML.escape(topic.title))</th>" }
        html += "</tr></thead><tbody><tr class=\"province\"><th scope=\"row\">Toàn tỉnh</th>"
        for topic in figures.topics { html += HeatMapCell(topic.province).html() }
        html += "</tr>"
        var silent: [String] = []
        for (u, unit) in figures.units.enumerated() {
            let cells = figures.topics.map { $0.units.indices.contains(u) ? $0.units[u] : .withheld }
            if dropSilent, cells.allSatisfy({ $0 == .noResponses }) {
                silent.append(unit.name)
                continue
            }
            html += "<tr><th scope=\"row\">\(HTML.escape(unit.name))</th>"
            for cell in cells { html += HeatMapCell(cell).html() }
            html += "</tr>"
        }
        html += "</tbody></table>"
        if !silent.isEmpty { html += "<p class=\"muted\">Không có ý kiến: \(HTML.escape(silent.joined(separator: ", "))).</p>" }
        html += "<p class=\"legend muted\"><span><i class=\"swatch\" style=\"background:\(fill(-60).colour)\"></i>−60 trở xuống</span>"
        html += "<span><i class=\"swatch\" style=\"background:#fff;border:1px solid #ccc\"></i>0</span><span><i class=\"swatch\" style=\"background:\(fill(60).colour)\"></i>+60 trở lên</span>"
        html += "<span><i class=\"swatch withheld\"></i>ẩn: quá ít ý kiến, không công bố</span><span>· không có ý kiến</span></p>"
        return html
    }
}
