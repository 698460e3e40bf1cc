#if canImport(Glibc)
import Glibc
#endif

/// A protocol connection over a blocking socket, used from a thread of its own: the load
/// generator's client, as lean as `redis-cli --pipe` is for the Redis peer (one write per batch,
/// one read per burst of replies, no event loop and no task hops).
final class BlockingConnection {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let socket: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var chunk = [UInt8](repeating: 0, count: 16 * 1024)

    /// Connects to 127.0.0.1:`port` and reads the greeting.
    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // (deinit closes the socket if this initialiser throws.)
        guard connected == 0 else {
            throw Failure(description: "cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        // A silent server fails the run after five minutes instead of hanging it.
        var timeout = timeval(tv_sec: 300, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        buffer.reserveCapacity(64 * 1024)
        guard try readReply() == 220 else { throw Failure(description: "no greeting") }
    }

    deinit {
        if socket >= 0 { close(socket) }
    }

    /// Writes all of `bytes`.
    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a server that closes the connection is an error here, not SIGPIPE.
            let written = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: "connection lost while sending: errno \(errno)") }
            sent += written
        }
    }

    /// Reads the next complete reply (the lines up to one whose fourth byte is a space) and
    /// returns its code.
    func readReply() throws -> Int {
        while true {
            let line = try nextLine()
            if line.count < 4 || line[line.startIndex + 3] == UInt8(ascii: " ") {
                guard line.count >= 3 else { throw Failure(description: "malformed reply") }
                return line.prefix(3).reduce(0) { $0 * 10 + Int($1) - 48 }
            }
        }
    }

    private func nextLine() throws -> ArraySlice<UInt8> {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = buffer[start..<end]
                start = newline + 1
                return line
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let count = chunk.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
            guard count > 0 else { throw Failure(description: "the server closed the connection") }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}
