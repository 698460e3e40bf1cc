import Testing
@testable import SurveyWeb

@Suite struct SummaryAccessTests {
    static let cases: [(uri: String, scope: Scope?, expected: SummaryAccess.Decision)] = [
        ("/index.html", nil, .signIn),
        ("/units/DH/index.html", nil, .signIn),
        ("/index.html", .province, .allow),
        ("/week/2026-W47/summary.json", .province, .allow),
        ("/units/CA/week/2026-W47/report.html", .province, .allow),
        ("/index.html", .unit("DH"), .forbidden),
        ("/alerts.json", .unit("DH"), .forbidden),
        ("/week/2026-W47/summary.csv", .unit("DH"), .forbidden),
        ("/rounds/Q4/progress.json", .unit("DH"), .forbidden),
        ("/units/DH/index.html", .unit("DH"), .allow),
        ("/units/DH/week/2026-W47/summary.csv?x=1", .unit("DH"), .allow),
        ("/units/DH/", .unit("DH"), .allow),
        ("/units/CA/index.html", .unit("DH"), .forbidden),
        ("/units/dh/index.html", .unit("DH"), .forbidden),
        ("/units/DHX/index.html", .unit("DH"), .forbidden),
        ("/units", .unit("DH"), .forbidden),
        ("/units/DH/../CA/index.html", .unit("DH"), .forbidden),
        ("/units/DH/%2e%2e/CA/index.html", .unit("DH"), .forbidden),
        ("/units/DH/..%2FCA%2Findex.html", .unit("DH"), .forbidden),
        ("/units/DH%2F..%2FCA/index.html", .unit("DH"), .forbidden),
        ("/units/D%48/index.html", .unit("DH"), .allow),
        ("/units/DH/%zz", .unit("DH"), .forbidden),
        ("/units/DH/%00", .unit("DH"), .forbidden),
        ("/units/DH/a\\b", .unit("DH"), .forbidden),
        ("//units/DH/index.html", .unit("DH"), .allow),
        ("units/DH/index.html", .unit("DH"), .forbidden),
        ("/units/DH/../../etc/passwd", .province, .forbidden),
    ]

    @Test(arguments: cases.indices)
    func decides(_ index: Int) {
        let item = SummaryAccessTests.cases[index]
        #expect(SummaryAccess.decide(uri: item.uri, scope: item.scope) == item.expected, "\(item.uri) as \(String(describing: item.scope))")
    }

    @Test func scopesReadBackWhatTheyStore() {
        for scope in [Scope.province, .unit("DH"), .unit("a.b-c_1")] {
            #expect(Scope(stored: scope.stored) == scope)
        }
        for bad in ["", "unit:", "unit:..", "unit:a/b", "unit:a b", "Province", "unit:" + String(repeating: "x", count: 33)] {
            #expect(Scope(stored: bad) == nil, "\(bad)")
        }
        #expect(Scope.unit("DH").home == "/units/DH/index.html")
        #expect(Scope.province.home == "/index.html")
    }
}
