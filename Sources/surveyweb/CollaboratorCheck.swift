import Foundation
import SurveyClient
import SurveyProtocol

/// Asks surveyd whether a collaborator's id and token are good, the way `surveyctl submit` does
/// (`AUTH` on the protocol): the web service never reads surveyd's database.
struct CollaboratorCheck: Sendable {
    var host: String
    var port: Int
    var tls: ClientTLS?

    enum Outcome: Sendable, Equatable {
        case accepted(unit: String)
        case refused
        case revoked
        /// surveyd could not answer (down, busy, this address locked out).
        case unavailable(String)
    }

    func check(id: Int64, token: String) async -> Outcome {
        do {
            return try await ProtocolClient.withConnection(host: host, port: port, timeout: .seconds(15), tls: tls) { client in
                guard let greeting = client.greeting, greeting.code == 220 else {
                    return .unavailable(client.greeting?.lines.joined(separator: " ") ?? "no greeting")
                }
                let reply = try await client.command("AUTH \(id) \(token)")
                _ = try? await client.command("QUIT")
                switch reply.code {
                case 235:
                    return CollaboratorCheck.unit(in: reply).map { .accepted(unit: $0) } ?? .unavailable(reply.lines.joined(separator: " "))
                case 530: return .revoked
                case 535: return .refused
                default: return .unavailable(reply.lines.joined(separator: " "))
                }
            }
        } catch {
            return .unavailable("\(error)")
        }
    }

    /// The unit of `235 2.7.0 authenticated as collaborator N of unit CODE`.
    static func unit(in reply: Reply) -> String? {
        guard let line = reply.lines.first, let range = line.range(of: " of unit ") else { return nil }
        let unit = String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces)
        return unit.isEmpty ? nil : unit
    }
}
