/// One respondent's answer on one topic. It carries no personal data by design: only when it was
/// collected, what it was about, which group the respondent belongs to, and the sentiment.
///
/// Codes are the canonical codes from the ``Catalog`` (their configured spelling).
public struct Response: Hashable, Sendable {
    /// The local date the answer was collected in the field (not the upload time).
    public var collectedOn: LocalDate
    public var topic: String
    public var group: String
    public var sentiment: String

    public init(collectedOn: LocalDate, topic: String, group: String, sentiment: String) {
        self.collectedOn = collectedOn
        self.topic = topic
        self.group = group
        self.sentiment = sentiment
    }

    /// The canonical one-line text of the response, used to compute a batch's content digest.
    public var canonicalLine: String {
        "\(collectedOn) \(topic) \(group) \(sentiment)"
    }
}

/// A validated batch ready to be stored: what one collaborator submitted under one batch id.
public struct BatchSubmission: Hashable, Sendable {
    /// The collaborator's numeric id.
    public var collaboratorID: Int64
    /// The client-chosen batch id, unique per collaborator.
    public var clientBatchID: String
    public var responses: [Response]

    public init(collaboratorID: Int64, clientBatchID: String, responses: [Response]) {
        self.collaboratorID = collaboratorID
        self.clientBatchID = clientBatchID
        self.responses = responses
    }

    /// The canonical content whose digest identifies the batch: one canonical line per response.
    /// The UTF-8 bytes of ``canonicalContent``, made without intermediate strings.
    public var canonicalBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(responses.count * 40)
        for response in responses {
            response.collectedOn.appendISO(to: &bytes)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: response.topic.utf8)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: response.group.utf8)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: response.sentiment.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    public var canonicalContent: String {
        var text = ""
        text.reserveCapacity(responses.count * 32)
        for response in responses {
            text += response.canonicalLine
            text += "\n"
        }
        return text
    }
}

/// Rules for the collection date of a response, relative to today in the provincial time zone.
public struct DateWindow: Sendable, Hashable {
    /// Days after today that are still accepted (clock skew between devices).
    public var futureToleranceDays: Int
    /// How many days back a collection date may lie.
    public var maximumAgeDays: Int

    public init(futureToleranceDays: Int = 1, maximumAgeDays: Int = 366) {
        self.futureToleranceDays = futureToleranceDays
        self.maximumAgeDays = maximumAgeDays
    }
}
