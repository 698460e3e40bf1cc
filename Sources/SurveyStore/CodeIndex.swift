import SurveyModel

/// Database ids of the active reference rows, by code key (see ``Catalog/key(_:)``).
struct CodeIndex: Sendable {
    var units: [String: Int64] = [:]
    var topics: [String: Int64] = [:]
    var groups: [String: Int64] = [:]
    var sentiments: [String: Int64] = [:]
}
