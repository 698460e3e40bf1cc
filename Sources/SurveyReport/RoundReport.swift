import Foundation
import SurveyModel

/// The files of a round's progress, published in `rounds/CODE/`: `progress.json` (schema
/// `surveyd.round/1`), `progress.csv` (Excel: UTF-8 with a byte-order mark, CRLF) and
/// `progress.html` (a printable table, the units needing attention first).
public enum RoundReport {
    /// `progress.json`: the ``RoundProgress`` as it is, keys in snake case; absent keys are unknown.
    public static func json(_ progress: RoundProgress) throws -> Data {
        var data = try SummaryJSON.encoder().encode(progress)
        data.append(0x0A)
        return data
    }

    /// `progress.csv`: one row per unit (as on the page), then the province (`ALL`).
    public static func csv(_ progress: RoundProgress) -> Data {
        let topics = progress.topics
        let groups = Array(Set(progress.units.flatMap { $0.byGroup.keys })).sorted()
        var out = ByteWriter(capacity: 16 * 1024)
        out.raw("\u{FEFF}round,as_of,unit_code,unit_name,status,target,received,held,late,completion_percent,expected_by_today,batches,collaborators_sent,collaborators_active,first_batch,last_batch,days_since_last_batch,forecast_by_report_by,forecast_low,forecast_high,target_reached_on")
        for topic in topics {
            out.raw(",")
            out.csvField("topic_" + topic)
        }
        for group in groups {
            out.raw(",")
            out.csvField("group_" + group)
        }
        out.raw("\r\n")
        func field(_ text: String?) {
            out.raw(",")
            if let text { out.csvField(text) }
        }
        func number(_ value: Int?) {
            out.raw(",")
            if let value { out.int(value) }
        }
        func decimal(_ value: Double?, _ places: Int) {
            out.raw(",")
            if let value { out.fixed(value, places: places) }
        }
        for unit in progress.units {
            out.csvField(progress.code)
            field(progress.asOf)
            field(unit.unit)
            field(unit.name)
            field(unit.status.rawValue)
            for value in [unit.target, unit.received, unit.held, unit.late] { number(value) }
            decimal(unit.completion * 100, 1)
            decimal(unit.expectedByToday, 1)
            for value in [unit.batches, unit.collaboratorsSent, unit.collaboratorsActive] { number(value) }
            field(unit.firstBatch)
            field(unit.lastBatch)
            number(unit.daysSinceLastBatch)
            decimal(unit.forecast?.expectedByReportBy, 1)
            number(unit.forecast?.low)
            number(unit.forecast?.high)
            field(unit.forecast?.targetReachedOn?.description)
            for topic in topics { number(unit.byTopic[topic] ?? 0) }
            for group in groups { number(unit.byGroup[group] ?? 0) }
            out.raw("\r\n")
        }
        let province = progress.province
        out.csvField(progress.code)
        field(progress.asOf)
        field("ALL")
        field("Toàn tỉnh")
        field(progress.phase.rawValue)
        for value in [province.target, province.received, province.held, province.late] { number(value) }
        decimal(province.completion.map { $0 * 100 }, 1)
        field(nil)
        number(progress.units.reduce(0) { $0 + $1.batches })
        number(progress.units.reduce(0) { $0 + $1.collaboratorsSent })
        number(progress.units.reduce(0) { $0 + $1.collaboratorsActive })
        for _ in 0..<7 { field(nil) }
        for topic in topics { number(progress.units.reduce(0) { $0 + ($1.byTopic[topic] ?? 0) }) }
        for group in groups { number(progress.units.reduce(0) { $0 + ($1.byGroup[group] ?? 0) }) }
        out.raw("\r\n")
        return Data(out.bytes)
    }

    static let statusColours: [RoundStatus: String] = [
        .silent: "#b71c1c", .behind: "#ef6c00", .missed: "#6d4c41", .notStarted: "#9e9e9e", .onTrack: "#1565c0", .complete: "#2e7d32",
    ]

    static func phaseLabel(_ phase: RoundPhase) -> String {
        switch phase {
        case .upcoming: "Chưa bắt đầu"
        case .open: "Đang thu thập"
        case .closed: "Đã kết thúc"
        }
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "–" }
        return ReportHTML.number(value * 100) + "%"
    }

    /// `progress.html`: the round, the province's figures, and a table of the units with a bar of
    /// each one's progress against its target and the even-pace expectation; printable on A4.
    public static func html(_ progress: RoundProgress) -> Data {
        let p = progress.province
        var body = "<h1>\(HTML.escape(progress.title))</h1>"
        body += "<p class=\"meta\">Đợt \(HTML.escape(progress.code)) · chủ đề \(HTML.escape(progress.topics.joined(separator: ", "))) · thu thập \(progress.from)–\(progress.to) · hạn báo cáo \(progress.reportBy) · \(phaseLabel(progress.phase)) · số liệu đến \(HTML.escape(progress.asOf)) (ngày \(progress.today))</p>"
        body += "<table><tbody>"
        body += "<tr><th>Đơn vị đã báo cáo</th><td class=\"n\">\(p.unitsReported)/\(p.unitsExpected) (\(percent(p.reportingRate)))</td>"
        body += "<th>Báo cáo đúng hạn</th><td class=\"n\">\(p.unitsOnTime)/\(p.unitsExpected) (\(percent(p.onTimeRate)))</td></tr>"
        body += "<tr><th>Số ý kiến / chỉ tiêu</th><td class=\"n\">\(p.received)/\(p.target)</td><th>Mức hoàn thành</th><td class=\"n\">\(percent(p.completion))</td></tr>"
        body += "<tr><th>Chờ duyệt</th><td class=\"n\">\(p.held)</td><th>Nhận trễ hạn</th><td class=\"n\">\(p.late)</td></tr>"
        body += "</tbody></table>"
        if p.statuses["silent", default: 0] + p.statuses["behind", default: 0] > 0 {
            body += "<p class=\"note\">\(p.statuses["silent", default: 0]) đơn vị chưa báo cáo, \(p.statuses["behind", default: 0]) đơn vị chậm tiến độ.</p>"
        }
        body += "<table><thead><tr><th>Đơn vị</th><th>Trạng thái</th><th class=\"n\">Đã nhận / chỉ tiêu</th><th>Tiến độ</th><th class=\"n\">Ngày từ lô cuối</th><th class=\"n\">Dự báo đến hạn (90%)</th><th class=\"n\">Cộng tác viên</th></tr></thead><tbody>"
        for unit in progress.units {
            let colour = statusColours[unit.status] ?? "#9e9e9e"
            body += "<tr><td>\(HTML.escape(unit.name)) <span class=\"muted\">\(HTML.escape(unit.unit))</span></td>"
            body += "<td><span class=\"swatch\" style=\"background:\(colour)\"></span>\(HTML.escape(unit.status.label))</td>"
            var counts = "\(unit.received)/\(unit.target)"
            if unit.held > 0 { counts += " <span class=\"muted\">(+\(unit.held) chờ duyệt)</span>" }
            if unit.late > 0 { counts += " <span class=\"muted\">(\(unit.late) trễ hạn)</span>" }
            body += "<td class=\"n\">\(counts)</td><td>\(bar(unit, colour: colour))</td>"
            body += "<td class=\"n\">\(unit.daysSinceLastBatch.map(String.init) ?? "–")</td>"
            if let forecast = unit.forecast {
                var text = "\(Int(forecast.expectedByReportBy.rounded())) (\(forecast.low)–\(forecast.high))"
                if let day = forecast.targetReachedOn { text += "<br><span class=\"muted\">đạt chỉ tiêu \(day)</span>" }
                body += "<td class=\"n\">\(text)</td>"
            } else {
                body += "<td class=\"n\">–</td>"
            }
            body += "<td class=\"n\">\(unit.collaboratorsSent)/\(unit.collaboratorsActive)</td></tr>"
        }
        body += "</tbody></table>"
        body += "<p class=\"muted\">Tiến độ: thanh màu là số ý kiến đã nhận so với chỉ tiêu; vạch đen là mức cần đạt đến hôm nay nếu thu thập đều từ ngày bắt đầu đến hạn báo cáo. Chậm tiến độ: dưới 80% mức đó. Chưa báo cáo: không có lô nào trong \(progress.silentAfterDays) ngày. Dự báo: theo tốc độ 14 ngày gần nhất, khoảng tin cậy 90%.</p>"
        return Data(HTML.page(title: "\(progress.code) – \(progress.title)", body: body).utf8)
    }

    /// A bar of received ÷ target with a mark at the even-pace expectation.
    static func bar(_ unit: RoundProgress.UnitProgress, colour: String) -> String {
        let width = 160.0
        let filled = unit.target > 0 ? min(1, Double(unit.received) / Double(unit.target)) * width : width
        let mark = unit.target > 0 ? min(1, unit.expectedByToday / Double(unit.target)) * width : width
        return "<svg width=\"160\" height=\"12\" viewBox=\"0 0 160 12\" role=\"img\" aria-label=\"\(Int((unit.completion * 100).rounded()))%\">"
            + "<rect width=\"160\" height=\"12\" fill=\"#eeeeee\"/><rect width=\"\(ReportHTML.number(filled).replacingOccurrences(of: ",", with: "."))\" height=\"12\" fill=\"\(colour)\"/>"
            + "<rect x=\"\(ReportHTML.number(max(0, mark - 1)).replacingOccurrences(of: ",", with: "."))\" width=\"2\" height=\"12\" fill=\"#000\"/></svg> \(percent(unit.completion))"
    }
}
