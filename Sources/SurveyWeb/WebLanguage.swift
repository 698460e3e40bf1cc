import Foundation
import SurveyCSV

extension Messages.Language {
    /// The language of a web page: `?lang=en` or `?lang=vi` when given, else the browser's
    /// `Accept-Language` if it prefers English to Vietnamese, else Vietnamese.
    public static func forPage(query: String?, acceptLanguage: String?) -> Messages.Language {
        if let query, let chosen = Messages.Language(rawValue: query.lowercased()) { return chosen }
        var best: (language: Messages.Language, weight: Double)?
        for item in (acceptLanguage ?? "").split(separator: ",") {
            let pieces = item.split(separator: ";")
            let tag = (pieces.first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            var weight = 1.0
            for parameter in pieces.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == "q", let value = Double(pair[1]) { weight = value }
            }
            let language: Messages.Language? = tag == "vi" || tag.hasPrefix("vi-") ? .vietnamese : tag == "en" || tag.hasPrefix("en-") ? .english : nil
            if let language, weight > 0, weight > (best?.weight ?? 0) { best = (language, weight) }
        }
        return best?.language ?? .vietnamese
    }
}
