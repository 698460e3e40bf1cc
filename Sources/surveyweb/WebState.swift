import Foundation
import SurveyWeb

/// The web service's memory: sessions and failed sign-ins. One actor, so every request sees
/// the same book.
actor WebState {
    private var sessions: SessionBook
    /// Failed sign-ins per client address.
    private var addresses = SignInLimiter(maximumFailures: 10, window: 15 * 60)
    /// Failed collaborator sign-ins from every address together: surveyd locks out an address
    /// after `auth_lockout_failures` (30) failures, and every check the web service makes comes
    /// from its own address, so it stops asking well before that.
    private var collaboratorChecks = SignInLimiter(maximumFailures: 20, window: 15 * 60)
    private var random = SystemRandomNumberGenerator()

    init(sessions: SessionBook = SessionBook()) {
        self.sessions = sessions
    }

    func open(_ principal: Principal, now: Date = Date()) -> WebSession {
        sessions.open(principal, now: now, random: &random)
    }

    func use(_ token: String, now: Date = Date()) -> WebSession? {
        sessions.use(token, now: now)
    }

    func close(_ token: String) {
        sessions.close(token)
    }

    func closeCollaborator(_ id: Int64) {
        sessions.close { principal in
            if case let .collaborator(other, _, _) = principal { return other == id }
            return false
        }
    }

    func newSecret() -> String {
        SessionBook.randomHex(&random)
    }

    /// Whether `address` may try to sign in now (and, for a collaborator, whether surveyd may be asked).
    func mayTry(_ address: String, collaborator: Bool, now: Date = Date()) -> Bool {
        guard addresses.check(address, now: now).allowed else { return false }
        return !collaborator || collaboratorChecks.check("surveyd", now: now).allowed
    }

    func failed(_ address: String, collaborator: Bool, now: Date = Date()) {
        addresses.fail(address, now: now)
        if collaborator { collaboratorChecks.fail("surveyd", now: now) }
    }

    func succeeded(_ address: String) {
        addresses.succeed(address)
    }
}
