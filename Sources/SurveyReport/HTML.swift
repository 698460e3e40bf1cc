import SurveyModel

/// Small helpers shared by the HTML pages: escaping, the page frame with its inline style.
enum HTML {
    static func escape(_ text: String) -> String {
        text.markupEscaped
    }

    static func kindName(_ kind: PeriodKind) -> String {
        switch kind {
        case .week: "Tuần"
        case .month: "Tháng"
        case .quarter: "Quý"
        case .year: "Năm"
        }
    }

    /// A self-contained page: inline CSS, no scripts, fonts or remote resources; A4 print layout.
    static func page(title: String, body: String) -> String {
        var out = ByteWriter(capacity: body.utf8.count + 4096)
        pageStart(title: title, &out)
        out.text(body)
        pageEnd(&out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// The page up to and including `<body>`.
    static func pageStart(title: String, _ out: inout ByteWriter) {
        out.raw(headBeforeTitle)
        out.html(title)
        out.raw(headAfterTitle)
    }

    private static let headBeforeTitle: StaticString = "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
    private static let headAfterTitle: StaticString = "</title>\n<style>\n:root { color-scheme: light; }\nbody { font-family: \"Noto Sans\", \"DejaVu Sans\", Arial, sans-serif; color: #1d1d1d; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.45; }\nh1 { font-size: 1.6rem; margin-bottom: .2rem; }\nh2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #ddd; padding-bottom: .2rem; }\n.meta, .muted { color: #555; font-size: .9rem; }\ntable { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: .9rem; }\nth, td { padding: .25rem .4rem; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: middle; }\nth { background: #f4f4f4; font-weight: 600; }\ntd.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }\ntr.province td { font-weight: 600; background: #fafafa; }\ntr.first td { border-top: 2px solid #c8c8c8; }\ntable.watch { color: #424242; }\n@media (max-width: 40rem) { table.alarms, table.watch { font-size: .8rem; } table.alarms td, table.watch td { padding: .2rem; } }\n@media screen and (max-width: 40rem) { body { margin: 1rem auto; } table { display: block; overflow-x: auto; } svg { max-width: 100%; height: auto; } }\n.legend span { display: inline-block; margin-right: 1rem; }\n.swatch { display: inline-block; width: .9rem; height: .9rem; vertical-align: -2px; margin-right: .3rem; border-radius: 2px; }\n.up { color: #1b5e20; } .down { color: #b71c1c; }\n.note { background: #fff8e1; border-left: 4px solid #f9a825; padding: .5rem .8rem; font-size: .9rem; }\nsvg { display: block; }\nsection.topic { break-inside: avoid; page-break-inside: avoid; }\nh3 { font-size: 1rem; margin: 1.2rem 0 .3rem; }\nbody { print-color-adjust: exact; -webkit-print-color-adjust: exact; }\ntable.heatmap td.hm { text-align: center; font-variant-numeric: tabular-nums; border: 1px solid #fff; min-width: 3rem; }\ntable.heatmap th.hm { font-size: .75rem; text-align: center; vertical-align: bottom; }\ntd.withheld, .swatch.withheld { background: repeating-linear-gradient(45deg, #eee 0 3px, #c4c4c4 3px 5px); color: #424242; font-style: italic; }\ntd.none { color: #9e9e9e; }\n.multiples { display: flex; flex-wrap: wrap; gap: .5rem .8rem; }\nfigure.multiple { margin: 0; width: 168px; font-size: .78rem; break-inside: avoid; }\nfigure.multiple figcaption { line-height: 1.25; margin-top: .15rem; }\n.summary-page { break-after: page; page-break-after: always; }\n.summary-page table { font-size: .82rem; }\n.summary-page tbody th { width: 30%; }\ntbody th { background: none; }\n@media print { .summary-page { font-size: 9pt; } .summary-page h2 { margin-top: .7rem; } .summary-page table { font-size: 7.5pt; margin: .3rem 0; } .summary-page th, .summary-page td { padding: .1rem .25rem; } .summary-page .legend, .summary-page p { margin: .3rem 0; } .summary-page td .muted { font-size: inherit; } .summary-page table.heatmap th.hm { font-size: 7pt; } }\n@page { size: A4; margin: 14mm; }\n@media print { body { margin: 0; max-width: none; font-size: 10pt; } a { color: inherit; text-decoration: none; } h2 { break-after: avoid; } }\n</style>\n</head>\n<body>\n\n"

    static func pageEnd(_ out: inout ByteWriter) {
        out.raw("\n</body>\n</html>\n")
    }
}
