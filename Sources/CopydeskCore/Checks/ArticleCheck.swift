/// `kind: article`: checks on the page's structure (`Document.structure`: articles, their headline groups, credits
/// and bodies, and fragments). `check:` picks one:
///
///   - `missing-byline`: an article with a body and no byline, dateline credit, photo credit, closing credit or
///     front-matter author; `exempt-types` (article types of the structure vocabulary that need none: 评论, 来信…),
///     `exempt-sections` (Markdown front matter `section` values whose articles need none), `accept-dateline` (a
///     bare dateline such as 本报讯 or 新华社…电 counts as a credit; default true), and where a credit counts
///     (BYL-001): in the article's `first-lines` (default 3) or `last-lines` (default 2) text lines — the non-blank
///     lines after its headline group; 0 turns an end off. Front-matter authors always count.
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
///   - `role-order`: roles of one credit out of the configured `order` (default 记者, 实习生, 通讯员; a role is
///     matched by its last word, so 本报记者 and 摄影记者 are 记者), reported at the role out of place.
///   - `dateline-separator`: what stands between a dateline (`本报讯`, `新华社北京12月14日电`, a web dateline opening the first paragraph) and the text after it,
///     `separator: ideographic-space | space | none` (a bracketed credit takes no space before it), fix: the house form.
///   - `headline-length`: a main title longer than `max-length` characters (spaces not counted, two half-width
///     letters or digits count as one).
///   - `title-mismatch`: Markdown front matter `title` differs from the first heading above the body.
///   - `dateline-date`: a dateline date (`12月14日电`) later than the Markdown front matter `date`.
///   - `headline-order`: Markdown front matter with the lead-in (`kicker`) after the main title, the subtitle before
///     it, or a second `title`, reported at the field out of place.
///   - `role-name-spacing`: between a role and the name after it, the house form (`spacing: none | space |
///     ideographic-space`), fix: that form.
///   - `subtitle-dash-presence`: a subtitle whose opening dash does not suit the article's type (HEAD-005):
///     `dash-types` (default 通讯: the subtitle begins with `——`) and `no-dash-types` (default 消息: no dash), the
///     type from the vocabulary's article types or Markdown front matter `type`/`section`. Fix (unsafe): add `——`
///     or remove the dash.
///   - `credit-placement`: a closing credit (`（记者 张三）`, `责任编辑：`) with more body after it in the same
///     article, and a byline line between body paragraphs with no headline before it (it splits an article).
public struct ArticleCheck: Check {
    enum Kind: String, CaseIterable {
        case missingByline = "missing-byline", fragment, noHeadline = "no-headline", headlineTerminal = "headline-terminal"
        case bylineMarker = "byline-marker", bylineRunTogether = "byline-run-together", datelineForm = "dateline-form"
        case inconsistentHeadlines = "inconsistent-headlines"
        case roleOrder = "role-order", datelineSeparator = "dateline-separator", headlineLength = "headline-length"
        case titleMismatch = "title-mismatch", datelineDate = "dateline-date", creditPlacement = "credit-placement"
        case headlineOrder = "headline-order", roleNameSpacing = "role-name-spacing"
        case subtitleDashPresence = "subtitle-dash-presence"
    }
    let kind: Kind
    var exemptTypes: [String] = []
    var exemptSections: [String] = []
    /// `missing-byline`: a credit counts in the article's first and last text lines (BYL-001: 3 and 2).
    var firstLines = 3
    var lastLines = 2
    var dashTypes: [String] = ["通讯"]
    var noDashTypes: [String] = ["消息"]
    var acceptDateline = true
    var marks: [UInt32] = Array("。，、；：.,".unicodeScalars.map(\.value))
    var minHeadlines = 3
    var order: [[UInt32]] = ["记者", "实习生", "通讯员"].map { Array($0.unicodeScalars.map(\.value)) }
    var separator: [UInt32] = [0x3000]
    var maxLength = 24
    var roleGap: [UInt32] = [0x20]

    static let keys: Set<String> = ["check", "exempt-types", "exempt-sections", "accept-dateline", "marks", "min-headlines",
                                    "first-lines", "last-lines", "order", "separator", "max-length", "spacing",
                                    "dash-types", "no-dash-types"]

    init(_ m: StrictMapping) throws {
        kind = Kind(rawValue: try m.required("check").choice("check", Kind.allCases.map(\.rawValue)))!
        func only(_ key: String, _ kinds: [Kind]) throws {
            if let n = m[key], !kinds.contains(kind) {
                throw ConfigError(n.mark, "'\(key)' is an option of check: \(kinds.map(\.rawValue).joined(separator: ", "))")
            }
        }
        try only("exempt-types", [.missingByline]); try only("accept-dateline", [.missingByline])
        try only("marks", [.headlineTerminal]); try only("min-headlines", [.inconsistentHeadlines])
        try only("exempt-sections", [.missingByline])
        try only("first-lines", [.missingByline]); try only("last-lines", [.missingByline]); try only("order", [.roleOrder])
        try only("dash-types", [.subtitleDashPresence]); try only("no-dash-types", [.subtitleDashPresence])
        try only("separator", [.datelineSeparator]); try only("max-length", [.headlineLength])
        try only("spacing", [.roleNameSpacing])
        if let n = m["spacing"] {
            switch try n.choice("spacing", ["none", "space", "ideographic-space"]) {
            case "none": roleGap = []
            case "ideographic-space": roleGap = [0x3000]
            default: roleGap = [0x20]
            }
        }
        for (key, keyPath) in [("first-lines", \ArticleCheck.firstLines), ("last-lines", \ArticleCheck.lastLines)] {
            guard let n = m[key] else { continue }
            let v = try n.int(key)
            guard (0...50).contains(v) else { throw ConfigError(n.mark, "'\(key)' must be between 0 and 50") }
            self[keyPath: keyPath] = v
        }
        if firstLines == 0 && lastLines == 0 {
            throw ConfigError((m["first-lines"] ?? m["last-lines"])!.mark, "'first-lines' and 'last-lines' are both 0: no credit would count")
        }
        dashTypes = try m["dash-types"]?.stringList("dash-types") ?? dashTypes
        noDashTypes = try m["no-dash-types"]?.stringList("no-dash-types") ?? noDashTypes
        if let n = m["no-dash-types"], let both = dashTypes.first(where: noDashTypes.contains) {
            throw ConfigError(n.mark, "article type '\(both)' is in both 'dash-types' and 'no-dash-types'")
        }
        exemptSections = try m["exempt-sections"]?.stringList("exempt-sections") ?? []
        if let n = m["order"] {
            let list = try n.stringList("order")
            guard list.count >= 2 else { throw ConfigError(n.mark, "'order' needs at least two roles") }
            guard Set(list).count == list.count else { throw ConfigError(n.mark, "'order' lists a role twice") }
            order = list.map { Array($0.unicodeScalars.map(\.value)) }
        }
        if let n = m["separator"] {
            switch try n.choice("separator", ["ideographic-space", "space", "none"]) {
            case "space": separator = [0x20]
            case "none": separator = []
            default: separator = [0x3000]
            }
        }
        if let n = m["max-length"] {
            maxLength = try n.int("max-length")
            guard maxLength >= 4 else { throw ConfigError(n.mark, "'max-length' must be at least 4") }
        }
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
            return PageStructure.Builder.trimmedLine(src, doc.blocks[b], 0)
        }
        func headlines() -> [PageStructure.HeadlinePart] {
            (page.articles.flatMap(\.headlines) + page.fragments.flatMap(\.headlines)).sorted { $0.range.lowerBound < $1.range.lowerBound }
        }
        switch kind {
        case .missingByline:
            guard scope.contains(.body) else { return }
            for a in page.articles where !a.body.isEmpty {
                if let t = a.type, exemptTypes.contains(t) { continue }
                if let sec = a.section, exemptSections.contains(sec.trimmingASCIISpaces()) { continue }
                let lines = textLines(a, doc)
                if a.credits.contains(where: { c in
                    guard c.kind != .dateline || acceptDateline else { return false }
                    if c.kind == .frontMatter { return true }
                    guard let k = lines.firstIndex(of: c.line) else { return false }
                    return k < firstLines || k >= lines.count - lastLines
                }) { continue }
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
        case .roleOrder:
            guard scope.contains(.byline) || scope.contains(.credit) else { return }
            var credits: [PageStructure.Credit] = []
            for a in page.articles { credits += a.credits }
            for f in page.fragments { credits += f.credits }
            for c in credits where c.kind == .byline || c.kind == .datelineCredit || c.kind == .photo
                || (c.kind == .closing && (src.bytes[c.range.lowerBound] == 0x28 || src.bytes[c.range.lowerBound] == 0xEF)) {
                guard let (at, role, before) = outOfOrder(src, c.range, doc.vocabulary) else { continue }
                add(at, substitute(context.message, ["match": role, "replacement": before]))
            }
        case .datelineSeparator:
            guard scope.contains(.dateline) else { return }
            for a in page.articles {
                guard let f = a.body.first, let line = doc.blocks[f].content.first else { continue }
                // A dateline paragraph (本报讯, …日电), or a web dateline that opens the first paragraph (青海新闻网讯).
                let head: Int
                if doc.blocks[f].role.contains(.dateline), let h = datelineHeadEnd(src, line, doc.vocabulary) { head = h }
                else if let web = a.credits.first(where: { $0.kind == .dateline && line.contains($0.range.lowerBound) }),
                        !doc.blocks[f].role.contains(.dateline) { head = web.range.upperBound }
                else { continue }
                // The run of spaces after the dateline, and what follows it.
                var k = head
                let p = src.bytes
                while k < line.upperBound {
                    let (v, n) = p.withUnsafeBufferPointer { decodeScalar($0, k) }
                    guard ArticleStructure.isSpace(v) else { break }
                    k += n
                }
                guard k < line.upperBound else { continue }                       // nothing after it
                let (next, _) = p.withUnsafeBufferPointer { decodeScalar($0, k) }
                let want: [UInt32]
                if next == 0xFF08 || next == 0x28 { want = [] }                   // a credit: no space before it
                else if CharClass.of(next).contains(.han) || (0x30...0x39).contains(next) || next == 0x201C { want = separator }
                else { continue }                                                 // punctuation: not this rule's
                let run = ArticleStructure.scalars(src, head..<k)
                guard run != want else { continue }
                let repl = String(String.UnicodeScalarView(want.compactMap(UnicodeScalar.init)))
                let shown = want.isEmpty ? "无" : want == [0x3000] ? "全角空格" : "半角空格"
                let found = run.isEmpty ? "无" : run == [0x3000] ? "全角空格" : run == [0x20] ? "半角空格" : "“\(src.string(head..<k))”"
                if run.isEmpty {
                    // Nothing between them: insert after the dateline's last character.
                    let (_, last) = lastScalar(src, line.lowerBound..<head)
                    add(last..<head, substitute(context.message, ["match": found, "replacement": shown]),
                        fix(last..<head, src.string(last..<head) + repl))
                } else {
                    add(head..<k, substitute(context.message, ["match": found, "replacement": shown]), fix(head..<k, repl))
                }
            }
        case .headlineLength:
            guard scope.contains(.headline) else { return }
            for h in headlines() where h.kind == .main {
                var halves = 0
                for v in ArticleStructure.scalars(src, h.range) where !ArticleStructure.isSpace(v) {
                    halves += v < 0x80 ? 1 : 2
                }
                let n = (halves + 1) / 2
                if n > maxLength { add(h.range, substitute(context.message, ["match": String(n), "replacement": String(maxLength)])) }
            }
        case .titleMismatch:
            guard doc.format == .markdown, scope.contains(.headline) || scope.contains(.frontMatter),
                  let title = page.frontMatter.first(where: { $0.key == "title" }) else { return }
            // The first heading above the body of the page.
            guard let hi = doc.blocks.firstIndex(where: { b in
                if case .heading = b.kind { return true }
                return b.role.contains(.body) && b.kind != .frontMatter
            }), case .heading = doc.blocks[hi].kind, let hr = doc.blocks[hi].content.first else { return }
            let a = normalizedTitle(src, title.value), b = normalizedTitle(src, hr)
            guard !b.isEmpty, a != b else { return }
            let heading = PageStructure.Builder(source: src, blocks: doc.blocks, vocab: doc.vocabulary).trimmedLine(doc.blocks[hi], 0)
            add(heading, substitute(context.message, ["match": src.string(heading), "replacement": src.string(title.value)]))
        case .datelineDate:
            guard doc.format == .markdown, scope.contains(.dateline),
                  let field = page.frontMatter.first(where: { $0.key == "date" }),
                  let pub = publicationDate(src.string(field.value)) else { return }
            for a in page.articles {
                for c in a.credits where c.kind == .dateline {
                    guard let (month, day, r) = datelineMonthDay(src, c.range) else { continue }
                    // The dateline has no year: the publication's year, or the year before when that is closer.
                    guard let later = daysAfter(month: month, day: day, pub) else { continue }
                    if later > 0 && later <= 183 {
                        add(r, substitute(context.message, ["match": "\(month)月\(day)日", "replacement": src.string(field.value)]))
                    }
                }
            }
        case .headlineOrder:
            guard doc.format == .markdown, scope.contains(.headline) || scope.contains(.frontMatter) else { return }
            let fields = page.frontMatter
            guard let title = fields.first(where: { $0.key == "title" }) else { return }
            for f in fields {
                let wrong: String?
                switch f.key {
                case "kicker" where f.line > title.line: wrong = "引题在主题之后"
                case "subtitle" where f.line < title.line: wrong = "副题在主题之前"
                case "title" where f.line > title.line: wrong = "主题出现两次"
                default: wrong = nil
                }
                if let wrong { add(f.value, substitute(context.message, ["match": f.key, "replacement": wrong])) }
            }
        case .roleNameSpacing:
            guard scope.contains(.byline) || scope.contains(.credit) else { return }
            var credits: [PageStructure.Credit] = []
            for a in page.articles { credits += a.credits }
            for f in page.fragments { credits += f.credits }
            let shown = roleGap.isEmpty ? "不空格" : roleGap == [0x3000] ? "空一个全角空格" : "空一个半角空格"
            let repl = String(String.UnicodeScalarView(roleGap.compactMap(UnicodeScalar.init)))
            for c in credits where c.kind == .byline || c.kind == .datelineCredit || c.kind == .photo
                || (c.kind == .closing && (src.bytes[c.range.lowerBound] == 0x28 || src.bytes[c.range.lowerBound] == 0xEF)) {
                let s = ArticleStructure.scalars(src, c.range)
                var k = 0, off = c.range.lowerBound
                func width(_ v: UInt32) -> Int { v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4 }
                while k < s.count {
                    guard let n = ArticleStructure.roleLength(s[k...], doc.vocabulary) else { off += width(s[k]); k += 1; continue }
                    var roleEnd = off
                    for v in s[k..<(k + n)] { roleEnd += width(v) }
                    k += n; off = roleEnd
                    // The gap, then a name (a Han character that starts no other role).
                    var j = k, gapEnd = off
                    while j < s.count && ArticleStructure.isSpace(s[j]) { gapEnd += width(s[j]); j += 1 }
                    guard j < s.count, CharClass.of(s[j]).contains(.han), s[j] != 0x6444,          // 摄
                          ArticleStructure.roleLength(s[j...], doc.vocabulary) == nil else { continue }
                    let gap = Array(s[k..<j])
                    if gap != roleGap {
                        let found = gap.isEmpty ? "不空格" : gap == [0x3000] ? "空一个全角空格" : gap == [0x20] ? "空一个半角空格" : "空了\(gap.count)个空格"
                        let msg = substitute(context.message, ["match": found, "replacement": shown])
                        if gap.isEmpty {
                            let (_, last) = lastScalar(src, c.range.lowerBound..<roleEnd)
                            add(last..<roleEnd, msg, fix(last..<roleEnd, src.string(last..<roleEnd) + repl))
                        } else {
                            add(roleEnd..<gapEnd, msg, fix(roleEnd..<gapEnd, repl))
                        }
                    }
                    k = j; off = gapEnd
                }
            }
        case .subtitleDashPresence:
            guard scope.contains(.headline) || scope.contains(.subtitle) else { return }
            for a in page.articles {
                guard let t = a.type else { continue }
                let wantDash = dashTypes.contains(t), noDash = noDashTypes.contains(t)
                guard wantDash || noDash else { continue }
                for h in a.headlines where h.kind == .subtitle && !h.range.isEmpty {
                    let dash = subtitleDash(src, h.range)
                    if wantDash && dash == nil {
                        let (_, n) = src.bytes.withUnsafeBufferPointer { decodeScalar($0, h.range.lowerBound) }
                        let r = h.range.lowerBound..<(h.range.lowerBound + n)
                        add(r, substitute(context.message, ["match": t, "replacement": "前应有破折号“——”"]),
                            fix(r, "——" + src.string(r)))
                    } else if noDash, let d = dash {
                        add(d, substitute(context.message, ["match": t, "replacement": "前不用破折号"]), fix(d, ""))
                    }
                }
            }
        case .creditPlacement:
            guard scope.contains(.byline) || scope.contains(.credit) || scope.contains(.body) else { return }
            for (ai, a) in page.articles.enumerated() {
                // A closing credit of its own line with body after it in the same article.
                for c in a.credits where c.kind == .closing {
                    guard let bi = doc.blockIndex(containing: c.range.lowerBound), doc.blocks[bi].content.count == 1,
                          let last = a.body.last, doc.blocks[last].lines.lowerBound > c.line else { continue }
                    add(c.range, substitute(context.message, ["match": "文末署名", "replacement": "正文中间"]))
                }
                // A byline line that opens an article with no headline directly after another article's body.
                guard ai > 0, a.headlines.isEmpty, let first = a.credits.first, first.kind == .byline,
                      let prev = page.articles[ai - 1].body.last, first.line > doc.blocks[prev].lines.lowerBound,
                      !page.fragments.contains(where: { $0.lines.lowerBound > doc.blocks[prev].lines.lowerBound && $0.lines.lowerBound < first.line }),
                      let next = a.body.first, !doc.blocks[next].role.contains(.dateline) else { continue }
                add(first.range, substitute(context.message, ["match": "署名", "replacement": "正文中间"]))
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

    /// An article's text lines (BYL-001 counts them): the lines of its body blocks and of its credits, not its
    /// headlines or front matter, in order, each once. A block is a run of non-blank lines, so no line is blank.
    func textLines(_ a: PageStructure.Article, _ doc: Document) -> [Int] {
        var out: [Int] = []
        for i in a.body { out.append(contentsOf: doc.blocks[i].lines) }
        for c in a.credits where c.kind != .frontMatter { out.append(c.line) }
        // Sorted, each once, without the headlines' lines (sets of a few lines cost more than the sort).
        out.sort()
        var kept = 0
        for i in out.indices {
            let l = out[i]
            if kept > 0 && out[kept - 1] == l { continue }
            if a.headlines.contains(where: { $0.line == l }) { continue }
            out[kept] = l
            kept += 1
        }
        out.removeLast(out.count - kept)
        return out
    }

    /// The dash that opens a subtitle, with the spaces after it: `——`, `—`, `――`, `──`, `--`, `－－`, or OCR's `一一`.
    func subtitleDash(_ src: SourceText, _ r: Range<Int>) -> Range<Int>? {
        let s = ArticleStructure.scalars(src, r.lowerBound..<min(r.upperBound, r.lowerBound + 24))
        func isDash(_ v: UInt32) -> Bool { v == 0x2014 || v == 0x2015 || v == 0x2500 || v == 0x2D || v == 0xFF0D }
        var k = 0
        if let f = s.first, isDash(f) { while k < s.count && isDash(s[k]) { k += 1 } }
        else if s.count >= 3, s[0] == 0x4E00, s[1] == 0x4E00 { k = 2 }                 // 一一
        guard k > 0 else { return nil }
        while k < s.count && ArticleStructure.isSpace(s[k]) { k += 1 }
        var end = r.lowerBound
        for v in s[..<k] { end += v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4 }
        return r.lowerBound..<end
    }

    /// The first role of a credit that stands after a role the order puts later: (its range, the role, the role it
    /// should come before).
    func outOfOrder(_ src: SourceText, _ r: Range<Int>, _ vocab: StructureVocabulary) -> (Range<Int>, String, String)? {
        let s = ArticleStructure.scalars(src, r)
        var k = 0
        var off = r.lowerBound
        var seen: [(rank: Int, word: [UInt32])] = []
        func width(_ v: UInt32) -> Int { v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4 }
        while k < s.count {
            if let n = ArticleStructure.roleLength(s[k...], vocab) {
                let word = Array(s[k..<(k + n)])
                var len = 0
                for v in word { len += width(v) }
                if let rank = order.firstIndex(where: { word.count >= $0.count && word[(word.count - $0.count)...].elementsEqual($0) }) {
                    if let earlier = seen.first(where: { $0.rank > rank }) {
                        func str(_ u: [UInt32]) -> String { String(String.UnicodeScalarView(u.compactMap(UnicodeScalar.init))) }
                        return (off..<(off + len), str(word), str(earlier.word))
                    }
                    seen.append((rank, word))
                }
                k += n; off += len
                continue
            }
            off += width(s[k]); k += 1
        }
        return nil
    }

    /// Where the dateline ends on its line (after 本报讯, …讯 or …日电), as a byte offset.
    func datelineHeadEnd(_ src: SourceText, _ line: Range<Int>, _ vocab: StructureVocabulary) -> Int? {
        let s = ArticleStructure.scalars(src, line.lowerBound..<min(line.upperBound, line.lowerBound + 120))
        var lead = 0
        while lead < s.count && ArticleStructure.isSpace(s[lead]) { lead += 1 }
        var end: Int? = nil
        for p in vocab.datelinePrefixScalars where s[lead...].starts(with: p) { end = lead + p.count; break }
        if end == nil {
            let head = Array(s[lead..<min(s.count, lead + 30)])
            if let e = (0..<max(0, head.count - 1)).first(where: { head[$0] == 0x65E5 && head[$0 + 1] == 0x7535 }) { end = lead + e + 2 }
            // 讯, but not the one of 通讯员 (`本报记者刘涛 通讯员马媛报道`: a byline paragraph).
            else if let e = head.firstIndex(of: 0x8BAF), e <= 10, e == 0 || head[e - 1] != 0x901A,
                    e + 1 >= head.count || head[e + 1] != 0x5458 { end = lead + e + 1 }
        }
        guard let e = end else { return nil }
        var off = line.lowerBound
        for v in s[..<e] { off += v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4 }
        return off
    }

    /// A title compared with a heading: spaces, ASCII and full-width, and Markdown emphasis marks left out.
    func normalizedTitle(_ src: SourceText, _ r: Range<Int>) -> [UInt32] {
        var s = ArticleStructure.scalars(src, r).filter { !ArticleStructure.isSpace($0) && $0 != 0x2A && $0 != 0x5F }
        while s.last == 0x23 { s.removeLast() }          // closing #s of an ATX heading
        return s
    }

    /// `…12月14日电`, `…12月14日讯` within the first 30 characters of a dateline: month, day and their range.
    func datelineMonthDay(_ src: SourceText, _ r: Range<Int>) -> (Int, Int, Range<Int>)? {
        let s = ArticleStructure.scalars(src, r.lowerBound..<min(r.upperBound, r.lowerBound + 120))
        var off = r.lowerBound
        var num = 0, digits = 0, numOff = 0
        var month = 0, monthOff = -1, afterMonth = -1
        for k in 0..<min(s.count, 30) {
            let v = s[k]
            if (0x30...0x39).contains(v) {
                if digits == 0 { numOff = off }
                num = num * 10 + Int(v - 0x30); digits += 1
            } else {
                if v == 0x6708, (1...2).contains(digits) { month = num; monthOff = numOff; afterMonth = off + 3 }   // 月
                else if v == 0x65E5, (1...2).contains(digits), numOff == afterMonth {                              // 日
                    let next = k + 1 < s.count ? s[k + 1] : 0
                    guard next == 0x7535 || next == 0x8BAF, (1...12).contains(month), (1...31).contains(num) else { return nil }
                    return (month, num, monthOff..<(off + 6))
                }
                num = 0; digits = 0
            }
            off += v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4
        }
        return nil
    }

    /// `2021-12-14`, `2021/12/14`, `2021.12.14`, `2021年12月14日`, with anything after (a time): year, month, day.
    func publicationDate(_ s: String) -> (Int, Int, Int)? {
        var parts: [Int] = []
        var cur = 0, digits = 0
        for v in s.unicodeScalars {
            if (0x30...0x39).contains(v.value) { cur = cur * 10 + Int(v.value - 0x30); digits += 1; continue }
            if digits > 0 { parts.append(cur); cur = 0; digits = 0 }
            if parts.count == 3 { break }
            if !"-/.年月 ".unicodeScalars.contains(v) { break }
        }
        if digits > 0 && parts.count < 3 { parts.append(cur) }
        guard parts.count >= 3, parts[0] >= 1900, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    /// Days from the publication date to month/day of its year (negative: before it); a date more than half a year
    /// after it is read as the year before.
    func daysAfter(month: Int, day: Int, _ pub: (Int, Int, Int)) -> Int? {
        func ordinal(_ y: Int, _ m: Int, _ d: Int) -> Int {
            // Days since a fixed epoch (proleptic Gregorian).
            let a = (14 - m) / 12, yy = y + 4800 - a, mm = m + 12 * a - 3
            return d + (153 * mm + 2) / 5 + 365 * yy + yy / 4 - yy / 100 + yy / 400 - 32045
        }
        let p = ordinal(pub.0, pub.1, pub.2)
        var diff = ordinal(pub.0, month, day) - p
        if diff > 183 { diff = ordinal(pub.0 - 1, month, day) - p }
        return diff
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
