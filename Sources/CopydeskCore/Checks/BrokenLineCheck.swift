/// `kind: broken-line`: line breaks inside a sentence, as in text from PDFs and OCR where every visual line became
/// a line or even a paragraph of its own. A line is broken when it does not end with sentence-final punctuation
/// (`endings`) and the next line continues the sentence (it is prose of the same article, not a headline, byline,
/// dateline, list item, comment or Markdown structure, and does not start with a paragraph indent).
/// One finding per broken paragraph, at its first break; the fix joins every break of the paragraph.
///
///     endings: "。！？…”’）》」』：；!?.:;"   # characters that may end a line
///     markdown: false                          # Markdown soft breaks are normal: off by default
///     min-wrapped-ratio: 0.3                   # only in hard-wrapped text (see below)
///
/// Hard-wrapped text (OCR, PDF) has most of its lines ending mid-sentence. Text with one paragraph per line, where
/// most lines end a sentence, is not hard-wrapped: its unpunctuated lines are subheads, captions and list items, so
/// the rule stays quiet unless at least `min-wrapped-ratio` of the prose lines end without sentence punctuation.
public struct BrokenLineCheck: Check {
    var endings: Set<UInt32>
    var markdown: Bool

    var minWrappedRatio: Double
    /// Below this share of open lines the text is only partly hard-wrapped: findings get an unsafe fix, since
    /// joining there can merge subheads and paragraphs (and each join changes what the next pass sees).
    var safeMinWrappedRatio: Double

    static let keys: Set<String> = ["endings", "markdown", "min-wrapped-ratio", "safe-min-wrapped-ratio"]
    static let defaultEndings = "。！？…”’）》」』：；!?.:;—"

    init(_ m: StrictMapping) throws {
        let e = try m["endings"]?.string("endings") ?? BrokenLineCheck.defaultEndings
        guard !e.isEmpty else { throw ConfigError(m["endings"]!.mark, "'endings' is empty: every line would be broken") }
        endings = Set(e.unicodeScalars.map(\.value))
        markdown = try m["markdown"]?.bool("markdown") ?? false
        minWrappedRatio = try m["min-wrapped-ratio"]?.double("min-wrapped-ratio") ?? 0.3
        guard (0...1).contains(minWrappedRatio) else { throw ConfigError(m["min-wrapped-ratio"]!.mark, "'min-wrapped-ratio' must be between 0 and 1") }
        safeMinWrappedRatio = try m["safe-min-wrapped-ratio"]?.double("safe-min-wrapped-ratio") ?? 0.6
        guard (0...1).contains(safeMinWrappedRatio) else { throw ConfigError(m["safe-min-wrapped-ratio"]!.mark, "'safe-min-wrapped-ratio' must be between 0 and 1") }
    }

    /// A joinable line: its bytes, and whether it may continue / be continued.
    struct Line { var content: Range<Int>; var block: Int }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        let doc = context.document
        if doc.format == .markdown && !markdown { return }
        let src = doc.source
        let b = src.bytes
        // The prose lines of blocks that may be joined, in order; chains break at anything else.
        var lines: [Line?] = []
        let scope = Scope.body.union(.dateline)
        // A block in the rule's scope whose role allows joining.
        let inScope = Set(context.segments.map(\.element.block))
        for (bi, block) in doc.blocks.enumerated() {
            let joinable = inScope.contains(bi) && !block.role.isDisjoint(with: scope)
                && (block.kind == .paragraph || block.kind == .blockquote)
            if !joinable { lines.append(nil); continue }
            for r in block.content { lines.append(Line(content: r, block: bi)) }
        }
        func lastScalar(_ r: Range<Int>) -> (UInt32, Int)? {
            var e = r.upperBound
            while e > r.lowerBound {
                var s = e - 1
                while s > r.lowerBound && b[s] & 0xC0 == 0x80 { s -= 1 }
                let v = b.withUnsafeBufferPointer { decodeScalar($0, s).0 }
                if CharClass.of(v).isDisjoint(with: .whitespace) { return (v, s) }
                e = s
            }
            return nil
        }
        func firstScalar(_ r: Range<Int>) -> (UInt32, Int, leadingIndent: Bool)? {
            var i = r.lowerBound
            var spaces = 0
            var ideographic = false
            while i < r.upperBound {
                let (v, n) = b.withUnsafeBufferPointer { decodeScalar($0, i) }
                if CharClass.of(v).isDisjoint(with: .whitespace) { return (v, i, ideographic || spaces >= 2) }
                if v == 0x3000 { ideographic = true } else { spaces += 1 }
                i += n
            }
            return nil
        }
        // Is the text hard-wrapped at all?
        var proseLines = 0, openLines = 0
        for l in lines.dropLast() {
            guard let l, let (v, _) = lastScalar(l.content) else { continue }
            proseLines += 1
            if !endings.contains(v) { openLines += 1 }
        }
        if proseLines == 0 || Double(openLines) < minWrappedRatio * Double(proseLines) { return }
        let safety: FixSafety = context.fixSafety == .safe && Double(openLines) < safeMinWrappedRatio * Double(proseLines)
            ? .unsafe : context.fixSafety
        // In hard-wrapped text a broken line runs (nearly) to the wrap width: a line much shorter than the typical
        // line is a subhead, caption or list entry, not a broken sentence.
        // Typical length: the median of lines followed by another line of their block (a paragraph's last line is
        // short by nature); with one-line blocks (OCR pages with blank lines between lines), of all lines.
        var lengths: [Int] = []
        for k in lines.indices {
            if let l = lines[k], k + 1 < lines.count, let n = lines[k + 1], n.block == l.block { lengths.append(l.content.count) }
        }
        if lengths.isEmpty { lengths = lines.compactMap { $0?.content.count } }
        lengths.sort()
        let typical = lengths.isEmpty ? 0 : lengths[lengths.count / 2]
        let minLength = Int(Double(typical) * 0.6)
        var chainStart: Int? = nil
        var edits: [Edit] = []
        func flush() {
            if let start = chainStart, !edits.isEmpty {
                let first = edits[0].range
                let msg = substitute(context.message, ["count": String(edits.count)])
                let fix: Fix? = safety == .none ? nil : Fix(edits: edits, safety: safety)
                findings.append(Finding(rule: context.ruleIndex, range: first, message: msg, fix: fix))
                _ = start
            }
            chainStart = nil
            edits = []
        }
        var k = 0
        while k + 1 < lines.count {
            guard let a = lines[k], let c = lines[k + 1], let (last, lastAt) = lastScalar(a.content),
                  let (first, _, indent) = firstScalar(c.content) else { flush(); k += 1; continue }
            let lc = CharClass.of(last), fc = CharClass.of(first)
            var broken = !endings.contains(last) && !indent && a.content.count >= minLength
            // The next line must continue the sentence: Chinese, Latin, digits, or punctuation that follows words.
            if fc.isDisjoint(with: [.han, .latin, .digit, .fullwidthOther, .fullwidthClose, .fullwidthOpen]) { broken = false }
            // A number split across lines may be a thin-space group: not sure, not joined.
            if lc.contains(.digit) && fc.contains(.digit) { broken = false }
            if lc.isDisjoint(with: [.han, .digit, .latin, .fullwidthOther, .fullwidthClose]) { broken = false }
            if broken {
                if chainStart == nil { chainStart = k }
                // Delete from after the last character of the line to the first character of the next.
                let from = lastAt + utf8Length(leading: b[lastAt])
                let to = src.lineStarts[src.lineIndex(of: c.content.lowerBound)]
                // Keep whitespace inside the line (other rules judge it); remove the break and blank lines.
                let lineEnd = src.lineContent(src.lineIndex(of: a.content.lowerBound)).upperBound
                edits.append(Edit(range: max(from, lineEnd)..<to, replacement: ""))
            } else {
                flush()
            }
            k += 1
        }
        flush()
    }
}
