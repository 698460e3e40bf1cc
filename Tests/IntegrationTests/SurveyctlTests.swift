import Foundation
import GRDB
import SurveyClient
import SurveyProtocol
import Testing

@Suite struct SubmitTests {
    func write(_ text: String, in daemon: Daemon, name: String) throws -> String {
        let path = daemon.directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func excelFileIsAcceptedOnceAndBadLinesAreNamedByCSVLine() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["DHTN"])[0]
        try await daemon.start()
        let tokenFile = try write(collaborator.token + "\n", in: daemon, name: "token")
        let d = today.adding(days: -2)
        // What Excel's "CSV UTF-8" writes: BOM, CRLF, quotes where it likes, blank lines at the end.
        let excel = "\u{FEFF}date,topic,group,sentiment\r\n\(d),CDS,ND,DONGTINH\r\n\(d),\"YTE\",CB,PHANVAN\r\n\(d),GIAODUC,DV,KHONGDONGTINH\r\n\(d),cds,nd,dongtinh\r\n\(d),DAIHOI,ND,DONGTINH\r\n\r\n\r\n"
        let clean = try write(excel, in: daemon, name: "clean.csv")
        let arguments = ["submit", clean, "--server", "127.0.0.1:\(daemon.port)", "--collaborator", String(collaborator.id), "--token-file", tokenFile]
        let first = try await run("surveyctl", arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("accepted 5 responses (batch csv-"))
        // Running it again is safe: success, it says the file was received before, and nothing
        // is counted twice.
        let again = try await run("surveyctl", arguments)
        #expect(again.status == 0, "\(again.stderr)")
        let receivedAt = try #require(try daemon.string("SELECT received_at FROM batches"))
        let batchID = try #require(first.stdout.split(separator: "(batch ").last?.prefix { $0 != ")" })
        #expect(again.stdout == "already received: 5 responses (batch \(batchID)) were stored before, at \(receivedAt); nothing is counted twice\n", "\(again.stdout)")
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 5)
        #expect(try daemon.count("SELECT COUNT(*) FROM batches") == 1)

        // Two bad lines: errors name CSV lines 3 and 7; nothing from the file is stored.
        let bad = "date,topic,group,sentiment\n\(d),CDS,ND,DONGTINH\n\(d),TYPO,ND,DONGTINH\n\(d),CDS,ND,DONGTINH\n\n\(d),CDS,CB,PHANVAN\n\(today.adding(days: 5)),CDS,ND,DONGTINH\n"
        let badFile = try write(bad, in: daemon, name: "bad.csv")
        let rejected = try await run("surveyctl", ["submit", badFile, "--server", "127.0.0.1:\(daemon.port)", "--collaborator", String(collaborator.id)],
                               environment: ["SURVEYD_TOKEN": collaborator.token])
        #expect(rejected.status == 65)
        #expect(rejected.stderr.contains("\(badFile):3: topic: unknown topic 'TYPO'"), "\(rejected.stderr)")
        #expect(rejected.stderr.contains("\(badFile):7: date: \(today.adding(days: 5)) is in the future"), "\(rejected.stderr)")
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 5)

        // A CSV of the collaborator's own that names topics, groups and sentiments by their labels:
        // surveyctl asks surveyd for them (LABELS) and sends the codes.
        let labelled = try write("Ngày,Chủ đề,Nhóm,Thái độ\n\(d),Chuyển đổi số,Nhân dân,Đồng tình\n\(d),chuyển  đổi số,CÁN BỘ,Phân vân\n", in: daemon, name: "labels.csv")
        let withLabels = try await run("surveyctl", ["submit", labelled, "--server", "127.0.0.1:\(daemon.port)", "--collaborator", String(collaborator.id)],
                                       environment: ["SURVEYD_TOKEN": collaborator.token])
        #expect(withLabels.status == 0, "\(withLabels.stderr)")
        #expect(withLabels.stdout.hasPrefix("accepted 2 responses"), "\(withLabels.stdout)")
        #expect(try daemon.count("SELECT COUNT(*) FROM responses r JOIN topics t ON t.id = r.topic_id WHERE t.code = 'CDS'") >= 2)
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 7)
    }

    @Test func credentialsAndUnreachableServers() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["DHTN"])[0]
        try await daemon.start()
        let file = try write("date,topic,group,sentiment\n\(today),CDS,ND,DONGTINH\n", in: daemon, name: "one.csv")
        let wrong = try await run("surveyctl", ["submit", file, "--server", "127.0.0.1:\(daemon.port)", "--collaborator", String(collaborator.id)],
                            environment: ["SURVEYD_TOKEN": "not-the-token"])
        #expect(wrong.status == 77)
        #expect(wrong.stderr.contains("authentication failed"))
        let noToken = try await run("surveyctl", ["submit", file, "--server", "127.0.0.1:\(daemon.port)", "--collaborator", "1"])
        #expect(noToken.status == 64)
        #expect(noToken.stderr.contains("--token-file"))
        await daemon.stop()
        let down = try await run("surveyctl", ["submit", file, "--server", "127.0.0.1:\(daemon.port)", "--collaborator", String(collaborator.id),
                                         "--attempts", "3", "--retry-delay", "0.05"], environment: ["SURVEYD_TOKEN": collaborator.token])
        #expect(down.status == 75)
        #expect(down.stderr.components(separatedBy: "retrying in").count - 1 == 2)
        #expect(down.stderr.contains("gave up after 3 attempts"))
    }

    @Test func fileLargerThanTheServersLimitIsRefusedBeforeSending() async throws {
        let daemon = try Daemon(replacing: ["max_batch_responses: 5000": "max_batch_responses: 2"])
        let collaborator = try daemon.addCollaborators(units: ["DHTN"])[0]
        try await daemon.start()
        let file = try write("date,topic,group,sentiment\n\(today),CDS,ND,DONGTINH\n\(today),CDS,ND,DONGTINH\n\(today),CDS,ND,DONGTINH\n", in: daemon, name: "big.csv")
        let result = try await run("surveyctl", ["submit", file, "--server", "127.0.0.1:\(daemon.port)", "--collaborator", String(collaborator.id)],
                             environment: ["SURVEYD_TOKEN": collaborator.token])
        #expect(result.status == 65)
        #expect(result.stderr.contains("batch too large: 3 responses declared, at most 2 allowed"), "\(result.stderr)")
    }
}

@Suite struct AdministrationTests {
    @Test func collaboratorsUnitsTopicsAndStats() async throws {
        let daemon = try Daemon()
        let options = daemon.storeOptions
        let added = try await run("surveyctl", ["collaborator", "add", "--unit", "dhy", "--name", "Trần Thị B", "--json"] + options)
        #expect(added.status == 0, "\(added.stderr)")
        struct Added: Decodable { struct Collaborator: Decodable { var id: Int64; var unit: String; var name: String }; var collaborator: Collaborator; var token: String }
        let record = try JSONDecoder().decode(Added.self, from: Data(added.stdout.utf8))
        #expect(record.collaborator.unit == "DHY")
        #expect(record.collaborator.name == "Trần Thị B")
        #expect(record.token.count >= 22)

        let human = try await run("surveyctl", ["collaborator", "add", "--unit", "VN", "--name", "Lò Văn C"] + options)
        #expect(human.stdout.contains("token: "))
        #expect(human.stdout.contains("shown only this once"))

        let list = try await run("surveyctl", ["collaborator", "list"] + options)
        #expect(list.stdout.split(separator: "\n").first?.hasPrefix("ID") == true)
        #expect(list.stdout.contains("Trần Thị B") && list.stdout.contains("Lò Văn C"))
        // The token never appears in listings or in the database.
        #expect(!list.stdout.contains(record.token))
        let raw = try Data(contentsOf: URL(fileURLWithPath: daemon.databasePath))
        #expect(raw.range(of: Data(record.token.utf8)) == nil)

        #expect(try await run("surveyctl", ["collaborator", "revoke", String(record.collaborator.id)] + options).stdout.contains("revoked collaborator"))
        #expect(try await run("surveyctl", ["collaborator", "revoke", String(record.collaborator.id)] + options).stdout.contains("already revoked"))
        let missing = try await run("surveyctl", ["collaborator", "revoke", "999"] + options)
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("no collaborator has the id 999"))
        let wrongUnit = try await run("surveyctl", ["collaborator", "add", "--unit", "NOWHERE", "--name", "X"] + options)
        #expect(wrongUnit.status == 65)
        #expect(wrongUnit.stderr.contains("surveyctl units"))

        let units = try await run("surveyctl", ["units", "--json"] + options)
        struct Unit: Decodable { var code: String; var name: String; var active: Bool }
        let decoded = try JSONDecoder().decode([Unit].self, from: Data(units.stdout.utf8))
        #expect(decoded.count == 16)
        #expect(decoded.contains { $0.code == "DHTN" && $0.name == "Đảng bộ Đại học Thái Nguyên" })
        let topics = try await run("surveyctl", ["topics"] + options)
        #expect(topics.stdout.contains("COVID") && topics.stdout.contains("2023-12-31"))
    }

    @Test func statsCountPerUnitAndPeriod() async throws {
        let daemon = try Daemon()
        let collaborators = try daemon.addCollaborators(units: ["PB", "QS"])
        try await daemon.start()
        for (index, collaborator) in collaborators.enumerated() {
            try await daemon.connect { client in
                _ = try await client.command("AUTH \(collaborator.id) \(collaborator.token)")
                try await client.send(batchLines("s", ["R \(today) CDS ND DONGTINH"] + Array(repeating: "R \(today) YTE CB PHANVAN", count: index + 1)))
                _ = try await client.readReply()
                #expect(try await client.readReply().code == 250)
            }
        }
        let stats = try await run("surveyctl", ["stats", "--period", "week", "--json"] + daemon.storeOptions)
        #expect(stats.status == 0, "\(stats.stderr)")
        struct Stats: Decodable { struct Count: Decodable, Equatable { var unit: String; var period: String; var responses: Int }; var counts: [Count] }
        let week = "\(today)".isEmpty ? "" : weekIdentifier(today)
        #expect(try JSONDecoder().decode(Stats.self, from: Data(stats.stdout.utf8)).counts == [
            .init(unit: "PB", period: week, responses: 2), .init(unit: "QS", period: week, responses: 3),
        ])
        let table = try await run("surveyctl", ["stats"] + daemon.storeOptions)
        #expect(table.stdout.contains("total: 5 responses in 2 batches from 2 collaborators"))
    }
}

import SurveyModel

func weekIdentifier(_ date: LocalDate) -> String {
    Period.containing(date, kind: .week).identifier
}
