import Crypto
import Foundation
import _CryptoExtras

/// Passwords stored as scrypt hashes (RFC 7914), in the form
/// `scrypt$<log2 N>$<r>$<p>$<salt, base64>$<hash, base64>`: N = 2^15, r = 8, p = 3 by default,
/// OWASP's third equivalent choice (32 MiB of memory per check), a 16-byte random salt and a
/// 32-byte hash. The parameters are read back from each hash, so raising them later leaves the
/// older hashes valid.
public struct PasswordHash: Sendable, Equatable {
    public var logN: Int
    public var r: Int
    public var p: Int
    public var salt: [UInt8]
    public var hash: [UInt8]

    /// scrypt's cost parameters: N = 2^logN, block size r, parallelism p.
    public struct Cost: Sendable, Equatable {
        public var logN: Int
        public var r: Int
        public var p: Int

        public init(logN: Int, r: Int, p: Int) {
            self.logN = logN
            self.r = r
            self.p = p
        }

        /// What new hashes use: 32 MiB per check (OWASP's equivalent of N = 2^17, p = 1).
        public static let standard = Cost(logN: 15, r: 8, p: 3)
    }

    /// The parameters new hashes use.
    public static let standard = Cost.standard

    /// Hashes `password` with a new random salt.
    public static func make(_ password: String, cost: Cost = .standard) throws -> PasswordHash {
        try make(password, logN: cost.logN, r: cost.r, p: cost.p)
    }

    /// Hashes `password` with a new random salt and these parameters.
    public static func make(_ password: String, logN: Int, r: Int, p: Int) throws -> PasswordHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return PasswordHash(logN: logN, r: r, p: p, salt: salt, hash: try derive(password, salt: salt, logN: logN, r: r, p: p))
    }

    /// Reads a stored hash; nil if it is not one.
    public init?(stored: String) {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let logN = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              (10...20).contains(logN), (1...32).contains(r), (1...16).contains(p),
              let salt = Data(base64Encoded: String(parts[4])), let hash = Data(base64Encoded: String(parts[5])), hash.count == 32
        else { return nil }
        self.init(logN: logN, r: r, p: p, salt: Array(salt), hash: Array(hash))
    }

    public init(logN: Int, r: Int, p: Int, salt: [UInt8], hash: [UInt8]) {
        self.logN = logN
        self.r = r
        self.p = p
        self.salt = salt
        self.hash = hash
    }

    /// The form kept in the accounts file.
    public var stored: String {
        "scrypt$\(logN)$\(r)$\(p)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// Whether `password` is this hash's, compared in constant time.
    public func matches(_ password: String) -> Bool {
        guard let derived = try? PasswordHash.derive(password, salt: salt, logN: logN, r: r, p: p), derived.count == hash.count else { return false }
        var difference: UInt8 = 0
        for index in hash.indices { difference |= derived[index] ^ hash[index] }
        return difference == 0
    }

    static func derive(_ password: String, salt: [UInt8], logN: Int, r: Int, p: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: 1 << logN, blockSize: r, parallelism: p
        )
        return key.withUnsafeBytes { Array($0) }
    }

    /// A new password for an account: 20 characters of an alphabet without look-alikes
    /// (about 113 bits).
    public static func generatePassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
