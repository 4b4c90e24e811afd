/// Re-parsing after a round of fixes, without re-reading the whole text when the fixes cannot have changed its
/// structure (the fixer's passes after the first).
///
/// Plain text only. The update is taken when no edit adds or removes a line break and, for every line an edit
/// touched, every test the plain-text scanner and the article heuristics make on a line gives the same answer before
/// and after (blank, directive, byline, list marker, indent, sentence end, headline candidate, dateline, length
/// bounds). Then blocks, roles and directives are the old ones moved by each line's shift, and only the touched lines
/// get their URL ranges and dateline credits found again. Anything else returns nil and the caller parses afresh.
public struct AppliedEdit: Sendable, Equatable {
    /// The replaced byte range in the text before the edit.
    public var range: Range<Int>
    /// The UTF-8 length of the replacement.
    public var newLength: Int
    /// Whether the replaced bytes or the replacement hold a line break.
    public var touchesLineBreak: Bool
}

extension Document {
    /// Lines (0-based, the same before and after: line breaks never move) that hold an edit.
    static func dirtyLines(_ source: SourceText, _ edits: [AppliedEdit]) -> [Int] {
        var out: [Int] = []
        var line = 0
        for e in edits {
            // Edits come sorted by start: walk the line table forwards.
            while line + 1 < source.lineCount && source.lineStarts[line + 1] <= e.range.lowerBound { line += 1 }
            if out.last != line { out.append(line) }
        }
        return out
    }

    /// The answers the structure depends on, for one line.
    struct LineSignature: Equatable {
        var bits: UInt16
        init(_ source: SourceText, _ line: Int) {
            let r = source.lineContent(line)
            var b: UInt16 = 0
            func set(_ k: Int, _ v: Bool) { if v { b |= 1 << UInt16(k) } }
            set(0, PlainTextScanner.isBlank(source, r))
            set(1, Directive.isPlainTextDirectiveLine(source, r))
            set(2, ArticleStructure.isByline(source, r))
            set(3, ArticleStructure.startsWithListMarker(source, r))
            set(4, PlainTextScanner.isIndented(source, r))
            set(5, ArticleStructure.endsSentence(source, r))
            set(6, ArticleStructure.isHeadlineCandidate(source, Block(kind: .paragraph, role: .body, lines: line..<(line + 1), content: [r])))
            set(7, ArticleStructure.isDateline(source, r))
            set(8, r.count <= 200)
            set(9, r.isEmpty)
            bits = b
        }
    }

    /// The document after `edits` (sorted, non-overlapping, in `self`'s offsets) turned `self.source` into `source`,
    /// or nil when it has to be parsed afresh. Also returns the lines the edits touched. `role`: as in `init`.
    public func updated(to source: SourceText, edits: [AppliedEdit], role: Scope? = nil) -> (Document, dirtyLines: [Int])? {
        guard format == .plainText, directives.isEmpty, !edits.isEmpty,
              source.lineCount == self.source.lineCount, !edits.contains(where: \.touchesLineBreak) else { return nil }
        let old = self.source
        let dirty = Document.dirtyLines(old, edits)
        @inline(__always) func shift(_ line: Int) -> Int { source.lineStarts[line] - old.lineStarts[line] }
        var isDirty = [Bool](repeating: false, count: old.lineCount)
        for l in dirty { isDirty[l] = true }
        // URL ranges are found line by line, so a line no edit touched keeps its own; the credits inside datelines
        // depend on the block's role, so they are told apart (a credit merged with a URL: parse afresh).
        let credits = Set(inlineRoles.map(\.range))
        if !credits.isEmpty {
            let all = Set(self.verbatim)
            guard credits.allSatisfy({ all.contains($0) }) else { return nil }
        }
        var verbatim: [Range<Int>] = []
        verbatim.reserveCapacity(self.verbatim.count)
        var line = 0
        for v in self.verbatim where !credits.contains(v) {
            while line + 1 < old.lineCount && old.lineStarts[line + 1] <= v.lowerBound { line += 1 }
            if isDirty[line] { continue }
            let d = shift(line)
            verbatim.append((v.lowerBound + d)..<(v.upperBound + d))
        }
        var newBlocks: [Block]
        var inline: [(range: Range<Int>, role: Scope)] = []
        if dirty.allSatisfy({ LineSignature(old, $0) == LineSignature(source, $0) }) {
            // Every answer the structure depends on is unchanged: the same blocks and roles, moved.
            newBlocks = blocks
            for bi in newBlocks.indices {
                let lines = newBlocks[bi].lines
                guard newBlocks[bi].content.count == lines.count else { return nil }
                for (k, line) in lines.enumerated() {
                    guard newBlocks[bi].content[k] == old.lineContent(line) else { return nil }
                    newBlocks[bi].content[k] = source.lineContent(line)
                }
            }
            for (r, role) in inlineRoles {
                let l = old.lineIndex(of: r.lowerBound)
                if isDirty[l] { continue }
                let d = shift(l)
                inline.append(((r.lowerBound + d)..<(r.upperBound + d), role))
            }
            for b in newBlocks where b.role == .dateline && isDirty[b.lines.lowerBound] {
                if let first = b.content.first, let c = ArticleStructure.credit(in: source, dateline: first) { inline.append((c, .byline)) }
            }
        } else {
            // Some line reads differently now (a headline candidate, a byline…): blocks and roles are worked out
            // again (cheap: a few tests per line), URL ranges still only on the touched lines.
            newBlocks = PlainTextScanner.scan(source)
            ArticleStructure.assignRoles(&newBlocks, source: source, format: format)
            if let role {
                for i in newBlocks.indices where !newBlocks[i].role.isEmpty && newBlocks[i].role != .code { newBlocks[i].role = role }
            }
            for b in newBlocks where b.role == .dateline {
                if let first = b.content.first, let c = ArticleStructure.credit(in: source, dateline: first) { inline.append((c, .byline)) }
            }
        }
        var lineBlock = [Int](repeating: -1, count: old.lineCount)
        for (bi, b) in newBlocks.enumerated() { for l in b.lines { lineBlock[l] = bi } }
        for l in dirty where lineBlock[l] >= 0 && newBlocks[lineBlock[l]].role != .code {
            InlineScanner.scanLine(source.bytes, source.lineContent(l), &verbatim)
        }
        verbatim = InlineScanner.normalize(verbatim + inline.map(\.range))
        inline.sort { $0.range.lowerBound < $1.range.lowerBound }
        let doc = Document(path: path, source: source, format: format, blocks: newBlocks, verbatim: verbatim,
                           directives: [], inlineRoles: inline)
        // A line that now reads as a directive would need the full parse (it cannot: its signature says so).
        return (doc, dirty)
    }
}
