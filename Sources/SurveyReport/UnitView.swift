import Foundation
import SurveyModel

/// A unit's view of the summaries (`units/CODE/`): the province's figures and the unit's own rows,
/// cut from the same protected summaries as the province files, so that it withholds exactly
/// what they withhold and shows nothing of another unit.
extension PeriodSummary {
    /// This summary with only `unit`'s rows (and its significant changes and the province's).
    public func view(of unit: String) -> PeriodSummary {
        var view = self
        view.units = units.filter { $0.code == unit }
        for index in view.topics.indices {
            view.topics[index].units = view.topics[index].units.filter { $0.unit == unit }
        }
        view.significantChanges = significantChanges.filter { $0.unit == nil || $0.unit == unit }
        view.suppressedCells = view.withheldCellCount
        return view
    }

    /// The cells withheld in the summary as it stands (province, its groups, every unit's total
    /// and groups): equal to ``suppressedCells`` for a summary as built.
    public var withheldCellCount: Int {
        topics.reduce(0) { total, topic in
            total + (topic.province.suppressed ? 1 : 0) + topic.provinceGroups.filter(\.cell.suppressed).count
                + topic.units.reduce(0) { $0 + ($1.total.suppressed ? 1 : 0) + $1.groups.filter(\.cell.suppressed).count }
        }
    }
}

extension RoundResults {
    /// The round's results with only `unit`'s rows: the province's figures, the unit's rows and
    /// coverage (the province's coverage totals kept), cut from the protected results.
    public func view(of unit: String) -> RoundResults {
        var view = self
        view.summary = summary.view(of: unit)
        view.coverage.units = coverage.units.filter { $0.unit == unit }
        return view
    }
}

extension AlertsDocument {
    /// The alarms and watch entries a unit's administrators see: their unit's, and the
    /// province's with only their unit among the units that carry them.
    public func view(of unit: String) -> AlertsDocument {
        func keep(_ alert: Alert) -> Alert? {
            if alert.unit == unit { return alert }
            guard alert.unit == nil else { return nil }
            var kept = alert
            kept.units = alert.units.map { $0.filter { $0.unit == unit } }
            return kept
        }
        var view = self
        view.alerts = alerts.compactMap(keep)
        view.watch = watch.compactMap(keep)
        view.provisional = provisional?.filter { $0.unit == nil || $0.unit == unit }
        return view
    }
}

/// A unit's front page (`units/CODE/index.html`): its alarms and the periods published, each
/// linking to the unit's view of its report and files.
public enum UnitIndexPage {
    public struct Period: Sendable, Equatable {
        public var identifier: String
        public var responses: Int
        public var revision: Int

        public init(identifier: String, responses: Int, revision: Int) {
            self.identifier = identifier
            self.responses = responses
            self.revision = revision
        }
    }

    /// A closed survey round whose results are published, as the unit's page lists it.
    public struct Round: Sendable, Equatable {
        public var code: String
        public var title: String
        public var from: LocalDate
        public var to: LocalDate

        public init(code: String, title: String, from: LocalDate, to: LocalDate) {
            self.code = code
            self.title = title
            self.from = from
            self.to = to
        }
    }

    public static func html(
        title: String, unit: SurveyUnit, granularities: [(kind: PeriodKind, periods: [Period])], alerts: AlertsDocument?,
        labels: AlertsHTML.Labels, rounds: [Round] = []
    ) -> Data {
        var body = "<h1>\(HTML.escape(unit.name)) <span class=\"muted\">(\(HTML.escape(unit.code)))</span></h1>"
        body += "<p class=\"meta\">\(HTML.escape(title)) · Số liệu của đơn vị và của toàn tỉnh · <span lang=\"en\">the unit's figures and the province's</span></p>"
        if let alerts, alerts.week != nil {
            body += "<section class=\"attention\"><h2>Cần chú ý</h2>" + AlertsHTML.body(alerts, labels: labels) + "</section>"
        }
        for granularity in granularities {
            body += "<section><h2>\(HTML.escape(HTML.kindName(granularity.kind)))</h2>"
            guard !granularity.periods.isEmpty else {
                body += "<p class=\"muted\">Chưa có kỳ nào.</p></section>"
                continue
            }
            body += "<table><thead><tr><th>Kỳ</th><th class=\"n\">Ý kiến (toàn tỉnh)</th><th class=\"n\">Lần sửa</th><th>Tệp</th></tr></thead><tbody>"
            for period in granularity.periods {
                let path = "\(granularity.kind.rawValue)/\(HTML.escape(period.identifier))"
                body += "<tr><td><a href=\"\(path)/report.html\">\(HTML.escape(VietnameseTime.period(period.identifier, capitalized: true)))</a></td>"
                body += "<td class=\"n\">\(period.responses)</td><td class=\"n\">\(period.revision)</td>"
                body += "<td><a href=\"\(path)/summary.csv\">CSV</a> · <a href=\"\(path)/summary.json\">JSON</a></td></tr>"
            }
            body += "</tbody></table></section>"
        }
        if !rounds.isEmpty {
            body += "<section><h2>Kết quả đợt điều tra</h2><table><thead><tr><th>Đợt</th><th>Thời gian</th><th>Tệp</th></tr></thead><tbody>"
            for round in rounds {
                let path = "rounds/\(HTML.escape(round.code))"
                body += "<tr><td><a href=\"\(path)/results.html\">\(HTML.escape(round.code))</a><br><span class=\"muted\">\(HTML.escape(round.title))</span></td>"
                body += "<td>\(VietnameseTime.date(round.from))–\(VietnameseTime.date(round.to))</td>"
                body += "<td><a href=\"\(path)/results.csv\">CSV</a> · <a href=\"\(path)/results.json\">JSON</a></td></tr>"
            }
            body += "</tbody></table></section>"
        }
        return Data(HTML.page(title: "\(unit.name) – \(title)", body: body).utf8)
    }
}
