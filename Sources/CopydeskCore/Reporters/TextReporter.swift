import Foundation

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

    fileprivate func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    fileprivate func severityLabel(_ s: Severity) -> String {
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
        var all = RenderedBuffers.shared.take()
        if f.error == nil, f.notice == nil, let src = f.source,
           BlockBuffers.workers(forFindings: f.diagnostics.count, block: 2048) == nil {
            // What `renderFile` writes, straight into the array (no second copy).
            renderDiagnostics(f.diagnostics[...], src, Array(f.path.utf8), into: &all, flushes: false, write: { _ in })
            return all
        }
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

    /// The bytes the report repeats, made once per rendering: colour codes (empty without colour), the severity
    /// labels and the unsafe-fix hint.
    fileprivate struct Pieces: @unchecked Sendable {
        let bold: [UInt8], reset: [UInt8], dim: [UInt8], blue: [UInt8], green: [UInt8], boldGreen: [UInt8]
        let labels: [[UInt8]]
        let unsafeHint: [UInt8]
        /// Colour and language: the pieces made of them are the same.
        let key: Int
        /// Made once per colour and language (rendering a small file made them again each time).
        static func of(_ r: TextReporter) -> Pieces {
            let key = (r.color ? 1 : 0) + 2 * (ReportLanguage.allCases.firstIndex(of: r.language) ?? 0)
            piecesLock.lock()
            if let p = piecesMade[key] { piecesLock.unlock(); return p }
            piecesLock.unlock()
            let p = Pieces(r, key: key)
            piecesLock.lock(); piecesMade[key] = p; piecesLock.unlock()
            return p
        }
        init(_ r: TextReporter, key: Int) {
            self.key = key
            func c(_ s: String) -> [UInt8] { r.color ? Array(s.utf8) : [] }
            bold = c("\u{1B}[1m"); reset = c("\u{1B}[0m"); dim = c("\u{1B}[2m"); blue = c("\u{1B}[34m")
            green = c("\u{1B}[32m"); boldGreen = c("\u{1B}[1;32m")
            labels = [Severity.error, .warning, .info].map { Array(r.severityLabel($0).utf8) }
            unsafeHint = Array(r.paint(r.language.unsafeHint, "2").utf8)
        }
    }

    /// Appends the findings `diagnostics` (in text order) to `out`; with `flushes`, whenever `out` passes 64 KB it
    /// is handed to `write` and emptied. The findings are written through a pointer (`ByteWriter`) and appended
    /// to `out` 16 KB at a time.
    private func renderDiagnostics(_ diagnostics: ArraySlice<Diagnostic>, _ src: SourceText, _ path: [UInt8],
                                   into out: inout [UInt8], flushes: Bool, write: ([UInt8]) -> Void) {
        let pieces = Pieces.of(self)
        // The writer, the line layout and the label tails come from the previous file rendered with the same
        // pieces (a batch of small files made and let go all three, and rebuilt every label's tail, per file).
        let key = pieces.key
        let scratch = RenderScratch.take(key)
        var w = scratch.writer, cursor = scratch.cursor, tails = scratch.tails
        scratch.tails = TailCache()   // moved out, so that filling it does not copy its arrays
        cursor.reset()
        w.clear()
        defer { scratch.writer = w; scratch.cursor = cursor; scratch.tails = tails; RenderScratch.give(scratch, key) }
        // Diagnostics read in place through a pointer (a copy of each would retain its label and fix).
        diagnostics.withUnsafeBufferPointer { ds in
        src.bytes.withUnsafeBufferPointer { p in
            for k in ds.indices {
                let d = ds.baseAddress! + k
                let lower = d.pointee.range.lowerBound
                let line = src.lineIndex(of: lower, near: cursor.line - 1) + 1
                if cursor.line != line { cursor.load(src, p, line: line, width: max(0, maxExcerptWidth)) }
                // Scalars before the finding (its start clamped to the line, as the excerpt clamps it).
                let at = max(cursor.start, min(lower, cursor.end))
                let k = cursor.layOut(p, toByte: at, src: src)
                let column = cursor.skipped + k + 1
                w.put(pieces.bold)
                w.put(path); w.put(0x3A); w.putInt(line); w.put(0x3A); w.putInt(column); w.put(0x3A)
                w.put(pieces.reset)
                w.put(0x20)
                tails.put(&w, d, labels: pieces.labels, dim: pieces.dim, reset: pieces.reset, language: language)
                appendExcerpt(&w, p, d, cursor: &cursor, first: k, pieces: pieces)
                // Moved to `out` some findings at a time: one append per finding cost more than the copy itself.
                if w.count >= 16_384 {
                    out.append(contentsOf: w.buffer)
                    w.clear()
                    if flushes, out.count > 65_536 { write(out); out.removeAll(keepingCapacity: true) }
                }
            }
        }
        }
        out.append(contentsOf: w.buffer)
        w.clear()
    }

    /// The layout of the line being reported, made only as far as its findings need (they come in text order):
    /// each scalar's offset and the cells before it, in buffers kept from line to line. Whether the line is wider
    /// than the excerpt is found by laying it out up to that width.
    struct ExcerptCursor {
        /// 1-based line; 0 before the first `load`.
        private(set) var line = 0
        private(set) var start = 0, end = 0
        private(set) var width = 100
        /// The line takes more than `width` cells.
        private(set) var long = false
        /// Scalars laid out, the offset after the last of them, and their cells (from the line's start).
        private(set) var count = 0, laidTo = 0, cells = 0
        /// Scalars of the line before the first one laid out (`skip`): counted, not laid out.
        private(set) var skipped = 0
        /// No scalar laid out is one `isPlain` looks for.
        private(set) var plain = true
        private var offsets: UnsafeMutablePointer<Int>, before: UnsafeMutablePointer<Int>
        private var capacity: Int

        init() {
            // Room for a long paragraph's scalars (a news paragraph on one line often passes 1,024): growing copied
            // both arrays, once per file of a batch.
            capacity = 4096
            offsets = .allocate(capacity: capacity); before = .allocate(capacity: capacity)
        }

        func free() { offsets.deallocate(); before.deallocate() }

        /// As before the first `load` (its buffers kept).
        mutating func reset() { line = 0; start = 0; end = 0; count = 0; laidTo = 0; cells = 0; skipped = 0; plain = true; long = false; hint = 0 }

        /// Moves to `line` and lays it out up to just past `width` cells.
        mutating func load(_ src: SourceText, _ p: UnsafeBufferPointer<UInt8>, line: Int, width: Int) {
            self.line = line
            self.width = width
            hint = 0
            let r = src.lineContent(line - 1)
            start = r.lowerBound; end = r.upperBound
            count = 0; laidTo = start; cells = 0; skipped = 0; plain = true
            extend(p, toCell: width == Int.max ? width : width + 1)
            long = cells > width
        }

        /// Lays the line out up to the finding starting at byte `at` (in order after the line's earlier findings) and
        /// returns the index of the first scalar at or after it. A finding far into a long line (a news paragraph:
        /// the few findings left after `--fix` stand mid-line, each on a line of its own) is reached by counting
        /// the scalars before its excerpt's window, 16 bytes at a time (`skip`), instead of laying each one out; the
        /// layout starts a few hundred bytes before it. When that part holds fewer cells than the window needs on the left
        /// (zero-width characters), the line is laid out from its start as before: the report is the same bytes.
        mutating func layOut(_ p: UnsafeBufferPointer<UInt8>, toByte at: Int, src: SourceText) -> Int {
            // The window takes `width / 2` cells left of the finding; a cell is at most four bytes (one that takes
            // none is the exception checked for below).
            if long && width < 1 << 20 {
                let lead = 4 * (width / 2 + 2)
                if at - laidTo > lead + 64 { skip(p, toByte: at - lead) }
            }
            if skipped > 0 {
                // Laid out from a place after the line's start: the window's first scalar (the first whose cells
                // before it reach `cell(k) - width / 2`) must be one laid out, so the first one laid out must have
                // fewer cells before it than that (then so has the last one passed). A finding out of text order,
                // before that place, fails this too (k is 0): both go back to the line's start.
                extend(p, toByte: at)
                let k = index(ofByteInOrder: at)
                if cell(0) < cell(k) - width / 2 { return k }
                load(src, p, line: line, width: width)
            }
            extend(p, toByte: at)
            return index(ofByteInOrder: at)
        }

        /// Moves `laidTo` to the last scalar start at or before `offset`, counting the scalars passed (`skipped`)
        /// but not laying them out; what was laid out is dropped: the next scalar laid out is index 0. `cells` does
        /// not grow over the part passed: the excerpt reads only differences of cells from here on (its window
        /// starts after the part passed), so the cells need no common origin with those before.
        mutating func skip(_ p: UnsafeBufferPointer<UInt8>, toByte offset: Int) {
            var stop = min(offset, end)
            while stop > laidTo && stop < end && p[stop] & 0xC0 == 0x80 { stop -= 1 }
            guard stop > laidTo else { return }
            skipped += count + TextReporter.scalarCount(p, laidTo..<stop)
            laidTo = stop; count = 0; hint = 0
        }

        @inline(__always) private mutating func step(_ p: UnsafeBufferPointer<UInt8>, _ t: UnsafePointer<UInt8>) {
            if count == capacity { grow() }
            let (v, n) = TextReporter.scalar(p, laidTo, end)
            let info = TextReporter.cellInfo(v, t)
            offsets[count] = laidTo; before[count] = cells
            count += 1
            cells += Int(info & 3)
            if info >= TextReporter.notPlain { plain = false }
            laidTo += n
        }

        @inline(never) private mutating func grow() {
            let c = capacity * 2
            let o = UnsafeMutablePointer<Int>.allocate(capacity: c), b = UnsafeMutablePointer<Int>.allocate(capacity: c)
            o.update(from: offsets, count: count); b.update(from: before, count: count)
            free()
            offsets = o; before = b; capacity = c
        }

        /// Lays out a run of unified ideographs (U+4E00–9FFF: lead byte E5–E9, or E4 then B8 or more; two cells,
        /// plain) while `laidTo < stop` and the cells stay below `c`, without decoding them or looking them up:
        /// most of a Chinese line.
        @inline(__always) private mutating func han(_ p: UnsafeBufferPointer<UInt8>, stop: Int, cells c: Int) {
            let last = min(stop, end - 2)
            var i = laidTo, k = count, n = cells
            let o = offsets, b = before
            while i < last && n < c && k < capacity {
                let b0 = p[i]
                guard b0 &- 0xE5 < 5 || (b0 == 0xE4 && p[i + 1] >= 0xB8) else { break }
                o[k] = i; b[k] = n
                k += 1; n += 2; i += 3
            }
            laidTo = i; count = k; cells = n
        }

        /// Lays out the line until the next scalar starts at or after `offset` (or the line ends).
        @inline(__always) mutating func extend(_ p: UnsafeBufferPointer<UInt8>, toByte offset: Int) {
            let t = TextReporter.cellTable
            while laidTo < end && laidTo < offset {
                han(p, stop: offset, cells: Int.max)
                if laidTo < end && laidTo < offset { step(p, t) }
            }
        }

        /// Lays out the line until its cells reach `c` (or the line ends).
        @inline(__always) mutating func extend(_ p: UnsafeBufferPointer<UInt8>, toCell c: Int) {
            let t = TextReporter.cellTable
            while laidTo < end && cells < c {
                han(p, stop: end, cells: c)
                if laidTo < end && cells < c { step(p, t) }
            }
        }

        /// Offset and cells before scalar `k` (`k == count`: the next one, not laid out yet, or the line's end).
        @inline(__always) func offset(_ k: Int) -> Int { k < count ? offsets[k] : laidTo }
        @inline(__always) func cell(_ k: Int) -> Int { k < count ? before[k] : cells }

        /// The first scalar at `from` or after that starts at or after `offset` (laid out that far).
        func index(ofByte offset: Int, from: Int) -> Int {
            var k = from
            while k < count && offsets[k] < offset { k += 1 }
            return k
        }

        /// The first scalar in `range` whose cells before it reach `c` (binary search; laid out that far).
        func index(ofCell c: Int, in range: Range<Int>) -> Int {
            var lo = range.lowerBound, hi = range.upperBound
            while lo < hi { let mid = (lo + hi) / 2; if cell(mid) < c { lo = mid + 1 } else { hi = mid } }
            return lo
        }

        /// `index(ofByte:)` for the starts of a line's findings, which come in order: the answer is often the end
        /// of what is laid out (the layout stopped there), else it is searched from the last answer in steps that
        /// double (a binary search over the whole line was a sixth of the report's own time).
        mutating func index(ofByteInOrder offset: Int) -> Int {
            if count == 0 || offsets[count - 1] < offset { hint = count; return count }
            var lo = hint > 0 && hint <= count && offsets[hint - 1] < offset ? hint : 0
            var hi = count, step = 1
            while lo + step - 1 < count {
                let probe = lo + step - 1
                if offsets[probe] < offset { lo = probe + 1; step &*= 2 } else { hi = probe; break }
            }
            while lo < hi { let mid = (lo + hi) / 2; if offsets[mid] < offset { lo = mid + 1 } else { hi = mid } }
            hint = lo
            return lo
        }
        private var hint = 0

        /// The first scalar that starts at or after `offset` (binary search; laid out that far).
        func index(ofByte offset: Int) -> Int {
            var lo = 0, hi = count
            while lo < hi { let mid = (lo + hi) / 2; if offsets[mid] < offset { lo = mid + 1 } else { hi = mid } }
            return lo
        }
    }

    /// The scalars starting in `range` (valid UTF-8): its bytes that are not continuation bytes, 16 at a time.
    static func scalarCount(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var i = range.lowerBound, n = 0
        let end = range.upperBound
        if let base = p.baseAddress {
            let raw = UnsafeRawPointer(base)
            // Continuation bytes (80–BF) are, read as signed, below -64 (a vector compared with a vector: with a
            // scalar the comparison was made lane by lane).
            let below = SIMD16<Int8>(repeating: -64)
            while i + 16 <= end {
                let v = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<Int8>.self)
                n &+= 16 &- maskBits(v .< below).nonzeroBitCount
                i &+= 16
            }
        }
        while i < end { if p[i] & 0xC0 != 0x80 { n &+= 1 }; i &+= 1 }
        return n
    }

    /// The scalar starting at `i` (valid UTF-8 inside a line ending at `end`) and its length.
    @inline(__always) static func scalar(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> (UInt32, Int) {
        let b = p[i]
        if b & 0xF0 == 0xE0 && i + 2 < end {
            return (UInt32(b & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F), 3)
        }
        return decodeScalar(p, i)
    }

    /// A scalar's cells (low bits) and whether `isPlain` looks for it (`notPlain`), as the text report shows it.
    static let notPlain: UInt8 = 0x80

    /// `cellInfo` of the scalars Chinese text uses besides the ideographs, worked out once: Latin-1 (0–FF),
    /// general punctuation (2000–206F), CJK symbols and punctuation (3000–303F), full-width forms (FF00–FFEF).
    /// Written once, before it is shared, and never again (so `nonisolated(unsafe)` holds).
    nonisolated(unsafe) static let cellTable: UnsafePointer<UInt8> = {
        let ranges: [(UInt32, Int)] = [(0, 0x100), (0x3000, 0x40), (0x2000, 0x70), (0xFF00, 0xF0)]
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 0x2A0)
        var k = 0
        for (base, n) in ranges {
            for v in base..<base + UInt32(n) { t[k] = slowCellInfo(v); k += 1 }
        }
        return UnsafePointer(t)
    }()

    @inline(never) static func slowCellInfo(_ v: UInt32) -> UInt8 {
        UInt8(cellWidth(v)) | (isPlainScalar(v) ? 0 : notPlain)
    }

    /// Cells of scalar `v` and the `notPlain` bit: the ideographs without a look-up, the scalars of `cellTable`
    /// with one (`t` is `cellTable`), others by `cellWidth`.
    @inline(__always) static func cellInfo(_ v: UInt32, _ t: UnsafePointer<UInt8>) -> UInt8 {
        if v &- 0x4E00 < 0x5200 { return 2 }
        if v < 0x100 { return t[Int(v)] }
        if v &- 0x3000 < 0x40 { return t[0x100 + Int(v &- 0x3000)] }
        if v &- 0x2000 < 0x70 { return t[0x140 + Int(v &- 0x2000)] }
        if v &- 0xFF00 < 0xF0 { return t[0x1B0 + Int(v &- 0xFF00)] }
        return slowCellInfo(v)
    }

    /// The start of the scalar that ends just before `q` (valid UTF-8, `q` a scalar start after `start`).
    @inline(__always) static func previousStart(_ p: UnsafeBufferPointer<UInt8>, _ q: Int, _ start: Int) -> Int {
        if p[q - 1] < 0x80 { return q - 1 }
        if p[q - 2] >= 0xC0 { return q - 2 }
        if p[q - 3] >= 0xC0 { return q - 3 }
        return q - 4
    }

    /// The excerpt of one finding: the line (or, on a line wider than `maxExcerptWidth` cells, a window of about
    /// that many cells around the finding's start, with `…` where it is cut) and a caret line under the finding.
    /// `at` is the first scalar starting at or after the finding's start (laid out).
    private func appendExcerpt(_ w: inout ByteWriter, _ p: UnsafeBufferPointer<UInt8>, _ d: UnsafePointer<Diagnostic>,
                               cursor c: inout ExcerptCursor, first at: Int, pieces: Pieces) {
        let line = c.line
        let startByte = max(c.start, min(d.pointee.range.lowerBound, c.end))
        let endByte = max(startByte, min(d.pointee.range.upperBound, c.end))
        c.extend(p, toByte: endByte)
        var caretStart = c.cell(at)
        let caretWidth = c.cell(c.index(ofByte: endByte, from: at)) - caretStart
        var from = c.start, to = c.end
        var prefix = false, suffix = false
        if c.long {
            // About `width` cells around the caret: from `half` cells before it.
            let width = c.width
            let lo = max(0, caretStart - width / 2), hi = lo + width
            let first = c.index(ofCell: lo, in: 0..<at)
            c.extend(p, toCell: hi)
            let last = c.index(ofCell: hi, in: first..<c.count)
            caretStart -= c.cell(first)
            if first > 0 || c.skipped > 0 { prefix = true; caretStart += 2 }
            from = c.offset(first); to = c.offset(last)
            suffix = last < c.count || c.laidTo < c.end
        }
        var digits = 1, rest = line
        while rest >= 10 { digits += 1; rest /= 10 }
        // " 12 | text"
        w.put(0x20); w.put(pieces.blue); w.putInt(line); w.put(pieces.reset)
        w.put(0x20); w.put(pieces.blue); w.put(0x7C); w.put(pieces.reset); w.put(0x20)
        if prefix { w.put("…") }
        if c.plain {
            w.put(UnsafeBufferPointer(rebasing: p[from..<to]))
        } else {
            // Something laid out is shown otherwise (a control or invisible character): perhaps in the window.
            var shown: [UInt8] = []
            TextReporter.appendDisplayable(&shown, ArraySlice(UnsafeBufferPointer(rebasing: p[from..<to])))
            w.put(shown)
        }
        if suffix { w.put("…") }
        w.put(0x0A)
        // "    |    ^~~"
        w.put(0x20); w.repeating(0x20, digits); w.put(0x20); w.put(pieces.blue); w.put(0x7C); w.put(pieces.reset); w.put(0x20)
        w.repeating(0x20, caretStart)
        w.put(pieces.boldGreen)
        w.put(0x5E)
        w.repeating(0x7E, caretWidth - 1)
        w.put(pieces.reset)
        if d.pointee.fix != nil, let fix = d.pointee.fix, fix.editCount == 1, let e = fix.firstEdit {
            // 删除 / 插入 “x” / 改为 “x”, spaces and line breaks in x made visible (written as bytes).
            w.put(0x20)
            w.put(pieces.green)
            if e.replacement.isEmpty { w.put("删除") } else {
                w.put(e.range.isEmpty ? "插入 “" : "改为 “")
                for b in e.replacement.utf8 {
                    if b == 0x20 { w.put("␠") } else if b == 0x0A { w.put("⏎") } else { w.put(b) }
                }
                w.put("”")
            }
            w.put(pieces.reset)
            if fix.safety == .unsafe { w.put(pieces.unsafeHint) }
        }
        w.put(0x0A)
    }

    /// The excerpt lines of one finding (as the report shows them; for tests).
    func excerpt(_ src: SourceText, _ d: Diagnostic) -> String {
        var w = ByteWriter(capacity: 256)
        defer { w.free() }
        var cursor = ExcerptCursor()
        defer { cursor.free() }
        let pieces = Pieces.of(self)
        src.bytes.withUnsafeBufferPointer { p in
            cursor.load(src, p, line: src.lineIndex(of: d.range.lowerBound) + 1, width: max(0, maxExcerptWidth))
            let at = max(cursor.start, min(d.range.lowerBound, cursor.end))
            cursor.extend(p, toByte: at)
            withUnsafePointer(to: d) { appendExcerpt(&w, p, $0, cursor: &cursor, first: cursor.index(ofByte: at), pieces: pieces) }
        }
        return String(decoding: w.buffer, as: UTF8.self)
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
        // One pass over the files' reports in place (filtering them copied each report, field by field, five times).
        var unreadable = 0, unwritten = 0, skipped = 0, fixed = 0, withFindings = 0, stopped = 0
        report.files.withUnsafeBufferPointer { p in
            for k in p.indices {
                if p[k].error != nil { if p[k].notWritten { unwritten += 1 } else { unreadable += 1 } }
                if p[k].notice != nil { skipped += 1 }
                for (_, count) in p[k].fixed { fixed += count }
                if e + w + i > 0 && p[k].hasFindings { withFindings += 1 }
                if p[k].hasRuleFailure { stopped += 1 }
            }
        }
        let notLinted = report.notLinted.count
        let n = report.files.count
        let checked = n - unreadable - skipped
        let s = language.summary(errors: e, warnings: w, infos: i, files: n, checked: checked, withFindings: withFindings,
                                 fixed: fixed, preview: report.preview, unreadable: unreadable, unwritten: unwritten,
                                 notLinted: notLinted, skipped: skipped, stopped: stopped)
        return paint(s, "1") + "\n"
    }
}

/// A growable byte buffer written through a pointer: each write checks the room left and copies, with no array
/// uniqueness check and no reference counting. `free()` releases it.
struct ByteWriter {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    func free() { base.deallocate() }

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    mutating func clear() { count = 0 }

    @inline(__always) private mutating func room(_ n: Int) { if count + n > capacity { grow(count + n) } }

    @inline(never) private mutating func grow(_ need: Int) {
        let c = max(need, capacity * 2)
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        b.update(from: base, count: count)
        base.deallocate()
        base = b; capacity = c
    }

    @inline(__always) mutating func put(_ b: UInt8) { room(1); base[count] = b; count += 1 }

    @inline(__always) mutating func put(_ p: UnsafeBufferPointer<UInt8>) {
        guard let src = p.baseAddress, p.count > 0 else { return }
        room(p.count); (base + count).update(from: src, count: p.count); count += p.count
    }

    @inline(__always) mutating func put(_ a: [UInt8]) { a.withUnsafeBufferPointer { put($0) } }

    @inline(__always) mutating func put(_ s: StaticString) { s.withUTF8Buffer { put($0) } }

    mutating func repeating(_ b: UInt8, _ n: Int) {
        guard n > 0 else { return }
        room(n); (base + count).initialize(repeating: b, count: n); count += n
    }

    /// 16 lowercase hex digits of `h` (as `StableHash.appendHex`).
    mutating func putHex16(_ h: UInt64) {
        room(16)
        var shift: UInt64 = 60
        for i in 0..<16 {
            let d = UInt8(truncatingIfNeeded: (h >> shift) & 0xF)
            base[count + i] = d < 10 ? 0x30 + d : 0x57 + d
            shift &-= 4
        }
        count += 16
    }

    /// A JSON string literal, the bytes `JSONBytes.string` writes.
    mutating func putJSONString(_ s: String) { put(0x22); putJSONStringBody(s); put(0x22) }

    /// `JSONBytes.stringBody`: quote, backslash, `\n`, `\r`, `\t` escaped with a backslash, other controls and
    /// U+2028/U+2029 as `\u` and four lowercase hex digits, every other byte as it is.
    mutating func putJSONStringBody(_ s: String) {
        var s = s
        s.withUTF8 { p in
            var i = 0, run = 0
            let n = p.count
            while i < n {
                let b = p[i]
                // Not a control, quote, backslash or the lead byte of U+2028/U+2029: as it is.
                if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0xE2 { i += 1; continue }
                var e0: UInt8 = 0, e1: UInt8 = 0
                var long = false
                switch b {
                case 0x22: e0 = 0x5C; e1 = 0x22
                case 0x5C: e0 = 0x5C; e1 = 0x5C
                case 0x0A: e0 = 0x5C; e1 = 0x6E
                case 0x0D: e0 = 0x5C; e1 = 0x72
                case 0x09: e0 = 0x5C; e1 = 0x74
                case 0xE2 where i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9): long = true
                default: if b < 0x20 { long = true }
                }
                if e0 == 0 && !long { i += 1; continue }
                if run < i { put(UnsafeBufferPointer(rebasing: p[run..<i])) }
                if e0 != 0 { put(e0); put(e1); i += 1 } else {
                    let v: Int
                    if b == 0xE2 { v = p[i + 2] == 0xA8 ? 0x2028 : 0x2029; i += 3 } else { v = Int(b); i += 1 }
                    put(0x5C); put(0x75)
                    for shift in stride(from: 12, through: 0, by: -4) {
                        let d = UInt8(truncatingIfNeeded: (v >> shift) & 15)
                        put(d < 10 ? 0x30 + d : 0x57 + d)
                    }
                }
                run = i
            }
            if run < n { put(UnsafeBufferPointer(rebasing: p[run..<n])) }
        }
    }

    /// Decimal digits of `v` (as `JSONBytes.int`), two at a time from a table (every finding of a report writes
    /// two or three numbers: a digit at a time was 3% of `lint`'s instructions on a page of findings).
    mutating func putInt(_ v: Int) {
        if v < 0 { put(0x2D); putInt(-v); return }
        room(20)
        if v < 10 { base[count] = UInt8(truncatingIfNeeded: 0x30 + v); count += 1; return }
        var digits = 2, limit = 100
        while digits < 19 && v >= limit { digits += 1; limit = limit &* 10 }
        var x = UInt(v), i = count + digits
        let pairs = digitPairs
        while x >= 100 {
            let q = x / 100, r = Int(truncatingIfNeeded: x &- q &* 100) &* 2
            i -= 2
            base[i] = pairs[r]; base[i + 1] = pairs[r + 1]
            x = q
        }
        if x >= 10 {
            let r = Int(truncatingIfNeeded: x) &* 2
            base[i - 2] = pairs[r]; base[i - 1] = pairs[r + 1]
        } else {
            base[i - 1] = UInt8(truncatingIfNeeded: 0x30 &+ x)
        }
        count += digits
    }
}

/// "00" … "99", two bytes each (written once, then only read).
nonisolated(unsafe) private let digitPairs: UnsafePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 200)
    for n in 0..<100 { p[2 * n] = 0x30 + UInt8(n / 10); p[2 * n + 1] = 0x30 + UInt8(n % 10) }
    return UnsafePointer(p)
}()

private let piecesLock = NSLock()
nonisolated(unsafe) private var piecesMade: [Int: TextReporter.Pieces] = [:]

/// The bytes after a finding's position — severity, message, rule id, end of line — kept for the last eight
/// (rule, message, severity) triples: a file's findings come mostly from a few rules.
/// What rendering a file's findings uses besides its output, kept from file to file (one per file being rendered
/// at a time, for one colour and language: the tails are made of that pair's pieces).
private final class RenderScratch: @unchecked Sendable {
    var writer = ByteWriter(capacity: 20_480)
    var cursor = TextReporter.ExcerptCursor()
    var tails = TailCache()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [Int: [RenderScratch]] = [:]

    static func take(_ key: Int) -> RenderScratch {
        lock.lock()
        let s = free[key]?.popLast()
        lock.unlock()
        return s ?? RenderScratch()
    }

    /// Gives `s` back (its writer emptied; at most a few kept per key, the others let go).
    static func give(_ s: RenderScratch, _ key: Int) {
        s.writer.clear()
        lock.lock()
        if free[key, default: []].count < 8 { free[key, default: []].append(s); lock.unlock(); return }
        lock.unlock()
        s.writer.free(); s.cursor.free()
    }
}

private struct TailCache {
    private var rules: [String] = [], messages: [String] = [], severities: [Severity] = [], failures: [Bool] = []
    /// The tails' bytes, one after the other (`spans`: where each is); made again from the eight in use when it
    /// passes 4 KB. One flat buffer read in place: a tail as an array of its own was retained and released at every
    /// finding.
    private var store: [UInt8] = []
    private var spans: [Range<Int>] = []
    /// The labels themselves, held: kept from file to file, a label let go could leave its address to another.
    private var ids: [AnyObject] = []
    /// Their identities, compared without touching the labels' reference counts (shared by the threads that render
    /// a large file's blocks side by side: a retain there was a write both cores fought over).
    private var identities: [ObjectIdentifier] = []
    private var next = 0

    @inline(__always) private func put(_ w: inout ByteWriter, _ i: Int) {
        store.withUnsafeBufferPointer { w.put(UnsafeBufferPointer(rebasing: $0[spans[i]])) }
    }

    mutating func put(_ w: inout ByteWriter, _ p: UnsafePointer<Diagnostic>, labels: [[UInt8]], dim: [UInt8], reset: [UInt8],
                      language: ReportLanguage) {
        // The same label (most findings share their rule's): no strings compared.
        let id = p.pointee.labelIdentity, severity = p.pointee.severity, failure = p.pointee.isRuleFailure
        for i in identities.indices where identities[i] == id && severities[i] == severity && failures[i] == failure {
            put(&w, i)
            return
        }
        for i in rules.indices where severities[i] == p.pointee.severity && failures[i] == p.pointee.isRuleFailure
            && rules[i] == p.pointee.ruleID && messages[i] == p.pointee.message {
            put(&w, i)
            return
        }
        var tail = labels[p.pointee.severity == .error ? 0 : p.pointee.severity == .warning ? 1 : 2]
        tail += ": ".utf8
        tail += (p.pointee.isRuleFailure && language == .zh ? language.fileError(p.pointee.message) : p.pointee.message).utf8
        tail.append(0x20)
        tail += dim
        tail.append(0x5B); tail += p.pointee.ruleID.utf8; tail.append(0x5D)
        tail += reset
        tail.append(0x0A)
        w.put(tail)
        let slot: Int
        if rules.count < 8 {
            slot = rules.count
            rules.append(p.pointee.ruleID); messages.append(p.pointee.message); severities.append(p.pointee.severity)
            failures.append(p.pointee.isRuleFailure); ids.append(p.pointee.labelObject); identities.append(id); spans.append(0..<0)
        } else {
            slot = next
            rules[next] = p.pointee.ruleID; messages[next] = p.pointee.message; severities[next] = p.pointee.severity
            failures[next] = p.pointee.isRuleFailure; ids[next] = p.pointee.labelObject; identities[next] = id
            next = (next + 1) & 7
        }
        if store.count + tail.count > 4096 {
            // Only the tails in use, the new one's slot left out.
            var kept: [UInt8] = []
            for i in spans.indices where i != slot {
                let r = spans[i]
                spans[i] = kept.count..<(kept.count + r.count)
                kept += store[r]
            }
            store = kept
        }
        spans[slot] = store.count..<(store.count + tail.count)
        store += tail
    }
}
