import SurveyModel
import SurveyStore

/// What a publication reads, all in one consistent state of the database (one read transaction:
/// ``SurveyStore/PublicationSnapshot``). A stage that reads through it can be tested with rows
/// held in memory, without SQLite.
public protocol PublicationReading {
    /// The units, topics, groups and sentiments that label the summaries, with their ids.
    func summaryDimensions() throws(StoreError) -> SummaryDimensions
    /// Each tally span's live counts: (unit, day of the span, topic, group, sentiment, count).
    func forEachSpanTally(_ body: (Int64, Int, Int64, Int64, Int64, Int) -> Void) throws(StoreError)
    /// Each released version of each span: (day, release, unit, topic, group, sentiment, count, floor).
    func forEachSpanVersion(_ body: (Int, Int, Int64, Int64, Int64, Int64, Int, Int) -> Void) throws(StoreError)
    /// The periods released so far, their versions and masks.
    func releasedState() throws(StoreError) -> ReleasedState
    /// The record of each period's last publication.
    func publications() throws(StoreError) -> [PublicationRecord]
    /// Batches (and their responses) held for an administrator's approval.
    func awaitingApproval() throws(StoreError) -> (batches: Int, responses: Int)
    /// The rounds with what their progress is computed from.
    func roundInputs() throws(StoreError) -> [RoundInputs]
    /// The days tally spans are cut on besides Mondays and months' first days (the rounds' ends).
    func spanCuts() throws(StoreError) -> SpanCuts
    /// The counts of the responses tallied collected on `days`, per unit, day, topic and sentiment,
    /// from the batches received since `receivedSince` (the provisional look's days).
    func forEachDailyCount(days: ClosedRange<Int>, receivedSince: String, _ body: (Int64, Int, Int64, Int64, Int) -> Void) throws(StoreError)
    /// Every provisional alarm shown so far (its week, unit and topic).
    func provisionalLooks() throws(StoreError) -> [ProvisionalLook]
}

extension PublicationSnapshot: PublicationReading {}

/// The database as the publisher uses it: one snapshot to read, and the records a publication
/// writes (its release before any file, then its publications and the rounds' journal states).
/// ``SurveyStore`` is the real one.
public protocol PublicationStore: Sendable {
    /// Runs `body` on one consistent view of the database.
    func readPublicationInput<T>(_ body: (any PublicationReading) throws -> T) throws -> T
    /// Records a release unless another publication recorded one since the view was read; whether it did.
    func recordRelease(_ release: Release) throws(StoreError) -> Bool
    func recordPublications(_ records: [PublicationRecord]) throws(StoreError)
    /// Forgets the publications of periods withdrawn (no longer with data or configured).
    func forgetPublications(_ periods: [Period]) throws(StoreError)
    func roundJournalState(round id: Int64) throws(StoreError) -> RoundJournalState
    func recordRoundJournalState(round id: Int64, _ state: RoundJournalState) throws(StoreError)
    /// Records provisional alarms before the files that show them are written.
    func recordProvisionalLooks(_ looks: [ProvisionalLook], at timestamp: String) throws(StoreError)
}

extension SurveyStore: PublicationStore {
    public func readPublicationInput<T>(_ body: (any PublicationReading) throws -> T) throws -> T {
        try withPublicationSnapshot { try body($0) }
    }
}
