/// `kind: consistency`: one document, or one article (`per: article`, the default, where the page has articles),
/// writes a thing one way. The forms found are counted; when more than one is used, each occurrence of a form other
/// than the majority (ties: the form seen first) is reported, naming the majority and the line of its first use.
///
///   - `groups`: lists of variant words (`[新冠肺炎, 新型冠状病毒肺炎]`, `[微信, WeChat]`), matched by the phrase
///     automaton (`Support/AhoCorasick`: one automaton for all groups of the rule, leftmost-longest matches, ASCII
///     letters case-insensitive); a group may be a mapping `{forms: […], introduce: full-first}`: the first form
///     (the full one) may introduce the others — a unit whose first occurrence is the full form is consistent.
///   - `detect: date-numerals`: dates written with Chinese numerals (`二〇二一年`, `十二月十四日`) beside dates with
///     Arabic numerals (`2021年`, `12月14日`) — GB/T 15835 4.3.
///   - `detect: thousands`: numbers of five or more digits with a thousands comma (`12,500`) beside numbers without
///     (`12500元`) — GB/T 15835 5.1.1. A plain number counts only before a unit or a Han measure word, so phone
///     numbers, years and codes do not.
public struct ConsistencyCheck: Check {
    struct Group { var forms: [String]; var fullFirst: Bool }
    enum Detect: String, CaseIterable { case dateNumerals = "date-numerals", thousands }
    var groups: [Group] = []
    var detect: Detect?
    var perArticle = true
    let automaton: AhoCorasick?
    /// Pattern index → (group, form).
    let patternForm: [(Int, Int)]

    static let keys: Set<String> = ["groups", "detect", "per"]

    init(_ m: StrictMapping) throws {
        if let n = m["per"] { perArticle = try n.choice("per", ["article", "document"]) == "article" }
        if let n = m["detect"] { detect = Detect(rawValue: try n.choice("detect", Detect.allCases.map(\.rawValue)))! }
        if let n = m["groups"] {
            for g in try n.list("groups") {
                var forms: [YAMLValue]
                var fullFirst = false
                if case .mapping = g {
                    let gm = try StrictMapping(g, what: "a group")
                    try gm.rejectUnknown(allowed: ["forms", "introduce"])
                    forms = try gm.required("forms").list("forms")
                    if let i = gm["introduce"] { fullFirst = try i.choice("introduce", ["full-first", "none"]) == "full-first" }
                } else {
                    forms = try g.list("a group")
                }
                var words: [String] = []
                for f in forms {
                    let s = try f.string("a form")
                    guard !s.isEmpty else { throw ConfigError(f.mark, "a form may not be empty") }
                    guard !words.contains(s) else { throw ConfigError(f.mark, "'\(s)' is twice in its group") }
                    words.append(s)
                }
                guard words.count >= 2 else { throw ConfigError(g.mark, "a group needs at least two forms") }
                groups.append(Group(forms: words, fullFirst: fullFirst))
            }
        }
        if (detect == nil) == groups.isEmpty {
            throw ConfigError(m.value.mark, "a consistency rule has either 'groups' or 'detect'")
        }
        var patterns: [[UInt8]] = []
        var pf: [(Int, Int)] = []
        for (gi, g) in groups.enumerated() { for (fi, f) in g.forms.enumerated() { patterns.append(Array(f.lowercased().utf8)); pf.append((gi, fi)) } }
        automaton = patterns.isEmpty ? nil : AhoCorasick(patterns: patterns, caseInsensitiveASCII: true)
        patternForm = pf
    }

    /// One occurrence: the unit (article or -1), its group, its form (index or label) and where it stands.
    struct Hit { var unit: Int; var group: Int; var form: String; var range: Range<Int>; var fullFirst: Bool; var isFull: Bool }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        let doc = context.document
        let src = doc.source
        var lineArticle: [Int] = []
        if perArticle {
            lineArticle = [Int](repeating: -1, count: src.lineCount)
            for (k, a) in doc.structure.articles.enumerated() { for l in a.lines where l < lineArticle.count { lineArticle[l] = k } }
        }
        func unit(_ offset: Int) -> Int { perArticle ? lineArticle[src.lineIndex(of: offset)] : -1 }
        var hits: [Hit] = []
        src.bytes.withUnsafeBufferPointer { p in
            if let automaton {
                var ms: [AhoCorasick.Match] = []
                for (_, seg) in context.segments {
                    ms.removeAll(keepingCapacity: true)
                    automaton.matches(in: p, range: seg.range, into: &ms)
                    for m in ms {
                        let (g, f) = patternForm[m.pattern]
                        // A Latin form stands alone (WeChat, not WeChatPay).
                        if isWordByte(p, m.range.lowerBound - 1, seg.range) && isWordByte(p, m.range.lowerBound, seg.range) { continue }
                        if isWordByte(p, m.range.upperBound, seg.range) && isWordByte(p, m.range.upperBound - 1, seg.range) { continue }
                        hits.append(Hit(unit: unit(m.range.lowerBound), group: g, form: groups[g].forms[f], range: m.range,
                                        fullFirst: groups[g].fullFirst, isFull: f == 0))
                    }
                }
            }
            if let detect {
                let triggers = detect == .dateNumerals ? context.texts.scalarHits([0x5E74, 0x6708]) : nil   // 年 月
                for (k, seg) in context.segments {
                    let found = detect == .dateNumerals ? Self.dates(p, seg.range, triggers: triggers!.pos[triggers!.start[k]..<triggers!.start[k + 1]])
                        : Self.thousands(p, seg.range)
                    for (r, form) in found { hits.append(Hit(unit: unit(r.lowerBound), group: 0, form: form, range: r, fullFirst: false, isFull: false)) }
                }
            }
        }
        guard !hits.isEmpty else { return }
        hits.sort { $0.range.lowerBound < $1.range.lowerBound }
        // The full form introduces the short one: a unit whose first occurrence of the group is the full form.
        var introduced: Set<Int> = []
        var seen: Set<Int> = []
        for h in hits {
            let key = (h.unit + 1) * 4096 + h.group
            if seen.insert(key).inserted && h.fullFirst && h.isFull { introduced.insert(key) }
        }
        let occurrences = hits.filter { !introduced.contains(($0.unit + 1) * 4096 + $0.group) }
            .map { MajorityForms.Occurrence(unit: $0.unit, group: $0.group, form: $0.form, range: $0.range) }
        for m in MajorityForms().minorities(occurrences) {
            let line = src.position(of: m.majorityFirst.lowerBound).line
            findings.append(Finding(rule: context.ruleIndex, range: m.occurrence.range,
                                    message: substitute(context.message, ["match": m.occurrence.form, "replacement": m.majority,
                                                                          "count": String(m.majorityCount), "line": String(line)])))
        }
    }

    func isWordByte(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ r: Range<Int>) -> Bool {
        guard i >= r.lowerBound, i < r.upperBound else { return false }
        let b = p[i]
        return (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A)
    }

    static let cnDigits: Set<UInt32> = Set("〇零一二三四五六七八九".unicodeScalars.map(\.value))
    static let cnSmall: Set<UInt32> = Set("一二三四五六七八九十".unicodeScalars.map(\.value))
    static func isDigit(_ v: UInt32) -> Bool { v >= 0x30 && v <= 0x39 }

    /// Dates around the 年 and 月 at `triggers` (byte offsets) in segment range `r`: `(range, "阿拉伯数字" | "汉字数字")`.
    /// Chinese: a four-character year of 〇一…九 before 年, or `<一…十二>月<一…三十一>日`; Arabic: four digits before 年,
    /// or digits 月 digits 日. Only a few characters either side of each trigger are decoded.
    static func dates(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, triggers: ArraySlice<Int>) -> [(Range<Int>, String)] {
        var out: [(Range<Int>, String)] = []
        for t in triggers {
            // Up to 5 scalars before (back over continuation bytes) and 5 after.
            var s: [UInt32] = [], off: [Int] = []
            var a = t, back = 0
            while a > r.lowerBound && back < 5 { a -= 1; while a > r.lowerBound && p[a] & 0xC0 == 0x80 { a -= 1 }; back += 1 }
            var i = a, after = 0, k = -1
            while i < r.upperBound && after <= 5 {
                let (v, n) = decodeScalar(p, i)
                if i == t { k = s.count }
                if k >= 0 && i > t { after += 1 }
                s.append(v); off.append(i); i += n
            }
            off.append(i)
            guard k >= 0 else { continue }
            if s[k] == 0x5E74 {   // 年
                if k >= 4, (k - 4..<k).allSatisfy({ isDigit(s[$0]) }), k < 5 || !isDigit(s[k - 5]) { out.append((off[k - 4]..<off[k + 1], "阿拉伯数字")) }
                else if k >= 4, (k - 4..<k).allSatisfy({ cnDigits.contains(s[$0]) }), k < 5 || !cnDigits.contains(s[k - 5]),
                        !(k + 1 < s.count && cnSmall.contains(s[k + 1])) {
                    // (A year followed by a Chinese month is read with its month at the 月 trigger.)
                    out.append((off[k - 4]..<off[k + 1], "汉字数字"))
                }
            } else {   // 月
                var a = k, b = k + 1
                while a > 0 && isDigit(s[a - 1]) && k - a < 2 { a -= 1 }
                while b < s.count && isDigit(s[b]) && b - k <= 2 { b += 1 }
                if a < k, b > k + 1, b < s.count, s[b] == 0x65E5, a == 0 || !isDigit(s[a - 1]) {
                    out.append((off[a]..<off[b + 1], "阿拉伯数字"))
                } else {
                    var c = k, d = k + 1
                    while c > 0 && cnSmall.contains(s[c - 1]) && k - c < 2 { c -= 1 }
                    while d < s.count && cnSmall.contains(s[d]) && d - k <= 3 { d += 1 }
                    // 腊月 / 正月 and 个月 are no calendar dates; a Chinese month needs its day (十二月十四日).
                    if c < k, d > k + 1, d < s.count, s[d] == 0x65E5, c == 0 || !(cnSmall.contains(s[c - 1]) || s[c - 1] == 0x4E2A) {
                        // The signing date of a quoted document (a verdict, a notice: `…二〇一八年五月十四日` then
                        // 书记员, the end, a space): written in Chinese numerals by that document's own convention.
                        let afterDay = d + 1 < s.count ? s[d + 1] : 0x0A
                        let signing = c >= 1 && s[c - 1] == 0x5E74 && (afterDay == 0x0A || afterDay == 0x20 || afterDay == 0x3000
                            || "书法审附代人新".unicodeScalars.contains { $0.value == afterDay } || d + 1 >= s.count && off[d + 1] >= r.upperBound)
                        if !signing { out.append((off[c]..<off[d + 1], "汉字数字")) }
                    }
                }
            }
        }
        return out
    }

    static let units: Set<UInt32> = Set("元万亿人个吨米家户件辆台名头只次股套亩斤克份余多条张平公千米册本所座间项位例".unicodeScalars.map(\.value))

    /// Numbers of five or more digits: `(range, "千分位逗号" | "无千分位")`.
    static func thousands(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> [(Range<Int>, String)] {
        var out: [(Range<Int>, String)] = []
        var i = r.lowerBound
        while i < r.upperBound {
            let b = p[i]
            guard b >= 0x30 && b <= 0x39 else { i += 1; continue }
            // Not inside a word or a decimal.
            let prevOK = i == r.lowerBound || !(p[i - 1] == 0x2E || (p[i - 1] | 0x20 >= 0x61 && p[i - 1] | 0x20 <= 0x7A) || p[i - 1] == 0x2C)
            var j = i, digits = 0, groups = 0, lastGroup = 0, commaOK = true
            while j < r.upperBound {
                if p[j] >= 0x30 && p[j] <= 0x39 { digits += 1; lastGroup += 1; j += 1; continue }
                if p[j] == 0x2C, j + 1 < r.upperBound, p[j + 1] >= 0x30 && p[j + 1] <= 0x39 {
                    if (groups == 0 && lastGroup > 3) || (groups > 0 && lastGroup != 3) { commaOK = false }
                    groups += 1; lastGroup = 0; j += 1; continue
                }
                break
            }
            if groups > 0 && lastGroup != 3 { commaOK = false }
            let decimal = j < r.upperBound && p[j] == 0x2E
            if prevOK && !decimal {
                if groups > 0 && commaOK && digits >= 5 { out.append((i..<j, "千分位逗号")) }
                else if groups == 0 && digits >= 5 && digits <= 9, j < r.upperBound {
                    let (v, _) = decodeScalar(p, j)
                    if units.contains(v) { out.append((i..<j, "无千分位")) }
                }
            }
            i = j
        }
        return out
    }
}

/// One thing written two ways in one unit (an article, or the document): the majority form against the minority
/// forms. Shared by `consistency` (variant words, date numerals, thousands separators) and the roster-free name typo
/// check (`names.near-miss`: 章旭生 once beside 章旭升 six times), its special case.
///
/// Occurrences are grouped by unit and group; in a group with more than one form, the majority is the form with the
/// most occurrences (ties: the form that comes first in the list given, so callers choose by their order), and each
/// occurrence of another form marked `report` is a minority, reported with the majority, its count and its first
/// place — when the majority has at least `minCount` occurrences and at least `ratio` times the minority's.
struct MajorityForms {
    struct Occurrence {
        var unit: Int
        var group: Int
        var form: String
        var range: Range<Int>
        /// Counted always; reported (when a minority) only if set.
        var report = true
    }
    struct Minority {
        var occurrence: Occurrence
        /// Occurrences of the minority form in its unit.
        var count: Int
        var majority: String
        var majorityCount: Int
        var majorityFirst: Range<Int>
    }
    var minCount = 1
    var ratio = 1

    /// The minorities, group by group in the order their first occurrence comes in the list, each group's in list order.
    func minorities(_ occurrences: [Occurrence]) -> [Minority] {
        struct Key: Hashable { var unit: Int; var group: Int }
        var byKey: [Key: [Int]] = [:]
        var order: [Key] = []
        for (k, o) in occurrences.enumerated() {
            let key = Key(unit: o.unit, group: o.group)
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(k)
        }
        var out: [Minority] = []
        for key in order {
            let list = byKey[key]!
            var count: [String: Int] = [:]
            var first: [String: Range<Int>] = [:]
            var forms: [String] = []
            for k in list {
                let o = occurrences[k]
                if count[o.form] == nil { forms.append(o.form); first[o.form] = o.range }
                count[o.form, default: 0] += 1
            }
            guard forms.count > 1 else { continue }
            var major = forms[0]
            for f in forms where count[f]! > count[major]! { major = f }
            let n = count[major]!
            guard n >= minCount else { continue }
            for k in list where occurrences[k].form != major && occurrences[k].report {
                let o = occurrences[k]
                let v = count[o.form]!
                guard n >= ratio * max(v, 1) else { continue }
                out.append(Minority(occurrence: o, count: v, majority: major, majorityCount: n, majorityFirst: first[major]!))
            }
        }
        return out
    }
}
