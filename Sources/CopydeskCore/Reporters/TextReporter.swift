/// `--format text`: compiler-style diagnostics with the source line and a caret aligned by display width
/// (CJK and full-width characters take two cells), then a summary line.
///
///     page.txt:12:11: error: 汉字之间不应有空格 [spacing.han-space-han]
///        12 | 扎紧扎密疫情防控篱笆 墙
///           |                     ^
public struct TextReporter: Reporter {
    public var color: Bool
    /// Lines wider than this many cells are shown as a window around the finding.
    public var maxExcerptWidth = 100

    public init(color: Bool) { self.color = color }

    private func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    private func severityLabel(_ s: Severity) -> String {
        switch s {
        case .error: return paint("error", "1;31")
        case .warning: return paint("warning", "1;33")
        case .info: return paint("info", "1;36")
        }
    }

    public func render(_ report: RunReport) -> String {
        var out = ""
        for f in report.files {
            out += renderFile(f)
        }
        out += summary(report)
        return out
    }

    public func renderFile(_ f: FileReport) -> String {
        var out = ""
        if let e = f.error {
            out += paint(f.path, "1") + ": " + paint("error", "1;31") + ": " + e + "\n"
        }
        guard let src = f.source else { return out }
        for d in f.diagnostics {
            let p = src.position(of: d.range.lowerBound)
            out += paint("\(f.path):\(p.line):\(p.column):", "1") + " " + severityLabel(d.severity) + ": "
                + d.message + " " + paint("[\(d.ruleID)]", "2") + "\n"
            out += excerpt(src, d, line: p.line)
        }
        return out
    }

    func excerpt(_ src: SourceText, _ d: Diagnostic, line: Int) -> String {
        let lr = src.lineContent(line - 1)
        let lineStart = lr.lowerBound
        // Scalars of the line with their byte offsets and widths.
        var cells: [(offset: Int, text: String, width: Int)] = []
        src.bytes.withUnsafeBufferPointer { p in
            var i = lr.lowerBound
            while i < lr.upperBound {
                let (v, n) = decodeScalar(p, i)
                let scalar = Unicode.Scalar(v) ?? "?"
                var t = String(scalar), w = DisplayWidth.of(v)
                if v == 0x09 { t = " "; w = 1 }                      // tabs as one cell
                else if v < 0x20 || v == 0x7F { t = "?"; w = 1 }     // control characters made visible
                else if w == 0 && CharClass.of(v).contains(.invisible) { t = "·"; w = 1 }
                cells.append((i, t, w))
                i += n
            }
        }
        let startByte = max(lineStart, min(d.range.lowerBound, lr.upperBound))
        let endByte = max(startByte, min(d.range.upperBound, lr.upperBound))
        var caretStart = 0, caretWidth = 0
        var col = 0
        for c in cells {
            if c.offset < startByte { caretStart = col + c.width }
            if c.offset >= startByte && c.offset < endByte { caretWidth += c.width }
            col += c.width
        }
        if startByte >= lr.upperBound { caretStart = col }
        // Window for long lines.
        var first = 0, last = cells.count
        var prefix = "", suffix = ""
        if col > maxExcerptWidth {
            let half = maxExcerptWidth / 2
            var w = 0
            let lo = max(0, caretStart - half)
            let hi = lo + maxExcerptWidth
            first = cells.count; last = cells.count
            for (k, c) in cells.enumerated() {
                if w >= lo && first == cells.count { first = k }
                if w + c.width > hi { last = k; break }
                w += c.width
            }
            var skipped = 0
            for c in cells[0..<first] { skipped += c.width }
            caretStart -= skipped
            if first > 0 { prefix = "…"; caretStart += DisplayWidth.of(0x2026) }
            if last < cells.count { suffix = "…" }
        }
        let text = prefix + cells[first..<last].map(\.text).joined() + suffix
        let gutter = String(line)
        let pad = String(repeating: " ", count: gutter.count)
        var caret = "^"
        if caretWidth > 1 { caret += String(repeating: "~", count: caretWidth - 1) }
        var out = " \(paint(gutter, "34")) \(paint("|", "34")) \(text)\n"
        out += " \(pad) \(paint("|", "34")) \(String(repeating: " ", count: max(0, caretStart)))\(paint(caret, "1;32"))"
        if let fix = d.fix, fix.edits.count == 1 {
            let e = fix.edits[0]
            let what = e.replacement.isEmpty ? "删除" : (e.range.isEmpty ? "插入 “\(visible(e.replacement))”" : "改为 “\(visible(e.replacement))”")
            out += " " + paint(what, "32")
        }
        return out + "\n"
    }

    private func visible(_ s: String) -> String {
        s.replacingOccurrences(of: " ", with: "␠").replacingOccurrences(of: "\n", with: "⏎")
    }

    public func summary(_ report: RunReport) -> String {
        let e = report.count(.error), w = report.count(.warning), i = report.count(.info)
        let unreadable = report.files.filter { $0.error != nil }.count
        let fixed = report.files.reduce(0) { $0 + $1.fixed.values.reduce(0, +) }
        let n = report.files.count
        func plural(_ k: Int, _ word: String) -> String { "\(k) \(word)\(k == 1 ? "" : "s")" }
        var s: String
        if e + w + i == 0 {
            s = "No problems found in \(plural(n, "file"))"
        } else {
            let withFindings = report.files.filter { !$0.diagnostics.isEmpty }.count
            s = "\(plural(e, "error")), \(plural(w, "warning")), \(plural(i, "info")) in \(plural(withFindings, "file")) (\(n) checked)"
        }
        if fixed > 0 { s += "; fixed \(plural(fixed, "problem"))" }
        if unreadable > 0 { s += "; \(plural(unreadable, "file")) could not be linted" }
        return paint(s, "1") + "\n"
    }
}
