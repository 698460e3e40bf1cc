import Foundation
import SurveyModel

/// The short-horizon outlook of a weekly net index: the local-level model (``LocalLevel``) run on
/// the published net indexes of the last ``weeks`` weeks, withheld and empty weeks left out. It
/// gives the expected net index of the next week and the 95% band in which that week's published
/// figure should fall if opinion keeps moving as it has: persistence made honest, not a prophecy.
public enum NetIndexOutlook {
    /// Weeks of history the outlook and the trend charts use.
    public static let weeks = 12

    /// The one-step prediction after `series` (oldest first, nil for a week without a published
    /// figure), or nil with fewer than two published weeks. The band adds to the uncertainty of
    /// the level the sampling variance of a typical week of the series (the mean of its weeks').
    public static func next(_ series: [NetIndexFigure.Point?]) -> PeriodSummary.Outlook? {
        let published = series.compactMap { $0 }
        guard published.count >= 2 else { return nil }
        let observations: [LocalLevel.Observation] = series.map { $0.map { (value: $0.netIndex / 100, variance: $0.variance) } }
        guard let forecast = LocalLevel.forecast(observations) else { return nil }
        let sampling = published.map(\.variance).reduce(0, +) / Double(published.count)
        let band = forecast.band(samplingVariance: sampling)
        func points(_ fraction: Double) -> Double { SummaryBuilder.percent(min(1, max(-1, fraction))) }
        return PeriodSummary.Outlook(expected: points(forecast.expected), low: points(band.low), high: points(band.high), weeks: published.count)
    }

    /// For each week of `series` the band it was expected in from the weeks before it (nil while
    /// fewer than two weeks were published), then the outlook for the week after: what the trend
    /// charts draw.
    public static func bands(_ series: [NetIndexFigure.Point?]) -> [PeriodSummary.Outlook?] {
        (0...series.count).map { end in end == 0 ? nil : next(Array(series[0..<end])) }
    }
}

extension PeriodSummary {
    /// Adds the outlook to every published province and unit total of a weekly summary.
    /// `history` holds the figures of the weeks before (oldest first, nil for a week with nothing
    /// published; at most ``NetIndexOutlook/weeks`` − 1 are used). The summary's own figures end
    /// each series; a cell this summary withholds gets no outlook.
    public mutating func addOutlook(history: [NetIndexFigures?]) {
        let past = history.suffix(NetIndexOutlook.weeks - 1)
        let own = NetIndexFigures(self)
        for t in topics.indices {
            let code = topics[t].code
            func series(_ unit: String?) -> [NetIndexFigure.Point?] {
                past.map { $0?.figure(topic: code, unit: unit)?.point } + [own.figure(topic: code, unit: unit)?.point]
            }
            if !topics[t].province.suppressed { topics[t].province.outlook = NetIndexOutlook.next(series(nil)) }
            for u in topics[t].units.indices where !topics[t].units[u].total.suppressed {
                topics[t].units[u].total.outlook = NetIndexOutlook.next(series(topics[t].units[u].unit))
            }
        }
    }
}
