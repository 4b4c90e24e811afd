import Foundation

/// `kind: punctuation-forms`: forms of GB/T 15834-2011 that need a little context, one `form` per rule. The
/// line-local forms start at trigger characters found by the shared scan of the `numbers` rules (`,` 摄 and the
/// quotation marks); `list-marker` reads line starts only.
///
///     form: enumeration-comma   # 张三,李四,王五 → 张三、李四、王五 (a half-width comma between short items)
///     form: caption-period      # 男子的落水位置。（梁志航 摄） → 男子的落水位置（梁志航 摄） (A.1)
///     form: caption-credit-line # 工作人员检修供暖管道。⏎新华社记者 张三 摄 (the credit on the next line)
///     form: list-marker         # 1、 and 1. at line starts, one form per document (marker: consistent | dot | dunhao)
///     form: quote-style         # 「」『』 in horizontal text → “”‘’ (quotes: curly | corner)
///     form: quote-nesting       # ‘…“…”…’ → “…‘…’…”, “…“…”…” → “…‘…’…”
public struct PunctuationFormsCheck: Check, SlotFindings {
    enum Form: String, CaseIterable {
        case enumerationComma = "enumeration-comma", captionPeriod = "caption-period", listMarker = "list-marker"
        case captionCreditLine = "caption-credit-line"
        case quoteStyle = "quote-style", quoteNesting = "quote-nesting"
    }
    enum Marker: String, CaseIterable { case consistent, dot, dunhao }

    let form: Form
    /// `quotes: corner`: the house uses 「」 outside and 『』 inside (default `curly`: “” and ‘’).
    let corner: Bool
    let marker: Marker
    /// `enumeration-comma` with `items: words`: lists of other short words (places, things: `北京,上海,广州`), whose
    /// runs of names are left to the `items: names` rule (the default).
    let words: Bool

    static let keys: Set<String> = ["form", "quotes", "marker", "items"]

    static let curlyDouble: (UInt32, UInt32) = (0x201C, 0x201D), curlySingle: (UInt32, UInt32) = (0x2018, 0x2019)
    static let cornerDouble: (UInt32, UInt32) = (0x300C, 0x300D), cornerSingle: (UInt32, UInt32) = (0x300E, 0x300F)
    /// What the line-local forms need from the shared trigger scan (`NumbersCheck.shared`): `,`, 摄 and the quotes.
    static let sharedTriggers: [UInt32] = [0x2C, 0x6444, 0x201C, 0x201D, 0x2018, 0x2019, 0x300C, 0x300D, 0x300E, 0x300F]

    init(_ m: StrictMapping) throws {
        form = Form(rawValue: try m.required("form").choice("form", Form.allCases.map(\.rawValue)))!
        if let q = m["quotes"] {
            guard form == .quoteStyle || form == .quoteNesting else {
                throw ConfigError(q.mark, "'quotes' works with 'form: quote-style' or 'form: quote-nesting'")
            }
            corner = try q.choice("quotes", ["curly", "corner"]) == "corner"
        } else {
            corner = false
        }
        if let k = m["marker"] {
            guard form == .listMarker else { throw ConfigError(k.mark, "'marker' works with 'form: list-marker'") }
            marker = Marker(rawValue: try k.choice("marker", Marker.allCases.map(\.rawValue)))!
        } else {
            marker = .consistent
        }
        if let k = m["items"] {
            guard form == .enumerationComma else { throw ConfigError(k.mark, "'items' works with 'form: enumeration-comma'") }
            words = try k.choice("items", ["names", "words"]) == "words"
        } else {
            words = false
        }
    }

    /// `list-marker` compares the lines of a document; `caption-credit-line` reads the photo credit on the line after
    /// a caption and `quote-nesting` pairs marks across the lines of a paragraph; the other forms read one line.
    public var isLineLocal: Bool { form != .listMarker && form != .captionCreditLine && form != .quoteNesting }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        if form == .listMarker { return runListMarkers(context, into: &findings) }
        if form == .captionCreditLine {
            // Line ends only (no trigger scan): this form is not line-local and runs on the whole text every fixer pass.
            return context.document.source.bytes.withUnsafeBufferPointer { captionsAboveCredits($0, context, into: &findings) }
        }
        let doc = context.document
        let hits = context.texts.scalarHits(context.triggers)
        doc.source.bytes.withUnsafeBufferPointer { p in
            switch form {
            case .enumerationComma, .captionPeriod:
                let trigger: UInt32 = form == .enumerationComma ? 0x2C : 0x6444
                for (k, seg) in context.segments {
                    // The end of the last list read, within this segment: a list never leaves its segment, and the
                    // segments are not in text order (inline ones, such as a credit read inside a paragraph, come
                    // last), so a list further down must not hide the commas of a credit above it.
                    var covered = seg.range.lowerBound
                    for j in hits.start[k]..<hits.start[k + 1] where hits.vals[j] == trigger {
                        if form == .enumerationComma {
                            // A run of names is the names rule's; `items: words` takes the other lists, starting at
                            // any comma not inside a list already read.
                            let at = hits.pos[j]
                            if at < covered { continue }
                            if let end = comma(at: at, seg, p, context, report: !words, into: &findings) { covered = end; continue }
                            if words, let end = wordList(at: at, seg, p, context, into: &findings) { covered = end }
                        }
                        else { caption(at: hits.pos[j], seg, p, context, into: &findings) }
                    }
                }
            case .quoteStyle, .quoteNesting:
                // The quotation marks of each line. quote-nesting lets a quotation still open at the end of a line
                // that does not end a sentence go on over the break: the next lines of a hard-wrapped paragraph, or
                // on a blank-line wrapped OCR page (every printed line a block) the lines after the blank ones; up
                // to 12 lines. (Paragraphs a line each, as web copy, end their lines with sentences: not carried.)
                // Segments of one line follow each other in the list.
                let nesting = form == .quoteNesting
                let src = doc.source, facts = doc.lineFacts
                var marks: [(at: Int, v: UInt32)] = []
                var key = -1, depth = 0
                var blankWrapped: Bool? = nil
                func endsSentence(_ l: Int) -> Bool {
                    if l < facts.count { return facts[l].contains(.endsSentence) }
                    let t = ArticleStructure.trimmed(ArticleStructure.scalars(src, src.lineContent(l)))
                    return t.last.map(ArticleStructure.isEnding) ?? true
                }
                func goesOn(from a: Int, to b: Int) -> Bool {
                    guard b > a, b - a <= 12, !endsSentence(a) else { return false }
                    for l in (a + 1)..<b {
                        if PlainTextScanner.isBlank(src, src.lineContent(l)) {
                            if blankWrapped == nil { blankWrapped = BrokenLineCheck.isBlankWrapped(doc) }
                            if blankWrapped != true { return false }
                        } else if endsSentence(l) { return false }
                    }
                    return true
                }
                var order = Array(context.segments)
                if !order.indices.dropFirst().allSatisfy({ order[$0 - 1].element.range.lowerBound <= order[$0].element.range.lowerBound }) {
                    order.sort { $0.element.range.lowerBound < $1.element.range.lowerBound }
                }
                for (k, _) in order {
                    let range = hits.start[k]..<hits.start[k + 1]
                    var first = true
                    for j in range {
                        let v = hits.vals[j]
                        guard (v >= 0x2018 && v <= 0x201D && v != 0x201A && v != 0x201B) || (v >= 0x300C && v <= 0x300F) else { continue }
                        if first {
                            first = false
                            let l = src.lineIndex(of: hits.pos[j])
                            if l != key {
                                if !(nesting && depth > 0 && key >= 0 && goesOn(from: key, to: l)) {
                                    quotes(marks, p, context, into: &findings); marks.removeAll(keepingCapacity: true); depth = 0
                                }
                                key = l
                            }
                        }
                        marks.append((hits.pos[j], v))
                        // Opening marks “ ‘ 「 『 have even code points; closing ones odd.
                        depth += v & 1 == 0 ? 1 : -1
                    }
                }
                quotes(marks, p, context, into: &findings)
            case .listMarker, .captionCreditLine:
                break
            }
        }
    }

    // MARK: helpers

    @inline(__always) static func isHan(_ v: UInt32) -> Bool { CharClass.of(v).contains(.han) }

    func scalarBefore(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ lo: Int) -> (v: UInt32, at: Int)? {
        guard i > lo else { return nil }
        var j = i - 1
        while j > lo && p[j] & 0xC0 == 0x80 { j -= 1 }
        return (decodeScalar(p, j).0, j)
    }


    // MARK: enumeration-comma

    /// Characters that make a short run a clause or a phrase rather than a name or a list item (好的,谢谢).
    static let clauseChars: Set<UInt32> = Set("的了吧吗呢啊呀哦嗯是不我你他她它们这那就也都很好谢说要会能在有没让把被对给从到与及或等但而如若因所以还又再着过已".unicodeScalars.map(\.value))

    /// A run of Han characters (and `·` of foreign names) ending at `end` / starting at `start`.
    func itemStart(_ p: UnsafeBufferPointer<UInt8>, _ end: Int, _ lo: Int) -> Int {
        var j = end
        while let x = scalarBefore(p, j, lo), PunctuationFormsCheck.isHan(x.v) || x.v == 0xB7 { j = x.at }
        return j
    }

    func itemEnd(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ hi: Int) -> Int {
        var j = start
        while j < hi {
            let (v, n) = decodeScalar(p, j)
            guard PunctuationFormsCheck.isHan(v) || v == 0xB7 else { break }
            j += n
        }
        return j
    }

    /// Common single-character surnames: a list item that starts with one and is two or three characters long
    /// reads as a person's name (`张三`, `李某某`).
    static let surnames: Set<UInt32> = Set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝".unicodeScalars.map(\.value))

    /// The scalars of `r` (a short item: at most a handful).
    func scalars(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> [UInt32] {
        var out: [UInt32] = []
        var j = r.lowerBound
        while j < r.upperBound { let (v, l) = decodeScalar(p, j); out.append(v); j += l }
        return out
    }

    /// A person's name: two or three characters, a common surname first, none of the clause characters.
    static func isName<C: Collection>(_ s: C) -> Bool where C.Element == UInt32 {
        (2...3).contains(s.count) && surnames.contains(s.first!) && !s.contains(where: { clauseChars.contains($0) })
            && !s.dropFirst().contains(where: { countChars.contains($0) })
    }
    /// After a surname character these make a number's unit or a time (`万吨`, `余起`, `时许`), not a given name.
    static let countChars: Set<UInt32> = Set("吨起元年月日时许号亿万余多名次个".unicodeScalars.map(\.value))

    func isShortItem(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        r.count <= 12 && PunctuationFormsCheck.isName(scalars(p, r))
    }

    /// `张三,李四,王五`: names separated by half-width commas, looked at from the first comma of the run. Two or
    /// more commas with names between them (and a name at the end of the first item, at the start of the last) are
    /// a list: safe fix to `、`. One comma between two lone names (`张三,李四`) may be a list or two clauses (an
    /// apposition, a subject and its sentence): unsafe fix. Other short items (`变丑,变胖`) are not reported: on
    /// simulated half-width web copy they were clauses more often than lists.
    /// Returns the end of the list's last comma when the comma starts a list of names (reported when `report`).
    @discardableResult
    func comma(at s: Int, _ seg: Segment, _ p: UnsafeBufferPointer<UInt8>, _ context: CheckContext, report: Bool = true, into findings: inout [Finding]) -> Int? {
        let lo = seg.range.lowerBound, hi = seg.range.upperBound
        guard s + 1 < hi, let x = scalarBefore(p, s, lo), PunctuationFormsCheck.isHan(x.v),
              PunctuationFormsCheck.isHan(decodeScalar(p, s + 1).0) else { return nil }
        var first = itemStart(p, s, lo)
        // Not the first comma of the run.
        if let y = scalarBefore(p, first, lo), y.v == 0x2C, let z = scalarBefore(p, y.at, lo), PunctuationFormsCheck.isHan(z.v) { return nil }
        var s = s
        var commas = [s]
        var middles: [Range<Int>] = []
        var k = s + 1
        var last = k..<k
        while true {
            let e = itemEnd(p, k, hi)
            // A name followed by another comma continues the list; anything else ends it (`…蒋华蒙一行来到现场,看望`).
            if e + 1 < hi, p[e] == 0x2C, PunctuationFormsCheck.isHan(decodeScalar(p, e + 1).0), isShortItem(p, k..<e) {
                middles.append(k..<e); commas.append(e); k = e + 1
            } else { last = k..<e; break }
        }
        // `他说,张三,李四,王五来了`: a first item that ends in no name is a clause before the list.
        func endsWithName(_ r: Range<Int>) -> Bool {
            let head = scalars(p, r)
            return [2, 3].contains(where: { head.count >= $0 && PunctuationFormsCheck.isName(head.suffix($0)) })
        }
        if commas.count >= 3 && !endsWithName(first..<s) {
            first = middles.removeFirst().lowerBound
            commas.removeFirst()
            s = commas[0]
        }
        let safety: FixSafety
        if commas.count >= 2 {
            // Names between the commas; the first item ends with a name (`市领导章旭升`) and the last starts with one
            // (`蒋华蒙一行`).
            let head = scalars(p, first..<s), tail = scalars(p, last)
            guard [2, 3].contains(where: { head.count >= $0 && PunctuationFormsCheck.isName(head.suffix($0)) }),
                  [2, 3].contains(where: { tail.count >= $0 && PunctuationFormsCheck.isName(tail.prefix($0)) }) else { return nil }
            safety = .safe
        } else {
            guard isShortItem(p, first..<s), isShortItem(p, last) else { return nil }
            safety = .unsafe
        }
        guard report else { return commas.last! + 1 }
        // Each edit takes the character before the comma along, so that this fix comes before the plain
        // half-width → full-width one (`，`) at the same comma and wins the overlap.
        var edits: [Edit] = []
        for c in commas {
            let h = scalarBefore(p, c, lo)!
            edits.append(Edit(range: h.at..<(c + 1), replacement: text(p, h.at..<c) + "、"))
        }
        // The finding: the list, with only the name of a longer first or last item (`市领导章旭升` → `章旭升`).
        let head = scalars(p, first..<s), tail = scalars(p, last)
        let headName = PunctuationFormsCheck.isName(head) ? head.count : (head.count > 3 && PunctuationFormsCheck.isName(head.suffix(3)) ? 3 : 2)
        let tailName = PunctuationFormsCheck.isName(tail) ? tail.count : (tail.count > 3 && PunctuationFormsCheck.isName(tail.prefix(3)) ? 3 : 2)
        var from = s
        for _ in 0..<headName { if let h = scalarBefore(p, from, lo) { from = h.at } }
        var to = last.lowerBound
        for _ in 0..<tailName where to < last.upperBound { to += utf8Length(leading: p[to]) }
        let range = from..<to
        let match = text(p, range)
        add(context, range, edits, safety, ["match": match, "replacement": match.replacingOccurrences(of: ",", with: "、")], into: &findings)
        return commas.last! + 1
    }

    /// Words that open a sentence or a clause (`据了解,目前,该市…`): never an item of a list.
    static let adverbials: Set<[UInt32]> = Set("""
        目前 同时 此外 其中 然而 因此 据悉 近日 今年 去年 今天 昨天 明天 随后 最后 首先 其次 再次 另外 当时 如今 现在 对此 为此 \
        据了解 据介绍 据报道 据统计 记者 一是 二是 三是 然后 之后 此后 当天 日前 近年 近期 事实上 实际上 总之 比如 例如 尤其 \
        特别 不过 可是 而且 并且 于是 所以 因为 虽然 但是 如果 即使 其实 原来 后来 起初 最终 终于 截至 同样 显然 当然 可见 \
        一方面 第一 第二 第三 近年来 多年来 近些年 按照 根据 最近 今后 以后 以前 过去 未来 届时 此前 早前 随即 接着 紧接着 不久 如此 否则 总体 总的来说 据此
        """.split(whereSeparator: { $0 == " " || $0 == "\\" || $0 == "\n" }).map { Array($0.unicodeScalars.map(\.value)) })

    /// A word item of a list: one to three Chinese characters, none of the clause characters, no sentence opener.
    func isWordItem(_ s: [UInt32]) -> Bool {
        (1...3).contains(s.count) && !s.contains(where: { PunctuationFormsCheck.clauseChars.contains($0) })
            && !PunctuationFormsCheck.adverbials.contains(s)
    }

    /// `items: words`: `北京,上海,广州` — two or more half-width commas between short words (one to three characters
    /// each between the commas, no clause character, no sentence opener; the first item must not end, the last not
    /// start, with a clause character or opener). On web news with its `、` and `，` between Chinese made `,`, about
    /// 8 in 10 such commas were `、` (docs/false-positives.md), and four-character items were mostly parallel clauses
    /// (`事实清楚,证据充分`), so they end the run. The fix is always unsafe: only the writer knows a list from clauses.
    func wordList(at s: Int, _ seg: Segment, _ p: UnsafeBufferPointer<UInt8>, _ context: CheckContext, into findings: inout [Finding]) -> Int? {
        let lo = seg.range.lowerBound, hi = seg.range.upperBound
        guard s + 1 < hi, let x = scalarBefore(p, s, lo), PunctuationFormsCheck.isHan(x.v),
              PunctuationFormsCheck.isHan(decodeScalar(p, s + 1).0) else { return nil }
        let first = itemStart(p, s, lo)
        var commas = [s]
        var middles: [[UInt32]] = []
        var k = s + 1
        var last = k..<k
        while true {
            let e = itemEnd(p, k, hi)
            let item = scalars(p, k..<e)
            if e + 1 < hi, p[e] == 0x2C, PunctuationFormsCheck.isHan(decodeScalar(p, e + 1).0), isWordItem(item) {
                middles.append(item); commas.append(e); k = e + 1
            } else { last = k..<e; break }
        }
        guard !middles.isEmpty else { return nil }
        // `学法,守法,用法,同时积极参与`: a sentence opener after the last comma starts a clause; the list ends before it.
        var tail = scalars(p, last)
        if PunctuationFormsCheck.adverbials.contains(where: { tail.starts(with: $0) }) {
            let item = middles.removeLast()
            commas.removeLast()
            guard !middles.isEmpty else { return nil }
            last = (commas.last! + 1)..<(commas.last! + 1 + item.reduce(0) { $0 + (Unicode.Scalar($1).map { String($0).utf8.count } ?? 0) })
            tail = item
        }
        let head = scalars(p, first..<s)
        guard let h = head.last, let t = tail.first, !PunctuationFormsCheck.clauseChars.contains(h), !PunctuationFormsCheck.clauseChars.contains(t),
              !PunctuationFormsCheck.adverbials.contains(where: { head.count >= $0.count && Array(head.suffix($0.count)) == $0 && head.count <= $0.count + 1 })
        else { return nil }
        var edits: [Edit] = []
        for c in commas {
            let b = scalarBefore(p, c, lo)!
            edits.append(Edit(range: b.at..<(c + 1), replacement: text(p, b.at..<c) + "、"))
        }
        // The finding: as many characters of the first and last items as the shortest middle item has.
        let width = middles.map(\.count).min()!
        var from = s
        for _ in 0..<min(width, head.count) { if let b = scalarBefore(p, from, lo) { from = b.at } }
        var to = last.lowerBound
        for _ in 0..<min(width, tail.count) { to += utf8Length(leading: p[to]) }
        let match = text(p, from..<to)
        add(context, from..<to, edits, .unsafe, ["match": match, "replacement": match.replacingOccurrences(of: ",", with: "、")], into: &findings)
        return commas.last! + 1
    }

    // MARK: caption-period

    /// `……的落水位置。（梁志航 摄）` and `……的落水位置。 新华社记者 张三 摄`: a picture caption (recognised by the photo
    /// credit after it on the same line) ends with a 句号 (GB/T 15834-2011 A.1). A date in the brackets
    /// (`（2015年7月8日摄）`) or 拍摄 is no credit. The fix (delete the 句号) is unsafe: wire captions are sentences.
    func caption(at s: Int, _ seg: Segment, _ p: UnsafeBufferPointer<UInt8>, _ context: CheckContext, into findings: inout [Finding]) {
        let lo = seg.range.lowerBound, hi = seg.range.upperBound
        let end = s + 3
        // 拍摄 is no credit; 文摄, 文并摄 credit the whole article's text and pictures, not one caption.
        guard let x = scalarBefore(p, s, lo), x.v != 0x62CD, x.v != 0x6587, x.v != 0x5E76 else { return }
        var j = s
        var han = 0, steps = 0
        var spaced = false
        if end < hi, decodeScalar(p, end).0 == 0xFF09 || p[end] == 0x29 {
            // （… 摄）: back to the opening bracket.
            var opened = false
            while let y = scalarBefore(p, j, lo), steps < 30 {
                j = y.at; steps += 1
                if y.v == 0xFF08 || y.v == 0x28 { opened = true; break }
                if PunctuationFormsCheck.isHan(y.v) { han += 1 }
                else if !(y.v == 0x20 || y.v == 0x3000 || y.v == 0x2F || y.v == 0xB7 || y.v == 0x3001) { return }
            }
            guard opened, han >= 2 else { return }
        } else {
            // A trailing credit: only spaces after it to the end of the line.
            var e = end
            while e < hi && (p[e] == 0x20 || p[e] == 0x09) { e += 1 }
            guard e == hi, seg.atLineEnd else { return }
            while let y = scalarBefore(p, j, lo), steps < 24 {
                if y.v == 0x3002 { break }
                j = y.at; steps += 1
                if PunctuationFormsCheck.isHan(y.v) { han += 1 }
                else if y.v == 0x20 || y.v == 0x3000 || y.v == 0x2F { spaced = true }
                else if y.v != 0xB7 { return }
            }
            guard spaced, han >= 3 else { return }
        }
        guard let stop = scalarBefore(p, j, lo), stop.v == 0x3002 else { return }
        // `（2015年7月8日摄）。新华社记者 刘军 摄`: the wire's form, a dated sentence caption; left alone.
        if let b = scalarBefore(p, stop.at, lo), b.v == 0xFF09 || b.v == 0x29 { return }
        add(context, stop.at..<(stop.at + 3), [Edit(range: stop.at..<(stop.at + 3), replacement: "")], .unsafe,
            ["match": text(p, stop.at..<end)], into: &findings)
    }

    /// A caption on its own line above its photo credit line (`工作人员检修供暖管道。⏎新华社记者 张三 摄`, one blank line
    /// between allowed): the credit is a `photo` credit of the page structure (a line that ends in 摄). A news
    /// paragraph often stands above a credit of the article's pictures, so the line counts as a caption only when
    /// it is short (at most 40 characters) or starts with 图为/图中/上图/下图, and stands as a paragraph of its own
    /// (first in its block or after a line that ends a sentence). 文/图,
    /// 文并摄 and 拍摄 are no picture credits; the wire's `（2015年7月8日摄）。` form is left alone as on one line.
    func captionsAboveCredits(_ p: UnsafeBufferPointer<UInt8>, _ context: CheckContext, into findings: inout [Finding]) {
        let doc = context.document, src = doc.source
        var creditLines: [Int] = []
        for l in 0..<src.lineCount where ownLineCredit(line: l, p, src) { creditLines.append(l) }
        for a in doc.structure.articles { for c in a.credits where c.kind == .photo { creditLines.append(c.line) } }
        for f in doc.structure.fragments { for c in f.credits where c.kind == .photo { creditLines.append(c.line) } }
        guard !creditLines.isEmpty else { return }
        // The whole-line segments of the rule's scope on the lines above the credits (one or two lines up).
        var wanted: [Int: Int] = [:]     // line start → line
        for cl in creditLines { for l in [cl - 1, cl - 2] where l >= 0 { wanted[src.lineContent(l).lowerBound] = l } }
        var lineEnds: [Int: Segment] = [:]
        for (_, seg) in context.segments where seg.atLineEnd && seg.atLineStart {
            if let l = wanted[seg.range.lowerBound] { lineEnds[l] = seg }
        }
        for cl in Set(creditLines).sorted() {
            let credit = ArticleStructure.trimmed(ArticleStructure.scalars(src, src.lineContent(cl)))
            guard credit.last == 0x6444, credit.count >= 3, credit.count <= 24 else { continue }
            let beforeShe = credit[credit.index(before: credit.endIndex) - 1]
            if beforeShe == 0x62CD || beforeShe == 0x6587 || beforeShe == 0x5E76 { continue }      // 拍摄 文摄 并摄
            if credit.starts(with: [0x6587, 0x2F]) || credit.starts(with: [0x6587, 0xFF0F]) { continue }
            var l = cl - 1
            if l >= 0 && PlainTextScanner.isBlank(src, src.lineContent(l)) { l -= 1 }
            guard l >= 0, let seg = lineEnds[l] else { continue }
            // The caption is a paragraph of its own: the first line of its block, or after a line that ends a
            // sentence (web copy, a paragraph a line), not the last line of a wrapped paragraph.
            if l > doc.blocks[seg.block].lines.lowerBound {
                let facts = doc.lineFacts
                let before = ArticleStructure.trimmed(ArticleStructure.scalars(src, src.lineContent(l - 1)))
                let ends = l - 1 < facts.count ? facts[l - 1].contains(.endsSentence) : (before.last.map(ArticleStructure.isEnding) ?? true)
                if !ends { continue }
            }
            let s = ArticleStructure.trimmed(ArticleStructure.scalars(src, seg.range))
            guard s.last == 0x3002, s.count >= 4 else { continue }
            let leadIn: [[UInt32]] = [[0x56FE, 0x4E3A], [0x56FE, 0x4E2D], [0x4E0A, 0x56FE], [0x4E0B, 0x56FE]]
            guard s.count <= 40 || leadIn.contains(where: { s.starts(with: $0) }) else { continue }
            // Quoted speech (`“……。”杨宝顺说。`) is a paragraph of the story, not a caption.
            if s.contains(where: { $0 == 0x201C || $0 == 0x201D || $0 == 0x300C }) { continue }
            let beforeStop = s[s.index(before: s.endIndex) - 1]
            if beforeStop == 0xFF09 || beforeStop == 0x29 { continue }
            // The 句号's offset: the line's last non-space bytes.
            var e = seg.range.upperBound
            while e > seg.range.lowerBound, let x = scalarBefore(p, e, seg.range.lowerBound), x.v == 0x20 || x.v == 0x09 || x.v == 0x3000 { e = x.at }
            guard e - 3 >= seg.range.lowerBound, decodeScalar(p, e - 3).0 == 0x3002 else { continue }
            let stop = e - 3
            add(context, stop..<e, [Edit(range: stop..<e, replacement: "")], .unsafe,
                ["match": "。⏎" + String(String.UnicodeScalarView(credit.compactMap(Unicode.Scalar.init)))],
                into: &findings)
        }
    }

    /// A line holding nothing but a spaced photo credit (`新华社记者 张三 摄`, `记者 白雪 摄`), which the page structure
    /// may read as body text (it knows `张三 摄` directly under a caption). Looks at the line's last bytes first.
    func ownLineCredit(line: Int, _ p: UnsafeBufferPointer<UInt8>, _ src: SourceText) -> Bool {
        let r = src.lineContent(line)
        var e = r.upperBound
        while e > r.lowerBound && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
        guard e - 3 >= r.lowerBound, p[e - 3] == 0xE6, p[e - 2] == 0x91, p[e - 1] == 0x84 else { return false }   // 摄
        let lo = r.lowerBound, s = e - 3
        var j = s, han = 0, steps = 0, spaced = false
        while let y = scalarBefore(p, j, lo) {
            j = y.at; steps += 1
            guard steps <= 24 else { return false }
            if PunctuationFormsCheck.isHan(y.v) { han += 1 }
            else if y.v == 0x20 || y.v == 0x3000 || y.v == 0x2F || y.v == 0xA0 { spaced = true }
            else if y.v != 0xB7 && y.v != 0x09 { return false }
        }
        // A credit alone (`新华社记者 张三 摄`), not a caption with its credit (`道口边的警示牌 中新网记者 张尼 摄`).
        return spaced && han >= 2 && han <= 10 && !scalars(p, j..<s).contains(where: { PunctuationFormsCheck.clauseChars.contains($0) })
    }

    // MARK: quotes

    /// The quotation marks of one line, in order. `quote-style` reports the marks of the other style (a pair whose
    /// marks match up gets the fix as declared; marks that do not pair up get an unsafe one); `quote-nesting` pairs
    /// the house's marks and reports an inner pair that uses the outer marks, and an outer pair of the inner marks
    /// that holds outer ones (the reverse order). Lines whose house quotes do not pair up are left to `pairs`.
    func quotes(_ marks: [(at: Int, v: UInt32)], _ p: UnsafeBufferPointer<UInt8>, _ context: CheckContext, into findings: inout [Finding]) {
        guard !marks.isEmpty else { return }
        typealias Pair = (UInt32, UInt32)
        let homeDouble: Pair = corner ? PunctuationFormsCheck.cornerDouble : PunctuationFormsCheck.curlyDouble
        let homeSingle: Pair = corner ? PunctuationFormsCheck.cornerSingle : PunctuationFormsCheck.curlySingle
        let otherDouble: Pair = corner ? PunctuationFormsCheck.curlyDouble : PunctuationFormsCheck.cornerDouble
        let otherSingle: Pair = corner ? PunctuationFormsCheck.curlySingle : PunctuationFormsCheck.cornerSingle
        func len(_ v: UInt32) -> Int { v < 0x800 ? 2 : 3 }
        func str(_ v: UInt32) -> String { String(Unicode.Scalar(v)!) }

        if form == .quoteStyle {
            // Most lines hold only the house's marks: nothing to build for them.
            guard marks.contains(where: { $0.v == otherDouble.0 || $0.v == otherDouble.1 || $0.v == otherSingle.0 || $0.v == otherSingle.1 }) else { return }
            // Pair the other style's marks with a stack.
            let others = marks.filter { [otherDouble.0, otherDouble.1, otherSingle.0, otherSingle.1].contains($0.v) }
            guard !others.isEmpty else { return }
            var stack: [(at: Int, v: UInt32)] = []
            var pairs: [(open: (at: Int, v: UInt32), close: (at: Int, v: UInt32))] = []
            var balanced = true
            for m in others {
                if m.v == otherDouble.0 || m.v == otherSingle.0 { stack.append(m) }
                else if let top = stack.last, (top.v == otherDouble.0 && m.v == otherDouble.1) || (top.v == otherSingle.0 && m.v == otherSingle.1) {
                    stack.removeLast(); pairs.append((top, m))
                } else { balanced = false; break }
            }
            if !stack.isEmpty { balanced = false }
            func map(_ v: UInt32) -> String {
                switch v {
                case otherDouble.0: return str(homeDouble.0)
                case otherDouble.1: return str(homeDouble.1)
                case otherSingle.0: return str(homeSingle.0)
                default: return str(homeSingle.1)
                }
            }
            if balanced {
                for (o, c) in pairs.sorted(by: { $0.open.at < $1.open.at }) {
                    // House corner quotes: a curly single pair is converted only around Chinese (not `it’s`).
                    if corner && o.v == otherSingle.0 && !hasCJK(p, (o.at + 3)..<c.at) { continue }
                    let range = o.at..<(c.at + len(c.v))
                    add(context, range, [Edit(range: o.at..<(o.at + len(o.v)), replacement: map(o.v)),
                                         Edit(range: c.at..<(c.at + len(c.v)), replacement: map(c.v))], .safe,
                        ["match": str(o.v) + str(c.v), "replacement": map(o.v) + map(c.v)], into: &findings)
                }
            } else {
                for m in others where !(corner && (m.v == otherSingle.0 || m.v == otherSingle.1)) {
                    add(context, m.at..<(m.at + len(m.v)), [Edit(range: m.at..<(m.at + len(m.v)), replacement: map(m.v))], .unsafe,
                        ["match": str(m.v), "replacement": map(m.v)], into: &findings)
                }
            }
            return
        }

        // quote-nesting: the house's marks, paired with a stack; each pair knows its depth and its parent.
        guard marks.count >= 4 else { return }
        let home = marks.filter { [homeDouble.0, homeDouble.1, homeSingle.0, homeSingle.1].contains($0.v) }
        guard home.count >= 4 else { return }
        struct P { var open: Int; var close: Int; var double: Bool; var depth: Int; var parent: Int; var hasDoubleChild = false }
        var pairs: [P] = []
        var stack: [(at: Int, double: Bool, index: Int)] = []
        for m in home {
            if m.v == homeDouble.0 || m.v == homeSingle.0 {
                pairs.append(P(open: m.at, close: -1, double: m.v == homeDouble.0, depth: stack.count, parent: stack.last?.index ?? -1))
                stack.append((m.at, m.v == homeDouble.0, pairs.count - 1))
            } else {
                guard let top = stack.last, top.double == (m.v == homeDouble.1) else { return }
                stack.removeLast()
                pairs[top.index].close = m.at
            }
        }
        guard stack.isEmpty else { return }
        for i in pairs.indices where pairs[i].double && pairs[i].parent >= 0 { pairs[pairs[i].parent].hasDoubleChild = true }
        let dl = len(homeDouble.0), sl = len(homeSingle.0)
        // An outer pair counts only when it reads as a quotation (opened after a colon or at the start of the line,
        // or closed after the end of a sentence): web copy often drops one mark and adds another, so two stray
        // marks far apart would pair up around ordinary quoted words.
        func quotation(_ q: P, _ closeLen: Int) -> Bool {
            if let b = scalarBefore(p, q.open, 0), b.v == 0xFF1A || b.v == 0x3A { return true }
            let line = context.document.source.lineContent(context.document.source.lineIndex(of: q.open))
            if q.open == line.lowerBound { return true }
            if let b = scalarBefore(p, q.close, 0), [0x3002, 0xFF01, 0xFF1F, 0x2026, 0x21, 0x3F].contains(b.v) { return true }
            return false
        }
        for (i, q) in pairs.enumerated() {
            if q.parent >= 0 && !quotation(pairs[q.parent], 0) { continue }
            if !q.double && q.hasDoubleChild && !quotation(q, 0) { continue }
            if q.double && q.depth % 2 == 1 && q.parent >= 0 && pairs[q.parent].double {
                // “…“…”…”: the inner pair takes the single marks.
                add(context, q.open..<(q.close + dl), [Edit(range: q.open..<(q.open + dl), replacement: str(homeSingle.0)),
                                                      Edit(range: q.close..<(q.close + dl), replacement: str(homeSingle.1))], .unsafe,
                    ["match": str(homeDouble.0) + str(homeDouble.1), "replacement": str(homeSingle.0) + str(homeSingle.1)], into: &findings)
            } else if !q.double && q.depth % 2 == 0 && q.hasDoubleChild {
                // ‘…“…”…’: the outer pair is single and the inner double; swap both levels.
                var edits = [Edit(range: q.open..<(q.open + sl), replacement: str(homeDouble.0)),
                             Edit(range: q.close..<(q.close + sl), replacement: str(homeDouble.1))]
                for c in pairs where c.parent == i && c.double {
                    edits.append(Edit(range: c.open..<(c.open + dl), replacement: str(homeSingle.0)))
                    edits.append(Edit(range: c.close..<(c.close + dl), replacement: str(homeSingle.1)))
                }
                edits.sort { $0.range.lowerBound < $1.range.lowerBound }
                add(context, q.open..<(q.close + sl), edits, .unsafe,
                    ["match": str(homeSingle.0) + str(homeSingle.1), "replacement": str(homeDouble.0) + str(homeDouble.1)], into: &findings)
            }
        }
    }

    func hasCJK(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var j = r.lowerBound
        while j < r.upperBound {
            let (v, n) = decodeScalar(p, j)
            if !CharClass.of(v).isDisjoint(with: .cjk) { return true }
            j += n
        }
        return false
    }

    // MARK: list-marker

    /// `1.` and `1、` at the start of lines (one or two digits, then the mark, then no digit: not `1.5米`, not
    /// `1、2月份`). With `marker: dot` or `dunhao` the other form is reported with a fix as declared; with
    /// `consistent` the form most markers of the document use wins (the first on a tie), a marker of the other form
    /// is reported only where it goes on with the winner's numbering, and the fix is unsafe.
    func runListMarkers(_ context: CheckContext, into findings: inout [Finding]) {
        var found: [(range: Range<Int>, dot: Bool, number: Int)] = []
        context.document.source.bytes.withUnsafeBufferPointer { p in
            for (_, seg) in context.segments where seg.atLineStart {
                var i = seg.range.lowerBound
                let hi = seg.range.upperBound
                while i < hi && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
                if i + 3 <= hi && p[i] == 0xE3 && p[i + 1] == 0x80 && p[i + 2] == 0x80 { i += 3 }   // U+3000 indent
                var d = i
                while d < hi && p[d] >= 0x30 && p[d] <= 0x39 { d += 1 }
                guard d > i, d - i <= 2, p[i] != 0x30, d < hi else { continue }
                let (m, n) = decodeScalar(p, d)
                guard m == 0x2E || m == 0x3001 || m == 0xFF0E, d + n < hi else { continue }
                let (w, _) = decodeScalar(p, d + n)
                if (w >= 0x30 && w <= 0x39) || w == 0x2E || w == 0x29 || w == 0xFF09 || w == 0x3001 || w == 0xFF0E { continue }
                found.append((d..<(d + n), m != 0x3001, Int(p[i] - 0x30) * (d - i == 2 ? 10 : 1) + (d - i == 2 ? Int(p[i + 1] - 0x30) : 0)))
            }
        }
        guard !found.isEmpty else { return }
        let dot: Bool
        switch marker {
        case .dot: dot = true
        case .dunhao: dot = false
        case .consistent:
            let dots = found.filter(\.dot).count, others = found.count - dots
            dot = dots != others ? dots > others : found[0].dot
        }
        let safety: FixSafety = marker == .consistent ? .unsafe : .safe
        let replacement = dot ? "." : "、"
        // A full-width point (`1．`) counts as a dot marker in the wrong width (the `width` rules report that).
        // Without a house choice, the two forms may be two levels of one outline (`1.` sections with `1、` items
        // under each): a list of one form goes on (2, 3…) after markers of the other form came between. Then a
        // marker counts as mixed only when it goes on with the numbering of the other form (`1、` `2、` `3.`).
        var outline = false
        var lastOfForm: [Bool: Int] = [:]
        for (k, f) in found.enumerated() {
            if f.number > 1, let j = lastOfForm[f.dot], found[j].number == f.number - 1, j + 1 < k { outline = true }
            lastOfForm[f.dot] = k
        }
        for (k, f) in found.enumerated() where f.dot != dot {
            if marker == .consistent && outline {
                let prev = k > 0 ? found[k - 1] : nil, next = k + 1 < found.count ? found[k + 1] : nil
                let continues = (prev.map { $0.dot == dot && $0.number == f.number - 1 } ?? false)
                    || (next.map { $0.dot == dot && $0.number == f.number + 1 } ?? false)
                if !continues { continue }
            }
            let match = context.document.source.string(f.range)
            add(context, f.range, [Edit(range: f.range, replacement: replacement)], safety,
                ["match": match, "replacement": replacement], into: &findings)
        }
    }
}
