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

    /// The response of a valid `R` line read straight from its bytes, or nil for anything else:
    /// the general path (``Command/parse(_:)`` and ``validate(_:line:)``) then reads the line again
    /// and says what is wrong. Handles the common case only, printable ASCII fields of at most 16
    /// bytes separated by spaces or tabs, and accepts exactly what the general path accepts.
    public func fastResponse(_ line: ArraySlice<UInt8>) -> Response? {
        ResponseValidator.fastResponse(line, context: context, today: today)
    }

    /// ``fastResponse(_:)`` without making a validator: the session's context is read in place
    /// (a validator per line copied it, a dozen reference counts each time).
    public static func fastResponse(_ line: ArraySlice<UInt8>, context: borrowing SessionContext, today: LocalDate) -> Response? {
        line.withUnsafeBufferPointer { bytes -> Response? in
            // The starts and ends of the five fields: R, date, topic, group, sentiment.
            var starts = (0, 0, 0, 0, 0), ends = (0, 0, 0, 0, 0)
            var count = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x20 || byte == 0x09 {
                    index += 1
                    continue
                }
                let start = index
                while index < bytes.count, bytes[index] >= 0x21, bytes[index] <= 0x7E { index += 1 }
                if index < bytes.count, bytes[index] != 0x20, bytes[index] != 0x09 { return nil }
                switch count {
                case 0: (starts.0, ends.0) = (start, index)
                case 1: (starts.1, ends.1) = (start, index)
                case 2: (starts.2, ends.2) = (start, index)
                case 3: (starts.3, ends.3) = (start, index)
                case 4: (starts.4, ends.4) = (start, index)
                default: return nil
                }
                count += 1
            }
            guard count == 5, ends.0 - starts.0 == 1, bytes[starts.0] | 0x20 == UInt8(ascii: "r") else { return nil }
            func field(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: bytes[start..<end])
            }
            guard let date = LocalDate(isoBytes: field(starts.1, ends.1)),
                  date <= today.adding(days: context.dateWindow.futureToleranceDays),
                  date >= today.adding(days: -context.dateWindow.maximumAgeDays),
                  let topicCode = ShortCode(uppercasing: field(starts.2, ends.2)),
                  let topic = context.catalog.topic(short: topicCode), topic.isActive(on: date),
                  let groupCode = ShortCode(uppercasing: field(starts.3, ends.3)),
                  let group = context.catalog.group(short: groupCode),
                  let sentimentCode = ShortCode(uppercasing: field(starts.4, ends.4)),
                  let sentiment = context.catalog.sentiment(short: sentimentCode)
            else { return nil }
            return Response(collectedOn: date, topic: topic.code, group: group.code, sentiment: sentiment.code)
        }
    }
}
