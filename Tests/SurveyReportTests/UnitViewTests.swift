import Foundation
import SurveyModel
import Testing
@testable import SurveyReport

/// A unit's view (`units/CODE/`) holds the province's figures and the unit's own rows, exactly as
/// the province's summary has them, and nothing of another unit.
@Suite struct UnitViewTests {
    @Test func theWithheldCountAgreesWithTheBuilder() {
        let summary = SummaryFixture.summary
        #expect(summary.suppressedCells > 0)
        #expect(summary.withheldCellCount == summary.suppressedCells)
    }

    @Test(arguments: SummaryFixture.units.map(\.code))
    func aUnitSeesItsRowsAndTheProvinceOnly(_ code: String) throws {
        let summary = SummaryFixture.summary
        let view = summary.view(of: code)
        #expect(view.units.map(\.code) == [code])
        for (full, cut) in zip(summary.topics, view.topics) {
            #expect(cut.province == full.province && cut.provinceGroups == full.provinceGroups)
            #expect(cut.units == full.units.filter { $0.unit == code })
        }
        #expect(view.significantChanges == summary.significantChanges.filter { $0.unit == nil || $0.unit == code })
        #expect(view.suppressedCells == view.withheldCellCount)
        // No other unit's code or name anywhere in the unit's files.
        let others = SummaryFixture.units.filter { $0.code != code }
        let files = [try SummaryJSON.render(view), SummaryCSV.render(view), ReportHTML.render(view, timeZone: .gmt)].map { String(decoding: $0, as: UTF8.self) }
        for other in others {
            for file in files {
                #expect(!file.contains(other.name), "\(other.name) in \(code)'s view")
                #expect(!file.contains("\"\(other.code)\""), "\(other.code) in \(code)'s view")
            }
        }
    }

    /// A round's results as a unit sees them: the province's figures and coverage totals, the
    /// unit's rows and coverage, nothing of another unit in any of the three files.
    @Test(arguments: SummaryFixture.units.map(\.code))
    func aUnitSeesItsRoundResultsAndTheProvinceOnly(_ code: String) throws {
        let round = RoundResultsTests.round("C", ["YTE"], "2026-11-05", "2026-11-14")
        let results = RoundResultsBuilder(minimumCellSize: 5).build(
            .init(round: round, cube: SummaryFixture.current, withheld: RoundResultsTests.single(SummaryFixture.current)), earlier: [],
            progress: RoundResultsTests.progress(round, SummaryFixture.current), revision: 1, dataThrough: "2026-11-20T01:00:00Z"
        )
        let view = results.view(of: code)
        #expect(view.summary == results.summary.view(of: code))
        #expect(view.coverage.units.map(\.unit) == [code] && view.coverage.received == results.coverage.received)
        let files = [try RoundResultsReport.json(view), RoundResultsReport.csv(view), RoundResultsReport.html(view, timeZone: .gmt)].map { String(decoding: $0, as: UTF8.self) }
        for other in SummaryFixture.units where other.code != code {
            for file in files {
                #expect(!file.contains(other.name), "\(other.name) in \(code)'s view")
                #expect(!file.contains("\"\(other.code)\""), "\(other.code) in \(code)'s view")
            }
        }
    }

    @Test func alarmsOfOtherUnitsAreLeftOut() throws {
        func alert(_ unit: String?, carriers: [String]? = nil) -> AlertsDocument.Alert {
            var alert = AlertsDocument.Alert(
                topic: "CDS", unit: unit, sentiment: "KHONGDONGTINH", direction: "up", since: "2026-W47", period: "2026-W47", share: 40,
                expected: 20, expectedLow: 15, expectedHigh: 25, score: 5, threshold: 4
            )
            alert.units = carriers.map { $0.map { AlertsDocument.CarryingUnit(unit: $0, state: "alarm") } }
            return alert
        }
        var document = AlertsDocument(generatedAt: "2026-11-30T00:00:00Z", week: "2026-W47", settings: EarlyWarningSettings())
        document.alerts = [alert(nil, carriers: ["TPTN", "VN"]), alert("TPTN"), alert("VN")]
        document.watch = [alert("CA"), alert("TPTN")]
        let view = document.view(of: "TPTN")
        #expect(view.alerts.map(\.unit) == [nil, "TPTN"])
        #expect(view.alerts.first?.units?.map(\.unit) == ["TPTN"])
        #expect(view.watch.map(\.unit) == ["TPTN"])
    }
}
