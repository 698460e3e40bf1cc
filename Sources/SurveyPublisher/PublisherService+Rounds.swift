import Logging
import SurveyModel

extension PublisherService {
    /// Logs one change of a round's state: fixed messages (each with its MESSAGE_ID in the
    /// daemon), the figures in fields (SURVEY_ROUND, SURVEY_UNIT, SURVEY_RECEIVED, …).
    func log(_ event: RoundEvent) {
        switch event {
        case let .opened(round):
            logger.notice("round opened", metadata: ["round": "\(round)"])
        case let .closed(round, province):
            logger.notice("round closed", metadata: [
                "round": "\(round)", "received": "\(province.received)", "target": "\(province.target)",
                "completion_percent": "\(province.completion.map { Int(($0 * 100).rounded(.down)) }.map(String.init) ?? "")",
                "units_reported": "\(province.unitsReported)", "units_on_time": "\(province.unitsOnTime)",
                "units_expected": "\(province.unitsExpected)", "late": "\(province.late)", "held": "\(province.held)",
            ])
        case let .attention(round, unit, previous):
            logger.warning(unit.status == .silent ? "round unit silent" : "round unit behind", metadata: unitFields(round, unit, previous))
        case let .recovered(round, unit, previous):
            logger.notice("round unit recovered", metadata: unitFields(round, unit, previous))
        case let .resultsPublished(round):
            logger.notice("round results published", metadata: ["round": "\(round)"])
        }
    }

    private func unitFields(_ round: String, _ unit: RoundProgress.UnitProgress, _ previous: RoundStatus?) -> Logger.Metadata {
        [
            "round": "\(round)", "unit": "\(unit.unit)", "status": "\(unit.status.rawValue)", "previous_status": "\(previous?.rawValue ?? "")",
            "received": "\(unit.received)", "target": "\(unit.target)", "expected": "\(Int(unit.expectedByToday.rounded(.down)))",
            "days_since_last_batch": "\(unit.daysSinceLastBatch.map(String.init) ?? "never")",
        ]
    }
}
