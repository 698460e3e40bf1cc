import Foundation
import SurveyCSV
import SurveyModel

/// The result of an upload, as the collaborator's page shows it.
public enum UploadResult: Sendable, Equatable {
    /// Stored now: `responses` in batch `batch`.
    case accepted(responses: Int, batch: String)
    /// The same file (the same responses) was stored before, at `receivedAt`.
    case alreadyReceived(responses: Int, batch: String, receivedAt: String)
    /// Stored, but it counts once an administrator approves it.
    case held(responses: Int, batch: String)
    /// Nothing stored: every problem with its place (`Phiếu!C7`, or a CSV line).
    case problems([Problem])
    /// Nothing stored, for a reason that concerns the whole file (too large, not a workbook, a
    /// conflict with an earlier batch, retracted).
    case refused(String)
    /// Nothing stored: surveyd could not be reached or its storage failed; sending again is safe.
    case unavailable(String)

    public struct Problem: Sendable, Equatable {
        public var place: String
        public var message: String

        public init(place: String, message: String) {
            self.place = place
            self.message = message
        }
    }
}

/// A unit's progress in an open round, shown after an upload.
public struct RoundLine: Sendable, Equatable {
    public var title: String
    public var received: Int
    public var target: Int?
    /// When the figures were published (the round's progress is republished after batches).
    public var asOf: String?
    /// Responses of the file just stored that belong to the round, counted in ``received``'s
    /// total on the page although the published figures do not hold them yet.
    public var thisFile: Int

    public init(title: String, received: Int, target: Int?, asOf: String? = nil, thisFile: Int = 0) {
        self.title = title
        self.received = received
        self.target = target
        self.asOf = asOf
        self.thisFile = thisFile
    }
}

/// The web service's own pages: plain HTML, no script, readable on a phone, in Vietnamese or
/// English. The summaries themselves are the publisher's files, which nginx serves.
public struct WebPages: Sendable {
    public var language: Messages.Language
    public var title: String

    public init(language: Messages.Language, title: String) {
        self.language = language
        self.title = title
    }

    private var vi: Bool { language == .vietnamese }

    /// The sign-in page: administrators by name and password, collaborators by id and token.
    public func signIn(csrf: String, error: String? = nil) -> String {
        let lang = vi ? "" : "?lang=en"
        return page(vi ? "Đăng nhập" : "Sign in", body: """
        \(error.map { "<p class=\"error\" role=\"alert\">\(escape($0))</p>" } ?? "")
        <section>
        <h2>\(vi ? "Quản trị viên" : "Administrators")</h2>
        <form method="post" action="/app/signin\(lang)">
        <input type="hidden" name="csrf" value="\(escape(csrf))">
        <input type="hidden" name="kind" value="administrator">
        <label>\(vi ? "Tên đăng nhập" : "Account name")<input name="name" autocomplete="username" required maxlength="64"></label>
        <label>\(vi ? "Mật khẩu" : "Password")<input name="password" type="password" autocomplete="current-password" required maxlength="256"></label>
        <button type="submit">\(vi ? "Đăng nhập" : "Sign in")</button>
        </form>
        </section>
        <section>
        <h2>\(vi ? "Cộng tác viên" : "Collaborators")</h2>
        <form method="post" action="/app/signin\(lang)">
        <input type="hidden" name="csrf" value="\(escape(csrf))">
        <input type="hidden" name="kind" value="collaborator">
        <label>\(vi ? "Mã cộng tác viên" : "Collaborator id")<input name="collaborator" inputmode="numeric" required maxlength="19"></label>
        <label>\(vi ? "Mã truy cập (token)" : "Token")<input name="token" type="password" autocomplete="current-password" required maxlength="128"></label>
        <button type="submit">\(vi ? "Đăng nhập" : "Sign in")</button>
        </form>
        </section>
        <p class="lang"><a href="/app/signin?lang=\(vi ? "en" : "vi")">\(vi ? "English" : "Tiếng Việt")</a></p>
        """)
    }

    /// An administrator's start page: where their summaries are, and sign-out.
    public func administratorHome(name: String, scope: Scope, unitName: String?, csrf: String) -> String {
        let whose: String
        switch scope {
        case .province: whose = vi ? "toàn tỉnh" : "the whole province"
        case let .unit(code): whose = (vi ? "đơn vị " : "unit ") + (unitName.map { "\($0) (\(code))" } ?? code)
        }
        return page(vi ? "Quản trị" : "Administration", body: """
        <p>\(vi ? "Đã đăng nhập" : "Signed in as") <strong>\(escape(name))</strong>, \(vi ? "phạm vi" : "scope"): \(escape(whose)).</p>
        <p><a class="button" href="\(escape(scope.home))">\(vi ? "Mở bản tóm tắt" : "Open the summaries")</a></p>
        \(signOut(csrf: csrf))
        """)
    }

    /// A collaborator's page: the workbook to download, the upload form, and the last result.
    public func collaboratorHome(id: Int64, unit: String, unitName: String?, csrf: String, result: UploadResult? = nil, rounds: [RoundLine] = []) -> String {
        let lang = vi ? "" : "?lang=en"
        return page(vi ? "Gửi phiếu" : "Send responses", body: """
        <p>\(vi ? "Cộng tác viên" : "Collaborator") <strong>\(id)</strong>, \(vi ? "đơn vị" : "unit") \(escape(unitName.map { "\($0) (\(unit))" } ?? unit)).</p>
        \(result.map(self.result) ?? "")
        \(rounds.isEmpty ? "" : roundTable(rounds))
        <section>
        <h2>\(vi ? "1. Tải mẫu phiếu" : "1. Download the workbook")</h2>
        <p><a class="button" href="/app/collaborator/workbook.xlsx">\(vi ? "Tải tệp Excel của đơn vị" : "Download your unit's Excel workbook")</a></p>
        </section>
        <section>
        <h2>\(vi ? "2. Gửi tệp đã điền" : "2. Send the filled-in file")</h2>
        <form method="post" action="/app/collaborator/upload\(lang)" enctype="multipart/form-data">
        <input type="hidden" name="csrf" value="\(escape(csrf))">
        <label>\(vi ? "Tệp Excel (.xlsx) hoặc CSV" : "Excel workbook (.xlsx) or CSV file")<input type="file" name="file" accept=".xlsx,.csv" required></label>
        <button type="submit">\(vi ? "Gửi" : "Send")</button>
        </form>
        <p class="note">\(vi ? "Gửi lại cùng một tệp không bao giờ bị tính hai lần." : "Sending the same file again never counts twice.")</p>
        </section>
        \(signOut(csrf: csrf))
        """)
    }

    /// A page that says what went wrong and where to go on.
    public func message(_ heading: String, _ text: String, link: (href: String, label: String)? = nil) -> String {
        page(heading, body: """
        <p class="error" role="alert">\(escape(text))</p>
        \(link.map { "<p><a class=\"button\" href=\"\(escape($0.href))\">\(escape($0.label))</a></p>" } ?? "")
        """)
    }

    func result(_ result: UploadResult) -> String {
        switch result {
        case let .accepted(responses, batch):
            return "<p class=\"ok\" role=\"status\">" + (vi ? "Đã nhận \(responses) ý kiến (lô \(escape(batch)))." : "Accepted: \(responses) \(responses == 1 ? "response" : "responses") (batch \(escape(batch)))." ) + "</p>"
        case let .alreadyReceived(responses, batch, receivedAt):
            return "<p class=\"ok\" role=\"status\">" + (vi
                ? "Đã nhận từ trước: \(responses) ý kiến của tệp này (lô \(escape(batch))) đã được lưu lúc \(escape(receivedAt)). Không tính hai lần."
                : "Already received: the \(responses) \(responses == 1 ? "response" : "responses") of this file (batch \(escape(batch))) were stored at \(escape(receivedAt)). Nothing is counted twice.") + "</p>"
        case let .held(responses, batch):
            return "<p class=\"ok\" role=\"status\">" + (vi
                ? "Đã nhận \(responses) ý kiến (lô \(escape(batch))); chờ quản trị viên duyệt mới được tính."
                : "Received \(responses) \(responses == 1 ? "response" : "responses") (batch \(escape(batch))); they count once an administrator approves them.") + "</p>"
        case let .problems(problems):
            let rows = problems.map { "<tr><td>\(escape($0.place))</td><td>\(escape($0.message))</td></tr>" }.joined(separator: "\n")
            return """
            <div class="error" role="alert"><p>\(vi ? "Chưa lưu gì: tệp có \(problems.count) lỗi. Hãy sửa rồi gửi lại." : "Nothing stored: the file has \(problems.count) \(problems.count == 1 ? "problem" : "problems"). Fix \(problems.count == 1 ? "it" : "them") and send it again.")</p>
            <table><thead><tr><th>\(vi ? "Ô / dòng" : "Cell / line")</th><th>\(vi ? "Lỗi" : "Problem")</th></tr></thead><tbody>
            \(rows)
            </tbody></table></div>
            """
        case let .refused(reason):
            return "<p class=\"error\" role=\"alert\">" + (vi ? "Chưa lưu gì: " : "Nothing stored: ") + escape(reason) + "</p>"
        case let .unavailable(reason):
            return "<p class=\"error\" role=\"alert\">" + (vi ? "Chưa lưu gì, hãy gửi lại sau (không sợ tính trùng): " : "Nothing stored; send it again later (it never counts twice): ") + escape(reason) + "</p>"
        }
    }

    func roundTable(_ rounds: [RoundLine]) -> String {
        let rows = rounds.map { line in
            let received = line.thisFile > 0 ? "\(line.received + line.thisFile) <span class=\"note\">(\(vi ? "gồm" : "with") \(line.thisFile) \(vi ? "của tệp này" : "from this file"))</span>" : "\(line.received)"
            return "<tr><td>\(escape(line.title))</td><td class=\"n\">\(received)</td><td class=\"n\">\(line.target.map(String.init) ?? "–")</td></tr>"
        }.joined(separator: "\n")
        return """
        <section><h2>\(vi ? "Tiến độ đợt điều tra của đơn vị" : "Your unit's progress in open rounds")</h2>
        <table><thead><tr><th>\(vi ? "Đợt" : "Round")</th><th>\(vi ? "Đã nhận" : "Received")</th><th>\(vi ? "Chỉ tiêu" : "Target")</th></tr></thead><tbody>
        \(rows)
        </tbody></table>
        <p class="note">\(vi ? "Theo số liệu công bố gần nhất" : "As last published")\(rounds.compactMap(\.asOf).max().map { " (\(escape($0)))" } ?? ""); \(vi ? "cộng thêm các ý kiến của tệp vừa gửi thuộc đợt." : "plus the responses of the file just sent that belong to the round.")</p></section>
        """
    }

    func signOut(csrf: String) -> String {
        """
        <form method="post" action="/app/signout" class="signout">
        <input type="hidden" name="csrf" value="\(escape(csrf))">
        <button type="submit">\(vi ? "Đăng xuất" : "Sign out")</button>
        </form>
        """
    }

    func page(_ heading: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="\(language.rawValue)">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(heading)) – \(escape(title))</title>
        <style>
        body{font-family:system-ui,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0 auto;max-width:40rem;padding:1rem;line-height:1.45;color:#1a1a1a}
        h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.5rem}
        label{display:block;margin:.6rem 0}input{display:block;width:100%;box-sizing:border-box;font-size:1rem;padding:.5rem;margin-top:.2rem}
        button,.button{display:inline-block;font-size:1rem;padding:.55rem 1rem;background:#8b0000;color:#fff;border:0;border-radius:4px;text-decoration:none}
        .signout button{background:#555}.error{color:#8b0000;font-weight:600}.ok{color:#0b5d1e;font-weight:600}.note{color:#555}
        table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.3rem;text-align:left}.n{text-align:right}
        section{border-top:1px solid #ddd;margin-top:1rem}
        </style>
        </head>
        <body>
        <header><p>\(escape(title))</p><h1>\(escape(heading))</h1></header>
        \(body)
        </body>
        </html>

        """
    }

    /// Text safe inside HTML elements and quoted attributes.
    public func escape(_ text: String) -> String {
        text.markupEscaped
    }
}
