import SurveyModel

/// The geometry of one small trend chart: a weekly net index (percentage points) as a line broken
/// where a week has no published figure, the band each week was expected in (from the weeks
/// before it, ``NetIndexOutlook/bands(_:)``) as a shaded area, and the next week's outlook as a
/// bar to the right of the last week. Pure: values in, SVG coordinates out.
public struct TrendChart: Sendable, Equatable {
    public var width: Double
    public var height: Double
    /// Net-index range drawn (points), bottom to top.
    public var low: Double
    public var high: Double
    /// Weeks of history drawn; the outlook takes one more slot.
    public var weeks: Int

    public init(width: Double = 168, height: Double = 64, low: Double, high: Double, weeks: Int) {
        self.width = width
        self.height = height
        self.low = low
        self.high = max(high, low + 1)
        self.weeks = max(1, weeks)
    }

    /// A range covering `values` and zero, widened to whole tens, within −100…100.
    public static func range(_ values: [Double]) -> (low: Double, high: Double) {
        let finite = values.filter(\.isFinite)
        let low = max(-100, ((min(0, finite.min() ?? 0) - 2) / 10).rounded(.down) * 10)
        let high = min(100, ((max(0, finite.max() ?? 0) + 2) / 10).rounded(.up) * 10)
        return (low, max(high, low + 10))
    }

    /// x of week `index` (0 = oldest; `weeks` = the outlook's slot).
    public func x(_ index: Int) -> Double {
        let step = width / Double(weeks + 1)
        return step * (Double(index) + 0.5)
    }

    /// y of a net index, clamped to the chart.
    public func y(_ value: Double) -> Double {
        let clamped = min(high, max(low, value))
        return height - (clamped - low) / (high - low) * height
    }

    /// The line's SVG path: one `M … L …` run per stretch of consecutive published weeks (a
    /// lone week between gaps is a run of one point: the chart's dot shows it).
    public func linePath(_ values: [Double?]) -> String {
        var parts: [String] = []
        var previous = false
        for (index, value) in values.prefix(weeks).enumerated() {
            guard let value else {
                previous = false
                continue
            }
            parts.append((previous ? "L" : "M") + point(index, value))
            previous = true
        }
        return parts.joined(separator: " ")
    }

    /// The band's polygons: one per stretch of consecutive weeks that have a band (the upper edge
    /// left to right, then the lower edge back). `bands` run parallel to the weeks.
    public func bandPolygons(_ bands: [PeriodSummary.Outlook?]) -> [String] {
        var polygons: [String] = []
        var run: [(Int, PeriodSummary.Outlook)] = []
        func close() {
            if run.count >= 2 {
                let upper = run.map { point($0.0, $0.1.high) }
                let lower = run.reversed().map { point($0.0, $0.1.low) }
                polygons.append((upper + lower).joined(separator: " "))
            }
            run = []
        }
        for (index, band) in bands.prefix(weeks).enumerated() {
            if let band { run.append((index, band)) } else { close() }
        }
        close()
        return polygons
    }

    /// "x,y" with one decimal.
    func point(_ index: Int, _ value: Double) -> String {
        "\(ReportHTML.coordinate(x(index))),\(ReportHTML.coordinate(y(value)))"
    }
}
