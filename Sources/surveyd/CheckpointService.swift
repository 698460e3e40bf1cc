import Logging
import ServiceLifecycle
import SurveyStore

/// Keeps the write-ahead log short from a connection of its own while surveyd runs (see
/// ``SurveyStore/runCheckpoints(every:)``); stops at graceful shutdown.
struct CheckpointService: Service {
    let store: SurveyStore

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await store.runCheckpoints()
        }
    }
}

/// Stops the daemon (exit 74, and systemd restarts it) once flushing the write-ahead log has
/// failed: nothing can be acknowledged safely any more, and the restart copies the log into the
/// database file before it serves again (``SurveyStore/checkpointLeftoverLog()``).
struct LogFlushWatchService: Service {
    let store: SurveyStore
    let logger: Logger

    func run() async throws {
        let failure = await cancelWhenGracefulShutdown {
            await store.logFlushFailure()
        }
        guard let failure else { return }
        logger.critical("database error", metadata: [
            "error": "\(failure)", "action": "no batch is acknowledged any more; surveyd stops so that its restart secures the log",
        ])
        throw failure
    }
}
