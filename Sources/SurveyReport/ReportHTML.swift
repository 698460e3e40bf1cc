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
        var out = ByteWriter(capacity: 16)
        number(value, sign: sign, &out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// An SVG coordinate: one decimal, with a point.
    static func coordinate(_ value: Double) -> String {
        var out = ByteWriter(capacity: 8)
        out.fixed(value, places: 1)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// One decimal with a comma (Vietnamese usage), `–` when absent.
    static func number(_ value: Double?, sign: Bool = false, _ out: inout ByteWriter) {
        guard let value else { return out.raw("–") }
        if sign && (value * 10).rounded() > 0 { out.byte(UInt8(ascii: "+")) }
        out.fixed(value, places: 1, separator: UInt8(ascii: ","))
    }

    /// A 100%-wide stacked bar of the cell's sentiment shares.
    static func bar(_ cell: PeriodSummary.Cell, codes: [String], colours: [String], minimum: Int, _ out: inout ByteWriter) {
        let width = 320.0
        guard !cell.suppressed else {
            out.raw("<span class=\"muted\">ẩn (dưới ")
            out.int(minimum)
            out.raw(" ý kiến hoặc để bảo vệ ô nhỏ)</span>")
            return
        }
        guard let n = cell.responses, n > 0, let shares = cell.shares else {
            return out.raw("<span class=\"muted\">không có ý kiến</span>")
        }
        out.raw("<svg width=\"320\" height=\"16\" viewBox=\"0 0 320 16\" role=\"img\">")
        var x = 0.0
        for (index, code) in codes.enumerated() {
            guard let percent = shares[index], percent > 0 else { continue }
            let w = width * percent / 100
            out.raw("<rect x=\"")
            out.fixed(x, places: 2)
            out.raw("\" y=\"0\" width=\"")
            out.fixed(w, places: 2)
            out.raw("\" height=\"16\" fill=\"")
            out.text(colours[index])
            out.raw("\"><title>")
            out.html(code)
            out.raw(": ")
            number(percent, &out)
            out.raw("% (")
            out.int(cell.counts?[index] ?? 0)
            out.raw(")</title></rect>")
            if w > 28 {
                out.raw("<text x=\"")
                out.fixed(x + w / 2, places: 2)
                out.raw("\" y=\"12\" font-size=\"10\" text-anchor=\"middle\" fill=\"#fff\">")
                out.int(Int(percent.rounded()))
                out.raw("%</text>")
            }
            x += w
        }
        out.raw("</svg>")
    }

    static func changeText(_ change: PeriodSummary.Change?, _ out: inout ByteWriter) {
        guard let change else { return out.raw("–") }
        out.raw("<span")
        if change.significant { out.raw(change.change > 0 ? " class=\"up\"" : " class=\"down\"") }
        out.raw(" title=\"95%: ")
        number(change.low, &out)
        out.raw(" … ")
        number(change.high, &out)
        out.raw("\">")
        number(change.change, sign: true, &out)
        if change.significant { out.raw(" *") }
        out.raw("</span>")
    }

    /// The report; times are written in `timeZone` (the provincial one), or in UTC without one.
    /// Under a small unit's bar: the empirical-Bayes estimates of its shares with their intervals.
    static func smallUnitEstimates(_ cell: PeriodSummary.Cell, labels: [String], _ out: inout ByteWriter) {
        guard !cell.suppressed, let estimates = cell.sharesEb else { return }
        out.raw("<div class=\"eb muted\" title=\"Ước lượng Bayes thực nghiệm: tỷ lệ của đơn vị có ít ý kiến, kéo về phía toàn tỉnh; khoảng 95%\">Ước lượng hiệu chỉnh (ít ý kiến): ")
        var first = true
        for (index, estimate) in estimates.enumerated() {
            guard let estimate, labels.indices.contains(index) else { continue }
            if !first { out.raw("; ") }
            first = false
            out.html(labels[index])
            out.raw(" ")
            number(estimate, &out)
            out.raw("% (")
            number(cell.sharesEbLow.flatMap { $0.indices.contains(index) ? $0[index] : nil }, &out)
            out.raw("–")
            number(cell.sharesEbHigh.flatMap { $0.indices.contains(index) ? $0[index] : nil }, &out)
            out.raw(")")
        }
        out.raw("</div>")
    }

    /// `+5,0 (−8,2…18,1)` or `–`.
    static func outlookText(_ outlook: PeriodSummary.Outlook?, _ out: inout ByteWriter) {
        guard let outlook else { return out.raw("–") }
        out.raw("<span title=\"Khoảng 95% của chỉ số ròng tuần tới theo mô hình mức cục bộ, từ ")
        out.int(outlook.weeks)
        out.raw(" tuần đã công bố\">")
        number(outlook.expected, sign: true, &out)
        out.raw(" <span class=\"muted\">(")
        number(outlook.low, &out)
        out.raw("…")
        number(outlook.high, &out)
        out.raw(")</span></span>")
    }

    /// What a report calls its own span and the one it is compared with.
    struct Wording {
        /// `kỳ` for a period, `đợt` for a round.
        var noun: String
        static let period = Wording(noun: "kỳ")
        static let round = Wording(noun: "đợt")
        var previous: String { "\(noun) trước" }
        var capitalizedPrevious: String { noun.prefix(1).uppercased() + noun.dropFirst() + " trước" }
        var capitalizedCurrent: String { noun.prefix(1).uppercased() + noun.dropFirst() + " này" }
    }

    public static func render(_ summary: PeriodSummary, timeZone: TimeZone? = nil) -> Data {
        let title = "Báo cáo dư luận xã hội – \(VietnameseTime.period(summary.period.id, capitalized: true))"
        return render(summary, title: title, wording: .period, firstPage: summaryPage(summary, title: title, timeZone: timeZone))
    }

    /// The report of `summary` under `title`: `firstPage` (its own A4 page), then the full change
    /// list and a section per topic.
    static func render(_ summary: PeriodSummary, title: String, wording: Wording, firstPage: String, afterFirstPage: String = "") -> Data {
        let weekly = summary.period.kind == .week
        let colourOf = colours(summary.sentiments)
        let codes = summary.sentiments.map(\.code)
        let colours = codes.map { colourOf[$0] ?? "#999" }
        let unitNames = Dictionary(summary.units.map { ($0.code, $0.name) }, uniquingKeysWith: { first, _ in first })
        let topicTitles = Dictionary(summary.topics.map { ($0.code, $0.title) }, uniquingKeysWith: { first, _ in first })
        var out = ByteWriter(capacity: 384 * 1024)
        HTML.pageStart(title: title, &out)
        out.text(firstPage)
        out.text(afterFirstPage)
        out.raw("<p class=\"legend\">")
        for (index, sentiment) in summary.sentiments.enumerated() {
            out.raw("<span><i class=\"swatch\" style=\"background:")
            out.text(colours[index])
            out.raw("\"></i>")
            out.html(sentiment.label)
            out.raw("</span>")
        }
        out.raw("</p><h2>Thay đổi có ý nghĩa so với ")
        out.text(wording.previous)
        out.raw(": danh sách đầy đủ</h2>")
        if summary.significantChanges.isEmpty {
            out.raw("<p class=\"muted\">Không có thay đổi nào của chỉ số ròng có ý nghĩa thống kê khi kiểm soát tỷ lệ phát hiện sai ở mức 5% trên mọi phép so sánh của ")
            out.text(wording.noun)
            out.raw(" (phương pháp Benjamini–Hochberg).</p>")
        } else {
            out.raw("<p class=\"muted\">Chỉ liệt kê các thay đổi của chỉ số ròng vẫn có ý nghĩa khi kiểm soát tỷ lệ phát hiện sai ở mức 5% trên mọi phép so sánh của ")
            out.text(wording.noun)
            out.raw(" (phương pháp Benjamini–Hochberg); khoảng tin cậy 95% của từng ô giữ nguyên.</p>")
            out.raw("<table><thead><tr><th>Chủ đề</th><th>Đơn vị</th><th class=\"n\">")
            out.text(wording.capitalizedPrevious)
            out.raw("</th><th class=\"n\">")
            out.text(wording.capitalizedCurrent)
            out.raw("</th><th class=\"n\">Thay đổi (điểm %)</th></tr></thead><tbody>")
            for change in summary.significantChanges {
                out.raw("<tr><td>")
                out.html(topicTitles[change.topic] ?? change.topic)
                out.raw("</td><td>")
                out.html(change.unit.map { unitNames[$0] ?? $0 } ?? "Toàn tỉnh")
                out.raw("</td><td class=\"n\">")
                number(change.previousNetIndex, &out)
                out.raw("</td><td class=\"n\">")
                number(change.netIndex, &out)
                out.raw("</td><td class=\"n\">")
                changeText(change.change, &out)
                out.raw("</td></tr>")
            }
            out.raw("</tbody></table>")
        }

        func row(_ name: String, _ cell: PeriodSummary.Cell, province: Bool) {
            out.raw(province ? "<tr class=\"province\"><td>" : "<tr><td>")
            out.html(name)
            out.raw("</td><td>")
            bar(cell, codes: codes, colours: colours, minimum: summary.minimumCellSize, &out)
            smallUnitEstimates(cell, labels: summary.sentiments.map(\.label), &out)
            out.raw("</td>")
            if cell.suppressed {
                out.raw("<td class=\"n\">–</td><td class=\"n\">–</td><td class=\"n\">–</td><td class=\"n\">–</td>")
                return out.raw(weekly ? "<td class=\"n\">–</td></tr>" : "</tr>")
            }
            out.raw("<td class=\"n\">")
            out.int(cell.responses ?? 0)
            out.raw("</td><td class=\"n\"")
            if let low = cell.netIndexLow {
                out.raw(" title=\"95%: ")
                number(low, &out)
                out.raw(" … ")
                number(cell.netIndexHigh, &out)
                out.raw("\"")
            }
            out.raw(">")
            number(cell.netIndex, sign: true, &out)
            out.raw("</td><td class=\"n\">")
            number(cell.previousNetIndex, sign: true, &out)
            out.raw("</td><td class=\"n\">")
            changeText(cell.netIndexChange, &out)
            if weekly {
                out.raw("</td><td class=\"n\">")
                outlookText(cell.outlook, &out)
            }
            out.raw("</td></tr>")
        }
        for topic in summary.topics {
            out.raw("<section class=\"topic\"><h2>")
            out.html(topic.title)
            out.raw(" <span class=\"muted\">(")
            out.html(topic.code)
            out.raw(")</span></h2>")
            if topic.province.responses == 0 && topic.province.previousResponses ?? 0 == 0 {
                out.raw("<p class=\"muted\">Không có ý kiến nào về chủ đề này trong ")
                out.text(wording.noun)
                out.raw(" và ")
                out.text(wording.previous)
                out.raw(".</p></section>")
                continue
            }
            out.raw("<table><thead><tr><th>Đơn vị</th><th>Tỷ lệ theo thái độ</th><th class=\"n\">Số ý kiến</th><th class=\"n\">Chỉ số ròng</th><th class=\"n\">")
            out.text(wording.capitalizedPrevious)
            out.raw("</th><th class=\"n\">Thay đổi</th>")
            if weekly { out.raw("<th class=\"n\">Dự kiến tuần tới</th>") }
            out.raw("</tr></thead><tbody>")
            row("Toàn tỉnh", topic.province, province: true)
            for unit in topic.units {
                row(unitNames[unit.unit] ?? unit.unit, unit.total, province: false)
            }
            out.raw("</tbody></table></section>")
        }

        out.raw("<h2>Ghi chú</h2><p class=\"note\">")
        if summary.suppressedCells > 0 {
            out.int(summary.suppressedCells)
            out.raw(" ô số liệu đã được ẩn: ô có dưới ")
            out.int(summary.minimumCellSize)
            out.raw(" ý kiến, và các ô cần ẩn thêm để không thể suy ra ô nhỏ từ tổng. ")
        } else {
            out.raw("Không có ô số liệu nào bị ẩn (ngưỡng: ")
            out.int(summary.minimumCellSize)
            out.raw(" ý kiến). ")
        }
        out.raw("Chỉ số ròng = tỷ lệ đồng tình − tỷ lệ không đồng tình (điểm phần trăm). ")
        out.raw("Khoảng tin cậy 95%: Wilson cho từng tỷ lệ, Newcombe (lai điểm số) cho thay đổi; dấu * đánh dấu thay đổi có ý nghĩa thống kê.</p>")
        HTML.pageEnd(&out)
        return Data(out.bytes)
    }
}
