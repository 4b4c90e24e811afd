import Foundation

/// `kind: numbers`: the written forms of numbers of GB/T 15835-2011, one `form` per rule, each a small scanner on
/// UTF-8 bytes and scalars that starts at a trigger character (年, 、, 百/千, %/万/亿, `.`) and looks a few
/// characters either way.
///
///     form: year-zero            # 二零二一年, 二○二一年, 二O二一年 → 二〇二一年
///     form: mixed-date           # 二〇二一年12月, 2021年十二月
///     form: two-digit-year       # 21年12月
///     form: approx-arabic        # 3、4天 → 三四天
///     form: approx-chinese       # 三、四年 → 三四年 (not 第一、二位, 二、三产业, 三、四年级)
///     form: bai-qian             # 4千元 → 4000元 (not 千克, 千米…)
///     form: range-unit           # 15～30% → 15%～30%, 9～16亿 → 9亿～16亿
///     form: event-date           # 3.15晚会 → “3·15”晚会
///     form: period-after-number  # 湿度为30%. → 湿度为30%。
///     form: leading-zero         # .5 → 0.5
///     form: lunar-arabic         # 农历8月15 → 农历八月十五, 腊月28 → 腊月二十八
///     form: split-number         # 2 0 2 1年 → 2021年; 100 000元 → 100000元 (groups: none | thin-space)
///     form: split-number-line    # 共计12⏎500元: a number cut by a line break inside a paragraph (not line-local)
public struct NumbersCheck: Check, SlotFindings {
    enum Form: String, CaseIterable {
        case yearZero = "year-zero", mixedDate = "mixed-date", twoDigitYear = "two-digit-year"
        case approxArabic = "approx-arabic", approxChinese = "approx-chinese", baiQian = "bai-qian"
        case rangeUnit = "range-unit", eventDate = "event-date", periodAfterNumber = "period-after-number"
        case leadingZero = "leading-zero", lunarArabic = "lunar-arabic", splitNumber = "split-number"
        case splitNumberLine = "split-number-line"

        var triggers: [UInt32] {
            switch self {
            case .yearZero, .mixedDate, .twoDigitYear: return [0x5E74]            // 年
            case .approxArabic, .approxChinese: return [0x3001]                   // 、
            case .baiQian: return [0x767E, 0x5343]                                // 百 千
            case .rangeUnit: return [0x25, 0x2030, 0x4E07, 0x4EBF]                // % ‰ 万 亿
            case .eventDate, .periodAfterNumber, .leadingZero: return [0x2E]      // .
            case .lunarArabic: return [0x5386, 0x814A, 0x6B63]                   // 历 腊 正
            case .splitNumber: return [0x20, 0xA0, 0x2009, 0x202F]               // space, NBSP, thin spaces
            case .splitNumberLine: return []                                      // line ends, not characters
            }
        }
    }

    let form: Form
    let triggers: [UInt32]
    /// `split-number`: how the house writes long numbers: `none` (12500: a space inside a number is an error) or
    /// `thin-space` (12 500 with U+2009, GB/T 15835 5.1.1: groups of three set off by an ASCII space or NBSP are
    /// fixed to the thin space).
    let thinSpaceGroups: Bool

    static let keys: Set<String> = ["form", "groups"]

    init(_ m: StrictMapping) throws {
        form = Form(rawValue: try m.required("form").choice("form", Form.allCases.map(\.rawValue)))!
        triggers = form.triggers
        if let g = m["groups"] {
            guard form == .splitNumber else { throw ConfigError(g.mark, "'groups' works with 'form: split-number'") }
            thinSpaceGroups = try g.choice("groups", ["none", "thin-space"]) == "thin-space"
        } else {
            thinSpaceGroups = false
        }
    }

    /// Every form reads only its own line, except a number cut by a line break.
    public var isLineLocal: Bool { form != .splitNumberLine }

    // MARK: character sets

    /// 一…九 → 1…9, 〇 → 0 (not 零, which is the zero of quantities).
    static func chineseDigit(_ v: UInt32) -> Int? {
        switch v {
        case 0x3007: return 0
        case 0x4E00: return 1
        case 0x4E8C: return 2
        case 0x4E09: return 3
        case 0x56DB: return 4
        case 0x4E94: return 5
        case 0x516D: return 6
        case 0x4E03: return 7
        case 0x516B: return 8
        case 0x4E5D: return 9
        default: return nil
        }
    }
    static let chineseDigitChars: [String] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
    /// What OCR and typing put for 〇 in a year: 零, ○ (U+25CB), O, Ｏ, 0, ０, ◯ (U+25EF).
    static func zeroLookalike(_ v: UInt32) -> Bool {
        v == 0x96F6 || v == 0x25CB || v == 0x4F || v == 0xFF2F || v == 0x30 || v == 0xFF10 || v == 0x25EF
    }
    @inline(__always) static func isDigit(_ v: UInt32) -> Bool { v >= 0x30 && v <= 0x39 }
    @inline(__always) static func isLetter(_ v: UInt32) -> Bool { v | 0x20 >= 0x61 && v | 0x20 <= 0x7A }

    /// Measure words and units after an approximation (三四年, 3、4天): the ones that count something.
    static let quantityWords: Set<UInt32> = Set("年天个人次倍岁成辆张只本件家条遍趟顿周斤米里亩吨元块分秒点杯瓶碗箱棵头份所台架篇首场句步口匹株".unicodeScalars.map(\.value))
    /// Words after which the pair is an abbreviated list (一、二年级, 二、三产业, 三、四级), not an approximation.
    static let listAfter: [String] = ["年级", "年代", "次会议", "次全会", "次全体", "次党", "次代", "次产业", "个一百年", "等奖", "点钟方向", "条款", "条规定", "条第", "号", "期"]
    /// Units after 千/百 that are SI prefixes or names, not the numeral (千克, 千米, 百分点, 百里杜鹃).
    static let kiloAfter: Set<UInt32> = Set("克米瓦伏帕赫卡焦兆字公里比分年位".unicodeScalars.map(\.value))
    /// Units that take whole numbers only (a number before them is no decimal fraction).
    static let countWords: Set<UInt32> = Set("年月日号时名岁起个人次件位家条号届期".unicodeScalars.map(\.value))
    /// Words before a telephone number.
    static let phoneWords: [[UInt32]] = ["电话", "热线", "拨打", "号码", "手机", "传真", "致电", "咨询"].map { $0.unicodeScalars.map(\.value) }
    /// Words after a month.day that make it the name of an event (“3·15”晚会).
    static let eventWords: [String] = ["晚会", "消费者", "国际", "纪念", "事件", "事故", "事变", "惨案", "大地震", "地震", "特大", "专案", "案件", "维权", "购物节", "期间", "前夕", "主题", "活动"]

    // MARK: scanning

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        let doc = context.document
        if form == .splitNumberLine { return runLineBreaks(context, into: &findings) }
        // The last bytes of the triggers of all forms (and of the usual pairs), found once per document. One pass
        // over the hits of the segment list with a compare per hit; the segment (and its scope) is looked up only
        // for this form's own triggers.
        let hits = context.texts.scalarHits(context.triggers)
        // Each hit's trigger group (the forms that share triggers share a group), made once per document: the
        // form's own hits are found sixteen groups at a time.
        let groups = context.texts.hitGroups(context.triggers) { NumbersCheck.triggerGroup($0) }
        let mine = NumbersCheck.triggerGroup(triggers[0])
        let all = context.allSegments, scope = context.scope
        doc.source.bytes.withUnsafeBufferPointer { p in
          hits.vals.withUnsafeBufferPointer { vals in
            hits.start.withUnsafeBufferPointer { start in
              groups.withUnsafeBufferPointer { g in
                var k = 0
                @inline(__always) func hit(_ j: Int) {
                    while start[k &+ 1] <= j { k &+= 1 }
                    let seg = all[k]
                    guard !seg.role.isDisjoint(with: scope) else { return }
                    let s = hits.pos[j]
                    check(at: s, len: utf8Length(leading: p[s]), trigger: vals[j], seg: seg, p: p, context: context, into: &findings)
                }
                let want = SIMD16<UInt8>(repeating: mine)
                var j = 0
                if let base = g.baseAddress {
                    while j &+ 16 <= g.count {
                        var bits = maskBits(UnsafeRawPointer(base + j).loadUnaligned(as: SIMD16<UInt8>.self) .== want)
                        while bits != 0 { hit(j &+ bits.trailingZeroBitCount); bits &= bits &- 1 }
                        j &+= 16
                    }
                }
                while j < g.count { if g[j] == mine { hit(j) }; j &+= 1 }
              }
            }
          }
        }
    }

    /// The forms whose triggers a character is (`Form.triggers`: the forms that share a trigger share all of
    /// them), as a small number; 0xFF for the other characters of the shared scan.
    @inline(__always) static func triggerGroup(_ v: UInt32) -> UInt8 {
        switch v {
        case 0x5E74: return 0                                  // 年
        case 0x3001: return 1                                  // 、
        case 0x767E, 0x5343: return 2                          // 百 千
        case 0x25, 0x2030, 0x4E07, 0x4EBF: return 3            // % ‰ 万 亿
        case 0x2E: return 4                                    // .
        case 0x5386, 0x814A, 0x6B63: return 5                  // 历 腊 正
        case 0x20, 0xA0, 0x2009, 0x202F: return 6              // spaces
        default: return 0xFF
        }
    }

    /// The triggers of every form and the marks of the usual pairs (the line-local `punctuation-forms` rules' triggers
    /// too): the most a lint's one shared scan looks for. A linter scans for its own rules' part of it
    /// (`Linter.triggerScan`, in `CheckContext.triggers`); this whole set is the default.
    static let shared: [UInt32] = Array(Set(Form.allCases.flatMap(\.triggers) + "（）“”《》【】".unicodeScalars.map(\.value)
                                            + PunctuationFormsCheck.sharedTriggers)).sorted()

    /// Scalars before `i` (nearest first), at most `n`, within `lo`.
    func before(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ lo: Int, _ n: Int) -> [(v: UInt32, at: Int)] {
        var out: [(v: UInt32, at: Int)] = []
        out.reserveCapacity(n)
        var j = i
        while out.count < n && j > lo {
            j -= 1
            while j > lo && p[j] & 0xC0 == 0x80 { j -= 1 }
            out.append((v: decodeScalar(p, j).0, at: j))
        }
        return out
    }

    /// The scalar just before `i`, if `i > lo` (what `before(p, i, lo, 1).first` gives, without an array).
    @inline(__always) func scalarBefore(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ lo: Int) -> UInt32? {
        guard i > lo else { return nil }
        var j = i - 1
        while j > lo && p[j] & 0xC0 == 0x80 { j -= 1 }
        return decodeScalar(p, j).0
    }

    /// Scalars from `i` on, at most `n`, within `hi`.
    func after(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ hi: Int, _ n: Int) -> [(v: UInt32, at: Int)] {
        var out: [(v: UInt32, at: Int)] = []
        out.reserveCapacity(n)
        var j = i
        while out.count < n && j < hi {
            let (v, len) = decodeScalar(p, j)
            out.append((v, j)); j += len
        }
        return out
    }

    func startsWith(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ hi: Int, _ words: [String]) -> Bool {
        for w in words {
            let u = w.utf8
            guard i + u.count <= hi else { continue }
            var k = i, same = true
            for b in u { if p[k] != b { same = false; break }; k += 1 }
            if same { return true }
        }
        return false
    }

    /// An ASCII number (digits with at most one decimal point) ending just before `end`: its start and whether it
    /// has a decimal point, or nil.
    func numberBefore(_ p: UnsafeBufferPointer<UInt8>, _ end: Int, _ lo: Int) -> (start: Int, decimal: Bool)? {
        var j = end
        var dot = false
        while j > lo {
            let c = p[j - 1]
            if c >= 0x30 && c <= 0x39 { j -= 1 }
            else if c == 0x2E && !dot && j < end && j - 2 >= lo && p[j - 2] >= 0x30 && p[j - 2] <= 0x39 { dot = true; j -= 1 }
            else { break }
        }
        return j < end && p[j] != 0x2E ? (j, dot) : nil
    }

    func numberAfter(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ hi: Int) -> Int? {
        var j = start
        var dot = false
        while j < hi {
            let c = p[j]
            if c >= 0x30 && c <= 0x39 { j += 1 }
            else if c == 0x2E && !dot && j > start && j + 1 < hi && p[j + 1] >= 0x30 && p[j + 1] <= 0x39 { dot = true; j += 1 }
            else { break }
        }
        return j > start ? j : nil
    }


    func check(at s: Int, len: Int, trigger v: UInt32, seg: Segment, p: UnsafeBufferPointer<UInt8>, context: CheckContext, into findings: inout [Finding]) {
        let lo = seg.range.lowerBound, hi = seg.range.upperBound
        let end = s + len
        switch form {
        case .yearZero:
            // Four year digits before 年, one or more a look-alike of 〇, at least two real Chinese digits.
            guard let x = scalarBefore(p, s, lo), NumbersCheck.chineseDigit(x) != nil || NumbersCheck.zeroLookalike(x) else { return }
            let b = before(p, s, lo, 5)
            guard b.count >= 4 else { return }
            let year = b[0..<4].reversed()
            guard year.allSatisfy({ NumbersCheck.chineseDigit($0.v) != nil || NumbersCheck.zeroLookalike($0.v) }),
                  year.filter({ NumbersCheck.chineseDigit($0.v).map { $0 > 0 } ?? false }).count >= 2,
                  year.first.map({ $0.v == 0x4E00 || $0.v == 0x4E8C }) ?? false else { return }
            if b.count == 5 {
                let x = b[4].v
                if NumbersCheck.chineseDigit(x) != nil || NumbersCheck.zeroLookalike(x) || NumbersCheck.isDigit(x) || NumbersCheck.isLetter(x) { return }
            }
            let bad = year.filter { NumbersCheck.zeroLookalike($0.v) }
            guard !bad.isEmpty else { return }
            let edits = bad.map { Edit(range: $0.at..<($0.at + utf8Length(leading: p[$0.at])), replacement: "〇") }
            let start = year.first!.at
            add(context, start..<s, edits, .safe, ["match": text(p, start..<s)], into: &findings)

        case .mixedDate:
            // The year's last digit first (both forms need one), before the look-around arrays are made.
            // An Arabic year needs a Chinese month after 年 (十 or a digit), a Chinese year an Arabic one.
            guard let x = scalarBefore(p, s, lo), NumbersCheck.chineseDigit(x) != nil || NumbersCheck.zeroLookalike(x) || NumbersCheck.isDigit(x),
                  end < hi else { return }
            if NumbersCheck.isDigit(x) {
                let y = decodeScalar(p, end).0
                guard NumbersCheck.chineseDigit(y) != nil || y == 0x5341 else { return }
            } else {
                guard NumbersCheck.isDigit(UInt32(p[end])) else { return }
            }
            let b = before(p, s, lo, 5)
            guard b.count >= 4 else { return }
            let year = Array(b[0..<4].reversed())
            let preceding = b.count == 5 ? b[4].v : nil
            let a = after(p, end, hi, 4)
            if year.allSatisfy({ NumbersCheck.chineseDigit($0.v) != nil || NumbersCheck.zeroLookalike($0.v) && !NumbersCheck.isDigit($0.v) }) {
                // 二〇二一年12月
                if let x = preceding, NumbersCheck.chineseDigit(x) != nil { return }
                guard year[0].v == 0x4E00 || year[0].v == 0x4E8C else { return }
                guard let m = numberAfter(p, end, hi), m - end <= 2, m < hi,
                      decodeScalar(p, m).0 == 0x6708,
                      let month = Int(text(p, end..<m)), (1...12).contains(month) else { return }
                add(context, year[0].at..<(m + 3), [], .none, ["match": text(p, year[0].at..<(m + 3))], into: &findings)
            } else if year.allSatisfy({ NumbersCheck.isDigit($0.v) }) {
                // 2021年十二月
                if let x = preceding, NumbersCheck.isDigit(x) || x == 0x2E || x == 0x524D { return }   // 公元前1046年二月: not the Gregorian calendar
                guard a.count >= 2 else { return }
                var k = 0
                var name = ""
                while k < a.count, NumbersCheck.chineseDigit(a[k].v) != nil || a[k].v == 0x5341 { name += String(Unicode.Scalar(a[k].v)!); k += 1 }
                guard k < a.count, a[k].v == 0x6708,
                      ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"].contains(name) else { return }
                add(context, year[0].at..<(a[k].at + 3), [], .none, ["match": text(p, year[0].at..<(a[k].at + 3))], into: &findings)
            }

        case .twoDigitYear:
            // 21年12月: exactly two digits before 年, a month (1–12) and 月 after it (not 个月).
            guard let n = numberBefore(p, s, lo), s - n.start == 2, !n.decimal else { return }
            if let x = before(p, n.start, lo, 1).first?.v, NumbersCheck.isDigit(x) || NumbersCheck.isLetter(x) || x == 0x2E || x == 0x2D || x == 0x2F || x == 0x7B2C { return }
            guard let m = numberAfter(p, end, hi), m - end <= 2, m < hi, decodeScalar(p, m).0 == 0x6708,
                  let month = Int(text(p, end..<m)), (1...12).contains(month) else { return }
            add(context, n.start..<s, [], .none, ["match": text(p, n.start..<s)], into: &findings)

        case .approxArabic:
            // 3、4天: single digits a and a+1, not part of a longer series, a quantity word after.
            guard s - 1 >= lo, end < hi, NumbersCheck.isDigit(UInt32(p[s - 1])), NumbersCheck.isDigit(UInt32(p[end])) else { return }
            let a = Int(p[s - 1]) - 0x30, bb = Int(p[end]) - 0x30
            guard bb == a + 1, a >= 1 else { return }
            if let x = before(p, s - 1, lo, 1).first?.v, NumbersCheck.isDigit(x) || NumbersCheck.isLetter(x) || x == 0x2E || x == 0x3001 || x == 0x7B2C || x == 0x2D { return }
            guard end + 1 < hi else { return }
            let (w, _) = decodeScalar(p, end + 1)
            guard NumbersCheck.quantityWords.contains(w), w != 0x6708 else { return }
            if startsWith(p, end + 1, hi, NumbersCheck.listAfter) { return }
            let repl = NumbersCheck.chineseDigitChars[a] + NumbersCheck.chineseDigitChars[bb]
            add(context, (s - 1)..<(end + 1), [Edit(range: (s - 1)..<(end + 1), replacement: repl)], .unsafe,
                ["match": text(p, (s - 1)..<(end + 1)), "replacement": repl], into: &findings)

        case .approxChinese:
            // 三、四年: Chinese digits a and a+1, not after 第 or another numeral, not part of a series.
            guard let x0 = scalarBefore(p, s, lo), let d0 = NumbersCheck.chineseDigit(x0), d0 >= 1 else { return }
            let b = before(p, s, lo, 2)
            let a = after(p, end, hi, 2)
            guard let x = b.first, let dx = NumbersCheck.chineseDigit(x.v), dx >= 1,
                  let y = a.first, let dy = NumbersCheck.chineseDigit(y.v), dy == dx + 1, a.count == 2 else { return }
            if b.count == 2 {
                let w = b[1].v
                if w == 0x7B2C || NumbersCheck.chineseDigit(w) != nil || w == 0x5341 || w == 0x3001 || w == 0x96F6 || w == 0x5468 || w == 0x661F { return }   // 第, numerals, 十, 、, 零, 周/星期
            }
            guard NumbersCheck.quantityWords.contains(a[1].v) else { return }
            let next = a[1].at
            if startsWith(p, next, hi, NumbersCheck.listAfter) { return }
            let range = x.at..<(y.at + 3)
            add(context, range, [Edit(range: s..<end, replacement: "")], .unsafe,
                ["match": text(p, range), "replacement": text(p, x.at..<s) + text(p, y.at..<(y.at + 3))], into: &findings)

        case .baiQian:
            // 4千元: an Arabic number right before 百 or 千, not a prefix (千克) or a name (百里).
            guard let n = numberBefore(p, s, lo) else { return }
            if let x = before(p, n.start, lo, 1).first?.v, NumbersCheck.isLetter(x) || x == 0x2D || x == 0x2F { return }
            guard Double(text(p, n.start..<s)).map({ $0 < 1000 }) ?? false else { return }
            var edits: [Edit] = []
            var safety = FixSafety.none
            if end < hi {
                let (w, _) = decodeScalar(p, end)
                if NumbersCheck.kiloAfter.contains(w) { return }
                // A plain integer and nothing else numeric after it: 4千元 → 4000元.
                let next = NumbersCheck.isDigit(w) || NumbersCheck.chineseDigit(w) != nil || w == 0x767E || w == 0x5341 || w == 0x5343
                // Part of a longer number (2亿4千8百万) or the end of a range (2~3千元): rewriting this one alone misleads.
                let prev = before(p, n.start, lo, 1).first?.v
                let compound = prev.map { [0x4EBF, 0x4E07, 0x5343, 0x767E, 0x5341, 0x7E, 0xFF5E, 0x2D, 0x2014, 0x5230, 0x81F3].contains($0) } ?? false
                if !n.decimal && !next && !compound {
                    edits = [Edit(range: s..<end, replacement: v == 0x5343 ? "000" : "00")]
                    safety = .unsafe
                }
            }
            let num = text(p, n.start..<s)
            add(context, n.start..<end, edits, safety,
                ["match": text(p, n.start..<end), "replacement": edits.isEmpty ? "" : num + edits[0].replacement], into: &findings)

        case .rangeUnit:
            // 15～30%: N1 SEP N2 UNIT with N1 < N2 and no unit after N1.
            guard let n2 = numberBefore(p, s, lo) else { return }
            var sepEnd = n2.start
            guard sepEnd > lo else { return }
            var sepStart = sepEnd - 1
            while sepStart > lo && p[sepStart] & 0xC0 == 0x80 { sepStart -= 1 }
            let sep = decodeScalar(p, sepStart).0
            guard [0x7E, 0xFF5E, 0x301C, 0x2D, 0x2014, 0x2013, 0xFF0D].contains(sep) else { return }
            sepEnd = sepStart
            guard let n1 = numberBefore(p, sepEnd, lo) else { return }
            if let x = before(p, n1.start, lo, 1).first?.v,
               NumbersCheck.isLetter(x) || [0x2D, 0x2F, 0x3A, 0x2E, 0x25, 0x7E, 0xFF5E, 0x2B, 0x2014].contains(x) { return }
            guard let a = Double(text(p, n1.start..<sepEnd)), let b = Double(text(p, n2.start..<s)), a < b else { return }
            // A date or a code (2018-12万) is not a range: a first number of four digits with a hyphen is skipped.
            if sep == 0x2D && sepEnd - n1.start >= 4 { return }
            let unit = text(p, s..<end)   // 1～2万元 → 1万～2万元: the 万 is what the first number lacks
            add(context, n1.start..<end, [Edit(range: sepEnd..<sepEnd, replacement: unit)], .unsafe,
                ["match": text(p, n1.start..<end), "unit": unit,
                 "replacement": text(p, n1.start..<sepEnd) + unit + text(p, sepEnd..<end)], into: &findings)

        case .eventDate:
            // 3.15晚会: month.day right before an event word, or alone in quotes (“3.15”).
            guard s > lo, end < hi, NumbersCheck.isDigit(UInt32(p[s - 1])), NumbersCheck.isDigit(UInt32(p[end])) else { return }
            guard let n1 = numberBefore(p, s, lo), s - n1.start <= 2, let n2 = numberAfter(p, end, hi), n2 - end <= 2,
                  let month = Int(text(p, n1.start..<s)), let day = Int(text(p, end..<n2)),
                  (1...12).contains(month), (1...31).contains(day), !text(p, n1.start..<s).hasPrefix("0") else { return }
            let prev = before(p, n1.start, lo, 1).first?.v
            if let x = prev, NumbersCheck.isDigit(x) || NumbersCheck.isLetter(x) || x == 0x2E || x == 0x2D || x == 0x2F { return }
            if n2 < hi, p[n2] == 0x2E || p[n2] == 0x25 || NumbersCheck.isLetter(UInt32(p[n2])) { return }
            let quoted = (before(p, n1.start, lo, 1).first?.v == 0x201C) && n2 + 3 <= hi && decodeScalar(p, n2).0 == 0x201D
            // At the start of a line or after a space, `3.1消费者应当…` is a section number: only quoted ones count there.
            let fresh = prev.map { CharClass.of($0).isSubset(of: CharClass.whitespace) } ?? true
            guard quoted || (!fresh && startsWith(p, n2, hi, NumbersCheck.eventWords)) else { return }
            add(context, n1.start..<n2, [Edit(range: s..<end, replacement: "·")], .unsafe,
                ["match": text(p, n1.start..<n2), "replacement": text(p, n1.start..<s) + "·" + text(p, end..<n2)], into: &findings)

        case .periodAfterNumber:
            // 湿度为30%. at the end of a line (or before a closing quote or bracket), the number right after Chinese.
            var numEnd = s
            if numEnd > lo, p[numEnd - 1] == 0x25 { numEnd -= 1 }
            guard let n = numberBefore(p, numEnd, lo) else { return }
            guard let x = before(p, n.start, lo, 1).first, CharClass.of(x.v).contains(.han) else { return }
            if end < hi {
                let (w, _) = decodeScalar(p, end)
                guard w == 0x201D || w == 0xFF09 || w == 0x300D || w == 0x2019 else { return }
            } else if !seg.atLineEnd { return }
            add(context, s..<end, [Edit(range: s..<end, replacement: "。")], .safe, ["match": "."], into: &findings)

        case .leadingZero:
            // .5 → 0.5: a decimal point with digits after it and no number, letter or point before it.
            guard end < hi, NumbersCheck.isDigit(UInt32(p[end])) else { return }
            let b = before(p, s, lo, 2)
            if let x = b.first?.v {
                if NumbersCheck.isDigit(x) || NumbersCheck.isLetter(x) || [0x2E, 0x5F, 0x2F, 0x5C, 0x3A, 0x23, 0x40, 0x25, 0xFF0E, 0x3002, 0x2026, 0x7E, 0x3D, 0x26, 0x3F].contains(x) { return }
                // A number one character further back: a decimal split by a space or damaged (`30 .5节`, `4。.5%`).
                if !CharClass.of(x).contains(.han), b.count > 1, NumbersCheck.isDigit(b[1].v) || NumbersCheck.isLetter(b[1].v) { return }
            }
            var n = end
            while n < hi && NumbersCheck.isDigit(UInt32(p[n])) { n += 1 }
            if n < hi {
                let (w, _) = decodeScalar(p, n)
                // `.mp3`, `.5.1` (a section), `.1、` (a list marker), `.5-` (a code)
                if NumbersCheck.isLetter(w) || [0x2E, 0x3001, 0x5F, 0x2D, 0x2F, 0x40, 0x3D, 0x29, 0xFF09].contains(w) { return }
                // A count or a date after it (`.13日`, `.190名`, `.2008年`): a lost full stop before a number, not a decimal.
                if NumbersCheck.countWords.contains(w) { return }
            }
            add(context, s..<n, [Edit(range: s..<s, replacement: "0")], .unsafe,
                ["match": text(p, s..<n), "replacement": "0" + text(p, s..<n)], into: &findings)

        case .lunarArabic:
            // 农历8月15 → 农历八月十五; 腊月28 → 腊月二十八; 正月初5 → 正月初五 (GB/T 15835 4.2: Chinese numerals
            // for the lunar calendar).
            let prefixStart: Int
            var k: Int
            if v == 0x5386 {
                guard let x = before(p, s, lo, 1).first, x.v == 0x519C || x.v == 0x9634 else { return }   // 农历 阴历
                prefixStart = x.at
                k = end
            } else {
                guard end + 3 <= hi, decodeScalar(p, end).0 == 0x6708 else { return }                     // 腊月 正月
                prefixStart = s
                k = end + 3
            }
            let prefixEnd = k
            while k < hi && p[k] == 0x20 { k += 1 }
            var arabic = false
            var monthPart = ""
            if v == 0x5386 {
                var m = k
                while m < hi && NumbersCheck.isDigit(UInt32(p[m])) { m += 1 }
                if m > k {
                    guard m - k <= 2, m + 3 <= hi, decodeScalar(p, m).0 == 0x6708,
                          let mv = Int(text(p, k..<m)), (1...12).contains(mv) else { return }
                    monthPart = NumbersCheck.lunarMonth(mv) + "月"
                    arabic = true
                    k = m + 3
                } else {
                    // A Chinese month name (正, 二…十二, 冬, 腊) and 月, then perhaps an Arabic day.
                    var j = k, steps = 0
                    while j < hi && steps < 3 {
                        let (w, l) = decodeScalar(p, j)
                        if w == 0x6708 { break }
                        guard NumbersCheck.chineseDigit(w) != nil || w == 0x5341 || w == 0x6B63 || w == 0x51AC || w == 0x814A else { return }
                        j += l; steps += 1
                    }
                    guard j > k, j + 3 <= hi, decodeScalar(p, j).0 == 0x6708 else { return }
                    monthPart = text(p, k..<(j + 3))
                    k = j + 3
                }
            }
            var dayPart = ""
            var chu = false
            if k + 3 <= hi, decodeScalar(p, k).0 == 0x521D { chu = true; k += 3 }                          // 初
            var d = k
            while d < hi && NumbersCheck.isDigit(UInt32(p[d])) { d += 1 }
            if d > k, d - k <= 2, !(d < hi && (p[d] == 0x2E || p[d] == 0x25)),
               let dv = Int(text(p, k..<d)), (1...30).contains(dv), !(chu && dv > 10) {
                dayPart = NumbersCheck.lunarDay(dv)
                arabic = true
                k = d
                if k + 3 <= hi, [0x65E5, 0x53F7].contains(decodeScalar(p, k).0) { k += 3 }                 // 日 号
            } else if chu {
                k -= 3
            }
            guard arabic else { return }
            let repl = monthPart + dayPart
            add(context, prefixStart..<k, [Edit(range: prefixEnd..<k, replacement: repl)], .unsafe,
                ["match": text(p, prefixStart..<k), "replacement": text(p, prefixStart..<prefixEnd) + repl], into: &findings)

        case .splitNumber:
            // Digit groups separated by one space each (all the same separator); looked at from the run's first one.
            guard s > lo, end < hi, NumbersCheck.isDigit(UInt32(p[s - 1])), NumbersCheck.isDigit(UInt32(p[end])) else { return }
            var j = s
            while j > lo && NumbersCheck.isDigit(UInt32(p[j - 1])) { j -= 1 }
            let prev = before(p, j, lo, 2)
            if let x = prev.first {
                if x.v == v, prev.count > 1, NumbersCheck.isDigit(prev[1].v) { return }     // not the run's first separator
                if NumbersCheck.isLetter(x.v) || [0x2E, 0x2D, 0x3A, 0x2F, 0x2B, 0x23, 0x25, 0x2C, 0x5F, 0xFF0E].contains(x.v) { return }
            }
            var groups = [j..<s], seps = [s..<end]
            var k = end
            while true {
                var e = k
                while e < hi && NumbersCheck.isDigit(UInt32(p[e])) { e += 1 }
                groups.append(k..<e)
                if e + len < hi, (0..<len).allSatisfy({ p[e + $0] == p[s + $0] }), NumbersCheck.isDigit(UInt32(p[e + len])) {
                    seps.append(e..<(e + len)); k = e + len
                } else { break }
            }
            let runEnd = groups.last!.upperBound
            var tail = runEnd
            if tail + 1 < hi, p[tail] == 0x2E, NumbersCheck.isDigit(UInt32(p[tail + 1])) {       // a decimal part
                tail += 1
                while tail < hi && NumbersCheck.isDigit(UInt32(p[tail])) { tail += 1 }
            }
            let afterV: UInt32? = tail < hi ? decodeScalar(p, tail).0 : nil
            if let a = afterV, [0x3A, 0x2D, 0x2F, 0x2E, 0xFF1A].contains(a) || NumbersCheck.isDigit(a) { return }   // times, dates, codes
            // A telephone number (`热线电话：910 299 008`).
            let context6 = before(p, j, lo, 8).map(\.v).reversed()
            let ctx = Array(context6)
            if NumbersCheck.phoneWords.contains(where: { w in ctx.count >= w.count && (0...(ctx.count - w.count)).contains { Array(ctx[$0..<($0 + w.count)]) == w } }) { return }
            let hanBefore = prev.first.map { CharClass.of($0.v).contains(.han) } ?? false
            let hanAfter = afterV.map { CharClass.of($0).contains(.han) || $0 == 0x25 || $0 == 0x2030 } ?? false
            let replacement: String
            let safety: FixSafety
            if groups.count >= 3 && groups.allSatisfy({ $0.count == 1 }) {
                // Letterspaced digits (display type through OCR): 2 0 2 1年.
                guard tail == runEnd else { return }
                replacement = ""
                safety = hanBefore || hanAfter ? .safe : .unsafe
            } else if (1...3).contains(groups[0].count), p[j] != 0x30, groups.dropFirst().allSatisfy({ $0.count == 3 }) {
                // Groups of three (100 000元): in Chinese text only.
                guard hanBefore || hanAfter else { return }
                let thin = v == 0x2009 || v == 0x202F
                if thinSpaceGroups && thin { return }
                replacement = thinSpaceGroups ? "\u{2009}" : ""
                // A deliberate separator (NBSP, thin space) before a unit is surely a group; an ASCII space may part
                // two numbers (a telephone number, table cells).
                safety = v != 0x20 && hanAfter ? .safe : .unsafe
            } else { return }
            let edits = seps.map { Edit(range: $0, replacement: replacement) }
            var joined = ""
            for (n, g) in groups.enumerated() { joined += (n > 0 ? replacement : "") + text(p, g) }
            add(context, j..<runEnd, edits, safety, ["match": text(p, j..<runEnd), "replacement": joined], into: &findings)

        case .splitNumberLine:
            return
        }
    }

    static func lunarMonth(_ m: Int) -> String {
        switch m {
        case 1: return "正"
        case 10: return "十"
        case 11: return "十一"
        case 12: return "十二"
        default: return chineseDigitChars[m]
        }
    }

    static func lunarDay(_ d: Int) -> String {
        if d <= 10 { return "初" + (d == 10 ? "十" : chineseDigitChars[d]) }
        if d < 20 { return "十" + chineseDigitChars[d - 10] }
        if d == 20 { return "二十" }
        if d < 30 { return "二十" + chineseDigitChars[d - 20] }
        return "三十"
    }

    /// `split-number-line`: a line of prose that ends in digits right after a Chinese character, and the next line of
    /// the same paragraph starts with digits and a unit or Chinese (`报名人数达12⏎500人`). The fix (unsafe) joins the
    /// two lines there. A table of numbers, one a line, has no Chinese before its digits and is not reported.
    func runLineBreaks(_ context: CheckContext, into findings: inout [Finding]) {
        let doc = context.document
        let src = doc.source
        var segs: [Segment] = context.segments.map(\.element)
        if !segs.indices.dropFirst().allSatisfy({ segs[$0 - 1].range.lowerBound <= segs[$0].range.lowerBound }) {
            segs.sort { $0.range.lowerBound < $1.range.lowerBound }
        }
        var blankWrapped: Bool? = nil
        src.bytes.withUnsafeBufferPointer { p in
            for (i, seg) in segs.enumerated() where seg.atLineEnd && i + 1 < segs.count {
                let r = seg.range
                guard r.count >= 12, NumbersCheck.isDigit(UInt32(p[r.upperBound - 1])) else { continue }
                var j = r.upperBound
                while j > r.lowerBound && NumbersCheck.isDigit(UInt32(p[j - 1])) { j -= 1 }
                // At most four digits before the break: a longer run is a telephone or an ID number, whole.
                guard j > r.lowerBound, r.upperBound - j <= 4, let x = before(p, j, r.lowerBound, 1).first, CharClass.of(x.v).contains(.han) else { continue }
                let next = segs[i + 1]
                guard next.atLineStart else { continue }
                let line = src.lineIndex(of: r.lowerBound), nextLine = src.lineIndex(of: next.range.lowerBound)
                if next.block != seg.block || nextLine != line + 1 {
                    // On a blank-line wrapped OCR page every printed line is a block of its own: a number may be cut
                    // across the blank line (`报名人数达12⏎⏎500人`). Only blank lines may stand between.
                    guard nextLine > line + 1, next.block > seg.block,
                          doc.blocks[next.block].kind == .paragraph, doc.blocks[seg.block].kind == .paragraph,
                          ((line + 1)..<nextLine).allSatisfy({ PlainTextScanner.isBlank(src, src.lineContent($0)) }) else { continue }
                    if blankWrapped == nil { blankWrapped = BrokenLineCheck.isBlankWrapped(doc) }
                    guard blankWrapped == true else { continue }
                }
                let q = next.range.lowerBound, hi = next.range.upperBound
                guard q < hi, NumbersCheck.isDigit(UInt32(p[q])) else { continue }
                var e = q
                while e < hi && NumbersCheck.isDigit(UInt32(p[e])) { e += 1 }
                guard e < hi else { continue }
                let (w, _) = decodeScalar(p, e)
                if e - q == 4 && w == 0x5E74 { continue }     // a year starts the next line
                guard CharClass.of(w).contains(.han) || w == 0x25 || w == 0x2030 || (w == 0x2E && e + 1 < hi && NumbersCheck.isDigit(UInt32(p[e + 1]))) else { continue }
                add(context, j..<e, [Edit(range: r.upperBound..<q, replacement: "")], .unsafe,
                    ["match": text(p, j..<r.upperBound) + "⏎" + text(p, q..<e), "replacement": text(p, j..<r.upperBound) + text(p, q..<e)], into: &findings)
            }
        }
    }
}
