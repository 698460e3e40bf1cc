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

/// The collaborators' pages: the unit's workbook, the upload and its result.
extension WebService {
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

    func collaboratorHome(_ request: Request, result: UploadResult? = nil, stored: BatchFile? = nil, status: HTTPResponse.Status = .ok) async -> Response {
        switch await collaborator(request) {
        case let .failure(response):
            return response
        case let .success((session, id, unit, _)):
            return page(request, status: status, pages(request).collaboratorHome(
                id: id, unit: unit, unitName: configuration.catalog.unit(unit)?.name, csrf: session.csrf, result: result,
                rounds: result == nil ? [] : roundLines(unit: unit, adding: stored)
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
            if reply.status == "2.6.4" {
                result = .held(responses: batch.rows.count, batch: batchID)
            } else {
                return await finish(request, id: id, unit: unit, .accepted(responses: batch.rows.count, batch: batchID), stored: batch)
            }
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
    func finish(_ request: Request, id: Int64, unit: String, _ result: UploadResult, stored: BatchFile? = nil) async -> Response {
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
        return await collaboratorHome(request, result: result, stored: stored, status: status)
    }

    /// The unit's figures in the rounds open today, from their published progress files, with
    /// the responses of `stored` (a batch just stored, which the next publication counts) added.
    func roundLines(unit: String, adding stored: BatchFile? = nil) -> [RoundLine] {
        let today = LocalDate(instant: Date(), in: configuration.timeZone)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return configuration.rounds.filter { $0.from <= today && today <= $0.reportBy }.compactMap { round in
            guard let data = FileManager.default.contents(atPath: "\(configuration.summariesDirectory)/rounds/\(round.code)/progress.json"),
                  let progress = try? decoder.decode(RoundProgress.self, from: data),
                  let line = progress.units.first(where: { $0.unit == unit })
            else { return RoundLine(title: round.title, received: 0, target: nil, thisFile: WebService.responses(of: stored, in: round)) }
            return RoundLine(
                title: round.title, received: line.received, target: line.target, asOf: progress.asOf,
                thisFile: WebService.responses(of: stored, in: round)
            )
        }
    }

    /// How many of the batch's responses belong to the round (its topics, from `from` to `to`).
    static func responses(of batch: BatchFile?, in round: SurveyRound) -> Int {
        guard let batch else { return 0 }
        let topics = Set(round.topics.map { $0.uppercased() })
        return batch.rows.filter { row in
            guard row.fields.count == 4, let day = LocalDate(iso: row.fields[0]) else { return false }
            return topics.contains(row.fields[1].uppercased()) && round.from <= day && day <= round.to
        }.count
    }

    func tooLarge(_ request: Request) -> Response {
        let megabytes = maxUploadBytes >> 20
        return page(request, status: .contentTooLarge, pages(request).message(
            say(request, "Tệp quá lớn", "File too large"),
            say(request, "Tệp vượt quá \(megabytes) MB nên chưa được lưu. Hãy chia thành nhiều tệp nhỏ hơn.", "The file is larger than \(megabytes) MB and was not stored. Split it into smaller files."),
            link: ("/app/collaborator", say(request, "Trang gửi phiếu", "Send responses"))
        ))
    }
}
