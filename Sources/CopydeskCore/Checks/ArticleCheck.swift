/// `kind: article`: checks on the page's structure (`Document.structure`: articles, their headline groups, credits
/// and bodies, and fragments). `check:` picks one:
///
///   - `missing-byline`: an article with a body and no byline, dateline credit, photo credit, closing credit or
///     front-matter author; `exempt-types` (article types of the structure vocabulary that need none: 评论, 来信…)
///     and `accept-dateline` (a bare dateline such as 本报讯 or 新华社…电 counts as a credit; default true).
///     Reported at the article's first body line.
///   - `fragment`: a headline group with no article on the page, reported once at its first line.
///   - `no-headline`: an article with no headline, reported at its first body line.
///   - `headline-terminal`: a headline ending in one of `marks` (default `。，、；：.,`), fix: delete it.
///   - `byline-marker`: a byline line that starts with a character OCR reads for a marker (`口` for `□`),
///     fix: the marker (`ocr-markers` of the vocabulary).
///   - `byline-run-together`: roles and names written without a separator (`融媒记者邹强通讯员张丁`).
///   - `dateline-form`: `…日讯` where the wire form `…日电` is meant (`本报北京12月14日讯`).
///   - `inconsistent-headlines`: on a page with at least `min-headlines` headlines, one done otherwise than the
///     majority (a terminal mark, the pause between phrases, the quotation marks), reported at the minority.
public struct ArticleCheck: Check {
    enum Kind: String, CaseIterable {
        case missingByline = "missing-byline", fragment, noHeadline = "no-headline", headlineTerminal = "headline-terminal"
        case bylineMarker = "byline-marker", bylineRunTogether = "byline-run-together", datelineForm = "dateline-form"
        case inconsistentHeadlines = "inconsistent-headlines"
    }
    let kind: Kind
    var exemptTypes: [String] = []
    var acceptDateline = true
    var marks: [UInt32] = Array("。，、；：.,".unicodeScalars.map(\.value))
    var minHeadlines = 3

    static let keys: Set<String> = ["check", "exempt-types", "accept-dateline", "marks", "min-headlines"]

    init(_ m: StrictMapping) throws {
        kind = Kind(rawValue: try m.required("check").choice("check", Kind.allCases.map(\.rawValue)))!
        func only(_ key: String, _ kinds: [Kind]) throws {
            if let n = m[key], !kinds.contains(kind) {
                throw ConfigError(n.mark, "'\(key)' is an option of check: \(kinds.map(\.rawValue).joined(separator: ", "))")
            }
        }
        try only("exempt-types", [.missingByline]); try only("accept-dateline", [.missingByline])
        try only("marks", [.headlineTerminal]); try only("min-headlines", [.inconsistentHeadlines])
        exemptTypes = try m["exempt-types"]?.stringList("exempt-types") ?? []
        acceptDateline = try m["accept-dateline"]?.bool("accept-dateline") ?? true
        if let n = m["marks"] {
            marks = try n.string("marks").unicodeScalars.map(\.value)
            guard !marks.isEmpty else { throw ConfigError(n.mark, "'marks' is empty") }
        }
        if let n = m["min-headlines"] {
            minHeadlines = try n.int("min-headlines")
            guard minHeadlines >= 3 else { throw ConfigError(n.mark, "'min-headlines' must be at least 3 (a majority needs three)") }
        }
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        let doc = context.document
        let page = doc.structure
        let src = doc.source
        let scope = context.scope
        func add(_ r: Range<Int>, _ message: String? = nil, _ fix: Fix? = nil) {
            findings.append(Finding(rule: context.ruleIndex, range: r, message: message, fix: fix))
        }
        func fix(_ r: Range<Int>, _ s: String) -> Fix? {
            context.fixSafety == .none ? nil : Fix(edit: Edit(range: r, replacement: s), safety: context.fixSafety)
        }
        /// The first body line of an article, trimmed (where article-level findings stand).
        func firstBody(_ a: PageStructure.Article) -> Range<Int>? {
            guard let b = a.body.first else { return nil }
            return PageStructure.Builder(source: src, blocks: doc.blocks, vocab: doc.vocabulary).trimmedLine(doc.blocks[b], 0)
        }
        func headlines() -> [PageStructure.HeadlinePart] {
            (page.articles.flatMap(\.headlines) + page.fragments.flatMap(\.headlines)).sorted { $0.range.lowerBound < $1.range.lowerBound }
        }
        switch kind {
        case .missingByline:
            guard scope.contains(.body) else { return }
            for a in page.articles where !a.body.isEmpty {
                if let t = a.type, exemptTypes.contains(t) { continue }
                if a.hasByline || (acceptDateline && a.hasDateline) { continue }
                if let r = firstBody(a) { add(r.lowerBound..<min(r.upperBound, firstCharEnd(src, r))) }
            }
        case .fragment:
            guard scope.contains(.headline) else { return }
            for f in page.fragments where f.kind == .headline {
                if let h = f.headlines.first { add(h.range) }
            }
        case .noHeadline:
            guard scope.contains(.body) else { return }
            for a in page.articles where a.headlines.isEmpty {
                if let r = firstBody(a) { add(r.lowerBound..<min(r.upperBound, firstCharEnd(src, r))) }
            }
        case .headlineTerminal:
            guard scope.contains(.headline) else { return }
            for h in headlines() where !h.range.isEmpty {
                let (v, start) = lastScalar(src, h.range)
                guard marks.contains(v) else { continue }
                // `……` and `...` are an ellipsis, not a full stop.
                if v == 0x2E, h.range.count >= 2, src.bytes[h.range.upperBound - 2] == 0x2E { continue }
                add(start..<h.range.upperBound, nil, fix(start..<h.range.upperBound, ""))
            }
        case .bylineMarker:
            guard scope.contains(.byline) else { return }
            for a in page.articles { bylineMarker(a.credits) }
            for f in page.fragments { bylineMarker(f.credits) }
            func bylineMarker(_ credits: [PageStructure.Credit]) {
                for c in credits where c.kind == .byline && !c.range.isEmpty {
                    let (v, n) = src.bytes.withUnsafeBufferPointer { decodeScalar($0, c.range.lowerBound) }
                    guard let meant = doc.vocabulary.ocrMarker(v) else { continue }
                    let r = c.range.lowerBound..<(c.range.lowerBound + n)
                    add(r, substitute(context.message, ["match": String(UnicodeScalar(v)!), "replacement": String(UnicodeScalar(meant)!)]),
                        fix(r, String(UnicodeScalar(meant)!)))
                }
            }
        case .bylineRunTogether:
            guard scope.contains(.byline) else { return }
            var credits: [PageStructure.Credit] = []
            for a in page.articles { credits += a.credits }
            for f in page.fragments { credits += f.credits }
            // Closing lines count only in brackets (`（记者裴剑飞实习生李洁祎）`): `责任编辑：张瑾` is a title and a name.
            for c in credits where c.kind == .byline || c.kind == .datelineCredit
                || (c.kind == .closing && (src.bytes[c.range.lowerBound] == 0x28 || src.bytes[c.range.lowerBound] == 0xEF)) {
                if let r = runTogether(src, c.range, doc.vocabulary) { add(r) }
            }
        case .datelineForm:
            guard scope.contains(.dateline) else { return }
            for a in page.articles {
                for c in a.credits where c.kind == .dateline {
                    // …月…日讯 within the first 30 characters: the wire form is …日电.
                    let s = ArticleStructure.scalars(src, c.range.lowerBound..<min(c.range.upperBound, c.range.lowerBound + 90))
                    var off = c.range.lowerBound
                    var sawMonth = false
                    for k in 0..<min(s.count, 30) {
                        if s[k] == 0x6708 { sawMonth = true }   // 月
                        if sawMonth, k > 0, s[k - 1] == 0x65E5, s[k] == 0x8BAF {   // 日讯
                            add(off..<(off + 3), nil, fix(off..<(off + 3), "电"))
                            break
                        }
                        off += s[k] < 0x80 ? 1 : s[k] < 0x800 ? 2 : s[k] < 0x10000 ? 3 : 4
                    }
                }
            }
        case .inconsistentHeadlines:
            guard scope.contains(.headline) else { return }
            let mains = headlines().filter { $0.kind == .main && !$0.range.isEmpty }
            guard mains.count >= minHeadlines else { return }
            // Terminal mark.
            let terminal = mains.map { h -> Bool in marks.contains(lastScalar(src, h.range).0) || lastScalar(src, h.range).0 == 0x3002 }
            minority(mains, terminal.map { $0 ? "结尾有标点" : "结尾无标点" }) { h in
                let (_, start) = lastScalar(src, h.range); return start..<h.range.upperBound
            }
            // The pause between phrases: ASCII space, U+3000, comma (only headlines that have one take part).
            let pauses = mains.map { h -> String? in pauseForm(src, h.range) }
            let withPause = zip(mains, pauses).compactMap { $1 == nil ? nil : ($0, $1!) }
            if withPause.count >= minHeadlines { minority(withPause.map(\.0), withPause.map(\.1)) { $0.range } }
            // Quotation marks: “” or 「」.
            let quotes = mains.map { h -> String? in quoteForm(src, h.range) }
            let withQuotes = zip(mains, quotes).compactMap { $1 == nil ? nil : ($0, $1!) }
            if withQuotes.count >= minHeadlines { minority(withQuotes.map(\.0), withQuotes.map(\.1)) { $0.range } }
            func minority(_ hs: [PageStructure.HeadlinePart], _ forms: [String], _ at: (PageStructure.HeadlinePart) -> Range<Int>) {
                var count: [String: Int] = [:]
                for f in forms { count[f, default: 0] += 1 }
                guard count.count > 1, let (major, n) = count.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }),
                      n * 2 > forms.count else { return }
                for (h, f) in zip(hs, forms) where f != major {
                    add(at(h), substitute(context.message, ["match": f, "replacement": major]))
                }
            }
        }
    }

    func firstCharEnd(_ src: SourceText, _ r: Range<Int>) -> Int {
        guard !r.isEmpty else { return r.upperBound }
        let (_, n) = src.bytes.withUnsafeBufferPointer { decodeScalar($0, r.lowerBound) }
        return r.lowerBound + n
    }

    /// The last scalar of a range and where it starts.
    func lastScalar(_ src: SourceText, _ r: Range<Int>) -> (UInt32, Int) {
        src.bytes.withUnsafeBufferPointer { p in
            var k = r.upperBound - 1
            while k > r.lowerBound && p[k] & 0xC0 == 0x80 { k -= 1 }
            return (decodeScalar(p, k).0, k)
        }
    }

    /// How a headline marks the pause between two phrases, if it has one: 空格, 全角空格 or 逗号 between Han characters.
    func pauseForm(_ src: SourceText, _ r: Range<Int>) -> String? {
        let s = ArticleStructure.scalars(src, r)
        guard s.count >= 5 else { return nil }
        for k in 2..<(s.count - 2) {
            let isHan = { (v: UInt32) in CharClass.of(v).contains(.han) }
            guard isHan(s[k - 1]), isHan(s[k - 2]), isHan(s[k + 1]), isHan(s[k + 2]) else { continue }
            switch s[k] {
            case 0x20: return "空格"
            case 0x3000: return "全角空格"
            case 0xFF0C: return "逗号"
            default: continue
            }
        }
        return nil
    }

    func quoteForm(_ src: SourceText, _ r: Range<Int>) -> String? {
        for v in ArticleStructure.scalars(src, r) {
            if v == 0x201C { return "“”" }
            if v == 0x300C { return "「」" }
        }
        return nil
    }

    /// `融媒记者邹强通讯员张丁`: a role that follows a name with no separator, or a run of five or more Han characters
    /// after a role (names run together). Returns the range to report (the whole credit text).
    func runTogether(_ src: SourceText, _ r: Range<Int>, _ vocab: StructureVocabulary) -> Range<Int>? {
        var s = ArticleStructure.trimmed(ArticleStructure.scalars(src, r))
        if let f = s.first, f == 0xFF08 || f == 0x28 { s = s.dropFirst() }
        if let l = s.last, l == 0xFF09 || l == 0x29 { s = s.dropLast() }
        if let f = s.first, ArticleStructure.isMarker(f, vocab) { s = s.dropFirst() }
        var rest = s
        var afterRole = false
        var run = 0
        while !rest.isEmpty {
            if let n = ArticleStructure.roleLength(rest, vocab) {
                if run > 0 { return r }          // a name directly before a role
                rest = rest.dropFirst(n); afterRole = true; run = 0
                continue
            }
            let v = rest.first!
            if CharClass.of(v).contains(.han) || v == 0xB7 {
                run += 1
                if afterRole && run >= 5 && v != 0x6444 { return r }   // 摄 ends a photo credit
            } else {
                run = 0; afterRole = afterRole && (ArticleStructure.isSpace(v) || v == 0x3001)
            }
            rest = rest.dropFirst()
        }
        return nil
    }
}
