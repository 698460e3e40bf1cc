import NIOSSL
import Synchronization

/// The server's TLS context, built from PEM files; replaced on reload so that a renewed
/// certificate applies to new connections (open ones keep theirs).
public final class TLSContextHolder: Sendable {
    private let value: Mutex<NIOSSLContext>

    /// Reads the certificate chain and key; throws ``TLSSetupError`` naming the file and the cause.
    public init(certificatePath: String, keyPath: String) throws(TLSSetupError) {
        value = Mutex(try TLSContextHolder.makeContext(certificatePath: certificatePath, keyPath: keyPath))
    }

    public var current: NIOSSLContext { value.withLock { $0 } }

    /// Reads the files again; on error the previous context stays.
    public func reload(certificatePath: String, keyPath: String) throws(TLSSetupError) {
        let context = try TLSContextHolder.makeContext(certificatePath: certificatePath, keyPath: keyPath)
        value.withLock { $0 = context }
    }

    static func makeContext(certificatePath: String, keyPath: String) throws(TLSSetupError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw TLSSetupError(path: certificatePath, reason: "not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw TLSSetupError(path: certificatePath, reason: "holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw TLSSetupError(path: keyPath, reason: "not a PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError(path: keyPath, reason: "does not match the certificate in \(certificatePath) (\(error))")
        }
    }
}

/// Why the TLS certificate or key could not be used.
public struct TLSSetupError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "TLS: \(path): \(reason)" }
}
