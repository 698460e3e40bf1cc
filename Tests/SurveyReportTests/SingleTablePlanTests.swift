import SurveyModel
import SurveyReport
import Testing

@Suite struct SingleTablePlanTests {
    @Test func nothingIsWithheldWhenAllCountsAreLarge() {
        let plan = SingleTablePlan(counts: [[10, 20], [30, 40]], minimum: 5)
        #expect(plan.cells == [[false, false], [false, false]])
        #expect(plan.primaryCount == 0 && plan.complementaryCount == 0)
    }

    @Test func zerosAreNotSecret() {
        let plan = SingleTablePlan(counts: [[0, 20], [30, 0]], minimum: 5)
        #expect(plan.cells == [[false, false], [false, false]])
    }

    @Test func onlyComplementaryWithholdingKeepsASmallCellSecret() {
        // Unit A has 2 answers from cadres (withheld) and 40 from citizens. Without more, the
        // published total 42 − 40 reveals the 2. The smallest other cell in the row, and in the
        // column, must be withheld too.
        let counts = [[2, 40], [30, 50], [25, 60]]
        let plan = SingleTablePlan(counts: counts, minimum: 5)
        #expect(plan.primaryCount == 1)
        #expect(plan.cells[0][0])
        #expect(plan.complementaryCount >= 2)
        // Every row and column with a withheld cell has at least two, or a withheld total.
        for r in 0..<3 {
            let withheld = (0..<2).filter { plan.cells[r][$0] }
            #expect(withheld.isEmpty || withheld.count >= 2 || plan.rowTotals[r], "row \(r)")
            if withheld.count >= 2 { #expect(withheld.map { counts[r][$0] }.reduce(0, +) >= 5) }
        }
        for c in 0..<2 {
            let withheld = (0..<3).filter { plan.cells[$0][c] }
            #expect(withheld.isEmpty || withheld.count >= 2 || plan.columnTotals[c], "column \(c)")
        }
        // The published totals stay published.
        #expect(!plan.grandTotal)
    }

    @Test func twoSmallCellsThatSumBelowTheMinimumNeedAThird() {
        // 1 + 2 = 3 < 5: withholding both still lets the row total reveal that 3 people answered.
        let plan = SingleTablePlan(counts: [[1, 2, 30, 40]], minimum: 5)
        #expect(plan.cells[0][0] && plan.cells[0][1] && plan.cells[0][2])
        #expect(!plan.cells[0][3])
    }

    @Test func aSmallRowTotalIsWithheldWithItsCells() {
        let plan = SingleTablePlan(counts: [[1, 2], [30, 40], [20, 10]], minimum: 5)
        #expect(plan.rowTotals[0])
        #expect(plan.cells[0] == [true, true])
    }
}
