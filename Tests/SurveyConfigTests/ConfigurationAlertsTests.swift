import SurveyConfig
import SurveyModel
import Testing

@Suite struct ConfigurationAlertsTests {
    let minimal = minimalConfiguration + "\n"

    @Test func defaultsAndValues() throws {
        let defaults = try Configuration.parse(minimal, file: "t.conf")
        #expect(defaults.alerts.oddsRatio == 2 && defaults.alerts.targetRunLength == 104)
        let set = try Configuration.parse(minimal + "alerts: { odds_ratio: 1.5, target_run_length_weeks: 520 }\n", file: "t.conf")
        #expect(set.alerts.oddsRatio == 1.5 && set.alerts.targetRunLength == 520)
    }

    @Test(arguments: [
        ("alerts: { odds_ratio: 1 }\n", "alerts.odds_ratio", "between 1.1 and 10"),
        ("alerts: { odds_ratio: two }\n", "alerts.odds_ratio", "expected a number"),
        ("alerts: { target_run_length_weeks: 5 }\n", "alerts.target_run_length_weeks", "between 10"),
        ("alerts: { target_run_length_weeks: 52.5 }\n", "alerts.target_run_length_weeks", "whole number"),
        ("alerts: { threshold: 4 }\n", "alerts.threshold", "unknown key"),
    ])
    func badValuesNameTheKey(text: String, key: String, reason: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try Configuration.parse(minimal + text, file: "bad.conf") }
        #expect(error.key == key, "\(error)")
        #expect(error.line == 7, "\(error)")
        #expect(error.reason.contains(reason), "\(error)")
    }
}
