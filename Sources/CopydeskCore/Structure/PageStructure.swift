/// How copydesk reads a page: a list of articles (headline group, credits, body) and fragments (headlines whose
/// article is not on the page, credits with no article). Built once per document from its blocks and their roles
/// (`ArticleStructure.assignRoles`, which plain text gets from the per-line facts), so it costs one walk over the
/// blocks and follows the fixer's incremental re-parse for free.
///
/// Plain text, in reading order:
///   - headline blocks gather into a pending group; a headline after an article's body closes that article;
///   - a byline line starts an article (with the pending headlines) when body text or a dateline follows it, and is
///     a closing credit of the open article when a headline or the end of the page follows;
///   - a dateline starts a new article (text before it never belongs to the article after it) and is its first
///     paragraph; its bracketed credit is a credit;
///   - photo credits (`张三 摄`, `文/图 张三`), closing credits (`（记者 张三）`, `责任编辑：李四`, a bracketed credit at the
///     end of the last paragraph) belong to the open article;
///   - headlines left over at the end (or more than three before an article) are fragments, one per run of
///     adjacent lines.
/// Markdown: front matter (`title`, `subtitle`, `kicker`, `author`/`byline`, `type`…), headings (a deeper heading
/// inside an article is a subhead, part of the body), then the same walk.
public struct PageStructure: Sendable {
    public enum HeadlineKind: String, Sendable { case leadIn = "lead-in", main, subtitle }
    public enum CreditKind: String, Sendable {
        case byline, dateline, datelineCredit = "dateline-credit", photo, closing, frontMatter = "front-matter"
    }

    public struct HeadlinePart: Sendable {
        public var kind: HeadlineKind
        /// The block (-1 for a front-matter field) and its line (0-based).
        public var block: Int
        public var line: Int
        /// The text of the headline (without container markers and the line break).
        public var range: Range<Int>
    }

    public struct Credit: Sendable {
        public var kind: CreditKind
        public var line: Int
        public var range: Range<Int>
        /// A credit inside a body paragraph: the byline that opens it (`本报记者 张三报道 ……`) or the closing credit
        /// that ends it (`……。（记者 张三）`, `……（完）责任编辑：李四`). `Document` cuts these out of the paragraph as
        /// `[body, credit]` segments.
        public var inParagraph = false

        public init(kind: CreditKind, line: Int, range: Range<Int>, inParagraph: Bool = false) {
            self.kind = kind; self.line = line; self.range = range; self.inParagraph = inParagraph
        }
    }

    public struct Article: Sendable {
        public var headlines: [HeadlinePart] = []
        public var credits: [Credit] = []
        /// Indices of the body blocks (the dateline's paragraph included).
        public var body: [Int] = []
        /// The article type (`评论`, `简讯`…) when a vocabulary word marks it.
        public var type: String? = nil
        /// Markdown: the front matter's `section` (the page or column the article runs in), else nil.
        public var section: String? = nil
        /// The lines the article spans (0-based, end exclusive).
        public var lines: Range<Int> = 0..<0

        public var main: HeadlinePart? { headlines.first { $0.kind == .main } }
        public var hasByline: Bool { credits.contains { $0.kind != .dateline } }
        public var hasDateline: Bool { credits.contains { $0.kind == .dateline } }
    }

    public struct Fragment: Sendable {
        public enum Kind: String, Sendable { case headline, credit }
        public var kind: Kind
        public var headlines: [HeadlinePart]
        public var credits: [Credit]
        public var lines: Range<Int>
    }

    public struct FrontMatterField: Sendable {
        public var key: String
        public var line: Int
        public var value: Range<Int>
    }

    public var articles: [Article] = []
    public var fragments: [Fragment] = []
    /// Markdown front matter fields (`key: value` lines), in order.
    public var frontMatter: [FrontMatterField] = []

    public init() {}

    static func build(source: SourceText, format: Document.Format, blocks: [Block], inlineRoles: [(range: Range<Int>, role: Scope)],
                      vocabulary vocab: StructureVocabulary) -> PageStructure {
        var page = PageStructure()
        var b = Builder(source: source, blocks: blocks, vocab: vocab)
        if format == .markdown, let fm = blocks.firstIndex(where: { $0.kind == .frontMatter }) {
            page.frontMatter = frontMatterFields(source, blocks[fm])
        }
        // The dateline credits, by line.
        var creditAt: [Int: Range<Int>] = [:]
        for (r, role) in inlineRoles where role == .byline { creditAt[source.lineIndex(of: r.lowerBound)] = r }
        let prose = blocks.indices.filter { i in
            let r = blocks[i].role
            return !r.isEmpty && r != .code && r != .frontMatter && blocks[i].kind != .comment && !blocks[i].content.isEmpty
        }
        var topLevel = Int.max   // Markdown: the level of the headings that start articles
        for (k, i) in prose.enumerated() {
            let block = blocks[i]
            let line = block.lines.lowerBound
            var role = block.role
            if case .heading(let level) = block.kind {
                if b.current?.body.isEmpty == false && level > topLevel { role = .body }   // a subhead
                else { topLevel = min(topLevel, level) }
            }
            switch role {
            case .headline:
                if b.current?.body.isEmpty == false { b.close() }
                if b.current != nil { b.current!.headlines.append(b.part(i)) } else { b.pending.append(i) }
            case .byline:
                let credit = PageStructure.Credit(kind: b.isPhotoCredit(block) ? .photo : .byline, line: line, range: b.trimmedLine(block, 0))
                // What follows (after further credit lines): body or a dateline → this credit opens an article.
                var m = k + 1
                while m < prose.count && blocks[prose[m]].role == .byline { m += 1 }
                let opens = m < prose.count && blocks[prose[m]].role != .headline
                if let cur = b.current, !cur.body.isEmpty {
                    if opens && credit.kind == .byline { b.close(); b.open(); b.current!.credits.append(credit) }
                    else { b.current!.credits.append(PageStructure.Credit(kind: credit.kind == .photo ? .photo : .closing, line: line, range: credit.range)) }
                } else {
                    if b.current == nil { b.open() }
                    b.current!.credits.append(credit)
                }
            case .dateline:
                if b.current?.body.isEmpty == false { b.close() }
                if b.current == nil { b.open() }
                b.current!.credits.append(PageStructure.Credit(kind: .dateline, line: line, range: b.trimmedLine(block, 0)))
                if let c = creditAt[line] { b.current!.credits.append(PageStructure.Credit(kind: .datelineCredit, line: line, range: c)) }
                b.current!.body.append(i)
            default:
                if let cur = b.current, !cur.body.isEmpty, block.content.count == 1, b.isClosingCredit(block.content[0]) {
                    b.current!.credits.append(PageStructure.Credit(kind: .closing, line: line, range: b.trimmedLine(block, 0)))
                    continue
                }
                if b.current == nil { b.open() }
                b.current!.body.append(i)
            }
        }
        b.close()
        b.flushPendingAsFragments(all: true)
        // Markdown front matter: its title, subtitle and kicker head the first article, its author credits it.
        if !page.frontMatter.isEmpty {
            var parts: [HeadlinePart] = []
            var credits: [Credit] = []
            var type: String? = nil, section: String? = nil
            for f in page.frontMatter {
                switch f.key {
                case "kicker": parts.append(HeadlinePart(kind: .leadIn, block: -1, line: f.line, range: f.value))
                case "title": parts.append(HeadlinePart(kind: .main, block: -1, line: f.line, range: f.value))
                case "subtitle": parts.append(HeadlinePart(kind: .subtitle, block: -1, line: f.line, range: f.value))
                case "author", "byline", "authors": credits.append(Credit(kind: .frontMatter, line: f.line, range: f.value))
                case "type": let t = source.string(f.value); type = vocab.articleType(named: t) ?? t
                case "section": section = source.string(f.value)
                default: break
                }
            }
            // No `type`: a section named like an article type (`section: 评论`) gives the article that type.
            if type == nil, let sec = section { type = vocab.articleType(named: sec) }
            if !parts.isEmpty || !credits.isEmpty || type != nil || section != nil {
                if b.articles.isEmpty { b.articles.append(Article()) }
                b.articles[0].headlines = parts + b.articles[0].headlines
                b.articles[0].credits = credits + b.articles[0].credits
                if let type { b.articles[0].type = type }
                b.articles[0].section = section
                if let l = page.frontMatter.first?.line { b.articles[0].lines = min(l, b.articles[0].lines.lowerBound)..<max(b.articles[0].lines.upperBound, l + 1) }
            }
        }
        page.articles = b.articles
        page.fragments = b.fragments.sorted { $0.lines.lowerBound < $1.lines.lowerBound }
        return page
    }

    /// The credits inside body paragraphs (`Credit.inParagraph`), in text order, without those that overlap a
    /// dateline's credit (`本报讯 昨天开会。（记者 张三）` holds one credit, read as the dateline's).
    func paragraphCredits(besides inline: [(range: Range<Int>, role: Scope)]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for a in articles {
            for c in a.credits where c.inParagraph && !c.range.isEmpty {
                if inline.contains(where: { $0.range.overlaps(c.range) }) || out.contains(where: { $0.overlaps(c.range) }) { continue }
                out.append(c.range)
            }
        }
        return out.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Per block, the structure parts it is: lead-ins `kicker`, subtitles `subtitle`, and `credit` for blocks that
    /// are credits of their own (byline lines, photo credits, closing credit lines such as `（记者 张三）` or
    /// `责任编辑：李四`). Credits inside a paragraph (`paragraphCredits`) and dateline credits are inline roles: they
    /// get `credit` in `Document.segments`.
    func blockParts(blocks: [Block], source: SourceText) -> [Scope] {
        var parts = [Scope](repeating: [], count: blocks.count)
        func mark(_ heads: [HeadlinePart]) {
            for h in heads where h.block >= 0 && h.block < blocks.count {
                if h.kind == .leadIn { parts[h.block].formUnion(.kicker) }
                if h.kind == .subtitle { parts[h.block].formUnion(.subtitle) }
            }
        }
        func mark(_ credits: [Credit]) {
            for c in credits where c.kind == .byline || c.kind == .photo || c.kind == .closing {
                // The block that holds the credit's line: blocks are in line order.
                var lo = 0, hi = blocks.count - 1
                while lo <= hi {
                    let mid = (lo + hi) / 2
                    if c.line < blocks[mid].lines.lowerBound { hi = mid - 1 }
                    else if c.line >= blocks[mid].lines.upperBound { lo = mid + 1 }
                    else {
                        let b = blocks[mid]
                        // A credit of its own: a one-line block whose text starts with the credit.
                        if b.content.count == 1, let f = b.content.first, c.range.lowerBound <= f.lowerBound
                            || PlainTextScanner.isBlank(source, f.lowerBound..<c.range.lowerBound),
                           c.range.upperBound >= f.upperBound || PlainTextScanner.isBlank(source, c.range.upperBound..<f.upperBound) {
                            parts[mid].formUnion(.credit)
                        }
                        break
                    }
                }
            }
        }
        for a in articles { mark(a.headlines); mark(a.credits) }
        for f in fragments { mark(f.headlines); mark(f.credits) }
        return parts
    }

    /// `key: value` lines of a YAML front matter block (top-level scalar keys only).
    static func frontMatterFields(_ source: SourceText, _ block: Block) -> [FrontMatterField] {
        var out: [FrontMatterField] = []
        for (k, r) in block.content.enumerated() {
            let bytes = source.bytes
            guard let f = r.first, bytes[f] != 0x20, bytes[f] != 0x2D, bytes[f] != 0x23,
                  let colon = r.first(where: { bytes[$0] == 0x3A }) else { continue }
            let key = source.string(r.lowerBound..<colon).trimmingASCIISpaces()
            guard !key.isEmpty, key.utf8.allSatisfy({ $0 < 0x80 }) else { continue }
            var s = colon + 1, e = r.upperBound
            while s < e && bytes[s] == 0x20 { s += 1 }
            while e > s && (bytes[e - 1] == 0x20 || bytes[e - 1] == 0x09) { e -= 1 }
            if e - s >= 2, (bytes[s] == 0x22 && bytes[e - 1] == 0x22) || (bytes[s] == 0x27 && bytes[e - 1] == 0x27) { s += 1; e -= 1 }
            guard s < e else { continue }
            out.append(FrontMatterField(key: key, line: block.lines.lowerBound + k, value: s..<e))
        }
        return out
    }

    /// The walk's state.
    struct Builder {
        let source: SourceText
        let blocks: [Block]
        let vocab: StructureVocabulary
        var articles: [Article] = []
        var fragments: [Fragment] = []
        var pending: [Int] = []
        var current: Article? = nil

        init(source: SourceText, blocks: [Block], vocab: StructureVocabulary) {
            self.source = source; self.blocks = blocks; self.vocab = vocab
        }

        func trimmedLine(_ block: Block, _ k: Int) -> Range<Int> { Builder.trimmedLine(source, block, k) }

        /// Line `k` of `block` without its leading and trailing spaces (no builder needed: a check that wants one
        /// line made a builder for it, a copy of the text's and the vocabulary's lists each time).
        static func trimmedLine(_ source: SourceText, _ block: Block, _ k: Int) -> Range<Int> {
            source.trimmed(block.content[k], where: ArticleStructure.isSpace)
        }

        func lastScalar(_ r: Range<Int>) -> UInt32 {
            source.bytes.withUnsafeBufferPointer { p in
                var k = r.upperBound - 1
                while k > r.lowerBound && p[k] & 0xC0 == 0x80 { k -= 1 }
                return decodeScalar(p, k).0
            }
        }

        func part(_ i: Int) -> HeadlinePart {
            HeadlinePart(kind: .main, block: i, line: blocks[i].lines.lowerBound, range: trimmedLine(blocks[i], 0))
        }

        /// `张三 摄`, `本报记者 张三 摄`, `文/图 张三`, `图/张三`.
        func isPhotoCredit(_ block: Block) -> Bool {
            let s = ArticleStructure.trimmed(ArticleStructure.scalars(source, block.content[0]))
            guard let f = s.first else { return false }
            if s.last == 0x6444 { return true }                                              // 摄
            if s.count >= 2, f == 0x56FE || f == 0x6587, s[s.startIndex + 1] == 0x2F || s[s.startIndex + 1] == 0xFF0F {
                return f == 0x56FE || s.dropFirst(2).starts(with: [0x56FE])                  // 图/ 文/图
            }
            return false
        }

        /// A line of its own that credits the article it ends: `（记者 张三）`, `(本报记者 李四)`, `责任编辑：王五`.
        func isClosingCredit(_ r: Range<Int>) -> Bool {
            guard r.count <= 150 else { return false }
            let s = ArticleStructure.trimmed(ArticleStructure.scalars(source, r))
            guard let f = s.first, let l = s.last else { return false }
            if (f == 0xFF08 || f == 0x28) && (l == 0xFF09 || l == 0x29) {
                return ArticleStructure.roleLength(ArticleStructure.trimmed(Array(s.dropFirst().dropLast())), vocab) != nil
            }
            for c in vocab.closingScalars where s.starts(with: c) {
                let next = s.dropFirst(c.count).first
                if next == 0xFF1A || next == 0x3A { return true }                               // ： :
            }
            return false
        }

        /// A bracketed credit that ends the last line of a paragraph: `……。（记者 张三）`.
        func trailingCredit(_ block: Block) -> Range<Int>? {
            guard let last = block.content.last else { return nil }
            let r = trimmedLine(block, block.content.count - 1)
            guard r.count >= 9 else { return nil }
            let l = lastScalar(r)
            guard l == 0xFF09 || l == 0x29 else { return nil }
            // The opening bracket within 60 bytes of the end.
            let p = source.bytes
            var k = r.upperBound - 1
            while k > max(r.lowerBound, r.upperBound - 60) {
                k -= 1
                let isOpen = p[k] == 0x28 || (k + 2 < r.upperBound && p[k] == 0xEF && p[k + 1] == 0xBC && p[k + 2] == 0x88)
                if isOpen {
                    let start = k + (p[k] == 0x28 ? 1 : 3)
                    return ArticleStructure.roleAt(source, start, vocab) && last.contains(k) ? k..<r.upperBound : nil
                }
            }
            return nil
        }

        /// Web copy ends its last paragraph with the editor: `……（完）责任编辑：卞磊`. A closing-credit word, a colon and a
        /// name of two to four Han characters at the very end.
        func trailingClosingLine(_ block: Block) -> Range<Int>? {
            let r = trimmedLine(block, block.content.count - 1)
            let from = max(r.lowerBound, r.upperBound - 60)
            var k = from
            while k < r.upperBound && source.bytes[k] & 0xC0 == 0x80 { k += 1 }
            let s = ArticleStructure.scalars(source, k..<r.upperBound)
            guard let colon = s.lastIndex(where: { $0 == 0xFF1A || $0 == 0x3A }) else { return nil }
            let name = s[(colon + 1)...]
            guard (2...4).contains(name.count), name.allSatisfy({ CharClass.of($0).contains(.han) || $0 == 0xB7 }) else { return nil }
            for c in vocab.closingScalars where colon >= c.count && Array(s[(colon - c.count)..<colon]) == c {
                let startScalars = s[..<(colon - c.count)]
                var off = k
                for v in startScalars { off += v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4 }
                return off..<r.upperBound
            }
            return nil
        }

        /// A web dateline at the start of the first paragraph: `新京报讯（记者 倪伟）`, `四川新闻网达州5月5日讯（记者 余开洋）`,
        /// `中国青年网北京12月18日电（记者 李华锡）`: within the first 20 characters, 讯 or 日电 after a name with 报 网 台 刊 社
        /// 闻 端 or a date, and no punctuation before it, then a bracket or a space. Read as the article's dateline credit
        /// (the block keeps its role: the per-line heuristics are unchanged).
        func webDateline(_ block: Block) -> Range<Int>? {
            let r = trimmedLine(block, 0)
            let s = ArticleStructure.scalars(source, r.lowerBound..<min(r.upperBound, r.lowerBound + 90))
            var sawOutlet = false, sawDay = false
            var off = r.lowerBound
            for k in 0..<min(s.count, 22) {
                let v = s[k]
                switch v {
                case 0x62A5, 0x7F51, 0x53F0, 0x520A, 0x793E, 0x95FB, 0x7AEF: sawOutlet = true   // 报 网 台 刊 社 闻 端
                case 0x65E5: sawDay = true                                                     // 日
                default: break
                }
                if ArticleStructure.isSentencePunct(v) || v == 0x201C || v == 0x300A { return nil }
                let n = v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4
                let isXun = v == 0x8BAF && (k == 0 || s[k - 1] != 0x901A), isDian = v == 0x7535 && k > 0 && s[k - 1] == 0x65E5
                if (isXun && (sawOutlet || sawDay) && k >= 2) || (isDian && sawOutlet) {
                    let next = k + 1 < s.count ? s[k + 1] : 0
                    guard next == 0xFF08 || next == 0x28 || next == 0x20 || next == 0x3000 || (0x30...0x39).contains(next) else { return nil }
                    return r.lowerBound..<(off + n)
                }
                _ = sawDay
                off += n
            }
            return nil
        }

        /// A byline that opens the first paragraph, ending in 报道: `本报记者刘涛 通讯员马媛报道 为使……`,
        /// `记者宋璐报道：连日来……`. A role first (after a marker), then names, spaces or `、` up to `报道` within 40
        /// characters. Returns the credit's range (up to the last name, without 报道).
        func leadingCredit(_ block: Block) -> Range<Int>? {
            let r = trimmedLine(block, 0)
            let s = ArticleStructure.scalars(source, r.lowerBound..<min(r.upperBound, r.lowerBound + 150))
            var k = 0
            if let f = s.first, ArticleStructure.isMarker(f, vocab) { k = 1 }
            while k < s.count && ArticleStructure.isSpace(s[k]) { k += 1 }
            guard k < s.count, let roleLen = ArticleStructure.roleLength(s[k...], vocab) else { return nil }
            let start = r.lowerBound
            var j = k
            while j + 1 < min(s.count, k + 40) {
                let v = s[j]
                if v == 0x62A5 && s[j + 1] == 0x9053 {                                        // 报道
                    var end = start
                    for w in s[..<j] { end += w < 0x80 ? 1 : w < 0x800 ? 2 : w < 0x10000 ? 3 : 4 }
                    // Up to the last name: 报道 is the verb of the sentence, not part of a name.
                    while end > start, source.bytes[end - 1] == 0x20 { end -= 1 }
                    guard j > k + roleLen else { return nil }                              // a name after the role
                    return start..<end
                }
                guard CharClass.of(v).contains(.han) || ArticleStructure.isSpace(v) || v == 0x3001 || v == 0xB7 else { return nil }
                j += 1
            }
            return nil
        }

        func articleType(_ a: Article) -> String? {
            var firstLines: [Range<Int>] = a.headlines.filter { $0.block >= 0 }.map(\.range)
            if let f = a.body.first { firstLines.append(trimmedLine(blocks[f], 0)) }
            // The words as scalars: compiled with the vocabulary (unless its lists were changed since).
            let types = vocab.articleTypes
            var words = vocab.articleTypeScalars
            if words.count != types.count || zip(words, types).contains(where: { $0.count != $1.words.count }) {
                words = types.map { $0.words.map { $0.unicodeScalars.map(\.value) } }
            }
            // `【评论】` (or [ ］「」) within the first characters, or the word first on the line before `：`.
            for r in firstLines {
                let s = ArticleStructure.trimmed(ArticleStructure.scalars(source, r.lowerBound..<min(r.upperBound, r.lowerBound + 60)))
                // The opening brackets of the line, found once (mostly none), not once per word.
                let opens = s.indices.filter { k in let f = s[k]; return f == 0x3010 || f == 0x5B || f == 0xFF3B || f == 0x300C }
                for (ti, t) in types.enumerated() {
                    for u in words[ti] {
                        if s.starts(with: u), let next = s.dropFirst(u.count).first, next == 0xFF1A || next == 0x3A { return t.type }
                        for k in opens {
                            if s[(k + 1)...].starts(with: u),
                               let close = s[(k + 1 + u.count)...].first, close == 0x3011 || close == 0x5D || close == 0xFF3D || close == 0x300D {
                                return t.type
                            }
                        }
                    }
                }
            }
            return nil
        }

        /// Starts an article with the pending headlines (at most three: lead-in, main title, subtitle; earlier ones
        /// are fragments).
        mutating func open() {
            var heads = pending
            pending = []
            if heads.count > 3 {
                let extra = Array(heads.prefix(heads.count - 3))
                heads = Array(heads.suffix(3))
                pending = extra
                flushPendingAsFragments(all: true)
            }
            var a = Article()
            a.headlines = heads.map(part)
            current = a
        }

        mutating func close() {
            guard var a = current else { return }
            current = nil
            assignHeadlineKinds(&a.headlines)
            if a.body.isEmpty {
                let lines = span(a.headlines.map(\.line) + a.credits.map(\.line))
                fragments.append(Fragment(kind: a.headlines.isEmpty ? .credit : .headline, headlines: a.headlines, credits: a.credits, lines: lines))
                return
            }
            if let last = a.body.last, let c = trailingCredit(blocks[last]) ?? trailingClosingLine(blocks[last]) {
                a.credits.append(Credit(kind: .closing, line: blocks[last].lines.upperBound - 1, range: c, inParagraph: true))
            }
            if let f = a.body.first, blocks[f].role != .dateline, let c = leadingCredit(blocks[f]) {
                a.credits.append(Credit(kind: .byline, line: blocks[f].lines.lowerBound, range: c, inParagraph: true))
            }
            if !a.credits.contains(where: { $0.kind == .dateline }), let f = a.body.first, let d = webDateline(blocks[f]) {
                a.credits.append(Credit(kind: .dateline, line: blocks[f].lines.lowerBound, range: d))
            }
            a.type = articleType(a)
            var all = a.headlines.map(\.line) + a.credits.map(\.line)
            for i in a.body { all.append(blocks[i].lines.lowerBound); all.append(blocks[i].lines.upperBound - 1) }
            a.lines = span(all)
            articles.append(a)
        }

        func span(_ lines: [Int]) -> Range<Int> {
            guard let lo = lines.min(), let hi = lines.max() else { return 0..<0 }
            return lo..<(hi + 1)
        }

        /// One headline: the main title. Two: main title and subtitle when the second starts with a dash or a marker,
        /// else lead-in and main title. Three: lead-in, main title, subtitle.
        func assignHeadlineKinds(_ parts: inout [HeadlinePart]) {
            switch parts.count {
            case 1: parts[0].kind = .main
            case 2:
                let s = ArticleStructure.trimmed(ArticleStructure.scalars(source, parts[1].range.lowerBound..<min(parts[1].range.upperBound, parts[1].range.lowerBound + 8)))
                let f = s.first ?? 0
                let subtitle = f == 0x2014 || f == 0x2015 || f == 0x2D || f == 0x2500 || ArticleStructure.isMarker(f, vocab)
                    || (f == 0x4E00 && s.dropFirst().first == 0x4E00)
                parts[0].kind = subtitle ? .main : .leadIn
                parts[1].kind = subtitle ? .subtitle : .main
            case 3...:
                parts[0].kind = .leadIn
                for k in 1..<parts.count { parts[k].kind = k == 1 ? .main : .subtitle }
            default: break
            }
        }

        /// Pending headlines with no article after them: one fragment per run of adjacent lines.
        mutating func flushPendingAsFragments(all: Bool) {
            guard !pending.isEmpty else { return }
            var group: [Int] = []
            func emit() {
                guard !group.isEmpty else { return }
                var parts = group.map(part)
                assignHeadlineKinds(&parts)
                fragments.append(Fragment(kind: .headline, headlines: parts, credits: [], lines: span(parts.map(\.line))))
                group = []
            }
            for i in pending {
                if let prev = group.last, blocks[prev].lines.upperBound != blocks[i].lines.lowerBound { emit() }
                group.append(i)
            }
            emit()
            pending = []
        }
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
