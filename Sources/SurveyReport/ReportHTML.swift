import Foundation
import SurveyModel

/// `report.html`: a self-contained, printable report of one period for administrators.
public enum ReportHTML {
    static let positive = ["#2e7d32", "#66bb6a", "#a5d6a7"]
    static let neutral = ["#bdbdbd", "#e0e0e0"]
    static let negative = ["#c62828", "#ef5350", "#ef9a9a"]

    /// A colour per sentiment: greens for positive, greys for neutral, reds for negative.
    static func colours(_ sentiments: [PeriodSummary.SentimentLabel]) -> [String: String] {
        var used: [Int: Int] = [:]
        var result: [String: String] = [:]
        for sentiment in sentiments {
            let palette = sentiment.polarity > 0 ? positive : sentiment.polarity < 0 ? negative : neutral
            let index = used[sentiment.polarity, default: 0]
            result[sentiment.code] = palette[min(index, palette.count - 1)]
            used[sentiment.polarity] = index + 1
        }
        return result
    }

    static func number(_ value: Double?, sign: Bool = false) -> String {
        guard let value else { return "–" }
        let text = Decimals.format(value, places: 1, separator: ",")
        return sign && value > 0 ? "+" + text : text
    }

    /// A 100%-wide stacked bar of the cell's sentiment shares.
    static func bar(_ cell: PeriodSummary.Cell, codes: [String], colours: [String: String], minimum: Int) -> String {
        let width = 320.0, height = 16.0
        guard !cell.suppressed else {
            return "<span class=\"muted\">ẩn (dưới \(minimum) ý kiến hoặc để bảo vệ ô nhỏ)</span>"
        }
        guard let n = cell.responses, n > 0, let shares = cell.shares else {
            return "<span class=\"muted\">không có ý kiến</span>"
        }
        var x = 0.0
        var rects = ""
        for (index, code) in codes.enumerated() {
            guard let percent = shares[index], percent > 0 else { continue }
            let w = width * percent / 100
            let fill = colours[code] ?? "#999"
            let count = cell.counts?[index] ?? 0
            rects += "<rect x=\"\(Decimals.format(x, places: 2, separator: "."))\" y=\"0\" width=\"\(Decimals.format(w, places: 2, separator: "."))\" height=\"\(Int(height))\" fill=\"\(fill)\"><title>\(HTML.escape(code)): \(number(percent))% (\(count))</title></rect>"
            if w > 28 {
                rects += "<text x=\"\(Decimals.format(x + w / 2, places: 2, separator: "."))\" y=\"12\" font-size=\"10\" text-anchor=\"middle\" fill=\"#fff\">\(Int(percent.rounded()))%</text>"
            }
            x += w
        }
        return "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">\(rects)</svg>"
    }

    static func changeText(_ change: PeriodSummary.Change?) -> String {
        guard let change else { return "–" }
        let css = change.significant ? (change.change > 0 ? " class=\"up\"" : " class=\"down\"") : ""
        let mark = change.significant ? " *" : ""
        return "<span\(css) title=\"95%: \(number(change.low)) … \(number(change.high))\">\(number(change.change, sign: true))\(mark)</span>"
    }

    public static func render(_ summary: PeriodSummary) -> Data {
        let colours = colours(summary.sentiments)
        let unitNames = Dictionary(uniqueKeysWithValues: summary.units.map { ($0.code, $0.name) })
        let topicTitles = Dictionary(uniqueKeysWithValues: summary.topics.map { ($0.code, $0.title) })
        let title = "Báo cáo dư luận xã hội – \(HTML.kindName(summary.period.kind)) \(summary.period.id)"
        var body = "<h1>\(HTML.escape(title))</h1>"
        body += "<p class=\"meta\">Từ \(summary.period.start) đến \(summary.period.end) · \(summary.responses) ý kiến · "
        body += "dữ liệu đến \(HTML.escape(summary.dataThrough)) · lần cập nhật \(summary.revision) · so sánh với kỳ \(HTML.escape(summary.previousPeriod))</p>"
        body += "<p class=\"legend\">" + summary.sentiments.map {
            "<span><i class=\"swatch\" style=\"background:\(colours[$0.code] ?? "#999")\"></i>\(HTML.escape($0.label))</span>"
        }.joined() + "</p>"

        body += "<h2>Thay đổi có ý nghĩa so với kỳ trước</h2>"
        if summary.significantChanges.isEmpty {
            body += "<p class=\"muted\">Không có thay đổi nào của chỉ số ròng có ý nghĩa thống kê (khoảng tin cậy 95% chứa 0).</p>"
        } else {
            body += "<table><thead><tr><th>Chủ đề</th><th>Đơn vị</th><th class=\"n\">Kỳ trước</th><th class=\"n\">Kỳ này</th><th class=\"n\">Thay đổi (điểm %)</th></tr></thead><tbody>"
            for change in summary.significantChanges {
                let unit = change.unit.map { unitNames[$0] ?? $0 } ?? "Toàn tỉnh"
                body += "<tr><td>\(HTML.escape(topicTitles[change.topic] ?? change.topic))</td><td>\(HTML.escape(unit))</td>"
                body += "<td class=\"n\">\(number(change.previousNetIndex))</td><td class=\"n\">\(number(change.netIndex))</td><td class=\"n\">\(changeText(change.change))</td></tr>"
            }
            body += "</tbody></table>"
        }

        for topic in summary.topics {
            body += "<section class=\"topic\"><h2>\(HTML.escape(topic.title)) <span class=\"muted\">(\(HTML.escape(topic.code)))</span></h2>"
            if topic.province.responses == 0 && topic.province.previousResponses ?? 0 == 0 {
                body += "<p class=\"muted\">Không có ý kiến nào về chủ đề này trong kỳ và kỳ trước.</p></section>"
                continue
            }
            body += "<table><thead><tr><th>Đơn vị</th><th>Tỷ lệ theo thái độ</th><th class=\"n\">Số ý kiến</th><th class=\"n\">Chỉ số ròng</th><th class=\"n\">Kỳ trước</th><th class=\"n\">Thay đổi</th></tr></thead><tbody>"
            func row(_ name: String, _ cell: PeriodSummary.Cell, province: Bool) -> String {
                var html = "<tr\(province ? " class=\"province\"" : "")><td>\(HTML.escape(name))</td><td>\(bar(cell, codes: summary.sentiments.map(\.code), colours: colours, minimum: summary.minimumCellSize))</td>"
                if cell.suppressed {
                    return html + "<td class=\"n\">–</td><td class=\"n\">–</td><td class=\"n\">–</td><td class=\"n\">–</td></tr>"
                }
                html += "<td class=\"n\">\(cell.responses ?? 0)</td>"
                let interval = cell.netIndexLow.map { low in " title=\"95%: \(number(low)) … \(number(cell.netIndexHigh))\"" } ?? ""
                html += "<td class=\"n\"\(interval)>\(number(cell.netIndex, sign: true))</td><td class=\"n\">\(number(cell.previousNetIndex, sign: true))</td>"
                return html + "<td class=\"n\">\(changeText(cell.netIndexChange))</td></tr>"
            }
            body += row("Toàn tỉnh", topic.province, province: true)
            for unit in topic.units {
                body += row(unitNames[unit.unit] ?? unit.unit, unit.total, province: false)
            }
            body += "</tbody></table></section>"
        }

        body += "<h2>Ghi chú</h2><p class=\"note\">"
        body += summary.suppressedCells > 0
            ? "\(summary.suppressedCells) ô số liệu đã được ẩn: ô có dưới \(summary.minimumCellSize) ý kiến, và các ô cần ẩn thêm để không thể suy ra ô nhỏ từ tổng. "
            : "Không có ô số liệu nào bị ẩn (ngưỡng: \(summary.minimumCellSize) ý kiến). "
        body += "Chỉ số ròng = tỷ lệ đồng tình − tỷ lệ không đồng tình (điểm phần trăm). "
        body += "Khoảng tin cậy 95%: Wilson cho từng tỷ lệ, Newcombe (lai điểm số) cho thay đổi; dấu * đánh dấu thay đổi có ý nghĩa thống kê.</p>"
        return Data(HTML.page(title: title, body: body).utf8)
    }
}
