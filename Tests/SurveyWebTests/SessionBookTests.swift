import Foundation
import Testing
@testable import SurveyWeb

/// A generator that counts, so tokens are predictable in tests.
struct CountingGenerator: RandomNumberGenerator {
    var state: UInt64 = 0
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return state
    }
}

@Suite struct SessionBookTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let admin = Principal.administrator(name: "a", scope: .province, generation: 1)

    @Test func aSessionLastsWhileUsedUpToItsAbsoluteLimit() {
        var book = SessionBook(idleLimit: 1800, absoluteLimit: 8 * 3600)
        var random = CountingGenerator()
        let session = book.open(admin, now: start, random: &random)
        #expect(session.token.count == 64 && session.csrf.count == 64 && session.token != session.csrf)
        // Used every 29 minutes, it lives until 8 hours after sign-in, not beyond.
        var now = start
        for _ in 0..<16 {
            now = now.addingTimeInterval(29 * 60)
            #expect(book.use(session.token, now: now) != nil, "at \(now.timeIntervalSince(start))")
        }
        now = now.addingTimeInterval(29 * 60)
        #expect(now.timeIntervalSince(start) > 8 * 3600)
        #expect(book.use(session.token, now: now) == nil)
        #expect(book.count == 0)
    }

    @Test(arguments: [(1799.0, true), (1800.0, false), (86_400.0, false), (-1.0, false)])
    func idleSessionsEnd(_ idle: TimeInterval, _ alive: Bool) {
        var book = SessionBook(idleLimit: 1800, absoluteLimit: 8 * 3600)
        var random = CountingGenerator()
        let session = book.open(admin, now: start, random: &random)
        #expect((book.use(session.token, now: start.addingTimeInterval(idle)) != nil) == alive)
    }

    @Test func unknownTokensFindNothing() {
        var book = SessionBook()
        var random = CountingGenerator()
        let session = book.open(admin, now: start, random: &random)
        #expect(book.use("", now: start) == nil)
        #expect(book.use(String(session.token.dropLast()) + "x", now: start) == nil)
        #expect(book.use(session.token, now: start) != nil)
    }

    @Test func closingEndsTheMatchingSessionsOnly() {
        var book = SessionBook()
        var random = CountingGenerator()
        let a = book.open(.collaborator(id: 7, unit: "DH", token: "t"), now: start, random: &random)
        let b = book.open(.collaborator(id: 7, unit: "DH", token: "t"), now: start, random: &random)
        let c = book.open(.collaborator(id: 8, unit: "DH", token: "u"), now: start, random: &random)
        let d = book.open(admin, now: start, random: &random)
        let closed = book.close { if case let .collaborator(id, _, _) = $0 { id == 7 } else { false } }
        #expect(closed == 2)
        #expect(book.use(a.token, now: start) == nil && book.use(b.token, now: start) == nil)
        #expect(book.use(c.token, now: start) != nil && book.use(d.token, now: start) != nil)
        book.close(d.token)
        #expect(book.use(d.token, now: start) == nil)
    }

    @Test func beyondCapacityTheLeastRecentlyUsedEnds() {
        var book = SessionBook(capacity: 3)
        var random = CountingGenerator()
        let sessions = (0..<3).map { book.open(admin, now: start.addingTimeInterval(Double($0)), random: &random) }
        _ = book.use(sessions[0].token, now: start.addingTimeInterval(10))
        let fourth = book.open(admin, now: start.addingTimeInterval(11), random: &random)
        #expect(book.count == 3)
        #expect(book.use(sessions[1].token, now: start.addingTimeInterval(12)) == nil)
        #expect(book.use(sessions[0].token, now: start.addingTimeInterval(12)) != nil)
        #expect(book.use(fourth.token, now: start.addingTimeInterval(12)) != nil)
    }

    @Test(arguments: [("abc", "abc", true), ("abc", "abd", false), ("abc", "ab", false), ("", "", true), ("a", "", false)])
    func secretsCompare(_ a: String, _ b: String, _ equal: Bool) {
        #expect(SessionBook.constantTimeEqual(a, b) == equal)
    }

    @Test func realTokensDiffer() {
        var random = SystemRandomNumberGenerator()
        let tokens = Set((0..<1000).map { _ in SessionBook.randomHex(&random) })
        #expect(tokens.count == 1000)
        #expect(tokens.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
    }
}

@Suite struct SignInLimiterTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func anAddressIsRefusedAfterTenFailuresUntilTheyAgeOut() {
        var limiter = SignInLimiter(maximumFailures: 10, window: 900)
        for second in 0..<10 {
            #expect(limiter.check("1.2.3.4", now: start.addingTimeInterval(Double(second))).allowed)
            limiter.fail("1.2.3.4", now: start.addingTimeInterval(Double(second)))
        }
        let refused = limiter.check("1.2.3.4", now: start.addingTimeInterval(60))
        #expect(!refused.allowed && refused.retryAfter == start.addingTimeInterval(900))
        #expect(limiter.check("5.6.7.8", now: start.addingTimeInterval(60)).allowed)
        #expect(!limiter.check("1.2.3.4", now: start.addingTimeInterval(899)).allowed)
        #expect(limiter.check("1.2.3.4", now: start.addingTimeInterval(900)).allowed)
    }

    @Test func successForgetsFailures() {
        var limiter = SignInLimiter(maximumFailures: 3, window: 900)
        for _ in 0..<2 { limiter.fail("a", now: start) }
        limiter.succeed("a")
        limiter.fail("a", now: start)
        limiter.fail("a", now: start)
        #expect(limiter.check("a", now: start).allowed)
        limiter.fail("a", now: start)
        #expect(!limiter.check("a", now: start).allowed)
    }

    @Test func memoryIsBounded() {
        var limiter = SignInLimiter(maximumFailures: 2, window: 900, capacity: 100)
        for index in 0..<1000 { limiter.fail("10.0.\(index / 256).\(index % 256)", now: start.addingTimeInterval(Double(index))) }
        limiter.fail("x", now: start.addingTimeInterval(2000))
        limiter.fail("x", now: start.addingTimeInterval(2000))
        #expect(!limiter.check("x", now: start.addingTimeInterval(2000)).allowed)
    }
}
