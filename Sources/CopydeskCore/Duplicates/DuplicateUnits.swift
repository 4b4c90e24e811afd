import Foundation
/// The units the duplicate rules compare: paragraphs (after the OCR line joining `--fix` would do) and sentences,
/// each normalised.
///
/// **Paragraphs.** Text of prose blocks (paragraphs, list items, quotes) whose role is in the rule's scope, read
/// after the OCR join `--fix` would do: a line break that the `ocr.broken-line` check (default options) removes with
/// a *safe* fix does not end a paragraph, even across a blank line (OCR that put a blank line after every printed
/// line). Otherwise, in plain text, a line is a paragraph (web text puts one paragraph on a line, without blank
/// lines; a caption or subhead without punctuation is a line of its own). In Markdown a block is a paragraph. The
/// first paragraph of an article that does not end a sentence is `titleLike` (a headline the structure did not
/// recognise, often repeated at the start of the body by web pages); the duplicate rules skip it within its file, and
/// skip a paragraph that starts with `>` or `:` (a quoted message). The normalisation drops the line breaks.
///
/// **Normalisation** (`normalize`): full-width ASCII folded to half-width, Latin letters lower-cased, and only Han,
/// kana, hangul, Latin letters and digits kept: whitespace, punctuation and symbols are dropped. So `“青山镇”` and
/// `青山镇`, `１２` and `12` are the same text.
///
/// **Sentences.** A paragraph cut after `。！？；!?;` (the terminator belongs to the sentence).
///
/// Positions are UTF-8 byte offsets of the document; a unit's range runs from its first to its last visible
/// character.
public final class DuplicateUnits: @unchecked Sendable {
    /// Held in 32-bit fields (a 24.8 MB page has 65k paragraphs: 48 bytes each, nothing the allocator holds for
    /// one of them); its normalised text is not kept but read again from its pieces of source text when asked
    /// (`withText`).
    public struct Paragraph: Sendable {
        private var start, end: UInt32
        /// Its first piece of source text: its pieces are `pieces[pieceStart..<` the next paragraph's `pieceStart>`
        /// (`piecesOf`; the line contents it was read from).
        fileprivate var pieceStart: UInt32
        private var normCount, hanCount: UInt32
        /// Which article (bits 0–29), whether title-like (bit 30) or a quotation (bit 31).
        private var articleAndFlags: UInt32
        /// Where its normalised text starts in `keptText` (when the document is small enough to keep it).
        var textStart: UInt32 = 0
        /// Its first number in `numberList` (see `numbers(_:)`).
        fileprivate var numberStart: UInt32
        /// Its first normalised character (0: none): most paragraphs start with no boilerplate's first, and are
        /// then not read again to test the boilerplate prefixes.
        var firstCharacter: UInt32 = 0
        /// `contentKey`: worked out from the normalised text while it is read.
        var key: UInt64
        init(range: Range<Int>, pieces: Range<Int>, length: Int, han: Int, numbers: Int, article: Int, key: UInt64) {
            start = UInt32(range.lowerBound); end = UInt32(range.upperBound)
            pieceStart = UInt32(pieces.lowerBound)
            normCount = UInt32(length); hanCount = UInt32(han); articleAndFlags = UInt32(article) & 0x3FFF_FFFF
            numberStart = UInt32(numbers)
            self.key = key
        }
        public var range: Range<Int> { Int(start)..<Int(end) }
        /// The number of its normalised characters.
        var length: Int { Int(normCount) }
        /// Han characters in it.
        public var han: Int { Int(hanCount) }
        /// Which article of the file it belongs to (a headline starts a new one).
        var article: Int { Int(articleAndFlags & 0x3FFF_FFFF) }
        /// The first paragraph of its article, not ending a sentence or at most 40 characters: a title.
        var titleLike: Bool {
            get { articleAndFlags & 1 << 30 != 0 }
            set { articleAndFlags = newValue ? articleAndFlags | 1 << 30 : articleAndFlags & ~(1 << 30) }
        }
        /// Starts with `>` or `:`, the marks of a quoted earlier message.
        var isQuote: Bool {
            get { articleAndFlags & 1 << 31 != 0 }
            set { articleAndFlags = newValue ? articleAndFlags | 1 << 31 : articleAndFlags & ~(1 << 31) }
        }
    }

    /// A stretch of source text a paragraph was read from (a line's content).
    struct Piece {
        var start, end: UInt32
        var range: Range<Int> { Int(start)..<Int(end) }
    }

    public private(set) var paragraphs: [Paragraph] = []
    private(set) var pieces: [Piece] = []
    /// The numbers of all paragraphs, one after the other: FNV-1a 64 of each run of digits, in order.
    private var numberList: [UInt64] = []
    /// The sentences whose key another sentence of the same article has (title-like and quoted paragraphs left
    /// out, as the sentence rule leaves them out), found during extraction: the sentence rule reads only these
    /// (a sentence alone with its key in its article is never a copy nor the first of one). Articles come in
    /// order, and a key's sentences in the order of the text (a key's first sentence is put in when its second
    /// turns up). On a 25 MB page: a few thousand of 187k sentences.
    private(set) var repeatedSentences: [Sentence] = []

    /// Paragraph `p`'s numbers: FNV-1a 64 of each run of digits, in order.
    func numbers(_ p: Int) -> ArraySlice<UInt64> {
        numberList[Int(paragraphs[p].numberStart)..<(p + 1 < paragraphs.count ? Int(paragraphs[p + 1].numberStart) : numberList.count)]
    }
    /// The document's bytes (shared with its source text, not copied): the normalised text of a unit is read
    /// again from them when asked, so the units of a 25 MB page hold no copy of its text.
    private var bytes: [UInt8] = []
    /// The normalised text of all paragraphs, one after the other, kept for a document of less than
    /// `keepTextBelow` bytes (a draft of a batch: reading it again would cost more than it saves); nil for a
    /// larger one, whose units read it again from the source when asked.
    private var keptText: [UInt32]?
    /// Documents below this size keep their normalised text (at most about 1.4 MB of it).
    static let keepTextBelow = 1 << 20
    /// Sorted shingles and exact hashes of paragraphs, once asked (the batch and the archive ask; a lint alone
    /// does not): allocated on the first question.
    private var shingleCache: [[UInt64]?] = []
    private var exactHashes: [UInt64?] = []
    /// The candidate search's keys worked out during extraction (a large document), read by the first
    /// `sharedShingles` that can use them.
    private var extractedSearch: ExtractedSearchKeys?
    /// Whether extraction's search keys are there to be read (tests).
    var hasExtractedSearchKeys: Bool { extractedSearch != nil }
    /// The last `sharedShingles` answer: the near and contained rules ask for the same candidates.
    private var sharedCache: (candidates: [Int], maxRun: Int, minShare: Double, numbersAgree: Bool, pairs: [(i: Int, j: Int, shared: Int)])?

    /// The most memory the candidate search's keys may take at once on a large page (`sharedShingles`: windows
    /// of the hash space, the text hashed again for each).
    static let keyWindowBytes = 4 << 20

    /// Shingle size (characters): 5-grams, as measured on real news (newsroom-rules §3).
    public static let shingleSize = 5

    // MARK: extraction

    /// `keepText`: whether the units keep the normalised text (nil: below `keepTextBelow` bytes; tests force both).
    /// `searchWindows` (tests): the number of windows of the extraction-time search keys (nil: from the size).
    public static func extract(_ doc: Document, scope: Scope, cache: CheckCache? = nil, keepText: Bool? = nil,
                               searchWindows: Int? = nil) -> DuplicateUnits {
        let u = DuplicateUnits()
        let src = doc.source
        let blocks = doc.blocks
        func prose(_ b: Block) -> Bool {
            guard !b.role.isDisjoint(with: scope), b.role != .code else { return false }
            switch b.kind { case .paragraph, .listItem, .blockquote: return true; default: return false }
        }
        // Line breaks the OCR join would remove: a safe fix of the broken-line check (default options) deletes them.
        var joinedAfter = [Bool](repeating: false, count: src.lineCount)
        let facts = doc.lineFacts
        if doc.format == .plainText && src.lineCount > 1 {
            let segs = doc.segments(for: [.body, .dateline])
            var ctx = CheckContext(document: doc, ruleIndex: 0, fixSafety: .safe, message: "", scope: [.body, .dateline],
                                   allSegments: segs, texts: SegmentTexts(document: doc, segments: segs))
            // In the lint's cache, the rule's run with the same inputs (default options, safe fixes, the same blocks)
            // serves both: whichever runs first notes its findings, the other reuses them.
            if let cache { ctx.cache = cache }
            var fs: [Finding] = []
            BrokenLineCheck.standard.run(ctx, into: &fs)
            for line in DuplicateUnits.joinedLines(fs, src) { joinedAfter[line] = true }
        }
        u.bytes = src.bytes
        var x = Extraction()
        x.sentenceMinHan = cache?.sentenceMinHan ?? 0
        // Room for the sentences of the largest article (a page whose articles the structure does not tell apart is
        // one article): each kept sentence has at least `sentenceMinHan` Han characters, three bytes each. Room never
        // written costs no memory; growing by doubling copied a large page's sentences (and touched new pages) a
        // dozen times.
        if x.sentenceMinHan > 0 && x.sentenceMinHan < Int.max {
            x.articleSentences.reserveCapacity(min(1 << 20, src.bytes.count / (3 * x.sentenceMinHan) + 16))
        }
        if keepText ?? (src.bytes.count < keepTextBelow) { x.kept = []; x.kept!.reserveCapacity(src.bytes.count / 3 + 64) }
        // A document whose normalised text is not kept: the candidate search's keys of the paragraphs a near or
        // contained rule may compare are worked out now, from the text extraction has at hand, instead of reading
        // every such paragraph again from the source for the search (`sharedShingles`).
        if x.kept == nil, let minHan = cache?.searchMinHan, minHan < Int.max {
            x.search = ExtractedSearchKeys(minHan: minHan, positions: src.bytes.count / 3, windows: searchWindows)
        }
        var article = 0
        var group: [Range<Int>] = []
        func flush() { if !group.isEmpty { DuplicateUnits.add(group, src, article: article, &x); group.removeAll(keepingCapacity: true) } }
        for b in blocks {
            if b.role == .headline { article += 1 }
            guard prose(b) else { flush(); continue }
            for (k, r) in b.content.enumerated() {
                group.append(r)
                let line = b.lines.lowerBound + k
                let last = k == b.content.count - 1
                // Plain text: a line is a paragraph (web text has one paragraph a line) unless the OCR join continues
                // it. Markdown: a block is a paragraph (soft breaks are normal).
                if facts.isEmpty { if last { flush() }; continue }
                if line < joinedAfter.count && joinedAfter[line] { continue }
                flush()
            }
        }
        flush()
        // Held while the lint's other checks run: no room to spare (arrays grow by doubling).
        func trimmed<T>(_ a: [T]) -> [T] { a.capacity > a.count + a.count / 8 + 64 ? a.map { $0 } : a }
        u.paragraphs = trimmed(x.paragraphs)
        u.pieces = trimmed(x.pieces)
        u.numberList = trimmed(x.numbers)
        u.repeatedSentences = x.repeated
        u.keptText = x.kept
        if let search = x.search, search.valid { u.extractedSearch = search }
        u.distinctCounts = [Int32](repeating: -1, count: u.paragraphs.count)
        return u
    }

    /// The lines whose line break a safe fix of the broken-line check removes.
    static func joinedLines<C: Collection>(_ findings: C, _ src: SourceText) -> [Int] where C.Element == Finding {
        var out: [Int] = []
        for f in findings where f.fix?.safety == .safe {
            for e in f.fix!.edits where e.range.lowerBound > 0 { out.append(src.lineIndex(of: e.range.lowerBound - 1)) }
        }
        return out
    }

    /// The normalised form of a scalar: nil when it is dropped.
    @inline(__always) static func normalize(_ v: UInt32) -> UInt32? {
        if v < 0x80 {
            if v >= 0x61 && v <= 0x7A || v >= 0x30 && v <= 0x39 { return v }
            if v >= 0x41 && v <= 0x5A { return v + 0x20 }
            return nil
        }
        if v >= 0xFF10 && v <= 0xFF5A {
            return normalize(v - 0xFEE0)
        }
        let c = CharClass.of(v)
        if !c.isDisjoint(with: [.han, .kana, .hangul, .latin, .digit]) { return v }
        return nil
    }

    /// The punctuation most frequent in Chinese news (，。、“”‘’《》「」：；！？（）—…): `normalize` drops it.
    @inline(__always) static func isCommonPunctuation(_ v: UInt32) -> Bool {
        switch v {
        case 0xFF0C, 0x3002, 0x3001, 0x201C, 0x201D, 0x2018, 0x2019, 0x300A, 0x300B, 0x300C, 0x300D, 0xFF1A, 0xFF1B,
             0xFF01, 0xFF1F, 0xFF08, 0xFF09, 0x2014, 0x2026: return true
        default: return false
        }
    }

    @inline(__always) static func isTerminator(_ v: UInt32) -> Bool {
        v == 0x3002 || v == 0xFF01 || v == 0xFF1F || v == 0xFF1B || v == 0x21 || v == 0x3F || v == 0x3B
    }

    @inline(__always) static func fnv(_ h: inout UInt64, _ v: UInt32) {
        // The UTF-8 bytes of v.
        @inline(__always) func byte(_ b: UInt32) { h ^= UInt64(b); h = h &* 0x0000_0100_0000_01B3 }
        if v < 0x80 { byte(v) }
        else if v < 0x800 { byte(0xC0 | v >> 6); byte(0x80 | v & 0x3F) }
        else if v < 0x10000 { byte(0xE0 | v >> 12); byte(0x80 | (v >> 6) & 0x3F); byte(0x80 | v & 0x3F) }
        else { byte(0xF0 | v >> 18); byte(0x80 | (v >> 12) & 0x3F); byte(0x80 | (v >> 6) & 0x3F); byte(0x80 | v & 0x3F) }
    }
    static let fnvBasis: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Extraction's working state, one value passed from paragraph to paragraph (no class property is read or
    /// written per paragraph, sentence or character): the units' lists as they grow, the reused buffers of the
    /// paragraph being read, and for `repeatedSentences` the current article's sentences so far, whether each is
    /// in the list yet, and the first of each key among them.
    private struct Extraction {
        var paragraphs: [Paragraph] = []
        var pieces: [Piece] = []
        var numbers: [UInt64] = []
        var kept: [UInt32]?
        var repeated: [Sentence] = []
        /// The paragraph being read: its normalised characters and its sentences.
        var text: [UInt32] = []
        var sentences: [Sentence] = []
        var articleSentences: [Sentence] = [], articleRecorded: [Bool] = []
        var table = FirstIndex(capacity: 0), tableArticle = -1
        /// Sentences with fewer Han characters are not kept (no sentence rule compares them).
        var sentenceMinHan = 0
        /// The candidate search's keys, worked out from each paragraph's normalised text while it is at hand.
        var search: ExtractedSearchKeys?
    }

    private static func add(_ lines: [Range<Int>], _ src: SourceText, article: Int, _ x: inout Extraction) {
        // The paragraph's normalised text and its sentences (cut after 。！？；!?;, the mark included, from the first
        // to the last visible character) go into reused buffers, moved into locals meanwhile (no uniqueness test per
        // character). The text is not kept (but for a small document): its key is worked out here, and `withText`
        // reads it again from the pieces. Of the sentences only those whose key repeats in the article are kept
        // (`noteSentences`).
        var text: [UInt32] = []
        swap(&text, &x.text)
        defer { swap(&text, &x.text) }
        var sents: [Sentence] = []
        swap(&sents, &x.sentences)
        defer { swap(&sents, &x.sentences) }
        sents.removeAll(keepingCapacity: true)
        let paragraphIndex = x.paragraphs.count
        let numberStart = x.numbers.count
        var sStart = -1, sNorm = 0, sHan = 0
        // The polynomial of the text so far (`key`), one multiply a character, and its value where the current
        // sentence starts: the keys of the paragraph and of each sentence come from it, without reading the text again.
        var poly: UInt64 = 0, sPoly: UInt64 = 0
        var han = 0
        var numbers: [UInt64] = []
        swap(&numbers, &x.numbers)
        defer { swap(&numbers, &x.numbers) }
        var digitHash: UInt64 = 0, inDigits = false
        var first = -1, lastEnd = -1
        // The normalised characters are written through a pointer into room made in `text` (a scalar per byte at
        // most; the array only grows).
        var room = 0
        for r in lines { room += r.count }
        if text.count < room { text.append(contentsOf: repeatElement(0, count: max(room, text.count) - text.count + 64)) }
        var w = 0
        text.withUnsafeMutableBufferPointer { out in
        src.bytes.withUnsafeBufferPointer { p in
            for r in lines {
                var i = r.lowerBound
                while i < r.upperBound {
                    let b0 = p[i]
                    if b0 >= 0xE4 && b0 <= 0xE9 {
                        // U+4E00…U+9FFF, the unified ideographs (most of the text): Han, kept as it is.
                        let v = (UInt32(b0 & 0x0F) << 12) | (UInt32(p[i + 1] & 0x3F) << 6) | UInt32(p[i + 2] & 0x3F)
                        if v >= 0x4E00 {
                            if first < 0 { first = i }
                            if sStart < 0 { sStart = i; sHan = han }
                            if inDigits { numbers.append(digitHash); inDigits = false }
                            // The whole run of such characters in a tight loop; the bookkeeping once per run.
                            var o = w, j = i + 3
                            out[o] = v; o += 1
                            var h = poly &* DuplicateUnits.keyFactor &+ UInt64(v)
                            let end = r.upperBound
                            while j < end {
                                let c0 = p[j]
                                guard c0 >= 0xE4 && c0 <= 0xE9 else { break }
                                let x = (UInt32(c0 & 0x0F) << 12) | (UInt32(p[j + 1] & 0x3F) << 6) | UInt32(p[j + 2] & 0x3F)
                                guard x >= 0x4E00 else { break }
                                out[o] = x; o += 1
                                h = h &* DuplicateUnits.keyFactor &+ UInt64(x)
                                j += 3
                            }
                            poly = h
                            han += o - w
                            w = o
                            i = j
                            lastEnd = j
                            continue
                        }
                    }
                    let (v, n): (UInt32, Int) = b0 < 0x80 ? (UInt32(b0), 1) : decodeScalar(p, i)
                    defer { i += n }
                    let visible = !(v == 0x20 || v == 0x09 || v == 0x3000 || v == 0xA0)
                    if visible { if first < 0 { first = i }; lastEnd = i + n }
                    // The common Chinese punctuation is dropped without the class look-up.
                    guard !DuplicateUnits.isCommonPunctuation(v), let c = DuplicateUnits.normalize(v) else {
                        if inDigits { numbers.append(digitHash); inDigits = false }
                        if DuplicateUnits.isTerminator(v) {
                            if sStart >= 0 && w > sNorm {
                                sents.append(Sentence(range: sStart..<(i + n), norm: sNorm..<w, han: han - sHan, paragraph: paragraphIndex,
                                                      key: DuplicateUnits.key(poly, from: sPoly, count: w - sNorm)))
                            }
                            sStart = -1; sNorm = w; sPoly = poly
                        }
                        continue
                    }
                    if sStart < 0 { sStart = i; sHan = han }
                    out[w] = c; w += 1
                    poly = poly &* DuplicateUnits.keyFactor &+ UInt64(c)
                    if c >= 0x30 && c <= 0x39 {
                        if !inDigits { inDigits = true; digitHash = DuplicateUnits.fnvBasis }
                        digitHash ^= UInt64(c); digitHash = digitHash &* 0x0000_0100_0000_01B3
                    } else if inDigits { numbers.append(digitHash); inDigits = false }
                    if c >= 0x3400 && CharClass.of(c).contains(.han) { han += 1 }
                }
            }
        }
        }
        if inDigits { numbers.append(digitHash) }
        guard first >= 0 else { numbers.removeLast(numbers.count - numberStart); return }
        if sStart >= 0 && w > sNorm {
            sents.append(Sentence(range: sStart..<lastEnd, norm: sNorm..<w, han: han - sHan, paragraph: paragraphIndex,
                                  key: DuplicateUnits.key(poly, from: sPoly, count: w - sNorm)))
        }
        let pieceStart = x.pieces.count
        for r in lines { x.pieces.append(Piece(start: UInt32(r.lowerBound), end: UInt32(r.upperBound))) }
        var par = Paragraph(range: first..<lastEnd, pieces: pieceStart..<x.pieces.count, length: w, han: han,
                            numbers: numberStart, article: article, key: DuplicateUnits.key(poly, from: 0, count: w))
        if w > 0 { par.firstCharacter = text[0] }
        if x.kept != nil {
            par.textStart = UInt32(x.kept!.count)
            x.kept!.append(contentsOf: text[..<w])
        }
        if x.paragraphs.last?.article != article {
            let lastScalar = src.bytes.withUnsafeBufferPointer { p -> UInt32 in
                var k = lastEnd - 1
                while k > first && p[k] & 0xC0 == 0x80 { k -= 1 }
                return decodeScalar(p, k).0
            }
            par.titleLike = !ArticleStructure.isEnding(lastScalar) || w <= 40
        }
        // A quotation of an earlier message (`> …`, `: …` in forums and mail) repeats it on purpose.
        par.isQuote = src.bytes[first] == 0x3E || src.bytes[first] == 0x3A
        x.paragraphs.append(par)
        if let search = x.search, search.valid, !par.titleLike, !par.isQuote, han >= search.minHan, w > 0 {
            text.withUnsafeBufferPointer { search.add(paragraph: paragraphIndex, UnsafeBufferPointer(rebasing: $0[..<w])) }
        }
        if !par.titleLike && !par.isQuote && !sents.isEmpty && han >= x.sentenceMinHan { noteSentences(sents, article: article, &x) }
    }

    /// Puts a paragraph's sentences into its article's table; a key's sentences go to `repeatedSentences` once a
    /// second one turns up.
    private static func noteSentences(_ sents: [Sentence], article: Int, _ x: inout Extraction) {
        if article != x.tableArticle {
            x.table = FirstIndex(capacity: 64)
            x.articleSentences.removeAll(keepingCapacity: true); x.articleRecorded.removeAll(keepingCapacity: true)
            x.tableArticle = article
        }
        for s in sents where s.han >= x.sentenceMinHan {
            let f = x.table.firstOr(insert: x.articleSentences.count, for: s.key)
            x.articleSentences.append(s); x.articleRecorded.append(false)
            guard f >= 0 else { continue }
            if !x.articleRecorded[f] { x.repeated.append(x.articleSentences[f]); x.articleRecorded[f] = true }
            x.repeated.append(s)
            x.articleRecorded[x.articleSentences.count - 1] = true
        }
    }

    /// A sentence as extraction keeps it (in 32-bit fields): its source range
    /// (first to last visible character, the terminator included), the range of its normalised text within its
    /// paragraph's, its Han characters, its paragraph and its key (`key` of its normalised text).
    struct Sentence {
        private var start, end: UInt32
        private var normStart, normEnd: UInt32
        private var hanCount: UInt32
        private var paragraphIndex: UInt32
        var key: UInt64
        init(range: Range<Int>, norm: Range<Int>, han: Int, paragraph: Int, key: UInt64) {
            start = UInt32(range.lowerBound); end = UInt32(range.upperBound)
            normStart = UInt32(norm.lowerBound); normEnd = UInt32(norm.upperBound)
            hanCount = UInt32(han); paragraphIndex = UInt32(paragraph); self.key = key
        }
        var range: Range<Int> { Int(start)..<Int(end) }
        var norm: Range<Int> { Int(normStart)..<Int(normEnd) }
        var han: Int { Int(hanCount) }
        var paragraph: Int { Int(paragraphIndex) }
    }

    /// Whether sentences `a` and `b` of `repeatedSentences` have the same normalised text.
    func sameSentence(_ a: Int, _ b: Int) -> Bool {
        let x = repeatedSentences[a], y = repeatedSentences[b]
        guard x.norm.count == y.norm.count else { return false }
        if let kept = keptText {
            let s = Int(paragraphs[x.paragraph].textStart), t = Int(paragraphs[y.paragraph].textStart)
            return kept[(s + x.norm.lowerBound)..<(s + x.norm.upperBound)].elementsEqual(kept[(t + y.norm.lowerBound)..<(t + y.norm.upperBound)])
        }
        // Only the two sentences are read again (their source ranges hold exactly their normalised characters),
        // not their paragraphs: web paragraphs run to many sentences.
        let n = load(x.paragraph, clip: x.range, into: &scratch2)
        let m = load(y.paragraph, clip: y.range, into: &scratch3)
        guard n == x.norm.count, m == y.norm.count else { return false }
        return scratch2.withUnsafeBufferPointer { u in
            scratch3.withUnsafeBufferPointer { v in
                UnsafeBufferPointer(rebasing: u[..<n]).elementsEqual(UnsafeBufferPointer(rebasing: v[..<m]))
            }
        }
    }

    /// The pieces of source paragraph `p` was read from (they follow one another: a paragraph's end where the
    /// next one's start).
    @inline(__always) func piecesOf(_ p: Int) -> Range<Int> {
        Int(paragraphs[p].pieceStart)..<(p + 1 < paragraphs.count ? Int(paragraphs[p + 1].pieceStart) : pieces.count)
    }

    /// The paragraph whose range holds byte `offset` (the last one starting at or before it).
    func paragraph(at offset: Int) -> Int {
        var lo = 0, hi = paragraphs.count
        while lo < hi { let m = (lo + hi) >> 1; if paragraphs[m].range.lowerBound <= offset { lo = m + 1 } else { hi = m } }
        return lo - 1
    }

    // MARK: comparison

    /// The normalised text of a paragraph (a new array: for the rare callers; the hot paths use `withText`).
    func normalized(_ p: Int) -> ArraySlice<UInt32> { withText(p) { Array($0)[...] } }

    /// Appends the normalised characters of `bytes[r]` to `out` from `n` on (room made by the caller: a scalar per
    /// byte at most) and returns the new count; stops once `limit` are written. The same characters extraction
    /// reads (`add`): unified ideographs as they are, the common punctuation dropped, the rest by `normalize`.
    @inline(__always)
    private static func normalize(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, into out: UnsafeMutablePointer<UInt32>,
                                  at n: Int, limit: Int) -> Int {
        var w = n
        var i = r.lowerBound
        let end = r.upperBound
        while i < end && w < limit {
            let b0 = p[i]
            if b0 >= 0xE4 && b0 <= 0xE9 {
                let v = (UInt32(b0 & 0x0F) << 12) | (UInt32(p[i + 1] & 0x3F) << 6) | UInt32(p[i + 2] & 0x3F)
                if v >= 0x4E00 {
                    // The whole run of unified ideographs in a tight loop (most of the text).
                    out[w] = v; w += 1; i += 3
                    // At most `limit - w` more characters: three bytes each.
                    let stop = limit - w >= end - i ? end : i + 3 * (limit - w)
                    while i < stop {
                        let c0 = p[i]
                        guard c0 >= 0xE4 && c0 <= 0xE9 else { break }
                        let x = (UInt32(c0 & 0x0F) << 12) | (UInt32(p[i + 1] & 0x3F) << 6) | UInt32(p[i + 2] & 0x3F)
                        guard x >= 0x4E00 else { break }
                        out[w] = x; w += 1; i += 3
                    }
                    continue
                }
            }
            let (v, len): (UInt32, Int) = b0 < 0x80 ? (UInt32(b0), 1) : decodeScalar(p, i)
            i += len
            if v < 0x80 {
                // ASCII: letters (lower-cased) and digits kept.
                if v >= 0x61 && v <= 0x7A || v >= 0x30 && v <= 0x39 { out[w] = v; w += 1 }
                else if v >= 0x41 && v <= 0x5A { out[w] = v + 0x20; w += 1 }
                continue
            }
            if !isCommonPunctuation(v), let c = normalize(v) { out[w] = c; w += 1 }
        }
        return w
    }

    /// Reads paragraph `p`'s normalised text (cut to the source range `clip`, and to its first `limit`
    /// characters) into `buf`, which holds it in its first elements; returns their count.
    private func load(_ p: Int, clip: Range<Int>? = nil, limit: Int = Int.max, into buf: inout [UInt32]) -> Int {
        let ps = piecesOf(p)
        var room = 0
        for k in ps { room += pieces[k].range.count }
        if buf.count < room { buf = [UInt32](repeating: 0, count: max(room, 2 * buf.count)) }
        return bytes.withUnsafeBufferPointer { b in
            buf.withUnsafeMutableBufferPointer { o in
                var n = 0
                for k in ps {
                    var r = pieces[k].range
                    if let clip {
                        let lo = max(r.lowerBound, clip.lowerBound), hi = min(r.upperBound, clip.upperBound)
                        if lo >= hi { continue }
                        r = lo..<hi
                    }
                    n = DuplicateUnits.normalize(b, r, into: o.baseAddress!, at: n, limit: limit)
                    if n >= limit { break }
                }
                return n
            }
        }
    }

    /// Scratch for `withText`, holding paragraph `loaded` (-1: none), and a second one for comparisons.
    private var scratch: [UInt32] = [], scratchCount = 0, loaded = -1
    private var scratch2: [UInt32] = [], scratch3: [UInt32] = []

    /// Calls `body` with paragraph `p`'s normalised text, read again from the source (the last one read is kept:
    /// the batch asks for a paragraph's hash and then its fingerprint).
    func withText<R>(_ p: Int, _ body: (UnsafeBufferPointer<UInt32>) -> R) -> R {
        if let kept = keptText {
            let start = Int(paragraphs[p].textStart), n = paragraphs[p].length
            return kept.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<(start + n)])) }
        }
        if loaded != p {
            loaded = -1
            scratchCount = load(p, into: &scratch)
            loaded = p
        }
        let n = scratchCount
        return scratch.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[..<n])) }
    }

    /// The first `count` normalised characters of paragraph `p` (all when it has fewer): enough to test the
    /// boilerplate prefixes.
    func normalizedPrefix(_ p: Int, _ count: Int) -> ArraySlice<UInt32> {
        if let kept = keptText {
            let start = Int(paragraphs[p].textStart)
            return kept[start..<(start + min(count, paragraphs[p].length))]
        }
        if loaded == p { return scratch[..<min(count, scratchCount)] }
        let n = load(p, limit: count, into: &scratch2)
        return scratch2[..<n]
    }

    /// Whether paragraph `p` starts with the first character of one of `prefixes` (only then can one of them be
    /// its prefix).
    @inline(__always) func mayBeBoilerplate(_ p: Int, _ prefixes: [[UInt32]]) -> Bool {
        let c = paragraphs[p].firstCharacter
        guard paragraphs[p].length > 0 else { return false }
        for b in prefixes where b.first == c { return true }
        return false
    }

    /// Whether paragraphs `p` and `q` have the same normalised text.
    func sameText(_ p: Int, _ q: Int) -> Bool {
        guard paragraphs[p].length == paragraphs[q].length else { return false }
        if let kept = keptText {
            let a = Int(paragraphs[p].textStart), b = Int(paragraphs[q].textStart), n = paragraphs[p].length
            return kept[a..<(a + n)].elementsEqual(kept[b..<(b + n)])
        }
        let n = load(q, into: &scratch2)
        return withText(p) { t in scratch2.withUnsafeBufferPointer { u in t.elementsEqual(UnsafeBufferPointer(rebasing: u[..<n])) } }
    }

    /// FNV-1a 64 of paragraph `p`'s normalised text as UTF-8 (`Fingerprint.exact`): worked out when the batch or
    /// the archive asks, not during extraction (the lint finds exact copies with `contentKey`).
    public func exactHash(_ p: Int) -> UInt64 {
        if exactHashes.isEmpty { exactHashes = [UInt64?](repeating: nil, count: paragraphs.count) }
        if let h = exactHashes[p] { return h }
        var h = DuplicateUnits.fnvBasis
        withText(p) { t in for c in t { DuplicateUnits.fnv(&h, c) } }
        exactHashes[p] = h
        return h
    }

    /// A 64-bit key of paragraph `p`'s normalised text, for grouping exact copies within one lint (never stored):
    /// a polynomial over the scalars (one multiply a character, not FNV's one per byte) seeded with the length and
    /// finished by `mix64`; the same in every process. Equal keys are compared character by character. Worked
    /// out during extraction.
    func contentKey(_ p: Int) -> UInt64 { paragraphs[p].key }

    /// The in-run key of a stretch of normalised text (paragraph or sentence): the polynomial of its scalars
    /// (`keyFactor`; c₀·Fⁿ⁻¹ + … + cₙ₋₁) and its length, finished by `mix64`. `key(t, r)` reads the text;
    /// extraction keeps the polynomial of the paragraph so far instead, and a stretch's is the difference of two
    /// of its values (`key(_:from:count:)`): the same keys.
    static let keyFactor: UInt64 = 0x0000_0100_0000_01B3

    static func key(_ t: UnsafeBufferPointer<UInt32>, _ r: Range<Int>) -> UInt64 {
        var h: UInt64 = 0
        for i in r { h = h &* keyFactor &+ UInt64(t[i]) }
        return key(h, from: 0, count: r.count)
    }

    /// The key of the `count` characters after a point where the polynomial was `start`, where it is now `poly`.
    @inline(__always) static func key(_ poly: UInt64, from start: UInt64, count: Int) -> UInt64 {
        Fingerprint.mix64((poly &- start &* factorPower(count)) &+ UInt64(count) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// keyFactorⁿ (wrapping): from a table up to 1,023, by squaring beyond.
    @inline(__always) static func factorPower(_ n: Int) -> UInt64 {
        if n < factorPowers.count { return factorPowers[n] }
        var result: UInt64 = 1, base = keyFactor, e = n
        while e > 0 { if e & 1 == 1 { result = result &* base }; base = base &* base; e >>= 1 }
        return result
    }
    private static let factorPowers: [UInt64] = {
        var t = [UInt64](repeating: 1, count: 1024)
        for i in 1..<t.count { t[i] = t[i - 1] &* keyFactor }
        return t
    }()

    /// The sorted, distinct shingle hashes of a paragraph (see `Fingerprint` for the hash).
    func shingles(_ p: Int) -> [UInt64] {
        if shingleCache.isEmpty { shingleCache = [[UInt64]?](repeating: nil, count: paragraphs.count) }
        if let s = shingleCache[p] { return s }
        let s = withText(p) { DuplicateUnits.shingles(Array($0)[...]) }
        shingleCache[p] = s
        return s
    }

    /// Shingles of a normalised text: the hash of every run of `shingleSize` characters (the whole text when it is
    /// shorter), sorted and distinct.
    static func shingles(_ t: ArraySlice<UInt32>) -> [UInt64] {
        guard !t.isEmpty else { return [] }
        var out = [UInt64](repeating: 0, count: max(1, t.count - shingleSize + 1))
        t.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { shingleHashes(of: p, into: $0) } }
        out.sort()
        var w = 0
        for r in 0..<out.count where r == 0 || out[r] != out[w - 1] { out[w] = out[r]; w += 1 }
        out.removeLast(out.count - w)
        return out
    }

    /// Writes the hash of every run of `shingleSize` characters of `t` (one of the whole text when it is shorter)
    /// into `o`, in text order, repeats included: the rolling form of `Fingerprint.shingleHash` (the same values).
    /// `o` has room for exactly `max(1, t.count - shingleSize + 1)`; `t` is not empty.
    static func shingleHashes(of t: UnsafeBufferPointer<UInt32>, into o: UnsafeMutableBufferPointer<UInt64>) {
        let k = shingleSize
        if t.count <= k { o[0] = Fingerprint.shingleHash(t, 0, t.count); return }
        var top: UInt64 = 1
        for _ in 0..<(k - 1) { top = top &* 0x0000_0100_0000_01B3 }
        var h: UInt64 = 0
        for i in 0..<k { h = h &* 0x0000_0100_0000_01B3 &+ UInt64(t[i]) }
        o[0] = Fingerprint.mix64(h)
        var i = k
        while i < t.count {
            h = (h &- UInt64(t[i - k]) &* top) &* 0x0000_0100_0000_01B3 &+ UInt64(t[i])
            o[i - k + 1] = Fingerprint.mix64(h)
            i += 1
        }
    }

    /// Size of the intersection of two sorted, distinct arrays.
    static func intersection(_ a: [UInt64], _ b: [UInt64]) -> Int {
        // A short paragraph against a very long one: binary search of each short key (a long paragraph is
        // verified against many short ones).
        if a.count * 16 < b.count || b.count * 16 < a.count {
            let (s, l) = a.count < b.count ? (a, b) : (b, a)
            var n = 0, lo = 0
            for x in s {
                var hi = l.count
                while lo < hi { let m = (lo + hi) >> 1; if l[m] < x { lo = m + 1 } else { hi = m } }
                if lo < l.count && l[lo] == x { n += 1; lo += 1 }
            }
            return n
        }
        var i = 0, j = 0, n = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { n += 1; i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return n
    }

    /// Whether `short`'s runs of digits appear in `long` in the same order (equal sequences when `equal`).
    static func numbersAgree(_ a: ArraySlice<UInt64>, _ b: ArraySlice<UInt64>, equal: Bool) -> Bool {
        if equal { return a.elementsEqual(b) }
        let (s, l) = a.count <= b.count ? (a, b) : (b, a)
        var j = l.startIndex
        for x in s {
            while j < l.endIndex && l[j] != x { j += 1 }
            if j == l.endIndex { return false }
            j += 1
        }
        return true
    }


    /// The number of distinct shingles of paragraph `p` (counted in a hash table: no sorted array is built).
    func shingleCount(_ p: Int) -> Int {
        if distinctCounts[p] >= 0 { return Int(distinctCounts[p]) }
        if !shingleCache.isEmpty, let s = shingleCache[p] { distinctCounts[p] = Int32(s.count); return s.count }
        shingleHashes(p, into: &scratchHashes)
        let n = scratchB.load(scratchHashes)
        distinctCounts[p] = Int32(n)
        return n
    }

    /// Hashes kept at most for the pairs still to verify (`sharedShingles`): 8 MB.
    static let verifyCacheHashes = 1 << 20

    /// The exact number of shingles paragraphs `i < j` share, when the last candidate search (`sharedShingles`)
    /// verified that pair (nil otherwise): the sentence rule asks about pairs of paragraphs the near and contained
    /// rules have mostly counted already.
    func verifiedShared(_ i: Int, _ j: Int) -> Int? {
        // The pairs come ordered by j, then i: a binary search.
        guard let pairs = sharedCache?.pairs, !pairs.isEmpty else { return nil }
        return pairs.withUnsafeBufferPointer { ps -> Int? in
            var lo = 0, hi = ps.count
            while lo < hi {
                let m = (lo + hi) >> 1
                if ps[m].j < j || (ps[m].j == j && ps[m].i < i) { lo = m + 1 } else { hi = m }
            }
            return lo < ps.count && ps[lo].i == i && ps[lo].j == j ? ps[lo].shared : nil
        }
    }

    /// The number of distinct shingles paragraphs `i` and `j` share (exact; the same as the intersection of their
    /// sorted shingle arrays). `hashesOfI`: paragraph `i`'s shingle hashes in text order, when the caller has them.
    /// Leaves `i`'s hashes in `scratchHashes` otherwise.
    func sharedCount(_ i: Int, _ j: Int, hashesOfI: [UInt64]? = nil) -> Int {
        if loadedInA != j {
            shingleHashes(j, into: &scratchHashes)
            let n = scratchA.load(scratchHashes)
            distinctCounts[j] = Int32(n)
            loadedInA = j
        }
        if let hashesOfI { return scratchA.shared(hashesOfI) }
        shingleHashes(i, into: &scratchHashes)
        // Its distinct count too, while its hashes are at hand: the rules ask for it next (`shingleCount`), which
        // read the paragraph from the source and hashed it again.
        if distinctCounts[i] < 0 { distinctCounts[i] = Int32(scratchB.load(scratchHashes)) }
        return scratchA.shared(scratchHashes)
    }

    /// Paragraph `p`'s fingerprint (`Fingerprint`), worked out from its shingles in text order: the signature
    /// does not need them sorted and the distinct count comes from a hash table, so no sorted array is built.
    func fingerprint(_ p: Int) -> Fingerprint {
        let par = paragraphs[p]
        if !shingleCache.isEmpty, let s = shingleCache[p] {
            return Fingerprint(normalized: normalized(p), han: par.han, exact: exactHash(p), numbers: Array(numbers(p)), shingles: s)
        }
        shingleHashes(p, into: &scratchHashes)
        if distinctCounts[p] < 0 { distinctCounts[p] = Int32(scratchB.load(scratchHashes)) }
        return Fingerprint(exact: exactHash(p), numbers: Array(numbers(p)), han: par.han, shingleCount: Int(distinctCounts[p]),
                           signature: Fingerprint.minHash(scratchHashes))
    }

    /// Paragraph `p`'s MinHash signature (`Fingerprint`'s), without the stable exact hash or the distinct shingle
    /// count: the cross-file pass of one run groups exact copies by `contentKey`, worked out during extraction, and
    /// verifies its candidates on their shingles. Repeated shingles do not change a minimum, so the hashes in text
    /// order give the signature of the distinct ones.
    func minHashSignature(_ p: Int) -> [UInt32] {
        if !shingleCache.isEmpty, let s = shingleCache[p] { return Fingerprint.minHash(s) }
        shingleHashes(p, into: &scratchHashes)
        return Fingerprint.minHash(scratchHashes)
    }

    /// The shingle hashes of paragraph `p` in text order, repeats included (`shingles(p)` sorts and dedupes them).
    private func shingleHashes(_ p: Int, into out: inout [UInt64]) {
        let n = paragraphs[p].length
        guard n > 0 else { out.removeAll(keepingCapacity: true); return }
        // Written through a pointer into an array of the right size (an append per shingle checked the array's
        // uniqueness and capacity each time).
        let count = max(1, n - DuplicateUnits.shingleSize + 1)
        if out.count != count {
            if out.count > count { out.removeLast(out.count - count) } else { out.append(contentsOf: repeatElement(0, count: count - out.count)) }
        }
        withText(p) { t in out.withUnsafeMutableBufferPointer { DuplicateUnits.shingleHashes(of: t, into: $0) } }
    }

    private var distinctCounts: [Int32] = []
    private var scratchHashes: [UInt64] = []
    /// Taken from a pool shared by the units of all files and given back when these go: a run over thousands of
    /// small files grew (and zeroed) two new tables per file.
    private let scratchA = ShingleSet.take(), scratchB = ShingleSet.take()
    deinit { ShingleSet.give(scratchA); ShingleSet.give(scratchB) }
    /// The paragraph whose shingles `scratchA` holds (-1: none).
    private var loadedInA = -1

    /// Which paragraphs the paragraph rules compare and which are exact copies of an earlier one, for the last
    /// options asked (the three paragraph rules and the sentence rule share their defaults).
    private var eligibleCache: (minHan: Int, boilerplate: [[UInt32]], eligible: [Bool], exactOf: [Int32])?

    /// `eligible[p]`: paragraph `p` is compared at all; `exactOf[p]`: the first eligible paragraph with the same
    /// normalised text (-1 when `p` is the first).
    func eligibility(minHan: Int, boilerplate: [[UInt32]], isBoilerplate: (ArraySlice<UInt32>) -> Bool) -> (eligible: [Bool], exactOf: [Int32]) {
        if let c = eligibleCache, c.minHan == minHan, c.boilerplate == boilerplate { return (c.eligible, c.exactOf) }
        var eligible = [Bool](repeating: false, count: paragraphs.count)
        var exactOf = [Int32](repeating: -1, count: paragraphs.count)
        var first = FirstIndex(capacity: paragraphs.count)
        // The boilerplate is a prefix: no more of a paragraph's text is read than the longest one.
        var longest = 0
        for b in boilerplate { longest = max(longest, b.count) }   // (not a key path: ~700 instructions each)
        for p in paragraphs.indices {
            let par = paragraphs[p]
            guard par.han >= minHan, !par.titleLike, !par.isQuote, !mayBeBoilerplate(p, boilerplate) || !isBoilerplate(normalizedPrefix(p, longest)) else {
                continue
            }
            eligible[p] = true
            let q = first.firstOr(insert: p, for: contentKey(p))
            if q >= 0 && sameText(q, p) { exactOf[p] = Int32(q) }
        }
        eligibleCache = (minHan, boilerplate, eligible, exactOf)
        return (eligible, exactOf)
    }

    /// The share of the smaller sample two paragraphs must have in common to be verified, for a sample of `base`
    /// shingles: the pairs looked for share at least `minShare + 0.3` of all their shingles, and the sample's
    /// share of such a pair is below that by more than three standard deviations (√(0.8·0.2/base), a binomial
    /// bound) about once in a thousand pairs. A small sample keeps `minShare` (a slack of 0.3: three deviations
    /// at 16 shingles, as before); a large one needs more (0.68 at 100, 0.74 at 400), so pairs that share little
    /// are not read again and counted.
    static func requiredShare(_ minShare: Double, sampled base: Int) -> Double {
        max(minShare, minShare + 0.3 - 3 * (0.16 / Double(max(1, base))).squareRoot())
    }

    /// The two bits of a candidate-search key that pick the sampled class (`sharedShingles`): a key is sampled when
    /// both are clear, one shingle in four.
    static let searchSampleMask: UInt64 = 0x3 << 16

    /// A paragraph's keys for the candidate search (`sharedShingles`), handed to `emit` in the order the search
    /// needs: its sampled shingles in text order, then, when fewer than four are sampled, the others in text order
    /// (a paragraph of one shingle puts that one in, whatever its class). A key is the shingle's hash (the rolling
    /// form of `Fingerprint.shingleHash`) with its low 16 bits replaced by `slot`. Only keys in the window
    /// (`key & passMask == windowValue`) are handed over. Returns whether the paragraph put in all its shingles.
    /// `staged` is scratch (grown as needed). `t` is not empty.
    @inline(__always)
    static func searchKeys(_ t: UnsafeBufferPointer<UInt32>, slot s: UInt64, passMask: UInt64, windowValue: UInt64,
                           staged: inout [UInt64], emit: (UInt64) -> Void) -> Bool {
        let k = DuplicateUnits.shingleSize
        let sampleMask = DuplicateUnits.searchSampleMask
        if t.count <= k {
            // One shingle: fewer than four sampled, so it goes in whatever its class.
            let key = Fingerprint.shingleHash(t, 0, t.count) & ~0xFFFF | s
            if key & passMask == windowValue { emit(key) }
            return true
        }
        // P^(k-1), to take the leaving character out of the rolling sum.
        var top: UInt64 = 1
        for _ in 0..<(k - 1) { top = top &* 0x0000_0100_0000_01B3 }
        // The sampled shingles (counted in every window) of this window first, in text order, gathered without a
        // branch per position (which of them are sampled is a coin toss a branch would mispredict).
        let positions = t.count - k + 1
        if staged.count < positions { staged = [UInt64](repeating: 0, count: max(positions, 2 * staged.count)) }
        let (sampled, m) = staged.withUnsafeMutableBufferPointer { st -> (Int, Int) in
            // Sampled (two bits clear) and in the window: one compare.
            let wm = passMask | sampleMask, wv = windowValue
            var sampled = 0, m = 0
            var h: UInt64 = 0
            for i in 0..<k { h = h &* 0x0000_0100_0000_01B3 &+ UInt64(t[i]) }
            var i = k
            while true {
                let key = Fingerprint.mix64(h) & ~0xFFFF
                let isSampled = key & sampleMask == 0
                sampled &+= isSampled ? 1 : 0
                st[m] = key | s
                // 1 when the key is taken, in arithmetic: written as a comparison, the compiler made it a branch,
                // mispredicted for a quarter of the positions.
                let z = (key & wm) ^ wv
                m &+= 1 &- Int(truncatingIfNeeded: (z | (0 &- z)) >> 63)
                if i == t.count { break }
                h = (h &- UInt64(t[i - k]) &* top) &* 0x0000_0100_0000_01B3 &+ UInt64(t[i])
                i += 1
            }
            return (sampled, m)
        }
        for x in 0..<m { emit(staged[x]) }
        if sampled >= 4 { return false }
        // Too few sampled: the others too.
        var h: UInt64 = 0
        for i in 0..<k { h = h &* 0x0000_0100_0000_01B3 &+ UInt64(t[i]) }
        var key = Fingerprint.mix64(h) & ~0xFFFF
        if key & sampleMask != 0 && key & passMask == windowValue { emit(key | s) }
        var i = k
        while i < t.count {
            h = (h &- UInt64(t[i - k]) &* top) &* 0x0000_0100_0000_01B3 &+ UInt64(t[i])
            key = Fingerprint.mix64(h) & ~0xFFFF
            if key & sampleMask != 0 && key & passMask == windowValue { emit(key | s) }
            i += 1
        }
        return true
    }

    /// Pairs of paragraphs (`i < j`) whose shingles may overlap by at least `minShare` of the smaller paragraph's,
    /// with the exact number of distinct shingles they share, ordered by `j` then `i`. Every pair that shares at
    /// least `minShare + 0.3` of the smaller paragraph's shingles is among them (but for a paragraph of very few
    /// shingles, see below, and about one pair in a thousand that shares barely that much: `requiredShare`);
    /// others may be.
    ///
    /// Candidates come from a consistent 1-in-4 sample of the shingles (those whose hash has two given bits
    /// clear): the sampled keys of every candidate paragraph (`searchKeys`: hashed straight from the normalised text
    /// with a rolling form of `Fingerprint.shingleHash`, or taken from those extraction worked out,
    /// `ExtractedSearchKeys`) go through one radix sort, and pairs are counted by a second radix sort.
    /// A pair is verified — its shingles counted exactly from the sorted shingle arrays — when the sampled shingles
    /// it shares are at least `minShare` of the smaller paragraph's sample. A paragraph with fewer than four sampled
    /// shingles puts in all its shingles, so two short paragraphs are compared on everything; a short paragraph
    /// whose shingles hold no sampled one at all (about 1% of 16-shingle paragraphs) cannot be found inside a long
    /// one. Shingles found in more than `maxRun` paragraphs are too common to count (a phrase every paragraph
    /// uses). Linear in the number of shingles; the sample makes the sort four times smaller than counting all.
    /// `bucketed`: whether the keys go into 256 buckets (nil: when there are more than 2¹⁸ sampled keys, about
    /// a 4 MB page; tests force both ways, which give the same pairs).
    /// `spillKeys: false` (tests): with several windows, hash the text again for each one instead of writing the
    /// windows' keys to temporary files in one pass (the two give the same pairs).
    /// `numbersAgree`: leave out, before counting their shingles, the pairs whose numbers disagree as no copy's
    /// may (`numbersAgree(_:_:equal: false)` fails: the shorter's runs of digits are not in the longer in order);
    /// the paragraph rules with `same-numbers` report none of them.
    func sharedShingles(_ candidates: [Int], maxRun: Int = 16, minShare: Double = 0.5, numbersAgree: Bool = false, bucketed: Bool? = nil,
                        windows: Int? = nil, spillKeys: Bool = true) -> [(i: Int, j: Int, shared: Int)] {
        guard candidates.count >= 2, candidates.count < 1 << 16 else { return [] }
        if let c = sharedCache, c.maxRun == maxRun, c.minShare == minShare, c.numbersAgree == numbersAgree, c.candidates == candidates {
            return c.pairs
        }
        let k = DuplicateUnits.shingleSize
        let sampleMask = DuplicateUnits.searchSampleMask
        var total = 0
        for p in candidates { total += max(1, paragraphs[p].length - k + 1) }
        /// Whether a slot put in all its shingles (too few sampled ones).
        var full = [Bool](repeating: false, count: candidates.count)
        // The keys extraction worked out (read once; not when a test forces the way): usable when every candidate
        // is among their paragraphs. `slotOf`: each of their paragraphs' slot (-1: not a candidate).
        var pre: ExtractedSearchKeys? = nil
        var slotOf: [Int32] = []
        if bucketed == nil && windows == nil && spillKeys, let e = extractedSearch {
            extractedSearch = nil
            slotOf = [Int32](repeating: -1, count: e.paragraphOf.count)
            var o = 0, usable = true
            for (slot, p) in candidates.enumerated() {
                while o < e.paragraphOf.count && Int(e.paragraphOf[o]) < p { o += 1 }
                guard o < e.paragraphOf.count && Int(e.paragraphOf[o]) == p else { usable = false; break }
                slotOf[o] = Int32(slot)
                full[slot] = e.full[o]
            }
            if usable { pre = e } else { full = [Bool](repeating: false, count: candidates.count) }
        }
        // The keys go into buckets by their top bits (256 of them for a large document: each is sorted on its own,
        // with a buffer of its size, and let go once its pairs are counted, so the keys of a large page are held
        // once, not twice, and sorted in the cache). A hash's keys are all in one bucket, in slot order, so the
        // buckets in turn give the runs one sort of all keys gives.
        let bucketShift: UInt64 = bucketed ?? (total / 4 > 1 << 18 || (pre?.windows ?? 1) > 1) ? 56 : 64
        let bucketCount = bucketShift == 64 ? 1 : 256
        // On a large page the buckets are filled and counted in windows of the hash space, one after the other
        // (the text hashed again for each): only a window's keys are held at once. The buckets still come in
        // order, each with the same keys in the same order, so the pairs are the same.
        var windowCount = 1
        if let pre { windowCount = pre.windows } else if bucketCount > 1 {
            if let windows { while windowCount < min(windows, bucketCount) { windowCount *= 2 } } else {
                while windowCount < 8 && 2 * total / windowCount > DuplicateUnits.keyWindowBytes { windowCount *= 2 }
            }
        }
        let bucketsPerWindow = bucketCount / windowCount
        let buckets = KeyBuckets(count: bucketCount, capacity: (total / 4) / bucketCount + total / (40 * bucketCount) + 64)
        defer { buckets.free() }
        var log2Windows: UInt64 = 0
        while 1 << log2Windows < windowCount { log2Windows += 1 }
        // A key is in the window being filled when its top `log2Windows` bits are the window's number.
        let windowMask: UInt64 = windowCount == 1 ? 0 : ~0 << (64 - log2Windows)
        var windowValue: UInt64 = 0
        // The windows' keys worked out in one pass over the text, each window's written to a temporary file of its
        // own and read back when its turn comes (`KeySpill`): hashing the text once instead of once per window
        // (8 on a 25 MB page, a fifth of the pack's time), still holding one window's keys at a time. Without a
        // temporary file, the text is hashed again for each window, as before.
        let spill = pre == nil && windowCount > 1 && spillKeys ? KeySpill(windows: windowCount, shift: Int(64 - log2Windows)) : nil
        // The filter of the pass: with the spill every window at once.
        let passMask = spill == nil ? windowMask : 0
        @inline(__always) func emit(_ key: UInt64) {
            if let spill { spill.append(key) } else {
                buckets.append(key, to: bucketShift == 64 ? 0 : Int(truncatingIfNeeded: key >> bucketShift))
            }
        }
        // Distinct keys per slot (of the sampled class only, and all), and pair counts: a pair key holds
        // (j, i) and whether the shingle is of the sampled class.
        var sampledCount = [Int32](repeating: 0, count: candidates.count)
        var allCount = [Int32](repeating: 0, count: candidates.count)
        // Pair keys (j << 16 | i), of the sampled class and of the other one (only slots that put in all).
        var pairsSampled: [UInt32] = [], pairsOther: [UInt32] = []
        /// Scratch of `searchKeys`.
        var staged: [UInt64] = []
        for w in 0..<windowCount {
        windowValue = windowCount == 1 || spill != nil ? 0 : UInt64(w) << (64 - log2Windows)
        if pre == nil && (spill == nil || w == 0) {
        for (slot, p) in candidates.enumerated() {
            withText(p) { t in
                if DuplicateUnits.searchKeys(t, slot: UInt64(slot), passMask: passMask, windowValue: windowValue, staged: &staged, emit: emit) {
                    full[slot] = true
                }
            }
        }
        }
        if let pre {
            // This window's keys from extraction, in the order they were put in (by paragraph, as the slots go):
            // each candidate's with its slot, into its bucket; the others dropped.
            slotOf.withUnsafeBufferPointer { so in
                pre.read(w) { keys in
                    for key in keys {
                        let slot = so[Int(truncatingIfNeeded: key & 0xFFFF)]
                        guard slot >= 0 else { continue }
                        buckets.append(key & ~0xFFFF | UInt64(slot), to: bucketShift == 64 ? 0 : Int(truncatingIfNeeded: key >> bucketShift))
                    }
                }
            }
        } else if let spill {
            // This window's keys, in the order they were put in, into its buckets.
            spill.read(w) { keys in
                for key in keys { buckets.append(key, to: Int(truncatingIfNeeded: key >> bucketShift)) }
            }
        }
        for bucket in (w * bucketsPerWindow)..<((w + 1) * bucketsPerWindow) {
            var keys = buckets.take(bucket, passingMemoryTo: windowCount > 1 ? bucket + bucketsPerWindow : nil)
            // The keys were put in by slot, in order: sorting by the hash part alone leaves each hash's slots in order.
            RadixSort.sortAboveLow16(&keys)
            keys.withUnsafeBufferPointer { kp in
                sampledCount.withUnsafeMutableBufferPointer { sc in
                allCount.withUnsafeMutableBufferPointer { ac in
                var r = 0
                while r < kp.count {
                    let hashTop = kp[r] & ~0xFFFF
                    let isSampled = hashTop & sampleMask == 0
                    // The run of this hash: its slots in order, a slot repeated when a paragraph has the shingle twice.
                    var e = r + 1, distinct = 1
                    var s = Int(kp[r] & 0xFFFF)
                    ac[s] += 1
                    if isSampled { sc[s] += 1 }
                    while e < kp.count && kp[e] & ~0xFFFF == hashTop {
                        let t = Int(kp[e] & 0xFFFF)
                        if t != s {
                            s = t; distinct += 1; ac[t] += 1
                            if isSampled { sc[t] += 1 }
                        }
                        e += 1
                    }
                    if distinct >= 2 && distinct <= maxRun {
                        // Each distinct slot (the first of its repeats) with each later one.
                        for x in r..<e where x == r || kp[x] & 0xFFFF != kp[x - 1] & 0xFFFF {
                            let sx = UInt32(truncatingIfNeeded: kp[x] & 0xFFFF)
                            for y in (x + 1)..<e where kp[y] & 0xFFFF != kp[y - 1] & 0xFFFF {
                                let key = UInt32(truncatingIfNeeded: kp[y] & 0xFFFF) << 16 | sx
                                if isSampled { pairsSampled.append(key) } else { pairsOther.append(key) }
                            }
                        }
                    }
                    r = e
                }
                }
                }
            }
        }
        }
        // Sorted, a pair's keys are together and pairs come ordered by j then i; the two lists are read side by side.
        DuplicateUnits.sortPairKeys(&pairsSampled)
        DuplicateUnits.sortPairKeys(&pairsOther)
        var pairs: [(i: Int, j: Int, shared: Int)] = []
        var a = 0, b = 0
        while a < pairsSampled.count || b < pairsOther.count {
            // No pair is 0xFFFF_FFFF (i < j).
            let pair = min(a < pairsSampled.count ? pairsSampled[a] : .max, b < pairsOther.count ? pairsOther[b] : .max)
            var sampled = 0, other = 0
            while a < pairsSampled.count && pairsSampled[a] == pair { sampled += 1; a += 1 }
            while b < pairsOther.count && pairsOther[b] == pair { other += 1; b += 1 }
            let si = Int(pair & 0xFFFF), sj = Int(pair >> 16)
            // Both put in everything: compared on all shingles; otherwise on the sampled class.
            let (have, base) = full[si] && full[sj]
                ? (sampled + other, Int(min(allCount[si], allCount[sj])))
                : (sampled, Int(min(sampledCount[si], sampledCount[sj])))
            if have >= 1 && Double(have) >= DuplicateUnits.requiredShare(minShare, sampled: base) * Double(base) {
                let i = candidates[si], j = candidates[sj]
                if numbersAgree && !DuplicateUnits.numbersAgree(numbers(i), numbers(j), equal: false) { continue }
                pairs.append((i: i, j: j, shared: 0))
            }
        }
        // Verified: the shingles each pair shares, counted exactly. A paragraph that is the earlier of several
        // pairs has its hashes kept from its first pair to its last (up to `verifyCacheHashes` of them in all)
        // instead of being read from the source and hashed again for each.
        var uses = [Int32](repeating: 0, count: paragraphs.count)
        for x in pairs { uses[x.i] += 1 }
        var kept: [Int: [UInt64]] = [:]
        var keptHashes = 0
        for x in pairs.indices {
            let (i, j) = (pairs[x].i, pairs[x].j)
            uses[i] -= 1
            if let h = kept[i] {
                pairs[x].shared = sharedCount(i, j, hashesOfI: h)
                if uses[i] == 0 { keptHashes -= h.count; kept[i] = nil }
            } else {
                pairs[x].shared = sharedCount(i, j)
                if uses[i] > 0 && keptHashes + scratchHashes.count <= DuplicateUnits.verifyCacheHashes {
                    kept[i] = scratchHashes
                    keptHashes += scratchHashes.count
                }
            }
        }
        sharedCache = (candidates, maxRun, minShare, numbersAgree, pairs)
        if windowCount > 1 {
            // The buckets (under the allocator's mmap threshold) were freed into the thread's arena: give those
            // pages back now, or they stay resident beside the other rules' findings until the process ends.
            DuplicateUnits.releaseFreedMemory()
        }
        return pairs
    }
}

#if canImport(Glibc)
@_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

extension DuplicateUnits {
    /// Returns the allocator's free pages to the system (glibc's `malloc_trim`: every arena, free pages inside
    /// the heap too); elsewhere nothing.
    static func releaseFreedMemory() {
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
    }

    /// Sorts 32-bit pair keys: LSD radix, four passes of 8-bit digits (a pass whose digit is the same in every key
    /// is skipped), one buffer of the keys' size.
    static func sortPairKeys(_ a: inout [UInt32]) {
        guard a.count > 64 else { a.sort(); return }
        RadixSort.sort8(&a)
    }
}

/// A set of shingle hashes in an open-addressing table, reused from paragraph to paragraph (a generation stamp
/// empties it): loading a paragraph counts its distinct shingles, `shared` counts the distinct shingles of another
/// paragraph that are in it. Exact, and linear in the shingles: no sorting.
final class ShingleSet: @unchecked Sendable {
    private static let poolLock = NSLock()
    nonisolated(unsafe) private static var pool: [ShingleSet] = []
    /// A set from the pool (or a new one).
    static func take() -> ShingleSet { poolLock.withLock { pool.popLast() } ?? ShingleSet() }
    /// Back to the pool: at most 8 sets, of at most 2¹⁵ slots each (512 KB; a larger one goes).
    static func give(_ set: ShingleSet) {
        guard set.keys.count <= 1 << 15 else { return }
        poolLock.withLock { if pool.count < 8 { pool.append(set) } }
    }

    private var keys: [UInt64] = []
    private var stamp: [UInt32] = []
    /// The generation of the pass of `shared` that last counted an entry.
    private var hit: [UInt32] = []
    private var generation: UInt32 = 0
    private var query: UInt32 = 0
    private var mask = 0

    /// Empties the set, loads `hashes` and returns how many distinct ones there are.
    func load(_ hashes: [UInt64]) -> Int {
        var size = 16
        while size < 2 * hashes.count { size <<= 1 }
        if size > keys.count {
            keys = [UInt64](repeating: 0, count: size); stamp = [UInt32](repeating: 0, count: size)
            hit = [UInt32](repeating: 0, count: size); generation = 0; query = 0
        }
        mask = size - 1
        generation &+= 1
        if generation == 0 {
            for x in stamp.indices { stamp[x] = 0 }
            generation = 1
        }
        let g = generation, m = mask
        var n = 0
        keys.withUnsafeMutableBufferPointer { kp in
            stamp.withUnsafeMutableBufferPointer { sp in
                for h in hashes {
                    var x = Int(truncatingIfNeeded: h >> 20) & m
                    while sp[x] == g && kp[x] != h { x = (x + 1) & m }
                    if sp[x] != g { sp[x] = g; kp[x] = h; n += 1 }
                }
            }
        }
        return n
    }

    /// The number of distinct values of `hashes` in the set.
    func shared(_ hashes: [UInt64]) -> Int {
        query &+= 1
        if query == 0 {
            for x in hit.indices { hit[x] = 0 }
            query = 1
        }
        let g = generation, q = query, m = mask
        var n = 0
        keys.withUnsafeBufferPointer { kp in
            stamp.withUnsafeBufferPointer { sp in
                hit.withUnsafeMutableBufferPointer { hp in
                    for h in hashes {
                        var x = Int(truncatingIfNeeded: h >> 20) & m
                        while sp[x] == g {
                            if kp[x] == h {
                                if hp[x] != q { hp[x] = q; n += 1 }
                                break
                            }
                            x = (x + 1) & m
                        }
                    }
                }
            }
        }
        return n
    }
}

/// The first value put in for each 64-bit key: an open-addressing table of fixed capacity (keys are hashes
/// already, so they are used as they are; no `Hasher`).
struct FirstIndex {
    private var keys: [UInt64]
    private var values: [Int32]
    private var mask: Int
    private var count = 0

    /// Room for `capacity` keys (it grows when more are put in).
    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always) private static func slot(_ key: UInt64, _ m: Int) -> Int {
        Int(truncatingIfNeeded: ((key ^ (key >> 29)) &* 0xBF58_476D_1CE4_E5B9) >> 40) & m
    }

    /// The value first put in for `key`, or -1 after putting in `value` for it.
    mutating func firstOr(insert value: Int, for key: UInt64) -> Int {
        if 4 * count >= 3 * (mask + 1) { grow() }
        let m = mask
        let found = keys.withUnsafeMutableBufferPointer { kp in
            values.withUnsafeMutableBufferPointer { vp -> Int in
                var x = FirstIndex.slot(key, m)
                while vp[x] >= 0 {
                    if kp[x] == key { return Int(vp[x]) }
                    x = (x + 1) & m
                }
                kp[x] = key; vp[x] = Int32(value)
                return -1
            }
        }
        if found < 0 { count += 1 }
        return found
    }

    /// Twice the room, the entries put in again (each key keeps its first value).
    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let size = 2 * (mask + 1), m = size - 1
        keys = [UInt64](repeating: 0, count: size)
        values = [Int32](repeating: -1, count: size)
        mask = m
        keys.withUnsafeMutableBufferPointer { kp in
            values.withUnsafeMutableBufferPointer { vp in
                for i in oldValues.indices where oldValues[i] >= 0 {
                    var x = FirstIndex.slot(oldKeys[i], m)
                    while vp[x] >= 0 { x = (x + 1) & m }
                    kp[x] = oldKeys[i]; vp[x] = oldValues[i]
                }
            }
        }
    }
}

/// Work shared by the duplicate checks of one lint: the units of the document, per scope.
public final class CheckCache: @unchecked Sendable {
    /// Checks of one lint may run on several threads at once: every field is read and written under this lock.
    private let lock = NSLock()
    private var units: [UInt16: DuplicateUnits] = [:]
    private var _archive: (any ArchiveStore)?
    private var _nameAnalysis: NameAnalysis?
    /// The published archive the `published` rules look paragraphs up in (nil: archive off).
    public var archive: (any ArchiveStore)? {
        get { lock.withLock { _archive } }
        set { lock.withLock { _archive = newValue } }
    }
    public init(archive: (any ArchiveStore)? = nil) { _archive = archive }
    /// Title-anchored name mentions, shared by the names rules of one lint (`Names/`).
    var nameAnalysis: NameAnalysis? {
        get { lock.withLock { _nameAnalysis } }
        set { lock.withLock { _nameAnalysis = newValue } }
    }
    /// The findings of a run of the `broken-line` check with the default options and safe fixes, and the blocks it
    /// read: the duplicate rules read paragraphs after its joins, and the lint runs the rule itself; whichever runs
    /// first notes them here and the other reuses them (`BrokenLineCheck.run`, `DuplicateUnits.extract`).
    private var _brokenLine: (blocks: Set<Int>, findings: [Finding])?
    var brokenLine: (blocks: Set<Int>, findings: [Finding])? { lock.withLock { _brokenLine } }
    func noteBrokenLine(_ check: BrokenLineCheck, _ context: CheckContext, _ found: ArraySlice<Finding>) {
        // Only when the lint has announced rules that read the units (`expectUnitUsers`): otherwise nothing reuses
        // the note, and the set of blocks was a hash of every block of the page on each run (four in `--fix`).
        // Not noting changes no result: the extraction then joins the lines itself.
        guard lock.withLock({ unitUsers != nil }) else { return }
        guard brokenLine == nil, context.fixSafety == .safe, context.document.format == .plainText, check.hasStandardOptions else { return }
        let noted = (Set(context.segments.map(\.element.block)), Array(found))
        lock.withLock { if _brokenLine == nil { _brokenLine = noted } }
    }
    /// The noted findings, as `check` would make them in `context` (its rule and message), when the inputs are the same.
    func reusedBrokenLine(_ check: BrokenLineCheck, _ context: CheckContext) -> [Finding]? {
        guard let noted = brokenLine, context.fixSafety == .safe, context.document.format == .plainText, check.hasStandardOptions,
              noted.blocks == Set(context.segments.map(\.element.block)) else { return nil }
        return noted.findings.map { f in
            var f = f
            f.rule = context.ruleIndex
            f.message = substitute(context.message, ["count": String(f.fix?.edits.count ?? 0)])
            return f
        }
    }
    func duplicateUnits(_ doc: Document, scope: Scope) -> DuplicateUnits {
        if let u = lock.withLock({ units[scope.rawValue] }) { return u }
        // Worked out outside the lock (the extraction reads the broken-line findings noted here).
        let u = DuplicateUnits.extract(doc, scope: scope, cache: self)
        return lock.withLock {
            if let v = units[scope.rawValue] { return v }
            units[scope.rawValue] = u
            return u
        }
    }
    /// The units worked out during the lint, if a duplicate rule ran (and `keepsUnits` kept them).
    func anyUnits(scope: Scope) -> DuplicateUnits? { lock.withLock { units[scope.rawValue] } }
    /// Whether the units outlive the lint's checks (the run's cross-file pass fingerprints them); otherwise they are
    /// let go as soon as every check has run, before the findings become diagnostics (a large page's peak memory).
    public var keepsUnits: Bool {
        get { lock.withLock { _keepsUnits } }
        set { lock.withLock { _keepsUnits = newValue } }
    }
    private var _keepsUnits = false
    /// Every check of the lint has run (`Linter.lint`): the units go unless `keepsUnits`.
    func checksDone() {
        lock.withLock { if !_keepsUnits { units.removeAll() } }
    }
    /// How many checks of the lint will ask for the units of each scope (`Linter.lint` says so before the checks
    /// run; nil: not known, the units stay until `checksDone`).
    private var unitUsers: [UInt16: Int]?
    private var _sentenceMinHan: Int?, _searchMinHan: Int?
    func expectUnitUsers(_ users: [UInt16: Int], sentenceMinHan: Int, searchMinHan: Int? = nil) {
        lock.withLock { unitUsers = users; _sentenceMinHan = sentenceMinHan; _searchMinHan = searchMinHan }
    }
    /// The fewest Han characters a near or contained paragraph rule of the lint compares (`Int.max`: none; nil:
    /// not known): extraction works out the candidate search's keys of the paragraphs that have at least as many.
    var searchMinHan: Int? { lock.withLock { _searchMinHan } }
    /// The fewest Han characters a sentence rule of the lint compares (`Int.max`: none; nil: not known, every
    /// sentence is kept): extraction keeps no shorter repeated sentence.
    var sentenceMinHan: Int? { lock.withLock { _sentenceMinHan } }
    /// A check is done with the units of `scope`: after the last one they go (unless `keepsUnits`), while the
    /// lint's other checks still run. On a large page the peak memory is at the end of the checks, when every
    /// finding is held: the units (paragraphs, pieces, sentences) are not held then.
    func doneWithUnits(scope: Scope) {
        lock.withLock {
            guard let n = unitUsers?[scope.rawValue] else { return }
            unitUsers![scope.rawValue] = n - 1
            if n <= 1 && !_keepsUnits { units[scope.rawValue] = nil }
        }
    }
}

/// The candidate search's keys of a large document's paragraphs (`DuplicateUnits.searchKeys`), worked out during
/// extraction from each paragraph's normalised text while it is at hand, for those a near or contained rule may
/// compare (at least `minHan` Han characters, not title-like, not a quotation). A key's low 16 bits are the
/// paragraph's place in this list (`paragraphOf`); `sharedShingles` puts in its candidate's slot instead and drops
/// the others (exact copies, boilerplate). Held in windows of the hash space as the search reads them: in memory
/// for one window, else in temporary files (`KeySpill`). Not valid (and not used) past 65,535 paragraphs.
final class ExtractedSearchKeys {
    let minHan: Int
    let windows: Int
    private let spill: KeySpill?
    private var inMemory: [UInt64] = []
    private(set) var paragraphOf: [Int32] = []
    /// Whether each paragraph put in all its shingles (too few sampled).
    private(set) var full: [Bool] = []
    private(set) var valid = true
    private var staged: [UInt64] = []

    /// `positions`: about how many shingles the document has (the windows are chosen from it as the search chooses
    /// them from its candidates'); `windows` forces their number (tests). nil when no temporary file can be made.
    init?(minHan: Int, positions: Int, windows forced: Int? = nil) {
        var w = 1
        if let forced { while w < min(forced, 256) { w *= 2 } } else {
            while w < 8 && 2 * positions / w > DuplicateUnits.keyWindowBytes { w *= 2 }
        }
        var log2 = 0
        while 1 << log2 < w { log2 += 1 }
        if w > 1 {
            guard let s = KeySpill(windows: w, shift: 64 - log2) else { return nil }
            spill = s
        } else {
            spill = nil
        }
        self.minHan = minHan
        windows = w
    }

    func add(paragraph p: Int, _ t: UnsafeBufferPointer<UInt32>) {
        let ordinal = paragraphOf.count
        guard ordinal < 0xFFFF else { valid = false; inMemory = []; return }
        paragraphOf.append(Int32(p))
        let isFull: Bool
        if let spill {
            isFull = DuplicateUnits.searchKeys(t, slot: UInt64(ordinal), passMask: 0, windowValue: 0, staged: &staged) { spill.append($0) }
        } else {
            isFull = DuplicateUnits.searchKeys(t, slot: UInt64(ordinal), passMask: 0, windowValue: 0, staged: &staged) { inMemory.append($0) }
        }
        full.append(isFull)
    }

    /// Window `w`'s keys in the order they were put in, in chunks; the window is let go.
    func read(_ w: Int, _ body: ([UInt64]) -> Void) {
        if let spill { spill.read(w, body); return }
        body(inMemory)
        inMemory = []
    }
}

/// Growable buckets of 64-bit keys in memory of their own (an append is a store and a count through raw pointers:
/// no array uniqueness, capacity or exclusivity checks); `take` hands a bucket over as an array and lets its memory go.
/// Keys of the shingles of a large page, by window of the hash space (its top bits), each window's in a temporary
/// file of its own (unlinked at once), in the order they were put in; a window's are read back as one list. A
/// write that fails keeps that window's keys in memory instead (nothing is lost, only memory is spent).
final class KeySpill {
    private var fds: [Int32]
    /// Each window's buffer (`bufferKeys` keys, in one block of memory) and how many keys it holds: an append is a
    /// store and a count through raw pointers (no array uniqueness or exclusivity checks: two million keys on a
    /// 25 MB page).
    private let buffer: UnsafeMutablePointer<UInt64>
    private let filled: UnsafeMutablePointer<Int>
    /// A window whose file could not be written keeps its keys here instead (read back before its buffer).
    private var overflow: [[UInt64]]
    private var written: [Int]          // keys in each file
    private let shift: UInt64
    private let windows: Int
    /// Keys held per window before they are written (128 KB; eight windows: 1 MB).
    static let bufferKeys = 1 << 14

    /// nil when no temporary file can be made.
    init?(windows: Int, shift: Int) {
        var fds: [Int32] = []
        for _ in 0..<windows {
            var template = Array((NSTemporaryDirectory() + "/copydesk-keys-XXXXXX").utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { for f in fds { close(f) }; return nil }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            fds.append(fd)
        }
        self.fds = fds
        self.windows = windows
        self.shift = UInt64(shift)
        buffer = .allocate(capacity: windows * KeySpill.bufferKeys)
        filled = .allocate(capacity: windows); filled.initialize(repeating: 0, count: windows)
        overflow = [[UInt64]](repeating: [], count: windows)
        written = [Int](repeating: 0, count: windows)
    }

    deinit {
        for fd in fds where fd >= 0 { close(fd) }
        buffer.deallocate(); filled.deallocate()
    }

    @inline(__always) func append(_ key: UInt64) {
        let w = Int(truncatingIfNeeded: key >> shift)
        let n = filled[w]
        buffer[w &* KeySpill.bufferKeys &+ n] = key
        filled[w] = n &+ 1
        if n &+ 1 == KeySpill.bufferKeys { flush(w) }
    }

    /// Window `w`'s buffer into its file (or, once a write has failed, into memory: the file's keys come back into
    /// memory, read as far as they can be, and the window stays in memory from then on). The buffer is emptied.
    private func flush(_ w: Int) {
        let keys = UnsafeBufferPointer(start: buffer + w * KeySpill.bufferKeys, count: filled[w])
        filled[w] = 0
        let fd = fds[w]
        if fd >= 0 {
            let raw = UnsafeRawBufferPointer(keys)
            var done = 0
            while done < raw.count {
                let n = pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(written[w] * 8 + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                done += n
            }
            if done == raw.count { written[w] += keys.count; return }
            var back: [UInt64] = []
            readFile(w) { back += $0 }
            overflow[w] = back
            close(fd); fds[w] = -1; written[w] = 0
        }
        overflow[w].append(contentsOf: keys)
    }

    /// Window `w`'s file, a chunk of at most `bufferKeys` keys at a time (not the whole window at once).
    private func readFile(_ w: Int, _ body: ([UInt64]) -> Void) {
        let n = written[w]
        guard n > 0, fds[w] >= 0 else { return }
        var at = 0   // keys read
        var chunk = [UInt64](repeating: 0, count: min(n, KeySpill.bufferKeys))
        while at < n {
            let want = min(chunk.count, n - at) * 8
            var got = 0
            chunk.withUnsafeMutableBytes { raw in
                while got < want {
                    let r = pread(fds[w], raw.baseAddress! + got, want - got, off_t(at * 8 + got))
                    if r < 0 && errno == EINTR { continue }
                    guard r > 0 else { break }
                    got += r
                }
            }
            guard got >= 8 else { return }
            body(got == chunk.count * 8 ? chunk : Array(chunk[..<(got / 8)]))
            at += got / 8
            if got < want { return }
        }
    }

    /// Window `w`'s keys in the order they were put in (the file's, then the buffer's), in chunks; the window is
    /// let go.
    func read(_ w: Int, _ body: ([UInt64]) -> Void) {
        readFile(w, body)
        if !overflow[w].isEmpty { body(overflow[w]); overflow[w] = [] }
        body(Array(UnsafeBufferPointer(start: buffer + w * KeySpill.bufferKeys, count: filled[w])))
        filled[w] = 0
        if fds[w] >= 0 { close(fds[w]); fds[w] = -1 }
        written[w] = 0
    }
}

final class KeyBuckets {
    private let n: Int
    private let start: UnsafeMutablePointer<UnsafeMutablePointer<UInt64>?>
    private let count: UnsafeMutablePointer<Int>
    private let capacity: UnsafeMutablePointer<Int>

    init(count n: Int, capacity: Int) {
        self.n = n
        start = .allocate(capacity: n); start.initialize(repeating: nil, count: n)
        count = .allocate(capacity: n); count.initialize(repeating: 0, count: n)
        self.capacity = .allocate(capacity: n); self.capacity.initialize(repeating: max(16, capacity), count: n)
    }

    deinit {
        free()
        start.deallocate(); count.deallocate(); capacity.deallocate()
    }

    @inline(__always) func append(_ key: UInt64, to b: Int) {
        let k = count[b]
        guard k < capacity[b], let p = start[b] else { grow(b); start[b]![k] = key; count[b] = k + 1; return }
        p[k] = key
        count[b] = k + 1
    }

    private func grow(_ b: Int) {
        let k = count[b]
        let cap = start[b] == nil ? capacity[b] : 2 * capacity[b]
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: cap)
        if let old = start[b] { p.update(from: old, count: k); old.deallocate() }
        start[b] = p
        capacity[b] = cap
    }

    /// Bucket `b`'s keys in the order they were put in; the bucket is emptied. Its memory goes to bucket `next`
    /// when that has none yet (the same bucket of the next window of the hash space: a window's buckets reuse the
    /// last one's memory instead of giving it back to the allocator, which returned it to the system, and
    /// touching new pages), else it is let go.
    func take(_ b: Int, passingMemoryTo next: Int? = nil) -> [UInt64] {
        guard let p = start[b] else { return [] }
        let out = Array(UnsafeBufferPointer(start: p, count: count[b]))
        if let next, next < n, start[next] == nil {
            start[next] = p
            capacity[next] = capacity[b]
        } else {
            p.deallocate()
        }
        start[b] = nil
        count[b] = 0
        return out
    }

    func free() {
        for b in 0..<n { start[b]?.deallocate(); start[b] = nil; count[b] = 0 }
    }
}
