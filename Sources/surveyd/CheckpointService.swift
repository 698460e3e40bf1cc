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
