import Foundation

/// `kind: pairs`: paired punctuation (brackets, quotes, 书名号) that does not pair up within a paragraph. The
/// unmatched half is reported where it stands; there is no fix (which half is missing is a guess).
///
///     pairs: ["（）", "“”", "《》", "【】"]
///
/// Pairs nest: a closing mark closes the innermost open mark of its pair, and open marks of other pairs inside it
/// that were never closed are reported. A quotation that runs over several paragraphs opens each of them and closes
/// only at the end (GB/T 15834-2011 4.8.3.5 [the clause number is not re-checked]): an opening mark left open at the end of a paragraph is not reported when the next
/// paragraph of the same role starts with that mark. A closing bracket right after a short list marker at the
/// start of a line (`1）`, `a）`, `一）`) is the marker's and not reported. On a blank-line wrapped OCR page a
/// paragraph is the run of one-line blocks up to a line that ends a sentence.
public struct PairsCheck: Check {
    let opens: [UInt32]
    let closes: [UInt32]

    static let keys: Set<String> = ["pairs"]

    init(_ m: StrictMapping) throws {
        let node = try m.required("pairs")
        var o: [UInt32] = [], c: [UInt32] = []
        for item in try node.list("pairs") {
            let s = try item.string("an entry of 'pairs'")
            let u = Array(s.unicodeScalars)
            guard u.count == 2, u[0] != u[1] else {
                throw ConfigError(item.mark, "each entry of 'pairs' is two different characters, an opening and a closing mark (\"（）\"), found '\(s)'")
            }
            guard !o.contains(u[0].value), !c.contains(u[1].value), !o.contains(u[1].value), !c.contains(u[0].value) else {
                throw ConfigError(item.mark, "a character of '\(s)' is already part of another pair")
            }
            o.append(u[0].value); c.append(u[1].value)
        }
        guard !o.isEmpty else { throw ConfigError(node.mark, "'pairs' is empty: the rule could never match") }
        opens = o; closes = c
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        let doc = context.document
        // Segments by block, in text order (inline roles such as a dateline's credit come last in the list).
        var segs: [(block: Int, range: Range<Int>, index: Int)] = []
        for (k, seg) in context.segments { segs.append((seg.block, seg.range, k)) }
        if !segs.indices.dropFirst().allSatisfy({ segs[$0 - 1].range.lowerBound <= segs[$0].range.lowerBound }) {
            segs.sort { $0.range.lowerBound < $1.range.lowerBound }
        }
        // Blocks as runs of segments: (block, first segment, end).
        var runs: [(block: Int, from: Int, to: Int)] = []
        for (k, s) in segs.enumerated() {
            if let last = runs.last, last.block == s.block { runs[runs.count - 1].to = k + 1 } else { runs.append((s.block, k, k + 1)) }
        }
        // A blank-line wrapped OCR page makes every printed line a block: a block whose last line does not end a
        // sentence goes on in the next block (as `ocr.broken-line` would join them), so a pair may span them.
        if runs.count > 1, BrokenLineCheck.isBlankWrapped(doc) {
            let src = doc.source, facts = doc.lineFacts
            func endsSentence(_ r: Range<Int>) -> Bool {
                let l = src.lineIndex(of: r.lowerBound)
                if l < facts.count { return facts[l].contains(.endsSentence) }
                return ArticleStructure.trimmed(ArticleStructure.scalars(src, src.lineContent(l))).last.map(ArticleStructure.isEnding) ?? true
            }
            var merged: [(block: Int, from: Int, to: Int)] = [runs[0]]
            for run in runs.dropFirst() {
                let last = merged[merged.count - 1]
                if run.block == last.block + 1, doc.blocks[last.block].kind == .paragraph, doc.blocks[run.block].kind == .paragraph,
                   !endsSentence(segs[last.to - 1].range) {
                    merged[merged.count - 1] = (run.block, last.from, run.to)
                } else {
                    merged.append(run)
                }
            }
            runs = merged
        }
        doc.source.bytes.withUnsafeBufferPointer { p in
            let mine = (opens + closes).sorted()
            // The numbers rules' scan when it was made already for these segments and holds these marks (a document
            // checked in one chunk: `SharedTexts`); else its own marks only (fewer hits to collect).
            let shared = mine.allSatisfy(context.triggers.contains) ? context.texts.scannedHits(context.triggers) : nil
            let hits = shared ?? context.texts.scalarHits(mine)
            for (n, run) in runs.enumerated() {
                var stack: [(pair: Int, at: Int)] = []
                for seg in segs[run.from..<run.to] {
                    // The marks of the segment, in order (from the scan of the document: each hit's character is
                    // the one at its place, so it is not decoded again; a shared scan holds others too).
                    for j in hits.start[seg.index]..<hits.start[seg.index + 1] {
                        let v = hits.vals[j], s = hits.pos[j]
                        if let k = opens.firstIndex(of: v) {
                            stack.append((k, s))
                        } else if let k = closes.firstIndex(of: v) {
                            if let depth = stack.lastIndex(where: { $0.pair == k }) {
                                for u in stack[(depth + 1)...] { report(u.at, p, context, &findings) }
                                stack.removeSubrange(depth...)
                            } else if !isListMarker(p, s, doc) {
                                report(s, p, context, &findings)
                            }
                        }
                    }
                }
                // Marks left open: a quotation continued in the next paragraph of the same role is not an error.
                var continued: UInt32? = nil
                if n + 1 < runs.count, runs[n + 1].block == run.block + 1 {
                    let next = segs[runs[n + 1].from].range
                    var j = next.lowerBound
                    while j < next.upperBound, p[j] == 0x20 || p[j] == 0x09 { j += 1 }
                    if j < next.upperBound { continued = decodeScalar(p, j).0 }
                    if continued == 0x3000 { j += 3; continued = j < next.upperBound ? decodeScalar(p, j).0 : nil }
                }
                for u in stack where !(continued.map { opens[u.pair] == $0 } ?? false) { report(u.at, p, context, &findings) }
            }
        }
    }

    func report(_ at: Int, _ p: UnsafeBufferPointer<UInt8>, _ context: CheckContext, _ findings: inout [Finding]) {
        let (v, len) = decodeScalar(p, at)
        let k = opens.firstIndex(of: v)
        let mark = String(Unicode.Scalar(v)!)
        let other = String(Unicode.Scalar(k.map { closes[$0] } ?? opens[closes.firstIndex(of: v)!])!)
        let message = substitute(context.message, ["match": mark, "pair": other])
        findings.append(Finding(rule: context.ruleIndex, range: at..<(at + len), message: message))
    }

    /// `1）`, `a）`, `一）`, `10】`: a list marker (at the start of a line or inside it, `。2）上海…`), not half of a
    /// pair: one or two digits, one letter or one or two Chinese numerals, with no letter or digit before them.
    func isListMarker(_ p: UnsafeBufferPointer<UInt8>, _ at: Int, _ doc: Document) -> Bool {
        let lineStart = doc.source.lineContent(doc.source.lineIndex(of: at)).lowerBound
        var j = at
        var digits = 0, letters = 0, numerals = 0
        while j > lineStart {
            var k = j - 1
            while k > lineStart && p[k] & 0xC0 == 0x80 { k -= 1 }
            let v = decodeScalar(p, k).0
            if v >= 0x30 && v <= 0x39 { digits += 1 }
            else if v | 0x20 >= 0x61 && v | 0x20 <= 0x7A { letters += 1 }
            else if NumbersCheck.chineseDigit(v) != nil || v == 0x5341 { numerals += 1 }
            else { break }
            if digits > 2 || letters > 1 || numerals > 2 || (digits > 0 ? 1 : 0) + (letters > 0 ? 1 : 0) + (numerals > 0 ? 1 : 0) > 1 { return false }
            j = k
        }
        return j < at
    }
}

/// `kind: straight-quotes`: ASCII double quotes around Chinese text (`"双减"` → `“双减”`). The quotes of a paragraph
/// pair up in order; a pair whose content has a character of class `content` is reported with a fix to curly
/// quotes. The fix is as declared only when the paragraph's straight quotes are balanced (an even count); otherwise
/// the pairing is a guess and the fix is unsafe.
///
///     replace-open: "“"
///     replace-close: "”"
///     content: cjk
public struct StraightQuotesCheck: Check {
    let replaceOpen: String
    let replaceClose: String
    let content: CharClass

    static let keys: Set<String> = ["replace-open", "replace-close", "content"]

    init(_ m: StrictMapping) throws {
        replaceOpen = try m["replace-open"]?.string("replace-open") ?? "“"
        replaceClose = try m["replace-close"]?.string("replace-close") ?? "”"
        content = try m["content"].map { try BoundaryCheck.classes($0, "content") } ?? .cjk
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        let table = CharClass.bmpTable
        context.document.source.bytes.withUnsafeBufferPointer { p in
            // Every straight quote with its block; most segments have none, and memchr skips them.
            var all: [(block: Int, at: Int)] = []
            for (_, seg) in context.segments {
                let r = seg.range
                var i = r.lowerBound
                while i < r.upperBound, let hit = memchr(p.baseAddress! + i, 0x22, r.upperBound - i) {
                    let at = p.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    all.append((seg.block, at))
                    i = at + 1
                }
            }
            all.sort { $0.at < $1.at }
            var from = 0
            while from < all.count {
                var to = from + 1
                while to < all.count && all[to].block == all[from].block { to += 1 }
                let quotes = all[from..<to].map(\.at)
                from = to
                if quotes.count < 2 { continue }
                let balanced = quotes.count % 2 == 0
                var k = 0
                while k + 1 < quotes.count {
                    let o = quotes[k], c = quotes[k + 1]
                    k += 2
                    var j = o + 1
                    var hit = false
                    while j < c {
                        let (v, n) = decodeScalar(p, j)
                        let cls = v < 0x10000 ? CharClass(rawValue: table[Int(v)]) : CharClass.of(v)
                        if !cls.isDisjoint(with: content) { hit = true; break }
                        j += n
                    }
                    guard hit else { continue }
                    let safety: FixSafety = balanced ? context.fixSafety : (context.fixSafety == .none ? .none : .unsafe)
                    let fix: Fix? = safety == .none ? nil : Fix(edits: [
                        Edit(range: o..<(o + 1), replacement: replaceOpen),
                        Edit(range: c..<(c + 1), replacement: replaceClose),
                    ], safety: safety)
                    findings.append(Finding(rule: context.ruleIndex, range: o..<(c + 1), fix: fix))
                }
            }
        }
    }
}
