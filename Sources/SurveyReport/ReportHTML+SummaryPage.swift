import Foundation
import SurveyModel

extension ReportHTML {
    /// Changes listed on the one-page summary; the rest follow on the next pages.
    static let summaryChanges = 8
    /// Units up to which the one-page summary holds the heat map (more would not fit on A4).
    static let summaryHeatMapUnits = 20

    /// The report's first page, on its own A4 page when printed: the period, each topic's
    /// province net index with its interval and change, the largest significant changes, and the
    /// unit × topic heat map of the net index. Every figure is the summary's own, withheld ones
    /// shown as withheld.
    static func summaryPage(_ summary: PeriodSummary, title: String, timeZone: TimeZone?) -> String {
        var meta = "Từ \(VietnameseTime.date(summary.period.start)) đến \(VietnameseTime.date(summary.period.end))"
        meta += " · \(summary.responses) ý kiến · lần cập nhật \(summary.revision) · so sánh với \(HTML.escape(VietnameseTime.period(summary.previousPeriod)))"
        return summaryPage(summary, title: title, meta: meta, wording: .period, timeZone: timeZone)
    }

    /// The first page with `meta` (HTML) under the title, and `before` (HTML) ahead of the
    /// heat map.
    static func summaryPage(_ summary: PeriodSummary, title: String, meta: String, wording: Wording, before: String = "", timeZone: TimeZone?) -> String {
        let figures = NetIndexFigures(summary)
        let unitNames = Dictionary(summary.units.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
        let topicTitles = Dictionary(summary.topics.map { ($0.code, $0.title) }, uniquingKeysWith: { first, _ in first })
        var html = "<section class=\"summary-page\"><h1>\(HTML.escape(title))</h1>"
        html += "<p class=\"meta\">\(meta)</p>"
        html += "<h2>Tóm tắt</h2><table class=\"compact\"><thead><tr><th scope=\"col\">Chủ đề (toàn tỉnh)</th><th class=\"n\" scope=\"col\">Số ý kiến</th>"
        for sentiment in summary.sentiments { html += "<th class=\"n\" scope=\"col\">\(HTML.escape(sentiment.label)) (%)</th>" }
        html += "<th class=\"n\" scope=\"col\">Chỉ số ròng (khoảng 95%), thay đổi</th><th class=\"n\" scope=\"col\">Đơn vị bị ẩn</th></tr></thead><tbody>"
        for (topic, row) in zip(summary.topics, figures.topics) {
            let hidden = topic.units.filter(\.total.suppressed).count
            html += "<tr><th scope=\"row\">\(HTML.escape(topic.title))</th><td class=\"n\">\(topic.province.suppressed ? "ẩn" : String(topic.province.responses ?? 0))</td>"
            for index in summary.sentiments.indices {
                let share = topic.province.shares.flatMap { $0.indices.contains(index) ? $0[index] : nil }
                html += "<td class=\"n\">\(topic.province.suppressed ? "ẩn" : number(share))</td>"
            }
            html += "<td class=\"n\">\(FrontPage.provinceText(row.province))</td><td class=\"n\">\(hidden)</td></tr>"
        }
        html += "</tbody></table><h2>Cần chú ý: thay đổi có ý nghĩa so với \(wording.previous)</h2>"
        if summary.significantChanges.isEmpty {
            html += "<p class=\"muted\">Không có thay đổi nào của chỉ số ròng có ý nghĩa thống kê (kiểm soát tỷ lệ phát hiện sai 5%, Benjamini–Hochberg).</p>"
        } else {
            html += "<ul class=\"changes\">"
            for change in summary.significantChanges.prefix(summaryChanges) {
                let arrow = change.change.change > 0 ? "<span class=\"up\">▲" : "<span class=\"down\">▼"
                html += "<li>\(arrow) \(number(change.change.change, sign: true)) điểm</span> – \(HTML.escape(change.unit.map { unitNames[$0] ?? $0 } ?? "Toàn tỉnh")), "
                html += "\(HTML.escape(topicTitles[change.topic] ?? change.topic)): \(number(change.previousNetIndex, sign: true)) → \(number(change.netIndex, sign: true))</li>"
            }
            html += "</ul>"
            if summary.significantChanges.count > summaryChanges {
                html += "<p class=\"muted\">… và \(summary.significantChanges.count - summaryChanges) thay đổi khác (trang sau).</p>"
            }
        }
        html += before
        if summary.units.count <= summaryHeatMapUnits {
            html += "<h2>Chỉ số ròng theo đơn vị và chủ đề</h2>" + HeatMapCell.table(figures, dropSilent: true)
        }
        let through = timeZone.map { VietnameseTime.time(utc: summary.dataThrough, in: $0) } ?? summary.dataThrough + " (UTC)"
        html += "<p class=\"muted\">Dữ liệu đến \(HTML.escape(through)) · \(summary.suppressedCells) ô bị ẩn (ngưỡng \(summary.minimumCellSize) ý kiến).</p></section>"
        return html
    }
}
