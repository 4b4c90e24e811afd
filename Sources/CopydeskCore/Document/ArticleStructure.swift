import Foundation

/// Plain-text drafts: blocks are runs of non-blank lines; a byline line and a directive line are blocks of their own
/// (OCR text often puts a headline and its byline on adjacent lines).
enum PlainTextScanner {
    /// Only spaces, tabs and U+3000.
    static func isBlank(_ source: SourceText, _ r: Range<Int>) -> Bool {
        var k = r.lowerBound
        while k < r.upperBound {
            let c = source.bytes[k]
            if c == 0x20 || c == 0x09 { k += 1; continue }
            if c == 0xE3, k + 2 < r.upperBound, source.bytes[k + 1] == 0x80, source.bytes[k + 2] == 0x80 { k += 3; continue }
            return false
        }
        return true
    }

    /// Starts with a space, a tab or U+3000.
    static func isIndented(_ source: SourceText, _ r: Range<Int>) -> Bool {
        guard let k = r.first else { return false }
        let c = source.bytes[k]
        return c == 0x20 || c == 0x09 || (c == 0xE3 && k + 2 < r.upperBound && source.bytes[k + 1] == 0x80 && source.bytes[k + 2] == 0x80)
    }
}

/// Article structure on top of blocks: which blocks are headlines, bylines and datelines.
/// The heuristics are deliberately conservative; a later issue makes them richer.
public enum ArticleStructure {
    /// A byline marker of the vocabulary (□ ■ ◎), or a character OCR reads for one (口).
    @inline(__always) static func isMarker(_ v: UInt32, _ vocab: StructureVocabulary = .builtIn) -> Bool {
        vocab.markerScalars.contains(v) || vocab.ocrMarker(v) != nil
    }

    /// 〇一二三四五六七八九十百
    @inline(__always) static func isChineseDigit(_ v: UInt32) -> Bool {
        switch v {
        case 0x3007, 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B, 0x4E5D, 0x5341, 0x767E: return true
        default: return false
        }
    }

    /// A plain-text list item: `一、` `（一）` `1.` `1、` `(1)` `（1）` `①` at the start of the line.
    static func startsWithListMarker(_ source: SourceText, _ r: Range<Int>) -> Bool {
        // Fast reject: the first non-space character must be a digit, a bracket, a circled number or a Chinese numeral.
        var i = r.lowerBound
        let b = source.bytes
        while i < r.upperBound && (b[i] == 0x20 || b[i] == 0x09) { i += 1 }
        guard i < r.upperBound else { return false }
        let (first, _) = b.withUnsafeBufferPointer { decodeScalar($0, i) }
        guard (0x30...0x39).contains(first) || first == 0x28 || first == 0xFF08 || first == 0x3000
                || (0x2460...0x2473).contains(first) || isChineseDigit(first) else { return false }
        let s = Array(trimmed(scalars(source, r.lowerBound..<min(r.upperBound, r.lowerBound + 24))))
        guard let f = s.first else { return false }
        if (0x2460...0x2473).contains(f) { return true }                        // ① … ⑳
        func digits(_ from: Int, _ set: (UInt32) -> Bool) -> Int {
            var k = from
            while k < s.count && set(s[k]) { k += 1 }
            return k - from
        }
        let isArabic = { (v: UInt32) in v >= 0x30 && v <= 0x39 }
        let isChinese = { (v: UInt32) in isChineseDigit(v) }
        // 一、 / 1、 / 1. (not 12.5)
        for set in [isChinese, isArabic] {
            let n = digits(0, set)
            if n > 0 && n <= 3 && n < s.count {
                let m = s[n]
                if m == 0x3001 { return true }
                if set(0x31) && (m == 0x2E || m == 0xFF0E) && (n + 1 == s.count || !isArabic(s[n + 1])) { return true }
            }
        }
        // （一） (1) （1）
        if f == 0xFF08 || f == 0x28 {
            for set in [isChinese, isArabic] {
                let n = digits(1, set)
                if n > 0 && n <= 3 && 1 + n < s.count && (s[1 + n] == 0xFF09 || s[1 + n] == 0x29) { return true }
            }
        }
        return false
    }

    /// The scalar values of a byte range (decoded straight from the bytes: no String in between).
    static func scalars(_ source: SourceText, _ r: Range<Int>) -> [UInt32] {
        source.bytes.withUnsafeBufferPointer { p in
            var out: [UInt32] = []
            out.reserveCapacity(r.count / 2 + 1)
            var i = r.lowerBound
            while i < r.upperBound {
                let (v, n) = decodeScalar(p, i)
                out.append(v)
                i += n
            }
            return out
        }
    }

    /// The last scalar of a byte range that is not a space (decoded backwards), if any.
    static func lastNonSpace(_ source: SourceText, _ r: Range<Int>) -> UInt32? {
        source.bytes.withUnsafeBufferPointer { p -> UInt32? in
            var e = r.upperBound
            while e > r.lowerBound {
                var k = e - 1
                while k > r.lowerBound && p[k] & 0xC0 == 0x80 { k -= 1 }
                let (v, _) = decodeScalar(p, k)
                if !isSpace(v) { return v }
                e = k
            }
            return nil
        }
    }

    static func isSpace(_ v: UInt32) -> Bool { v == 0x20 || v == 0x09 || v == 0x3000 || v == 0xA0 }

    static func trimmed(_ s: [UInt32]) -> ArraySlice<UInt32> {
        var a = s[...]
        while let f = a.first, isSpace(f) { a = a.dropFirst() }
        while let l = a.last, isSpace(l) { a = a.dropLast() }
        return a
    }

    /// Matches a role keyword at the start of `s` (prefixes such as 融媒 首席 then 记者/通讯员…); returns its length.
    static func roleLength(_ s: ArraySlice<UInt32>, _ vocab: StructureVocabulary = .builtIn) -> Int? {
        // Most places of a credit line (the names) start no prefix and no role.
        guard let first = s.first else { return nil }
        let firsts = vocab.roleFirstScalars
        var lo = 0, hi = firsts.count
        while lo < hi { let m = (lo + hi) / 2; if firsts[m] < first { lo = m + 1 } else { hi = m } }
        guard lo < firsts.count && firsts[lo] == first else { return nil }
        var rest = s
        var consumed = 0
        var progressed = true
        while progressed {
            progressed = false
            for u in vocab.rolePrefixScalars where rest.starts(with: u) {
                rest = rest.dropFirst(u.count); consumed += u.count; progressed = true
            }
        }
        for u in vocab.roleScalars where rest.starts(with: u) { return consumed + u.count }
        return nil
    }

    /// A standalone byline line: `□融媒首席记者 陈晓苏`, `本报记者 张三 李四`, `通讯员 王五`, `文/图 张三`, `张三 摄`.
    public static func isByline(_ source: SourceText, _ r: Range<Int>, _ vocab: StructureVocabulary = .builtIn) -> Bool {
        guard r.count <= 120 else { return false }
        // Fast reject on bytes before any decoding: a byline holds the last character of a role, 摄, or `/` (文/图).
        if let keys = vocab.bylineKeys {
            let lastBytes = vocab.bylineKeyLastBytes
            let key = source.bytes.withUnsafeBufferPointer { b -> Bool in
                var i = r.lowerBound
                while i < r.upperBound {
                    let c = b[i]
                    if c == 0x2F { return true }
                    if c >= 0xE0 && c < 0xF0 && i + 2 < r.upperBound {
                        let t = b[i + 2]
                        if (lastBytes >> UInt64(t & 0x3F)) & 1 != 0 && keys.contains(UInt32(c) << 16 | UInt32(b[i + 1]) << 8 | UInt32(t)) { return true }
                        i += 3
                    } else { i += 1 }
                }
                return false
            }
            guard key else { return false }
        }
        var s = trimmed(scalars(source, r))
        guard !s.isEmpty, s.count <= 40 else { return false }
        if let f = s.first, isMarker(f, vocab) {
            let rest = s.dropFirst()
            // 口 is also a common character: accept it only directly before a role.
            if !vocab.markerScalars.contains(f) && roleLength(trimmed(Array(rest)), vocab) == nil { return false }
            s = trimmed(Array(rest))
        }
        if s.count >= 2 && (s.first == 0x6587 || s.first == 0x56FE) && s[s.startIndex + 1] == 0x2F { return true }   // 文/ 图/
        guard roleLength(s, vocab) != nil else {
            // `张三 摄`
            if s.last == 0x6444, s.count <= 12 { return namesOnly(s.dropLast()) }
            return false
        }
        // After each role come names: 2–4 Han characters (or with ·), separated by spaces or 、, or another role.
        var rest = s
        var sawName = false
        while !rest.isEmpty {
            while let f = rest.first, isSpace(f) || f == 0x3001 { rest = rest.dropFirst() }
            if rest.isEmpty { break }
            if let n = roleLength(rest, vocab) { rest = rest.dropFirst(n); continue }
            var name = 0
            while let f = rest.first, CharClass.of(f).contains(.han) || f == 0xB7, roleLength(rest, vocab) == nil || name == 0 {
                rest = rest.dropFirst(); name += 1
                if name > 4 { break }
            }
            if rest.first == 0x6444, name >= 2 { rest = rest.dropFirst() }  // 摄
            guard (2...4).contains(name) else { return false }
            sawName = true
        }
        return sawName
    }

    static func namesOnly(_ s: ArraySlice<UInt32>) -> Bool {
        let parts = s.split(whereSeparator: { isSpace($0) || $0 == 0x3001 })
        return !parts.isEmpty && parts.allSatisfy { p in (2...4).contains(p.count) && p.allSatisfy { CharClass.of($0).contains(.han) || $0 == 0xB7 } }
    }

    /// A dateline at the start of a paragraph: 本报讯, 本报北京12月14日电, 新华社北京12月14日电, 据新华社…电.
    public static func isDateline(_ source: SourceText, _ r: Range<Int>, _ vocab: StructureVocabulary = .builtIn) -> Bool {
        // Fast reject on bytes: a dateline has 讯 (E8 AE AF) or 日电 (E6 97 A5 E7 94 B5) in its first 120 bytes.
        let found = source.bytes.withUnsafeBufferPointer { datelineKey($0, r.lowerBound, min(r.upperBound, r.lowerBound + 120)) }
        guard found || !vocab.datelinePrefixesHaveXun else { return false }
        // Scalars only (no String, no Foundation search): the first 30 characters decide.
        let s = Array(trimmed(scalars(source, r.lowerBound..<min(r.upperBound, r.lowerBound + 120))))
        for p in vocab.datelinePrefixScalars where s.starts(with: p) { return true }
        guard found else { return false }
        let head = s.prefix(30)
        let ben: [UInt32] = [0x672C, 0x62A5]   // 本报
        // …月…日电 within the first 30 characters.
        if let e = (0..<max(0, head.count - 1)).first(where: { head[$0] == 0x65E5 && head[$0 + 1] == 0x7535 }) {   // 日电
            let before = head[..<e]
            return before.contains(0x6708) && (before.contains(0x793E) || before.starts(with: ben) || before.first == 0x636E)  // 月 社 据
        }
        // 讯 within the first ten characters after 本报, but not the 讯 of 通讯 (`本报记者刘涛 通讯员马媛报道`: a byline
        // that opens a paragraph, not a dateline).
        if head.starts(with: ben), let e = head.indices.first(where: { head[$0] == 0x8BAF && ($0 == 0 || head[$0 - 1] != 0x901A) }) {
            return e <= 10
        }
        return false
    }

    /// Whether `b[start..<end]` holds 讯 (E8 AE AF) or 日电 (E6 97 A5 E7 94 B5): sixteen places a step, looking for the
    /// middle bytes AE and 94 (rare in themselves: most places of a line are passed by two compares and a mask), each
    /// found one checked with its neighbours. Every line of a page is asked this (and each line a fix touched again).
    static func datelineKey(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start >= 3, let base = b.baseAddress else { return false }
        @inline(__always) func at(_ m: Int) -> Bool {
            // `m` is the middle byte of a three-byte window inside [start, end).
            if b[m] == 0xAE { return b[m - 1] == 0xE8 && b[m + 1] == 0xAF }
            return b[m - 1] == 0xE7 && b[m + 1] == 0xB5 && m - 4 >= start && b[m - 4] == 0xE6 && b[m - 3] == 0x97 && b[m - 2] == 0xA5
        }
        let ae = SIMD16<UInt8>(repeating: 0xAE), n94 = SIMD16<UInt8>(repeating: 0x94)
        var m = start + 1
        let last = end - 1          // middle bytes lie in [start + 1, end - 1)
        while m + 16 <= last {
            let v = UnsafeRawPointer(base + m).loadUnaligned(as: SIMD16<UInt8>.self)
            var bits = maskBits(unsafeBitCast((v .== ae) .| (v .== n94), to: SIMDMask<SIMD16<Int8>>.self))
            while bits != 0 {
                if at(m + bits.trailingZeroBitCount) { return true }
                bits &= bits - 1
            }
            m += 16
        }
        while m < last {
            if (b[m] == 0xAE || b[m] == 0x94) && at(m) { return true }
            m += 1
        }
        return false
    }

    /// `datelineKey` one 24-bit window per byte (the reference its test compares with).
    static func datelineKeyScalar(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end - start >= 3 else { return false }
        var w = UInt32(b[start]) << 8 | UInt32(b[start + 1])
        var i = start + 2
        while i < end {
            w = (w << 8 | UInt32(b[i])) & 0xFF_FFFF
            if w == 0xE8AEAF { return true }
            if w == 0xE794B5 && i >= start + 5 && b[i - 5] == 0xE6 && b[i - 4] == 0x97 && b[i - 3] == 0xA5 { return true }
            i += 1
        }
        return false
    }

    // Small character sets as switches: no hashing in the per-line tests.
    /// 。，；：、,;
    @inline(__always) static func isSentencePunct(_ v: UInt32) -> Bool {
        switch v { case 0x3002, 0xFF0C, 0xFF1B, 0xFF1A, 0x3001, 0x2C, 0x3B: return true; default: return false }
    }
    /// Characters that end a sentence (at the end of a line).
    @inline(__always) static func isEnding(_ v: UInt32) -> Bool {
        switch v { case 0x3002, 0xFF01, 0xFF1F, 0x201D, 0x2026, 0xFF1B, 0x300F, 0x300D, 0xFF09, 0x2E, 0x21, 0x3F: return true; default: return false }
    }

    /// A short single line with Han text and no sentence punctuation: a possible headline.
    /// One full-width colon inside the line (`青山镇：全力以赴　保障供暖`) is a headline's, unless the text before it is a
    /// role or a closing credit (`作者：申琳`, `责任编辑：李四`).
    static func isHeadlineCandidate(_ source: SourceText, _ block: Block, _ vocab: StructureVocabulary = .builtIn) -> Bool {
        guard block.kind == .paragraph, block.content.count == 1, block.role == .body, block.content[0].count <= 200 else { return false }
        // Fast reject: a full-width comma, full stop, semicolon, colon or enumeration comma means running text.
        let r0 = block.content[0]
        if source.bytes.withUnsafeBufferPointer({ runningTextPunctuation($0, r0) }) { return false }
        let s = trimmed(scalars(source, block.content[0]))
        guard (2...40).contains(s.count), s.contains(where: { CharClass.of($0).contains(.han) }) else { return false }
        // A photo caption that ends with its credit (`图为…… 张三 摄`) is no headline.
        if s.count >= 3, s.last == 0x6444, isSpace(s[s.endIndex - 2]) { return false }
        // A closing credit in brackets (`（记者 张三）`) is no headline.
        if let f = s.first, let l = s.last, f == 0xFF08 || f == 0x28, l == 0xFF09 || l == 0x29,
           roleLength(trimmed(Array(s.dropFirst().dropLast())), vocab) != nil { return false }
        if let colon = s.firstIndex(of: 0xFF1A) {
            // One colon, with text on both sides that is no credit.
            guard colon > s.startIndex + 1, colon < s.endIndex - 1, s[(colon + 1)...].firstIndex(of: 0xFF1A) == nil,
                  ArticleStructure.roleLength(s, vocab) == nil,
                  !vocab.closingScalars.contains(where: { s.starts(with: $0) }),
                  !s.contains(where: { $0 != 0xFF1A && isSentencePunct($0) }) else { return false }
        } else if s.contains(where: isSentencePunct) { return false }
        // A half-width full stop after a Chinese character ends a sentence (`会议结束.大家散去.`): running text.
        let arr = Array(s)
        for k in 1..<max(1, arr.count) where arr[k] == 0x2E && CharClass.of(arr[k - 1]).contains(.han) { return false }
        // A question or exclamation mark inside the line, or unbalanced quotation marks, mean running text: OCR
        // puts pieces of quoted dialogue on lines of their own (`“每班在岗时间多长？”“防控操作`).
        if let q = s.firstIndex(where: isInnerEnding),
           !s[(q + 1)...].allSatisfy({ isInnerEnding($0) || isCloser($0) }) { return false }
        if s.lazy.filter({ $0 == 0x201C }).count != s.lazy.filter({ $0 == 0x201D }).count { return false }
        return true
    }

    /// Whether `b[r]` holds `，` (EF BC 8C), `；` (EF BC 9B), `。` (E3 80 82) or `、` (E3 80 81): sixteen places a
    /// step, each place's three bytes compared at once (every block of a page is asked this each time its structure
    /// is worked out: on every pass of the fixer).
    static func runningTextPunctuation(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var i = r.lowerBound
        if let base = b.baseAddress {
            typealias V = SIMD16<UInt8>
            let ef = V(repeating: 0xEF), bc = V(repeating: 0xBC), e3 = V(repeating: 0xE3), x80 = V(repeating: 0x80)
            let x8c = V(repeating: 0x8C), x9b = V(repeating: 0x9B), x82 = V(repeating: 0x82), x81 = V(repeating: 0x81)
            // Places i..<i + 16 whose three bytes lie inside `r`.
            while i &+ 18 <= r.upperBound {
                let v0 = UnsafeRawPointer(base + i).loadUnaligned(as: V.self)
                let v1 = UnsafeRawPointer(base + i + 1).loadUnaligned(as: V.self)
                let v2 = UnsafeRawPointer(base + i + 2).loadUnaligned(as: V.self)
                let full = (v0 .== ef) .& (v1 .== bc) .& ((v2 .== x8c) .| (v2 .== x9b))
                let ideographic = (v0 .== e3) .& (v1 .== x80) .& ((v2 .== x82) .| (v2 .== x81))
                if maskBits(unsafeBitCast(full .| ideographic, to: SIMDMask<SIMD16<Int8>>.self)) != 0 { return true }
                i &+= 16
            }
        }
        return runningTextPunctuationScalar(b, i..<r.upperBound)
    }

    /// `runningTextPunctuation` one place at a time (the reference its test compares with, and the last places).
    static func runningTextPunctuationScalar(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var i = r.lowerBound
        while i + 2 < r.upperBound {
            let c = b[i]
            if c == 0xEF && b[i + 1] == 0xBC && (b[i + 2] == 0x8C || b[i + 2] == 0x9B) { return true }
            if c == 0xE3 && b[i + 1] == 0x80 && (b[i + 2] == 0x82 || b[i + 2] == 0x81) { return true }
            i += 1
        }
        return false
    }

    /// A headline candidate but for one terminal mark (`全力以赴保障供暖。`): read as a headline only at the top of the
    /// page or on the line right under another headline, directly before a byline or dateline (`assignRoles`), so that
    /// `article.headline-terminal` can report the mark.
    static func isHeadlineWithStop(_ source: SourceText, _ r: Range<Int>, _ vocab: StructureVocabulary) -> Bool {
        guard let last = lastNonSpace(source, r) else { return false }
        switch last { case 0x3002, 0xFF0C, 0x3001, 0xFF1B, 0xFF1A, 0x2E, 0x2C: break; default: return false }
        // The byte where that mark starts.
        var e = r.upperBound
        while e > r.lowerBound {
            var k = e - 1
            while k > r.lowerBound && source.bytes[k] & 0xC0 == 0x80 { k -= 1 }
            let (v, _) = source.bytes.withUnsafeBufferPointer { decodeScalar($0, k) }
            if v == last { e = k; break }
            e = k
        }
        guard e > r.lowerBound, lastNonSpace(source, r.lowerBound..<e).map(isEnding) != true else { return false }
        let line = source.lineIndex(of: r.lowerBound)
        return isHeadlineCandidate(source, Block(kind: .paragraph, role: .body, lines: line..<(line + 1), content: [r.lowerBound..<e]), vocab)
    }

    /// ？！?!
    @inline(__always) static func isInnerEnding(_ v: UInt32) -> Bool {
        switch v { case 0xFF1F, 0xFF01, 0x3F, 0x21: return true; default: return false }
    }
    /// ”’」』）】》)
    @inline(__always) static func isCloser(_ v: UInt32) -> Bool {
        switch v { case 0x201D, 0x2019, 0x300D, 0x300F, 0xFF09, 0x3011, 0x300B, 0x29: return true; default: return false }
    }

    /// Whether a line's text ends with sentence-final punctuation (spaces ignored).
    static func endsSentence(_ source: SourceText, _ r: Range<Int>) -> Bool {
        guard let l = lastNonSpace(source, r) else { return false }
        return isEnding(l)
    }

    static func endsSentence(_ source: SourceText, _ block: Block) -> Bool {
        guard let last = block.content.last else { return true }
        guard let l = lastNonSpace(source, last) else { return true }
        return isEnding(l)
    }

    /// The bracketed credit right after a dateline (`本报讯（记者 张三 通讯员 李四）`, `…日电(记者 王五)`): the byte
    /// range of the brackets and their content, when the content starts with a role. Credits are read as bylines.
    static func credit(in source: SourceText, dateline r: Range<Int>, _ vocab: StructureVocabulary = .builtIn) -> Range<Int>? {
        let b = source.bytes
        let end = min(r.upperBound, r.lowerBound + 150)
        var i = r.lowerBound
        while i < end {
            let isFull = i + 2 < end && b[i] == 0xEF && b[i + 1] == 0xBC && b[i + 2] == 0x88   // （
            if isFull || b[i] == 0x28 {
                let open = i
                let start = i + (isFull ? 3 : 1)
                var j = start
                while j < r.upperBound && j - start < 120 {
                    if b[j] == 0x29 { return roleAt(source, start, vocab) ? open..<(j + 1) : nil }
                    if j + 2 < r.upperBound && b[j] == 0xEF && b[j + 1] == 0xBC && b[j + 2] == 0x89 { return roleAt(source, start, vocab) ? open..<(j + 3) : nil }
                    j += 1
                }
                return nil
            }
            i += 1
        }
        return nil
    }

    static func roleAt(_ source: SourceText, _ offset: Int, _ vocab: StructureVocabulary = .builtIn) -> Bool {
        let s = trimmed(scalars(source, offset..<min(source.bytes.count, offset + 36)))
        return roleLength(s, vocab) != nil
    }

    /// Roles of plain-text blocks (from line facts) or Markdown blocks (bylines and datelines only).
    static func assignRoles(_ blocks: inout [Block], source: SourceText, format: Document.Format, facts: [LineFacts]? = nil,
                            vocab: StructureVocabulary = .builtIn) {
        // The same tests read from line facts when there are any (plain text), else made on the text.
        func bylineLine(_ b: Block) -> Bool { facts.map { $0[b.lines.lowerBound].contains(.byline) } ?? isByline(source, b.content[0], vocab) }
        func datelineFirst(_ b: Block) -> Bool {
            guard let f = b.content.first else { return false }
            return facts.map { $0[b.lines.lowerBound].contains(.dateline) } ?? isDateline(source, f, vocab)
        }
        func candidate(_ b: Block) -> Bool {
            guard let facts else { return isHeadlineCandidate(source, b) }
            return b.kind == .paragraph && b.content.count == 1 && b.role == .body && facts[b.lines.lowerBound].contains(.headlineCandidate)
        }
        func finished(_ b: Block) -> Bool {
            guard let facts else { return endsSentence(source, b) }
            guard !b.content.isEmpty else { return true }
            let f = facts[b.lines.upperBound - 1]
            return f.contains(.endsSentence) || f.contains(.noNonSpace)
        }
        for i in blocks.indices where blocks[i].role == .body && blocks[i].kind == .paragraph {
            if blocks[i].content.count == 1, bylineLine(blocks[i]) { blocks[i].role = .byline }
            else if datelineFirst(blocks[i]) { blocks[i].role = .dateline }
        }
        guard format == .plainText else { return }
        // Headlines in plain text: candidates at the top of the document, candidates directly before a byline or
        // dateline (up to three lines: lead-in, main title, subtitle), and candidates after a finished sentence
        // that are followed by another candidate or by the end of the document.
        let prose = blocks.indices.filter { !blocks[$0].role.isEmpty }
        var isHead = [Bool](repeating: false, count: blocks.count)
        for (k, i) in prose.enumerated() where candidate(blocks[i]) {
            if k == 0 { isHead[i] = true; continue }
            // Followed (within three candidates) by a byline or dateline?
            var m = k + 1, run = 0
            while m < prose.count && run < 3 && candidate(blocks[prose[m]]) { m += 1; run += 1 }
            if m < prose.count, blocks[prose[m]].role == .byline || blocks[prose[m]].role == .dateline { isHead[i] = true; continue }
            let prev = blocks[prose[k - 1]]
            let prevDone = isHead[prose[k - 1]] || prev.role == .byline || finished(prev)
            let next = k + 1 < prose.count ? prose[k + 1] : nil
            if prevDone && (next == nil || candidate(blocks[next!])) { isHead[i] = true }
        }
        // A headline that ends in a mark (`全力以赴保障供暖。`): at the top or under another headline, directly before
        // a byline or dateline.
        if let facts {
            for (k, i) in prose.enumerated() where facts[blocks[i].lines.lowerBound].contains(.headlineWithStop) {
                let b = blocks[i]
                // Under another headline only when stacked on the line right under it (no blank line between).
                guard b.kind == .paragraph, b.content.count == 1, b.role == .body, k + 1 < prose.count,
                      k == 0 || (isHead[prose[k - 1]] && blocks[prose[k - 1]].lines.upperBound == b.lines.lowerBound) else { continue }
                let next = blocks[prose[k + 1]]
                if next.role == .byline || next.role == .dateline { isHead[i] = true }
            }
        }
        for i in blocks.indices where isHead[i] { blocks[i].role = .headline }
    }
}
