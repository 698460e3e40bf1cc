import SurveyCSV

/// The layout of the collaborators' workbook, shared by the template writer and the reader: the
/// data sheet first, then the instructions, then the hidden lists of codes and labels that the
/// drop-down lists show and that `surveyctl submit` reads labels back with.
public enum TemplateLayout {
    public static let dataSheet = "Phiếu"
    public static let instructionsSheet = "Hướng dẫn"
    public static let listsSheet = "Danh mục"
    /// The data sheet's header, in protocol order (names ``BatchFile/columns`` accepts).
    public static let headers = ["Ngày", "Chủ đề", "Nhóm", "Thái độ"]
    /// The lists sheet's header: a code column and a label column for topic, group, sentiment.
    public static let listHeaders = ["Mã chủ đề", "Chủ đề", "Mã nhóm", "Nhóm", "Mã thái độ", "Thái độ"]

    /// The codes and labels of the lists sheet, if the workbook has one (none otherwise).
    static func choices(in workbook: XLSXWorkbook) throws(XLSXError) -> BatchFile.Choices {
        guard let sheet = workbook.sheets.first(where: { $0.name == listsSheet }) else { return .none }
        var lists: [[BatchFile.Choices.Choice]] = [[], [], []]
        for row in try workbook.rows(of: sheet) where row.line > 1 {
            for list in 0..<3 {
                let code = row.cells.indices.contains(2 * list) ? row.cells[2 * list].text : ""
                let label = row.cells.indices.contains(2 * list + 1) ? row.cells[2 * list + 1].text : ""
                if !code.isEmpty && !label.isEmpty { lists[list].append(.init(code: code, label: label)) }
            }
        }
        return BatchFile.Choices(topics: lists[0], groups: lists[1], sentiments: lists[2])
    }
}
