import NIOCore
import Synchronization

/// The open connections, so that shutdown can ask each to drain and, after the bound, close it.
final class ConnectionTable: Sendable {
    private struct State {
        var channels: [Int: any Channel] = [:]
        var draining = false
    }

    private let state = Mutex(State())

    /// Registers a channel under its key (its ``ConnectionAdmission/ID``); false if the server is
    /// already draining.
    func insert(_ channel: any Channel, key: Int) -> Bool {
        state.withLock { state in
            guard !state.draining else { return false }
            state.channels[key] = channel
            return true
        }
    }

    /// Tells a connection waiting to authenticate that it lost its place: it says so and closes.
    func displace(_ key: Int) {
        guard let channel = state.withLock({ $0.channels[key] }) else { return }
        channel.pipeline.fireUserInboundEventTriggered(DisplaceRequest())
    }

    func remove(_ key: Int) {
        _ = state.withLock { $0.channels.removeValue(forKey: key) }
    }

    /// The keys of the open connections.
    var keys: [Int] { state.withLock { Array($0.channels.keys) } }

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
