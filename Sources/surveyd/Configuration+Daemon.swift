import SurveyConfig
import SurveyModel
import SurveyProtocol
import SurveyStore

// What the daemon takes from its configuration, written once for the start and for each reload.

extension SurveyStore {
    /// Takes the reference data (units, topics, groups, sentiments), the rounds and the review
    /// hold of a configuration.
    func adopt(_ configuration: Configuration) throws(StoreError) {
        try synchronize(configuration.catalog)
        _ = try synchronizeRounds(configuration.rounds)
        setHold(configuration.hold)
    }
}

extension SessionContext {
    /// What a collaborator's session checks its lines against: the catalogue, the date window and
    /// the time zone of a configuration (the limits stay those the listeners started with).
    init(_ configuration: Configuration, limits: ProtocolLimits) {
        self.init(catalog: configuration.catalog, dateWindow: configuration.dateWindow, timeZone: configuration.timeZone, limits: limits)
    }
}
