import Foundation
import Synchronization

extension BatchFile {
    /// Reads a batch file from disk: an Excel workbook (by its ZIP signature: .xlsx as Excel,
    /// LibreOffice or openpyxl write it; `sheet` picks the sheet, the first by default) or a CSV
    /// file in UTF-8 or UTF-16. `known`: labels the server knows, read as their codes in a file
    /// that carries no lists of its own.
    public init(path: String, sheet: String? = nil, known: Choices = .none) throws(Problem) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Problem(.cannotRead(error.localizedDescription))
        }
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) || path.lowercased().hasSuffix(".xlsx") {
            try self.init(xlsx: URL(fileURLWithPath: path), sheet: sheet, known: known)
        } else {
            try self.init(csv: data, choices: known)
        }
    }

    /// Reads an uploaded batch file: a workbook by its ZIP signature, CSV otherwise.
    public init(upload data: Data, known: Choices = .none) throws(Problem) {
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            try self.init(xlsx: data, known: known)
        } else {
            try self.init(csv: data, choices: known)
        }
    }
}

extension BatchFile {
    /// How long reading a file may take: ZIPFoundation 0.9.20 loops forever on a deflate stream
    /// cut short by the end of the file (found by fuzzing), so a damaged workbook must not hang.
    public static let readingSeconds = 60

    /// Runs `read` on a thread of its own; nil when that takes longer than `seconds` (the thread
    /// is left behind).
    public static func read(
        within seconds: Int = readingSeconds, _ read: @escaping @Sendable () throws(Problem) -> BatchFile
    ) async -> Result<BatchFile, Problem>? {
        let claimed = Mutex(false)
        return await withCheckedContinuation { continuation in
            let finish = { @Sendable (result: Result<BatchFile, Problem>?) in
                if claimed.withLock({ done in defer { done = true }; return !done }) { continuation.resume(returning: result) }
            }
            Thread.detachNewThread {
                do throws(Problem) {
                    finish(.success(try read()))
                } catch {
                    finish(.failure(error))
                }
            }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                finish(nil)
            }
        }
    }
}
