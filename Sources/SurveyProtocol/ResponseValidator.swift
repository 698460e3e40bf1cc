import SurveyModel

/// Checks the fields of a response line against the catalogue and the date window.
public struct ResponseValidator: Sendable {
    public let context: SessionContext
    public let today: LocalDate

    public init(context: SessionContext, today: LocalDate) {
        self.context = context
        self.today = today
    }

    /// Validates `date topic group sentiment`; the error names the line, the first bad field and why.
    public func validate(_ fields: [Substring], line: Int) -> Result<Response, LineError> {
        func error(_ field: String, _ reason: String) -> Result<Response, LineError> {
            .failure(LineError(line: line, field: field, reason: reason))
        }
        guard fields.count == 4 else {
            return error("line", "expected 4 fields (date topic group sentiment), got \(fields.count)")
        }
        guard let date = LocalDate(iso: fields[0]) else {
            return error("date", "'\(Self.shown(fields[0]))' is not a valid date (YYYY-MM-DD)")
        }
        let latest = today.adding(days: context.dateWindow.futureToleranceDays)
        if date > latest {
            return error("date", "\(date) is in the future (today is \(today) in \(context.timeZone.identifier))")
        }
        let earliest = today.adding(days: -context.dateWindow.maximumAgeDays)
        if date < earliest {
            return error("date", "\(date) is more than \(context.dateWindow.maximumAgeDays) days ago (earliest accepted: \(earliest))")
        }
        guard let topic = context.catalog.topic(fields[1]) else {
            return error("topic", "unknown topic '\(Self.shown(fields[1]))'")
        }
        guard topic.isActive(on: date) else {
            let from = topic.activeFrom.map(\.description) ?? "the start"
            let to = topic.activeTo.map(\.description) ?? "further notice"
            return error("topic", "topic \(topic.code) is not open on \(date) (open from \(from) to \(to))")
        }
        guard let group = context.catalog.group(fields[2]) else {
            return error("group", "unknown respondent group '\(Self.shown(fields[2]))'")
        }
        guard let sentiment = context.catalog.sentiment(fields[3]) else {
            return error("sentiment", "unknown sentiment '\(Self.shown(fields[3]))'")
        }
        return .success(Response(collectedOn: date, topic: topic.code, group: group.code, sentiment: sentiment.code))
    }

    /// A field as quoted in an error.
    static func shown(_ field: Substring) -> String {
        Reply.printable(field)
    }
}
