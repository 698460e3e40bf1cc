import Foundation
import SurveyModel

extension SummaryBuilder {
    /// The false discovery rate of the period's "significant changes" list.
    public static let falseDiscoveryRate = 0.05

    /// One comparison of the change list: a published cell with a net-index change, with the
    /// p-value of that change (the level at which its Newcombe/MOVER interval touches zero).
    static func comparison(_ cell: PeriodSummary.Cell, _ counts: [Int], _ previous: [Int], _ sentiments: [Sentiment], topic: String, unit: String?) -> PeriodSummary.SignificantChange? {
        guard let change = cell.netIndexChange, let old = cell.previousNetIndex, let new = cell.netIndex else { return nil }
        func split(_ counts: [Int]) -> (positive: Int, negative: Int, n: Int) {
            var positive = 0, negative = 0
            for (sentiment, count) in zip(sentiments, counts) {
                if sentiment.polarity == .positive { positive += count }
                if sentiment.polarity == .negative { negative += count }
            }
            return (positive, negative, counts.reduce(0, +))
        }
        guard let p = FalseDiscovery.netIndexChangePValue(current: split(counts), previous: split(previous)) else { return nil }
        return .init(topic: topic, unit: unit, previousNetIndex: old, netIndex: new, change: change, pValue: significantDigits(p))
    }

    /// The comparisons that are discoveries at ``falseDiscoveryRate`` (Benjamini–Hochberg), with
    /// their adjusted p-values. Each cell's own interval and `significant` flag stay as they are.
    static func discoveries(_ comparisons: [PeriodSummary.SignificantChange]) -> [PeriodSummary.SignificantChange] {
        let adjusted = FalseDiscovery.benjaminiHochberg(comparisons.map { $0.pValue ?? 1 })
        return zip(comparisons, adjusted).compactMap { comparison, q in
            guard q <= falseDiscoveryRate, comparison.change.significant else { return nil }
            var kept = comparison
            kept.qValue = significantDigits(q)
            return kept
        }
    }

    /// Four significant digits, for p-values in JSON.
    static func significantDigits(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return value }
        let scale = pow(10, 3 - floor(log10(value)))
        return (value * scale).rounded() / scale
    }
}
