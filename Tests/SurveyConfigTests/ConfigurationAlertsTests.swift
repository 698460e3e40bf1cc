import SurveyConfig
import SurveyModel
import Testing

@Suite struct ConfigurationAlertsTests {
    let minimal = minimalConfiguration + "\n"

    @Test func defaultsAndValues() throws {
        let defaults = try Configuration.parse(minimal, file: "t.conf")
        #expect(defaults.alerts.oddsRatio == 2 && defaults.alerts.falseAlarmsPerWeek == 1 && defaults.alerts.watchEntriesPerWeek == 5)
        #expect(defaults.alerts.watches && defaults.notices.isEmpty)
        let set = try Configuration.parse(minimal + "alerts: { odds_ratio: 1.5, false_alarms_per_week: 0.5, watch_entries_per_week: 0 }\n", file: "t.conf")
        #expect(set.alerts.oddsRatio == 1.5 && set.alerts.falseAlarmsPerWeek == 0.5 && !set.alerts.watches)
    }

    /// The provisional look: on by default (Monday and Tuesday, spending what the weekly charts
    /// leave), 0 turns it off, 6 follows the week to Saturday.
    @Test func theProvisionalLookIsOnByDefaultAndCanBeTurnedOff() throws {
        let defaults = try Configuration.parse(minimal, file: "t.conf")
        #expect(defaults.alerts.looksProvisionally && defaults.alerts.provisionalDays == 2 && defaults.alerts.provisionalSpendsSlack)
        #expect(defaults.alerts.weeklyBudget == 1, "the weekly charts keep the whole budget")
        let off = try Configuration.parse(minimal + "alerts: { provisional_days: 0 }\n", file: "t.conf")
        #expect(!off.alerts.looksProvisionally && off.alerts.weeklyBudget == 1)
        let six = try Configuration.parse(minimal + "alerts: { provisional_days: 6 }\n", file: "t.conf")
        #expect(six.alerts.looksProvisionally && six.alerts.provisionalDays == 6)
    }

    /// A configuration of the version before the budget (the shipped one said
    /// `target_run_length_weeks: 104`) still starts: the key is ignored, and said so.
    @Test func theOldRunLengthKeyIsIgnoredWithANotice() throws {
        let old = try Configuration.parse(minimal + "alerts: { odds_ratio: 2, target_run_length_weeks: 104 }\n", file: "t.conf")
        #expect(old.alerts.falseAlarmsPerWeek == 1)
        #expect(old.notices.count == 1 && old.notices[0].contains("alerts.false_alarms_per_week"), "\(old.notices)")
    }

    @Test(arguments: [
        ("alerts: { odds_ratio: 1 }\n", "alerts.odds_ratio", "between 1.1 and 10"),
        ("alerts: { odds_ratio: two }\n", "alerts.odds_ratio", "expected a number"),
        ("alerts: { false_alarms_per_week: 0 }\n", "alerts.false_alarms_per_week", "between 0.01 and 100, got 0"),
        ("alerts: { false_alarms_per_week: .nan }\n", "alerts.false_alarms_per_week", "expected a number"),
        ("alerts: { false_alarms_per_week: [1] }\n", "alerts.false_alarms_per_week", "expected a number"),
        ("alerts: { watch_entries_per_week: -1 }\n", "alerts.watch_entries_per_week", "between 0 and 1000"),
        ("alerts: { threshold: 4 }\n", "alerts.threshold", "unknown key"),
        ("alerts: { provisional_days: 7 }\n", "alerts.provisional_days", "between 0 and 6, got 7"),
        ("alerts: { provisional_days: 1.5 }\n", "alerts.provisional_days", "whole number of days"),
        ("alerts: { provisional_days: monday }\n", "alerts.provisional_days", "expected a number"),
    ])
    func badValuesNameTheKey(text: String, key: String, reason: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try Configuration.parse(minimal + text, file: "bad.conf") }
        #expect(error.key == key, "\(error)")
        #expect(error.line == 7, "\(error)")
        #expect(error.reason.contains(reason), "\(error)")
    }
}
