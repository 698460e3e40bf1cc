import SurveyModel

/// Small helpers shared by the HTML pages: escaping, the page frame with its inline style.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
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
        """
        <!DOCTYPE html>
        <html lang="vi">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        :root { color-scheme: light; }
        body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #1d1d1d; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.45; }
        h1 { font-size: 1.6rem; margin-bottom: .2rem; }
        h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #ddd; padding-bottom: .2rem; }
        .meta, .muted { color: #555; font-size: .9rem; }
        table { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: .9rem; }
        th, td { padding: .25rem .4rem; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: middle; }
        th { background: #f4f4f4; font-weight: 600; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        tr.province td { font-weight: 600; background: #fafafa; }
        .legend span { display: inline-block; margin-right: 1rem; }
        .swatch { display: inline-block; width: .9rem; height: .9rem; vertical-align: -2px; margin-right: .3rem; border-radius: 2px; }
        .up { color: #1b5e20; } .down { color: #b71c1c; }
        .note { background: #fff8e1; border-left: 4px solid #f9a825; padding: .5rem .8rem; font-size: .9rem; }
        svg { display: block; }
        section.topic { break-inside: avoid; page-break-inside: avoid; }
        @page { size: A4; margin: 14mm; }
        @media print { body { margin: 0; max-width: none; font-size: 10pt; } a { color: inherit; text-decoration: none; } h2 { break-after: avoid; } }
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }
}
