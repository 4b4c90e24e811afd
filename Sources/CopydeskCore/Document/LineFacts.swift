/// What the plain-text structure depends on, line by line. Blocks, list items, headline stacks and the roles of
/// plain-text blocks are worked out from these facts alone, so after a round of fixes only the lines an edit
/// touched are tested again (`Document.updated`).
struct LineFacts: OptionSet, Sendable, Equatable {
    let rawValue: UInt16
    static let blank = LineFacts(rawValue: 1 << 0)             // spaces, tabs and U+3000 only
    static let directive = LineFacts(rawValue: 1 << 1)         // `# copydesk-…`
    static let byline = LineFacts(rawValue: 1 << 2)            // ArticleStructure.isByline
    static let listMarker = LineFacts(rawValue: 1 << 3)        // 一、 (1) ① …
    static let indented = LineFacts(rawValue: 1 << 4)          // starts with a space, a tab or U+3000
    static let endsSentence = LineFacts(rawValue: 1 << 5)      // last non-space character ends a sentence
    static let noNonSpace = LineFacts(rawValue: 1 << 6)        // no character but spaces (NBSP included)
    static let headlineCandidate = LineFacts(rawValue: 1 << 7) // ArticleStructure.isHeadlineCandidate as a one-line block
    static let dateline = LineFacts(rawValue: 1 << 8)          // ArticleStructure.isDateline
    static let short = LineFacts(rawValue: 1 << 9)             // at most 200 bytes (headline stacks)
    static let headlineWithStop = LineFacts(rawValue: 1 << 10) // a headline candidate but for one terminal 。，、；：.,

    static func of(_ source: SourceText, line: Int, vocab: StructureVocabulary = .builtIn) -> LineFacts {
        let r = source.lineContent(line)
        if PlainTextScanner.isBlank(source, r) { return .blank }
        if Directive.isPlainTextDirectiveLine(source, r) { return .directive }
        var f: LineFacts = []
        if ArticleStructure.isByline(source, r, vocab) { f.insert(.byline) }
        if ArticleStructure.startsWithListMarker(source, r) { f.insert(.listMarker) }
        if PlainTextScanner.isIndented(source, r) { f.insert(.indented) }
        if let last = ArticleStructure.lastNonSpace(source, r) {
            if ArticleStructure.isEnding(last) { f.insert(.endsSentence) }
        } else {
            f.insert(.noNonSpace)
        }
        if r.count <= 200 {
            f.insert(.short)
            if ArticleStructure.isHeadlineCandidate(source, Block(kind: .paragraph, role: .body, lines: line..<(line + 1), content: [r]), vocab) {
                f.insert(.headlineCandidate)
            } else if ArticleStructure.isHeadlineWithStop(source, r, vocab) {
                f.insert(.headlineWithStop)
            }
        }
        if ArticleStructure.isDateline(source, r, vocab) { f.insert(.dateline) }
        return f
    }

    static func all(_ source: SourceText, vocab: StructureVocabulary = .builtIn) -> [LineFacts] {
        let n = Parallel.chunks(forBytes: source.bytes.count, perCore: 8)
        if n <= 1 { return (0..<source.lineCount).map { of(source, line: $0, vocab: vocab) } }
        // A large text: lines in n runs on the cores (each line's facts depend on that line alone). Eight runs per
        // core: lines cost unequally (short ones are tested as headlines), and with one run per core one core
        // worked 3 ms alone at the end on a 25 MB page.
        let count = source.lineCount
        let parts = Parallel.map(n) { k in (count * k / n..<count * (k + 1) / n).map { of(source, line: $0, vocab: vocab) } }
        return Array(parts.joined())
    }
}

extension PlainTextScanner {
    /// Blocks from line facts: runs of non-blank lines; a byline line and a directive line are blocks of their own,
    /// a list item or an indented line after a finished sentence starts a new block; a short block of headline
    /// candidates at an edge (top, end, before a byline or dateline) is a stack of one-line headline blocks.
    /// `halves: false` scans a large text in one run (the reference its test compares the halves with).
    static func scan(_ source: SourceText, facts: [LineFacts], halves: Bool = true) -> [Block] {
        let n = source.lineCount
        // A large text in two halves side by side, cut at a blank line (no block spans one): 2 ms of one core on a
        // 25 MB page, with the other idle, before every lint of `--fix`. The stacks of the first half read the
        // first prose block of the second; those of the second, whether the first has any prose.
        if halves, n >= 1 << 12, Parallel.chunks(forBytes: source.bytes.count) > 1 {
            var cut = n / 2
            while cut < n && !facts[cut].contains(.blank) { cut += 1 }
            if cut < n {
                let halves = Parallel.map(2) { h in runs(source, facts, h == 0 ? 0..<cut : cut..<n) }
                let firstProse = halves[1].first { $0.kind != .comment }
                let proseBefore = halves[0].contains { $0.kind != .comment }
                let out = Parallel.map(2) { h in
                    h == 0 ? stacks(halves[0], facts, sawProse: false, after: firstProse)
                        : stacks(halves[1], facts, sawProse: proseBefore, after: nil)
                }
                return out[0] + out[1]
            }
        }
        return stacks(runs(source, facts, 0..<n), facts, sawProse: false, after: nil)
    }

    /// The blocks of `lines` (which start and end at a block's edge) before headline stacks are split.
    private static func runs(_ source: SourceText, _ facts: [LineFacts], _ lines: Range<Int>) -> [Block] {
        var blocks: [Block] = []
        let n = lines.upperBound
        // Room for a block per non-blank line at most (the list grew by doubling, copied on every fixer pass).
        blocks.reserveCapacity(facts[lines].reduce(0) { $0 + ($1.contains(.blank) ? 0 : 1) })
        var i = lines.lowerBound
        while i < n {
            let f = facts[i]
            if f.contains(.blank) { i += 1; continue }
            if f.contains(.directive) {
                blocks.append(Block(kind: .comment, role: [], lines: i..<(i + 1), content: [source.lineContent(i)]))
                i += 1
                continue
            }
            if f.contains(.byline) {
                blocks.append(Block(kind: .paragraph, role: .byline, lines: i..<(i + 1), content: [source.lineContent(i)]))
                i += 1
                continue
            }
            var j = i
            while j < n {
                let g = facts[j]
                if g.contains(.blank) || g.contains(.directive) { break }
                if j > i && (g.contains(.byline) || g.contains(.listMarker)) { break }
                // An indented line after a finished sentence starts a new paragraph (or a headline: OCR text
                // puts ` 融媒记者开展疫情防控暗访“回头看”` right under the last line of the previous article).
                if j > i && g.contains(.indented) && facts[j - 1].contains(.endsSentence) { break }
                j += 1
            }
            // The block's lines first, then its content in one list of that size.
            let content = (i..<j).map { source.lineContent($0) }
            blocks.append(Block(kind: f.contains(.listMarker) ? .listItem : .paragraph, role: .body, lines: i..<j, content: content))
            i = j
        }
        return blocks
    }

    /// `blocks` with each short block of headline candidates at an edge split into one-line headline blocks.
    /// `sawProse`: prose comes before the first of them; `after`: the first prose block after the last.
    private static func stacks(_ blocks: [Block], _ facts: [LineFacts], sawProse: Bool, after: Block?) -> [Block] {
        var out: [Block] = []
        out.reserveCapacity(blocks.count)
        var sawProse = sawProse
        for (k, block) in blocks.enumerated() {
            // The neighbours that count are prose: a directive line between is no edge.
            var n = k + 1
            while n < blocks.count && blocks[n].kind == .comment { n += 1 }
            let next = n < blocks.count ? blocks[n] : after
            defer { if block.kind != .comment { sawProse = true } }
            guard block.kind == .paragraph, (2...4).contains(block.content.count), block.lines.allSatisfy({ facts[$0].contains(.short) }) else {
                out.append(block); continue
            }
            let atEdge = !sawProse || next == nil || next?.role == .byline
                || next.map { facts[$0.lines.lowerBound].contains(.dateline) } == true
            if atEdge, block.lines.allSatisfy({ facts[$0].contains(.headlineCandidate) }) {
                for (li, r) in block.content.enumerated() {
                    let line = block.lines.lowerBound + li
                    out.append(Block(kind: .paragraph, role: .body, lines: line..<(line + 1), content: [r]))
                }
            } else {
                out.append(block)
            }
        }
        return out
    }
}
