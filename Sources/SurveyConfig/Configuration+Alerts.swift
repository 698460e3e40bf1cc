import SurveyModel
import Yams

extension ConfigurationReader {
    /// `alerts`: `odds_ratio` (the shift each early-warning chart is tuned to detect, 1.1–10,
    /// default 2) and `target_run_length_weeks` (in-control average run length of each chart,
    /// 10–10000 weeks, default 104).
    func readAlerts(_ node: Node, into config: inout Configuration) throws(ConfigurationError) {
        let values = try entries(node, key: "alerts", allowed: ["odds_ratio", "target_run_length_weeks"])
        if let value = values["odds_ratio"] {
            guard case .scalar = value, let ratio = value.float, ratio.isFinite else {
                throw fail("alerts.odds_ratio", value, "expected a number")
            }
            guard ratio >= 1.1, ratio <= 10 else {
                throw fail("alerts.odds_ratio", value, "must be between 1.1 and 10, got \(ratio)")
            }
            config.alerts.oddsRatio = ratio
        }
        if let value = values["target_run_length_weeks"] {
            config.alerts.targetRunLength = Double(try integer(value, "alerts.target_run_length_weeks", 10...10_000))
        }
    }
}
