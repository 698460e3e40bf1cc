import SurveyModel
import Yams

extension ConfigurationReader {
    /// `rounds:`, a list of survey rounds (see ``SurveyRound``): known topics and units,
    /// `from` ≤ `to` ≤ `report_by`, targets ≥ 0, unique codes, and no two rounds sharing a topic
    /// over overlapping dates.
    func readRounds(_ top: [String: Node], root: Node, catalog: Catalog) throws(ConfigurationError) -> [SurveyRound] {
        let allowed: Set<String> = ["code", "title", "topics", "from", "to", "report_by", "silent_after_days", "targets"]
        var nodes: [Node] = []
        let rounds = try readCoded(top, "rounds", root: root, required: false, allowed: allowed) {
            (values, code, key) throws(ConfigurationError) in
            nodes.append(try required(values, "from", key))
            return try readRound(values, code: code, key: key, catalog: catalog)
        }
        for (offset, round) in rounds.enumerated() {
            if let earlier = rounds[..<offset].firstIndex(where: { $0.overlaps(round) }) {
                let shared = round.topics.filter { topic in rounds[earlier].topics.contains { Catalog.key($0) == Catalog.key(topic) } }
                throw fail(
                    "rounds[\(offset)].from", nodes[offset],
                    "\(round.code) (\(round.from)…\(round.to)) overlaps \(rounds[earlier].code) (\(rounds[earlier].from)…\(rounds[earlier].to)) on topic \(shared.joined(separator: ", ")): a response may belong to one round only"
                )
            }
        }
        return rounds
    }

    func readRound(_ values: [String: Node], code: String, key: String, catalog: Catalog) throws(ConfigurationError) -> SurveyRound {
        // The code names the round's folder under summaries/rounds/.
        if code.hasPrefix("."), let node = values["code"] {
            throw fail("\(key).code", node, "a round's code names a folder and may not start with '.', got '\(code)'")
        }
        let title = try string(try required(values, "title", key), "\(key).title")
        let topicsNode = try required(values, "topics", key)
        var topics: [String] = []
        for (offset, item) in try sequence(topicsNode, "\(key).topics").enumerated() {
            let itemKey = "\(key).topics[\(offset)]"
            let name = try string(item, itemKey)
            guard let topic = catalog.topic(name) else { throw fail(itemKey, item, "'\(name)' is not a configured topic") }
            guard !topics.contains(topic.code) else { throw fail(itemKey, item, "'\(name)' listed twice") }
            topics.append(topic.code)
        }
        guard !topics.isEmpty else { throw fail("\(key).topics", topicsNode, "list at least one topic") }
        let from = try date(try required(values, "from", key), "\(key).from")
        let toNode = try required(values, "to", key)
        let to = try date(toNode, "\(key).to")
        guard from <= to else { throw fail("\(key).to", toNode, "the last collection day (\(to)) is before the first (\(from))") }
        var reportBy = to.adding(days: SurveyRound.defaultReportingDays)
        if let node = values["report_by"] {
            reportBy = try date(node, "\(key).report_by")
            guard reportBy >= to else { throw fail("\(key).report_by", node, "the reporting deadline (\(reportBy)) is before the last collection day (\(to))") }
        }
        var silent = SurveyRound.defaultSilentAfterDays
        if let node = values["silent_after_days"] { silent = try integer(node, "\(key).silent_after_days", 1...366) }
        let targetsNode = try required(values, "targets", key)
        let targetKeys = Set(["default"] + catalog.units.map(\.code))
        guard let mapping = targetsNode.mapping else { throw fail("\(key).targets", targetsNode, "expected a mapping: default and unit codes to numbers of responses") }
        var defaultTarget: Int?
        var unitTargets: [String: Int] = [:]
        for (nameNode, valueNode) in mapping {
            guard let name = nameNode.string else { throw fail("\(key).targets", nameNode, "keys must be text") }
            let targetKey = "\(key).targets.\(name)"
            let value = try integer(valueNode, targetKey, 0...100_000_000)
            if name == "default" {
                defaultTarget = value
            } else if let unit = catalog.unit(name) {
                guard unitTargets[unit.code] == nil else { throw fail(targetKey, nameNode, "key given twice") }
                unitTargets[unit.code] = value
            } else {
                throw fail(targetKey, nameNode, "'\(name)' is not a configured unit (known keys here: default and the unit codes, e.g. \(targetKeys.sorted().prefix(4).joined(separator: ", ")))")
            }
        }
        guard let defaultTarget else { throw fail("\(key).targets.default", targetsNode, "missing: the responses expected from a unit not listed") }
        return SurveyRound(
            code: code, title: title, topics: topics, from: from, to: to, reportBy: reportBy, silentAfterDays: silent,
            defaultTarget: defaultTarget, unitTargets: unitTargets
        )
    }
}
