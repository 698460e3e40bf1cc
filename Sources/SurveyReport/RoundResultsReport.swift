import Foundation
import SurveyModel

/// The files of a round's results in `rounds/CODE/`: `results.json` (schema
/// `surveyd.round-results/1`), `results.csv` (the rows of a period's `summary.csv`, the round's
/// code in the `period` column) and `results.html` (a one-page A4 summary for the committee, then
/// the coverage, the full change list and a section per topic).
public enum RoundResultsReport {
    /// `results.json`: the ``RoundResults`` as they are, keys in snake case.
    public static func json(_ results: RoundResults) throws -> Data {
        var data = try SummaryJSON.encoder().encode(results)
        data.append(0x0A)
        return data
    }

    /// Reads a `results.json` back (keys in snake case), as ``json(_:)`` wrote it.
    public static func decode(_ data: Data) throws -> RoundResults {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(RoundResults.self, from: data)
    }

    /// `results.csv`: one row per unit × topic × group, the unit totals and the province rows.
    public static func csv(_ results: RoundResults) -> Data {
        SummaryCSV.render(results.summary)
    }

    /// The page's title: `Kết quả đợt điều tra – TITLE`.
    static func title(_ results: RoundResults) -> String {
        "Kết quả đợt điều tra – \(results.title)"
    }

    /// What each topic was compared with, in words.
    static func comparedWith(_ results: RoundResults) -> String {
        var seen: [String] = []
        var texts: [String] = []
        for comparison in results.comparedWith {
            guard let code = comparison.round, !seen.contains(code) else { continue }
            seen.append(code)
            var text = "đợt \(HTML.escape(code))"
            if let from = comparison.from, let to = comparison.to { text += " (\(VietnameseTime.date(from))–\(VietnameseTime.date(to)))" }
            if let revision = comparison.revision, revision > 1 { text += ", số liệu điều chỉnh lần \(revision - 1)" }
            texts.append(text)
        }
        return texts.isEmpty ? "chưa có đợt trước cùng chủ đề để so sánh" : "so sánh với " + texts.joined(separator: ", ")
    }

    /// The coverage in one sentence.
    static func coverageLine(_ coverage: RoundResults.Coverage) -> String {
        var text = "Mức độ bao phủ: nhận \(coverage.received.map(String.init) ?? "–")/\(coverage.target) ý kiến theo chỉ tiêu"
        if let completion = coverage.completion { text += " (hoàn thành \(ReportHTML.number(completion * 100))%)" }
        text += "; \(coverage.unitsReported)/\(coverage.unitsExpected) đơn vị đã báo cáo, \(coverage.unitsOnTime) đúng hạn"
        if let late = coverage.late, late > 0 { text += "; \(late) ý kiến nhận sau hạn báo cáo, đã tính vào kết quả" }
        return text + "."
    }

    /// `results.html`: the committee's page first, on its own A4 page when printed.
    public static func html(_ results: RoundResults, timeZone: TimeZone? = nil) -> Data {
        let summary = results.summary
        let title = title(results)
        var meta = "Đợt \(HTML.escape(results.round)) · thu thập từ \(VietnameseTime.date(results.from)) đến \(VietnameseTime.date(results.to))"
        meta += " · hạn báo cáo \(VietnameseTime.date(results.reportBy)) · \(summary.responses) ý kiến · lần cập nhật \(summary.revision)"
        meta += " · \(comparedWith(results))"
        let before = "<p class=\"note\">\(coverageLine(results.coverage))</p>"
        let firstPage = ReportHTML.summaryPage(summary, title: title, meta: meta, wording: .round, before: before, timeZone: timeZone)
        var coverage = "<h2>Mức độ bao phủ theo đơn vị</h2><table><thead><tr><th>Đơn vị</th><th>Trạng thái</th>"
        coverage += "<th class=\"n\">Đã nhận / chỉ tiêu</th><th class=\"n\">Hoàn thành</th><th class=\"n\">Nhận trễ hạn</th></tr></thead><tbody>"
        for unit in results.coverage.units {
            let status = RoundStatus(rawValue: unit.status)?.label ?? unit.status
            coverage += "<tr><td>\(HTML.escape(unit.name)) <span class=\"muted\">\(HTML.escape(unit.unit))</span></td><td>\(HTML.escape(status))</td>"
            let withheld = "<span class=\"muted\" title=\"không công bố\">–</span>"
            coverage += "<td class=\"n\">\(unit.received.map(String.init) ?? withheld)/\(unit.target)</td>"
            coverage += "<td class=\"n\">\(unit.completion.map { ReportHTML.number($0 * 100) + "%" } ?? withheld)</td><td class=\"n\">\(unit.late.map(String.init) ?? withheld)</td></tr>"
        }
        coverage += "</tbody></table>"
        return ReportHTML.render(summary, title: title, wording: .round, firstPage: firstPage, afterFirstPage: coverage)
    }
}
