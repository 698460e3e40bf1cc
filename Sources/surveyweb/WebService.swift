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
