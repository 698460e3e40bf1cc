import Foundation
import GRDB
import SurveyClient
import SurveyProtocol
import Testing

/// The database locked by another process, its files made read-only, and the disk full: batches get a 4xx (try later), one
/// error is logged per episode, other commands are served, surveyd recovers by itself, nothing
/// acknowledged is lost and nothing is corrupted.
@Suite(.serialized) struct DatabaseFailureTests {
    static func occurrences(_ text: String, in log: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    /// While the database is unusable: two batches get 451, and other commands are served at once.
    static func batchesRefusedOthersServed(_ daemon: Daemon, _ collaborator: (id: Int64, token: String), ids: [String]) async throws {
        for id in ids {
            #expect(try await daemon.submit(collaborator, id, responseLines(4, seed: 7)) == .storageUnavailable)
        }
        let start = ContinuousClock.now
        try await daemon.connect { (client) async throws -> Void in
            #expect(try await client.command("PING").code == 250)
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
        }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    /// After recovery: one error and one recovery notice were logged for the episode, the
    /// database holds exactly these counts, and nothing is corrupted.
    static func recoveredIntact(_ daemon: Daemon, batches: Int, responses: Int) throws {
        let log = daemon.log()
        #expect(occurrences("database unavailable", in: log) == 1, "\(log)")
        #expect(occurrences("database available again", in: log) == 1)
        #expect(try daemon.count("SELECT COUNT(*) FROM batches") == batches)
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == responses)
        #expect(try daemon.talliesMatchRecount())
        #expect(try daemon.string("PRAGMA integrity_check") == "ok")
    }

    @Test(.timeLimit(.minutes(2))) func aDatabaseLockedByAnotherProcess() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["PL"])[0]
        try await daemon.start()
        #expect(try await daemon.submit(collaborator, "before", responseLines(3)).code == 250)

        let lock = try await DatabaseWriteLock.take(daemon.databasePath)

        // Two batches while locked: both get 451 after the busy timeout; one error is logged.
        try await Self.batchesRefusedOthersServed(daemon, collaborator, ids: ["locked-1", "locked-2"])
        lock.release()

        // Recovery by itself: the same batch is accepted, once.
        #expect(try await daemon.submit(collaborator, "locked-1", responseLines(4, seed: 7)).code == 250)
        try Self.recoveredIntact(daemon, batches: 2, responses: 7)
        #expect(await daemon.stop() == 0)
    }

    /// The database and its write-ahead log made read-only under the running daemon. `chattr +i`
    /// is used because root (the test) ignores file modes, and ext4 refuses writes through
    /// descriptors that were opened before the flag was set: exactly what a daemon with an open
    /// database sees. Batches get 451, other commands are served, one error is logged, and the
    /// same batch is accepted once the flag is cleared.
    @Test(.timeLimit(.minutes(2))) func theDatabaseFilesMadeReadOnly() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["PL"])[0]
        try await daemon.start()
        #expect(try await daemon.submit(collaborator, "before", responseLines(3)).code == 250)

        let files = [daemon.databasePath, daemon.databasePath + "-wal"]
        let set = try await run("/usr/bin/chattr", ["+i"] + files)
        try #require(set.status == 0, "chattr +i needs root and ext4, xfs or btrfs: \(set.stderr)")
        var cleared = false
        defer { if !cleared { _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/chattr"), arguments: ["-i"] + files) } }
        // Even root cannot open it for writing now.
        #expect(open(daemon.databasePath, O_WRONLY) == -1 && errno == EPERM)

        try await Self.batchesRefusedOthersServed(daemon, collaborator, ids: ["readonly-1", "readonly-2"])

        let unset = try await run("/usr/bin/chattr", ["-i"] + files)
        try #require(unset.status == 0, "\(unset.stderr)")
        cleared = true
        #expect(try await daemon.submit(collaborator, "readonly-1", responseLines(4, seed: 7)).code == 250)
        #expect(try await daemon.submit(collaborator, "after", responseLines(2, seed: 9)).code == 250)
        let log = daemon.log()
        #expect(log.contains("the database file cannot be read or written") || log.contains("the database file is read-only"))
        try Self.recoveredIntact(daemon, batches: 3, responses: 9)
        #expect(await daemon.stop() == 0)
    }

    /// Started on a database file that cannot be written: surveyd exits 73 (systemd restarts it,
    /// `Restart=on-failure`) saying why, and starts normally once the file is writable again.
    @Test(.timeLimit(.minutes(2))) func startingOnAReadOnlyDatabase() async throws {
        let daemon = try Daemon()
        let collaborator = try daemon.addCollaborators(units: ["PL"])[0]
        let files = [daemon.databasePath]
        let set = try await run("/usr/bin/chattr", ["+i"] + files)
        try #require(set.status == 0, "chattr +i needs root and ext4, xfs or btrfs: \(set.stderr)")
        var cleared = false
        defer { if !cleared { _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/chattr"), arguments: ["-i"] + files) } }
        let arguments = ["--config", daemon.configPath, "--state-dir", daemon.stateDirectory, "--listen", "127.0.0.1:\(daemon.port)"]
        let refused = try await run("surveyd", arguments, timeout: 20)
        #expect(refused.status == 73)
        #expect(refused.stderr.contains("the database file is read-only"), "\(refused.stderr)")

        let unset = try await run("/usr/bin/chattr", ["-i"] + files)
        try #require(unset.status == 0, "\(unset.stderr)")
        cleared = true
        try await daemon.start()
        #expect(try await daemon.submit(collaborator, "after", responseLines(2)).code == 250)
        #expect(await daemon.stop() == 0)
    }

    /// A flush of the write-ahead log that fails (`fdatasync` returns EIO on the `-wal` file,
    /// through an LD_PRELOAD shim, Tests/System/fail-fdatasync.c): the batch waiting for it is not
    /// acknowledged, surveyd logs a critical database error and exits 74. Restarted, it copies the
    /// log into the database before serving, and the batch sent again is answered as stored
    /// (it had been committed), once.
    @Test(.timeLimit(.minutes(2))) func aFailedLogFlushStopsTheDaemon() async throws {
        let daemon = try Daemon()
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("System/fail-fdatasync.c").path
        let shim = daemon.directory.appendingPathComponent("fail-fdatasync.so").path
        let compiled = try await run("/usr/bin/env", ["cc", "-shared", "-fPIC", "-O1", "-o", shim, source, "-ldl"])
        try #require(compiled.status == 0, "cannot build the shim: \(compiled.stderr)")
        let flag = daemon.directory.appendingPathComponent("fail-flush").path
        let collaborator = try daemon.addCollaborators(units: ["PL"])[0]
        try await daemon.start(environment: ["LD_PRELOAD": shim, "SURVEYD_TEST_FAIL_FLUSH": flag])
        #expect(try await daemon.submit(collaborator, "before", responseLines(3)).code == 250)

        #expect(FileManager.default.createFile(atPath: flag, contents: nil))
        let lost = responseLines(4, seed: 5)
        // Not acknowledged: 451, or the connection closed by the stopping daemon.
        let reply = try? await daemon.submit(collaborator, "flush-failed", lost)
        #expect(reply == nil || reply == .storageUnavailable, "\(String(describing: reply))")
        #expect(await daemon.stop(signal: 0, timeout: 30) == 74)
        let log = daemon.log()
        #expect(log.contains("critical surveyd"), "\(log)")
        #expect(log.contains("the write-ahead log could not be flushed to disk"))

        try FileManager.default.removeItem(atPath: flag)
        try await daemon.start()
        #expect(daemon.log().contains("write-ahead log copied into the database"), "\(daemon.log())")
        #expect(try await daemon.submit(collaborator, "flush-failed", lost).code == 250)
        #expect(try await daemon.submit(collaborator, "after", responseLines(2, seed: 9)).code == 250)
        #expect(try daemon.count("SELECT COUNT(*) FROM batches") == 3)
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 9)
        #expect(try daemon.talliesMatchRecount())
        #expect(try daemon.string("PRAGMA integrity_check") == "ok")
        #expect(await daemon.stop() == 0)
    }

    /// The state folder on a small tmpfs, filled up: batches get 451 and publishing fails leaving
    /// the previous summary files; once space is freed, the same batch is accepted.
    @Test(.timeLimit(.minutes(2))) func aFullDisk() async throws {
        let daemon = try Daemon()
        try FileManager.default.createDirectory(atPath: daemon.stateDirectory, withIntermediateDirectories: true)
        // 32 MB: the database and the summaries with every unit's view fit with room to spare.
        let mounted = try await run("/bin/mount", ["-t", "tmpfs", "-o", "size=32m,mode=0755", "tmpfs", daemon.stateDirectory])
        try #require(mounted.status == 0, "mounting a tmpfs needs root: \(mounted.stderr)")
        defer { _ = umount2(daemon.stateDirectory, Int32(MNT_DETACH)) }
        let collaborator = try daemon.addCollaborators(units: ["PL"])[0]
        try await daemon.start()
        #expect(try await daemon.submit(collaborator, "before", responseLines(5)).code == 250)
        #expect(await daemon.reload(waitingFor: "publish done"))
        let summary = "\(daemon.stateDirectory)/summaries/index.json"
        let published = try Data(contentsOf: URL(fileURLWithPath: summary))
        // New data that the next publication will want to write.
        #expect(try await daemon.submit(collaborator, "unpublished", responseLines(6, seed: 11)).code == 250)

        // Fill the file system.
        let filler = "\(daemon.stateDirectory)/filler"
        let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
        try #require(fd >= 0)
        let chunk = [UInt8](repeating: 0xAA, count: 64 * 1024)
        while write(fd, chunk, chunk.count) > 0 {}
        close(fd)

        let big = responseLines(5000, seed: 3)
        #expect(try await daemon.submit(collaborator, "full", big) == .storageUnavailable)
        #expect(try await daemon.submit(collaborator, "full", big) == .storageUnavailable)
        try await daemon.connect { (client) async throws -> Void in
            #expect(try await client.command("PING").code == 250)
        }
        // Publishing fails and leaves the previous files.
        #expect(await daemon.reload(waitingFor: "publish failed"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: summary)) == published)

        unlink(filler)
        #expect(try await daemon.submit(collaborator, "full", big).code == 250)
        let log = daemon.log()
        #expect(log.contains("the disk holding the database is full"), "the log names the cause")
        #expect(Self.occurrences("database unavailable", in: log) == 1, "\(log)")
        #expect(Self.occurrences("database available again", in: log) == 1)
        #expect(try daemon.count("SELECT COUNT(*) FROM responses") == 5011)
        #expect(await daemon.reload(waitingFor: "publish done"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: summary)) != published)
        #expect(try daemon.talliesMatchRecount())
        #expect(try daemon.string("PRAGMA integrity_check") == "ok")
        #expect(await daemon.stop() == 0)
    }
}
