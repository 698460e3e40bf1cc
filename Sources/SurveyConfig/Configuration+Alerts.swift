import SurveyModel
import Yams

extension ConfigurationReader {
    /// `alerts`: `false_alarms_per_week` (the province's false-alarm budget across every chart,
    /// 0.01–100, default 1), `watch_entries_per_week` (the watch list's chance entries per week,
    /// 0–1000, default 5; 0 or not above the budget: no watch list) and `odds_ratio` (the shift
    /// each chart is tuned to detect, 1.1–10, default 2). `target_run_length_weeks` (the
    /// per-chart run length before the budget) is accepted, ignored and noticed.
    /// `provisional_days` (0–6, default 2): the provisional look follows the current week's first
    /// days, spending what the weekly charts leave of the budget; 0 turns it off.
    func readAlerts(_ node: Node, into config: inout Configuration) throws(ConfigurationError) {
        let values = try entries(
            node, key: "alerts", allowed: ["odds_ratio", "false_alarms_per_week", "watch_entries_per_week", "target_run_length_weeks", "provisional_days"])
        if let value = values["provisional_days"] {
            config.alerts.provisionalDays = Int(try number(value, "alerts.provisional_days", 0...6))
            guard Double(config.alerts.provisionalDays) == value.float else { throw fail("alerts.provisional_days", value, "expected a whole number of days") }
        }
        if let value = values["odds_ratio"] {
            config.alerts.oddsRatio = try number(value, "alerts.odds_ratio", 1.1...10)
        }
        if let value = values["false_alarms_per_week"] {
            config.alerts.falseAlarmsPerWeek = try number(value, "alerts.false_alarms_per_week", 0.01...100)
        }
        if let value = values["watch_entries_per_week"] {
            config.alerts.watchEntriesPerWeek = try number(value, "alerts.watch_entries_per_week", 0...1000)
        }
        if values["target_run_length_weeks"] != nil {
            config.notices.append("alerts.target_run_length_weeks is no longer used and is ignored: each chart's run length is now derived from alerts.false_alarms_per_week (the province's budget, default 1 false alarm a week)")
        }
    }

    /// A finite number within `range`.
    private func number(_ value: Node, _ key: String, _ range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard case .scalar = value, let number = value.float, number.isFinite else {
            throw fail(key, value, "expected a number")
        }
        guard range.contains(number) else {
            throw fail(key, value, "must be between \(ConfigurationReader.plain(range.lowerBound)) and \(ConfigurationReader.plain(range.upperBound)), got \(ConfigurationReader.plain(number))")
        }
        return number
    }

    /// 1.5, 10, 0.01: a number as written.
    private static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
