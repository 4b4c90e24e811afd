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
    /// The report's own words (labels, summary, hints): English or Chinese (`Localization/ReportLanguage`).
    public var language: ReportLanguage

    public init(color: Bool, language: ReportLanguage = .en) { self.color = color; self.language = language }

    private func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    private func severityLabel(_ s: Severity) -> String {
        switch s {
        case .error: return paint(language.severity(.error), "1;31")
        case .warning: return paint(language.severity(.warning), "1;33")
        case .info: return paint(language.severity(.info), "1;36")
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
        renderFile(f) { out += $0 }
        return out
    }

    /// Renders one file's findings, handing the text to `write` in chunks of about 64 KB (so a file with many
    /// findings is never held as one string). The text is built as UTF-8 bytes: no string is made per finding.
    public func renderFile(_ f: FileReport, write: (String) -> Void) {
        renderFile(f, writeBytes: { write(String(decoding: $0, as: UTF8.self)) })
    }

    /// The bytes `renderFile(_:writeBytes:)` hands over, as one array (a file's report rendered ahead in the worker
    /// that linted it: small files only, the caller decides).
    public func renderedBytes(_ f: FileReport) -> [UInt8] {
        var all: [UInt8] = []
        renderFile(f, writeBytes: { all += $0 })
        return all
    }

    /// `renderFile(_:write:)`, handing over the UTF-8 bytes themselves (no `String` is made for them).
    public func renderFile(_ f: FileReport, writeBytes write: ([UInt8]) -> Void) {
        var out: [UInt8] = []
        out.reserveCapacity(70_000)
        func flush() { if !out.isEmpty { write(out); out.removeAll(keepingCapacity: true) } }
        if let e = f.error {
            out += (paint(f.path, "1") + ": " + paint(language.errorLabel, "1;31") + ": " + language.fileError(e) + "\n").utf8
        }
        if let n = f.notice {
            out += (paint(f.path, "1") + ": " + paint(language.noteLabel, "1;36") + ": " + language.fileError(n) + "\n").utf8
        }
        guard let src = f.source else { flush(); return }
        let path = Array(f.path.utf8)
        let diagnostics = f.diagnostics
        // Many findings: blocks of them are rendered on all cores, a few blocks at a time, and written in order
        // (the same bytes as one pass; memory holds a few blocks of text, not the file's whole report).
        let block = 2048
        if let workers = BlockBuffers.workers(forFindings: diagnostics.count, block: block) {
            flush()
            BlockBuffers.renderPipelined(count: diagnostics.count, block: block, workers: workers, render: { _, items, part in
                renderDiagnostics(diagnostics[items], src, path, into: &part, flushes: false, write: { _ in })
            }, write: write)
            return
        }
        renderDiagnostics(diagnostics[...], src, path, into: &out, flushes: true, write: write)
        flush()
    }

    /// Appends the findings `diagnostics` (in text order) to `out`; with `flushes`, whenever `out` passes 64 KB it
    /// is handed to `write` and emptied.
    private func renderDiagnostics(_ diagnostics: ArraySlice<Diagnostic>, _ src: SourceText, _ path: [UInt8],
                                   into out: inout [UInt8], flushes: Bool, write: ([UInt8]) -> Void) {
        var layout = LineLayout()
        var labels: [[UInt8]?] = [nil, nil, nil]
        for d in diagnostics {
            // Line by binary search; the column from the line's layout (findings come sorted, so consecutive
            // ones on a line share it; the layout's arrays are reused from line to line).
            let line = src.lineIndex(of: d.range.lowerBound, near: layout.line - 1) + 1
            if layout.line != line { layout.load(src, line: line) }
            let column = layout.index(ofByte: d.range.lowerBound) + 1
            if color { out += "\u{1B}[1m".utf8 }
            out += path; out.append(0x3A); appendInt(&out, line); out.append(0x3A); appendInt(&out, column); out.append(0x3A)
            if color { out += "\u{1B}[0m".utf8 }
            out.append(0x20)
            let li = d.severity == .error ? 0 : d.severity == .warning ? 1 : 2
            if labels[li] == nil { labels[li] = Array(severityLabel(d.severity).utf8) }
            out += labels[li]!
            out += ": ".utf8; out += (d.isRuleFailure && language == .zh ? language.fileError(d.message) : d.message).utf8; out.append(0x20)
            if color { out += "\u{1B}[2m".utf8 }
            out.append(0x5B); out += d.ruleID.utf8; out.append(0x5D)
            if color { out += "\u{1B}[0m".utf8 }
            out.append(0x0A)
            appendExcerpt(&out, src, d, layout: layout)
            if flushes, out.count > 65_536 { write(out); out.removeAll(keepingCapacity: true) }
        }
    }

    @inline(__always) private func appendInt(_ out: inout [UInt8], _ v: Int) { JSONBytes.int(&out, v) }

    @inline(__always) private func appendSpaces(_ out: inout [UInt8], _ n: Int) {
        if n > 0 { out.append(contentsOf: repeatElement(0x20, count: n)) }
    }

    /// Byte offset and starting cell of every scalar of one line, computed once per line.
    struct LineLayout {
        /// 1-based line; 0 before the first `load`.
        private(set) var line = 0
        private(set) var range: Range<Int> = 0..<0
        var offsets: [Int] = []
        var cells: [Int] = []
        var total = 0
        /// No scalar of the line is one `isPlain` looks for (so every window of it is shown as it is).
        var plain = true

        init() {}

        init(_ src: SourceText, line: Int) { load(src, line: line) }

        /// Lays out `line`, reusing the arrays' storage of the line laid out before.
        mutating func load(_ src: SourceText, line: Int) {
            self.line = line
            let range = src.lineContent(line - 1)
            self.range = range
            var offsets = self.offsets, cells = self.cells
            self.offsets = []; self.cells = []   // sole owner of the storage below
            offsets.removeAll(keepingCapacity: true)
            cells.removeAll(keepingCapacity: true)
            offsets.reserveCapacity(range.count / 2)
            cells.reserveCapacity(range.count / 2)
            var total = 0
            var plain = true
            src.bytes.withUnsafeBufferPointer { p in
                var i = range.lowerBound
                while i < range.upperBound {
                    let b = p[i]
                    if b & 0xF0 == 0xE0 && i + 2 < range.upperBound {
                        // Three bytes (CJK and most punctuation): decoded here.
                        let v = UInt32(b & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F)
                        offsets.append(i); cells.append(total)
                        if v >= 0x4E00 && v <= 0x9FFF { total += 2; i += 3; continue }
                        total += TextReporter.cellWidth(v)
                        if (v < 0x4E00 || v == 0xFEFF) && plain && !TextReporter.isPlainScalar(v) { plain = false }
                        i += 3
                        continue
                    }
                    let (v, n) = decodeScalar(p, i)
                    offsets.append(i); cells.append(total)
                    total += TextReporter.cellWidth(v)
                    if (v < 0x4E00 || v == 0xFEFF) && plain && !TextReporter.isPlainScalar(v) { plain = false }
                    i += n
                }
            }
            self.offsets = offsets; self.cells = cells; self.total = total; self.plain = plain
        }

        /// Index of the first scalar starting at or after `offset`.
        func index(ofByte offset: Int) -> Int {
            var lo = 0, hi = offsets.count
            while lo < hi { let mid = (lo + hi) / 2; if offsets[mid] < offset { lo = mid + 1 } else { hi = mid } }
            return lo
        }

        func cell(atIndex k: Int) -> Int { k < cells.count ? cells[k] : total }

        /// Index of the first scalar starting at or after display cell `c` (binary search: long lines stay linear).
        func index(ofCell c: Int) -> Int {
            var lo = 0, hi = cells.count
            while lo < hi { let mid = (lo + hi) / 2; if cells[mid] < c { lo = mid + 1 } else { hi = mid } }
            return lo
        }
    }

    func excerpt(_ src: SourceText, _ d: Diagnostic, line: Int) -> String {
        excerpt(src, d, layout: LineLayout(src, line: line))
    }

    func excerpt(_ src: SourceText, _ d: Diagnostic, layout: LineLayout) -> String {
        var out: [UInt8] = []
        appendExcerpt(&out, src, d, layout: layout)
        return String(decoding: out, as: UTF8.self)
    }

    func appendExcerpt(_ out: inout [UInt8], _ src: SourceText, _ d: Diagnostic, layout: LineLayout) {
        let line = layout.line
        let lr = layout.range
        let offsets = layout.offsets, cells = layout.cells, total = layout.total
        let startByte = max(lr.lowerBound, min(d.range.lowerBound, lr.upperBound))
        let endByte = max(startByte, min(d.range.upperBound, lr.upperBound))
        var caretStart = layout.cell(atIndex: layout.index(ofByte: startByte))
        let caretWidth = layout.cell(atIndex: layout.index(ofByte: endByte)) - caretStart
        // Window for long lines: about maxExcerptWidth cells around the caret.
        var first = 0, last = offsets.count
        var prefix = false, suffix = false
        if total > maxExcerptWidth {
            let lo = max(0, caretStart - maxExcerptWidth / 2), hi = lo + maxExcerptWidth
            first = layout.index(ofCell: lo)
            last = layout.index(ofCell: hi)
            let skipped = first < cells.count ? cells[first] : total
            caretStart -= skipped
            if first > 0 { prefix = true; caretStart += 2 }
            if last < offsets.count { suffix = true }
        }
        let from = first < offsets.count ? offsets[first] : lr.upperBound
        let to = last < offsets.count ? offsets[last] : lr.upperBound
        let blue = color ? Array("\u{1B}[34m".utf8) : [], reset = color ? Array("\u{1B}[0m".utf8) : []
        var digits = 1, rest = line
        while rest >= 10 { digits += 1; rest /= 10 }
        // " 12 | text"
        out.append(0x20); out += blue; appendInt(&out, line); out += reset
        out.append(0x20); out += blue; out.append(0x7C); out += reset; out.append(0x20)
        if prefix { out += "…".utf8 }
        if layout.plain { out += src.bytes[from..<to] } else { TextReporter.appendDisplayable(&out, src.bytes[from..<to]) }
        if suffix { out += "…".utf8 }
        out.append(0x0A)
        // "    |    ^~~"
        out.append(0x20); appendSpaces(&out, digits); out.append(0x20); out += blue; out.append(0x7C); out += reset; out.append(0x20)
        appendSpaces(&out, caretStart)
        if color { out += "\u{1B}[1;32m".utf8 }
        out.append(0x5E)
        for _ in 0..<max(0, caretWidth - 1) { out.append(0x7E) }
        out += reset
        if let fix = d.fix, fix.editCount == 1, let e = fix.firstEdit {
            // 删除 / 插入 “x” / 改为 “x”, spaces and line breaks in x made visible (written as bytes).
            out.append(0x20)
            if color { out += "\u{1B}[32m".utf8 }
            if e.replacement.isEmpty { out += "删除".utf8 } else {
                out += (e.range.isEmpty ? "插入 “" : "改为 “").utf8
                for b in e.replacement.utf8 {
                    if b == 0x20 { out += "␠".utf8 } else if b == 0x0A { out += "⏎".utf8 } else { out.append(b) }
                }
                out += "”".utf8
            }
            if color { out += "\u{1B}[0m".utf8 }
            if fix.safety == .unsafe { out += paint(language.unsafeHint, "2").utf8 }
        }
        out.append(0x0A)
    }

    /// Cells a scalar takes in the excerpt: tabs and control characters are shown as one cell, invisible
    /// characters as a visible dot (one cell).
    static func cellWidth(_ v: UInt32) -> Int {
        if v == 0x09 || v < 0x20 || v == 0x7F { return 1 }
        if v < 0x7F { return 1 }
        if v >= 0x4E00 && v <= 0x9FFF { return 2 }      // CJK unified ideographs: the common case
        let w = DisplayWidth.of(v)
        if w == 0 && CharClass.of(v).contains(.invisible) { return 1 }
        return w
    }

    /// The bytes of a line as shown: tabs as a space, control characters as their Control Pictures symbol
    /// (`␀` for NUL, `␛` for ESC), invisible ones as `·`.
    static func displayable(_ bytes: ArraySlice<UInt8>) -> String {
        if isPlain(bytes) { return String(decoding: bytes, as: UTF8.self) }
        return slowDisplayable(bytes)
    }

    /// No control character and no invisible one (U+00AD, U+200B–200F, U+2028–202E, U+2060–2064, U+FEFF).
    static func isPlain(_ bytes: ArraySlice<UInt8>) -> Bool {
        var plain = true
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b < 0x20 || b == 0x7F { plain = false; break }
            if b == 0xC2, i + 1 < bytes.endIndex, bytes[i + 1] == 0xAD { plain = false; break }
            if b == 0xE2, i + 2 < bytes.endIndex, bytes[i + 1] == 0x80 || bytes[i + 1] == 0x81 {
                let c = bytes[i + 2]
                if bytes[i + 1] == 0x80 ? ((0x8B...0x8F).contains(c) || (0xA8...0xAE).contains(c)) : (0xA0...0xA4).contains(c) { plain = false; break }
            }
            if b == 0xEF, i + 2 < bytes.endIndex, bytes[i + 1] == 0xBB, bytes[i + 2] == 0xBF { plain = false; break }
            i += 1
        }
        return plain
    }

    /// Not a scalar `isPlain` looks for (control characters and the invisible ones it lists).
    static func isPlainScalar(_ v: UInt32) -> Bool {
        !(v < 0x20 || v == 0x7F || v == 0xAD || (0x200B...0x200F).contains(v) || (0x2028...0x202E).contains(v)
          || (0x2060...0x2064).contains(v) || v == 0xFEFF)
    }

    /// `displayable`, appended as bytes (the common case copies the bytes as they are).
    static func appendDisplayable(_ out: inout [UInt8], _ bytes: ArraySlice<UInt8>) {
        if isPlain(bytes) { out += bytes } else { out += slowDisplayable(bytes).utf8 }
    }

    static func slowDisplayable(_ bytes: ArraySlice<UInt8>) -> String {
        var out = String.UnicodeScalarView()
        for u in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if u.value == 0x09 { out.append(" ") }
            else if u.value < 0x20 { out.append(Unicode.Scalar(0x2400 + u.value)!) }   // ␀ … ␟ (one cell)
            else if u.value == 0x7F { out.append("\u{2421}") }                          // ␡
            else if DisplayWidth.of(u.value) == 0 && CharClass.of(u.value).contains(.invisible) { out.append("·") }
            else { out.append(u) }
        }
        return String(out)
    }

    /// The last line. It says "No problems found" only when every file was linted; with `--diff` it counts what
    /// `--fix` would fix (nothing was fixed).
    public func summary(_ report: RunReport) -> String {
        let e = report.count(.error), w = report.count(.warning), i = report.count(.info)
        let unreadable = report.files.filter { $0.error != nil && !$0.notWritten }.count
        let unwritten = report.files.filter { $0.error != nil && $0.notWritten }.count
        let skipped = report.files.filter { $0.notice != nil }.count
        let notLinted = report.notLinted.count
        let fixed = report.files.reduce(0) { $0 + $1.fixed.values.reduce(0, +) }
        let n = report.files.count
        let checked = n - unreadable - skipped
        let withFindings = e + w + i == 0 ? 0 : report.files.filter { $0.hasFindings }.count
        let stopped = report.files.filter { $0.hasRuleFailure }.count
        let s = language.summary(errors: e, warnings: w, infos: i, files: n, checked: checked, withFindings: withFindings,
                                 fixed: fixed, preview: report.preview, unreadable: unreadable, unwritten: unwritten,
                                 notLinted: notLinted, skipped: skipped, stopped: stopped)
        return paint(s, "1") + "\n"
    }
}
