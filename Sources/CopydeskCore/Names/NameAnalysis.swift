/// What the names rules share for one document: the stream, the mentions, which article each scalar belongs to,
/// and the near-miss search (a string one character away from a known name, at a name position).
public final class NameAnalysis: @unchecked Sendable {
    public let stream: NameExtractor.Stream
    public let mentions: [NameExtractor.Mention]
    public let lexicon: NameLexicon
    let doc: Document
    /// Article index of each line (-1: none).
    let articleOfLine: [Int]

    public init(_ doc: Document, lexicon: NameLexicon) {
        self.doc = doc
        self.lexicon = lexicon
        stream = NameExtractor.stream(doc)
        mentions = NameExtractor(lexicon: lexicon).mentions(stream, doc.source)
        var a = [Int](repeating: -1, count: doc.source.lineCount)
        for (k, art) in doc.structure.articles.enumerated() {
            for l in art.lines where l < a.count { a[l] = k }
        }
        articleOfLine = a
    }

    /// The analysis of a document, once per lint (shared by the names and roster rules).
    static func of(_ context: CheckContext) -> NameAnalysis {
        if let a = context.cache.nameAnalysis, a.doc.source.bytes.count == context.document.source.bytes.count,
           a.lexicon == context.names.lexicon { return a }
        let a = NameAnalysis(context.document, lexicon: context.names.lexicon)
        context.cache.nameAnalysis = a
        return a
    }

    public func article(ofLine l: Int) -> Int { l < articleOfLine.count ? articleOfLine[l] : -1 }
    public func article(ofOffset o: Int) -> Int { article(ofLine: doc.source.lineIndex(of: o)) }

    /// Stream indices where `word` occurs.
    func occurrences(_ word: [UInt32]) -> [Int] {
        let s = stream.s
        guard let f = word.first, s.count >= word.count else { return [] }
        var out: [Int] = []
        var i = 0
        let last = s.count - word.count
        while i <= last {
            if s[i] == f {
                var k = 1
                while k < word.count && s[i + k] == word[k] { k += 1 }
                if k == word.count { out.append(i) }
            }
            i += 1
        }
        return out
    }

    /// Whether stream index `i` can start a name: the start, not a Han character before it, or a post or leader-list
    /// word ending right before it.
    func namePositionBefore(_ i: Int) -> Bool {
        let s = stream.s
        if i == 0 || !NameExtractor.isHan(s[i - 1]) { return true }
        for l in 1...6 where i - l >= 0 {
            if lexicon.postTable.match(s, i - l) == l || lexicon.listTable.match(s, i - l) == l { return true }
        }
        return false
    }

    /// Whether a post ends right before stream index `i` (`市委书记|章旭升`).
    func postBefore(_ i: Int) -> Bool {
        let s = stream.s
        for l in 1...6 where i - l >= 0 && lexicon.postTable.match(s, i - l) == l { return true }
        return false
    }

    /// After a post, a name of three or more characters needs no boundary word after it (`主席项俊波受贿`,
    /// `书记章旭升关切`), only no place suffix (`金华市`).
    func endsName(_ e: Int, length: Int, start i: Int) -> Bool {
        if boundaryAt(e) { return true }
        guard length >= 3, e < stream.s.count, !NameExtractor.place.contains(stream.s[e]) else { return false }
        return postBefore(i)
    }

    /// Whether stream index `e` (just after a name) is a boundary: the end, not a Han character, or a boundary word.
    func boundaryAt(_ e: Int) -> Bool {
        let s = stream.s
        guard e < s.count else { return true }
        if !NameExtractor.isHan(s[e]) { return true }
        if NameExtractor.place.contains(s[e]) { return false }
        return lexicon.boundaryTable.match(s, e) > 0
    }

    /// The chain of titles ending right before stream index `i` (`市委副书记、市长` before a name), in text order;
    /// empty when no post ends there.
    func titles(endingBefore i: Int) -> [NameExtractor.Title] {
        var out: [NameExtractor.Title] = []
        var e = i
        if e > 0, NameExtractor.isSpace(stream.s[e - 1]) { e -= 1 }
        while out.count < 4, let (t, start) = NameExtractor.title(stream.s, stream, lexicon, endingAt: e) {
            out.insert(t, at: 0)
            guard start >= 2, lexicon.joinerSet.contains(stream.s[start - 1]) else { break }
            e = start - 1
        }
        return out
    }

    public struct NearMiss {
        public var found: String
        public var meant: String
        /// Stream index of the first character.
        public var index: Int
        public var range: Range<Int>
        /// The byte range of the one character that differs.
        public var differing: Range<Int>
    }

    /// Strings at a name position that differ from one of `names` (≥ 3 characters) in one given-name character, with
    /// the same surname and the same length.
    /// `skipKnown`: a string that is itself one of `names` is no miss (two rostered people may differ by one
    /// character); without it, the callers weigh frequencies.
    /// `firstToo`: the first character may be the one that differs too (`湖勇春` for 胡勇春, a candidate whose first
    /// character is no surname); the callers then ask for more evidence (same reading, the person's title).
    /// `afterPost`: after a post, a name of three or more characters needs no boundary word (`endsName`).
    func nearMisses(of names: [[UInt32]], skipKnown: Bool, firstToo: Bool = false, afterPost: Bool = false) -> [NearMiss] {
        let s = stream.s
        var out: [NearMiss] = []
        var bySurname: [UInt32: [[UInt32]]] = [:]
        var bySecond: [UInt32: [[UInt32]]] = [:]
        for n in names where n.count >= 3 {
            bySurname[n[0], default: []].append(n)
            if firstToo { bySecond[n[1], default: []].append(n) }
        }
        guard !bySurname.isEmpty else { return [] }
        let known = Set(names)
        var first = ScalarSet()
        for k in bySurname.keys { first.insert(k) }
        var second = ScalarSet()
        for k in bySecond.keys { second.insert(k) }
        var i = 0
        while i < s.count {
            if firstToo, i + 1 < s.count, second.contains(s[i + 1]), let list = bySecond[s[i + 1]], NameExtractor.isHan(s[i]) {
                let before = out.count
                // `湖勇春`: all but the first character of a known name, at a name position.
                for n in list where i + n.count <= s.count && s[i] != n[0] && s[(i + 2)..<(i + n.count)].elementsEqual(n[2...]) {
                    let cand = Array(s[i..<(i + n.count)])
                    guard !(skipKnown && known.contains(cand)), namePositionBefore(i), (afterPost ? endsName(i + n.count, length: n.count, start: i) : boundaryAt(i + n.count)),
                          lexicon.boundaryTable.match(s, i) == 0, !NameExtractor.prefixStop.contains(s[i]),
                          !lexicon.joinerSet.contains(s[i]), !NameExtractor.place.contains(s[i]) else { continue }
                    out.append(NearMiss(found: String(String.UnicodeScalarView(cand.compactMap(Unicode.Scalar.init))),
                                        meant: String(String.UnicodeScalarView(n.compactMap(Unicode.Scalar.init))),
                                        index: i, range: stream.offsets[i]..<stream.ends[i + n.count - 1],
                                        differing: stream.offsets[i]..<stream.ends[i]))
                    break
                }
                if out.count > before { i += 1; continue }
            }
            guard first.contains(s[i]), let list = bySurname[s[i]] else { i += 1; continue }
            for n in list where i + n.count <= s.count {
                var diff = -1, ok = true
                for k in 1..<n.count {
                    let v = s[i + k]
                    guard NameExtractor.isHan(v) else { ok = false; break }
                    if v != n[k] { if diff >= 0 { ok = false; break }; diff = i + k }
                }
                guard ok, diff >= 0 else { continue }
                let cand = Array(s[i..<(i + n.count)])
                // `章某升`: an anonymised name, no slip.
                if cand.contains(0x67D0) { continue }
                guard !(skipKnown && known.contains(cand)), namePositionBefore(i), (afterPost ? endsName(i + n.count, length: n.count, start: i) : boundaryAt(i + n.count)) else { continue }
                // The differing character must not start a boundary word (章旭在… is 章旭 + 在).
                if lexicon.boundaryTable.match(s, diff) > 0 { continue }
                out.append(NearMiss(found: String(String.UnicodeScalarView(cand.compactMap(Unicode.Scalar.init))),
                                    meant: String(String.UnicodeScalarView(n.compactMap(Unicode.Scalar.init))),
                                    index: i, range: stream.offsets[i]..<stream.ends[i + n.count - 1],
                                    differing: stream.offsets[diff]..<stream.ends[diff]))
                break
            }
            i += 1
        }
        return out
    }

    /// A name written with one space inside (`陈 晓苏`): stream index of the first character and the space's range.
    func spaced(_ names: [[UInt32]]) -> [(name: String, range: Range<Int>, space: Range<Int>)] {
        let s = stream.s
        var out: [(String, Range<Int>, Range<Int>)] = []
        for n in names where n.count >= 2 {
            for i in occurrences([n[0]]) {
                // A space after character k (1 ≤ k < count).
                var j = i, sp = -1, k = 0
                while k < n.count && j < s.count {
                    if s[j] == n[k] { k += 1; j += 1; continue }
                    if sp < 0 && k > 0 && NameExtractor.isSpace(s[j]) { sp = j; j += 1; continue }
                    break
                }
                guard k == n.count, sp >= 0, namePositionBefore(i), boundaryAt(j) else { continue }
                out.append((String(String.UnicodeScalarView(n.compactMap(Unicode.Scalar.init))), stream.offsets[i]..<stream.ends[j - 1],
                            stream.offsets[sp]..<stream.ends[sp]))
            }
        }
        return out.sorted { $0.1.lowerBound < $1.1.lowerBound }
    }
}

extension NameExtractor {
    /// Whether two posts can name one office: equal, or one ends the other and what it adds does not change the
    /// office (`党委书记`/`书记`, `常务副市长`/`副市长`; not `副书记`/`书记`, `总书记`/`书记`, `副总经理`/`总经理`).
    public static func compatible(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let (long, short) = a.unicodeScalars.count >= b.unicodeScalars.count ? (a, b) : (b, a)
        guard long.hasSuffix(short) else { return false }
        let extra = long.dropLast(short.count)
        return !(extra.hasSuffix("副") || extra.hasSuffix("总") || extra.hasSuffix("候补"))
    }

    /// Characters of an administrative level (`金华市`, `永康县`, `婺城区`, `浙江省`).
    public static let levels: Set<Character> = ["市", "县", "区", "省", "州"]
    /// Last characters of an organisation's name (`纪委`, `公安局`, `研究中心`, `公司`).
    static let orgEnds: Set<Character> = Set("委局厅部院会办府室处所站队社行司校馆团心镇乡村组署监庭协联盟".map { $0 })

    /// An organisation for comparison: without a leading `中共`, and without a level character that follows a place
    /// name of two or more characters inside it (`金华市纪委` → `金华纪委`, `中共永康市委` → `永康委`; `市委` stays).
    public static func orgKey(_ org: String) -> String {
        let s = Array(org.hasPrefix("中共") ? org.dropFirst(2) : Substring(org))
        var out = ""
        for (k, c) in s.enumerated() where !(levels.contains(c) && k >= 2 && k + 1 < s.count) { out.append(c) }
        return out
    }

    /// Whether the organisation written before a post (`written`, possibly empty) can be `org`: nothing written; a
    /// generic one that the organisation ends with (`市委`, `市纪委` for 金华市纪委; not `县委`); or the same place and
    /// body with the level dropped or more written before it (`金华纪委`, `浙江省金华市纪委` for 金华市纪委).
    public static func sameOrg(_ written: String, _ org: String) -> Bool {
        // What stands before a post is an organisation only when it names a level or ends like one (`外逃副市长`,
        // `正如…`: no organisation written).
        guard written.contains(where: { levels.contains($0) }) || written.last.map({ orgEnds.contains($0) }) == true else { return true }
        let w = written.hasPrefix("中共") ? String(written.dropFirst(2)) : written
        let o = org.hasPrefix("中共") ? String(org.dropFirst(2)) : org
        guard let first = w.first else { return true }
        if levels.contains(first) { return o.hasSuffix(w) }
        let a = orgKey(w), b = orgKey(o)
        return a == b || b.hasSuffix(a) || a.hasSuffix(b)
    }

    /// Whether two posts are the same office at two ranks (`书记`/`副书记`, `市长`/`常务副市长`, `队长`/`副队长`): the
    /// classic slip of one character, unlike two different offices one person may well hold.
    public static func rankVariants(_ a: String, _ b: String) -> Bool {
        func base(_ s: String) -> (String, Bool) {
            var t = Substring(s)
            for p in ["常务", "第一", "执行", "专职"] where t.hasPrefix(p) { t = t.dropFirst(p.count) }
            return t.hasPrefix("副") ? (String(t.dropFirst()), true) : (String(t), false)
        }
        let (x, dx) = base(a), (y, dy) = base(b)
        return x == y && dx != dy && !x.isEmpty
    }
}
