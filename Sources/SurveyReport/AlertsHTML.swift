import Foundation
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

    /// The alarms' part of the section, without its frame (empty before any week has data): the
    /// budget in words, the alarms grouped by topic and direction (the province's first, with the
    /// units that carry it; a unit's with the province's chart beside it), then the watch list.
    public static func body(_ document: AlertsDocument, labels: Labels) -> String {
        guard let week = document.week else { return "" }
        var html = "<h3>Cảnh báo sớm</h3><p class=\"meta\">Cảnh báo sớm đến \(HTML.escape(weekText(week))): \(document.charts) biểu đồ theo dõi tỷ lệ "
        html += "không đồng tình tăng và tỷ lệ đồng tình giảm ở từng đơn vị và toàn tỉnh, cùng chung một ngân sách: "
        html += "<strong>\(HTML.escape(document.budget))</strong> (theo tính toán hiện tại: \(ReportHTML.number(document.expectedFalseAlarmsPerWeek))).</p>"
        if document.alerts.isEmpty {
            html += "<p class=\"muted\">Không có cảnh báo nào đang mở.</p>"
        } else {
            html += table(document.alerts, labels: labels, alarms: true)
            html += "<p class=\"muted\">Cảnh báo được xếp theo chủ đề: dòng toàn tỉnh trước, kèm các đơn vị góp phần; dòng đơn vị kèm "
            html += "tình trạng của toàn tỉnh. Tỷ lệ: từ tuần bắt đầu đến tuần mới nhất; dự kiến: tỷ lệ của giai đoạn gốc "
            html += "và khoảng 95% nếu không có gì thay đổi. “ẩn”: số liệu của đơn vị bị ẩn vì quá ít ý kiến."
            if document.alerts.contains(where: { $0.revisedData == true }) {
                html += " “Số liệu đã điều chỉnh”: cảnh báo dựa trên tuần đã được công bố lại với ý kiến gửi muộn hoặc bị rút lại."
            }
            html += "</p>"
        }
        html += provisional(document, labels: labels)
        guard let perWeek = document.watchEntriesPerWeek else { return html }
        html += "<h3>Theo dõi</h3><p class=\"meta\">Các biểu đồ đã vượt một ngưỡng thấp hơn ngưỡng cảnh báo nhưng chưa tới ngưỡng cảnh báo. "
        html += "Đây không phải cảnh báo: khi dư luận không thay đổi, dự kiến khoảng \(ReportHTML.number(perWeek)) mục mới mỗi tuần do ngẫu nhiên.</p>"
        guard !document.watch.isEmpty else { return html + "<p class=\"muted\">Không có biểu đồ nào trong danh sách theo dõi.</p>" }
        return html + table(document.watch, labels: labels, alarms: false)
    }

    /// The provisional alarms on the current week's first days (empty when the look is off): no
    /// figure, only which chart crossed and on which day, and what the look spends of the budget.
    static func provisional(_ document: AlertsDocument, labels: Labels) -> String {
        guard let alarms = document.provisional, let days = document.provisionalDays else { return "" }
        var html = "<h3>Cảnh báo tạm thời</h3><p class=\"meta\">Theo \(days == 1 ? "ngày thứ Hai" : "\(days) ngày đầu") của tuần đang diễn ra, "
        html += "chưa công bố: mỗi biểu đồ được tiếp tục theo từng ngày với một ngưỡng riêng, cao hơn ngưỡng tuần, dùng phần ngân sách "
        html += "mà các biểu đồ tuần chưa dùng (dự kiến khoảng \(ReportHTML.number(document.expectedProvisionalAlarmsPerWeek ?? 0)) cảnh báo tạm thời "
        html += "nhầm mỗi tuần, đã tính trong ngân sách trên). Không số liệu nào của những ngày này được hiển thị; khi tuần được công bố, "
        html += "biểu đồ tuần xác nhận hay không.</p>"
        guard !alarms.isEmpty else { return html + "<p class=\"muted\">Không có cảnh báo tạm thời nào.</p>" }
        html += "<table class=\"provisional\"><thead><tr><th>Chủ đề</th><th>Đơn vị</th><th>Ý kiến</th><th>Xu hướng</th><th>Vượt ngưỡng</th></tr></thead><tbody>"
        for alarm in alarms {
            html += alarm.unit == nil ? "<tr class=\"province\">" : "<tr>"
            html += "<td>\(HTML.escape(labels.topics[alarm.topic] ?? alarm.topic))</td>"
            html += "<td>\(HTML.escape(alarm.unit.map { labels.units[$0] ?? $0 } ?? "Toàn tỉnh"))</td>"
            html += "<td>\(HTML.escape(labels.sentiments[alarm.sentiment] ?? alarm.sentiment))</td>"
            html += alarm.direction == "up" ? "<td class=\"down\">▲ tăng</td>" : "<td class=\"down\">▼ giảm</td>"
            html += "<td>\(HTML.escape(LocalDate(iso: alarm.crossedOn).map(VietnameseTime.date) ?? alarm.crossedOn)) (tạm thời)</td></tr>"
        }
        return html + "</tbody></table>"
    }

    static func table(_ alerts: [AlertsDocument.Alert], labels: Labels, alarms: Bool) -> String {
        var html = "<table class=\"\(alarms ? "alarms" : "watch")\"><thead><tr><th>Chủ đề</th><th>Đơn vị</th><th>Ý kiến</th><th>Xu hướng</th><th>Từ tuần</th>"
        html += "<th class=\"n\">Tỷ lệ (%)</th><th class=\"n\">Dự kiến (%)</th><th class=\"n\">Bằng chứng / ngưỡng</th>\(alarms ? "<th>Liên quan</th>" : "")</tr></thead><tbody>"
        var group = ""
        for alert in alerts {
            let key = "\(alert.topic)|\(alert.direction)"
            let first = key != group
            group = key
            html += alert.unit == nil ? "<tr class=\"province\(first ? " first" : "")\">" : first ? "<tr class=\"first\">" : "<tr>"
            html += "<td>\(first ? HTML.escape(labels.topics[alert.topic] ?? alert.topic) : "")</td>"
            html += "<td>\(HTML.escape(alert.unit.map { labels.units[$0] ?? $0 } ?? "Toàn tỉnh"))</td>"
            html += "<td>\(HTML.escape(labels.sentiments[alert.sentiment] ?? alert.sentiment))</td>"
            html += alert.direction == "up" ? "<td class=\"down\">▲ tăng</td>" : "<td class=\"down\">▼ giảm</td>"
            html += "<td>\(HTML.escape(weekText(alert.since)))\(alert.revisedData == true ? " <span class=\"muted\">(số liệu đã điều chỉnh)</span>" : "")</td>"
            html += "<td class=\"n\">\(alert.share.map { ReportHTML.number($0) } ?? "ẩn")</td>"
            html += "<td class=\"n\">\(ReportHTML.number(alert.expected)) (\(ReportHTML.number(alert.expectedLow))–\(ReportHTML.number(alert.expectedHigh)))</td>"
            html += "<td class=\"n\">\(alert.score.map { ReportHTML.number($0) } ?? "ẩn") / \(ReportHTML.number(alert.threshold))</td>"
            if alarms { html += "<td>\(HTML.escape(context(alert, labels: labels)))</td>" }
            html += "</tr>"
        }
        return html + "</tbody></table>"
    }

    /// A province alarm's carrying units, or a unit alarm's province context, in words.
    static func context(_ alert: AlertsDocument.Alert, labels: Labels) -> String {
        func state(_ state: String) -> String { state == "alarm" ? "cảnh báo" : state == "watch" ? "theo dõi" : "bình thường" }
        if alert.unit == nil {
            let units = alert.units ?? []
            guard !units.isEmpty else { return "Không đơn vị nào vượt ngưỡng riêng" }
            return "Đơn vị: " + units.map { "\(labels.units[$0.unit] ?? $0.unit) (\(state($0.state)))" }.joined(separator: ", ")
        }
        var text = "Toàn tỉnh: \(state(alert.provinceState ?? "none"))"
        if let share = alert.provinceShare { text += ", \(ReportHTML.number(share))%" }
        return text
    }

    /// `alerts.html`: the alarms and the watch list as a page of their own, printable on A4, with
    /// the budget in Vietnamese and in English.
    public static func page(_ document: AlertsDocument, labels: Labels) -> Data {
        var body = "<h1>Cảnh báo sớm</h1>"
        body += "<p class=\"meta\" lang=\"en\">Early warning: \(HTML.escape(document.budgetEn)).</p>"
        body += document.week == nil ? "<p class=\"muted\">Chưa có số liệu tuần nào.</p>" : self.body(document, labels: labels)
        body += "<p class=\"muted\"><a href=\"index.html\">Trang chủ</a> · <a href=\"alerts.json\">alerts.json</a></p>"
        return Data(HTML.page(title: "Cảnh báo sớm", body: body).utf8)
    }

    static func weekText(_ identifier: String) -> String { VietnameseTime.period(identifier) }
}
