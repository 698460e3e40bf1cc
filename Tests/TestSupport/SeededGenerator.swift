import Foundation

/// A deterministic pseudo-random generator (SplitMix64), so that a failing test can be replayed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    /// A generator for a randomised test: seeded from `SURVEYD_TEST_SEED` when set (to replay a
    /// failure), else from the system's generator. The seed is printed with the test's name, and
    /// goes into the test's failure messages.
    public static func forTest(_ name: String = #function) -> SeededGenerator {
        let seed = ProcessInfo.processInfo.environment["SURVEYD_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        print("\(name): SURVEYD_TEST_SEED=\(seed)")
        return SeededGenerator(state: seed)
    }

    /// The seed this generator started from, for failure messages (only before the first draw).
    public var seed: UInt64 { state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
