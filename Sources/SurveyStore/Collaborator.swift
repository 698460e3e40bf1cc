import Crypto
import Foundation

/// A field collaborator (cộng tác viên): works in one unit and authenticates with a secret token.
public struct Collaborator: Sendable, Hashable, Codable {
    public var id: Int64
    public var unit: String
    public var name: String
    public var createdAt: String
    public var revokedAt: String?

    public init(id: Int64, unit: String, name: String, createdAt: String, revokedAt: String? = nil) {
        self.id = id
        self.unit = unit
        self.name = name
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }
}

/// The outcome of checking a collaborator's credentials.
public enum AuthenticationResult: Sendable, Equatable {
    case accepted(Collaborator)
    /// The token is right but the collaborator has been revoked.
    case revoked
    /// Unknown id or wrong token (deliberately not told apart).
    case rejected
}

/// Collaborator tokens: 256 random bits, base64url without padding; only their SHA-256 is stored.
public enum CollaboratorToken {
    /// A new random token.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The stored hash of a token.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}
