import SurveyModel

/// SplitMix64: a seeded, fast generator, so that surveyd and the ceiling program store the very
/// same batches.
public struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The benchmark's workload: realistic batches of the example configuration's codes.
public enum Workload {
    public static let topics = ["DAIHOI", "CANBO", "YTE", "GIAODUC", "TREEM", "KTXH", "CDS"] // active ones of config/surveyd.conf
    public static let groups = ["CB", "DV", "ND"]
    public static let sentiments = ["DONGTINH", "PHANVAN", "KHONGDONGTINH"]

    /// The generator of connection (collaborator) `index` of run `seed`.
    public static func generator(seed: UInt64, connection index: Int) -> SplitMix64 {
        SplitMix64(seed: seed &* 1_000_003 &+ UInt64(index))
    }

    /// The batch id of batch `number` of connection `index`.
    public static func batchID(seed: UInt64, connection index: Int, batch number: Int) -> String {
        "lg\(seed)-\(index)-\(number)"
    }

    /// K responses over one to three consecutive field days within the last month.
    public static func responses(_ count: Int, today: LocalDate, generator: inout SplitMix64) -> [Response] {
        let first = today.adding(days: -Int.random(in: 2...30, using: &generator))
        let days = Int.random(in: 1...3, using: &generator)
        return (0..<count).map { _ in
            Response(
                collectedOn: first.adding(days: Int.random(in: 0..<days, using: &generator)),
                topic: topics[Int.random(in: 0..<topics.count, using: &generator)],
                group: groups[Int.random(in: 0..<groups.count, using: &generator)],
                sentiment: sentiments[Int.random(in: 0..<sentiments.count, using: &generator)]
            )
        }
    }

    /// BATCH, the R lines and COMMIT.
    public static func lines(id: String, _ responses: [Response]) -> [String] {
        ["BATCH \(id) \(responses.count)"] + responses.map { "R " + $0.canonicalLine } + ["COMMIT"]
    }
}
