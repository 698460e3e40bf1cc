import Foundation

extension BatchFile {
    /// Reads a batch file from disk: an Excel workbook (by its ZIP signature: .xlsx as Excel,
    /// LibreOffice or openpyxl write it; `sheet` picks the sheet, the first by default) or a CSV
    /// file in UTF-8 or UTF-16.
    public init(path: String, sheet: String? = nil) throws(Problem) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Problem(.cannotRead(error.localizedDescription))
        }
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) || path.lowercased().hasSuffix(".xlsx") {
            try self.init(xlsx: URL(fileURLWithPath: path), sheet: sheet)
        } else {
            try self.init(csv: data)
        }
    }
}
