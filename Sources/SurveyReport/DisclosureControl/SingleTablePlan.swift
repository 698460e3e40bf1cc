import SurveyModel

// Disclosure control: the plan of one table alone (the default of SummaryBuilder when no linked
// plan is given; published files always use LinkedProtection.swift beside this).

/// Withholding of small counts in a two-way table with published margins (units × respondent
/// groups of one topic, with unit totals, group totals and a grand total).
///
/// Primary suppression withholds every non-zero count below the minimum. Complementary
/// suppression then withholds more entries until, in every row and column (margins included), a
/// withheld entry cannot be recovered by subtracting the published entries from a published total:
/// each line holds no withheld entry, or at least two whose sum is at least the minimum, or its
/// total is withheld too.
public struct SingleTablePlan: Equatable, Sendable {
    /// Withheld interior cells, `[row][column]`.
    public private(set) var cells: [[Bool]]
    /// Withheld row totals.
    public private(set) var rowTotals: [Bool]
    /// Withheld column totals.
    public private(set) var columnTotals: [Bool]
    public private(set) var grandTotal: Bool

    /// Entries withheld because they are small.
    public private(set) var primaryCount = 0
    /// Entries withheld only to protect others.
    public private(set) var complementaryCount = 0

    /// Plans suppression for `counts[row][column]` with minimum cell size `minimum`.
    public init(counts: [[Int]], minimum: Int) {
        let rows = counts.count
        let columns = counts.first?.count ?? 0
        // The extended table: interior, a total column at index `columns`, a total row at `rows`.
        var value = Array(repeating: Array(repeating: 0, count: columns + 1), count: rows + 1)
        for r in 0..<rows {
            for c in 0..<columns {
                value[r][c] = counts[r][c]
                value[r][columns] += counts[r][c]
                value[rows][c] += counts[r][c]
                value[rows][columns] += counts[r][c]
            }
        }
        var hidden = value.map { $0.map { $0 > 0 && $0 < minimum } }
        let primary = hidden.reduce(0) { $0 + $1.filter { $0 }.count }

        /// The positions of one line; the last one is its total.
        var lines: [[(Int, Int)]] = []
        for r in 0...rows { lines.append((0...columns).map { (r, $0) }) }
        for c in 0...columns { lines.append((0...rows).map { ($0, c) }) }

        var changed = true
        while changed {
            changed = false
            for line in lines {
                guard let total = line.last, !hidden[total.0][total.1] else { continue }
                let entries = line.dropLast()
                let withheld = entries.filter { hidden[$0.0][$0.1] }
                guard !withheld.isEmpty else { continue }
                let sum = withheld.reduce(0) { $0 + value[$1.0][$1.1] }
                if withheld.count >= 2 && sum >= minimum { continue }
                // Withhold the smallest published non-zero entry; interior cells before totals.
                let candidates = entries.filter { !hidden[$0.0][$0.1] && value[$0.0][$0.1] > 0 }
                let isTotal = { (p: (Int, Int)) in p.0 == rows || p.1 == columns }
                if let pick = candidates.min(by: { a, b in
                    (isTotal(a) ? 1 : 0, value[a.0][a.1], a.0, a.1) < (isTotal(b) ? 1 : 0, value[b.0][b.1], b.0, b.1)
                }) {
                    hidden[pick.0][pick.1] = true
                } else {
                    hidden[total.0][total.1] = true
                }
                changed = true
            }
        }
        cells = (0..<rows).map { r in (0..<columns).map { hidden[r][$0] } }
        rowTotals = (0..<rows).map { hidden[$0][columns] }
        columnTotals = (0..<columns).map { hidden[rows][$0] }
        grandTotal = hidden[rows][columns]
        primaryCount = primary
        complementaryCount = hidden.reduce(0) { $0 + $1.filter { $0 }.count } - primary
    }
}
