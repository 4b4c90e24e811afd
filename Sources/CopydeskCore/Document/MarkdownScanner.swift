/// A small block-level Markdown scanner that keeps byte offsets (no CommonMark library with source positions is
/// available). It recognises what linting needs: front matter, ATX and setext headings, fenced and indented code,
/// HTML comments and blocks, block quotes, list items, tables, thematic breaks and paragraphs.
/// Nesting inside block quotes and list items is not modelled: their lines are prose with the markers cut off.
struct MarkdownScanner {
    let source: SourceText
    private var blocks: [Block] = []

    init(source: SourceText) { self.source = source }

    private var b: [UInt8] { source.bytes }

    private func line(_ i: Int) -> Range<Int> { source.lineContent(i) }

    private func isBlank(_ r: Range<Int>) -> Bool {
        for i in r where b[i] != 0x20 && b[i] != 0x09 { return false }
        return true
    }

    /// Leading ASCII spaces (a tab counts as 4).
    private func indent(_ r: Range<Int>) -> (width: Int, end: Int) {
        var w = 0, i = r.lowerBound
        while i < r.upperBound {
            if b[i] == 0x20 { w += 1 } else if b[i] == 0x09 { w += 4 } else { break }
            i += 1
        }
        return (w, i)
    }

    private func fence(_ r: Range<Int>) -> (char: UInt8, count: Int)? {
        let (w, s) = indent(r)
        guard w <= 3, s < r.upperBound, b[s] == 0x60 || b[s] == 0x7E else { return nil }
        var n = 0, i = s
        while i < r.upperBound && b[i] == b[s] { n += 1; i += 1 }
        guard n >= 3 else { return nil }
        if b[s] == 0x60 { for k in i..<r.upperBound where b[k] == 0x60 { return nil } }
        return (b[s], n)
    }

    private func atxLevel(_ r: Range<Int>) -> (level: Int, contentStart: Int)? {
        let (w, s) = indent(r)
        guard w <= 3 else { return nil }
        var n = 0, i = s
        while i < r.upperBound && b[i] == 0x23 { n += 1; i += 1 }
        guard (1...6).contains(n), i == r.upperBound || b[i] == 0x20 || b[i] == 0x09 else { return nil }
        while i < r.upperBound && (b[i] == 0x20 || b[i] == 0x09) { i += 1 }
        return (n, i)
    }

    private func isThematicBreak(_ r: Range<Int>) -> Bool {
        let (w, s) = indent(r)
        guard w <= 3, s < r.upperBound, b[s] == 0x2D || b[s] == 0x2A || b[s] == 0x5F else { return false }
        var n = 0
        for i in s..<r.upperBound {
            if b[i] == b[s] { n += 1 } else if b[i] != 0x20 && b[i] != 0x09 { return false }
        }
        return n >= 3
    }

    private func setextLevel(_ r: Range<Int>) -> Int? {
        let (w, s) = indent(r)
        guard w <= 3, s < r.upperBound, b[s] == 0x3D || b[s] == 0x2D else { return nil }
        var i = s
        while i < r.upperBound && b[i] == b[s] { i += 1 }
        while i < r.upperBound && (b[i] == 0x20 || b[i] == 0x09) { i += 1 }
        return i == r.upperBound ? (b[s] == 0x3D ? 1 : 2) : nil
    }

    /// Start of the text after a list marker, if the line starts a list item.
    private func listItemStart(_ r: Range<Int>) -> Int? {
        let (w, s) = indent(r)
        guard s < r.upperBound else { return nil }
        _ = w
        if b[s] == 0x2D || b[s] == 0x2A || b[s] == 0x2B {
            if s + 1 == r.upperBound { return s + 1 }
            if b[s + 1] == 0x20 || b[s + 1] == 0x09 { return s + 2 }
            return nil
        }
        var i = s
        while i < r.upperBound && i - s < 9 && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
        guard i > s, i < r.upperBound, b[i] == 0x2E || b[i] == 0x29 else { return nil }
        if i + 1 == r.upperBound { return i + 1 }
        return (b[i + 1] == 0x20 || b[i + 1] == 0x09) ? i + 2 : nil
    }

    private func startsWith(_ r: Range<Int>, _ s: String) -> Bool {
        let (_, st) = indent(r)
        let u = Array(s.utf8)
        guard r.upperBound - st >= u.count else { return false }
        for k in 0..<u.count where b[st + k] != u[k] { return false }
        return true
    }

    private func contains(_ r: Range<Int>, _ s: String) -> Bool {
        let u = Array(s.utf8)
        guard r.count >= u.count else { return false }
        var i = r.lowerBound
        while i + u.count <= r.upperBound {
            if b[i] == u[0] {
                var ok = true
                for k in 1..<u.count where b[i + k] != u[k] { ok = false; break }
                if ok { return true }
            }
            i += 1
        }
        return false
    }

    private func isHTMLBlockStart(_ r: Range<Int>) -> Bool {
        let (w, s) = indent(r)
        guard w <= 3, s + 1 < r.upperBound, b[s] == 0x3C else { return false }
        let c = b[s + 1]
        return (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2F
    }

    private func trimmedEnd(_ r: Range<Int>) -> Range<Int> {
        var e = r.upperBound
        while e > r.lowerBound && (b[e - 1] == 0x20 || b[e - 1] == 0x09) { e -= 1 }
        return r.lowerBound..<e
    }

    /// A line that interrupts a paragraph.
    private func interrupts(_ r: Range<Int>) -> Bool {
        fence(r) != nil || atxLevel(r) != nil || startsWith(r, ">") || startsWith(r, "<!--")
            || isThematicBreak(r) || listItemStart(r) != nil || isHTMLBlockStart(r)
    }

    mutating func scan() -> [Block] {
        let n = source.lineCount
        var i = 0
        // Front matter.
        if n > 1, b.starts(with: Array("---".utf8)), isBlank(line(0).lowerBound + 3..<line(0).upperBound) {
            var j = 1
            while j < n {
                let r = trimmedEnd(line(j))
                let t = source.string(r)
                if t == "---" || t == "..." { break }
                j += 1
            }
            if j < n {
                blocks.append(Block(kind: .frontMatter, role: .frontMatter, lines: 0..<(j + 1),
                                    content: (1..<j).map { line($0) }))
                i = j + 1
            }
        }
        while i < n {
            let r = line(i)
            if isBlank(r) { i += 1; continue }
            // Fenced code.
            if let f = fence(r) {
                var j = i + 1
                while j < n {
                    if let g = fence(line(j)), g.char == f.char, g.count >= f.count,
                       isBlank(indent(line(j)).end + g.count..<line(j).upperBound) { break }
                    j += 1
                }
                let end = min(j + 1, n)
                blocks.append(Block(kind: .code, role: .code, lines: i..<end, content: (i + 1..<min(j, n)).map { line($0) }))
                i = end
                continue
            }
            // HTML comment block.
            if startsWith(r, "<!--") {
                var j = i
                while j < n && !contains(line(j), "-->") { j += 1 }
                let end = min(j + 1, n)
                blocks.append(Block(kind: .comment, role: [], lines: i..<end, content: (i..<end).map { line($0) }))
                i = end
                continue
            }
            if let (level, cs) = atxLevel(r) {
                var content = trimmedEnd(cs..<r.upperBound)
                // Closing sequence of #.
                var e = content.upperBound
                while e > content.lowerBound && b[e - 1] == 0x23 { e -= 1 }
                if e < content.upperBound && (e == content.lowerBound || b[e - 1] == 0x20) {
                    content = trimmedEnd(content.lowerBound..<e)
                }
                blocks.append(Block(kind: .heading(level: level), role: .headline, lines: i..<(i + 1), content: [content]))
                i += 1
                continue
            }
            if isThematicBreak(r) {
                blocks.append(Block(kind: .thematicBreak, role: [], lines: i..<(i + 1), content: [r]))
                i += 1
                continue
            }
            if startsWith(r, ">") {
                var j = i
                var content: [Range<Int>] = []
                while j < n, !isBlank(line(j)) {
                    let lr = line(j)
                    let (_, s) = indent(lr)
                    if s < lr.upperBound && b[s] == 0x3E {
                        var cs = s + 1
                        while cs < lr.upperBound && (b[cs] == 0x3E || b[cs] == 0x20) { cs += 1 }
                        content.append(cs..<lr.upperBound)
                    } else if interrupts(lr) {
                        break
                    } else {
                        content.append(indent(lr).end..<lr.upperBound)
                    }
                    j += 1
                }
                blocks.append(Block(kind: .blockquote, role: .body, lines: i..<j, content: content))
                i = j
                continue
            }
            if let cs = listItemStart(r) {
                var j = i + 1
                var content = [cs..<r.upperBound]
                while j < n, !isBlank(line(j)), listItemStart(line(j)) == nil, !interrupts(line(j)) {
                    content.append(indent(line(j)).end..<line(j).upperBound)
                    j += 1
                }
                blocks.append(Block(kind: .listItem, role: .body, lines: i..<j, content: content))
                i = j
                continue
            }
            if isHTMLBlockStart(r) {
                var j = i
                while j < n && !isBlank(line(j)) { j += 1 }
                blocks.append(Block(kind: .html, role: [], lines: i..<j, content: (i..<j).map { line($0) }))
                i = j
                continue
            }
            if indent(r).width >= 4 {
                var j = i
                while j < n && (isBlank(line(j)) || indent(line(j)).width >= 4) { j += 1 }
                while j > i && isBlank(line(j - 1)) { j -= 1 }
                blocks.append(Block(kind: .code, role: .code, lines: i..<j, content: (i..<j).map { line($0) }))
                i = j
                continue
            }
            if startsWith(r, "|") {
                var j = i
                while j < n && startsWith(line(j), "|") { j += 1 }
                blocks.append(Block(kind: .table, role: .body, lines: i..<j, content: (i..<j).map { indent(line($0)).end..<line($0).upperBound }))
                i = j
                continue
            }
            // Paragraph, possibly a setext heading.
            var j = i
            var content: [Range<Int>] = []
            var setext: Int? = nil
            while j < n, !isBlank(line(j)) {
                if j > i, let lvl = setextLevel(line(j)) { setext = lvl; break }
                if j > i, interrupts(line(j)) { break }
                content.append(indent(line(j)).end..<line(j).upperBound)
                j += 1
            }
            if let lvl = setext {
                blocks.append(Block(kind: .heading(level: lvl), role: .headline, lines: i..<(j + 1), content: content))
                i = j + 1
            } else {
                blocks.append(Block(kind: .paragraph, role: .body, lines: i..<j, content: content))
                i = j
            }
        }
        return blocks
    }

    /// Inline ranges that rules skip inside prose blocks: code spans, HTML comments and tags, autolinks,
    /// link and image destinations, bare URLs and e-mail addresses.
    func inlineVerbatim(blocks: [Block]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for block in blocks {
            switch block.kind {
            case .code, .frontMatter, .thematicBreak: continue
            case .comment, .html:
                if let f = block.content.first, let l = block.content.last { out.append(f.lowerBound..<l.upperBound) }
                continue
            default: break
            }
            for r in block.content { scanInline(r, into: &out) }
            // Two or more spaces at the end of a line that the paragraph continues after are a hard line break:
            // markup, not whitespace to delete (a rule that removed them would take the rendered break away).
            if block.kind == .paragraph || block.kind == .listItem || block.kind == .blockquote {
                for r in block.content.dropLast() {
                    var k = r.upperBound
                    while k > r.lowerBound && b[k - 1] == 0x20 { k -= 1 }
                    if r.upperBound - k >= 2 && k > r.lowerBound { out.append(k..<r.upperBound) }
                }
            }
        }
        out.append(contentsOf: InlineScanner.urls(in: b, blocks: blocks.filter { $0.kind != .code && $0.kind != .comment && $0.kind != .html }))
        return InlineScanner.normalize(out)
    }

    private func scanInline(_ r: Range<Int>, into out: inout [Range<Int>]) {
        var i = r.lowerBound
        while i < r.upperBound {
            let c = b[i]
            if c == 0x60 {  // code span
                var n = 0
                while i + n < r.upperBound && b[i + n] == 0x60 { n += 1 }
                var j = i + n
                var closed = false
                while j < r.upperBound {
                    if b[j] == 0x60 {
                        var m = 0
                        while j + m < r.upperBound && b[j + m] == 0x60 { m += 1 }
                        if m == n { out.append(i..<(j + m)); i = j + m; closed = true; break }
                        j += m
                    } else { j += 1 }
                }
                if !closed { i += n }
                continue
            }
            if c == 0x3C {  // <!-- -->, <tag>, <http://…>
                if i + 3 < r.upperBound, b[i + 1] == 0x21, b[i + 2] == 0x2D, b[i + 3] == 0x2D {
                    var j = i + 4
                    while j + 2 < r.upperBound && !(b[j] == 0x2D && b[j + 1] == 0x2D && b[j + 2] == 0x3E) { j += 1 }
                    let end = j + 2 < r.upperBound ? j + 3 : r.upperBound
                    out.append(i..<end); i = end; continue
                }
                if i + 1 < r.upperBound {
                    let d = b[i + 1]
                    if (d >= 0x41 && d <= 0x5A) || (d >= 0x61 && d <= 0x7A) || d == 0x2F {
                        var j = i + 1
                        while j < r.upperBound && b[j] != 0x3E && b[j] != 0x3C && b[j] >= 0x20 && b[j] < 0x80 { j += 1 }
                        if j < r.upperBound && b[j] == 0x3E { out.append(i..<(j + 1)); i = j + 1; continue }
                    }
                }
            }
            if c == 0x5D, i + 1 < r.upperBound, b[i + 1] == 0x28 {  // ](destination)
                var j = i + 2, depth = 1
                while j < r.upperBound {
                    if b[j] == 0x28 { depth += 1 } else if b[j] == 0x29 { depth -= 1; if depth == 0 { break } }
                    j += 1
                }
                if j < r.upperBound { out.append((i + 1)..<(j + 1)); i = j + 1; continue }
            }
            i += 1
        }
    }
}

/// Finds URLs and e-mail addresses in prose (both formats).
enum InlineScanner {
    static func urls(in b: [UInt8], blocks: [Block]) -> [Range<Int>] {
        let n = Parallel.chunks(forBytes: b.count)
        if n > 1 && blocks.count >= n {
            // A large text: blocks in n runs on the cores.
            let parts = Parallel.map(n) { k -> [Range<Int>] in
                var out: [Range<Int>] = []
                for block in blocks[(blocks.count * k / n)..<(blocks.count * (k + 1) / n)] where block.role != .code {
                    for r in block.content { scan(b, r, &out) }
                }
                return out
            }
            return normalize(Array(parts.joined()))
        }
        var out: [Range<Int>] = []
        for block in blocks where block.role != .code {
            for r in block.content { scan(b, r, &out) }
        }
        return normalize(out)
    }

    @inline(__always) private static func isURLByte(_ c: UInt8) -> Bool {
        c > 0x20 && c < 0x7F && c != 0x3C && c != 0x3E && c != 0x22 && c != 0x60
    }
    @inline(__always) private static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    private static func hasPrefix(_ b: [UInt8], _ i: Int, _ end: Int, _ p: StaticString) -> Bool {
        let n = p.utf8CodeUnitCount
        guard i + n <= end else { return false }
        return p.withUTF8Buffer { pb in
            for k in 0..<n {
                var c = b[i + k]
                if c >= 0x41 && c <= 0x5A { c += 0x20 }
                if c != pb[k] { return false }
            }
            return true
        }
    }

    /// Bytes that can start a URL (`h`, `f`, `w`, either case) or stand in an e-mail address (`@`).
    private static let triggers: [Bool] = {
        var t = [Bool](repeating: false, count: 256)
        for c in "hHfFwW@".utf8 { t[Int(c)] = true }
        return t
    }()

    /// URLs and e-mail addresses of one line's text (for `Document.updated`).
    static func scanLine(_ b: [UInt8], _ r: Range<Int>, _ out: inout [Range<Int>]) { scan(b, r, &out) }

    private static func scan(_ b: [UInt8], _ r: Range<Int>, _ out: inout [Range<Int>]) {
        // Hot path: most bytes of a Chinese draft are none of the trigger bytes, so one table test per byte.
        let first = skipToTrigger(b, r.lowerBound, r.upperBound)
        guard first < r.upperBound else { return }
        var i = first
        while i < r.upperBound {
            let c = b[i]
            if (c == 0x68 || c == 0x48 || c == 0x66 || c == 0x77 || c == 0x57), i == r.lowerBound || !isAlnum(b[i - 1]),
               hasPrefix(b, i, r.upperBound, "https://") || hasPrefix(b, i, r.upperBound, "http://")
                || hasPrefix(b, i, r.upperBound, "ftp://") || hasPrefix(b, i, r.upperBound, "www.") {
                var j = i
                var parens = 0
                while j < r.upperBound && isURLByte(b[j]) {
                    if b[j] == 0x28 { parens += 1 } else if b[j] == 0x29 { if parens == 0 { break }; parens -= 1 }
                    j += 1
                }
                // Trailing sentence punctuation is not part of the URL.
                while j > i, [0x2E, 0x2C, 0x3B, 0x3A, 0x21, 0x3F, 0x27].contains(b[j - 1]) { j -= 1 }
                out.append(i..<j)
                i = j
                continue
            }
            if c == 0x40, i > r.lowerBound {  // e-mail: local@domain.tld
                var s = i
                while s > r.lowerBound, isAlnum(b[s - 1]) || [0x2E, 0x5F, 0x25, 0x2B, 0x2D].contains(b[s - 1]) { s -= 1 }
                var e = i + 1
                var dot = false
                while e < r.upperBound, isAlnum(b[e]) || b[e] == 0x2E || b[e] == 0x2D { if b[e] == 0x2E { dot = true }; e += 1 }
                while e > i + 1 && b[e - 1] == 0x2E { e -= 1 }
                if s < i, dot, e > i + 3 { out.append(s..<e); i = e; continue }
            }
            i = skipToTrigger(b, i + 1, r.upperBound)
        }
    }

    /// The first offset in `from..<end` holding a trigger byte (or `end`). Sixteen bytes at a time (folded to lower
    /// case, compared with h, f, w and the fold of @; a mask of the sixteen places), then a table test per byte.
    /// Every line of a page is scanned (and each line a fix touched again).
    @inline(__always)
    static func skipToTrigger(_ b: [UInt8], _ from: Int, _ end: Int) -> Int {
        triggers.withUnsafeBufferPointer { t in
            b.withUnsafeBufferPointer { p in
                var k = from
                let base = UnsafeRawPointer(p.baseAddress!)
                typealias V = SIMD16<UInt8>
                let fold = V(repeating: 0x20), h = V(repeating: 0x68), f = V(repeating: 0x66), w = V(repeating: 0x77), at = V(repeating: 0x60)
                while k &+ 16 <= end {
                    let x = base.loadUnaligned(fromByteOffset: k, as: V.self) | fold
                    let bits = maskBits(unsafeBitCast((x .== h) .| (x .== f) .| (x .== w) .| (x .== at), to: SIMDMask<SIMD16<Int8>>.self))
                    if bits == 0 { k &+= 16; continue }
                    // The first candidate (`| 0x20` also folds bytes that are no trigger, such as `` ` ``, to one):
                    // the table decides, from there.
                    k &+= bits.trailingZeroBitCount
                    if t[Int(p[k])] { return k }
                    k &+= 1
                }
                // The last bytes (fewer than sixteen): one table test each.
                while k < end && !t[Int(p[k])] { k &+= 1 }
                return k
            }
        }
    }

    /// `skipToTrigger` a table test per byte (the reference its test compares with).
    static func skipToTriggerScalar(_ b: [UInt8], _ from: Int, _ end: Int) -> Int {
        var k = from
        while k < end && !triggers[Int(b[k])] { k += 1 }
        return k
    }

    /// Sorts and merges overlapping ranges.
    static func normalize(_ ranges: [Range<Int>]) -> [Range<Int>] {
        let sorted = ranges.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        var out: [Range<Int>] = []
        for r in sorted {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else { out.append(r) }
        }
        return out
    }
}
