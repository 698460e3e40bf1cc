import Foundation
@testable import SurveyServer
import SurveyModel
import SurveyProtocol
import Testing

/// The connection's decisions without a channel, a store or a clock: each case is a list of
/// events and the actions each must give, written compactly (`describe`).
@Suite struct ConnectionCoreTests {
    /// One step: an event (nil: the opening) and the actions it must give.
    struct Step: Sendable {
        var event: ConnectionCore.Event?
        var actions: [String]
        init(_ event: ConnectionCore.Event?, _ actions: [String]) {
            self.event = event
            self.actions = actions
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var steps: [Step]
        var testDescription: String { name }
    }

    static let noon: Date = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = LoopHarness.context.timeZone
        return calendar.date(from: DateComponents(year: 2026, month: 11, day: 20, hour: 12)) ?? Date()
    }()

    static func line(_ text: String, at instant: Date = noon) -> ConnectionCore.Event {
        .line(.line(ArraySlice(Array(text.utf8))), instant: instant, context: LoopHarness.context)
    }

    static let signedIn: [Step] = [
        Step(nil, ["220 2.0.0", "flush"]),
        Step(line("AUTH 7 good"), ["flush", "authenticate 7 good"]),
        Step(.authenticationFinished(.accepted(.init(collaboratorID: 7, unit: "TPTN"))), ["235 2.7.0"]),
    ]

    /// Signed in, with batch `b` of `count` responses open.
    static func inBatch(_ count: Int) -> [Step] {
        signedIn + [
            Step(line("BATCH b \(count)"), ["check 7"]),
            Step(.activeChecked(true), ["354 3.0.0"]),
        ]
    }

    static let cases: [Case] = [
        Case(name: "the greeting", steps: [Step(nil, ["220 2.0.0", "flush"])]),
        Case(name: "the login deadline closes a connection before AUTH", steps: [
            Step(nil, ["220 2.0.0", "flush"]),
            Step(line("PING"), ["250 2.0.0"]),
            Step(.endOfRead, ["flush"]),
            Step(.loginTimeout, ["log loginGraceOver", "421 4.4.2", "flush", "close"]),
            Step(line("PING"), []),
            Step(.inputEnded, ["flush"]),
        ]),
        Case(name: "the login deadline after a successful AUTH is ignored", steps: signedIn + [
            Step(.loginTimeout, []),
            Step(line("PING"), ["check 7"]),
            Step(.activeChecked(true), ["250 2.0.0"]),
        ]),
        Case(name: "a failed AUTH leaves the deadline in force", steps: [
            Step(nil, ["220 2.0.0", "flush"]),
            Step(line("AUTH 7 bad"), ["flush", "authenticate 7 bad"]),
            Step(.authenticationFinished(.rejected), ["535 5.7.8"]),
            Step(.loginTimeout, ["log loginGraceOver", "421 4.4.2", "flush", "close"]),
        ]),
        Case(name: "a displaced connection is told and closed", steps: [
            Step(nil, ["220 2.0.0", "flush"]),
            Step(.displaced, ["421 4.3.2", "flush", "close"]),
        ]),
        Case(name: "displacement after AUTH is ignored", steps: signedIn + [Step(.displaced, [])]),
        Case(name: "a drain between batches closes at once", steps: signedIn + [
            Step(.drain, ["421 4.3.0", "flush", "close"]),
        ]),
        Case(name: "a drain inside a batch waits for its commit", steps: inBatch(1) + [
            Step(.drain, []),
            Step(line("R 2026-11-20 CDS ND DONGTINH"), []),
            Step(line("COMMIT"), ["flush", "commit b 1"]),
            Step(.commitFinished(.stored(responses: 1, receivedAt: "2026-11-20T05:00:00Z")), ["250 2.6.0", "421 4.3.0", "flush", "close"]),
            Step(.inputEnded, ["flush"]),
        ]),
        Case(name: "a revoked collaborator is refused at the next command", steps: signedIn + [
            Step(line("PING"), ["check 7"]),
            Step(.activeChecked(false), ["log revokedRefused 7", "530 5.7.1", "flush", "close"]),
        ]),
        Case(name: "response lines and a complete COMMIT need no revocation check", steps: inBatch(2) + [
            Step(line("R 2026-11-20 CDS ND DONGTINH"), []),
            Step(line("R 2026-11-20 YTE ND KHONGDONGTINH"), []),
            Step(line("COMMIT"), ["flush", "commit b 2"]),
        ]),
        Case(name: "an idle timeout inside a batch says nothing was stored", steps: inBatch(2) + [
            Step(line("R 2026-11-20 CDS ND DONGTINH"), []),
            Step(.idleTimeout, ["log idleTimeout", "421 4.4.2", "flush", "close"]),
            Step(.inputEnded, ["flush", "log closedInsideBatch b 1"]),
        ]),
        Case(name: "a batch with an error is rejected at COMMIT, and logged", steps: inBatch(1) + [
            Step(line("R 2026-11-20 CDS ND MAYBE"), []),
            Step(line("COMMIT"), ["check 7"]),
            Step(.activeChecked(true), ["log batchRejected", "554 5.6.0"]),
        ]),
        // The clock comes in with each line: a response dated 2026-11-20 is two days in the
        // future on 2026-11-18 (one day is tolerated), and refused.
        Case(name: "today is the line's instant's date", steps: inBatch(1) + [
            Step(line("R 2026-11-20 CDS ND DONGTINH", at: noon.addingTimeInterval(-2 * 86_400)), []),
            Step(line("COMMIT"), ["check 7"]),
            Step(.activeChecked(true), ["log batchRejected", "554 5.6.0"]),
        ]),
        Case(name: "one day in the future is tolerated", steps: inBatch(1) + [
            Step(line("R 2026-11-20 CDS ND DONGTINH", at: noon.addingTimeInterval(-86_400)), []),
            Step(line("COMMIT"), ["flush", "commit b 1"]),
        ]),
        Case(name: "a storage failure is a temporary refusal and the session goes on", steps: inBatch(1) + [
            Step(line("R 2026-11-20 CDS ND DONGTINH"), []),
            Step(line("COMMIT"), ["flush", "commit b 1"]),
            Step(.commitFinished(.unavailable), ["451 4.3.0"]),
            Step(line("PING"), ["check 7"]),
        ]),
    ]

    /// An action as a short string: a reply by its code and status.
    static func describe(_ action: ConnectionCore.Action) -> String {
        switch action {
        case let .queue(reply): "\(reply.code) \(reply.status)"
        case .flush: "flush"
        case .close: "close"
        case let .checkActive(id): "check \(id)"
        case let .authenticate(id, token): "authenticate \(id) \(token)"
        case let .commit(submission): "commit \(submission.clientBatchID) \(submission.responses.count)"
        case let .log(entry):
            switch entry {
            case .idleTimeout: "log idleTimeout"
            case .loginGraceOver: "log loginGraceOver"
            case let .revokedRefused(id): "log revokedRefused \(id)"
            case .batchRejected: "log batchRejected"
            case let .closedInsideBatch(batch, lines): "log closedInsideBatch \(batch) \(lines)"
            }
        }
    }

    @Test(arguments: cases) func eventsGiveTheirActions(_ scenario: Case) {
        var core = ConnectionCore(context: LoopHarness.context)
        for (index, step) in scenario.steps.enumerated() {
            let actions = step.event.map { core.handle($0) } ?? core.opening()
            #expect(actions.map(Self.describe) == step.actions, "step \(index): \(String(describing: step.event))")
        }
    }

    @Test func theConfigurationIsTakenOnlyBetweenBatches() {
        var core = ConnectionCore(context: LoopHarness.context)
        _ = core.opening()
        for step in Self.inBatch(1) {
            guard let event = step.event else { continue }
            _ = core.handle(event)
        }
        #expect(!core.takesContext, "inside a batch the configuration stays the one its BATCH found")
        var reloaded = LoopHarness.context
        reloaded.catalog = Catalog(units: [], topics: [], groups: [], sentiments: [])
        _ = core.handle(.line(.line(ArraySlice(Array("R 2026-11-20 CDS ND DONGTINH".utf8))), instant: Self.noon, context: reloaded))
        #expect(core.session.context.catalog.units.count == 1)
        #expect(core.handle(.line(.line(ArraySlice(Array("COMMIT".utf8))), instant: Self.noon, context: nil)).map(Self.describe) == ["flush", "commit b 1"])
        _ = core.handle(.commitFinished(.stored(responses: 1, receivedAt: "2026-11-20T05:00:00Z")))
        #expect(core.takesContext)
        _ = core.handle(.line(.line(ArraySlice(Array("PING".utf8))), instant: Self.noon, context: reloaded))
        #expect(core.session.context.catalog.units.isEmpty, "between batches the reloaded configuration is taken")
    }
}
