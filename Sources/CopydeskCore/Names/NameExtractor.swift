/// Title-anchored name extraction (`newsroom-rules.md` §4.1): `TITLE (joiner TITLE)* NAME BOUNDARY` and leader lists
/// `市领导 NAME、NAME、NAME BOUNDARY`, on Unicode scalars (no regular expressions).
///
/// The text is read as one stream of the document's prose: lines of a paragraph are joined, and so are two body
/// lines when the first ends and the second starts with a Han character (an OCR page that breaks a paragraph, even a
/// name, across lines: `市领导章` / `旭升`); elsewhere a line break ends a name. Each scalar keeps its byte offset.
///
/// A name is a surname (compound first) and one or two given characters (a compound surname: one or two), ended by
/// a boundary (not a Han character, a boundary word, a post, the end) — a boundary word that starts at the second
/// given character ends the name there (`王强调研` → 王强). At most one space inside a name is read (`陈 晓苏`) and
/// recorded. Rejected: a word of `not-names` after the post (`市长热线`, `书记处`), a name followed by a place suffix
/// (`金华市`).
public struct NameExtractor {
    public struct Title: Sendable, Equatable {
        /// The title as written, without a former/acting marker (`金华市委常委`).
        public var text: String
        /// The post it ends with (`常委`).
        public var core: String
        public var range: Range<Int>
        /// `原`/`前` before it.
        public var former: Bool
        /// The marker as written (`原`, `前`, `代`), empty when none.
        public var marker: String = ""
        /// `代`/`代理` before it.
        public var acting: Bool
    }

    public enum Anchor: String, Sendable { case title, list }

    public struct Mention: Sendable {
        /// The name without spaces.
        public var name: String
        public var nameScalars: [UInt32]
        /// From the first to the last character of the name (it may span a line break or hold a space).
        public var range: Range<Int>
        /// The byte range of each character of the name.
        public var charRanges: [Range<Int>]
        /// A space inside the name (`陈 晓苏`): its byte range.
        public var space: Range<Int>?
        /// The titles before the name, in order (one person's chain: `市委副书记、市长`); empty for a list name.
        public var titles: [Title]
        public var anchor: Anchor
        /// Mentions of one list (`市领导A、B、C`, `副市长A、B`) share an id; nil when the name stands alone.
        public var list: Int?
        /// The joint between this name and the previous one in its list (the 顿号's range).
        public var separator: Range<Int>?
        /// 0-based line of the name's first character.
        public var line: Int
        public var role: Scope
    }

    /// The document's prose as scalars with their byte offsets (`offsets[k]` starts scalar k; `ends[k]` ends it).
    /// A line break not joined over is stored as U+000A.
    public struct Stream {
        public var s: [UInt32] = []
        public var offsets: [Int] = []
        public var ends: [Int] = []
        public var role: [Scope] = []
    }

    public static let place: [UInt32] = "市县区省镇乡村州".unicodeScalars.map(\.value)

    static func isHan(_ v: UInt32) -> Bool {
        (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0x20000 && v <= 0x3134F) || (v >= 0xF900 && v <= 0xFAFF)
    }
    static func isSpace(_ v: UInt32) -> Bool { v == 0x20 || v == 0x3000 || v == 0xA0 }

    public static func stream(_ doc: Document) -> Stream {
        var st = Stream()
        st.s.reserveCapacity(doc.source.bytes.count / 3 + 16)
        let prose: Scope = [.body, .headline, .byline, .dateline]
        doc.source.bytes.withUnsafeBufferPointer { p in
            var prevRole: Scope = []
            var prevLine = -2
            for b in doc.blocks where !b.role.isDisjoint(with: prose) && b.kind != .code && b.kind != .comment {
                for (k, r) in b.content.enumerated() {
                    let line = b.lines.lowerBound + k
                    // Join a body line to the one before when Han meets Han (an OCR page broken mid-word).
                    let joinable = (prevRole == .body || prevRole == .dateline) && b.role == .body
                        && (line - prevLine <= 2) && !st.s.isEmpty && (isHan(st.s[st.s.count - 1]) || st.s[st.s.count - 1] == 0x3001)
                    var i = r.lowerBound
                    // Leading spaces of the line (OCR indents).
                    var firstHan = false
                    var j = i
                    while j < r.upperBound, p[j] == 0x20 { j += 1 }
                    if j < r.upperBound { firstHan = isHan(decodeScalar(p, j).0) }
                    if !(joinable && firstHan) && !st.s.isEmpty {
                        st.s.append(0x0A); st.offsets.append(r.lowerBound); st.ends.append(r.lowerBound); st.role.append(b.role)
                    } else if joinable { i = j }
                    while i < r.upperBound {
                        let (v, n) = decodeScalar(p, i)
                        st.s.append(v); st.offsets.append(i); st.ends.append(i + n); st.role.append(b.role)
                        i += n
                    }
                    prevRole = b.role
                    prevLine = line
                }
            }
        }
        return st
    }

    public let lexicon: NameLexicon
    public init(lexicon: NameLexicon) { self.lexicon = lexicon }

    /// The mentions of a document, in text order.
    public func mentions(_ doc: Document) -> [Mention] {
        mentions(Self.stream(doc), doc.source)
    }

    public func mentions(_ st: Stream, _ source: SourceText) -> [Mention] {
        let s = st.s
        let lex = lexicon
        var out: [Mention] = []
        var listCount = 0
        // Trailing spaces before a joined line break were kept in the stream: `章 ` + `旭升` reads as a space inside.
        var i = 0
        var chain: [Title] = []
        var chainEnd = -1    // stream index just after the last title of the pending chain's joiner
        var retry: [(Int, [Title])] = []
        while i < s.count {
            let v = s[i]
            if v < 0x3000 { i += 1; continue }
            let listLen = lex.listTable.match(s, i)
            if listLen > 0 {
                let after = i + listLen
                let names = readList(s, st, from: after, source: source, titles: [], listID: listCount)
                if !names.isEmpty { out += names.map(\.mention); listCount += 1; i = names.last!.endIndex; chain = []; continue }
                i = after; continue
            }
            let postLen = lex.postTable.match(s, i)
            guard postLen > 0 else { i += 1; continue }
            let (title, t0) = Self.title(s, st, lex, post: i, length: postLen)
            let end = i + postLen
            if chainEnd != t0 { chain = [] }
            chain.append(title)
            // A joiner and another title: the chain goes on.
            if end < s.count, lex.joinerSet.contains(s[end]) {
                chainEnd = end + 1
                i = end + 1
                continue
            }
            chainEnd = -1
            if lex.notNameTable.match(s, end) > 0 { chain = []; i = end; continue }
            var q = end
            if q < s.count, Self.isSpace(s[q]) { q += 1 }
            if let m = readName(s, st, at: q, source: source, inList: false) {
                var first = m
                first.titles = chain
                first.anchor = .title
                // `副市长A、B`: a list of people with one title.
                if m.endIndex < s.count, s[m.endIndex] == 0x3001, let _ = readName(s, st, at: m.endIndex + 1, source: source, inList: true) {
                    let more = readList(s, st, from: m.endIndex + 1, source: source, titles: chain, listID: listCount, separatorBefore: m.endIndex)
                    first.list = listCount
                    out.append(first.mention)
                    out += more.map(\.mention)
                    listCount += 1
                    i = (more.last?.endIndex ?? m.endIndex)
                } else {
                    out.append(first.mention)
                    i = m.endIndex
                }
                chain = []
                continue
            }
            if q < s.count, NameExtractor.isHan(s[q]) { retry.append((q, chain)) }
            chain = []
            i = end
        }
        // Second pass: a title followed by a name found elsewhere with a clear boundary (`市委书记章旭升关切询问`
        // when `章旭升指出` stands in the document).
        if !retry.isEmpty {
            var known: [UInt32: [[UInt32]]] = [:]
            func learn(_ n: [UInt32]) {
                if !(known[n[0]]?.contains(n) ?? false) { known[n[0], default: []].append(n) }
            }
            for m in out where m.space == nil && m.nameScalars.count >= 2 { learn(m.nameScalars) }
            // Names that stand elsewhere at a sentence start before a boundary word (`。章旭升指出`): the candidates
            // of the retried places (surname + one or two characters), found in one pass with a word table.
            var cands: [String] = []
            for (q, _) in retry where lex.surnameSet.contains(s[q]) || lex.compoundTable.match(s, q) == 2 {
                let base = lex.compoundTable.match(s, q) == 2 ? 2 : 1
                for g in 1...2 where q + base + g <= s.count && (q..<(q + base + g)).allSatisfy({ Self.isHan(s[$0]) }) {
                    cands.append(String(String.UnicodeScalarView(s[q..<(q + base + g)].compactMap(Unicode.Scalar.init))))
                }
            }
            if !cands.isEmpty {
                let table = WordTable(cands)
                var k = 0
                while k < s.count {
                    let atStart = k == 0 || !Self.isHan(s[k - 1])
                    if atStart {
                        // Longest candidate first, then shorter ones ending at a boundary word.
                        for w in table.words(startingWith: s[k])
                            where k + w.count < s.count && Array(s[k..<(k + w.count)]) == w && lex.boundaryTable.match(s, k + w.count) > 0 {
                            learn(w); break
                        }
                    }
                    k += 1
                }
            }
            var added = false
            for (q, titles) in retry {
                guard let list = known[s[q]] else { continue }
                for n in list.sorted(by: { $0.count > $1.count }) where q + n.count <= s.count && Array(s[q..<(q + n.count)]) == n {
                    let charRanges = (q..<(q + n.count)).map { st.offsets[$0]..<st.ends[$0] }
                    out.append(Mention(name: String(String.UnicodeScalarView(n.compactMap(Unicode.Scalar.init))), nameScalars: n,
                                       range: charRanges.first!.lowerBound..<charRanges.last!.upperBound, charRanges: charRanges, space: nil,
                                       titles: titles, anchor: .title, list: nil, separator: nil,
                                       line: source.lineIndex(of: st.offsets[q]), role: st.role[q]))
                    added = true
                    break
                }
            }
            if added { out.sort { $0.range.lowerBound < $1.range.lowerBound } }
        }
        return out
    }

    /// The title whose post starts at stream index `i` (`length` scalars): the organisation before the post (Han
    /// characters back to a stop), a former or acting marker, then the post.
    /// Also returns the stream index where the title (after its marker) starts.
    static func title(_ s: [UInt32], _ st: Stream, _ lex: NameLexicon, post i: Int, length postLen: Int) -> (Title, Int) {
        let end = i + postLen
        // The title: the organisation before the post (Han characters back to a stop), then the post.
        var start = i
        var steps = 0
        while start > 0 && steps < 10 {
            let w = s[start - 1]
            guard Self.isHan(w), !lex.joinerSet.contains(w), !Self.prefixStop.contains(w) else { break }
            start -= 1; steps += 1
        }
        // A name or another title may stand right before: stop after a boundary word.
        var former = false, acting = false
        var t0 = start
        let f = lex.formerTable.match(s, t0)
        if f > 0 && t0 + f <= i { former = true; t0 += f }
        // 原 or 前 inside the title right before the post or its organisation (`嘉祥县政府原副县长`,
        // `民宗委原党组副书记`), and 时任/曾任/历任 before it: a past post.
        if !former {
            for k in t0..<i where s[k] == 0x539F || (s[k] == 0x524D && k + 1 == i) {   // 原, 前
                if s[k] == 0x539F, k > t0, Self.originWords.contains(s[k - 1]) { continue }   // 太原, 平原, 中原…
                former = true
            }
            if t0 >= 2, s[t0 - 1] == 0x4EFB, [0x65F6, 0x66FE, 0x5386, 0x539F].contains(s[t0 - 2]) { former = true }   // 时任 曾任 历任 原任
            if t0 + 2 <= i, s[t0 + 1] == 0x4EFB, [0x65F6, 0x66FE, 0x5386, 0x539F].contains(s[t0]) { former = true }
        }
        let a = lex.actingTable.match(s, t0)
        if a > 0 && t0 + a <= i && lex.postTable.match(s, t0) == 0 { acting = true; t0 += a }
        let markerText = String(String.UnicodeScalarView(s[start..<t0].compactMap(Unicode.Scalar.init)))
        var title = Title(text: String(String.UnicodeScalarView(s[t0..<end].compactMap(Unicode.Scalar.init))),
                          core: String(String.UnicodeScalarView(s[i..<end].compactMap(Unicode.Scalar.init))),
                          range: st.offsets[t0]..<st.ends[end - 1], former: former, acting: acting)
        title.marker = markerText
        return (title, t0)
    }

    /// The title whose post ends right before stream index `e` (the longest post that does), or nil.
    static func title(_ s: [UInt32], _ st: Stream, _ lex: NameLexicon, endingAt e: Int) -> (Title, Int)? {
        for l in stride(from: min(8, e), through: 1, by: -1) where lex.postTable.match(s, e - l) == l {
            return title(s, st, lex, post: e - l, length: l)
        }
        return nil
    }

    /// The stream index of the scalar starting at byte `offset` (binary search; offsets grow).
    static func index(_ st: Stream, _ offset: Int) -> Int {
        var lo = 0, hi = st.offsets.count
        while lo < hi { let mid = (lo + hi) / 2; if st.offsets[mid] < offset { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// Characters that end an organisation prefix going back from a post.
    /// Characters before 原 that make a word, not a former post (太原, 平原, 中原, 高原, 草原, 还原, 复原).
    static let originWords: ScalarSet = ScalarSet("太平中高草还复".unicodeScalars.map(\.value))
    static let prefixStop: ScalarSet = ScalarSet("的和与及由在对向将为是了请到经任兼同跟被把从给让向等并也都会时后前说".unicodeScalars.map(\.value).filter { $0 != 0x524D })

    struct Read {
        var mention: Mention
        var endIndex: Int
        var titles: [Title] { get { mention.titles } set { mention.titles = newValue } }
        var anchor: Anchor { get { mention.anchor } set { mention.anchor = newValue } }
        var list: Int? { get { mention.list } set { mention.list = newValue } }
    }

    /// Names separated by 、 from `from`; the last ends at a boundary.
    func readList(_ s: [UInt32], _ st: Stream, from: Int, source: SourceText, titles: [Title], listID: Int, separatorBefore: Int? = nil) -> [Read] {
        var out: [Read] = []
        var q = from
        var sep = separatorBefore
        while true {
            guard var m = readName(s, st, at: q, source: source, inList: true) else { break }
            m.titles = titles
            m.anchor = titles.isEmpty ? .list : .title
            m.list = listID
            if let k = sep { m.mention.separator = st.offsets[k]..<st.ends[k] }
            // A name in the middle of a list must be followed by 、; the last by a boundary.
            out.append(m)
            if m.endIndex < s.count, s[m.endIndex] == 0x3001 { sep = m.endIndex; q = m.endIndex + 1; continue }
            return out
        }
        // The item after the last 、 was no name: the names before it still were (they ended at a 顿号).
        return out
    }

    /// A name at `q`: surname, one or two given characters, then a boundary.
    func readName(_ s: [UInt32], _ st: Stream, at q: Int, source: SourceText, inList: Bool) -> Read? {
        let lex = lexicon
        guard q < s.count else { return nil }
        var idx: [Int] = []
        var space: Int? = nil
        var k = q
        let compound = lex.compoundTable.match(s, k)
        if compound == 2 { idx = [k, k + 1]; k += 2 }
        else if lex.surnameSet.contains(s[k]) { idx = [k]; k += 1 }
        else { return nil }
        let surnameCount = idx.count
        _ = surnameCount
        var given = 0
        while given < 2 && k < s.count {
            var c = k
            // One space inside the name (OCR), never two; and a space only before a Han character.
            if Self.isSpace(s[c]) && space == nil && c + 1 < s.count && Self.isHan(s[c + 1]) && given < 2 { c += 1 }
            guard Self.isHan(s[c]) else { break }
            if given >= 1 && (lex.boundaryTable.match(s, c) > 0 || lex.postTable.match(s, c) > 0) { break }
            if given == 0 && (s[c] == 0x3001 || lex.joinerSet.contains(s[c])) { break }
            if c != k { space = k }
            idx.append(c)
            given += 1
            k = c + 1
        }
        guard given >= 1 else { return nil }
        // The boundary after the name.
        func isBoundary(_ e: Int) -> Bool {
            guard e < s.count else { return true }
            let w = s[e]
            if !Self.isHan(w) { return true }
            if Self.place.contains(w) { return false }
            return lex.boundaryTable.match(s, e) > 0
        }
        var end = idx.last! + 1
        if !isBoundary(end) {
            // Two given characters that end at no boundary: try one.
            guard given == 2 else { return nil }
            idx.removeLast()
            if space != nil && space! > idx.last! { space = nil }
            end = idx.last! + 1
            guard isBoundary(end), end < s.count, Self.isHan(s[end]) else { return nil }
        }
        if end < s.count, Self.place.contains(s[end]) { return nil }
        // `福建省长乐市`: a name that ends in a place suffix is a place; `张先生`, `李女士`: no given name.
        if Self.place.contains(s[idx.last!]) { return nil }
        // `蜀山区长江西路189号`: a street with its number is an address, not 区长 + a name.
        if [0x8DEF, 0x8857, 0x5DF7].contains(s[idx.last!]), end < s.count, s[end] >= 0x30 && s[end] <= 0x39 || s[end] >= 0xFF10 && s[end] <= 0xFF19 { return nil }
        if lex.notGivenTable.match(s, idx[surnameCount]) > 0 { return nil }
        // `任站长`: the given name would start a post.
        if lex.postTable.match(s, idx[surnameCount]) > 0 { return nil }
        // A name standing alone in the stream (a space after it that another Han character follows is no boundary
        // we can trust in a letterspaced run).
        if end < s.count, Self.isSpace(s[end]), end + 1 < s.count, Self.isHan(s[end + 1]), space != nil { return nil }
        let scalars = idx.map { s[$0] }
        let name = String(String.UnicodeScalarView(scalars.compactMap(Unicode.Scalar.init)))
        let charRanges = idx.map { st.offsets[$0]..<st.ends[$0] }
        let first = idx.first!
        let m = Mention(name: name, nameScalars: scalars, range: charRanges.first!.lowerBound..<charRanges.last!.upperBound,
                        charRanges: charRanges, space: space.map { st.offsets[$0]..<st.ends[$0] }, titles: [], anchor: .title,
                        list: nil, separator: nil, line: source.lineIndex(of: st.offsets[first]), role: st.role[first])
        return Read(mention: m, endIndex: end)
    }
}
