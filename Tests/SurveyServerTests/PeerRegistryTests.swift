import NIOCore
import NIOEmbedded
@testable import SurveyServer
import SurveyProtocol
import Testing

@Suite struct PeerRegistryTests {
    @Test func failureDelaysDoubleUpToTwoSeconds() {
        #expect((1...8).map { PeerRegistry.delay(afterFailures: $0, limit: 10) } == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
            .milliseconds(1600), .seconds(2), .seconds(2), .seconds(2),
        ])
        #expect(PeerRegistry.delay(afterFailures: 3, limit: 3) == .seconds(2))
    }

    @Test func failuresAreCountedInTheWindowAndLogsAreRateLimited() {
        let registry = PeerRegistry(
            limits: .init(maxAuthenticated: 10, maxUnauthenticated: 10, maxPerPeer: 10, earlyDropStart: 10, earlyDropPercent: 0),
            maxFailuresPerPeer: 100, failureWindow: .seconds(60)
        )
        let start = ContinuousClock.now
        let logged = (0..<60).map { registry.recordFailure("p", now: start + .milliseconds($0)).log }
        #expect(logged.prefix(5).allSatisfy { $0 })
        #expect(logged.filter { $0 }.count == 6) // five, then the 50th
        // Outside the window the count starts again.
        let later = registry.recordFailure("p", now: start + .seconds(120))
        #expect(later.recent == 1 && later.delay == .milliseconds(100) && later.log)
        // Refusals: one log entry per peer every ten seconds.
        #expect(registry.shouldLogRefusal("q", now: start))
        #expect(!registry.shouldLogRefusal("q", now: start + .seconds(5)))
        #expect(registry.shouldLogRefusal("q", now: start + .seconds(11)))
    }
}

@Suite struct LineFrameDecoderTests {
    @Test func framesLinesAndBridgesIdleAndDrainEvents() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(LineFrameDecoder(maxLineBytes: 8))
        try channel.pipeline.syncOperations.addHandler(SessionEventBridge())
        try channel.writeInbound(ByteBuffer(string: "PING\r\nHE"))
        try channel.writeInbound(ByteBuffer(string: "LP\nTOOLONGLINE\n"))
        var lines: [String] = []
        while let event = try channel.readInbound(as: InboundEvent.self) {
            switch event {
            case let .framed(framed):
                for line in framed {
                    if case let .line(bytes) = line {
                        lines.append(String(decoding: bytes, as: UTF8.self))
                    } else {
                        lines.append("<overlong>")
                    }
                }
            case .idleTimeout: lines.append("<idle>")
            case .drain: lines.append("<drain>")
            case .loginTimeout: lines.append("<login>")
            case .displaced: lines.append("<displaced>")
            }
        }
        #expect(lines == ["PING", "HELP", "<overlong>"])
        channel.pipeline.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
        channel.pipeline.fireUserInboundEventTriggered(DrainRequest())
        guard case .idleTimeout = try channel.readInbound(as: InboundEvent.self) else {
            Issue.record("expected the idle timeout event")
            return
        }
        guard case .drain = try channel.readInbound(as: InboundEvent.self) else {
            Issue.record("expected the drain event")
            return
        }
    }
}
