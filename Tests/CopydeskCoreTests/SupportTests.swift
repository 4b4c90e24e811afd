import Foundation
import Testing
@testable import CopydeskCore
import CByteClass

@Suite struct GlobTests {
    @Test func starStaysWithinASegment() {
        let g = Glob("drafts/*.md")
        #expect(g.matches("drafts/a.md"))
        #expect(g.matches("drafts/.md"))
        #expect(!g.matches("drafts/sub/a.md"))
        #expect(!g.matches("other/a.md"))
        #expect(!g.matches("drafts/a.txt"))
        #expect(!g.matches("drafts/a.md.bak"))
    }

    @Test func doubleStarSpansFolders() {
        let g = Glob("archive/**")
        #expect(g.matches("archive/a.md"))
        #expect(g.matches("archive/2021/12/a.md"))
        #expect(!g.matches("archived/a.md"))
        let mid = Glob("web/**/*.md")
        #expect(mid.matches("web/a.md"))          // ** may be zero folders
        #expect(mid.matches("web/x/y/a.md"))
        #expect(!mid.matches("web/x/y/a.txt"))
        let lead = Glob("**/草稿.txt")
        #expect(lead.matches("草稿.txt"))
        #expect(lead.matches("a/b/草稿.txt"))
        #expect(!lead.matches("a/b/草稿.txt.bak"))
        // A trailing slash means the folder's contents.
        #expect(Glob("web/").matches("web/a/b.md"))
        #expect(Glob("./web/*.md").matches("web/a.md"))
    }

    @Test func questionMarkAndClasses() {
        #expect(Glob("page?.txt").matches("page1.txt"))
        #expect(!Glob("page?.txt").matches("page12.txt"))
        #expect(!Glob("page?.txt").matches("page.txt"))
        #expect(Glob("?.txt").matches("稿.txt"))               // ? is one character, not one byte
        let cls = Glob("page[abc].txt")
        #expect(cls.matches("pagea.txt") && cls.matches("pagec.txt"))
        #expect(!cls.matches("paged.txt"))
        let range = Glob("v[0-9].md")
        #expect(range.matches("v7.md") && !range.matches("vx.md"))
        let neg = Glob("v[!0-9].md")
        #expect(neg.matches("vx.md") && !neg.matches("v7.md"))
        #expect(Glob("v[^ab].md").matches("vc.md") && !Glob("v[^ab].md").matches("va.md"))
        // An unterminated class is a literal '['.
        #expect(Glob("a[b.md").matches("a[b.md"))
    }

    @Test func nameOnlyPatternsMatchAtAnyDepth() {
        let g = Glob("*.draft.md")
        #expect(g.matches("x.draft.md"))
        #expect(g.matches("a/b/c/x.draft.md"))
        #expect(!g.matches("a/x.draft.md/y.md"))
        #expect(Glob("README.md").matches("docs/README.md"))
        // A pattern with a slash is anchored at the configuration's folder.
        #expect(!Glob("docs/README.md").matches("x/docs/README.md"))
    }

    @Test func starBacktracks() {
        #expect(Glob("*a*b*c").matches("xxaybzzc"))
        #expect(!Glob("*a*b*c").matches("xxaybzz"))
        #expect(Glob("a*").matches("a"))
        #expect(Glob("***.md").matches("x.md"))
    }
}

@Suite struct AhoCorasickTests {
    func find(_ patterns: [String], in text: String, ci: Bool = false) -> [(String, Range<Int>)] {
        let ac = AhoCorasick(patterns: patterns.map { Array($0.utf8) }, caseInsensitiveASCII: ci)
        let bytes = Array(text.utf8)
        var out: [AhoCorasick.Match] = []
        bytes.withUnsafeBufferPointer { ac.matches(in: $0, range: 0..<bytes.count, into: &out) }
        return out.map { (patterns[$0.pattern], $0.range) }
    }

    /// Reference: at each position take the longest pattern that starts there, then continue after it.
    func naive(_ patterns: [String], in text: String) -> [(String, Range<Int>)] {
        let t = Array(text.utf8)
        let ps = patterns.map { Array($0.utf8) }
        // Bucket by the first three bytes (one Han character) so the reference stays fast; shorter patterns always.
        let byPrefix = Dictionary(grouping: ps.indices.filter { ps[$0].count >= 3 }, by: { Array(ps[$0][0..<3]) })
        let short = ps.indices.filter { !ps[$0].isEmpty && ps[$0].count < 3 }
        var out: [(String, Range<Int>)] = []
        var i = 0
        while i < t.count {
            var best = -1
            let bucket = i + 3 <= t.count ? byPrefix[Array(t[i..<(i + 3)])] ?? [] : []
            for k in bucket + short where i + ps[k].count <= t.count && t[i..<(i + ps[k].count)].elementsEqual(ps[k]) {
                let p = ps[k]
                if best < 0 || p.count > ps[best].count { best = k }
            }
            if best >= 0 { out.append((patterns[best], i..<(i + ps[best].count))); i += ps[best].count } else { i += 1 }
        }
        return out
    }

    @Test func overlappingPatternsGiveLeftmostLongest() {
        let ps = ["he", "she", "hers", "his"]
        let m = find(ps, in: "ushers")
        #expect(m.map(\.0) == ["she"])
        #expect(m.map(\.1) == [1..<4])
        let cn = ["疫情", "疫情防控", "防控工作", "工作"]
        let text = "疫情防控工作"
        #expect(find(cn, in: text).map(\.0) == ["疫情防控", "工作"])
        let nested = find(["a", "ab", "abc", "bcd"], in: "abcd")
        #expect(nested.map(\.0) == ["abc"])
    }

    @Test func nonOverlappingRepeatedMatches() {
        let m = find(["aa"], in: "aaaaa")
        #expect(m.map(\.1) == [0..<2, 2..<4])
        let z = find(["北朝鲜", "朝鲜"], in: "北朝鲜和朝鲜")
        #expect(z.map(\.0) == ["北朝鲜", "朝鲜"])
        #expect(z.map(\.1) == [0..<9, 12..<18])
    }

    @Test func caseInsensitiveASCIIOnly() {
        #expect(find(["iPhone"], in: "IPHONE and iphone", ci: true).map(\.1) == [0..<6, 11..<17])
        #expect(find(["iPhone"], in: "IPHONE and iphone").isEmpty)
        #expect(find(["iPhone"], in: "an iPhone").map(\.1) == [3..<9])
        #expect(find(["ab"], in: "xAB", ci: true).map(\.1) == [1..<3])
        #expect(find(["ＡＢ"], in: "ａｂ", ci: true).isEmpty)   // full-width letters are not folded
    }

    @Test func rangeLimitsMatching() {
        let ac = AhoCorasick(patterns: [Array("全力".utf8)])
        let bytes = Array("全力以赴全力".utf8)
        var out: [AhoCorasick.Match] = []
        bytes.withUnsafeBufferPointer { ac.matches(in: $0, range: 3..<18, into: &out) }
        #expect(out.map(\.range) == [12..<18])
    }

    @Test func twoThousandPatternsAgreeWithNaiveSearch() {
        // Deterministic pseudo-random phrases of 2–5 common Han characters.
        let alphabet = Array("疫情防控工作人员志愿者全力以赴打赢阻击战市领导书记强调落实措施群众安全健康城市服务".unicodeScalars)
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Int { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return Int(seed % UInt64(alphabet.count)) }
        var set = Set<String>()
        while set.count < 2000 {
            var s = ""
            for _ in 0..<(2 + next() % 4) { s.unicodeScalars.append(alphabet[next()]) }
            set.insert(s)
        }
        let patterns = set.sorted()
        var text = ""
        for _ in 0..<3000 { text.unicodeScalars.append(alphabet[next()]) }
        let got = find(patterns, in: text)
        let want = naive(patterns, in: text)
        #expect(!want.isEmpty)
        #expect(got.count == want.count)
        #expect(got.map(\.1) == want.map(\.1))
        #expect(got.map(\.0) == want.map(\.0))
    }

    /// The root state skips the characters no pattern starts with (by lead byte, by scalar, Han by a predicted
    /// three-byte step): random texts and ranges of punctuation, Han, letters of both cases and other scripts,
    /// against the naive search, for pattern sets led by punctuation, by Han characters and by letters.
    @Test func rootSkippingAgreesWithNaiveSearch() {
        let alphabet = Array("一丁丈三上第笫弟，。、：；（）“”《》—…⋯ ．.-aAbBzZ09 \u{A0}\u{AD}\u{200B}é😀中文字全力以赴".unicodeScalars)
        let sets: [[String]] = [["，，", "、、", "……", "——", "。。。", "\u{200B}", "\u{AD}", "（一）", "”、“", "⋯⋯"],
                                ["一", "第一、", "全力", "以赴", "中文字"],
                                ["ab", "Zz", "a.", "-", "😀"],
                                ["一丁", "丈", "“", "》", "。", "9", "é"]]
        var seed: UInt64 = 0x2545F4914F6CDD1D
        func next() -> Int { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return Int(seed % 1_000_003) }
        for (si, patterns) in sets.enumerated() {
            for ci in [false, true] {
                let ac = AhoCorasick(patterns: patterns.map { Array($0.utf8) }, caseInsensitiveASCII: ci)
                for round in 0..<40 {
                    var text = ""
                    for _ in 0..<(10 + next() % 400) {
                        if next() % 7 == 0 { text += patterns[next() % patterns.count] } else { text.unicodeScalars.append(alphabet[next() % alphabet.count]) }
                    }
                    let bytes = Array(text.utf8)
                    var bounds = [0]
                    var i = 0
                    while i < bytes.count { i += utf8Length(leading: bytes[i]); bounds.append(i) }
                    let a = bounds[next() % bounds.count], b = bounds[next() % bounds.count]
                    let range = min(a, b)..<max(a, b)
                    var got: [AhoCorasick.Match] = []
                    bytes.withUnsafeBufferPointer { ac.matches(in: $0, range: range, into: &got) }
                    let sub = String(decoding: bytes[range], as: UTF8.self)
                    let want: [(String, Range<Int>)] = ci
                        ? naive(patterns.map { String($0.unicodeScalars.map { $0.value >= 0x41 && $0.value <= 0x5A ? Character(Unicode.Scalar($0.value + 0x20)!) : Character($0) }) },
                                in: String(sub.unicodeScalars.map { $0.value >= 0x41 && $0.value <= 0x5A ? Character(Unicode.Scalar($0.value + 0x20)!) : Character($0) }))
                        : naive(patterns, in: sub)
                    #expect(got.map { $0.range.lowerBound - range.lowerBound } == want.map(\.1.lowerBound), "set \(si) ci \(ci) round \(round)")
                    #expect(got.map(\.range.count) == want.map(\.1.count), "set \(si) ci \(ci) round \(round)")
                }
            }
        }
    }

    /// The prefix filter (`PrefixFilter`: patterns of four bytes or more that begin in few ways): every match,
    /// overlapping ones too, as a naive search of every pattern at every place finds them, on texts of the patterns,
    /// their prefixes and near neighbours at every alignment and up to the range's end; and which sets get it.
    @Test func prefixFilterFindsEveryMatch() {
        let sets: [[String]] = [["，。", "》、《", "”、“", "……等", "……等等"],
                                ["abcd", "abcde", "bcde", "cdefg", "abce"],
                                ["日在", "在", "本报讯（记者"]]   // `在` has three bytes: no prefix filter
        let near = Array("，。、》《”“…等的是了在中国abcdefgx日本报讯（记者）".unicodeScalars)
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Int { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return Int(seed % 1_000_003) }
        for (si, patterns) in sets.enumerated() {
            let ps = patterns.map { Array($0.utf8) }
            let ac = AhoCorasick(patterns: ps)
            #expect(ac.hasPrefixFilter == (si < 2), "set \(si)")
            for round in 0..<60 {
                var text = ""
                for _ in 0..<(next() % 900) {
                    if next() % 9 == 0 { text += patterns[next() % patterns.count] } else { text.unicodeScalars.append(near[next() % near.count]) }
                }
                // A pattern at the very end half the time (the range's last bytes are read one by one).
                if round % 2 == 0 { text += patterns[next() % patterns.count] }
                let bytes = Array(text.utf8)
                var start = next() % 20
                while start < bytes.count && bytes[start] & 0xC0 == 0x80 { start += 1 }
                let range = min(start, bytes.count)..<bytes.count
                var got: [AhoCorasick.Match] = []
                bytes.withUnsafeBufferPointer { ac.allMatches(in: $0, range: range, into: &got) }
                var want: [(Int, Int)] = []
                for i in range { for (k, p) in ps.enumerated() where i + p.count <= range.upperBound && bytes[i..<(i + p.count)].elementsEqual(p) { want.append((i, k)) } }
                let key = { (a: (Int, Int), b: (Int, Int)) in a.0 != b.0 ? a.0 < b.0 : a.1 < b.1 }
                #expect(got.map { ($0.range.lowerBound, $0.pattern) }.sorted(by: key).map { [$0.0, $0.1] } == want.sorted(by: key).map { [$0.0, $0.1] },
                        "set \(si) round \(round)")
            }
        }
    }

    /// The root state's sixteen-byte filter (`RootFilter`): long texts mostly of Han characters with the first
    /// characters of the patterns and their near neighbours (same lead byte, same first two bytes) scattered in, at
    /// every alignment, against the naive search; and the filter is made for the built-in punctuation sets.
    @Test func rootFilterAgreesWithNaiveSearch() {
        let common = Array("的是了在和有这中国人们发展工作经济社会城市服务全面推进".unicodeScalars)
        let near = Array("，。、：；（）“”《》「」—…⋯―─－０９ＡＺａｚＨｈ\\n.\u{200B}\u{2060}\u{AD}\u{A0}·第笫策一丁丈上下 .-éaA😀\u{FEFF}".unicodeScalars)
        let sets: [[String]] = [["，。", "，，", "、、", "；；", "：：", "--", "－－", "――", "──", "……等", "。。。", "......", "⋯⋯",
                                 "第一、", "（一）、", "》、《", "”、“", "\u{200B}", "\u{2060}", "\u{FEFF}", "\u{AD}", "０", "９", "、 ", " 、", "　、"],
                                ["一一"], ["策略", "笫", "上下"], ["😀", "é", ". "], ["ab", "Zz"],
                                // Too many first characters for the filter (the built-in phrases together): the byte
                                // classifier, where the CPU runs it.
                                "０１２３４５６７８９ＡＢＣＤＥＦＧＸＹＺａｂｃｘｙｚ".map(String.init)
                                    + ["一一", "第一、", "，，", "。。。", "——", " 、", "\u{AD}", "……等", "-", "\u{200B}", "”、“", "...", "\\n"]]
        var seed: UInt64 = 0x5DEECE66D
        func next() -> Int { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return Int(seed % 1_000_003) }
        for (si, patterns) in sets.enumerated() {
            // Each set with the byte classifier (where the CPU runs it) and with the sixteen-byte filter.
            for (ci, classifier) in [(false, true), (true, true), (false, false), (true, false)] {
                let ac = AhoCorasick(patterns: patterns.map { Array($0.utf8) }, caseInsensitiveASCII: ci, classifier: classifier)
                if si == 0 && !ci && !classifier { #expect(ac.hasRootFilter) }
                if si == 0 && !ci && classifier { #expect(ac.hasRootClasses == ByteClassifier.available); #expect(ac.hasRootFilter == !ByteClassifier.available) }
                if si == 5 { #expect(!ac.hasRootFilter); #expect(ac.hasRootClasses == (ByteClassifier.available && classifier)) }
                // Sets with a pattern of four bytes or more are scanned by their first four bytes (case-folded ones by
                // their first characters).
                if si == 0 || si == 5 { #expect(ac.hasPrefixClasses == (ByteClassifier.available && classifier && !ci)) }
                if si == 4 { #expect(!ac.hasPrefixClasses) }
                for round in 0..<30 {
                    var text = ""
                    for _ in 0..<(200 + next() % 1500) {
                        let r = next() % 20
                        if r == 0 { text += patterns[next() % patterns.count] }
                        else if r < 4 { text.unicodeScalars.append(near[next() % near.count]) }
                        else { text.unicodeScalars.append(common[next() % common.count]) }
                    }
                    let bytes = Array(text.utf8)
                    let lo = next() % 40
                    var start = lo
                    while start < bytes.count && bytes[start] & 0xC0 == 0x80 { start += 1 }
                    let range = min(start, bytes.count)..<bytes.count
                    var got: [AhoCorasick.Match] = []
                    bytes.withUnsafeBufferPointer { ac.matches(in: $0, range: range, into: &got) }
                    let sub = String(decoding: bytes[range], as: UTF8.self)
                    let fold = { (t: String) in String(t.unicodeScalars.map { $0.value >= 0x41 && $0.value <= 0x5A ? Character(Unicode.Scalar($0.value + 0x20)!) : Character($0) }) }
                    let want = ci ? naive(patterns.map(fold), in: fold(sub)) : naive(patterns, in: sub)
                    #expect(got.map { $0.range.lowerBound - range.lowerBound } == want.map(\.1.lowerBound), "set \(si) ci \(ci) classifier \(classifier) round \(round)")
                    #expect(got.map(\.range.count) == want.map(\.1.count), "set \(si) ci \(ci) classifier \(classifier) round \(round)")
                }
            }
        }
    }

    @Test func emptyPatternsAreIgnored() {
        #expect(find(["", "ab"], in: "xab").map(\.1) == [1..<3])
    }
}

@Suite struct EditDistanceTests {
    @Test func levenshtein() {
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("abc", "") == 3)
        #expect(editDistance("style", "style") == 0)
        #expect(editDistance("stlye", "style") == 2)
        #expect(editDistance("汉字", "漢字") == 1)          // counts scalars, not bytes
        #expect(editDistance("spacing.han-spce-han", "spacing.han-space-han") == 1)
        #expect(editDistance("ab", "ba") == editDistance("ba", "ab"))
    }
}

/// The byte classifier marks every place where a pattern starts (random pattern sets of one to three bytes, many
/// more than its eight buckets, on random texts of their bytes and neighbours), and its buckets keep apart what their
/// first three bytes tell apart: the full-width letters and digits mark no full-width punctuation mark (grouped by
/// lead byte alone, `，` `（` `：` were all marked with them).
@Suite struct ByteClassifierTests {
    /// The places the classifier marks in `from..<to` (the whole text by default), a few at a time.
    static func marked(_ text: [UInt8], _ tables: [UInt8], from: Int = 0, to: Int? = nil) -> [Int] {
        var out: [Int] = []
        text.withUnsafeBufferPointer { p in
            tables.withUnsafeBufferPointer { t in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 40) { marks in
                    var from = from
                    let end = to ?? p.count
                    while from < end {
                        let (n, next) = ByteClassifier.scan(p, from: from, to: end, t, into: marks)
                        out += marks[..<n]
                        from = next
                    }
                }
            }
        }
        return out
    }

    @Test func everyPatternStartIsMarked() throws {
        try #require(ByteClassifier.available, "the classifier needs AVX2; this CPU has none")
        var g = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x20, 0x2C, 0x41, 0x61, 0xC2, 0xA0, 0xE2, 0x80, 0x94, 0xE3, 0x81, 0x82, 0xE4, 0xB8, 0x80,
                                 0xE5, 0xB9, 0xB4, 0xEF, 0xBC, 0x8C, 0x90, 0xBD, 0x81, 0x9A, 0x30, 0x39]
        for round in 0..<300 {
            let count = Int.random(in: 1...(round % 3 == 0 ? 60 : 12), using: &g)
            let patterns = (0..<count).map { _ in (0..<Int.random(in: 1...3, using: &g)).map { _ in alphabet.randomElement(using: &g)! } }
            let tables = try #require(ByteClassifier.tables(patterns))
            let text = (0..<Int.random(in: 0...300, using: &g)).map { _ in alphabet.randomElement(using: &g)! }
            let marks = Set(Self.marked(text, tables))
            for q in text.indices where patterns.contains(where: { p in q + p.count <= text.count && Array(text[q..<(q + p.count)]) == p }) {
                #expect(marks.contains(q), "round \(round): place \(q) of \(text) not marked for \(patterns)")
            }
        }
    }

    /// On four places: every start of a pattern of one to six bytes is marked, in any range of the text (bytes past
    /// its end match anything), and nothing outside the range is.
    @Test func fourPlacesMarkEveryPatternStart() throws {
        try #require(ByteClassifier.available, "the classifier needs AVX2; this CPU has none")
        var g = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x20, 0x2C, 0x2E, 0x41, 0xE2, 0x80, 0x94, 0x9D, 0xE3, 0x81, 0x82, 0xE4, 0xB8, 0x80,
                                 0xE7, 0xAC, 0xEF, 0xBC, 0x8C, 0x88, 0x30, 0x39]
        var marksSeen = 0
        for round in 0..<400 {
            let count = Int.random(in: 1...(round % 3 == 0 ? 40 : 10), using: &g)
            let patterns = (0..<count).map { _ in (0..<Int.random(in: 1...6, using: &g)).map { _ in alphabet.randomElement(using: &g)! } }
            guard let tables = ByteClassifier.tables(patterns, places: 4) else { Issue.record("no tables for \(patterns)"); continue }
            #expect(tables.count == 128)
            // Half the texts shorter than one step of the vector loop (read place by place); patterns planted in.
            var text: [UInt8] = []
            let length = Int.random(in: 0...(round % 2 == 0 ? 34 : 400), using: &g)
            while text.count < length {
                if Int.random(in: 0..<6, using: &g) == 0 { text += patterns.randomElement(using: &g)! } else { text.append(alphabet.randomElement(using: &g)!) }
            }
            let from = text.isEmpty ? 0 : Int.random(in: 0..<text.count, using: &g)
            let to = Int.random(in: from...text.count, using: &g)
            let got = Self.marked(text, tables, from: from, to: to)
            #expect(got.allSatisfy { (from..<to).contains($0) } && got == got.sorted())
            let marks = Set(got)
            marksSeen += marks.count
            for q in from..<to where patterns.contains(where: { p in q + p.count <= text.count && Array(text[q..<(q + p.count)]) == p }) {
                #expect(marks.contains(q), "round \(round): place \(q) of \(text) not marked for \(patterns)")
            }
        }
        #expect(marksSeen > 1000)
    }

    /// The fourth byte tells `，` before a full-width mark (`，，`) from `，` before a Han character; too many groups
    /// of prefixes give no tables (the automaton then scans by first characters).
    @Test func fourPlacesTellTheSecondCharacter() throws {
        try #require(ByteClassifier.available, "the classifier needs AVX2; this CPU has none")
        let patterns = ["，，", "、、", "。。", "第一", "０", "--", "..."].map { Array($0.utf8) }
        let tables = try #require(ByteClassifier.tables(patterns, places: 4))
        let text = Array("他说，我们，，第章，第一、、是。。０--...，中".utf8)
        let want = ["，，", "、、", "。。", "第一", "０", "--", "..."].map { Array($0.utf8) }
        var starts: [Int] = []
        for q in text.indices where want.contains(where: { q + $0.count <= text.count && Array(text[q..<(q + $0.count)]) == $0 }) { starts.append(q) }
        let got = Self.marked(text, tables)
        #expect(Set(starts).isSubset(of: Set(got)))
        // `，` before 我 and 中, and 第 before 章 (E7: not the lead byte of 一), are not marked (第 before 二 would be:
        // 一 and 二 share their lead byte).
        for (needle, nth) in [("，我", 0), ("，中", 0), ("第章", 0)] {
            let at = try #require(text.firstRange(of: Array(needle.utf8))).lowerBound
            #expect(!got.contains(at), "\(needle) \(nth)")
        }
        // On three places every `，` and `第` is marked.
        let three = try #require(ByteClassifier.tables(patterns))
        #expect(Self.marked(text, three).count > got.count)
        let many = (0..<60).map { Array(String(UnicodeScalar(0x4E00 + 37 * $0)!).utf8) + Array("的".utf8) }
        #expect(ByteClassifier.tables(many, places: 4, maximumGroups: 48) == nil)
        #expect(AhoCorasick(patterns: many).hasPrefixClasses == false)
        #expect(AhoCorasick(patterns: many).hasRootClasses)
    }

    @Test func fullWidthLettersMarkNoFullWidthPunctuation() throws {
        try #require(ByteClassifier.available, "the classifier needs AVX2; this CPU has none")
        let letters = (Array(0xFF10...0xFF19) + Array(0xFF21...0xFF3A) + Array(0xFF41...0xFF5A)).map { Array(String(UnicodeScalar($0)!).utf8) }
        let tables = try #require(ByteClassifier.tables(letters))
        let text = Array("，（）：；！？“”、。Ａ全ｚ，９".utf8)
        let expected = ["Ａ", "ｚ", "９"].map { c in text.firstRange(of: Array(c.utf8))!.lowerBound }
        #expect(Self.marked(text, tables) == expected)
    }
}

/// The boundary scanner skips runs of "quiet" characters without looking at each pair. Its findings must be exactly
/// those of the same scanner looking at every character, for every built-in boundary rule in both styles.
@Suite struct BoundaryScannerEquivalenceTests {
    static let alphabet: [String] = [
        "全", "力", "以", "赴", "一", "人", "了", "中", "龍", "㐀", "䷀", "𠮷", "々", "〇",
        "，", "。", "、", "：", "；", "！", "？", "“", "”", "（", "）", "《", "》", "…", "—", "．", "１", "Ａ",
        " ", " ", " ", "  ", "\t", "\u{3000}", "\u{A0}", "\u{200B}",
        "a", "Z", "iPhone", "GDP", "5", "12", "3.5", "%", "℃", "-", "+", ".", ",", ":", ";", "!", "?", "(", ")", "\"",
        "月", "日", "年", "カ", "한", "é", "ß", "@", "#",
    ]

    static func randomText(_ rng: inout some RandomNumberGenerator) -> String {
        var lines: [String] = []
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            var line = ""
            for _ in 0..<Int.random(in: 0...40, using: &rng) { line += alphabet.randomElement(using: &rng)! }
            if Bool.random(using: &rng) && Int.random(in: 0..<4, using: &rng) == 0 { line += " https://example.com/a " }
            lines.append(line)
        }
        return lines.joined(separator: Bool.random(using: &rng) ? "\n" : "\n\n")
    }

    /// `spacingOnly`: the spacing pack alone, whose only events in print style are spaces (every other character
    /// is quiet).
    @Test(arguments: [("print", false), ("pangu", false), ("print", true)])
    func quietRunsChangeNothing(style: String, spacingOnly: Bool) throws {
        let catalog = try RuleCatalog.loadBuiltIn()
        let config = try Config.parse("style: \(style)\n", file: "/eq/.lintrc.yml", directory: "/eq")
        let set = try RuleSet.build(config: config, catalog: catalog)
        let entries = set.rules.enumerated().compactMap { k, r in (r.check as? BoundaryCheck).map { (k, $0, r.fixSafety, r.scope) } }
            .filter { !spacingOnly || set.rules[$0.0].pack == "spacing" }
        #expect(entries.count >= 5)
        let fast = BoundaryScanner(rules: entries)
        let reference = BoundaryScanner(rules: entries, quietRuns: false)
        var rng = SystemRandomNumberGenerator()
        var total = 0
        for _ in 0..<1500 {
            let text = Self.randomText(&rng)
            let doc = Document(path: "t.txt", text: text)
            let segs = doc.segments(for: .all)
            var a: [Finding] = [], b: [Finding] = []
            fast.scan(doc, segs, into: &a)
            reference.scan(doc, segs, into: &b)
            let key = { (f: Finding) in "\(f.rule) \(f.range) \(f.fix?.edits.map { "\($0.range)=\($0.replacement)" } ?? []) \(f.fix?.safety.rawValue ?? "-")" }
            #expect(a.map(key) == b.map(key), "\(text.debugDescription)")
            total += b.count
        }
        #expect(total > 500)   // the texts do exercise the rules
    }
}

/// `copydesk_lead_run` (the boundary scanner's quiet runs thirty-two bytes a step) ends where a byte-by-byte walk of
/// the same definition ends, on random valid UTF-8 of three-byte characters around the range's edges, the excluded
/// block, other lengths and runs longer than a vector; and the boundary scanner's findings are the same with it as
/// without it (and as looking at every character) on Han-heavy text with long runs, in both styles.
@Suite struct LeadRunTests {
    static func reference(_ p: [UInt8], _ from: Int, _ to: Int, _ lo: UInt8, _ hi: UInt8, _ xl: UInt8, _ xs: UInt8) -> Int {
        var q = from
        while q < to {
            let c = p[q]
            if c >= lo && c <= hi && !(c == xl && q + 1 < to && p[q + 1] == xs) { q += 3; continue }
            break
        }
        return q
    }

    @Test(.enabled(if: BoundaryScanner.vectorRunsAvailable, "this CPU has no AVX2: the scanner walks its quiet runs"))
    func endsWhereTheWalkEnds() throws {
        let pieces: [String] = ["中", "国", "一", "丁", "鿿", "䷀", "䷿", "㐀", "䶵", "ꀀ", "，", "。", "a", "é", "𠮷", " ", "\n", "\u{3000}", "\u{E000}"]
        var rng = SystemRandomNumberGenerator()
        var stops = Set<UInt8>(), long = 0
        for round in 0..<4000 {
            var text = ""
            let han = round % 3 == 0 ? 120 : 40
            for _ in 0..<Int.random(in: 0...han, using: &rng) {
                text += Int.random(in: 0..<4, using: &rng) == 0 ? pieces.randomElement(using: &rng)! : pieces[Int.random(in: 0..<5, using: &rng)]
            }
            let p = Array(text.utf8)
            let (lo, hi): (UInt8, UInt8) = [(0xE4, 0xE9), (0xE5, 0xE9), (0xE3, 0xEA), (0xE4, 0xE4), (0xE1, 0xEC)].randomElement(using: &rng)!
            let (xl, xs): (UInt8, UInt8) = [(0, 0), (0xE4, 0xB7), (0xE4, 0xB6), (0xE9, 0xBF)].randomElement(using: &rng)!
            // Every lead byte in the range is a place a run may start (the scanner starts one only there).
            var k = 0
            while k < p.count {
                let c = p[k]
                let len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4
                if c >= lo && c <= hi {
                    for to in Set([p.count, min(p.count, k + 3 * Int.random(in: 1...14, using: &rng))]) {
                        let got = p.withUnsafeBufferPointer { copydesk_lead_run($0.baseAddress!, k, to, lo, hi, xl, xs) }
                        let want = Self.reference(p, k, to, lo, hi, xl, xs)
                        #expect(got == want, "\(text.debugDescription) from \(k) to \(to) range \(lo)–\(hi) excluding \(xl) \(xs)")
                        if want < to { stops.insert(p[want]) }
                        if want - k > 33 { long += 1 }
                    }
                }
                k += len
            }
        }
        // The walks stopped at ASCII, at other lead bytes in and out of the range, and many ran past a vector.
        #expect(stops.contains(0x20) && stops.contains(0xEF) && stops.contains(0xE4) && stops.contains(0xF0))
        #expect(long > 1000)
    }

    @Test(.enabled(if: BoundaryScanner.vectorRunsAvailable, "this CPU has no AVX2: the scanner walks its quiet runs"))
    func panguSkipsHanButTheHexagramBlock() throws {
        let catalog = try RuleCatalog.loadBuiltIn()
        for (style, excluded) in [("pangu", true), ("print", false)] {
            let config = try Config.parse("style: \(style)\n", file: "/eq/.lintrc.yml", directory: "/eq")
            let set = try RuleSet.build(config: config, catalog: catalog)
            let entries = set.rules.enumerated().compactMap { k, r in (r.check as? BoundaryCheck).map { (k, $0, r.fixSafety, r.scope) } }
            let runs = try #require(BoundaryScanner(rules: entries).leadRuns)
            #expect(runs.low <= 0xE4 && runs.low + runs.span >= 0xE9, "\(style): \(runs)")
            if excluded { #expect(runs.excludedLead == 0xE4 && runs.excludedSecond == 0xB7, "\(runs)") }
            #expect(BoundaryScanner(rules: entries, vectorRuns: false).leadRuns == nil)
            #expect(BoundaryScanner(rules: entries, quietRuns: false).leadRuns == nil)
        }
        // A block table with two odd blocks in one lead byte stops the range there; one odd block is taken.
        var blocks = [UInt64](repeating: 0, count: 256)
        for lead in 0xE4...0xE9 { blocks[lead] = ~0 }
        blocks[0xE4] &= ~(1 << 0x37)
        #expect(BoundaryScanner.leadRange(blocks).map { [$0.low, $0.span, $0.excludedLead, $0.excludedSecond] } == [0xE4, 5, 0xE4, 0xB7])
        blocks[0xE4] &= ~(1 << 0x36)
        #expect(BoundaryScanner.leadRange(blocks).map { [$0.low, $0.span, $0.excludedLead, $0.excludedSecond] } == [0xE5, 4, 0, 0])
        #expect(BoundaryScanner.leadRange([UInt64](repeating: 0, count: 256)) == nil)
    }

    @Test(arguments: ["print", "pangu"])
    func findingsAreTheSameWithVectorRuns(style: String) throws {
        let catalog = try RuleCatalog.loadBuiltIn()
        let config = try Config.parse("style: \(style)\n", file: "/eq/.lintrc.yml", directory: "/eq")
        let set = try RuleSet.build(config: config, catalog: catalog)
        let entries = set.rules.enumerated().compactMap { k, r in (r.check as? BoundaryCheck).map { (k, $0, r.fixSafety, r.scope) } }
        let fast = BoundaryScanner(rules: entries)
        let walk = BoundaryScanner(rules: entries, vectorRuns: false)
        let reference = BoundaryScanner(rules: entries, quietRuns: false)
        let han = ["全", "力", "以", "赴", "一", "人", "了", "中", "龍", "鿿", "㐀", "䷀", "䷿", "䶵"]
        var rng = SystemRandomNumberGenerator()
        var total = 0, long = 0
        for _ in 0..<600 {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                var line = ""
                for _ in 0..<Int.random(in: 0...30, using: &rng) {
                    if Int.random(in: 0..<3, using: &rng) == 0 {
                        line += BoundaryScannerEquivalenceTests.alphabet.randomElement(using: &rng)!
                    } else {
                        let n = Int.random(in: 1...24, using: &rng)
                        if n > 11 { long += 1 }
                        for _ in 0..<n { line += han[Int.random(in: 0..<(Int.random(in: 0..<8, using: &rng) == 0 ? han.count : 10), using: &rng)] }
                    }
                }
                lines.append(line)
            }
            let doc = Document(path: "t.txt", text: lines.joined(separator: "\n"))
            let segs = doc.segments(for: .all)
            var a: [Finding] = [], b: [Finding] = [], c: [Finding] = []
            fast.scan(doc, segs, into: &a)
            walk.scan(doc, segs, into: &b)
            reference.scan(doc, segs, into: &c)
            let key = { (f: Finding) in "\(f.rule) \(f.range) \(f.fix?.edits.map { "\($0.range)=\($0.replacement)" } ?? []) \(f.fix?.safety.rawValue ?? "-")" }
            #expect(a.map(key) == b.map(key), "\(doc.source.bytes.count) bytes")
            #expect(a.map(key) == c.map(key), "\(doc.source.bytes.count) bytes")
            total += c.count
        }
        #expect(total > 500)
        #expect(long > 1000)
    }
}

@Suite struct MessageTemplateTests {
    @Test func slotsAreFilledAndEverythingElseKept() {
        #expect(substitute("句子中间断行：本段有 {count} 处不应有的换行", ["count": "3"]) == "句子中间断行：本段有 3 处不应有的换行")
        #expect(substitute("“{match}”应为“{replacement}”", ["match": "...", "replacement": "……"]) == "“...”应为“……”")
        #expect(substitute("未知 {slot} 保留", [:]) == "未知 {slot} 保留")
        #expect(substitute("没有槽位", ["count": "1"]) == "没有槽位")
        #expect(substitute("不闭合 {count", ["count": "1"]) == "不闭合 {count")
    }
}

/// `maskBits` (one PMOVMSKB on x86-64, through the C header) gives what the portable multiply gives and what each lane
/// says, bit by bit, for every single-lane mask, masks from byte compares and random masks.
@Suite struct MaskBitsTests {
    static func reference(_ m: SIMDMask<SIMD16<Int8>>) -> UInt32 {
        var bits: UInt32 = 0
        for k in 0..<16 where m[k] { bits |= 1 << UInt32(k) }
        return bits
    }

    @Test func agreesWithTheLanesAndThePortableForm() {
        var masks: [SIMDMask<SIMD16<Int8>>] = [SIMDMask(repeating: false), SIMDMask(repeating: true)]
        for k in 0..<16 { var m = SIMDMask<SIMD16<Int8>>(repeating: false); m[k] = true; masks.append(m) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var m = SIMDMask<SIMD16<Int8>>(repeating: false)
            let r = UInt16.random(in: 0...UInt16.max, using: &rng)
            for k in 0..<16 where r & (1 << UInt16(k)) != 0 { m[k] = true }
            masks.append(m)
        }
        // As the scanners make them: a compare of bytes (lanes all ones or all zeros).
        let v = SIMD16<UInt8>(0x41, 0xE4, 0x80, 0x41, 0, 0xFF, 0x41, 0x7F, 0x80, 0x81, 0x41, 0xC0, 0x41, 0x41, 0x20, 0x41)
        let compare = unsafeBitCast(v .== SIMD16<UInt8>(repeating: 0x41), to: SIMDMask<SIMD16<Int8>>.self)
        masks.append(compare)
        #expect(maskBits(compare) == 0b1011_0100_0100_1001)
        for m in masks {
            #expect(maskBits(m) == Self.reference(m))
            #expect(maskBitsPortable(m) == Self.reference(m))
        }
    }
}

#if os(Linux)
@Suite struct FreshMemoryTests {
    /// Resident pages of `count` bytes at page-aligned `p` (`mincore`).
    static func resident(_ p: UnsafeMutableRawPointer, _ count: Int) -> Int {
        var vec = [UInt8](repeating: 0, count: (count + 4095) / 4096)
        guard mincore(p, count, &vec) == 0 else { return -1 }
        return vec.reduce(0) { $0 + Int($1 & 1) }
    }

    /// Whether this kernel has `MADV_POPULATE_WRITE` (Linux 5.14 or later), probed on a page of its own.
    static let kernelSupportsPopulate: Bool = {
        guard let p = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else { return false }
        defer { munmap(p, 4096) }
        return madvise(p, 4096, 23) == 0
    }()

    /// `populate` maps in every whole page of a large buffer (none of a fresh mapping is resident before), and
    /// leaves a buffer under its threshold alone. (Skipped, and shown as skipped, on a kernel without
    /// `MADV_POPULATE_WRITE`, where `populate` does nothing.)
    @Test(.enabled(if: kernelSupportsPopulate, "this kernel has no MADV_POPULATE_WRITE (Linux 5.14 or later)"))
    func populatesWholePagesOfALargeBuffer() throws {
        let size = 4 << 20
        let raw = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        #expect(raw != MAP_FAILED)
        defer { munmap(raw, size) }
        #expect(Self.resident(raw, size) == 0)
        // A buffer that starts inside a page: the first partial page is left out, the rest is mapped in.
        FreshMemory.populate(raw + 100, count: size - 100)
        #expect(Self.resident(raw, 4096) == 0)
        #expect(Self.resident(raw + 4096, size - 4096) == size / 4096 - 1)
        // Under the threshold: nothing mapped in.
        let small = try #require(mmap(nil, 1 << 19, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        defer { munmap(small, 1 << 19) }
        FreshMemory.populate(small, count: 1 << 19)
        #expect(Self.resident(small, 1 << 19) == 0)
        // The memory is usable as before.
        raw.storeBytes(of: 0x5A, toByteOffset: size - 1, as: UInt8.self)
        #expect(raw.load(fromByteOffset: size - 1, as: UInt8.self) == 0x5A)
    }
}
#endif

/// How many chunks a large document is cut into: at least two even with one core (the chunks' findings are let go
/// one list at a time, which keeps a large page's peak memory under the limit), never more than the cores the
/// process may run on when there are more than two of them.
@Suite struct ParallelLimitsTests {
    @Test func atLeastTwoChunksAndNoMoreThanTheBoundCores() {
        #expect(Parallel.cores >= 1 && Parallel.cores <= max(1, ProcessInfo.processInfo.activeProcessorCount))
        #expect(Parallel.maxChunks >= 2 || Tuning.threadsPerDocument == 1)
        #expect(Parallel.maxChunks <= max(2, min(8, Parallel.cores)))
        // A 25 MB page is cut (the chunked paths run), a small draft is not.
        #expect(Parallel.chunks(forBytes: 25 << 20) >= 2)
        #expect(Parallel.chunks(forBytes: 4 << 10) == 1)
    }
}

@Suite struct BalancedCutsTests {
    func seg(_ r: Range<Int>) -> Segment { Segment(range: r, atLineStart: true, atLineEnd: true, block: 0) }

    /// The re-lint's chunks share out the bytes of the segments read: touched lines crowded in the last tenth of a
    /// text are cut among themselves (cuts by the text's size would give every one of them to the last chunk), the
    /// first chunks larger than the last (`Linter.cutShare`: weights n + 2 … 3).
    @Test func cutsShareTheSegmentsBytes() {
        // Ten segments of 100 bytes at 9,000…9,900 in a text of 10,000: shares 4/7 for two chunks; 6, 5, 4, 3 of 18
        // for four (cuts where the bytes before reach 333, 611 and 833).
        let segs = (0..<10).map { seg((9000 + $0 * 100)..<(9000 + $0 * 100 + 100)) }
        #expect(Linter.balancedCuts(segs, 1000, 2) == [9600])
        #expect(Linter.balancedCuts(segs, 1000, 4) == [9400, 9700, 9900])
        // Fewer segments than chunks: the missing cuts are past every offset (empty chunks), offsets never fall.
        #expect(Linter.balancedCuts([seg(0..<10)], 10, 3) == [Int.max, Int.max])
        let inline = [seg(0..<50), seg(50..<100), seg(10..<20)]
        let cuts = Linter.balancedCuts(inline, 110, 3)
        #expect(cuts == cuts.sorted() && cuts.count == 2)
        #expect(Linter.balancedCuts(segs, 1000, 1).isEmpty)
    }

    /// The first lint's cuts of a whole text: every share is reached exactly once, the chunks shrink from first to
    /// last, and the last cut leaves the last chunk its weight (3 of n(n + 5)/2).
    @Test func chunksShrinkFromFirstToLast() {
        for n in 2...16 {
            let total = 25 << 20
            let cuts = [0] + (1..<n).map { Linter.cutShare($0, of: n, total) } + [total]
            let sizes = zip(cuts.dropFirst(), cuts).map { $0 - $1 }
            #expect(sizes.allSatisfy { $0 > 0 }, "n = \(n)")
            #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0 >= $1 }, "n = \(n): \(sizes)")
            #expect(abs(sizes.last! - total * 3 / (n * (n + 5) / 2)) <= 1)
            #expect(Linter.cutShare(n, of: n, total) == total && Linter.cutShare(0, of: n, total) == 0)
        }
    }
}
