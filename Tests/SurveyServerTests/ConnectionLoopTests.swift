import Foundation
import Logging
import NIOCore
import NIOEmbedded
@testable import SurveyServer
import SurveyModel
import SurveyProtocol
import SurveyStore
import Synchronization
import Testing

/// A store in memory: token "good" authenticates any id, revocation is a set, batches are kept in
/// the order they arrive.
final class FakeStore: BatchStore {
    private struct State {
        var revoked: Set<Int64> = []
        var batches: [BatchSubmission] = []
    }

    private let state = Mutex(State())

    var batches: [BatchSubmission] { state.withLock { $0.batches } }

    func revoke(_ id: Int64) {
        _ = state.withLock { $0.revoked.insert(id) }
    }

    func authenticate(id: Int64, token: String) async throws(StoreError) -> AuthenticationResult {
        guard token == "good" else { return .rejected }
        if state.withLock({ $0.revoked.contains(id) }) { return .revoked }
        return .accepted(Collaborator(id: id, unit: "TPTN", name: "Cộng tác viên", createdAt: "2026-11-01T00:00:00Z"))
    }

    func isActive(collaboratorID: Int64) throws(StoreError) -> Bool {
        !state.withLock { $0.revoked.contains(collaboratorID) }
    }

    func ingest(_ submission: BatchSubmission, receivedAt: Date) async throws(StoreError) -> IngestOutcome {
        if state.withLock({ $0.revoked.contains(submission.collaboratorID) }) {
            throw StoreError(.collaboratorRevoked, "revoked")
        }
        state.withLock { $0.batches.append(submission) }
        return .accepted(BatchReceipt(
            clientBatchID: submission.clientBatchID, responseCount: submission.responses.count,
            receivedAt: "2026-11-22T02:00:00Z", digest: ""
        ))
    }
}

/// One connection of the real server loop over an in-memory channel whose event loop's clock the
/// test moves (as Hummingbird tests its connection state machine with a mock clock, and NIO its
/// handlers with `NIOAsyncTestingChannel`): no sockets, no database, no waiting for real seconds.
struct LoopHarness {
    static let limits: ProtocolLimits = {
        var limits = ProtocolLimits()
        limits.loginGraceSeconds = 20
        return limits
    }()

    static let context = SessionContext(
        catalog: Catalog(
            units: [SurveyUnit(code: "TPTN", name: "Thành phố Thái Nguyên")],
            topics: [Topic(code: "CDS", title: "Chuyển đổi số"), Topic(code: "YTE", title: "Y tế")],
            groups: [RespondentGroup(code: "ND", name: "Nhân dân")],
            sentiments: [
                Sentiment(code: "DONGTINH", label: "Đồng tình", polarity: .positive),
                Sentiment(code: "KHONGDONGTINH", label: "Không đồng tình", polarity: .negative),
            ]
        ),
        dateWindow: DateWindow(), timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .current, limits: limits
    )

    let store = FakeStore()
    let server: CollaboratorServer
    let channel: NIOAsyncTestingChannel
    let loop: Task<Void, Never>

    init() async throws {
        server = CollaboratorServer(
            settings: .init(addresses: [], context: Self.context), store: store,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let channel = NIOAsyncTestingChannel()
        self.channel = channel
        let wrapped = try await channel.testingEventLoop.executeInContext {
            try CollaboratorServer.sessionChannel(channel, limits: Self.limits, tls: nil)
        }
        try await channel.connect(to: SocketAddress(ipAddress: "10.0.0.7", port: 40_000)).get()
        let server = server
        loop = Task { await server.serve(wrapped) }
    }

    /// Today in the provincial time zone, as a response line's date.
    static var today: String { LocalDate(instant: Date(), in: context.timeZone).description }

    func send(_ lines: [String]) async throws {
        try await channel.writeInbound(ByteBuffer(string: lines.map { $0 + "\r\n" }.joined()))
    }

    /// The next `count` reply lines the server writes (replies of several lines count each line).
    func replies(_ count: Int) async throws -> [String] {
        var lines: [String] = []
        var pending = ""
        while lines.count < count {
            let buffer = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
            pending += String(buffer: buffer)
            while let end = pending.range(of: "\r\n") {
                lines.append(String(pending[..<end.lowerBound]))
                pending.removeSubrange(..<end.upperBound)
            }
        }
        return lines
    }

    /// Waits until the loop has ended and the channel is closed.
    func closed() async -> Bool {
        await loop.value
        return !channel.isActive
    }
}

@Suite struct ConnectionLoopTests {
    @Test(.timeLimit(.minutes(1))) func pipelinedBatchesAreAnsweredInOrder() async throws {
        let harness = try await LoopHarness()
        #expect(try await harness.replies(1).first?.hasPrefix("220 2.0.0 surveyd SURVEY/1 ready") == true)
        let day = LoopHarness.today
        // Everything in one write: two batches, a PING between them and one after.
        try await harness.send([
            "AUTH 5 good",
            "BATCH b1 2", "R \(day) CDS ND DONGTINH", "R \(day) YTE ND KHONGDONGTINH", "COMMIT",
            "PING",
            "BATCH b2 1", "R \(day) cds nd dongtinh", "COMMIT",
            "PING",
        ])
        let replies = try await harness.replies(7)
        #expect(replies == [
            "235 2.7.0 authenticated as collaborator 5 of unit TPTN",
            "354 3.0.0 send 2 responses for batch b1, then COMMIT",
            "250 2.6.0 batch b1 accepted: 2 responses, received 2026-11-22T02:00:00Z",
            "250 2.0.0 pong",
            "354 3.0.0 send 1 response for batch b2, then COMMIT",
            "250 2.6.0 batch b2 accepted: 1 response, received 2026-11-22T02:00:00Z",
            "250 2.0.0 pong",
        ])
        #expect(harness.store.batches.map(\.clientBatchID) == ["b1", "b2"])
        #expect(harness.store.batches.last?.responses.first?.topic == "CDS")
        try await harness.send(["QUIT"])
        #expect(try await harness.replies(1) == ["221 2.0.0 bye"])
        #expect(await harness.closed())
    }

    @Test(.timeLimit(.minutes(1))) func drainDuringABatchLetsItFinishThenCloses() async throws {
        let harness = try await LoopHarness()
        _ = try await harness.replies(1)
        let day = LoopHarness.today
        try await harness.send(["AUTH 5 good", "BATCH b1 2", "R \(day) CDS ND DONGTINH"])
        #expect(try await harness.replies(2).map { String($0.prefix(3)) } == ["235", "354"])
        harness.server.connections.drainAll()
        // Still served inside the batch: the drain waits for it.
        try await harness.send(["PING"])
        #expect(try await harness.replies(1) == ["250 2.0.0 pong"])
        try await harness.send(["R \(day) YTE ND DONGTINH", "COMMIT"])
        #expect(try await harness.replies(2) == [
            "250 2.6.0 batch b1 accepted: 2 responses, received 2026-11-22T02:00:00Z",
            "421 4.3.0 server shutting down, try again later",
        ])
        #expect(await harness.closed())
        #expect(harness.store.batches.count == 1)
    }

    @Test(.timeLimit(.minutes(1))) func aRevokedCollaboratorIsRefusedAtItsNextCommand() async throws {
        let harness = try await LoopHarness()
        _ = try await harness.replies(1)
        try await harness.send(["AUTH 5 good", "PING"])
        #expect(try await harness.replies(2).map { String($0.prefix(3)) } == ["235", "250"])
        harness.store.revoke(5)
        try await harness.send(["BATCH b1 1"])
        #expect(try await harness.replies(1) == ["530 5.7.1 collaborator revoked; contact the commission, closing"])
        #expect(await harness.closed())
        #expect(harness.store.batches.isEmpty)
    }

    /// The login grace time, on the channel's clock: nothing before it, `421` and close after it,
    /// even for a client that keeps trickling bytes without finishing a line.
    @Test(.timeLimit(.minutes(1))) func theLoginDeadlineClosesAnUnauthenticatedConnection() async throws {
        let harness = try await LoopHarness()
        _ = try await harness.replies(1)
        try await harness.send(["PING"])
        #expect(try await harness.replies(1) == ["250 2.0.0 pong"])
        for _ in 0..<19 {
            try await harness.channel.writeInbound(ByteBuffer(string: "A"))
            await harness.channel.testingEventLoop.advanceTime(by: .seconds(1))
        }
        #expect(try await harness.channel.readOutbound(as: ByteBuffer.self) == nil, "nothing before the deadline")
        #expect(harness.channel.isActive)
        await harness.channel.testingEventLoop.advanceTime(by: .seconds(1))
        #expect(try await harness.replies(1) == ["421 4.4.2 no successful AUTH within 20 seconds of connecting, closing"])
        #expect(await harness.closed())
    }

    @Test(.timeLimit(.minutes(1))) func theLoginDeadlineEndsWithASuccessfulAUTH() async throws {
        let harness = try await LoopHarness()
        _ = try await harness.replies(1)
        await harness.channel.testingEventLoop.advanceTime(by: .seconds(10))
        try await harness.send(["AUTH 5 good"])
        #expect(try await harness.replies(1).first?.hasPrefix("235") == true)
        await harness.channel.testingEventLoop.advanceTime(by: .seconds(60))
        try await harness.send(["PING"])
        #expect(try await harness.replies(1) == ["250 2.0.0 pong"])
        #expect(harness.channel.isActive)
        try await harness.send(["QUIT"])
        _ = try await harness.replies(1)
        #expect(await harness.closed())
    }

    /// A failed AUTH does not stop the clock: the deadline counts from the connection, not the
    /// last attempt.
    @Test(.timeLimit(.minutes(1))) func aFailedAUTHDoesNotExtendTheDeadline() async throws {
        let harness = try await LoopHarness()
        _ = try await harness.replies(1)
        await harness.channel.testingEventLoop.advanceTime(by: .seconds(15))
        try await harness.send(["AUTH 5 wrong"])
        #expect(try await harness.replies(1) == ["535 5.7.8 authentication failed"])
        await harness.channel.testingEventLoop.advanceTime(by: .seconds(5))
        #expect(try await harness.replies(1).first?.hasPrefix("421 4.4.2") == true)
        #expect(await harness.closed())
    }

    /// A waiting connection displaced by a newer one says so and closes; the place is the newer
    /// connection's.
    @Test(.timeLimit(.minutes(1))) func aDisplacedConnectionIsToldAndClosed() async throws {
        let harness = try await LoopHarness()
        _ = try await harness.replies(1)
        let key = try #require(harness.server.connections.keys.first)
        harness.server.connections.displace(key)
        #expect(try await harness.replies(1) == ["421 4.3.2 too many connections waiting to authenticate, try again later"])
        #expect(await harness.closed())
    }
}
