import Foundation
import Logging
import NIOCore
import NIOSSL
import SurveyModel
import SurveyProtocol
import SurveyStore

extension CollaboratorServer {
    /// Serves one connection until it ends. Never throws: one connection's failure is its own.
    func serve(_ connection: NIOAsyncChannel<InboundEvent, ByteBuffer>) async {
        let peer = connection.channel.remoteAddress?.ipAddress ?? "unknown"
        var logger = self.logger
        logger[metadataKey: "peer"] = "\(peer)"
        let place: ConnectionAdmission.ID
        switch peers.admit(peer) {
        case let .admitted(id, displaced):
            place = id
            if let displaced {
                connections.displace(displaced.id)
                if peers.shouldLogRefusal(displaced.peer) {
                    logger.warning("connection limit reached", metadata: [
                        "reason": "unauthenticated limit: displaced the oldest waiting connection of the address holding the most",
                        "displaced_peer": "\(displaced.peer)",
                    ])
                }
            }
        case let .refused(refusal):
            let (reply, reason): (Reply, String) = switch refusal {
            case .tooManyConnections: (.tooManyConnections, "total limit")
            case .tooManyFromPeer: (.tooManyConnectionsFromPeer, "per-peer limit")
            case .tooManyUnauthenticated: (.tooManyUnauthenticated, "unauthenticated limit")
            case .earlyDrop: (.tooManyUnauthenticated, "unauthenticated early drop")
            }
            if peers.shouldLogRefusal(peer) {
                logger.warning("connection limit reached", metadata: ["reason": "\(reason)"])
            }
            try? await connection.executeThenClose { _, outbound in
                try await outbound.write(ByteBuffer(string: reply.encoded))
            }
            return
        }
        defer { peers.release(place) }
        guard connections.insert(connection.channel, key: place) else {
            try? await connection.executeThenClose { _, outbound in
                try await outbound.write(ByteBuffer(string: Reply.shuttingDown.encoded))
            }
            return
        }
        defer { connections.remove(place) }
        logger.debug("connection opened")
        do {
            try await connection.executeThenClose { inbound, outbound in
                var core = ConnectionCore(context: context.current)
                // A peer that stops reading (or hangs up right after COMMIT) must not stop the
                // input it already sent from being processed: a failed write only mutes replies.
                var outputOpen = true
                // Replies to the lines of one read go out together: one write for the 250 of a
                // batch and the 354 of the next when a client pipelines. The core flushes before
                // anything that waits (AUTH, COMMIT) and after the last line of each read.
                var output = ByteBuffer()
                /// Carries out the core's actions, and those its answers lead to; whether the
                /// connection is to close.
                func run(_ actions: [ConnectionCore.Action]) async -> Bool {
                    var queue = actions[...]
                    while let action = queue.popFirst() {
                        var next: ConnectionCore.Event?
                        switch action {
                        case let .queue(reply):
                            output.writeString(reply.encoded)
                        case .flush:
                            guard output.readableBytes > 0 else { continue }
                            let buffer = output
                            output = ByteBuffer()
                            guard outputOpen else { continue }
                            do {
                                try await outbound.write(buffer)
                            } catch {
                                outputOpen = false
                                logger.debug("cannot send a reply; the peer has gone", metadata: ["error": "\(error)"])
                            }
                        case .close:
                            return true
                        case let .checkActive(id):
                            next = .activeChecked(isActive(id, logger: logger))
                        case let .authenticate(id, token):
                            var outcome = await authenticate(id: id, token: token, peer: peer, logger: &logger)
                            if case .accepted = outcome {
                                if peers.authenticated(place) {
                                    connection.channel.triggerUserOutboundEvent(LoginCompleted(), promise: nil)
                                } else {
                                    if peers.shouldLogRefusal(peer) {
                                        logger.warning("connection limit reached", metadata: ["reason": "total limit, or displaced before AUTH"])
                                    }
                                    outcome = .overCapacity
                                }
                            }
                            next = .authenticationFinished(outcome)
                        case let .commit(submission):
                            next = .commitFinished(await commit(submission, logger: logger))
                        case let .log(entry):
                            log(entry, peer: peer, logger: logger)
                        }
                        if let next { queue = core.handle(next)[...] + queue }
                    }
                    return false
                }
                var closing = await run(core.opening())
                eventLoop: for try await event in inbound {
                    switch event {
                    case .idleTimeout: closing = await run(core.handle(.idleTimeout))
                    case .drain: closing = await run(core.handle(.drain))
                    case .loginTimeout: closing = await run(core.handle(.loginTimeout))
                    case .displaced: closing = await run(core.handle(.displaced))
                    case let .framed(lines):
                        for line in lines {
                            let current = core.takesContext ? context.current : nil
                            closing = await run(core.handle(.line(line, instant: Date(), context: current)))
                            if closing { break eventLoop }
                        }
                        closing = await run(core.handle(.endOfRead))
                    }
                    if closing { break eventLoop }
                }
                _ = await run(core.handle(.inputEnded))
            }
        } catch let error as NIOSSLError where error != .uncleanShutdown {
            // Plain text to a TLS port, a client that does not trust the certificate, an old
            // protocol version: at most one entry per address every ten seconds.
            if peers.shouldLogRefusal(peer) { logger.notice("TLS handshake failed", metadata: ["error": "\(error)"]) }
        } catch is BoringSSLError {
            if peers.shouldLogRefusal(peer) { logger.notice("TLS handshake failed", metadata: ["error": "TLS protocol error"]) }
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
        logger.debug("connection closed")
    }

    /// Logs what the core decided to log.
    private func log(_ entry: ConnectionCore.Entry, peer: String, logger: Logger) {
        switch entry {
        case .idleTimeout:
            logger.info("idle timeout")
        case .loginGraceOver:
            if peers.shouldLogRefusal(peer) { logger.info("login grace time over") }
        case let .revokedRefused(collaborator):
            logger.notice("revoked collaborator refused", metadata: ["collaborator": "\(collaborator)"])
        case let .batchRejected(reason):
            logger.notice("batch rejected", metadata: ["reason": "\(reason)"])
        case let .closedInsideBatch(batch, lines):
            logger.notice("connection closed inside a batch; nothing stored", metadata: ["batch": "\(batch)", "lines": "\(lines)"])
        }
    }

    private func isActive(_ id: Int64, logger: Logger) -> Bool {
        do {
            return try store.isActive(collaboratorID: id)
        } catch {
            // Let the command through: COMMIT checks revocation again inside its transaction.
            databaseFailed(error, logger)
            return true
        }
    }

    /// Logs the first failure of an episode as an error, the others at debug level.
    private func databaseFailed(_ error: StoreError, _ logger: Logger) {
        if databaseHealth.failed() {
            // Once per episode: batches are answered with 451 until a write succeeds again.
            logger.error("database unavailable", metadata: ["error": "\(error)"])
        } else {
            logger.debug("database still unavailable", metadata: ["error": "\(error)"])
        }
    }

    /// Logs the end of a failure episode. Only writes end one: reads go on working in WAL mode
    /// while writes fail (a locked writer, a full disk).
    /// `logger` is made only when an episode ends.
    private func databaseSucceeded(_ logger: @autoclosure () -> Logger) {
        if let episode = databaseHealth.succeeded() {
            logger().notice("database available again", metadata: [
                "failures": "\(episode.failures)", "episode_ms": "\(episode.duration.wholeMilliseconds)",
            ])
        }
    }

    private func authenticate(id: Int64, token: String, peer: String, logger: inout Logger) async -> CollaboratorSession.AuthenticationOutcome {
        let lockout = peers.lockout(peer)
        if lockout.lockedOut {
            if lockout.log {
                logger.warning("address locked out", metadata: [
                    "failures_in_window": "\(peers.lockoutFailures)+", "window_s": "\(peers.failureWindow.components.seconds)",
                ])
            }
            return .lockedOut
        }
        do {
            switch try await store.authenticate(id: id, token: token) {
            case let .accepted(collaborator):
                logger[metadataKey: "collaborator"] = "\(collaborator.id)"
                logger[metadataKey: "unit"] = "\(collaborator.unit)"
                logger.info("collaborator authenticated")
                return .accepted(.init(collaboratorID: collaborator.id, unit: collaborator.unit))
            case .revoked:
                logger.notice("revoked collaborator refused", metadata: ["collaborator": "\(id)"])
                return .revoked
            case .rejected:
                let failure = peers.recordFailure(peer)
                if failure.log {
                    logger.warning("authentication failed", metadata: [
                        "collaborator": "\(id)", "failures_from_peer": "\(failure.recent)",
                        "delay_ms": "\(failure.delay.wholeMilliseconds)",
                    ])
                }
                try? await Task.sleep(for: failure.delay)
                return .rejected
            }
        } catch {
            databaseFailed(error, logger)
            return .unavailable
        }
    }

    private func commit(_ submission: BatchSubmission, logger: Logger) async -> CollaboratorSession.CommitOutcome {
        // The batch's metadata is built only for entries that are logged (swift-log evaluates the
        // metadata argument lazily); setting it on the logger cost every batch, logged or not.
        var logger = BatchLogger(logger, batch: submission.clientBatchID, responses: submission.responses.count)
        let start = ContinuousClock.now
        do {
            let outcome = try await store.ingest(submission, receivedAt: Date())
            databaseSucceeded(logger.full)
            logger.duration = ContinuousClock.now - start
            switch outcome {
            case .accepted:
                counters.batchAccepted()
                logger.info("batch accepted")
            case .duplicate:
                logger.info("duplicate batch")
            }
            let receipt = outcome.receipt
            if receipt.held { return .held(responses: receipt.responseCount, receivedAt: receipt.receivedAt) }
            if case .duplicate = outcome { return .storedBefore(responses: receipt.responseCount, receivedAt: receipt.receivedAt) }
            return .stored(responses: receipt.responseCount, receivedAt: receipt.receivedAt)
        } catch {
            switch CommitRefusal(error) {
            case .storageFailure:
                databaseFailed(error, logger.full)
                return .unavailable
            case let .answered(outcome):
                databaseSucceeded(logger.full)
                switch outcome {
                case .conflict: logger.warning("batch conflict")
                case .retracted: logger.notice("retracted batch sent again")
                case .revoked: logger.notice("revoked collaborator refused")
                case .rejected:
                    // The loop logs the 554 itself, with its count, as for every rejection.
                    logger.notice("batch uses codes the configuration in force no longer has")
                case .stored, .storedBefore, .held, .unavailable: break
                }
                return outcome
            }
        }
    }
}

/// The entries about one batch: its id, its response count and, once stored, how long that took,
/// added to an entry only when it is logged.
struct BatchLogger {
    let base: Logger
    let batch: String
    let responses: Int
    var duration: Duration?

    init(_ base: Logger, batch: String, responses: Int) {
        self.base = base
        self.batch = batch
        self.responses = responses
    }

    var metadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["batch": "\(batch)", "responses": "\(responses)"]
        if let duration { metadata["duration_ms"] = "\(duration.wholeMilliseconds)" }
        return metadata
    }

    /// The base logger with the batch's metadata set, for entries logged elsewhere.
    var full: Logger {
        var logger = base
        for (key, value) in metadata { logger[metadataKey: key] = value }
        return logger
    }

    // The caller's file, function and line are passed on, so that the journal's CODE_LINE and
    // CODE_FUNC point at the entry, not here.
    func info(_ message: Logger.Message, file: String = #fileID, function: String = #function, line: UInt = #line) {
        base.info(message, metadata: metadata, file: file, function: function, line: line)
    }

    func notice(_ message: Logger.Message, file: String = #fileID, function: String = #function, line: UInt = #line) {
        base.notice(message, metadata: metadata, file: file, function: function, line: line)
    }

    func warning(_ message: Logger.Message, file: String = #fileID, function: String = #function, line: UInt = #line) {
        base.warning(message, metadata: metadata, file: file, function: function, line: line)
    }
}
