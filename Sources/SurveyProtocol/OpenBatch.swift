import SurveyModel

/// The batch being received on a connection, between BATCH and COMMIT or ABORT.
public struct OpenBatch: Sendable {
    public let id: String
    public let declaredCount: Int
    /// Lines received so far (good and bad).
    public private(set) var receivedCount = 0
    public private(set) var responses: [Response] = []
    public private(set) var errors = BatchErrors()

    init(id: String, declaredCount: Int) {
        self.id = id
        self.declaredCount = declaredCount
        responses.reserveCapacity(min(declaredCount, 1024))
    }

    /// Takes the next line of the batch; only the declared number of responses is kept.
    mutating func add(_ result: Result<Response, LineError>) {
        receivedCount += 1
        switch result {
        case let .success(response):
            if responses.count < declaredCount { responses.append(response) }
        case let .failure(error):
            errors.append(error)
        }
    }

    /// Records a line that could not be read at all (too long, not UTF-8).
    mutating func addUnreadable(reason: String) {
        add(.failure(LineError(line: receivedCount + 1, field: "line", reason: reason)))
    }

    var nextLineNumber: Int { receivedCount + 1 }
}
