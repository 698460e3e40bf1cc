import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SurveyProtocol

/// Why talking to the server failed at the transport level (always worth a retry).
public struct ConnectionFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(_ message: String) {
        self.message = message
    }
}

/// The TLS handshake failed: the server's certificate is not trusted or does not name the server,
/// or the port does not speak TLS. Not worth a retry.
public struct TLSFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// How to verify the server over TLS: the system's trusted CAs, or those in a PEM file.
public struct ClientTLS: Sendable, Hashable {
    public var caFile: String?

    public init(caFile: String? = nil) {
        self.caFile = caFile
    }

    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else { throw TLSFailure(message: "cannot read the CA file \(caFile)") }
            configuration.trustRoots = .file(caFile)
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSFailure(message: "cannot use the CA file \(caFile ?? "(system)"): \(error)")
        }
    }
}

/// A client connection speaking the collaborator protocol: send lines, read replies in order.
/// Open one with ``withConnection(host:port:timeout:_:)``; it is closed when the body returns.
public final class ProtocolClient {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var framer = LineFramer(maxLineBytes: 65_536)
    private var pendingLines: [String] = []
    private let replyTimeout: Duration

    /// The server's greeting.
    public private(set) var greeting: Reply?

    private init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        replyTimeout: Duration
    ) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.replyTimeout = replyTimeout
    }

    /// Connects, reads the greeting, runs `body` and closes the connection.
    ///
    /// - Parameters:
    ///   - timeout: the longest wait for any reply; a silent server is disconnected.
    ///   - tls: speak TLS and verify the server's certificate (against `host`, a name or an IP).
    public static func withConnection<T>(
        host: String, port: Int, timeout: Duration = .seconds(60), tls: ClientTLS? = nil,
        _ body: (ProtocolClient) async throws -> T
    ) async throws -> T {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        let sslContext = try tls?.makeContext()
        // SNI and name checks take a host name; an IP address is checked against the
        // certificate's IP addresses instead.
        let serverName = host.contains(":") || host.split(separator: ".").allSatisfy({ Int($0) != nil }) ? nil : host
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                        }
                        let seconds = timeout.components.seconds
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(max(seconds, 1))))
                        try channel.pipeline.syncOperations.addHandler(CloseOnIdle())
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ConnectionFailure("cannot connect to \(host):\(port): \(error)")
        }
        return try await channel.executeThenClose { inbound, outbound in
            let client = ProtocolClient(inbound: inbound, outbound: outbound, replyTimeout: timeout)
            client.greeting = try await client.readReply()
            return try await body(client)
        }
    }

    /// Sends lines (each gets CRLF) in one write, without waiting for replies.
    public func send(_ lines: [String]) async throws {
        var buffer = ByteBuffer()
        for line in lines {
            buffer.writeString(line)
            buffer.writeString("\r\n")
        }
        do {
            try await outbound.write(buffer)
        } catch {
            throw ConnectionFailure("connection lost while sending: \(error)")
        }
    }

    /// Sends raw bytes as they are (for tests of hostile input).
    public func sendRaw(_ bytes: [UInt8]) async throws {
        do {
            try await outbound.write(ByteBuffer(bytes: bytes))
        } catch {
            throw ConnectionFailure("connection lost while sending: \(error)")
        }
    }

    /// Sends one command and reads its reply.
    public func command(_ line: String) async throws -> Reply {
        try await send([line])
        return try await readReply()
    }

    /// Reads the next complete reply.
    public func readReply() async throws -> Reply {
        var lines: [String] = []
        while true {
            let line = try await nextLine()
            lines.append(line)
            let bytes = Array(line.utf8)
            if bytes.count < 4 || bytes[3] == UInt8(ascii: " ") { break }
        }
        guard let reply = Reply(wireLines: lines) else {
            throw ConnectionFailure("malformed reply from the server: \(lines.joined(separator: " | "))")
        }
        return reply
    }

    private func nextLine() async throws -> String {
        while pendingLines.isEmpty {
            let chunk: ByteBuffer?
            do {
                chunk = try await inbound.next()
            } catch let error as NIOSSLError where error != .uncleanShutdown {
                throw TLSFailure(message: "TLS handshake failed: \(error) (is the server's certificate signed by the CA you trust, and for this name? does the port speak TLS?)")
            } catch is BoringSSLError {
                throw TLSFailure(message: "TLS handshake failed: the server does not speak TLS on this port, or speaks an unsupported version")
            } catch {
                throw ConnectionFailure("connection lost: \(error)")
            }
            guard let chunk else {
                throw ConnectionFailure("the server closed the connection (or sent nothing for \(replyTimeout))")
            }
            for framed in framer.push(chunk.readableBytesView) {
                if case let .line(bytes) = framed {
                    pendingLines.append(String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        return pendingLines.removeFirst()
    }
}

/// Closes a client connection on which nothing arrived for the read timeout, so that a silent
/// server cannot hang the client.
final class CloseOnIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
