import Foundation
import SurveyModel

/// The front page's sections above the lists of published periods (`index.html`): what needs
/// attention (alarms, late and silent units of open rounds), the latest week and month per topic,
/// the unit × topic heat map of the latest week's net index, and the small-multiple trend charts
/// of the last weeks with their expected bands. Every figure comes from the published summaries
/// (``NetIndexFigures``); what they withhold is shown as withheld. Pure.
public struct FrontPage: Sendable {
    /// A unit that needs attention in an open survey round.
    public struct RoundUnit: Sendable, Equatable {
        public var round: String
        public var roundTitle: String
        public var unit: String
        public var status: RoundStatus
        public var received: Int
        public var target: Int
        /// UTC timestamp of the unit's last batch of the round.
        public var lastBatch: String?
        public var path: String

        public init(round: String, roundTitle: String, unit: String, status: RoundStatus, received: Int, target: Int, lastBatch: String?, path: String) {
            self.round = round
            self.roundTitle = roundTitle
            self.unit = unit
            self.status = status
            self.received = received
            self.target = target
            self.lastBatch = lastBatch
            self.path = path
        }
    }

    public var timeZone: TimeZone
    /// UTC time up to which the newest published period includes data.
    public var dataThrough: String?
    /// The alarms' part of "Cần chú ý" (``AlertsHTML/body(_:labels:)``).
    public var alarms: String = ""
    public var roundUnits: [RoundUnit] = []
    public var latestWeek: NetIndexFigures?
    public var latestMonth: NetIndexFigures?
    /// The last weeks up to the latest, oldest first (nil: nothing published that week).
    public var trend: [NetIndexFigures?] = []

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    public func html() -> String {
        var html = ""
        if let dataThrough {
            html += "<p class=\"meta\">Số liệu cập nhật đến \(HTML.escape(VietnameseTime.time(utc: dataThrough, in: timeZone))) (giờ địa phương).</p>"
        }
        html += attention() + latest() + heatMap() + trends()
        return html
    }

    func attention() -> String {
        guard !alarms.isEmpty || !roundUnits.isEmpty else { return "" }
        var html = "<section class=\"attention\"><h2>Cần chú ý</h2>"
        if !roundUnits.isEmpty {
            html += "<h3>Đơn vị chậm hoặc chưa báo cáo</h3><table><thead><tr><th scope=\"col\">Đợt điều tra</th><th scope=\"col\">Đơn vị</th>"
            html += "<th scope=\"col\">Trạng thái</th><th class=\"n\" scope=\"col\">Đã nhận / chỉ tiêu</th><th scope=\"col\">Lô gần nhất</th></tr></thead><tbody>"
            for unit in roundUnits {
                html += "<tr><td><a href=\"\(HTML.escape(unit.path))/progress.html\" title=\"\(HTML.escape(unit.roundTitle))\">\(HTML.escape(unit.round))</a></td>"
                html += "<td>\(HTML.escape(unit.unit))</td><td class=\"down\">\(HTML.escape(unit.status.label))</td><td class=\"n\">\(unit.received)/\(unit.target)</td>"
                html += "<td>\(unit.lastBatch.map { HTML.escape(VietnameseTime.time(utc: $0, in: timeZone)) } ?? "chưa có")</td></tr>"
            }
            html += "</tbody></table>"
        }
        return html + alarms + "</section>"
    }

    /// The province's net index with its interval and change, per topic, for the latest week and
    /// month.
    func latest() -> String {
        let periods = [latestWeek, latestMonth].compactMap { $0 }
        guard let first = periods.first else { return "" }
        var html = "<section class=\"latest\"><h2>Kỳ mới nhất</h2><table><thead><tr><th scope=\"col\">Chủ đề</th>"
        for figures in periods {
            html += "<th class=\"n\" scope=\"col\">\(HTML.escape(VietnameseTime.period(figures.period.id, capitalized: true)))</th>"
        }
        html += "</tr></thead><tbody>"
        for topic in first.topics {
            html += "<tr><th scope=\"row\">\(HTML.escape(topic.title))</th>"
            for figures in periods {
                html += "<td class=\"n\">" + FrontPage.provinceText(figures.figure(topic: topic.code, unit: nil) ?? .noResponses) + "</td>"
            }
            html += "</tr>"
        }
        html += "</tbody></table><p class=\"muted\">Chỉ số ròng của toàn tỉnh (đồng tình − không đồng tình, điểm %), khoảng tin cậy 95% "
        html += "và thay đổi so với kỳ trước; * thay đổi có ý nghĩa thống kê.</p></section>"
        return html
    }

    /// `+12,5 (8,1…16,9), +3,2 *` or `ẩn`.
    static func provinceText(_ figure: NetIndexFigure) -> String {
        switch figure {
        case .withheld: return "<span class=\"muted\">ẩn</span>"
        case .noResponses: return "<span class=\"muted\">không có ý kiến</span>"
        case let .published(point):
            var text = "<strong>\(ReportHTML.number(point.netIndex, sign: true))</strong> <span class=\"muted\">(\(ReportHTML.number(point.low))…\(ReportHTML.number(point.high)))</span>"
            if let change = point.change {
                let cls = change.significant ? (change.change > 0 ? " class=\"up\"" : " class=\"down\"") : ""
                text += "<br><span\(cls)>\(change.change > 0 ? "▲" : change.change < 0 ? "▼" : "■") \(ReportHTML.number(change.change, sign: true))\(change.significant ? " *" : "")</span>"
            }
            return text
        }
    }

    func heatMap() -> String {
        guard let week = latestWeek else { return "" }
        return "<section class=\"heatmap\"><h2>Bản đồ nhiệt chỉ số ròng – \(HTML.escape(VietnameseTime.period(week.period.id)))</h2>" + HeatMapCell.table(week) + "</section>"
    }

    func trends() -> String {
        guard let latest = trend.last ?? nil, trend.count >= 2 else { return "" }
        let weeks = trend.count
        let firstWeek = trend.compactMap { $0 }.first?.period.id ?? latest.period.id
        var html = "<section class=\"trends\"><h2>Diễn biến \(weeks) tuần gần nhất</h2>"
        html += "<p class=\"muted\">Chỉ số ròng từng tuần (đường), từ \(HTML.escape(VietnameseTime.period(firstWeek))) đến \(HTML.escape(VietnameseTime.period(latest.period.id))). "
        html += "Vùng tô: khoảng 95% mà mỗi tuần được dự kiến từ các tuần trước (mô hình mức cục bộ); cột bên phải: dự kiến tuần tới. "
        html += "Dấu × ở chân biểu đồ: tuần bị ẩn.</p>"
        for topic in latest.topics {
            // The province, then the units with anything (even withheld) in these weeks.
            let all: [(name: String, unit: String?)] = [("Toàn tỉnh", nil)] + latest.units.map { ($0.name, $0.code) }
            let rows = all.filter { row in trend.contains { ($0?.figure(topic: topic.code, unit: row.unit)).map { $0 != .noResponses } ?? false } }
            let series = rows.map { row in trend.map { $0?.figure(topic: topic.code, unit: row.unit) } }
            guard series.contains(where: { $0.contains { $0?.point != nil } }) else { continue }
            let bands = series.map { NetIndexOutlook.bands($0.map { $0?.point }) }
            let values = series.flatMap { $0.compactMap { $0?.point?.netIndex } } + bands.flatMap { $0.compactMap { $0 }.flatMap { [$0.low, $0.high] } }
            let range = TrendChart.range(values)
            let chart = TrendChart(low: range.low, high: range.high, weeks: weeks)
            html += "<h3>\(HTML.escape(topic.title))</h3><div class=\"multiples\">"
            for (index, row) in rows.enumerated() {
                html += FrontPage.chartFigure(chart, name: row.name, topic: topic.title, figures: series[index], bands: bands[index])
            }
            html += "</div>"
        }
        return html + "</section>"
    }

    /// One small multiple: the SVG and its caption.
    static func chartFigure(_ chart: TrendChart, name: String, topic: String, figures: [NetIndexFigure?], bands: [PeriodSummary.Outlook?]) -> String {
        let values = figures.map { $0?.point?.netIndex }
        let last = figures.last ?? nil
        let outlook = bands.count > chart.weeks ? bands[chart.weeks] : nil
        var label = "\(name), \(topic): "
        switch last {
        case .some(.withheld): label += "tuần mới nhất bị ẩn"
        case let .some(.published(point)): label += "chỉ số ròng tuần mới nhất \(ReportHTML.number(point.netIndex, sign: true))"
        default: label += "không có ý kiến tuần mới nhất"
        }
        if let outlook { label += "; dự kiến tuần tới \(ReportHTML.number(outlook.expected, sign: true)) (\(ReportHTML.number(outlook.low))…\(ReportHTML.number(outlook.high)))" }
        let (w, h) = (ReportHTML.coordinate(chart.width), ReportHTML.coordinate(chart.height))
        var svg = "<svg class=\"trend\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" role=\"img\" aria-label=\"\(HTML.escape(label))\"><title>\(HTML.escape(label))</title>"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#fafafa\"/>"
        // The scale of the topic's charts, at the top and the foot of the left edge.
        svg += "<text class=\"scale\" x=\"1\" y=\"7\" font-size=\"6.5\" fill=\"#9e9e9e\">\(Int(chart.high))</text>"
        svg += "<text class=\"scale\" x=\"1\" y=\"\(ReportHTML.coordinate(chart.height - 1.5))\" font-size=\"6.5\" fill=\"#9e9e9e\">\(Int(chart.low))</text>"
        if chart.low < 0 && chart.high > 0 {
            svg += "<line class=\"zero\" x1=\"0\" x2=\"\(w)\" y1=\"\(ReportHTML.coordinate(chart.y(0)))\" y2=\"\(ReportHTML.coordinate(chart.y(0)))\" stroke=\"#9e9e9e\" stroke-dasharray=\"2 2\" stroke-width=\"0.6\"/>"
        }
        for polygon in chart.bandPolygons(bands) {
            svg += "<polygon class=\"band\" points=\"\(polygon)\" fill=\"#90caf9\" fill-opacity=\"0.55\"/>"
        }
        if let outlook {
            let x = chart.x(chart.weeks), top = chart.y(outlook.high), bottom = chart.y(outlook.low)
            svg += "<rect class=\"outlook\" x=\"\(ReportHTML.coordinate(x - 4))\" y=\"\(ReportHTML.coordinate(top))\" width=\"8\" height=\"\(ReportHTML.coordinate(max(0.5, bottom - top)))\" fill=\"#64b5f6\" fill-opacity=\"0.7\"><title>Dự kiến tuần tới: \(ReportHTML.number(outlook.expected, sign: true)) (\(ReportHTML.number(outlook.low))…\(ReportHTML.number(outlook.high)))</title></rect>"
            svg += "<line x1=\"\(ReportHTML.coordinate(x - 5))\" x2=\"\(ReportHTML.coordinate(x + 5))\" y1=\"\(ReportHTML.coordinate(chart.y(outlook.expected)))\" y2=\"\(ReportHTML.coordinate(chart.y(outlook.expected)))\" stroke=\"#0d47a1\" stroke-width=\"1.2\"/>"
        }
        let path = chart.linePath(values)
        if !path.isEmpty { svg += "<path class=\"line\" d=\"\(path)\" fill=\"none\" stroke=\"#263238\" stroke-width=\"1.4\"/>" }
        for (index, figure) in figures.enumerated() {
            switch figure {
            case let .some(.published(point)):
                svg += "<circle cx=\"\(ReportHTML.coordinate(chart.x(index)))\" cy=\"\(ReportHTML.coordinate(chart.y(point.netIndex)))\" r=\"1.8\" fill=\"#263238\"/>"
            case .some(.withheld):
                svg += "<text class=\"withheld\" x=\"\(ReportHTML.coordinate(chart.x(index)))\" y=\"\(ReportHTML.coordinate(chart.height - 2))\" font-size=\"8\" text-anchor=\"middle\" fill=\"#757575\">×</text>"
            default: break
            }
        }
        svg += "</svg>"
        let value: String
        switch last {
        case .some(.withheld): value = "ẩn"
        case let .some(.published(point)): value = ReportHTML.number(point.netIndex, sign: true)
        default: value = "–"
        }
        return "<figure class=\"multiple\">\(svg)<figcaption>\(HTML.escape(name)) <span class=\"muted\">\(value)</span></figcaption></figure>"
    }
}
