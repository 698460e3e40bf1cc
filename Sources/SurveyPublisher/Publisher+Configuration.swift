import Logging
import SurveyConfig
import SurveyStore

extension Publisher {
    /// The publisher a configuration describes, as the daemon (at start and at each reload) and
    /// `surveyctl` (publish, batch retract, restore, approve) use it: its periods, minimum cell
    /// size, early warning, release calendar and time zone. `directory` replaces the
    /// configuration's summaries folder (`--state-dir`, `--summaries-dir`).
    public init(configuration: Configuration, store: SurveyStore, logger: Logger, directory: String? = nil) {
        self.init(
            store: store, directory: directory ?? configuration.summariesDirectory, kinds: configuration.publishPeriods,
            minimumCellSize: configuration.minimumCellSize, logger: logger, earlyWarning: configuration.alerts,
            release: configuration.release
        )
        timeZone = configuration.timeZone
        futureToleranceDays = configuration.dateWindow.futureToleranceDays
    }
}
