@testable import SurveyServer
import Testing
import TestSupport


@Suite struct ConnectionAdmissionTests {
    typealias Limits = ConnectionAdmission.Limits

    /// One step of a scenario: a connection from a peer arrives (`+peer`), authenticates
    /// (`auth N`, N its 1-based arrival number) or closes (`close N`); and what must follow.
    struct Scenario: CustomTestStringConvertible, Sendable {
        var name: String
        var limits: Limits
        var steps: [String]
        /// One per step: `admitted`, `admitted displacing N`, `refused <reason>`, `true`, `false`, `-`.
        var expected: [String]
        var testDescription: String { name }
    }

    static let noEarlyDrop = Limits(maxAuthenticated: 2, maxUnauthenticated: 3, maxPerPeer: 10, earlyDropStart: 3, earlyDropPercent: 0)

    static let scenarios: [Scenario] = [
        Scenario(
            name: "authenticated and waiting places are counted apart; a full authenticated pool refuses newcomers",
            limits: noEarlyDrop,
            steps: ["+a", "+a", "auth 1", "+b", "+c", "+d", "auth 2", "auth 3", "+e"],
            expected: ["admitted", "admitted", "true", "admitted", "admitted", "admitted displacing 2", "false", "true", "refused tooManyConnections"]
        ),
        Scenario(
            name: "a full waiting pool: a newcomer from a lighter address displaces the heaviest's oldest",
            limits: noEarlyDrop,
            steps: ["+a", "+b", "+a", "+c", "+d"],
            expected: ["admitted", "admitted", "admitted", "admitted displacing 1", "admitted displacing 2"]
        ),
        Scenario(
            name: "a full waiting pool: a newcomer from the heaviest address is refused",
            limits: noEarlyDrop,
            steps: ["+a", "+a", "+b", "+a", "+b"],
            expected: ["admitted", "admitted", "admitted", "refused tooManyUnauthenticated", "admitted displacing 1"]
        ),
        Scenario(
            name: "ties go to the address whose oldest waiting connection is oldest",
            limits: noEarlyDrop,
            steps: ["+b", "+a", "+c", "+d", "+e"],
            expected: ["admitted", "admitted", "admitted", "admitted displacing 1", "admitted displacing 2"]
        ),
        Scenario(
            name: "a displaced connection cannot authenticate and closing it frees nothing twice",
            limits: noEarlyDrop,
            steps: ["+a", "+a", "+a", "+b", "auth 1", "close 1", "+c", "auth 2", "auth 3"],
            expected: ["admitted", "admitted", "admitted", "admitted displacing 1", "false", "-", "admitted displacing 2", "false", "true"]
        ),
        Scenario(
            name: "every authenticated place taken: refused before the greeting",
            limits: Limits(maxAuthenticated: 1, maxUnauthenticated: 3, maxPerPeer: 10, earlyDropStart: 3, earlyDropPercent: 0),
            steps: ["+a", "auth 1", "+b", "close 1", "+b"],
            expected: ["admitted", "true", "refused tooManyConnections", "-", "admitted"]
        ),
        Scenario(
            name: "the per-address limit counts both pools",
            limits: Limits(maxAuthenticated: 5, maxUnauthenticated: 5, maxPerPeer: 2, earlyDropStart: 5, earlyDropPercent: 0),
            steps: ["+a", "auth 1", "+a", "+a", "close 2", "+a"],
            expected: ["admitted", "true", "admitted", "refused tooManyFromPeer", "-", "admitted"]
        ),
        Scenario(
            name: "early drop at 100 % refuses a second waiting connection of an address, never a first",
            limits: Limits(maxAuthenticated: 5, maxUnauthenticated: 10, maxPerPeer: 10, earlyDropStart: 2, earlyDropPercent: 100),
            steps: ["+a", "+b", "+a", "+c", "+c", "auth 1", "+a"],
            expected: ["admitted", "admitted", "refused earlyDrop", "admitted", "refused earlyDrop", "true", "admitted"]
        ),
    ]

    @Test(arguments: scenarios)
    func admission(_ scenario: Scenario) {
        var admission = ConnectionAdmission(limits: scenario.limits)
        var random = SeededGenerator(state: 1)
        var ids: [Int] = []
        for (step, expected) in zip(scenario.steps, scenario.expected) {
            let outcome: String
            if step.hasPrefix("+") {
                switch admission.admit(String(step.dropFirst()), random: &random) {
                case let .admitted(id, displaced):
                    ids.append(id)
                    outcome = displaced.map { victim in "admitted displacing \((ids.firstIndex(of: victim.id) ?? -2) + 1)" } ?? "admitted"
                case let .refused(reason):
                    ids.append(-1)
                    outcome = "refused \(reason)"
                }
            } else {
                let parts = step.split(separator: " ")
                let id = ids[(Int(parts[1]) ?? 1) - 1]
                if parts[0] == "auth" {
                    let authenticated = admission.authenticate(id)
                    outcome = "\(authenticated)"
                } else {
                    admission.release(id)
                    outcome = "-"
                }
            }
            #expect(outcome == expected, "step '\(step)'")
        }
        #expect(scenario.steps.count == scenario.expected.count)
    }

    @Test func countsReturnToZeroWhenEveryConnectionCloses() {
        var admission = ConnectionAdmission(limits: Self.noEarlyDrop)
        var random = SeededGenerator(state: 2)
        var ids: [Int] = []
        for peer in ["a", "b", "a", "c", "d", "e"] {
            if case let .admitted(id, _) = admission.admit(peer, random: &random) { ids.append(id) }
        }
        #expect(admission.unauthenticatedCount == 3)
        _ = admission.authenticate(ids[ids.count - 1])
        #expect(admission.authenticatedCount == 1 && admission.unauthenticatedCount == 2)
        for id in ids { admission.release(id) }
        #expect(admission.count == 0)
        #expect(admission.waitingCount(of: "a") == 0)
    }

    /// The early-drop probability rises linearly from the rate at `start` to 100 % at full, as
    /// OpenSSH's MaxStartups: measured over many draws of a seeded source.
    @Test(arguments: [(fill: 40, expected: 30), (fill: 70, expected: 65), (fill: 99, expected: 99)])
    func earlyDropProbabilityRisesLinearly(fill: Int, expected: Int) {
        let seed: UInt64 = 2026
        print("early drop at \(fill) of 100 waiting (start 40, rate 30 %): seed \(seed)")
        var random = SeededGenerator(state: seed)
        var dropped = 0
        let draws = 2000
        for _ in 0..<draws {
            var admission = ConnectionAdmission(limits: Limits(maxAuthenticated: 10, maxUnauthenticated: 100, maxPerPeer: 1000, earlyDropStart: 40, earlyDropPercent: 30))
            // One waiting connection of "crowd", the rest from addresses of their own (never
            // dropped early), so the pool holds exactly `fill`.
            _ = admission.admit("crowd", random: &random)
            for other in 1..<fill { _ = admission.admit("other-\(other)", random: &random) }
            #expect(admission.unauthenticatedCount == fill)
            if admission.admit("crowd", random: &random) == .refused(.earlyDrop) { dropped += 1 }
        }
        let percent = dropped * 100 / draws
        #expect(abs(percent - expected) <= 3, "dropped \(percent) %")
    }

    /// A collaborator from an address of its own always gets a place, however large the crowd and
    /// whatever the draws (the property §3 of issue 16 asks for).
    @Test func aNewAddressAlwaysGetsAPlaceAmidACrowd() {
        let seed: UInt64 = 16
        print("crowd of 50 addresses against a waiting pool of 128: seed \(seed)")
        var random = SeededGenerator(state: seed)
        var admission = ConnectionAdmission(limits: Limits(maxAuthenticated: 512, maxUnauthenticated: 128, maxPerPeer: 64, earlyDropStart: 64, earlyDropPercent: 30))
        var crowd: [Int] = []
        for round in 0..<5000 {
            let peer = "127.0.0.\(2 + Int(random.next() % 50))"
            if case let .admitted(id, _) = admission.admit(peer, random: &random) { crowd.append(id) }
            // The crowd closes some at random (and reconnects): the pool stays near full.
            if random.next() % 4 == 0, !crowd.isEmpty {
                admission.release(crowd.remove(at: Int(random.next() % UInt64(crowd.count))))
            }
            if round % 100 == 99 {
                guard case let .admitted(good, _) = admission.admit("127.0.1.1", random: &random) else {
                    Issue.record("the collaborator was refused at round \(round)")
                    return
                }
                let authenticated = admission.authenticate(good)
                #expect(authenticated)
                admission.release(good)
            }
            #expect(admission.unauthenticatedCount <= 128)
        }
    }
}
