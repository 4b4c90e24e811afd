/// A parsed draft: its bytes and lines, its blocks with their roles, and the inline ranges that rules skip.
/// Immutable, and a class: a document passes through many hands per file (the linter, each check's context, the
/// structure and duplicate caches), and a copy of a struct of a dozen lists retained each of them, a few hundred
/// reference-count operations per file of a batch.
public final class Document: Sendable {
    public enum Format: String, Sendable { case markdown, plainText = "text" }

    public let path: String
    public let source: SourceText
    public let format: Format
    public let blocks: [Block]
    /// Sorted, disjoint byte ranges inside prose that rules skip: inline code, URLs, e-mail addresses,
    /// link destinations, HTML tags and comments.
    public let verbatim: [Range<Int>]
    /// copydesk directives found in comments.
    public let directives: [Directive]
    /// Inline ranges with a role of their own inside another block: the bracketed credit of a dateline
    /// (`本报讯（记者 张三）`) is read as a byline, not as dateline text; a credit inside a body paragraph (the
    /// byline that opens it, `本报记者 张三报道`, or the closing credit that ends it, `……。（记者 张三）`) is
    /// `[body, credit]`. Sorted by offset.
    public let inlineRoles: [(range: Range<Int>, role: Scope)]
    /// Plain text: the facts about each line its structure was built from (empty for Markdown).
    let lineFacts: [LineFacts]
    /// The words bylines, datelines and article types are recognised by.
    public let vocabulary: StructureVocabulary
    /// Articles and fragments (`Structure/PageStructure.swift`), built once from the blocks and their roles.
    public let structure: PageStructure
    /// Per block, the structure parts it is (`Scope.kicker`, `.subtitle`, `.credit`; empty for most blocks), read
    /// by `segments(for:)` so rules can be scoped to them. Worked out from `structure`.
    public let parts: [Scope]
    /// What `ocr.broken-line` measured of each line, kept for the document after a fix pass (`LineMeasures`).
    let lineMeasures: LineMeasures

    public var bytes: [UInt8] { source.bytes }

    /// - Parameter role: when given, every prose block takes this role (rule examples are read as text of the
    ///   rule's own scope, whatever the headline heuristics would say).
    public init(path: String, source: SourceText, format: Format? = nil, role: Scope? = nil,
                vocabulary: StructureVocabulary = .builtIn) {
        self.path = path
        self.vocabulary = vocabulary
        self.source = source
        self.lineMeasures = LineMeasures()
        let fmt = format ?? Document.format(forPath: path)
        self.format = fmt
        var blocks: [Block]
        var verbatim: [Range<Int>] = []
        var facts: [LineFacts] = []
        switch fmt {
        case .markdown:
            var scanner = MarkdownScanner(source: source)
            blocks = scanner.scan()
            verbatim = scanner.inlineVerbatim(blocks: blocks)
            ArticleStructure.assignRoles(&blocks, source: source, format: fmt, vocab: vocabulary)
        case .plainText:
            facts = LineFacts.all(source, vocab: vocabulary)
            blocks = PlainTextScanner.scan(source, facts: facts)
            verbatim = InlineScanner.urls(in: source.bytes, blocks: blocks)
            ArticleStructure.assignRoles(&blocks, source: source, format: fmt, facts: facts, vocab: vocabulary)
        }
        self.lineFacts = facts
        if let role {
            for i in blocks.indices where !blocks[i].role.isEmpty && blocks[i].role != .code { blocks[i].role = role }
        }
        var inline: [(range: Range<Int>, role: Scope)] = []
        for b in blocks where b.role == .dateline {
            if let first = b.content.first, let c = ArticleStructure.credit(in: source, dateline: first, vocabulary) { inline.append((c, .byline)) }
        }
        self.structure = PageStructure.build(source: source, format: fmt, blocks: blocks, inlineRoles: inline, vocabulary: vocabulary)
        self.parts = structure.blockParts(blocks: blocks, source: source)
        let inParagraph = structure.paragraphCredits(besides: inline)
        if !inParagraph.isEmpty {
            inline = (inline + inParagraph.map { ($0, Scope([.body, .credit])) }).sorted { $0.range.lowerBound < $1.range.lowerBound }
        }
        self.inlineRoles = inline
        if !inline.isEmpty { verbatim = InlineScanner.normalize(verbatim + inline.map(\.range)) }
        self.blocks = blocks
        self.verbatim = verbatim
        self.directives = Directive.parse(source: source, blocks: blocks, verbatim: verbatim, format: fmt)
    }

    /// A document from parts already worked out (`updated(to:edits:)`).
    init(path: String, source: SourceText, format: Format, blocks: [Block], verbatim: [Range<Int>],
         directives: [Directive], inlineRoles: [(range: Range<Int>, role: Scope)], lineFacts: [LineFacts],
         vocabulary: StructureVocabulary, lineMeasures: LineMeasures = LineMeasures()) {
        self.lineFacts = lineFacts
        self.lineMeasures = lineMeasures
        self.vocabulary = vocabulary
        self.structure = PageStructure.build(source: source, format: format, blocks: blocks, inlineRoles: inlineRoles, vocabulary: vocabulary)
        self.parts = structure.blockParts(blocks: blocks, source: source)
        self.path = path
        self.source = source
        self.format = format
        self.blocks = blocks
        self.directives = directives
        // The credits inside paragraphs follow from the structure: added here as in `init(path:source:…)`.
        let inParagraph = structure.paragraphCredits(besides: inlineRoles)
        if inParagraph.isEmpty {
            self.verbatim = verbatim
            self.inlineRoles = inlineRoles
        } else {
            self.verbatim = InlineScanner.normalize(verbatim + inParagraph)
            self.inlineRoles = (inlineRoles + inParagraph.map { ($0, Scope([.body, .credit])) }).sorted { $0.range.lowerBound < $1.range.lowerBound }
        }
    }

    /// This document's structure without its text (`SourceText(lineTableOf:)`): the fixer keeps it while it writes
    /// the next pass's text into the buffer this document read (`FixApplier.applyInPlace`), for what the update
    /// and the re-lint read of the document before the pass — its line starts, blocks, roles, facts, URL ranges
    /// and measures, never its bytes.
    func detached() -> Document { Document(detaching: self) }

    private init(detaching d: Document) {
        path = d.path
        source = SourceText(lineTableOf: d.source)
        format = d.format
        blocks = d.blocks
        verbatim = d.verbatim
        directives = d.directives
        inlineRoles = d.inlineRoles
        lineFacts = d.lineFacts
        vocabulary = d.vocabulary
        structure = d.structure
        parts = d.parts
        lineMeasures = d.lineMeasures
    }

    public convenience init(path: String = "<text>", text: String, format: Format? = nil) {
        self.init(path: path, source: SourceText(text), format: format)
    }

    public static func format(forPath path: String) -> Format {
        let lower = path.lowercased()
        for ext in [".md", ".markdown", ".mdx", ".mdown"] where lower.hasSuffix(ext) { return .markdown }
        return .plainText
    }

    /// Segments of the blocks whose role is in `scope`, with verbatim ranges cut out (unless `scope` has `.code`,
    /// in which case inline code is kept). A segment's role is its block's role and the block's structure parts.
    public func segments(for scope: Scope) -> [Segment] { segments(for: scope, halves: true) }

    /// As above; `halves: false` walks a large page's blocks in one run (the reference its test compares with).
    func segments(for scope: Scope, halves: Bool) -> [Segment] {
        // A segment per content line at least (more where verbatim text cuts one): on a large page the list grew by
        // doubling, copied several times on every pass of the fixer.
        // Each verbatim range cuts a line in two at most once more: without them in the count, the 604 URLs of the
        // 24.8 MB web news made the list outgrow its room at its end, and its 2 MB were copied into a fresh 4 MB on
        // every call (five or more per `--fix`, on one core).
        var lineCount = inlineRoles.count + verbatim.count
        for block in blocks { lineCount += block.content.count }
        var out: [Segment]
        // A large page's blocks in two halves side by side (1.5 ms of one core, the other idle, before every lint
        // of `--fix`); the second half's list is appended to the first's, which has room for both.
        if halves && blocks.count >= 1 << 12 && Parallel.chunks(forBytes: source.bytes.count) > 1 {
            let mid = blocks.count / 2
            var halves = Parallel.map(2) { h in
                lineSegments(scope, h == 0 ? 0..<mid : mid..<blocks.count, capacity: h == 0 ? lineCount : 0)
            }
            out = halves[0]
            halves[0] = []
            out += halves[1]
        } else {
            out = lineSegments(scope, 0..<blocks.count, capacity: lineCount)
        }
        // Inline ranges with a role of their own (cut out above like verbatim text) are segments of that role.
        for (r, inlineRole) in inlineRoles {
            let role = inlineRole == .byline ? inlineRole.union(.credit) : inlineRole   // a dateline's credit
            guard !role.isDisjoint(with: scope) else { continue }
            out.append(Segment(range: r, atLineStart: false, atLineEnd: false, block: blockIndex(containing: r.lowerBound) ?? 0, role: role))
        }
        return out
    }

    /// The segments of the content lines of `blocks[range]` in `scope` (verbatim ranges cut out), in a list with room
    /// for `capacity` (its own count at least).
    private func lineSegments(_ scope: Scope, _ range: Range<Int>, capacity: Int) -> [Segment] {
        var out: [Segment] = []
        if capacity > 0 {
            out.reserveCapacity(capacity)
        } else {
            var n = verbatim.count
            for bi in range { n += blocks[bi].content.count }
            out.reserveCapacity(n)
        }
        // (The first verbatim range that may cut a line of these blocks is found by the walk: a few hundred on a
        // large page.)
        var v = 0
        let withParts = parts.count == blocks.count
        for bi in range {
            let block = blocks[bi]
            let role = withParts ? block.role.union(parts[bi]) : block.role
            guard !role.isDisjoint(with: scope) else { continue }
            for line in block.content {
                // Skip verbatim ranges before this line.
                while v < verbatim.count && verbatim[v].upperBound <= line.lowerBound { v += 1 }
                var start = line.lowerBound
                var k = v
                var atStart = true
                while k < verbatim.count && verbatim[k].lowerBound < line.upperBound {
                    let cut = verbatim[k]
                    if scope.contains(.code) && block.role == .code { break }
                    if cut.lowerBound > start {
                        out.append(Segment(range: start..<cut.lowerBound, atLineStart: atStart, atLineEnd: false, block: bi, role: role))
                    }
                    atStart = false
                    start = max(start, cut.upperBound)
                    k += 1
                }
                if start < line.upperBound || (start == line.upperBound && atStart) {
                    out.append(Segment(range: start..<line.upperBound, atLineStart: atStart, atLineEnd: true, block: bi, role: role))
                }
            }
        }
        return out
    }

    /// The block index containing a byte offset, if any.
    /// Searched by line: blocks are in line order, but a block without content lines (an empty fenced code block)
    /// has the byte range 0..<0, which a search by byte range would take for the start of the text (found by
    /// fuzzing, docs/fuzzing.md).
    public func blockIndex(containing offset: Int) -> Int? {
        let line = source.lineIndex(of: offset)
        var lo = 0, hi = blocks.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let lines = blocks[mid].lines
            if line < lines.lowerBound { hi = mid - 1 } else if line >= lines.upperBound { lo = mid + 1 } else {
                let r = blocks[mid].byteRange
                return !blocks[mid].content.isEmpty && offset >= r.lowerBound && offset <= r.upperBound ? mid : nil
            }
        }
        return nil
    }
}
