import NIOCore
import Synchronization

/// The open connections, so that shutdown can ask each to drain and, after the bound, close it.
final class ConnectionTable: Sendable {
    private struct State {
        var next = 0
        var channels: [Int: any Channel] = [:]
        var draining = false
    }

    private let state = Mutex(State())

    /// Registers a channel; returns its key, or nil if the server is already draining.
    func insert(_ channel: any Channel) -> Int? {
        state.withLock { state in
            guard !state.draining else { return nil }
            state.next += 1
            state.channels[state.next] = channel
            return state.next
        }
    }

    func remove(_ key: Int) {
        _ = state.withLock { $0.channels.removeValue(forKey: key) }
    }

    var isDraining: Bool { state.withLock { $0.draining } }

    /// Tells every connection to finish (through its pipeline, so it arrives after pending lines).
    func drainAll() {
        let channels = state.withLock { state in
            state.draining = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(DrainRequest())
        }
    }

    /// Closes every connection still open.
    func closeAll() {
        let channels = state.withLock { Array($0.channels.values) }
        for channel in channels { channel.close(promise: nil) }
    }
}
