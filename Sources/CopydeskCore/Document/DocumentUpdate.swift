/// Re-parsing after a round of fixes without re-reading the whole text (the fixer's passes after the first).
///
/// Plain text only, and only when no edit adds or removes a line break. The plain-text structure is a function of
/// per-line facts (`LineFacts`), so the facts of the touched lines are worked out again and the blocks and roles
/// rebuilt from all the facts; URL ranges are found again on the touched lines and moved on the others; dateline
/// credits are found again. Anything else (Markdown, directives, a line that now reads as a directive) returns nil
/// and the caller parses afresh.
/// 24 bytes (lengths in 32 bits; no edit replaces 4 GB): a large page's first fix pass applies a quarter of a million
/// of them, at the peak of `--fix`'s memory.
public struct AppliedEdit: Sendable, Equatable {
    private var start: Int
    private var count32: UInt32
    private var newLength32: UInt32
    /// Whether the replaced bytes or the replacement hold a line break.
    public var touchesLineBreak: Bool

    /// The replaced byte range in the text before the edit.
    public var range: Range<Int> {
        @inline(__always) get { start..<(start &+ Int(count32)) }
        set { self = AppliedEdit(range: newValue, newLength: newLength, touchesLineBreak: touchesLineBreak) }
    }
    /// The UTF-8 length of the replacement.
    public var newLength: Int {
        @inline(__always) get { Int(newLength32) }
        set { self = AppliedEdit(range: range, newLength: newValue, touchesLineBreak: touchesLineBreak) }
    }

    public init(range: Range<Int>, newLength: Int, touchesLineBreak: Bool) {
        precondition(range.count <= Int(UInt32.max) && newLength >= 0 && newLength <= Int(UInt32.max), "an edit of 4 GB or more")
        start = range.lowerBound
        count32 = UInt32(truncatingIfNeeded: range.count)
        newLength32 = UInt32(truncatingIfNeeded: newLength)
        self.touchesLineBreak = touchesLineBreak
    }
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

    /// The document after `edits` (sorted, non-overlapping, in `self`'s offsets) turned `self.source` into `source`,
    /// or nil when it has to be parsed afresh. Also returns the lines the edits touched. `role`: as in `init`.
    public func updated(to source: SourceText, edits: [AppliedEdit], role: Scope? = nil) -> (Document, dirtyLines: [Int])? {
        updated(to: source, edits: edits, dirtyLines: Document.dirtyLines(self.source, edits), role: role)
    }

    /// As above, given the lines the edits touch (`dirtyLines(_:_:)` of the old text: the fixer works them out
    /// once for both this and the diagnostics it carries).
    func updated(to source: SourceText, edits: [AppliedEdit], dirtyLines dirty: [Int], role: Scope? = nil) -> (Document, dirtyLines: [Int])? {
        guard format == .plainText, directives.isEmpty, !edits.isEmpty, lineFacts.count == self.source.lineCount,
              source.lineCount == self.source.lineCount, !edits.contains(where: \.touchesLineBreak) else { return nil }
        let old = self.source
        @inline(__always) func shift(_ line: Int) -> Int { source.lineStarts[line] - old.lineStarts[line] }
        var isDirty = [Bool](repeating: false, count: old.lineCount)
        for l in dirty { isDirty[l] = true }
        // URL ranges are found line by line, so a line no edit touched keeps its own; the credits inside datelines
        // depend on the block's role, so they are told apart (a credit merged with a URL: parse afresh).
        // Both lists are sorted: walk them together.
        let credits = inlineRoles.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
        var verbatim: [Range<Int>] = []
        verbatim.reserveCapacity(self.verbatim.count)
        var line = 0
        var c = 0, matched = 0
        for v in self.verbatim {
            while c < credits.count && credits[c].lowerBound < v.lowerBound { c += 1 }
            if c < credits.count && credits[c] == v { c += 1; matched += 1; continue }
            while line + 1 < old.lineCount && old.lineStarts[line + 1] <= v.lowerBound { line += 1 }
            if isDirty[line] { continue }
            let d = shift(line)
            verbatim.append((v.lowerBound + d)..<(v.upperBound + d))
        }
        guard matched == credits.count else { return nil }   // a credit merged with a URL: parse afresh
        // The structure again, from the line facts: only the touched lines are tested anew.
        var facts = lineFacts
        // Many touched lines of a large text: their facts on several cores, in runs of eight per core (lines
        // cost unequally: one run per core left one core working alone at the end).
        let chunks = Parallel.chunks(forBytes: dirty.count * source.bytes.count / max(1, old.lineCount), perCore: 8)
        if chunks > 1 {
            let parts = Parallel.map(chunks) { k in
                dirty[(dirty.count * k / chunks)..<(dirty.count * (k + 1) / chunks)].map { LineFacts.of(source, line: $0, vocab: vocabulary) }
            }
            var i = 0
            for part in parts { for f in part { facts[dirty[i]] = f; i += 1 } }
        } else {
            for l in dirty { facts[l] = LineFacts.of(source, line: l, vocab: vocabulary) }
        }
        var newBlocks = PlainTextScanner.scan(source, facts: facts)
        guard !newBlocks.contains(where: { $0.kind == .comment }) else { return nil }
        ArticleStructure.assignRoles(&newBlocks, source: source, format: format, facts: facts, vocab: vocabulary)
        if let role {
            for i in newBlocks.indices where !newBlocks[i].role.isEmpty && newBlocks[i].role != .code { newBlocks[i].role = role }
        }
        var inline: [(range: Range<Int>, role: Scope)] = []
        for b in newBlocks where b.role == .dateline {
            if let first = b.content.first, let c = ArticleStructure.credit(in: source, dateline: first, vocabulary) { inline.append((c, .byline)) }
        }
        var lineBlock = [Int](repeating: -1, count: old.lineCount)
        for (bi, b) in newBlocks.enumerated() { for l in b.lines { lineBlock[l] = bi } }
        let scanned = dirty.filter { lineBlock[$0] >= 0 && newBlocks[lineBlock[$0]].role != .code }
        if chunks > 1 {
            let parts = Parallel.map(chunks) { k -> [Range<Int>] in
                var out: [Range<Int>] = []
                for l in scanned[(scanned.count * k / chunks)..<(scanned.count * (k + 1) / chunks)] {
                    InlineScanner.scanLine(source.bytes, source.lineContent(l), &out)
                }
                return out
            }
            for part in parts { verbatim += part }
        } else {
            for l in scanned { InlineScanner.scanLine(source.bytes, source.lineContent(l), &verbatim) }
        }
        verbatim = InlineScanner.normalize(verbatim + inline.map(\.range))
        inline.sort { $0.range.lowerBound < $1.range.lowerBound }
        let doc = Document(path: path, source: source, format: format, blocks: newBlocks, verbatim: verbatim,
                           directives: [], inlineRoles: inline, lineFacts: facts, vocabulary: vocabulary,
                           lineMeasures: lineMeasures.carried(dirty: dirty))
        return (doc, dirty)
    }
}
