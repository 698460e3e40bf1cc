import Foundation
import SurveyClient
import SurveyProtocol
import Testing

@Suite struct ConfigurationReloadTests {
    /// The level field of a line of surveyd's standard-error log (`TIMESTAMP LEVEL LABEL : …`).
    static func levels(_ log: String) -> [String] {
        log.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 2)
            return fields.count > 1 ? String(fields[1]) : nil
        }
    }

    /// A reload that drops a topic while a batch using it is open: COMMIT is refused for good
    /// (`554 5.6.0` naming the line and the field), not deferred (`451`, which a client retries
    /// forever); nothing is stored; nothing is logged as an error; and the connection goes on
    /// under the new configuration.
    @Test(.timeLimit(.minutes(2))) func aReloadThatDropsATopicRefusesTheOpenBatchForGood() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["DH"])[0]
        try await daemon.start()
        let cds = "  - { code: CDS, title: \"Chuyển đổi số\" }\n"
        try await daemon.connect { (client) async throws -> Void in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
            #expect(try await client.command("BATCH before-reload 3").code == 354)
            try await client.send(["R \(today) YTE ND DONGTINH", "R \(today) CDS CB PHANVAN", "R \(today) cds nd dongtinh"])
            // The operator removes the topic and reloads while the batch is open.
            let text = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
            try #require(text.contains(cds))
            try text.replacingOccurrences(of: cds, with: "").write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
            #expect(await daemon.reload(waitingFor: "configuration reloaded"))
            let refused = try await client.command("COMMIT")
            #expect(refused.code == 554 && refused.status == "5.6.0")
            #expect(refused.lines == [
                "batch before-reload rejected: 2 bad lines; nothing stored",
                "line 2: topic: unknown topic 'CDS'",
                "line 3: topic: unknown topic 'CDS'",
                "end of errors",
            ])
            // The same connection now validates against the new configuration at once...
            #expect(try await client.command("BATCH after-reload-cds 1").code == 354)
            try await client.send(["R \(today) CDS ND DONGTINH"])
            #expect(try await client.command("COMMIT").lines.dropFirst().first == "line 1: topic: unknown topic 'CDS'")
            // ... and accepts a batch with the topics it still has.
            #expect(try await client.command("BATCH after-reload 2").code == 354)
            try await client.send(["R \(today) YTE ND DONGTINH", "R \(today) GIAODUC CB PHANVAN"])
            let accepted = try await client.command("COMMIT")
            #expect(accepted.code == 250 && accepted.status == "2.6.0", "\(accepted)")
        }
        #expect(try daemon.count("SELECT COUNT(*) FROM batches") == 1)
        #expect(try daemon.string("SELECT client_batch_id FROM batches") == "after-reload")
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 2)
        #expect(try daemon.talliesMatchRecount())
        #expect(await daemon.stop() == 0)
        let log = daemon.log()
        #expect(!log.contains("database unavailable"), "a content problem raised a database alarm")
        let alarming = Self.levels(log).filter { ["error", "critical"].contains($0) }
        #expect(alarming.isEmpty, "error-level entries:\n\(log)")
        #expect(log.contains("batch uses codes the configuration in force no longer has"))
    }
}
