import Foundation
import SurveyClient
import SurveyProtocol
import Testing

/// A certificate authority, a server certificate it signed (for `localhost` and 127.0.0.1), and an
/// unrelated authority, generated with openssl for this test run.
struct TestCertificates {
    let directory: String
    var caFile: String { "\(directory)/ca.pem" }
    var otherCAFile: String { "\(directory)/other-ca.pem" }
    var certificateFile: String { "\(directory)/server.pem" }
    var keyFile: String { "\(directory)/server.key" }

    static func make(in directory: String) async throws -> TestCertificates {
        let certificates = TestCertificates(directory: directory)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let steps: [[String]] = [
            ["req", "-x509"] + ec + ["-keyout", "\(directory)/ca.key", "-out", certificates.caFile, "-days", "2", "-subj", "/CN=surveyd test CA"],
            ["req", "-x509"] + ec + ["-keyout", "\(directory)/other-ca.key", "-out", certificates.otherCAFile, "-days", "2", "-subj", "/CN=another CA"],
            ["req"] + ec + ["-keyout", certificates.keyFile, "-out", "\(directory)/server.csr", "-subj", "/CN=localhost"],
            [
                "x509", "-req", "-in", "\(directory)/server.csr", "-CA", certificates.caFile, "-CAkey", "\(directory)/ca.key",
                "-CAcreateserial", "-out", certificates.certificateFile, "-days", "2", "-extfile", "\(directory)/server.ext",
            ],
        ]
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: "\(directory)/server.ext", atomically: true, encoding: .utf8)
        for step in steps {
            let result = try await run("/usr/bin/openssl", step)
            try #require(result.status == 0, "openssl \(step.joined(separator: " ")): \(result.stderr)")
        }
        return certificates
    }
}

@Suite struct TLSTests {
    /// A daemon with plain text on loopback (from the test harness) and TLS on another port.
    static func start(replacing extra: [String: String] = [:]) async throws -> (Daemon, TestCertificates, tlsPort: Int, (id: Int64, token: String)) {
        let tlsPort = freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("surveyd-certs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = try await TestCertificates.make(in: directory)
        let daemon = try Daemon(replacing: [
            Self.commentedTLS: "tls:\n  listen: [\"127.0.0.1:\(tlsPort)\"]\n  certificate: \(certificates.certificateFile)\n  key: \(certificates.keyFile)",
        ].merging(extra) { $1 })
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        return (daemon, certificates, tlsPort, collaborator)
    }

    /// `surveyctl submit` of a one-response CSV over TLS, trusting `caFile`.
    static func submitOneResponse(_ daemon: Daemon, _ collaborator: (id: Int64, token: String), server: String, caFile: String) async throws -> CommandResult {
        let csv = daemon.directory.appendingPathComponent("batch.csv").path
        try "date,topic,group,sentiment\n\(today),CDS,ND,DONGTINH\n".write(toFile: csv, atomically: true, encoding: .utf8)
        return try await run("surveyctl", [
            "submit", csv, "--server", server, "--collaborator", "\(collaborator.id)", "--ca-file", caFile,
        ], environment: ["SURVEYD_TOKEN": collaborator.token])
    }

    /// The TLS section of the example configuration, commented out.
    static let commentedTLS = "# tls:\n#   listen: [\"0.0.0.0:7412\"]\n#   certificate: /etc/surveyd/tls/fullchain.pem\n#   key: /etc/surveyd/tls/privkey.pem"

    @Test(.timeLimit(.minutes(2))) func aVerifiedSessionOverTLS() async throws {
        let (daemon, certificates, tlsPort, collaborator) = try await Self.start()
        defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
        #expect(daemon.log().contains("127.0.0.1:\(tlsPort)"))
        for host in ["127.0.0.1", "localhost"] {
            try await ProtocolClient.withConnection(host: host, port: tlsPort, tls: ClientTLS(caFile: certificates.caFile)) { (client) async throws -> Void in
                #expect(client.greeting?.code == 220)
                #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
                try await client.send(batchLines("over-tls-\(host)", responseLines(4)))
                #expect(try await client.readReply().code == 354)
                #expect(try await client.readReply().code == 250)
            }
        }
        // surveyctl submit verifies the server with the CA file.
        let submitted = try await Self.submitOneResponse(daemon, collaborator, server: "localhost:\(tlsPort)", caFile: certificates.caFile)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 9)
        #expect(await daemon.stop() == 0)
    }

    @Test(.timeLimit(.minutes(2))) func anUntrustedCertificateAndPlainTextAreRefused() async throws {
        let (daemon, certificates, tlsPort, collaborator) = try await Self.start()
        defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
        // A client trusting another CA refuses the server before sending anything.
        await #expect(throws: TLSFailure.self) {
            try await ProtocolClient.withConnection(host: "127.0.0.1", port: tlsPort, tls: ClientTLS(caFile: certificates.otherCAFile)) { (client) async throws -> Void in
                _ = try await client.command("AUTH \(collaborator.id) \(collaborator.token)")
            }
        }
        let refused = try await Self.submitOneResponse(daemon, collaborator, server: "127.0.0.1:\(tlsPort)", caFile: certificates.otherCAFile)
        #expect(refused.status == 76, "\(refused.stderr)")
        #expect(refused.stderr.contains("TLS handshake failed"))
        // A TLS client on the plain-text port fails cleanly too.
        await #expect(throws: TLSFailure.self) {
            try await ProtocolClient.withConnection(host: "127.0.0.1", port: daemon.port, tls: ClientTLS(caFile: certificates.caFile)) { (_) async throws -> Void in }
        }
        // Plain text to the TLS port: no greeting, the connection is closed, the attempt is logged.
        let plain = try #require(RawConnection(from: "127.0.0.1", to: tlsPort, timeout: 5))
        _ = plain.send(Array("AUTH \(collaborator.id) \(collaborator.token)\r\n".utf8))
        let start = ContinuousClock.now
        var received: [UInt8] = []
        var byte: UInt8 = 0
        while read(plain.fd, &byte, 1) == 1 { received.append(byte) }
        #expect(ContinuousClock.now - start < .seconds(4), "the connection was not closed")
        #expect(!String(decoding: received, as: UTF8.self).contains("220"))
        #expect(daemon.log().contains("TLS handshake failed"))
        #expect(!daemon.log().contains(collaborator.token))
        #expect(try daemon.count("SELECT COUNT(*) FROM batches") == 0)
        // The daemon still serves, in both modes.
        try await ProtocolClient.withConnection(host: "127.0.0.1", port: tlsPort, tls: ClientTLS(caFile: certificates.caFile)) { (client) async throws -> Void in
            #expect(try await client.command("PING") == .pong)
        }
        try await daemon.connect { (client) async throws -> Void in
            #expect(try await client.command("PING") == .pong)
        }
        #expect(await daemon.stop() == 0)
    }

    /// The minimal Python client of docs/PROTOCOL.md §12, run as printed there, over TLS.
    @Test(.timeLimit(.minutes(2))) func theDocumentedPythonClientSpeaksTLS() async throws {
        let (daemon, certificates, tlsPort, collaborator) = try await Self.start()
        defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
        let protocolDoc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/PROTOCOL.md")
        let text = try String(contentsOf: protocolDoc, encoding: .utf8)
        let section = try #require(text.range(of: "## 12. A minimal client"))
        let start = try #require(text.range(of: "```python\n", range: section.upperBound..<text.endIndex))
        let end = try #require(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        let script = daemon.directory.appendingPathComponent("submit.py").path
        try String(text[start.upperBound..<end.lowerBound]).write(toFile: script, atomically: true, encoding: .utf8)
        let batch = daemon.directory.appendingPathComponent("batch.txt").path
        try "\(today) CDS ND DONGTINH\n\(today) YTE CB PHANVAN\n".write(toFile: batch, atomically: true, encoding: .utf8)
        let base = [script, "127.0.0.1", "\(tlsPort)", "\(collaborator.id)", collaborator.token, batch]
        let untrusted = try await run("/usr/bin/python3", base + [certificates.otherCAFile])
        #expect(untrusted.status == 76, "\(untrusted.stdout) \(untrusted.stderr)")
        let accepted = try await run("/usr/bin/python3", base + [certificates.caFile])
        #expect(accepted.status == 0, "\(accepted.stdout) \(accepted.stderr)")
        #expect(accepted.stdout.contains("250 2.6.0 batch csv-"))
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 2)
        #expect(await daemon.stop() == 0)
    }

    /// A renewed certificate in the same files is used for new connections after SIGHUP.
    @Test(.timeLimit(.minutes(2))) func reloadPicksUpARenewedCertificate() async throws {
        let (daemon, certificates, tlsPort, _) = try await Self.start()
        defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
        let renewedDirectory = certificates.directory + "-renewed"
        try FileManager.default.createDirectory(atPath: renewedDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: renewedDirectory) }
        let renewed = try await TestCertificates.make(in: renewedDirectory)
        for (from, to) in [(renewed.certificateFile, certificates.certificateFile), (renewed.keyFile, certificates.keyFile)] {
            try FileManager.default.removeItem(atPath: to)
            try FileManager.default.copyItem(atPath: from, toPath: to)
        }
        #expect(await daemon.reload(waitingFor: "configuration reloaded"))
        try await ProtocolClient.withConnection(host: "127.0.0.1", port: tlsPort, tls: ClientTLS(caFile: renewed.caFile)) { (client) async throws -> Void in
            #expect(try await client.command("PING") == .pong)
        }
        await #expect(throws: TLSFailure.self) {
            try await ProtocolClient.withConnection(host: "127.0.0.1", port: tlsPort, tls: ClientTLS(caFile: certificates.caFile)) { (_) async throws -> Void in }
        }
        #expect(await daemon.stop() == 0)
    }

    /// The login grace time covers the TLS handshake: a client that starts a handshake and stalls
    /// is closed at the deadline (no reply can reach it), while a client that completes the
    /// handshake in time is served.
    @Test(.timeLimit(.minutes(2))) func aStalledHandshakeIsClosedAtTheLoginGraceTime() async throws {
        // 5 s: a handshake and AUTH must fit in it on a loaded CI machine (2 s once did not).
        let (daemon, certificates, tlsPort, collaborator) = try await Self.start(replacing: ["login_grace_seconds: 20": "login_grace_seconds: 5"])
        defer { try? FileManager.default.removeItem(atPath: certificates.directory) }
        let stalled = try #require(RawConnection(from: "127.0.0.4", to: tlsPort, timeout: 20))
        // The first bytes of a TLS record holding a ClientHello, and no more.
        #expect(stalled.send([0x16, 0x03, 0x01, 0x00, 0xC8, 0x01]))
        let start = ContinuousClock.now
        #expect(stalled.readLine() == nil)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(4800) && elapsed < .seconds(12), "closed after \(elapsed)")
        try await ProtocolClient.withConnection(host: "127.0.0.1", port: tlsPort, tls: ClientTLS(caFile: certificates.caFile)) { (client) async throws -> Void in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
            try await Task.sleep(for: .seconds(6))  // time that must pass, not a wait for an event
            #expect(try await client.command("PING") == .pong, "an authenticated session outlives the grace time")
        }
        #expect(await daemon.stop() == 0)
    }

    @Test func aKeyThatIsNotPEMIsAConfigurationError() async throws {
        let daemon = try Daemon(replacing: [
            Self.commentedTLS: "tls:\n  listen: [\"127.0.0.1:7412\"]\n  certificate: /etc/hostname\n  key: /etc/hostname",
        ])
        let result = try await run("surveyd", ["--check-config", "--config", daemon.configPath])
        #expect(result.status == 78)
        #expect(result.stderr.contains("TLS: /etc/hostname: not a PEM certificate chain"), "\(result.stderr)")
    }
}
