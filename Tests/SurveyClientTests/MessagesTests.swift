import Foundation
import SurveyClient
import Testing

@Suite struct MessagesTests {
    static func placeholders(_ text: Messages.Text) -> [Set<String>] {
        func found(_ string: String) -> Set<String> {
            Set(string.split(separator: "{").dropFirst().compactMap { $0.split(separator: "}", maxSplits: 1).first.map(String.init) })
        }
        switch text {
        case let .text(value): return [found(value)]
        case let .plural(one, other): return [found(one), found(other)]
        }
    }

    /// Every message is in both tables, with the same arguments in every form.
    @Test(arguments: Messages.Key.allCases)
    func everyMessageHasBothLanguages(key: Messages.Key) throws {
        let english = try #require(Messages.english[key], "no English for \(key)")
        let vietnamese = try #require(Messages.vietnamese[key], "no Vietnamese for \(key)")
        let expected = try #require(Self.placeholders(english).first)
        for forms in [Self.placeholders(english), Self.placeholders(vietnamese)] {
            #expect(forms.allSatisfy { $0 == expected }, "\(key): \(forms) vs \(expected)")
        }
        #expect(Messages.english.count == Messages.Key.allCases.count)
        #expect(Messages.vietnamese.count == Messages.Key.allCases.count)
    }

    @Test(arguments: [
        (1, "1 bad line; nothing sent", "1 dòng sai; chưa gửi gì"), (2, "2 bad lines; nothing sent", "2 dòng sai; chưa gửi gì"),
        (0, "0 bad lines; nothing sent", "0 dòng sai; chưa gửi gì"),
    ])
    func pluralsAreRight(count: Int, english: String, vietnamese: String) {
        #expect(Messages(.english)(.badLines, count: count) == english)
        #expect(Messages(.vietnamese)(.badLines, count: count) == vietnamese)
        #expect(Messages(.english)(.accepted, "b1", count: count) == "accepted \(count) response\(count == 1 ? "" : "s") (batch b1)")
    }

    @Test(arguments: [
        (nil, ["LANG": "vi_VN.UTF-8"], Messages.Language.vietnamese), ("en", ["LANG": "vi_VN.UTF-8"], .english),
        (nil, ["LANG": "C.UTF-8"], .english), ("vi", [:], .vietnamese), (nil, ["LC_ALL": "vi_VN", "LANG": "en_US.UTF-8"], .vietnamese),
        (nil, [:], .english), (nil, ["LANG": "vie"], .english), ("vi_VN.UTF-8", [:], .vietnamese),
    ] as [(String?, [String: String], Messages.Language)])
    func languageFromFlagOrLocale(flag: String?, environment: [String: String], language: Messages.Language) {
        #expect(Messages.Language.choose(flag: flag, environment: environment) == language)
    }
}
