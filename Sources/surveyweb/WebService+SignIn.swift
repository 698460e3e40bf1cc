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

/// Signing in and out: administrators against the accounts file, collaborators against surveyd.
extension WebService {
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
}
