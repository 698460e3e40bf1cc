/// Which units' new batches are held for review (`review.hold` in the configuration): stored, but
/// not counted until an administrator approves them.
public enum HoldPolicy: Sendable, Hashable {
    case none
    case all
    /// Unit codes, as configured.
    case units(Set<String>)
}
