import SurveyProtocol
import Testing

@Suite struct CommandTests {
    @Test(arguments: [
        ("AUTH 12 s3cr3t-_x", Command.auth(collaboratorID: 12, token: "s3cr3t-_x")),
        ("auth\t12   tok", .auth(collaboratorID: 12, token: "tok")),
        ("BATCH 2026-11-20.a:1 120", .batch(id: "2026-11-20.a:1", count: 120)),
        ("commit", .commit), ("ABORT", .abort), ("Ping", .ping), ("QUIT", .quit), ("HELP", .help),
        ("R 2026-11-20 CDS ND DONGTINH", .response(fields: ["2026-11-20", "CDS", "ND", "DONGTINH"])),
        ("r  2026-11-20\tCDS ND", .response(fields: ["2026-11-20", "CDS", "ND"])),
    ])
    func parsesValidCommands(line: String, command: Command) {
        #expect(Command.parse(line) == .success(command))
    }

    @Test(arguments: [
        ("", CommandError.empty),
        ("   ", .empty),
        ("HELO there", .unknown(verb: "HELO")),
        ("AUTH", .syntax(verb: "AUTH", usage: "AUTH <collaborator-id> <token>")),
        ("AUTH x tok", .syntax(verb: "AUTH", usage: "AUTH <collaborator-id> <token>")),
        ("AUTH 0 tok", .syntax(verb: "AUTH", usage: "AUTH <collaborator-id> <token>")),
        ("AUTH 1 tok extra", .syntax(verb: "AUTH", usage: "AUTH <collaborator-id> <token>")),
        ("BATCH b1", .syntax(verb: "BATCH", usage: "BATCH <batch-id> <count>")),
        ("BATCH b1 0", .syntax(verb: "BATCH", usage: "BATCH <batch-id> <count>")),
        ("BATCH b/1 3", .syntax(verb: "BATCH", usage: "BATCH <batch-id> <count>")),
        ("BATCH \(String(repeating: "a", count: 65)) 3", .syntax(verb: "BATCH", usage: "BATCH <batch-id> <count>")),
        ("COMMIT now", .syntax(verb: "COMMIT", usage: "COMMIT")),
        ("AUTH +7 tok", .syntax(verb: "AUTH", usage: "AUTH <collaborator-id> <token>")),
        ("BATCH b1 +3", .syntax(verb: "BATCH", usage: "BATCH <batch-id> <count>")),
    ])
    func refusesInvalidCommands(line: String, error: CommandError) {
        #expect(Command.parse(line) == .failure(error))
    }

    @Test func responseLineDetectionWorksOnBytes() {
        #expect(Command.isResponseLine(Array("R 2026".utf8)))
        #expect(Command.isResponseLine(Array("r\tx".utf8)))
        #expect(!Command.isResponseLine(Array("RCPT".utf8)))
        #expect(!Command.isResponseLine(Array("R".utf8)))
    }

    /// Exactly the lines that parse as COMMIT.
    @Test(arguments: ["COMMIT", "commit", " CoMmIt\t", "COMMIT x", "COMMITS", "COMMI", "", "C0MMIT", "R COMMIT"])
    func commitLineDetectionMatchesTheParser(_ text: String) {
        #expect(Command.isCommitLine(Array(text.utf8)) == (Command.parse(text) == .success(.commit)))
    }
}

@Suite struct ReplyTests {
    @Test func singleAndMultiLineEncoding() {
        #expect(Reply.pong.encoded == "250 2.0.0 pong\r\n")
        let reply = Reply(554, "5.6.0", ["a", "b", "c"])
        #expect(reply.encoded == "554-5.6.0 a\r\n554-5.6.0 b\r\n554 5.6.0 c\r\n")
    }

    @Test func wireLinesParseBack() {
        let reply = Reply(554, "5.6.0", ["batch b rejected: 1 bad line; nothing stored", "line 3: topic: unknown topic 'X'", "end of errors"])
        let lines = reply.encoded.split(separator: "\r\n").map(String.init)
        #expect(Reply(wireLines: lines) == reply)
        #expect(Reply(wireLines: ["25"]) == nil)
        #expect(Reply(wireLines: ["250-2.0.0 a", "251 2.0.0 b"]) == nil)
    }

    @Test func lineErrorsParseBack() {
        let error = LineError(line: 7, field: "date", reason: "2027-01-01 is in the future (today is 2026-11-22 in Asia/Ho_Chi_Minh)")
        #expect(LineError(parsing: error.description) == error)
        #expect(LineError(parsing: "end of errors") == nil)
    }

    @Test func rejectionListsTwentyAndTheTotal() {
        var errors = BatchErrors()
        for line in 1...25 { errors.append(LineError(line: line, field: "topic", reason: "unknown topic 'X'")) }
        let reply = Reply.rejected(batchID: "b1", errors: errors)
        #expect(reply.code == 554)
        #expect(reply.lines.first == "batch b1 rejected: 25 bad lines; nothing stored")
        #expect(reply.lines.count == 1 + 20 + 1 + 1)
        #expect(reply.lines[20] == "line 20: topic: unknown topic 'X'")
        #expect(reply.lines[21] == "… and 5 more")
        #expect(reply.lines.last == "end of errors")
    }
}
