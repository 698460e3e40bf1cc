import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SurveyAccounts
import SurveyCSV
import SurveyClient
import SurveyConfig
import SurveyModel
import SurveyProtocol
import SurveyWeb

/// The routes of the web service. nginx sends it `/_auth` (may this browser read that summary
/// file?) and everything under `/app/`; it never serves a summary file itself.
struct WebService: Sendable {
    static let defaultMaxUploadBytes = 16 << 20
    static let sessionCookie = "surveyd_session"
    static let signInCookie = "surveyd_signin"
    static let originalURI = HTTPField.Name("X-Original-URI")!
    static let realIP = HTTPField.Name("X-Real-IP")!

    var configuration: Configuration
    var accounts: AccountStore
    var check: CollaboratorCheck
    var state: WebState
    var maxUploadBytes: Int
    var logger: Logger
    var title = "Điều tra dư luận xã hội – surveyd"

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(SecurityHeaders())
        router.get("/_auth") { request, _ in await authorise(request) }
        router.get("/app") { request, _ in await home(request) }
        router.get("/app/signin") { request, _ in await signInPage(request) }
        router.post("/app/signin") { request, _ in await signIn(request) }
        router.post("/app/signout") { request, _ in await signOut(request) }
        router.get("/app/forbidden") { request, _ in
            page(request, status: .forbidden, pages(request).message(
                say(request, "Không được phép", "Forbidden"),
                say(request, "Trang này nằm ngoài phạm vi tài khoản của bạn.", "This page is outside your account's scope."),
                link: ("/app/", say(request, "Về trang của bạn", "Back to your page"))
            ))
        }
        router.get("/app/collaborator") { request, _ in await collaboratorHome(request) }
        router.get("/app/collaborator/workbook.xlsx") { request, _ in await workbook(request) }
        router.post("/app/collaborator/upload") { request, _ in await upload(request) }
        return router
    }

    // MARK: - nginx's question

    /// 200 when the signed-in administrator may read `X-Original-URI`, 401 when nobody is signed
    /// in (nginx then sends the sign-in page), 403 outside the account's scope.
    func authorise(_ request: Request) async -> Response {
        let uri = request.headers[WebService.originalURI] ?? "/"
        guard let session = await liveSession(request) else { return Response(status: .unauthorized) }
        guard case let .administrator(name, scope, _) = session.principal else {
            refused(request, "collaborators read no summary files", uri: uri)
            return Response(status: .forbidden)
        }
        switch SummaryAccess.decide(uri: uri, scope: scope) {
        case .allow:
            return Response(status: .ok)
        case .signIn:
            return Response(status: .unauthorized)
        case .forbidden:
            refused(request, "outside the account's scope", uri: uri, account: name)
            return Response(status: .forbidden)
        }
    }

    // MARK: - Pages

    func home(_ request: Request) async -> Response {
        guard let session = await liveSession(request) else { return redirect("/app/signin" + langSuffix(request)) }
        switch session.principal {
        case let .administrator(name, scope, _):
            let unitName: String? = if case let .unit(code) = scope { configuration.catalog.unit(code)?.name } else { nil }
            return page(request, pages(request).administratorHome(name: name, scope: scope, unitName: unitName, csrf: session.csrf))
        case .collaborator:
            return redirect("/app/collaborator" + langSuffix(request))
        }
    }

    func signInPage(_ request: Request, error: String? = nil, status: HTTPResponse.Status = .ok) async -> Response {
        // The form's secret is the sign-in cookie's: kept while the browser has one, so that a
        // second page load (another tab, the browser asking for a favicon) does not void the first.
        let existing = request.cookies[WebService.signInCookie]?.value ?? ""
        let secret = existing.count == 64 && existing.allSatisfy(\.isHexDigit) ? existing : await state.newSecret()
        var error = error
        var ended = false
        // A session cookie that no longer opens a session: it expired, or it was ended.
        if let token = request.cookies[WebService.sessionCookie]?.value, !token.isEmpty, await state.use(token) == nil {
            ended = true
            error = error ?? say(request, "Phiên đăng nhập đã hết hạn hoặc đã kết thúc; hãy đăng nhập lại.", "Your session has expired or was ended; sign in again.")
        }
        var response = page(request, status: status, pages(request).signIn(csrf: secret, error: error))
        response.headers.append(HTTPField(name: .setCookie, value: WebService.cookie(WebService.signInCookie, secret, path: "/app/", maxAge: 3600)))
        if ended { response.headers.append(HTTPField(name: .setCookie, value: WebService.cookie(WebService.sessionCookie, "", path: "/", maxAge: 0))) }
        return response
    }

    func signIn(_ request: Request) async -> Response {
        let address = request.headers[WebService.realIP] ?? "local"
        guard let form = await form(request) else {
            return page(request, status: .badRequest, pages(request).message(say(request, "Yêu cầu không hợp lệ", "Bad request"), say(request, "Biểu mẫu không đọc được.", "The form could not be read."), link: ("/app/signin", say(request, "Đăng nhập", "Sign in"))))
        }
        guard let cookie = request.cookies[WebService.signInCookie]?.value, let sent = form["csrf"], SessionBook.constantTimeEqual(cookie, sent) else {
            refused(request, "sign-in form without its CSRF token", uri: "/app/signin")
            return await signInPage(request, error: say(request, "Biểu mẫu đã hết hạn; hãy đăng nhập lại.", "The form has expired; sign in again."), status: .forbidden)
        }
        let collaborator = form["kind"] == "collaborator"
        guard await state.mayTry(address, collaborator: collaborator) else {
            logger.warning("sign-in locked out", metadata: ["address": "\(address)", "reason": "too many failed sign-ins from this address"])
            return await signInPage(request, error: say(request, "Quá nhiều lần đăng nhập sai; hãy thử lại sau 15 phút.", "Too many failed sign-ins; try again in 15 minutes."), status: .tooManyRequests)
        }
        if collaborator {
            return await signInCollaborator(request, form: form, address: address)
        }
        let name = form["name"] ?? ""
        let outcome: SignInOutcome
        do {
            outcome = try accounts.signIn(name: name, password: form["password"] ?? "")
        } catch {
            logger.error("sign-in failed", metadata: ["address": "\(address)", "account": "\(Reply.printable(name))", "reason": "accounts file: \(error)"])
            return await signInPage(request, error: say(request, "Máy chủ đang bận; hãy thử lại.", "The server is busy; try again."), status: .serviceUnavailable)
        }
        switch outcome {
        case let .signedIn(account):
            await state.succeeded(address)
            let session = await state.open(.administrator(name: account.name, scope: account.scope, generation: account.generation))
            logger.info("signed in", metadata: ["account": "\(account.name)", "scope": "\(account.scope)", "address": "\(address)"])
            return signedIn(session, to: account.scope.home)
        case .refused:
            await state.failed(address, collaborator: false)
            logger.warning("sign-in failed", metadata: ["address": "\(address)", "account": "\(Reply.printable(name))", "reason": "wrong name or password"])
            return await signInPage(request, error: say(request, "Sai tên đăng nhập hoặc mật khẩu.", "Wrong account name or password."), status: .unauthorized)
        case let .locked(until):
            await state.failed(address, collaborator: false)
            logger.warning("sign-in locked out", metadata: ["address": "\(address)", "account": "\(Reply.printable(name))", "until": "\(until)"])
            return await signInPage(request, error: say(request, "Tài khoản tạm khoá do đăng nhập sai nhiều lần; hãy thử lại sau 15 phút.", "The account is locked after too many failed sign-ins; try again in 15 minutes."), status: .tooManyRequests)
        }
    }

    func signInCollaborator(_ request: Request, form: FormFields, address: String) async -> Response {
        let idText = (form["collaborator"] ?? "").trimmingCharacters(in: .whitespaces)
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespaces)
        guard idText.allSatisfy(\.isASCII), let id = Int64(idText), id > 0, WebService.isPlausibleToken(token) else {
            await state.failed(address, collaborator: false)
            logger.warning("sign-in failed", metadata: ["address": "\(address)", "collaborator": "\(Reply.printable(idText))", "reason": "malformed id or token"])
            return await signInPage(request, error: say(request, "Sai mã cộng tác viên hoặc mã truy cập.", "Wrong collaborator id or token."), status: .unauthorized)
        }
        switch await check.check(id: id, token: token) {
        case let .accepted(unit):
            await state.succeeded(address)
            let session = await state.open(.collaborator(id: id, unit: unit, token: token))
            logger.info("signed in", metadata: ["collaborator": "\(id)", "unit": "\(unit)", "address": "\(address)"])
            return signedIn(session, to: "/app/collaborator" + langSuffix(request))
        case .refused, .revoked:
            await state.failed(address, collaborator: true)
            logger.warning("sign-in failed", metadata: ["address": "\(address)", "collaborator": "\(id)", "reason": "surveyd refused the id and token"])
            return await signInPage(request, error: say(request, "Sai mã cộng tác viên hoặc mã truy cập.", "Wrong collaborator id or token."), status: .unauthorized)
        case let .unavailable(reason):
            logger.error("sign-in failed", metadata: ["address": "\(address)", "collaborator": "\(id)", "reason": "surveyd unavailable: \(reason)"])
            return await signInPage(request, error: say(request, "Máy chủ thu thập tạm thời không trả lời; hãy thử lại sau.", "The collection server is not answering; try again later."), status: .serviceUnavailable)
        }
    }

    func signOut(_ request: Request) async -> Response {
        guard let session = await liveSession(request) else { return redirect("/app/signin") }
        guard let form = await form(request), let sent = form["csrf"], SessionBook.constantTimeEqual(sent, session.csrf) else {
            refused(request, "form without its CSRF token", uri: "/app/signout")
            return page(request, status: .forbidden, pages(request).message(say(request, "Không được phép", "Forbidden"), say(request, "Biểu mẫu thiếu mã bảo vệ; hãy tải lại trang.", "The form lacks its protection token; reload the page."), link: ("/app/", say(request, "Về trang của bạn", "Back to your page"))))
        }
        await state.close(session.token)
        var response = redirect("/app/signin" + langSuffix(request))
        response.headers.append(HTTPField(name: .setCookie, value: WebService.cookie(WebService.sessionCookie, "", path: "/", maxAge: 0)))
        return response
    }

    // MARK: - Collaborators

    /// A collaborator's request: signed in, or the response to send instead.
    enum Signed {
        case success((WebSession, id: Int64, unit: String, token: String))
        case failure(Response)
    }

    /// The collaborator's live session, checked with surveyd (a revoked collaborator's session
    /// ends at once), or the response to send instead.
    func collaborator(_ request: Request) async -> Signed {
        guard let session = await liveSession(request) else { return .failure(redirect("/app/signin" + langSuffix(request))) }
        guard case let .collaborator(id, unit, token) = session.principal else {
            refused(request, "an administrator on a collaborator's page", uri: request.uri.path)
            return .failure(redirect("/app/"))
        }
        switch await check.check(id: id, token: token) {
        case .accepted:
            return .success((session, id, unit, token))
        case .refused, .revoked:
            await state.closeCollaborator(id)
            logger.notice("request refused", metadata: ["collaborator": "\(id)", "reason": "surveyd no longer accepts the token: session ended"])
            return .failure(await signInPage(request, error: say(request, "Phiên đã kết thúc: mã truy cập không còn hiệu lực.", "Your session has ended: the token is no longer valid."), status: .unauthorized))
        case let .unavailable(reason):
            logger.error("request refused", metadata: ["collaborator": "\(id)", "reason": "surveyd unavailable: \(reason)"])
            return .failure(page(request, status: .serviceUnavailable, pages(request).message(say(request, "Tạm thời không gửi được", "Temporarily unavailable"), say(request, "Máy chủ thu thập tạm thời không trả lời; hãy thử lại sau.", "The collection server is not answering; try again later."), link: ("/app/collaborator", say(request, "Thử lại", "Try again")))))
        }
    }

    func collaboratorHome(_ request: Request, result: UploadResult? = nil, status: HTTPResponse.Status = .ok) async -> Response {
        switch await collaborator(request) {
        case let .failure(response):
            return response
        case let .success((session, id, unit, _)):
            return page(request, status: status, pages(request).collaboratorHome(
                id: id, unit: unit, unitName: configuration.catalog.unit(unit)?.name, csrf: session.csrf, result: result,
                rounds: result == nil ? [] : roundLines(unit: unit)
            ))
        }
    }

    func workbook(_ request: Request) async -> Response {
        switch await collaborator(request) {
        case let .failure(response):
            return response
        case let .success((_, _, unit, _)):
            do {
                let template = try configuration.template(unit: unit, today: LocalDate(instant: Date(), in: configuration.timeZone))
                let data = try template.data()
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        .contentDisposition: "attachment; filename=\"phieu-\(template.unitCode).xlsx\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(bytes: data))
                )
            } catch {
                logger.error("request refused", metadata: ["unit": "\(unit)", "reason": "workbook: \(error)"])
                return page(request, status: .internalServerError, pages(request).message(say(request, "Lỗi", "Error"), say(request, "Không tạo được tệp mẫu.", "The workbook could not be made.")))
            }
        }
    }

    func upload(_ request: Request) async -> Response {
        let (session, id, unit, token): (WebSession, Int64, String, String)
        switch await collaborator(request) {
        case let .failure(response): return response
        case let .success(found): (session, id, unit, token) = found
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxUploadBytes + 65_536 {
            return tooLarge(request)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxUploadBytes + 65_536)
        } catch {
            return tooLarge(request)
        }
        guard case let .success(boundary) = Multipart.boundary(contentType: request.headers[.contentType] ?? ""),
              let form = try? Multipart(body: Array(buffer: body), boundary: boundary)
        else {
            return await collaboratorHome(request, result: .refused(say(request, "biểu mẫu gửi lên không đọc được.", "the form sent could not be read.")), status: .badRequest)
        }
        guard let sent = form.text("csrf"), SessionBook.constantTimeEqual(sent, session.csrf) else {
            refused(request, "upload without its CSRF token", uri: "/app/collaborator/upload", collaborator: id)
            return page(request, status: .forbidden, pages(request).message(say(request, "Không được phép", "Forbidden"), say(request, "Biểu mẫu thiếu mã bảo vệ; hãy tải lại trang rồi gửi lại. Chưa lưu gì.", "The form lacks its protection token; reload the page and send again. Nothing was stored."), link: ("/app/collaborator", say(request, "Trang gửi phiếu", "Send responses"))))
        }
        guard let file = form.part("file"), !file.data.isEmpty else {
            return await collaboratorHome(request, result: .refused(say(request, "chưa chọn tệp.", "no file was chosen.")), status: .badRequest)
        }
        guard file.data.count <= maxUploadBytes else { return tooLarge(request) }
        let messages = Messages(language(request))
        let data = Data(file.data)
        let known = configuration.knownChoices
        let read = await BatchFile.read { () throws(BatchFile.Problem) in try BatchFile(upload: data, known: known) }
        let batch: BatchFile
        switch read {
        case nil:
            return await finish(request, id: id, unit: unit, .refused(messages(.readTimeout, count: BatchFile.readingSeconds)))
        case let .failure(problem):
            return await finish(request, id: id, unit: unit, .problems([.init(place: place(problem.place, request), message: messages.problem(problem))]))
        case let .success(found):
            batch = found
        }
        if !batch.problems.isEmpty {
            return await finish(request, id: id, unit: unit, .problems(batch.problems.map { .init(place: place($0.place, request), message: messages.problem($0)) }))
        }
        let submission = Submission(host: check.host, port: check.port, collaboratorID: id, token: token, attempts: 2, firstDelay: .seconds(1), timeout: .seconds(60), tls: check.tls)
        let batchID = batch.batchID(collaboratorID: id)
        let result: UploadResult
        switch await submission.run(batch) {
        case let .accepted(reply):
            result = reply.status == "2.6.4" ? .held(responses: batch.rows.count, batch: batchID) : .accepted(responses: batch.rows.count, batch: batchID)
        case let .alreadyReceived(reply):
            result = .alreadyReceived(responses: batch.rows.count, batch: batchID, receivedAt: Submission.receivedAt(in: reply) ?? "?")
        case let .rejected(reply, lineErrors):
            if lineErrors.isEmpty {
                result = .refused(reply.lines.joined(separator: " "))
            } else {
                result = .problems(lineErrors.map { entry in
                    let field = BatchFile.Field(name: entry.error.field)
                    return .init(place: place(entry.row?.place(of: field), request), message: "\(field.map(messages.name(of:)) ?? entry.error.field): \(entry.error.reason)")
                })
            }
        case .notPermitted:
            await state.closeCollaborator(id)
            return await signInPage(request, error: say(request, "Phiên đã kết thúc: mã truy cập không còn hiệu lực. Chưa lưu gì.", "Your session has ended: the token is no longer valid. Nothing was stored."), status: .unauthorized)
        case let .gaveUp(lastError):
            result = .unavailable(lastError)
        case let .tlsFailed(message):
            result = .unavailable(message)
        }
        return await finish(request, id: id, unit: unit, result)
    }

    /// Where a problem is, as the page says it: `Phiếu!C7` in a workbook, `dòng 4` (line 4) in a CSV file.
    func place(_ place: BatchFile.Place?, _ request: Request) -> String {
        guard let place else { return say(request, "tệp", "file") }
        return place.sheet == nil ? say(request, "dòng \(place.line)", "line \(place.line)") : place.description
    }

    /// Logs an upload's result and shows it on the collaborator's page.
    func finish(_ request: Request, id: Int64, unit: String, _ result: UploadResult) async -> Response {
        let status: HTTPResponse.Status
        switch result {
        case let .accepted(responses, batch), let .held(responses, batch), let .alreadyReceived(responses, batch, _):
            logger.info("upload accepted", metadata: ["collaborator": "\(id)", "unit": "\(unit)", "batch": "\(batch)", "responses": "\(responses)"])
            status = .ok
        case let .problems(problems):
            logger.notice("upload refused", metadata: ["collaborator": "\(id)", "unit": "\(unit)", "problems": "\(problems.count)"])
            status = .unprocessableContent
        case let .refused(reason):
            logger.notice("upload refused", metadata: ["collaborator": "\(id)", "unit": "\(unit)", "reason": "\(reason)"])
            status = .unprocessableContent
        case let .unavailable(reason):
            logger.error("upload refused", metadata: ["collaborator": "\(id)", "unit": "\(unit)", "reason": "surveyd unavailable: \(reason)"])
            status = .serviceUnavailable
        }
        return await collaboratorHome(request, result: result, status: status)
    }

    /// The unit's figures in the rounds open today, from their published progress files.
    func roundLines(unit: String) -> [RoundLine] {
        let today = LocalDate(instant: Date(), in: configuration.timeZone)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return configuration.rounds.filter { $0.from <= today && today <= $0.reportBy }.compactMap { round in
            guard let data = FileManager.default.contents(atPath: "\(configuration.summariesDirectory)/rounds/\(round.code)/progress.json"),
                  let progress = try? decoder.decode(RoundProgress.self, from: data),
                  let line = progress.units.first(where: { $0.unit == unit })
            else { return RoundLine(title: round.title, received: 0, target: nil) }
            return RoundLine(title: round.title, received: line.received, target: line.target)
        }
    }

    func tooLarge(_ request: Request) -> Response {
        let megabytes = maxUploadBytes >> 20
        return page(request, status: .contentTooLarge, pages(request).message(
            say(request, "Tệp quá lớn", "File too large"),
            say(request, "Tệp vượt quá \(megabytes) MB nên chưa được lưu. Hãy chia thành nhiều tệp nhỏ hơn.", "The file is larger than \(megabytes) MB and was not stored. Split it into smaller files."),
            link: ("/app/collaborator", say(request, "Trang gửi phiếu", "Send responses"))
        ))
    }

    // MARK: - Helpers

    /// The request's live session: for an administrator, only while the account exists with the
    /// same password generation (removing an account or changing its password ends it at once).
    func liveSession(_ request: Request) async -> WebSession? {
        guard let token = request.cookies[WebService.sessionCookie]?.value, !token.isEmpty, let session = await state.use(token) else { return nil }
        if case let .administrator(name, _, generation) = session.principal {
            guard let account = try? accounts.account(name), account.generation == generation else {
                await state.close(token)
                return nil
            }
        }
        return session
    }

    func form(_ request: Request) async -> FormFields? {
        var request = request
        guard let body = try? await request.collectBody(upTo: 16_384) else { return nil }
        return FormFields(urlEncoded: Array(buffer: body))
    }

    func signedIn(_ session: WebSession, to location: String) -> Response {
        var response = redirect(location)
        response.headers.append(HTTPField(name: .setCookie, value: WebService.cookie(WebService.sessionCookie, session.token, path: "/", maxAge: nil)))
        response.headers.append(HTTPField(name: .setCookie, value: WebService.cookie(WebService.signInCookie, "", path: "/app/", maxAge: 0)))
        return response
    }

    /// A cookie only this site's pages send back, never to scripts, only over HTTPS.
    static func cookie(_ name: String, _ value: String, path: String, maxAge: Int?) -> String {
        "\(name)=\(value); Path=\(path); HttpOnly; Secure; SameSite=Strict" + (maxAge.map { "; Max-Age=\($0)" } ?? "")
    }

    /// A token as surveyctl makes them: 1 to 128 bytes of visible characters, no blank.
    static func isPlausibleToken(_ token: String) -> Bool {
        (1...128).contains(token.utf8.count) && token.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0.properties.generalCategory != .control }
    }

    func refused(_ request: Request, _ reason: String, uri: String, account: String? = nil, collaborator: Int64? = nil) {
        var metadata: Logger.Metadata = ["reason": "\(reason)", "uri": "\(Reply.printable(uri))", "address": "\(request.headers[WebService.realIP] ?? "local")"]
        if let account { metadata["account"] = "\(account)" }
        if let collaborator { metadata["collaborator"] = "\(collaborator)" }
        logger.notice("request refused", metadata: metadata)
    }

    func language(_ request: Request) -> Messages.Language {
        .forPage(query: request.uri.queryParameters.get("lang"), acceptLanguage: request.headers[.acceptLanguage])
    }

    func langSuffix(_ request: Request) -> String {
        request.uri.queryParameters.get("lang") == "en" ? "?lang=en" : ""
    }

    func say(_ request: Request, _ vietnamese: String, _ english: String) -> String {
        language(request) == .vietnamese ? vietnamese : english
    }

    func pages(_ request: Request) -> WebPages {
        WebPages(language: language(request), title: title)
    }

    func page(_ request: Request, status: HTTPResponse.Status = .ok, _ html: String) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

/// The headers every answer of the web service carries: no caching, no framing, no scripts, no
/// sniffing, no referrer.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-store"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return response
    }
}
