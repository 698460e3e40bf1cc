import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import SurveyModel
import SurveyProtocol
import SurveyStore
import Synchronization

/// The collaborators' TCP server, run as a service: binds the configured addresses, serves every
/// connection in its own task, and drains on graceful shutdown (stop accepting, let open batches
/// finish within the drain timeout, then close).
public final class CollaboratorServer: Service, Sendable {
    /// Where and how to listen.
    public struct Settings: Sendable {
        public var addresses: [(host: String, port: Int)]
        /// Listening sockets passed by the service manager (socket activation); when present they
        /// are used instead of `addresses`.
        public var inheritedSockets: [Int32]
        public var context: SessionContext
        /// Addresses served over TLS with `tls`'s context (in addition to any of the above).
        public var tlsAddresses: [(host: String, port: Int)]
        public var tls: TLSContextHolder?

        public init(
            addresses: [(host: String, port: Int)], inheritedSockets: [Int32] = [], context: SessionContext,
            tlsAddresses: [(host: String, port: Int)] = [], tls: TLSContextHolder? = nil
        ) {
            self.addresses = addresses
            self.inheritedSockets = inheritedSockets
            self.context = context
            self.tlsAddresses = tlsAddresses
            self.tls = tls
        }
    }

    public let settings: Settings
    let store: any BatchStore
    let logger: Logger
    let group: any EventLoopGroup
    let peers: PeerRegistry
    let connections = ConnectionTable()
    /// The validation context new connections start with; replaced on reload.
    public let context: SessionContextHolder
    /// Counts for the service status line.
    public let counters: ServerCounters
    /// Database failure episodes, shared by all connections.
    public let databaseHealth = DatabaseHealth()
    private let boundAddresses = Mutex<[SocketAddress]>([])
    private let onReady: @Sendable ([SocketAddress]) -> Void

    /// - Parameter onReady: called once every address is bound, with the bound addresses.
    public init(
        settings: Settings, store: any BatchStore, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onReady: @escaping @Sendable ([SocketAddress]) -> Void = { _ in }
    ) {
        self.settings = settings
        self.store = store
        self.logger = logger
        self.group = group
        self.onReady = onReady
        context = SessionContextHolder(settings.context)
        counters = ServerCounters(timeZone: settings.context.timeZone)
        let limits = settings.context.limits
        peers = PeerRegistry(
            limits: ConnectionAdmission.Limits(limits),
            maxFailuresPerPeer: limits.maxAuthFailuresPerPeer, lockoutFailures: limits.authLockoutFailures, failureWindow: .seconds(limits.authFailureWindowSeconds)
        )
    }

    /// The addresses the server is bound to, once running.
    public var addresses: [SocketAddress] { boundAddresses.withLock { $0 } }

    /// Open connections.
    public var connectionCount: Int { peers.connectionCount }

    public func run() async throws {
        let limits = settings.context.limits
        var listeners: [NIOAsyncChannel<NIOAsyncChannel<InboundEvent, ByteBuffer>, Never>] = []
        let tls = settings.tls
        let makeInitializer = { (secure: Bool) -> @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<InboundEvent, ByteBuffer>> in
            { channel in
                channel.eventLoop.makeCompletedFuture {
                    try CollaboratorServer.sessionChannel(channel, limits: limits, tls: secure ? tls?.current : nil)
                }
            }
        }
        let initializer = makeInitializer(false)
        if !settings.inheritedSockets.isEmpty {
            // Passed sockets are configured by the socket unit (Backlog=, NoDelay=, which accepted
            // sockets inherit); setting options on them can be refused inside a sandbox.
            let bootstrap = ServerBootstrap(group: group)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
            for socket in settings.inheritedSockets {
                do {
                    listeners.append(try await bootstrap.bind(socket, childChannelInitializer: initializer))
                } catch {
                    for listener in listeners { try? await listener.channel.close() }
                    throw ServerError.cannotListen(address: "inherited socket \(socket)", reason: "\(error)")
                }
            }
        }
        // Configured addresses: plain ones unless sockets were passed, and TLS ones always.
        if settings.inheritedSockets.isEmpty || !settings.tlsAddresses.isEmpty {
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
            let plain = settings.inheritedSockets.isEmpty ? settings.addresses.map { ($0, false) } : []
            for (address, secure) in plain + settings.tlsAddresses.map({ ($0, true) }) {
                do {
                    listeners.append(try await bootstrap.bind(host: address.host, port: address.port, childChannelInitializer: makeInitializer(secure)))
                } catch {
                    for listener in listeners { try? await listener.channel.close() }
                    throw ServerError.cannotListen(address: "\(address.host):\(address.port)", reason: "\(error)")
                }
            }
        }
        let bound = listeners.compactMap { $0.channel.localAddress }
        boundAddresses.withLock { $0 = bound }
        logger.info("listening", metadata: ["addresses": "\(bound.map(\.description).joined(separator: " "))"])
        onReady(bound)

        let listenerChannels = listeners.map(\.channel)
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                for listener in listeners {
                    group.addTask {
                        try await self.accept(on: listener)
                    }
                }
            }
        } onGracefulShutdown: {
            self.logger.info("draining connections", metadata: ["connections": "\(self.connectionCount)"])
            for channel in listenerChannels { channel.close(promise: nil) }
            self.connections.drainAll()
            let drainTimeout = limits.drainTimeoutSeconds
            Task {
                try? await Task.sleep(for: .seconds(drainTimeout))
                self.connections.closeAll()
            }
        }
        logger.info("server stopped")
    }

    /// Sets up an accepted channel for a session (on its event loop): TLS if `tls` is given, the
    /// login deadline, line framing, the idle timeout, and the bridge to the connection's loop.
    static func sessionChannel(_ channel: any Channel, limits: ProtocolLimits, tls: NIOSSLContext?) throws -> NIOAsyncChannel<InboundEvent, ByteBuffer> {
        let pipeline = channel.pipeline.syncOperations
        if let tls {
            try pipeline.addHandler(NIOSSLServerHandler(context: tls))
        }
        // After the TLS handler, so that it sees the handshake end; the deadline covers the
        // handshake all the same (it runs from the moment the handler is added).
        try pipeline.addHandler(LoginDeadlineHandler(grace: .seconds(Int64(limits.loginGraceSeconds)), secure: tls != nil))
        try pipeline.addHandler(LineFrameDecoder(maxLineBytes: limits.maxLineBytes))
        // After the framer, so only complete lines count as activity.
        try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(Int64(limits.idleTimeoutSeconds))))
        try pipeline.addHandler(SessionEventBridge())
        return try NIOAsyncChannel<InboundEvent, ByteBuffer>(
            wrappingChannelSynchronously: channel,
            configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 16))
        )
    }

    private func accept(on listener: NIOAsyncChannel<NIOAsyncChannel<InboundEvent, ByteBuffer>, Never>) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask {
                        await self.serve(connection)
                    }
                }
            }
        }
    }
}

/// Why the server could not run.
public enum ServerError: Error, CustomStringConvertible {
    /// Binding a listening address failed (in use, not local, no permission).
    case cannotListen(address: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotListen(address, reason): "cannot listen on \(address): \(reason)"
        }
    }
}
