import SurveyModel

/// The "needs attention" section that opens the front page (`index.html`): the early-warning
/// alarms open at the latest week, with the number of false alarms a week to expect.
public enum AlertsHTML {
    /// Labels for the codes an alerts document holds.
    public struct Labels: Sendable {
        public var units: [String: String]
        public var topics: [String: String]
        public var sentiments: [String: String]

        public init(units: [String: String], topics: [String: String], sentiments: [String: String]) {
            self.units = units
            self.topics = topics
            self.sentiments = sentiments
        }
    }

    /// The section's HTML (empty before any week has data).
    public static func section(_ document: AlertsDocument, labels: Labels) -> String {
        guard document.week != nil else { return "" }
        return "<section class=\"attention\"><h2>Cần chú ý</h2>" + body(document, labels: labels) + "</section>"
    }

    /// The alarms' part of the section, without its frame (empty before any week has data).
    public static func body(_ document: AlertsDocument, labels: Labels) -> String {
        guard let week = document.week else { return "" }
        var html = "<h3>Cảnh báo sớm</h3><p class=\"meta\">Cảnh báo sớm đến \(HTML.escape(weekText(week))): \(document.charts) biểu đồ theo dõi tỷ lệ "
        html += "không đồng tình tăng và tỷ lệ đồng tình giảm ở từng đơn vị và toàn tỉnh. Khi dư luận không thay đổi, "
        html += "dự kiến khoảng \(ReportHTML.number(document.expectedFalseAlarmsPerWeek)) cảnh báo sai mỗi tuần trên toàn tỉnh.</p>"
        guard !document.alerts.isEmpty else {
            return html + "<p class=\"muted\">Không có cảnh báo nào đang mở.</p>"
        }
        html += "<table><thead><tr><th>Chủ đề</th><th>Đơn vị</th><th>Ý kiến</th><th>Xu hướng</th><th>Từ tuần</th>"
        html += "<th class=\"n\">Tỷ lệ (%)</th><th class=\"n\">Dự kiến (%)</th><th class=\"n\">Bằng chứng / ngưỡng</th></tr></thead><tbody>"
        for alert in document.alerts {
            html += alert.unit == nil ? "<tr class=\"province\">" : "<tr>"
            html += "<td>\(HTML.escape(labels.topics[alert.topic] ?? alert.topic))</td>"
            html += "<td>\(HTML.escape(alert.unit.map { labels.units[$0] ?? $0 } ?? "Toàn tỉnh"))</td>"
            html += "<td>\(HTML.escape(labels.sentiments[alert.sentiment] ?? alert.sentiment))</td>"
            html += alert.direction == "up" ? "<td class=\"down\">▲ tăng</td>" : "<td class=\"down\">▼ giảm</td>"
            html += "<td>\(HTML.escape(weekText(alert.since)))\(alert.revisedData == true ? " <span class=\"muted\">(số liệu đã điều chỉnh)</span>" : "")</td>"
            html += "<td class=\"n\">\(alert.share.map { ReportHTML.number($0) } ?? "ẩn")</td>"
            html += "<td class=\"n\">\(ReportHTML.number(alert.expected)) (\(ReportHTML.number(alert.expectedLow))–\(ReportHTML.number(alert.expectedHigh)))</td>"
            html += "<td class=\"n\">\(alert.score.map { ReportHTML.number($0) } ?? "ẩn") / \(ReportHTML.number(alert.threshold))</td></tr>"
        }
        html += "</tbody></table><p class=\"muted\">Tỷ lệ: từ tuần bắt đầu đến tuần mới nhất; dự kiến: tỷ lệ của giai đoạn gốc "
        html += "và khoảng 95% nếu không có gì thay đổi. “ẩn”: số liệu của đơn vị bị ẩn vì quá ít ý kiến."
        if document.alerts.contains(where: { $0.revisedData == true }) {
            html += " “Số liệu đã điều chỉnh”: cảnh báo dựa trên tuần đã được công bố lại với ý kiến gửi muộn hoặc bị rút lại."
        }
        html += "</p>"
        return html
    }

    static func weekText(_ identifier: String) -> String { VietnameseTime.period(identifier) }
}
