import SurveyModel
import Testing

@Suite struct CatalogTests {
    let catalog = Catalog(
        units: [SurveyUnit(code: "TPTN", name: "Thành phố Thái Nguyên")],
        topics: [Topic(code: "GD-DT", title: "Giáo dục", activeFrom: LocalDate(iso: "2026-01-01"), activeTo: LocalDate(iso: "2026-06-30"))],
        groups: [RespondentGroup(code: "ND", name: "Nhân dân")],
        sentiments: [Sentiment(code: "DongTinh", label: "Đồng tình", polarity: .positive)]
    )

    @Test func lookupIgnoresCaseAndReturnsConfiguredSpelling() {
        #expect(catalog.topic("gd-dt")?.code == "GD-DT")
        #expect(catalog.sentiment("DONGTINH")?.code == "DongTinh")
        #expect(catalog.unit("tptn")?.name == "Thành phố Thái Nguyên")
        #expect(catalog.group("NX") == nil)
    }

    @Test func topicWindowIsInclusive() throws {
        let topic = try #require(catalog.topic("GD-DT"))
        #expect(!topic.isActive(on: try #require(LocalDate(iso: "2025-12-31"))))
        #expect(topic.isActive(on: try #require(LocalDate(iso: "2026-01-01"))))
        #expect(topic.isActive(on: try #require(LocalDate(iso: "2026-06-30"))))
        #expect(!topic.isActive(on: try #require(LocalDate(iso: "2026-07-01"))))
    }

    @Test func canonicalContentIsOrderedLines() throws {
        let date = try #require(LocalDate(iso: "2026-11-20"))
        let batch = BatchSubmission(collaboratorID: 1, clientBatchID: "b", responses: [
            Response(collectedOn: date, topic: "T", group: "G", sentiment: "S"),
            Response(collectedOn: date.adding(days: 1), topic: "T2", group: "G", sentiment: "S"),
        ])
        #expect(batch.canonicalContent == "2026-11-20 T G S\n2026-11-21 T2 G S\n")
        #expect(batch.canonicalBytes == Array(batch.canonicalContent.utf8))
    }

    /// The digest of a batch is made from `canonicalBytes`: it must equal the string form for
    /// every date (a retry after an upgrade must get the same digest) and any code, Vietnamese too.
    @Test func canonicalBytesEqualTheStringForEveryDate() {
        var responses: [Response] = []
        for day in stride(from: -1000, through: 2_932_896, by: 997) {
            responses.append(Response(collectedOn: LocalDate(dayNumber: day), topic: "Đất-đai", group: "ND", sentiment: "ĐỒNG_TÌNH"))
        }
        responses.append(Response(collectedOn: LocalDate(dayNumber: 2_932_896), topic: "T", group: "G", sentiment: "S"))
        let batch = BatchSubmission(collaboratorID: 1, clientBatchID: "b", responses: responses)
        #expect(batch.canonicalBytes == Array(batch.canonicalContent.utf8))
    }
}
