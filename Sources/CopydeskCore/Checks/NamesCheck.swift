/// `kind: names`: checks on title-anchored names that need no roster (`Names/`). Per article where the page has
/// articles (`Document.structure`), else per document. `check:` picks one:
///
///   - `two-titles`: one name given two titles in one article whose posts differ (not a short form of the other:
///     `市委书记`/`书记`; not one of the titles of a chain `市委副书记、市长X`; former titles `原…` left out). Reported
///     at the later title, naming the first.
///   - `near-miss`: a string at a name position that differs in one given-name character from a name of three or
///     more characters found after a title or in a leader list, when that name is at least `min-count` times
///     in the article and `ratio` times as frequent as the string (likely a typo: 章旭生 beside 章旭升 ×6).
///   - `space-in-name`: a space inside a name at a name position (`市委书记章 旭升`); the fix deletes it, safe only when
///     the same name stands without the space elsewhere in the document (clearly a name), else unsafe.
///   - `stroke-order`: a list of names announced as in surname stroke order (`按姓氏笔画为序`, `以姓氏笔画为序`,
///     `按姓氏笔画排序`…) whose surname strokes go down: a name whose first character has at least `margin` strokes
///     fewer than the name before it (`StrokeCount`, CLDR counts, where 艹 and 阝 count one more than GB 13000.1 —
///     hence the default margin of 2: a report is an inversion by GB counts too). Names of one list are 2–4 Han
///     characters separated by `、`, `，` or spaces, across lines; a label before `：` starts a new group; a bracket
///     after a name is skipped; anything else ends the list.
public struct NamesCheck: Check {
    enum Kind: String, CaseIterable {
        case twoTitles = "two-titles", nearMiss = "near-miss", spaceInName = "space-in-name", strokeOrder = "stroke-order"
    }
    let kind: Kind
    var minCount = 2
    var ratio = 3
    /// `two-titles`: `rank` reports only posts that are one office at two ranks (书记/副书记); `any` every two
    /// different posts (noisy on news that tells careers).
    var differ = "rank"

    /// `stroke-order`: the stroke difference reported.
    var margin = 2

    static let keys: Set<String> = ["check", "min-count", "ratio", "differ", "margin"]

    init(_ m: StrictMapping) throws {
        kind = Kind(rawValue: try m.required("check").choice("check", Kind.allCases.map(\.rawValue)))!
        for key in ["min-count", "ratio"] where m[key] != nil && kind != .nearMiss {
            throw ConfigError(m[key]!.mark, "'\(key)' is an option of check: near-miss")
        }
        if let n = m["differ"] {
            guard kind == .twoTitles else { throw ConfigError(n.mark, "'differ' is an option of check: two-titles") }
            differ = try n.choice("differ", ["rank", "any"])
        }
        if let n = m["margin"] {
            guard kind == .strokeOrder else { throw ConfigError(n.mark, "'margin' is an option of check: stroke-order") }
            margin = try n.int("margin")
            guard margin >= 1 else { throw ConfigError(n.mark, "'margin' must be at least 1") }
        }
        if let n = m["min-count"] {
            minCount = try n.int("min-count")
            guard minCount >= 1 else { throw ConfigError(n.mark, "'min-count' must be at least 1") }
        }
        if let n = m["ratio"] {
            ratio = try n.int("ratio")
            guard ratio >= 1 else { throw ConfigError(n.mark, "'ratio' must be at least 1") }
        }
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        if kind == .strokeOrder { strokeOrder(context, into: &findings); return }
        let an = NameAnalysis.of(context)
        let scope = context.scope
        let ms = an.mentions
        func add(_ r: Range<Int>, _ values: [String: String], _ fix: Fix? = nil) {
            findings.append(Finding(rule: context.ruleIndex, range: r, message: substitute(context.message, values), fix: fix))
        }
        switch kind {
        case .twoTitles:
            // Per article and name: the posts seen so far; a mention none of whose posts fits any of them is reported.
            var seen: [String: [(core: String, title: String)]] = [:]
            var art = Int.min
            for m in ms where !m.role.isDisjoint(with: scope) && m.anchor == .title {
                let a = an.article(ofLine: m.line)
                if a != art { seen = [:]; art = a }
                let current = m.titles.filter { !$0.former }
                guard !current.isEmpty else { continue }
                if let before = seen[m.name], !before.isEmpty {
                    let fits = current.contains { t in before.contains { NameExtractor.compatible($0.core, t.core) } }
                    let slip = differ == "any" || current.contains { t in before.contains { NameExtractor.rankVariants($0.core, t.core) } }
                    if !fits, slip, let t = current.last {
                        add(t.range, ["match": t.text, "name": m.name, "other": before[0].title])
                    }
                }
                seen[m.name, default: []] += current.map { ($0.core, $0.text) }
            }
        case .nearMiss:
            // Known names: three or more characters, after a title or in a list, per article.
            var byArticle: [Int: [String: [UInt32]]] = [:]
            for m in ms where m.nameScalars.count >= 3 && m.space == nil {
                byArticle[an.article(ofLine: m.line), default: [:]][m.name] = m.nameScalars
            }
            guard !byArticle.isEmpty else { return }
            // The shared majority/minority tally: per article, one group per known name, its occurrences first (it
            // wins ties), then those of each string one character away; only the strings at a name position are
            // reported.
            var occurrences: [MajorityForms.Occurrence] = []
            var groups: [String: Int] = [:]        // article + known name → group
            var counted: Set<String> = []           // article + group + form already counted
            func tally(_ name: String, _ scalars: [UInt32], article a: Int, group g: Int) {
                guard counted.insert("\(a)|\(g)|\(name)").inserted else { return }
                for i in an.occurrences(scalars) where an.article(ofOffset: an.stream.offsets[i]) == a {
                    occurrences.append(.init(unit: a, group: g, form: name, range: an.stream.offsets[i]..<an.stream.ends[i + scalars.count - 1], report: false))
                }
            }
            let all = Array(Set(byArticle.values.flatMap { $0.values }))
            var misses: Set<[Int]> = []             // group, start of a string at a name position
            for miss in an.nearMisses(of: all.sorted { $0.lexicographicallyPrecedes($1) }, skipKnown: false) {
                guard !an.stream.role[miss.index].isDisjoint(with: scope) else { continue }
                let a = an.article(ofOffset: miss.range.lowerBound)
                guard let known = byArticle[a]?[miss.meant] else { continue }
                let key = "\(a)|\(miss.meant)"
                let g = groups[key] ?? groups.count
                groups[key] = g
                tally(miss.meant, known, article: a, group: g)
                tally(miss.found, miss.found.unicodeScalars.map(\.value), article: a, group: g)
                misses.insert([g, miss.range.lowerBound])
            }
            for k in occurrences.indices where misses.contains([occurrences[k].group, occurrences[k].range.lowerBound]) { occurrences[k].report = true }
            for m in MajorityForms(minCount: minCount, ratio: ratio).minorities(occurrences) {
                add(m.occurrence.range, ["match": m.occurrence.form, "replacement": m.majority, "count": String(m.majorityCount)])
            }
        case .spaceInName:
            var plain: Set<String> = []
            for m in ms where m.space == nil { plain.insert(m.name) }
            for m in ms where m.space != nil && !m.role.isDisjoint(with: scope) {
                let sp = m.space!
                let clear = plain.contains(m.name) || an.occurrences(m.nameScalars).count > 0
                let safety: FixSafety = context.fixSafety == .none ? .none : (clear ? context.fixSafety : .unsafe)
                let fix = safety == .none ? nil : Fix(edit: Edit(range: sp, replacement: ""), safety: safety)
                add(sp, ["match": m.name, "name": m.name], fix)
            }
        case .strokeOrder:
            break
        }
    }

    /// The announcements of a stroke-ordered list (after `姓氏`).
    static let strokeWords: [[UInt32]] = ["笔画为序", "笔划为序", "笔画排序", "笔划排序", "笔画排列", "笔划排列", "笔画顺序", "笔划顺序"]
        .map { $0.unicodeScalars.map(\.value) }

    /// The bytes of 姓氏笔, the key of the stroke-order announcement.
    static let strokeKey: [UInt8] = [0xE5, 0xA7, 0x93, 0xE6, 0xB0, 0x8F, 0xE7, 0xAC, 0x94]

    /// The end offsets of the occurrences of `strokeKey` in `b`, in order. Sixteen places at a time: a place is a
    /// candidate when its byte, the next one and the key's last byte eight bytes on are the key's (SSE2 compares;
    /// in Chinese text about one place in 20,000 is one), and only candidates are compared whole. The rest of the
    /// text, under 24 bytes, by Horspool's search (the key's last byte first). Occurrences cannot overlap (the
    /// key's three characters differ), so this finds what one search from the start finds.
    static func strokeKeyEnds(_ b: UnsafeBufferPointer<UInt8>) -> [Int] {
        var out: [Int] = []
        let key = strokeKey, m = key.count
        guard b.count >= m, let base = b.baseAddress else { return out }
        @inline(__always) func isKey(_ i: Int) -> Bool {
            var j = 0
            while j < m && b[i &+ j] == key[j] { j &+= 1 }
            return j == m
        }
        typealias V = SIMD16<UInt8>
        let k0 = V(repeating: key[0]), k1 = V(repeating: key[1]), kl = V(repeating: key[m - 1])
        var i = 0
        // Loads of 16 bytes at i, i + 1 and i + m - 1 stay inside the text.
        while i &+ m &- 1 &+ 16 <= b.count {
            let a = UnsafeRawPointer(base + i).loadUnaligned(as: V.self)
            let c = UnsafeRawPointer(base + (i &+ 1)).loadUnaligned(as: V.self)
            let z = UnsafeRawPointer(base + (i &+ m &- 1)).loadUnaligned(as: V.self)
            let hit = unsafeBitCast(unsafeBitCast(a .== k0, to: V.self) & unsafeBitCast(c .== k1, to: V.self) & unsafeBitCast(z .== kl, to: V.self), to: SIMD2<UInt64>.self)
            if hit[0] | hit[1] != 0 {
                var bits = maskBits(unsafeBitCast(hit, to: SIMDMask<SIMD16<Int8>>.self))
                while bits != 0 {
                    let at = i &+ bits.trailingZeroBitCount
                    if isKey(at) { out.append(at &+ m) }
                    bits &= bits &- 1
                }
            }
            i &+= 16
        }
        // The tail: Horspool (an occurrence that started in the last block ends at or after i + m - 1, and no place
        // before i is looked at again).
        var shift = [Int](repeating: m, count: 256)
        for j in 0..<(m - 1) { shift[Int(key[j])] = m - 1 - j }
        while i + m <= b.count {
            let last = b[i + m - 1]
            if last == key[m - 1] && isKey(i) { out.append(i + m); i += m; continue }
            i += shift[Int(last)]
        }
        return out
    }

    func strokeOrder(_ context: CheckContext, into findings: inout [Finding]) {
        // Cheap test first: the bytes of 姓氏笔 (E5 A7 93 E6 B0 8F E7 AC 94) somewhere in the document.
        let doc = context.document
        let hits = doc.source.bytes.withUnsafeBufferPointer { NamesCheck.strokeKeyEnds($0) }
        for hit in hits {
            // The text after 姓氏笔 as scalars (at most 16 KB, up to a blank line); line breaks kept as U+000A.
            var s: [UInt32] = [], offsets: [Int] = [], ends: [Int] = []
            let text = doc.source.string(hit..<min(doc.source.bytes.count, hit + 16_384))
            var off = hit
            var blank = false
            for u in text.unicodeScalars {
                let n = UTF8.width(u)
                if u == "\r" { off += n; continue }
                if u == "\n" { if blank { break }; blank = true } else if !NameExtractor.isSpace(u.value) { blank = false }
                s.append(u.value); offsets.append(off); ends.append(off + n)
                off += n
            }
            // 画为序, 划排序…: the announcement's end.
            guard s.count >= 3, Self.strokeWords.contains(where: { w in s.starts(with: w.dropFirst()) }) else { continue }
            for group in Self.strokeList(s, from: 3) {
                var prev: (Int, Int)? = nil   // index, strokes
                for (start, end) in group {
                    guard let n = StrokeCount.of(s[start]) else { prev = nil; continue }
                    let role = doc.blockIndex(containing: offsets[start]).map { doc.blocks[$0].role } ?? []
                    if let p = prev, p.1 - n >= margin, !role.isDisjoint(with: context.scope) {
                        let name = String(String.UnicodeScalarView(s[start..<end].compactMap(Unicode.Scalar.init)))
                        let before = group.first { $0.0 == p.0 }!
                        let other = String(String.UnicodeScalarView(s[before.0..<before.1].compactMap(Unicode.Scalar.init)))
                        findings.append(Finding(rule: context.ruleIndex, range: offsets[start]..<ends[end - 1],
                                                message: substitute(context.message, ["match": name, "name": name, "other": other,
                                                                                      "strokes": String(n), "other-strokes": String(p.1)])))
                    }
                    prev = (start, n)
                }
            }
        }
    }

    /// The names after a stroke-order announcement, in groups (stream index ranges).
    static func strokeList(_ s: [UInt32], from: Int) -> [[(Int, Int)]] {
        var groups: [[(Int, Int)]] = [[]]
        var i = from
        // Skip what closes the announcement: brackets, a colon, spaces, a line break, 排列/如下.
        func isSep(_ v: UInt32) -> Bool { v == 0x3001 || v == 0xFF0C || v == 0x2C || NameExtractor.isSpace(v) || v == 0x0A }
        var names = 0
        while i < s.count && names < 500 {
            let v = s[i]
            if isSep(v) || v == 0xFF09 || v == 0x29 || v == 0xFF1A || v == 0x3A || v == 0x3011 || v == 0x2014 { i += 1; continue }
            if v == 0xFF08 || v == 0x28 {   // a bracket after a name: skip to its end (on the line)
                var j = i + 1
                while j < s.count && s[j] != 0xFF09 && s[j] != 0x29 && s[j] != 0x0A && j - i < 40 { j += 1 }
                guard j < s.count, s[j] == 0xFF09 || s[j] == 0x29 else { break }
                i = j + 1; continue
            }
            guard NameExtractor.isHan(v) else { break }
            var j = i
            while j < s.count && (NameExtractor.isHan(s[j]) || s[j] == 0xB7) { j += 1 }
            let next = j < s.count ? s[j] : 0
            if next == 0xFF1A || next == 0x3A {   // a label: a new group
                if j - i > 12 { break }
                if !groups[groups.count - 1].isEmpty { groups.append([]) }
                i = j + 1; continue
            }
            guard (2...4).contains(j - i), next == 0 || isSep(next) || next == 0xFF08 || next == 0x28 || next == 0x3002 || next == 0xFF1B else { break }
            groups[groups.count - 1].append((i, j))
            names += 1
            i = j
            if next == 0x3002 || next == 0xFF1B { break }
        }
        return groups.filter { $0.count >= 2 }
    }
}
