import Foundation
import SurveyModel

/// `index.json`: the published periods of each granularity, newest first.
public struct SummaryIndex: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var period: String
        public var responses: Int
        public var revision: Int
        public var dataThrough: String
        /// Folder of the period's files, relative to the index.
        public var path: String

        public init(period: String, responses: Int, revision: Int, dataThrough: String, path: String) {
            self.period = period
            self.responses = responses
            self.revision = revision
            self.dataThrough = dataThrough
            self.path = path
        }
    }

    public struct Granularity: Codable, Sendable, Equatable {
        public var kind: PeriodKind
        public var periods: [Entry]

        public init(kind: PeriodKind, periods: [Entry]) {
            self.kind = kind
            self.periods = periods
        }
    }

    /// Batches held for review (`review.hold`): stored but not counted in any summary yet.
    public struct Awaiting: Codable, Sendable, Equatable {
        public var batches: Int
        public var responses: Int

        public init(batches: Int, responses: Int) {
            self.batches = batches
            self.responses = responses
        }
    }

    public var schema = "surveyd.index/1"
    public var title: String
    public var granularities: [Granularity]
    /// Present when batches wait for approval.
    public var awaitingApproval: Awaiting?

    public init(title: String, granularities: [Granularity]) {
        self.title = title
        self.granularities = granularities
    }

    public func json() throws -> Data {
        var data = try SummaryJSON.encoder().encode(self)
        data.append(0x0A)
        return data
    }

    /// `index.html`: links to every period's report, newest first.
    public func html() -> Data { html(leading: "") }

    /// `index.html` opening with `leading` (the alarms, from ``AlertsHTML``) under the title.
    public func html(leading: String) -> Data {
        var body = ""
        for granularity in granularities {
            body += "<section><h2>\(HTML.escape(HTML.kindName(granularity.kind)))</h2>"
            guard !granularity.periods.isEmpty else {
                body += "<p class=\"muted\">Chưa có dữ liệu.</p></section>"
                continue
            }
            body += "<table><thead><tr><th>Kỳ</th><th class=\"n\">Số ý kiến</th><th class=\"n\">Lần cập nhật</th><th>Dữ liệu đến</th><th>Tệp</th></tr></thead><tbody>"
            for entry in granularity.periods {
                let path = HTML.escape(entry.path)
                body += "<tr><td><a href=\"\(path)/report.html\">\(HTML.escape(entry.period))</a></td><td class=\"n\">\(entry.responses)</td>"
                body += "<td class=\"n\">\(entry.revision)</td><td>\(HTML.escape(entry.dataThrough))</td>"
                body += "<td><a href=\"\(path)/summary.csv\">CSV</a> · <a href=\"\(path)/summary.json\">JSON</a></td></tr>"
            }
            body += "</tbody></table></section>"
        }
        var note = ""
        if let waiting = awaitingApproval, waiting.batches > 0 {
            note = "<p class=\"note\">\(waiting.batches) lô (\(waiting.responses) ý kiến) đang chờ duyệt và chưa được tính trong các số liệu dưới đây.</p>"
        }
        return Data(HTML.page(title: title, body: "<h1>\(HTML.escape(title))</h1>" + leading + note + body).utf8)
    }
}
