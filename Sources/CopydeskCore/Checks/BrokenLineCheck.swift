/// `kind: broken-line`: line breaks inside a sentence, as in text from PDFs and OCR where every printed line became
/// a line or even a paragraph of its own. One finding per broken paragraph, at its first break; the fix joins every
/// break of the paragraph.
///
///     endings: "。！？…”’）》」』：；!?.:;"   # characters that may end a paragraph
///     markdown: false                          # Markdown soft breaks are normal: off by default
///     min-wrapped-ratio: 0.3                   # only in hard-wrapped text (see below)
///     safe-min-wrapped-ratio: 0.4              # below it, joins need --unsafe-fixes (print hangs punctuation at
///                                              # line ends, so many wrapped lines end with 。)
///
/// A join is never a guess from punctuation alone: the evidence comes from the **column**. Hard-wrapped text has
/// its lines cut at (nearly) one width, measured in cells (a Chinese character two, a half-width digit one,
/// Chinese punctuation one since print compresses it, spaces not counted, since OCR adds them). So:
/// - the rule finds the column first: the narrowest 3-cell window of widths that holds most of the lines that
///   are followed by another line (at least 3 of them, 5 on a page of one-line paragraphs, at least half, and
///   hardly any line wider). No column (verse, a list of short lines, one paragraph per line) → no finding;
/// - a line that reaches the column was wrapped, even after `。` (when the next line is in the same paragraph);
/// - a line that ends mid-sentence a little short of the column (by a lost paragraph indent, or half-width
///   characters) was wrapped too; a line that ends well short of it ends a paragraph, a subhead or a caption;
/// - a blank line is removed only on a page where (nearly) every line is followed by a blank line (OCR that made
///   every printed line a paragraph), and never before a dateline, a byline, a headline, a list item or an indented
///   line: on any other page blank lines separate paragraphs and stay, with safe and unsafe fixes alike.
/// The rule also stays quiet unless at least `min-wrapped-ratio` of those lines end mid-sentence.
public struct BrokenLineCheck: Check {
    var endings: Set<UInt32> { didSet { endingList = Array(endings) } }
    /// `endings` as a list: a few scalars compared in turn cost less than a hash per line.
    private var endingList: [UInt32] = []
    var markdown: Bool

    var minWrappedRatio: Double
    /// Whether `run` first asks `surelyNoColumn` (tests turn it off to compare).
    var quickNoColumn = true
    /// Below this share of open lines the text is only partly hard-wrapped: findings get an unsafe fix.
    var safeMinWrappedRatio: Double

    static let keys: Set<String> = ["endings", "markdown", "min-wrapped-ratio", "safe-min-wrapped-ratio"]
    static let defaultEndings = "。！？…”’）》」』：；!?.:;—"

    /// Share of the lines that are followed by a blank line above which a page counts as blank-line wrapped.
    static let blankWrappedShare = 0.85
    /// Width of the window of line widths that is the column (a full line is cut within it).
    static let window = 3
    /// How much shorter than the column an open line may be and still be wrapped (a lost two-character indent and
    /// a little more).
    static let indentSlack = 6
    /// The widest column the rule looks for, in cells: 100 Han characters (a printed column holds a few dozen, an
    /// A4 page of PDF text about forty, a text file hard-wrapped at 80 columns forty). A line wider than this is
    /// measured no further: its width is `overWidth`, wider than any column's lines, and no column is sought above
    /// it. More than a tenth of the lines that wide and there is no column (`column` allows a tenth wider than
    /// it): the measuring stops there. On web news, where a paragraph is one line and often a long one (8 KB at the
    /// 99th percentile), the rule measured all 25 MB of a page to find no column; 18% of its lines are wider.
    static let widestColumn = 200
    /// The width a line wider than `widestColumn` is given.
    static let overWidth = widestColumn + window + 3

    init(_ m: StrictMapping) throws {
        let e = try m["endings"]?.string("endings") ?? BrokenLineCheck.defaultEndings
        guard !e.isEmpty else { throw ConfigError(m["endings"]!.mark, "'endings' is empty: every line would be broken") }
        endings = Set(e.unicodeScalars.map(\.value))
        endingList = Array(endings)
        markdown = try m["markdown"]?.bool("markdown") ?? false
        minWrappedRatio = try m["min-wrapped-ratio"]?.double("min-wrapped-ratio") ?? 0.3
        guard (0...1).contains(minWrappedRatio) else { throw ConfigError(m["min-wrapped-ratio"]!.mark, "'min-wrapped-ratio' must be between 0 and 1") }
        safeMinWrappedRatio = try m["safe-min-wrapped-ratio"]?.double("safe-min-wrapped-ratio") ?? 0.4
        guard (0...1).contains(safeMinWrappedRatio) else { throw ConfigError(m["safe-min-wrapped-ratio"]!.mark, "'safe-min-wrapped-ratio' must be between 0 and 1") }
    }

    /// A prose line that may be joined: its bytes, its block, and what the decision needs.
    /// 56 bytes with its optional, not 88: the rule keeps one per line of the page on every pass of the fixer (a
    /// 50,000-line page: 4.3 MB of fresh pages each time). Block, width and line index in 32 bits (a width is
    /// capped at `overWidth`; the rule skips a text of 2³¹ lines or more).
    struct Line {
        var content: Range<Int>
        /// Where the last non-space character starts.
        var lastAt: Int
        private var block32: Int32
        private var width32: Int32 = 0
        private var line32: Int32 = -1
        /// The last non-space character.
        var last: UInt32
        /// The character before the last one (0 if none): `。”` ends a sentence, `经验”` does not.
        var beforeLast: UInt32 = 0
        /// The first non-space character, and whether the line starts with an indent.
        var first: UInt32
        var indented: Bool
        var lastInBlock: Bool
        /// The first line of its block (a paragraph's first line may be short by its lost indent).
        var firstInBlock = false
        /// The line may not be joined to the line before it (a dateline, or not the first line of a body block).
        var startsArticle: Bool
        /// A space among the last six characters (`李四 摄`).
        var hasSpaceNearEnd = false
        /// Chinese punctuation somewhere in the line.
        var hasPunctuation = false

        var block: Int {
            @inline(__always) get { Int(block32) }
            set { block32 = Int32(truncatingIfNeeded: newValue) }
        }
        /// Width in cells, spaces not counted.
        var width: Int {
            @inline(__always) get { Int(width32) }
            set { width32 = Int32(truncatingIfNeeded: newValue) }
        }
        /// The line it is on, as its block says (checked before use as a key of `LineMeasures`).
        var line: Int {
            @inline(__always) get { Int(line32) }
            set { line32 = Int32(truncatingIfNeeded: newValue) }
        }

        init(content: Range<Int>, block: Int, lastInBlock: Bool, width: Int, last: UInt32, lastAt: Int, first: UInt32,
             indented: Bool, startsArticle: Bool) {
            self.content = content; self.lastAt = lastAt
            block32 = Int32(truncatingIfNeeded: block); width32 = Int32(truncatingIfNeeded: width)
            self.last = last; self.first = first; self.indented = indented; self.lastInBlock = lastInBlock
            self.startsArticle = startsArticle
        }
    }

    /// The column of a hard-wrapped text: full lines are `lo - 1 ... hi + 1` cells wide.
    struct Column { var lo: Int; var hi: Int; var count: Int }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        let doc = context.document
        // The duplicate rules read paragraphs after these joins: one run serves both (`CheckCache`).
        if let reused = context.cache.reusedBrokenLine(self, context) { findings += reused; return }
        let found = findings.count
        defer { context.cache.noteBrokenLine(self, context, findings[found...]) }
        if doc.format == .markdown && !markdown { return }
        let src = doc.source
        if src.lineCount >= Int(Int32.max) || doc.blocks.count >= Int(Int32.max) { return }
        let b = src.bytes
        let scope = Scope.body.union(.dateline)
        // Blocks with a segment in the rule's scope (a flag per block, not a hashed set).
        var inScope = [Bool](repeating: false, count: doc.blocks.count)
        for (_, seg) in context.segments where seg.block >= 0 && seg.block < inScope.count { inScope[seg.block] = true }
        let facts = doc.lineFacts
        if quickNoColumn && surelyNoColumn(doc, inScope: inScope, scope: scope) { return }

        // The prose lines of blocks that may be joined, in order; `nil` where a chain must break.
        var lines: [Line?] = []
        // Sized once (a line of each joinable block, a gap for each other block): on a large page this list is
        // megabytes, and growing it by doubling copied it several times on every pass of the fixer.
        do {
            var n = 0
            for (bi, block) in doc.blocks.enumerated() {
                n += inScope[bi] && BrokenLineCheck.isJoinable(block, scope)
                    ? block.content.count : 1
            }
            lines.reserveCapacity(n)
        }
        var joinableLines = 0, singleLineBlocks = 0
        // A line's end is read once per document and fix run: the fixer's later passes carry what was read of the
        // lines no edit touched (`LineMeasures`, keyed by line and by the range within it), so a pass that edited a
        // few lines reads a few line ends, not one per line of the page (a cache miss each on a 25 MB page).
        b.withUnsafeBufferPointer { p in
            doc.lineMeasures.withEntries(lineCount: src.lineCount) { memo in
                memo.withUnsafeMutableBufferPointer { memo in
                    for (bi, block) in doc.blocks.enumerated() {
                        let joinable = inScope[bi] && BrokenLineCheck.isJoinable(block, scope)
                        if !joinable { lines.append(nil); continue }
                        joinableLines += block.content.count
                        if block.content.count == 1 { singleLineBlocks += 1 }
                        for (k, r) in block.content.enumerated() {
                            let lineIndex = block.lines.lowerBound + k
                            guard let line = end(p, memo, src, lineIndex, r, block: bi, firstInBlock: k == 0,
                                                 lastInBlock: k == block.content.count - 1)
                            else { lines.append(nil); continue }
                            var l = line
                            let isDateline = facts.isEmpty ? (k == 0 && block.role.contains(.dateline))
                                : facts[lineIndex].contains(.dateline) || facts[lineIndex].contains(.byline) || facts[lineIndex].contains(.listMarker)
                            l.startsArticle = isDateline || (k == 0 && block.role != .body)
                            l.line = lineIndex
                            lines.append(l)
                        }
                    }
                }
            }
        }
        guard joinableLines > 0 else { return }
        // A page of one-line paragraphs: OCR that put a blank line after every printed line.
        // A literary page (a title over an author's bare name) prints verse a line at a time with blank lines
        // between: not OCR, whatever the widths say.
        let blankWrapped = joinableLines >= 4 && Double(singleLineBlocks) >= BrokenLineCheck.blankWrappedShare * Double(joinableLines)
            && !BrokenLineCheck.hasAuthorLine(doc)

        // The lines that are followed by another line of the flow: within a block, or on a blank-line wrapped page
        // any line followed by another joinable line.
        // (By their places in `lines`: a copy of the lines themselves was megabytes more on a large page.)
        var firstInBlock: [Bool] = []
        var flowIndex: [Int] = []
        var open = 0
        for k in lines.indices {
            guard let l = lines[k], k + 1 < lines.count, let n = lines[k + 1] else { continue }
            if n.block == l.block || blankWrapped {
                flowIndex.append(k)
                firstInBlock.append(k == 0 || lines[k - 1]?.block != l.block)
                if isOpen(l) { open += 1 }
            }
        }
        guard !flowIndex.isEmpty else { return }
        if Double(open) < minWrappedRatio * Double(flowIndex.count) { return }
        // Hard-wrapped enough to look at widths: measure the lines (one paragraph per line stops above).
        // A line's measure depends on its bytes alone: the fixer's later passes carry the measures of the lines no
        // edit touched (`LineMeasures`), keyed by line and by the range within it.
        var isFlow = [Bool](repeating: false, count: lines.count)
        for k in flowIndex { isFlow[k] = true }
        var over = 0, noColumn = false
        b.withUnsafeBufferPointer { p in
            doc.lineMeasures.withEntries(lineCount: src.lineCount) { memo in
                memo.withUnsafeMutableBufferPointer { memo in
                    lines.withUnsafeMutableBufferPointer { lines in
                        for k in lines.indices where lines[k] != nil {
                            measure(p, memo, src, &lines[k]!)
                            // More than a tenth of the flow wider than any column: `column` would find none.
                            if isFlow[k] && lines[k]!.width > BrokenLineCheck.widestColumn {
                                over += 1
                                if 10 * over > flowIndex.count { noColumn = true; break }
                            }
                        }
                    }
                }
            }
        }
        if noColumn { return }
        // The column, from the lines that show it (a paragraph's first line may be short by its indent).
        guard let column = BrokenLineCheck.column(flowIndex.map { lines[$0]!.width },
                                                  firstInBlock: blankWrapped ? [Bool](repeating: false, count: flowIndex.count) : firstInBlock,
                                                  punctuated: blankWrapped ? flowIndex.map { lines[$0]!.hasPunctuation } : nil,
                                                  minLines: blankWrapped ? 5 : 2) else { return }
        // Two lines are thin evidence: joins become unsafe, and only in blocks that end a sentence (a paragraph;
        // verse often does not).
        let weak = column.count < 3
        let safety: FixSafety = context.fixSafety == .safe && (weak || Double(open) < safeMinWrappedRatio * Double(flowIndex.count))
            ? .unsafe : context.fixSafety
        var edits: [Edit] = []
        // Whether every line the run joins ends with a clause mark (`，` `。` `；`…): each line a clause, as
        // classical verse is printed (`床前明月光，⏎疑是地上霜。`). A wrap at a column width falls after such a mark
        // about one line in eight; at every line of a run it is line breaks someone meant.
        var everyLineAClause = true
        /// A paragraph ends a sentence; a run of joined lines whose last line does not (verse, a list, a paragraph
        /// cut short) is a guess, and so is a run whose every line is a clause: their fixes need --unsafe-fixes.
        func flush(last: Line?) {
            // On thin evidence only a whole block that reads as one wrapped paragraph is reported.
            if weak, let last, !last.lastInBlock || isOpen(last) { edits = [] }
            if !edits.isEmpty {
                let msg = substitute(context.message, ["count": String(edits.count)])
                let s: FixSafety = safety == .safe && (last.map(isOpen) == true || (everyLineAClause && edits.count >= 2)) ? .unsafe : safety
                let fix: Fix? = s == .none ? nil : Fix(edits: edits, safety: s)
                findings.append(Finding(rule: context.ruleIndex, range: edits[0].range, message: msg, fix: fix))
            }
            edits = []
            everyLineAClause = true
        }
        var k = 0
        while k + 1 < lines.count {
            guard let a = lines[k], let c = lines[k + 1], joins(a, c, column: column, blankWrapped: blankWrapped) else {
                flush(last: lines[k]); k += 1; continue
            }
            // Delete from after the last character of the line to the start of the next line's text (the break and
            // any blank lines); whitespace inside the line is kept for the spacing rules to judge. Two Latin words
            // keep a space between them.
            let from = max(a.lastAt + utf8Length(leading: b[a.lastAt]), src.lineContent(src.lineIndex(of: a.content.lowerBound)).upperBound)
            let to = src.lineStarts[src.lineIndex(of: c.content.lowerBound)]
            let latin = CharClass.of(a.last).contains(.latin) && CharClass.of(c.first).contains(.latin)
            edits.append(Edit(range: from..<to, replacement: latin ? " " : ""))
            if everyLineAClause && !endsClause(a) { everyLineAClause = false }
            k += 1
        }
        flush(last: lines.last ?? nil)
    }

    /// Lines of this many bytes or more are measured in the first sweep of `surelyNoColumn`: most are wider than any
    /// column (267 Han characters; 200 cells hold 100).
    static let surelyWideBytes = 800

    /// Whether `run` would find no column because more than a tenth of the lines followed by another line of their
    /// block are wider than `widestColumn` (one paragraph per line, as web news prints it), told from those wide
    /// lines alone. `run` reads the end of every line of the page first (and on every pass of the fixer those of
    /// the lines an edit touched: nine in ten of the bytes of a 25 MB page of web news), then measures lines in
    /// order until it is sure. Here the lines followed in their block are counted from the blocks (a bound on the
    /// lines `run` counts: a line with no text breaks its flow), and only lines long enough to be that wide are
    /// measured (through the same memo), those of 800 bytes and more first, until their count settles it. Not for
    /// a page that may be blank-line wrapped, whose flow crosses blocks. When this says no, `run` decides as before.
    func surelyNoColumn(_ doc: Document, inScope: [Bool], scope: Scope) -> Bool {
        let src = doc.source
        // Lines that another line of their block follows (an upper bound on `run`'s flow: lines with no text
        // break it), and the blank-line wrapped test's counts.
        var flowBound = 0, joinableLines = 0, singleLineBlocks = 0
        for (bi, block) in doc.blocks.enumerated()
        where inScope[bi] && BrokenLineCheck.isJoinable(block, scope) {
            joinableLines += block.content.count
            if block.content.count == 1 { singleLineBlocks += 1 }
            flowBound += block.content.count - 1
        }
        // (A page that may be blank-line wrapped: `run` decides; so does a page with no flow to count.)
        if joinableLines >= 4 && Double(singleLineBlocks) >= BrokenLineCheck.blankWrappedShare * Double(joinableLines) { return false }
        guard flowBound >= 10 else { return false }
        var wide = 0
        let needed = flowBound / 10 + 1   // 10 × wide > flowBound
        var sure = false
        src.bytes.withUnsafeBufferPointer { p in
            doc.lineMeasures.withEntries(lineCount: src.lineCount) { memo in
                memo.withUnsafeMutableBufferPointer { memo in
                    // First the lines long enough that most are wider than any column, then the rest that can be
                    // (a line narrower than `widestColumn` bytes is narrower in cells: no cell takes less).
                    for sweep in 0..<2 where !sure {
                        for (bi, block) in doc.blocks.enumerated()
                        where inScope[bi] && BrokenLineCheck.isJoinable(block, scope) {
                            let content = block.content
                            guard content.count > 1 else { continue }
                            for k in 0..<(content.count - 1) {
                                let r = content[k]
                                guard r.count > BrokenLineCheck.widestColumn, (r.count >= BrokenLineCheck.surelyWideBytes) == (sweep == 0) else { continue }
                                var l = Line(content: r, block: bi, lastInBlock: false, width: 0, last: 0, lastAt: r.lowerBound,
                                             first: 0, indented: false, startsArticle: false)
                                l.line = block.lines.lowerBound + k
                                measure(p, memo, src, &l)
                                // A line of the flow: it has text (it is this wide) and so has the next one.
                                guard l.width > BrokenLineCheck.widestColumn, BrokenLineCheck.hasText(p, content[k + 1]) else { continue }
                                wide += 1
                                if wide >= needed { sure = true; break }
                            }
                            if sure { break }
                        }
                    }
                }
            }
        }
        return sure
    }

    /// A prose block of the rule's scope, whose lines may be joined (its segments in scope are checked apart).
    @inline(__always) static func isJoinable(_ block: Block, _ scope: Scope) -> Bool {
        !block.role.isDisjoint(with: scope) && (block.kind == .paragraph || block.kind == .blockquote)
    }

    /// The spaces a line's text is measured without: space, tab, U+3000, NBSP.
    @inline(__always) static func isLineSpace(_ v: UInt32) -> Bool { v == 0x20 || v == 0x09 || v == 0x3000 || v == 0xA0 }

    /// Whether `r` holds a character other than the spaces `measureEnd` skips.
    @inline(__always) static func hasText(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var i = r.lowerBound
        while i < r.upperBound {
            let (v, n) = decodeScalar(p, i)
            if !isLineSpace(v) { return true }
            i += n
        }
        return false
    }

    /// Whether line `c` continues the sentence of line `a` across a wrap.
    func joins(_ a: Line, _ c: Line, column: Column, blankWrapped: Bool) -> Bool {
        let sameBlock = a.block == c.block
        if !sameBlock && !blankWrapped { return false }
        if c.startsArticle || c.indented { return false }
        // No line of a wrapped paragraph is wider than the column, its last line included.
        if c.width > column.hi + 2 { return false }
        // The next line must continue a sentence: Chinese, Latin, digits, or punctuation that follows words.
        let fc = CharClass.of(c.first), lc = CharClass.of(a.last)
        if fc.isDisjoint(with: [.han, .latin, .digit, .fullwidthOther, .fullwidthClose, .fullwidthOpen]) { return false }
        if lc.isDisjoint(with: [.han, .digit, .latin, .fullwidthOther, .fullwidthClose, .fullwidthOpen]) { return false }
        let full = a.width >= column.lo - 1 && a.width <= column.hi + 2
        if isOpen(a) {
            // A line that ends mid-sentence was wrapped when it reaches the column or falls short of it by no more
            // than a lost indent; well short of it, it ends a paragraph, a subhead or a caption.
            return a.width >= column.lo - BrokenLineCheck.indentSlack && a.width <= column.hi + 2
        }
        // After sentence-final punctuation only a full line was wrapped: within a paragraph, or on a blank-line
        // wrapped page when the next line is full too (a paragraph's first line is short by its lost indent, its
        // last line by where it ends).
        if isPhotoCredit(a) { return false }
        // Inside a paragraph, its first line (short by a lost indent) was wrapped too.
        if sameBlock && a.firstInBlock && a.width >= column.lo - BrokenLineCheck.indentSlack && a.width <= column.hi + 2 { return true }
        guard full else { return false }
        if sameBlock { return true }
        return c.width >= column.lo - 1 && c.width <= column.hi + 2
    }

    /// The line ends mid-sentence: not with an ending, or with an opening bracket or quote; a photo credit
    /// (`李四 摄`) ends its caption.
    func isOpen(_ l: Line) -> Bool {
        if isPhotoCredit(l) { return false }
        let c = CharClass.of(l.last)
        if c.contains(.fullwidthOpen) { return true }
        if !endingList.contains(l.last) { return true }
        // A closing bracket or quotation mark ends a sentence only after an ending (`。”`, `（完）` aside):
        // `（记者 张三）` and `“青山经验”` at a line end leave the sentence open.
        if c.contains(.fullwidthClose), l.beforeLast != 0, !endingList.contains(l.beforeLast), CharClass.of(l.beforeLast).contains(.han) {
            return l.last != 0xFF09 || !isClosingNote(l)
        }
        return false
    }

    /// The line ends with a clause mark (`，` `、` `；` `：` `。` `！` `？`), or with a closing quote or bracket after one.
    func endsClause(_ l: Line) -> Bool {
        @inline(__always) func mark(_ v: UInt32) -> Bool {
            v == 0xFF0C || v == 0x3001 || v == 0xFF1B || v == 0xFF1A || v == 0x3002 || v == 0xFF01 || v == 0xFF1F
        }
        return mark(l.last) || (CharClass.of(l.last).contains(.fullwidthClose) && mark(l.beforeLast))
    }

    /// `（完）`, `（待续）`: a bracketed note that ends an article.
    func isClosingNote(_ l: Line) -> Bool { l.beforeLast == 0x5B8C || l.beforeLast == 0x7EED }

    func isPhotoCredit(_ l: Line) -> Bool { l.last == 0x6444 && l.hasSpaceNearEnd }

    /// A blank-line wrapped page (OCR that put a blank line after every printed line), judged as `run` judges it
    /// for the prose blocks of the body and datelines: at least four lines, 85% of them one-line blocks, and no
    /// author line. Other rules that may cross a blank line (`numbers.split-number-line`) ask this.
    static func isBlankWrapped(_ doc: Document) -> Bool {
        let scope = Scope.body.union(.dateline)
        var lines = 0, single = 0
        for block in doc.blocks where isJoinable(block, scope) {
            lines += block.content.count
            if block.content.count == 1 { single += 1 }
        }
        return lines >= 4 && Double(single) >= blankWrappedShare * Double(lines) && !hasAuthorLine(doc)
    }

    /// A line that is only a name (2–4 Chinese characters) right under a short unpunctuated line (a title, blank
    /// lines between allowed): how a literary page credits a poem or an essay. A news byline has a role (`记者`).
    static func hasAuthorLine(_ doc: Document) -> Bool {
        let src = doc.source
        var previous: Range<Int>? = nil
        for line in 0..<src.lineCount {
            let r = src.lineContent(line)
            if PlainTextScanner.isBlank(src, r) { continue }
            defer { previous = r }
            let s = ArticleStructure.trimmed(ArticleStructure.scalars(src, r.lowerBound..<min(r.upperBound, r.lowerBound + 16)))
            guard (2...4).contains(s.count), r.count <= 16, s.allSatisfy({ CharClass.of($0).contains(.han) }), let p = previous else { continue }
            let t = ArticleStructure.trimmed(ArticleStructure.scalars(src, p.lowerBound..<min(p.upperBound, p.lowerBound + 80)))
            if (2...20).contains(t.count), let last = t.last, !ArticleStructure.isEnding(last) || last == 0xFF09,
               !t.contains(where: ArticleStructure.isSentencePunct) { return true }
        }
        return false
    }

    /// The column: the 3-cell window of widths holding the most lines, if it holds at least `minLines` and half of
    /// the lines (a paragraph's first line short by its indent aside), and at most a tenth of them are wider by more
    /// than two cells (verse has its long lines; a column has none). Prose cut at a column has punctuation inside
    /// most lines (nine in ten on a real OCR page); verse of even line lengths has it in few: at least half of the
    /// column's lines must have some (judged from five lines on, on blank-line wrapped pages, where a poem would
    /// be one run of lines; elsewhere verse stanzas are blocks of their own).
    static func column(_ widths: [Int], firstInBlock: [Bool], punctuated: [Bool]?, minLines: Int) -> Column? {
        guard widths.count >= minLines else { return nil }
        // Lines per width: an array indexed by width (widths are cells of one line), not a hashed dictionary.
        let maxWidth = widths.max() ?? 0
        var counts = [Int](repeating: 0, count: maxWidth + window + 1)
        for w in widths { counts[w] += 1 }
        var best = -1, bestCount = 0
        // (No window above the widest column: the lines wider than it all have `overWidth`.)
        for w in 0...min(maxWidth, widestColumn - window + 1) where counts[w] > 0 {
            var n = 0
            for d in 0..<window { n += counts[w + d] }
            if n > bestCount || (n == bestCount && w > best) { best = w; bestCount = n }
        }
        guard best >= 4, bestCount >= minLines else { return nil }
        let hi = best + window - 1
        var total = 0, wider = 0, withPunct = 0
        for (k, w) in widths.enumerated() {
            if w >= best && w <= hi && punctuated?[k] != false { withPunct += 1 }
            if firstInBlock[k] && w < best && w >= best - indentSlack { continue }
            total += 1
            if w > hi + 2 { wider += 1 }
        }
        guard 2 * bestCount >= total, 10 * wider <= total, bestCount < 5 || 2 * withPunct >= bestCount else { return nil }
        return Column(lo: best, hi: hi, count: bestCount)
    }

    /// The memo entry of line `line` for the range `r`, when the line holds `r` (as its block says) and a range
    /// that fits in 32 bits: its key, else nil (the range is measured without the memo).
    @inline(__always) private func memoKey(_ src: SourceText, _ line: Int, _ r: Range<Int>) -> (from: Int32, count: Int32)? {
        guard line >= 0 && line < src.lineCount, r.count < Int(Int32.max) else { return nil }
        let start = src.lineStarts[line]
        guard start <= r.lowerBound, r.upperBound <= (line + 1 < src.lineCount ? src.lineStarts[line + 1] : src.bytes.count)
        else { return nil }
        return (Int32(r.lowerBound - start), Int32(r.count))
    }

    /// `measureEnd` of line `line`'s range `r`, from the memo when that line's range was read before (in this
    /// document, or in the one before a fix pass that left the line as it was).
    @inline(__always) private func end(_ p: UnsafeBufferPointer<UInt8>, _ memo: UnsafeMutableBufferPointer<LineMeasures.Entry>,
                                       _ src: SourceText, _ line: Int, _ r: Range<Int>,
                                       block: Int, firstInBlock: Bool, lastInBlock: Bool) -> Line? {
        guard let key = memoKey(src, line, r) else {
            return measureEnd(p, r, block: block, firstInBlock: firstInBlock, lastInBlock: lastInBlock)
        }
        var e = memo[line].keyed(key)
        if e.hasEnd {
            guard e.hasText else { return nil }
            var l = Line(content: r, block: block, lastInBlock: lastInBlock, width: 0, last: e.last,
                         lastAt: src.lineStarts[line] + Int(e.lastAt), first: 0, indented: false, startsArticle: false)
            l.beforeLast = e.beforeLast
            l.hasSpaceNearEnd = e.spaceNearEnd
            l.firstInBlock = firstInBlock
            return l
        }
        let l = measureEnd(p, r, block: block, firstInBlock: firstInBlock, lastInBlock: lastInBlock)
        e.hasEnd = true
        e.hasText = l != nil
        if let l {
            e.last = l.last; e.beforeLast = l.beforeLast; e.spaceNearEnd = l.hasSpaceNearEnd
            e.lastAt = Int32(l.lastAt - src.lineStarts[line])
        }
        memo[line] = e
        return l
    }

    /// `measureStart` of `l`, from the memo when its line's range was measured before.
    @inline(__always) private func measure(_ p: UnsafeBufferPointer<UInt8>, _ memo: UnsafeMutableBufferPointer<LineMeasures.Entry>,
                                           _ src: SourceText, _ l: inout Line) {
        guard let key = memoKey(src, l.line, l.content) else { measureStart(p, &l); return }
        var e = memo[l.line].keyed(key)
        if e.hasStart {
            l.width = Int(e.width); l.first = e.first
            l.indented = e.indented; l.hasPunctuation = e.punctuation
            return
        }
        measureStart(p, &l)
        e.hasStart = true
        e.width = Int32(truncatingIfNeeded: l.width); e.first = l.first
        e.indented = l.indented; e.punctuation = l.hasPunctuation
        memo[l.line] = e
    }

    /// Width, first and last characters of a line's text; nil for a line with no text.
    /// The end of a line's text: its last two characters and whether a space stands among the last six; nil for a
    /// line with no text. Reads backwards from the line end, so every line costs a few bytes until the rule knows
    /// the text is hard-wrapped at all.
    func measureEnd(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, block: Int, firstInBlock: Bool, lastInBlock: Bool) -> Line? {
        @inline(__always) func isSpace(_ v: UInt32) -> Bool { BrokenLineCheck.isLineSpace(v) }
        var e = r.upperBound
        // The last two characters found (no array: this runs for every line).
        var found = 0
        var last: UInt32 = 0, lastAt = 0, beforeLast: UInt32 = 0
        var chars = 0
        var spaceNear = false
        while e > r.lowerBound && chars < 7 {
            var s = e - 1
            while s > r.lowerBound && p[s] & 0xC0 == 0x80 { s -= 1 }
            let v = decodeScalar(p, s).0
            e = s
            if isSpace(v) {
                if found > 0 { if chars <= 6 { spaceNear = true }; break }
                continue
            }
            if found == 0 { last = v; lastAt = s; found = 1 } else if found == 1 { beforeLast = v; found = 2 }
            chars += 1
            // A space near the end matters only after `摄` (`isPhotoCredit`): other lines stop at two characters.
            if found == 2 && last != 0x6444 { break }
        }
        guard found > 0 else { return nil }
        var l = Line(content: r, block: block, lastInBlock: lastInBlock, width: 0, last: last, lastAt: lastAt,
                     first: 0, indented: false, startsArticle: false)
        l.beforeLast = beforeLast
        l.hasSpaceNearEnd = spaceNear
        l.firstInBlock = firstInBlock
        return l
    }

    /// Width, first character, indent and punctuation of a line's text (forwards; Han by its lead byte alone).
    /// The indent and the first character are read in one loop, the rest of the line in a second one that has no
    /// per-character test of them. A line wider than `widestColumn` gets `overWidth`, and its punctuation is not
    /// known (only the lines of a column are asked about theirs).
    func measureStart(_ p: UnsafeBufferPointer<UInt8>, _ l: inout Line) {
        let r = l.content
        var i = r.lowerBound
        var width = 0
        var first: UInt32? = nil
        var indent = 0, ideographicIndent = false
        var punct = false
        // The indent and the first character.
        while i < r.upperBound && first == nil {
            let c = p[i]
            if c &- 0xE4 <= 5 { first = decodeScalar(p, i).0; width += 2; i += 3; break }
            if c < 0x80 {
                if c == 0x20 || c == 0x09 { indent += 1; i += 1; continue }
                first = UInt32(c); width += 1; i += 1; break
            }
            let (v, n) = decodeScalar(p, i)
            i += n
            if v == 0x3000 || v == 0xA0 {
                if v == 0x3000 { ideographicIndent = true } else { indent += 1 }
                continue
            }
            first = v
            if CharClass.of(v).isDisjoint(with: .fullwidthPunct) { width += DisplayWidth.of(v) } else { punct = true; width += 1 }
        }
        // The rest: Han by its lead byte, ASCII by its value, punctuation from a table, other characters decoded.
        let punctuation = BrokenLineCheck.punctuationCells
        /// The cells of a character that is neither Han (lead E4–E9) nor ASCII.
        @inline(__always) func other(_ v: UInt32) {
            if let slot = BrokenLineCheck.punctuationSlot(v) {
                let e = punctuation[slot]
                width &+= Int(e & 0x7F)
                if e & 0x80 != 0 { punct = true }
                return
            }
            if v == 0x3000 || v == 0xA0 { return }
            // Chinese punctuation counts one cell: print compresses it (`”“`, `、` at a line end), so a line
            // full of quotation marks is no wider than the column.
            if CharClass.of(v).isDisjoint(with: .fullwidthPunct) { width += DisplayWidth.of(v) } else { punct = true; width += 1 }
        }
        // Sixteen bytes at a time: every character counts by its first byte (continuation bytes count nothing), so
        // a block may cut characters anywhere: Han leads two cells each, ASCII other than space and tab one, and
        // the few other leads are decoded one by one.
        if let base = p.baseAddress {
            // Every operand a vector (a compare with a scalar operand is not lowered to one instruction).
            typealias V = SIMD16<UInt8>
            let e4 = V(repeating: 0xE4), six = V(repeating: 6), x80 = V(repeating: 0x80), space = V(repeating: 0x20)
            let tab = V(repeating: 0x09), c0 = V(repeating: 0xC0), two = V(repeating: 2), one = V(repeating: 1)
            while i &+ 16 <= r.upperBound {
                if width > BrokenLineCheck.widestColumn { break }
                let v = UnsafeRawPointer(base + i).loadUnaligned(as: V.self)
                let han = (v &- e4) .< six
                let counted = (v .< x80) .& .!((v .== space) .| (v .== tab))
                // Two cells for each Han lead, one for each other counted ASCII byte; the halves' bytes summed by a
                // multiply (at most 16 per half).
                let cells = unsafeBitCast((unsafeBitCast(han, to: V.self) & two) | (unsafeBitCast(counted, to: V.self) & one), to: SIMD2<UInt64>.self)
                width &+= Int(truncatingIfNeeded: ((cells[0] &* 0x0101_0101_0101_0101) &>> 56) &+ ((cells[1] &* 0x0101_0101_0101_0101) &>> 56))
                var bits = maskBits((v .>= c0) .& .!han)
                while bits != 0 {
                    other(decodeScalar(p, i &+ bits.trailingZeroBitCount).0)
                    bits &= bits &- 1
                }
                i &+= 16
            }
            while i < r.upperBound && p[i] & 0xC0 == 0x80 { i &+= 1 }    // the rest of a character the block cut
        }
        while i < r.upperBound && width <= BrokenLineCheck.widestColumn {
            let c = p[i]
            if c &- 0xE4 <= 5 { width &+= 2; i &+= 3; continue }
            if c < 0x80 { width &+= c == 0x20 || c == 0x09 ? 0 : 1; i &+= 1; continue }
            let (v, n) = decodeScalar(p, i)
            i &+= n
            other(v)
        }
        l.width = width > BrokenLineCheck.widestColumn ? BrokenLineCheck.overWidth : width
        l.first = first ?? 0
        l.indented = ideographicIndent || indent >= 2
        l.hasPunctuation = punct
    }

    /// What `measureStart` adds for the characters of U+2000–U+206F, U+3000–U+303F and U+FF00–U+FFEF (most of
    /// the non-Han characters of Chinese text): cells in the low bits, 0x80 for Chinese punctuation (one cell), 0 for
    /// U+3000; worked out once from `CharClass` and `DisplayWidth` as the general case does.
    static let punctuationCells: [UInt8] = {
        var t: [UInt8] = []
        for range in [0x2000..<0x2070, 0x3000..<0x3040, 0xFF00..<0xFFF0] {
            for v in range {
                let u = UInt32(v)
                if u == 0x3000 { t.append(0); continue }
                if !CharClass.of(u).isDisjoint(with: .fullwidthPunct) { t.append(0x81); continue }
                t.append(UInt8(DisplayWidth.of(u)))
            }
        }
        return t
    }()

    /// `v`'s index in `punctuationCells`, if it has one.
    @inline(__always) static func punctuationSlot(_ v: UInt32) -> Int? {
        if v &- 0x2000 < 0x70 { return Int(v &- 0x2000) }
        if v &- 0x3000 < 0x40 { return 0x70 + Int(v &- 0x3000) }
        if v &- 0xFF00 < 0xF0 { return 0xB0 + Int(v &- 0xFF00) }
        return nil
    }
}
