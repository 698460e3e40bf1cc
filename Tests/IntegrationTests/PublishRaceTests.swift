import Foundation
import SurveyModel
import SurveyReport
import Synchronization
import Testing

/// Publications racing ingest (issue 16 §1): SIGHUP publishes back to back while one collaborator
/// sends one-response batches that keep opening new tally spans at both ends of the stored range,
/// and `surveyctl publish` runs against the same folder now and then.
@Suite(.serialized) struct PublishRaceTests {
    /// One acknowledged batch: its collection day and when its `250` arrived.
    struct Acknowledged {
        var day: LocalDate
        var at: Date
    }

    @Test(.timeLimit(.minutes(3))) func publicationsRacingBackDatedBatchesStayConsistent() async throws {
        // Nothing withheld, so that every published total can be checked against its rows.
        let daemon = try Daemon(replacing: ["minimum_cell_size: 5": "minimum_cell_size: 1"])
        let collaborator = try daemon.addCollaborators(units: ["TPTN"])[0]
        try await daemon.start()
        let pid = try #require(daemon.process).processIdentifier
        let summaries = "\(daemon.stateDirectory)/summaries"
        let acknowledged = Mutex<[Acknowledged]>([])
        let stop = StopFlag()
        let batches = Int(ProcessInfo.processInfo.environment["SURVEYD_RACE_BATCHES"] ?? "") ?? 240

        // Reloads every 20 ms: `systemctl reload` as fast as an operator's script could.
        let signaller = Task.detached {
            var sent = 0
            while !stop.isSet {
                kill(pid, SIGHUP)
                sent += 1
                try? await Task.sleep(for: .milliseconds(20))  // the load's pace, not a wait
            }
            return sent
        }
        // surveyctl publishes into the same folder now and then; it must wait for the daemon's
        // publication (one lock per folder) and never fail or remove the other's files.
        let manual = Task.detached {
            var results: [CommandResult] = []
            while !stop.isSet {
                results.append(try await run("surveyctl", ["publish", "--wait", "60"] + daemon.storeOptions, timeout: 90))
                try? await Task.sleep(for: .milliseconds(300))  // the load's pace, not a wait
            }
            return results
        }

        // Batches alternate between a day older than everything stored (a new span at the low end
        // every few batches) and the next day forward (new weeks and months at the high end).
        var checkedFiles = 0
        try await daemon.connect { client in
            #expect(try await client.command("AUTH \(collaborator.id) \(collaborator.token)").code == 235)
            for index in 0..<batches {
                let day = index % 2 == 0 ? today.adding(days: -150 - index / 2) : today.adding(days: -149 + min(index / 2, 149))
                let line = "R \(day) CANBO \(["CB", "DV", "ND"][index % 3]) \(["DONGTINH", "PHANVAN", "KHONGDONGTINH"][index % 3])"
                try await client.send(batchLines("race-\(index)", [line]))
                #expect(try await client.readReply().code == 354)
                let reply = try await client.readReply()
                #expect(reply.code == 250, "batch \(index): \(reply)")
                acknowledged.withLock { $0.append(Acknowledged(day: day, at: Date())) }
                if index % 40 == 39 {
                    checkedFiles += try Self.checkPublished(in: summaries, acknowledged: acknowledged.withLock { $0 })
                }
            }
        }
        stop.set()
        let signals = await signaller.value
        let manualRuns = try await manual.value
        #expect(try #require(daemon.process).isRunning, "surveyd died:\n\(daemon.log().suffix(3000))")

        // A last publication that starts after every acknowledgement: each period holds exactly
        // what the database holds.
        #expect(await daemon.reload(waitingFor: "publish done"))
        let all = acknowledged.withLock { $0 }
        checkedFiles += try Self.checkPublished(in: summaries, acknowledged: all, exact: true)
        for result in manualRuns {
            #expect(result.status == 0, "surveyctl publish: \(result.stderr)")
        }
        let log = daemon.log()
        #expect(!log.contains("publish failed"), "\(log.components(separatedBy: "\n").filter { $0.contains("publish failed") }.prefix(3))")
        let leftovers = (FileManager.default.enumerator(atPath: summaries)?.allObjects as? [String] ?? []).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers.prefix(5))")
        #expect(try daemon.talliesMatchRecount())
        let publications = log.components(separatedBy: "publish done").count - 1
        print("publish race: \(all.count) batches, \(signals) SIGHUPs, \(publications) daemon publications, \(manualRuns.count) surveyctl publications, \(checkedFiles) summary files checked")
        // Each publication also writes the units' views of the periods it changes (issue 28), so
        // fewer fit in the same batches than the 25 or so before: 10 still race them throughout.
        #expect(publications >= 10, "only \(publications) publications raced the batches")
        #expect(await daemon.stop() == 0)
    }

    /// Checks every `summary.json` under `folder`: its totals equal the sums of its rows, and it
    /// counts at least every batch acknowledged before its publication started (`data_through`),
    /// and with `exact`, exactly the acknowledged batches of its period. Returns the files checked.
    static func checkPublished(in folder: String, acknowledged: [Acknowledged], exact: Bool = false) throws -> Int {
        var checked = 0
        for kind in PeriodKind.allCases {
            let directory = "\(folder)/\(kind.rawValue)"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                let path = "\(directory)/\(name)/summary.json"
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let summary = try SummaryJSON.decode(data)
                checked += 1
                var sum = 0
                for topic in summary.topics {
                    let province = topic.province.responses ?? 0
                    #expect(topic.province.counts?.reduce(0, +) ?? 0 == province, "\(path): \(topic.code) province counts")
                    #expect(topic.units.map { $0.total.responses ?? 0 }.reduce(0, +) == province, "\(path): \(topic.code) units")
                    #expect(topic.provinceGroups.map { $0.cell.responses ?? 0 }.reduce(0, +) == province, "\(path): \(topic.code) groups")
                    for unit in topic.units {
                        #expect(unit.groups.map { $0.cell.responses ?? 0 }.reduce(0, +) == unit.total.responses ?? 0, "\(path): \(unit.unit) groups")
                    }
                    sum += province
                }
                #expect(sum == summary.responses, "\(path): total \(summary.responses), rows \(sum)")
                let period = summary.period
                let inPeriod = acknowledged.filter { $0.day >= period.start && $0.day <= period.end }
                let started = Self.utc(summary.dataThrough) ?? .distantFuture
                let before = inPeriod.filter { $0.at < started }.count
                #expect(summary.responses >= before, "\(path) (published \(summary.dataThrough)) misses batches acknowledged before it started: \(summary.responses) < \(before)")
                if exact {
                    #expect(summary.responses == inPeriod.count, "\(path): \(summary.responses) responses, \(inPeriod.count) acknowledged")
                }
            }
        }
        return checked
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` as a date.
    static func utc(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

