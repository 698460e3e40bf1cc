/// What the journal last said about a round: its phase and each unit's status. Kept in the
/// database so that a restart does not repeat a warning.
public struct RoundJournalState: Sendable, Equatable {
    public var phase: RoundPhase?
    /// Status per unit code.
    public var units: [String: RoundStatus]
    /// Whether the journal has said that the round's results are published.
    public var resultsAnnounced: Bool

    public init(phase: RoundPhase? = nil, units: [String: RoundStatus] = [:], resultsAnnounced: Bool = false) {
        self.phase = phase
        self.units = units
        self.resultsAnnounced = resultsAnnounced
    }
}

/// A change of state the journal reports.
public enum RoundEvent: Sendable, Equatable {
    /// The round's first day has come (or it was first seen open).
    case opened(round: String)
    /// `report_by` has passed (or the round was first seen closed), with the final figures.
    case closed(round: String, province: RoundProgress.ProvinceProgress)
    /// A unit became behind or silent while the round is open.
    case attention(round: String, unit: RoundProgress.UnitProgress, previous: RoundStatus?)
    /// A unit that was behind or silent no longer is (the round still open).
    case recovered(round: String, unit: RoundProgress.UnitProgress, previous: RoundStatus)
    /// The round's results were published for the first time.
    case resultsPublished(round: String)
}

/// Decides the journal's events from what it said last and the progress now: only changes of
/// state, never a repetition.
public enum RoundAlerts {
    /// The events to log, and the state to remember once they are logged.
    ///
    /// - `opened` when the phase becomes open; `closed` when it becomes closed;
    /// - while open, `attention` when a unit's status becomes behind or silent (also silent →
    ///   behind, and behind → silent), `recovered` when it leaves both for another status;
    /// - nothing per unit while the round is upcoming or closed.
    public static func events(previous: RoundJournalState, progress: RoundProgress) -> (events: [RoundEvent], next: RoundJournalState) {
        var events: [RoundEvent] = []
        if previous.phase != progress.phase {
            switch progress.phase {
            case .open: events.append(.opened(round: progress.code))
            case .closed: events.append(.closed(round: progress.code, province: progress.province))
            case .upcoming: break
            }
        }
        var next = RoundJournalState(phase: progress.phase, units: previous.units)
        for unit in progress.units {
            let old = previous.units[unit.unit]
            next.units[unit.unit] = unit.status
            guard progress.phase == .open else { continue }
            if unit.status.needsAttention, old != unit.status {
                events.append(.attention(round: progress.code, unit: unit, previous: old))
            } else if !unit.status.needsAttention, let old, old.needsAttention {
                events.append(.recovered(round: progress.code, unit: unit, previous: old))
            }
        }
        return (events, next)
    }
}
