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

    /// Changes to released periods held back: publishing them would show a group below the
    /// minimum when the versions are compared (docs/SUMMARIES.md, "Revisions").
    public struct Held: Codable, Sendable, Equatable {
        /// Responses received late, and responses retracted, not in the published figures.
        public var added: Int
        public var removed: Int
        /// The published periods they belong to, as `kind/period`.
        public var periods: [String]
        /// The publication after which the oldest of them arrived (UTC, ISO 8601): they have
        /// waited at most since then.
        public var since: String?
        /// When late changes waiting for the next scheduled revision (one a day at most) will be
        /// published (UTC, ISO 8601), if any wait.
        public var nextRevision: String?

        public init(added: Int, removed: Int, periods: [String], since: String? = nil, nextRevision: String? = nil) {
            self.added = added
            self.removed = removed
            self.periods = periods
            self.since = since
            self.nextRevision = nextRevision
        }
    }

    /// When periods are published: `closed` (once ended, after the grace days of their
    /// granularity) or `open`, and the release calendar.
    public struct Release: Codable, Sendable, Equatable {
        /// The next period of one granularity and the provincial day it will be published.
        public struct Upcoming: Codable, Sendable, Equatable {
            public var kind: PeriodKind
            public var period: String
            /// `YYYY-MM-DD`.
            public var date: String

            public init(kind: PeriodKind, period: String, date: String) {
                self.kind = kind
                self.period = period
                self.date = date
            }
        }

        public var policy: String
        /// The week's grace days (the only ones files written before the calendar gave).
        public var graceDays: Int?
        /// The grace days of each granularity (closed only).
        public var graceDaysByPeriod: GraceDays?
        /// The next period of each of the published granularities (closed only; absent when the
        /// publisher did not say what day it is).
        public var next: [Upcoming]?

        /// The policy, and the calendar of `kinds` as seen on `today` (the provincial day).
        public init(_ policy: ReleasePolicy, today: LocalDate? = nil, kinds: [PeriodKind] = []) {
            switch policy {
            case .open: self.policy = "open"
            case let .closed(grace):
                (self.policy, self.graceDays, self.graceDaysByPeriod) = ("closed", grace.week, grace)
                if let today {
                    next = policy.nextReleases(after: today, kinds: kinds).map {
                        Upcoming(kind: $0.period.kind, period: $0.period.identifier, date: $0.day.description)
                    }
                }
            }
        }
    }

    /// A survey round's line in the index (see `rounds/CODE/progress.json` for its details).
    public struct Round: Codable, Sendable, Equatable {
        public var code: String
        public var title: String
        /// upcoming, open or closed.
        public var phase: String
        public var from: String
        public var to: String
        public var reportBy: String
        /// Still in the configuration.
        public var configured: Bool
        public var received: Int
        public var target: Int
        public var completion: Double?
        public var unitsReported: Int
        public var unitsExpected: Int
        /// Units behind or silent.
        public var unitsNeedingAttention: Int
        public var path: String
        /// Its published results (`rounds/CODE/results.html`), once the round has closed and its
        /// reporting deadline and grace days have passed; absent before.
        public var results: String?

        public init(
            code: String, title: String, phase: String, from: String, to: String, reportBy: String, configured: Bool, received: Int, target: Int,
            completion: Double?, unitsReported: Int, unitsExpected: Int, unitsNeedingAttention: Int, path: String, results: String? = nil
        ) {
            self.code = code
            self.title = title
            self.phase = phase
            self.from = from
            self.to = to
            self.reportBy = reportBy
            self.configured = configured
            self.received = received
            self.target = target
            self.completion = completion
            self.unitsReported = unitsReported
            self.unitsExpected = unitsExpected
            self.unitsNeedingAttention = unitsNeedingAttention
            self.path = path
            self.results = results
        }
    }

    public var schema = "surveyd.index/1"
    public var title: String
    public var granularities: [Granularity]
    /// Present when batches wait for approval.
    public var awaitingApproval: Awaiting?
    /// Survey rounds, open ones first; absent when none is configured.
    public var rounds: [Round]?
    /// Present when changes to published periods are held back.
    public var heldBack: Held?
    /// When periods are published (absent in files written before it was added).
    public var release: Release?

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

    /// `index.html` opening with `leading` (the front page's sections, ``FrontPage``) under the
    /// title; times written in `timeZone` (the provincial one), or as stored (UTC) without one.
    public func html(leading: String, timeZone: TimeZone? = nil) -> Data {
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
                body += "<tr><td><a href=\"\(path)/report.html\">\(HTML.escape(VietnameseTime.period(entry.period, capitalized: true)))</a></td><td class=\"n\">\(entry.responses)</td>"
                body += "<td class=\"n\">\(entry.revision)</td><td>\(HTML.escape(timeZone.map { VietnameseTime.time(utc: entry.dataThrough, in: $0) } ?? entry.dataThrough))</td>"
                body += "<td><a href=\"\(path)/summary.csv\">CSV</a> · <a href=\"\(path)/summary.json\">JSON</a></td></tr>"
            }
            body += "</tbody></table></section>"
        }
        var roundsSection = ""
        if let rounds, !rounds.isEmpty {
            roundsSection = "<section><h2>Đợt điều tra</h2><table><thead><tr><th>Đợt</th><th>Thời gian</th><th>Trạng thái</th><th class=\"n\">Đã nhận / chỉ tiêu</th><th class=\"n\">Đơn vị đã báo cáo</th><th class=\"n\">Cần chú ý</th><th>Tệp</th></tr></thead><tbody>"
            for round in rounds {
                let path = HTML.escape(round.path)
                let phase = round.phase == "open" ? "Đang thu thập" : round.phase == "upcoming" ? "Chưa bắt đầu" : "Đã kết thúc"
                let percent = round.completion.map { " (" + ReportHTML.number($0 * 100) + "%)" } ?? ""
                roundsSection += "<tr><td><a href=\"\(path)/progress.html\">\(HTML.escape(round.code))</a><br><span class=\"muted\">\(HTML.escape(round.title))</span></td>"
                roundsSection += "<td>\(HTML.escape(round.from))–\(HTML.escape(round.to)), hạn \(HTML.escape(round.reportBy))</td><td>\(phase)\(round.configured ? "" : " <span class=\"muted\">(không còn trong cấu hình)</span>")</td>"
                roundsSection += "<td class=\"n\">\(round.received)/\(round.target)\(percent)</td><td class=\"n\">\(round.unitsReported)/\(round.unitsExpected)</td><td class=\"n\">\(round.unitsNeedingAttention)</td>"
                let results = round.results.map { "<a href=\"\(HTML.escape($0))\"><strong>Kết quả</strong></a> · " } ?? ""
                roundsSection += "<td>\(results)<a href=\"\(path)/progress.csv\">CSV</a> · <a href=\"\(path)/progress.json\">JSON</a></td></tr>"
            }
            roundsSection += "</tbody></table></section>"
        }
        var note = ""
        if let release, release.policy == "closed" {
            note += release.calendarHTML()
        }
        if let waiting = awaitingApproval, waiting.batches > 0 {
            note += "<p class=\"note\">\(waiting.batches) lô (\(waiting.responses) ý kiến) đang chờ duyệt và chưa được tính trong các số liệu dưới đây.</p>"
        }
        if let held = heldBack, held.added + held.removed > 0 {
            var parts: [String] = []
            if held.added > 0 { parts.append("\(held.added) ý kiến gửi muộn") }
            if held.removed > 0 { parts.append("\(held.removed) ý kiến đã rút") }
            let periods = held.periods.map { VietnameseTime.period(String($0.split(separator: "/").last ?? ""), capitalized: false) }
            note += "<p class=\"note\">\(parts.joined(separator: " và ")) của các kỳ đã công bố (\(HTML.escape(periods.joined(separator: ", ")))) đang được giữ lại\(held.since.map { ", gửi đến sau lần công bố lúc " + HTML.escape(VietnameseTime.time(utc: $0, in: timeZone ?? .gmt)) } ?? "")\(held.nextRevision.map { ", chờ lần công bố lại theo lịch (mỗi ngày một lần) từ " + HTML.escape(VietnameseTime.time(utc: $0, in: timeZone ?? .gmt)) } ?? ""), chưa tính vào số liệu: chưa có cách công bố chúng mà không làm lộ nhóm người trả lời dưới ngưỡng tối thiểu. Chúng được thử lại ở mỗi lần công bố và được tính ngay khi công bố được an toàn (thường là khi đơn vị gửi thêm ý kiến cho cùng nhóm, đủ ngưỡng); mọi thay đổi khác vẫn được công bố như thường.</p>"
        }
        return Data(HTML.page(title: title, body: "<h1>\(HTML.escape(title))</h1>" + leading + note + roundsSection + body).utf8)
    }
}

extension SummaryIndex.Release {
    /// The front page's "Lịch công bố" (closed release only): the grace days, and the day the next
    /// period of each published granularity will appear.
    func calendarHTML() -> String {
        var html = "<section class=\"calendar\"><h2>Lịch công bố</h2>"
        var wait = ""
        if let byPeriod = graceDaysByPeriod, !byPeriod.isUniform {
            let published = (next ?? []).map(\.kind)
            let kinds = published.isEmpty ? PeriodKind.allCases : published
            wait = "khi hết hạn báo cáo của các đơn vị, sau khi kết thúc: " + kinds.map { "\(HTML.kindName($0).lowercased()) \(byPeriod[$0]) ngày" }.joined(separator: ", ")
        } else if let days = graceDays {
            wait = "sau khi kết thúc \(days) ngày (hạn báo cáo của các đơn vị)"
        }
        if !wait.isEmpty {
            html += "<p class=\"muted\">Mỗi kỳ được công bố \(HTML.escape(wait)), với mọi ý kiến đã nhận đến lúc đó; ý kiến gửi muộn hoặc bị rút lại được đưa vào lần công bố lại (phiên bản mới) của mọi kỳ liên quan, vẫn bảo vệ nhóm nhỏ.</p>"
        }
        if let next, !next.isEmpty {
            html += "<ul>"
            for upcoming in next {
                let day = LocalDate(iso: upcoming.date).map(VietnameseTime.date) ?? upcoming.date
                html += "<li>\(HTML.escape(VietnameseTime.period(upcoming.period, capitalized: true))): ngày \(HTML.escape(day))</li>"
            }
            html += "</ul>"
        }
        return html + "</section>"
    }
}
