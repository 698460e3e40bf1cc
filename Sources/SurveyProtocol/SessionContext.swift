import Foundation
import SurveyModel

/// What a session needs to validate input: the configured catalogue, the date window and the
/// provincial time zone, and the protocol limits.
public struct SessionContext: Sendable {
    public var catalog: Catalog
    public var dateWindow: DateWindow
    public var timeZone: TimeZone
    public var limits: ProtocolLimits

    public init(catalog: Catalog, dateWindow: DateWindow, timeZone: TimeZone, limits: ProtocolLimits) {
        self.catalog = catalog
        self.dateWindow = dateWindow
        self.timeZone = timeZone
        self.limits = limits
    }
}
