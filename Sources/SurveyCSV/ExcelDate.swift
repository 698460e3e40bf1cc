import SurveyModel

/// Excel's date serial numbers: days since the epoch of the workbook's date system, with a time
/// of day as the fraction.
public enum ExcelDate {
    /// 1899-12-30 and 1904-01-01 as day numbers.
    static let epoch1900 = LocalDate(year: 1899, month: 12, day: 30)?.dayNumber ?? -25_569
    static let epoch1904 = LocalDate(year: 1904, month: 1, day: 1)?.dayNumber ?? -24_107

    /// The day of `serial` (its time of day dropped); nil outside Excel's range (1900-01-01 …
    /// 9999-12-31), and for 1900-02-29, a day Excel counts that never was.
    public static func date(serial: Double, date1904: Bool) -> LocalDate? {
        guard serial.isFinite, serial >= (date1904 ? 0 : 1), serial < 2_958_466 else { return nil }
        let days = Int(serial.rounded(.down))
        if date1904 { return LocalDate(dayNumber: epoch1904 + days) }
        switch days {
        case 60: return nil
        // Before the phantom 29 February the serials are one day further from the epoch.
        case ..<60: return LocalDate(dayNumber: epoch1900 + days + 1)
        default: return LocalDate(dayNumber: epoch1900 + days)
        }
    }

    /// The serial of `date` in the 1900 system (from 1900-03-01, where the two counts agree).
    public static func serial(of date: LocalDate) -> Int {
        date.dayNumber - epoch1900
    }
}
