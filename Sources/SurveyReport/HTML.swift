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
    private static let headAfterTitle: StaticString = "</title>\n<style>\n:root { color-scheme: light; }\nbody { font-family: \"Noto Sans\", \"DejaVu Sans\", Arial, sans-serif; color: #1d1d1d; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.45; }\nh1 { font-size: 1.6rem; margin-bottom: .2rem; }\nh2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #ddd; padding-bottom: .2rem; }\n.meta, .muted { color: #555; font-size: .9rem; }\ntable { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: .9rem; }\nth, td { padding: .25rem .4rem; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: middle; }\nth { background: #f4f4f4; font-weight: 600; }\ntd.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }\ntr.province td { font-weight: 600; background: #fafafa; }\n.legend span { display: inline-block; margin-right: 1rem; }\n.swatch { display: inline-block; width: .9rem; height: .9rem; vertical-align: -2px; margin-right: .3rem; border-radius: 2px; }\n.up { color: #1b5e20; } .down { color: #b71c1c; }\n.note { background: #fff8e1; border-left: 4px solid #f9a825; padding: .5rem .8rem; font-size: .9rem; }\nsvg { display: block; }\nsection.topic { break-inside: avoid; page-break-inside: avoid; }\n@page { size: A4; margin: 14mm; }\n@media print { body { margin: 0; max-width: none; font-size: 10pt; } a { color: inherit; text-decoration: none; } h2 { break-after: avoid; } }\n</style>\n</head>\n<body>\n\n"

    static func pageEnd(_ out: inout ByteWriter) {
        out.raw("\n</body>\n</html>\n")
    }
}
