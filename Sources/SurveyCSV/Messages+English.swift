extension Messages {
    /// The English table.
    public static let english: [Key: Text] = [
        .fieldDate: .text("date"),
        .fieldTopic: .text("topic"),
        .fieldGroup: .text("group"),
        .fieldSentiment: .text("sentiment"),
        .notText: .text("the file is neither UTF-8 nor UTF-16 text; in Excel, save it as \"Excel Workbook (.xlsx)\" or \"CSV UTF-8 (Comma delimited)\""),
        .notAWorkbook: .text("not an Excel workbook (.xlsx) that can be read: {0}"),
        .emptyFile: .text("the file is empty"),
        .cannotRead: .text("cannot read the file: {0}"),
        .noSheet: .text("the workbook has no sheet '{0}' (its sheets: {1})"),
        .noColumn: .text("the header has no '{0}' column (expected columns: date, topic, group, sentiment)"),
        .noResponses: .text("the file has a header but no responses"),
        .cellCount: .plural(one: "expected {0} cells like the header, got {n}", other: "expected {0} cells like the header, got {n}"),
        .emptyCell: .text("the cell is empty"),
        .space: .text("'{0}' contains a space (write the code, or use the template's lists)"),
        .controlCharacter: .text("the cell contains a control character ({0})"),
        .badDate: .text("'{0}' is not a date (write DD/MM/YYYY, D/M/YYYY or YYYY-MM-DD)"),
        .notInList: .text("'{0}' is not in the list ({1})"),
        .readTimeout: .plural(
            one: "reading the file took more than {n} second: the workbook seems damaged; open it in Excel and save it again",
            other: "reading the file took more than {n} seconds: the workbook seems damaged; open it in Excel and save it again"
        ),
        .badLines: .plural(one: "{n} bad line; nothing sent", other: "{n} bad lines; nothing sent"),
        .accepted: .plural(one: "accepted {n} response (batch {0})", other: "accepted {n} responses (batch {0})"),
        .alreadyReceived: .plural(
            one: "already received: {n} response (batch {0}) was stored before, at {1}; nothing is counted twice",
            other: "already received: {n} responses (batch {0}) were stored before, at {1}; nothing is counted twice"
        ),
        .serverSaid: .text("server: {0}"),
        .rejected: .text("rejected: {0}"),
        .rejectedFixLines: .text("rejected: {0}; fix the lines above and run again"),
        .refused: .text("refused: {0}"),
        .tlsFailed: .text("{0}: {1}; nothing sent"),
        .gaveUp: .plural(
            one: "gave up after {n} attempt: {0}; run the same command again later, it is safe",
            other: "gave up after {n} attempts: {0}; run the same command again later, it is safe"
        ),
        .retrying: .text("retrying in {0} (attempt {1} of {2}): {3}"),
        .noToken: .text("no token: use --token-file PATH or set SURVEYD_TOKEN"),
        .cannotReadToken: .text("cannot read a token from {0}"),
        .badServer: .text("--server must be HOST:PORT, got '{0}'"),
        .cannotReadFile: .text("cannot read {0}: {1}"),
        .unknownUnit: .text("no unit '{0}' in the configuration"),
        .unknownRound: .text("no round '{0}' in the configuration"),
        .templateWritten: .plural(
            one: "wrote {0} for unit {1}: dates {2} to {3}, {n} topic",
            other: "wrote {0} for unit {1}: dates {2} to {3}, {n} topics"
        ),
        .cannotWrite: .text("cannot write {0}: {1}"),
    ]
}
