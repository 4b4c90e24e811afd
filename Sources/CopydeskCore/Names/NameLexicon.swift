/// The words title-anchored name extraction reads: posts (书记, 副市长…), leader-list words (市领导), words after a
/// post that are no name (热线, 处), boundary words that end a name (强调, 一行), surnames (single and compound),
/// former and acting markers, and the joiners between the titles of one person. Built-in: `rules/lexicons/names.yml`
/// (embedded with the rules); a newsroom adds words with `names:` in `.lintrc.yml` (a mapping of the same keys, or
/// the path of a YAML file holding one). Additions extend the lists; nothing is removed.
public struct NameLexicon: Sendable, Equatable {
    public var posts: [String] = []
    public var leaderLists: [String] = []
    public var notNames: [String] = []
    public var notGiven: [String] = []
    public var boundaries: [String] = []
    public var surnames: [String] = []
    public var compoundSurnames: [String] = []
    public var former: [String] = []
    public var acting: [String] = []
    public var joiners: [String] = []
    /// Further readings of polyphones in names (`单: [shan, dan]`), beside the one ICU gives (`Pinyin`).
    public var readings: [String: [String]] = [:]

    static let keys: [String] = ["posts", "leader-lists", "not-names", "not-given", "boundaries", "surnames", "compound-surnames", "former", "acting", "joiners", "readings"]

    public static func == (a: NameLexicon, b: NameLexicon) -> Bool {
        a.posts == b.posts && a.leaderLists == b.leaderLists && a.notNames == b.notNames && a.notGiven == b.notGiven && a.boundaries == b.boundaries
            && a.surnames == b.surnames && a.compoundSurnames == b.compoundSurnames && a.former == b.former
            && a.acting == b.acting && a.joiners == b.joiners && a.readings == b.readings
    }

    /// The path of the built-in lexicon among the embedded rule files (not a rule: the catalog skips `lexicons/`).
    static let builtInPath = "lexicons/names.yml"

    public static let builtIn: NameLexicon = {
        // Embedded at build time; a mistake in it is a programming error (the tests load it).
        let i = EmbeddedRules.files.firstIndex { $0.path == builtInPath }!
        return try! NameLexicon.parse(YAMLValue.decodeEmbedded(EmbeddedRules.trees[i], file: "builtin:rules/" + builtInPath), base: nil)
    }()

    /// Reads a lexicon mapping; with `base`, its lists extend the base's. Unknown keys and malformed entries are
    /// positioned errors.
    public static func parse(_ node: YAMLValue, base: NameLexicon?) throws -> NameLexicon {
        let m = try StrictMapping(node, what: "the names lexicon")
        var errors = ConfigErrorCollector()
        errors.run { try m.rejectUnknown(allowed: Set(keys)) }
        var lex = base ?? NameLexicon()
        func words(_ key: String, length: ClosedRange<Int>? = nil) -> [String] {
            errors.run { () throws -> [String] in
                guard let n = m[key] else { return [] }
                var out: [String] = []
                for item in try n.list(key) {
                    let s = try item.string("an entry of '\(key)'")
                    guard !s.isEmpty, !s.unicodeScalars.contains(where: { ArticleStructure.isSpace($0.value) }) else {
                        throw ConfigError(item.mark, "an entry of '\(key)' may not be empty or contain spaces")
                    }
                    if let length, !length.contains(s.unicodeScalars.count) {
                        throw ConfigError(item.mark, "an entry of '\(key)' has \(length.lowerBound == length.upperBound ? "\(length.lowerBound)" : "\(length.lowerBound)–\(length.upperBound)") characters; found '\(s)'")
                    }
                    out.append(s)
                }
                return out
            } ?? []
        }
        // Order kept, duplicates dropped (a set, not `contains` on the list: the built-in lexicon has hundreds of surnames).
        func add(_ list: inout [String], _ new: [String]) {
            var seen = Set(list)
            for w in new where seen.insert(w).inserted { list.append(w) }
        }
        add(&lex.posts, words("posts"))
        add(&lex.leaderLists, words("leader-lists"))
        add(&lex.notNames, words("not-names"))
        add(&lex.notGiven, words("not-given"))
        add(&lex.boundaries, words("boundaries"))
        add(&lex.surnames, words("surnames", length: 1...1))
        add(&lex.compoundSurnames, words("compound-surnames", length: 2...2))
        add(&lex.former, words("former"))
        add(&lex.acting, words("acting"))
        add(&lex.joiners, words("joiners", length: 1...1))
        errors.run {
            guard let n = m["readings"] else { return }
            for (c, mark, v) in try n.pairs("'readings'") {
                guard c.unicodeScalars.count == 1 else { throw ConfigError(mark, "a key of 'readings' is one character; found '\(c)'") }
                for r in try v.list("the readings of '\(c)'") {
                    let w = try r.string("a reading")
                    guard !w.isEmpty, w.unicodeScalars.allSatisfy({ $0.value >= 0x61 && $0.value <= 0x7A }) else {
                        throw ConfigError(r.mark, "a reading is toneless pinyin in lower-case letters (shan); found '\(w)'")
                    }
                    if !(lex.readings[c]?.contains(w) ?? false) { lex.readings[c, default: []].append(w) }
                }
            }
        }
        try errors.throwIfAny()
        if lex.posts.isEmpty { throw ConfigError(node.mark, "the names lexicon has no posts") }
        if lex.surnames.isEmpty { throw ConfigError(node.mark, "the names lexicon has no surnames") }
        lex.compile()
        return lex
    }

    // Compiled forms.
    private(set) var postTable = WordTable()
    private(set) var listTable = WordTable()
    private(set) var notNameTable = WordTable()
    private(set) var notGivenTable = WordTable()
    private(set) var boundaryTable = WordTable()
    private(set) var formerTable = WordTable()
    private(set) var actingTable = WordTable()
    private(set) var surnameSet = ScalarSet()
    private(set) var compoundTable = WordTable()
    private(set) var joinerSet = ScalarSet()

    mutating func compile() {
        postTable = WordTable(posts)
        listTable = WordTable(leaderLists)
        notNameTable = WordTable(notNames)
        notGivenTable = WordTable(notGiven)
        boundaryTable = WordTable(boundaries)
        formerTable = WordTable(former)
        actingTable = WordTable(acting)
        compoundTable = WordTable(compoundSurnames)
        surnameSet = ScalarSet(surnames.compactMap { $0.unicodeScalars.first?.value })
        joinerSet = ScalarSet(joiners.compactMap { $0.unicodeScalars.first?.value })
    }

    /// Whether two characters can read the same: ICU's reading or one of `readings` of each (`单` shan/dan).
    public func sameReading(_ a: UInt32, _ b: UInt32) -> Bool {
        func all(_ v: UInt32) -> [String] {
            var out = Pinyin.reading(v).map { [$0] } ?? []
            if !readings.isEmpty, let u = Unicode.Scalar(v), let more = readings[String(u)] { out += more }
            return out
        }
        let x = all(a)
        return !x.isEmpty && all(b).contains { x.contains($0) }
    }

    /// The post at the end of a title (`金华市委常委` → `常委`): the longest post the title ends with.
    public func core(of title: [UInt32]) -> [UInt32] {
        var best: [UInt32] = []
        for w in postTable.all where w.count <= title.count && w.count > best.count && Array(title.suffix(w.count)) == w { best = w }
        return best
    }
}

/// A set of BMP scalars (one bit each) plus a list for the rest.
struct ScalarSet: Sendable, Equatable {
    private var bits = [UInt64](repeating: 0, count: 1024)
    private var astral: [UInt32] = []
    init() {}
    init(_ values: [UInt32]) { for v in values { insert(v) } }
    mutating func insert(_ v: UInt32) {
        if v < 0x10000 { bits[Int(v >> 6)] |= 1 << UInt64(v & 63) } else if !astral.contains(v) { astral.append(v) }
    }
    @inline(__always) func contains(_ v: UInt32) -> Bool {
        v < 0x10000 ? (bits[Int(v >> 6)] >> UInt64(v & 63)) & 1 != 0 : astral.contains(v)
    }
}

/// Words as scalar arrays, found by their first scalar (a bit set rejects most positions with one test), longest
/// first.
struct WordTable: Sendable, Equatable {
    private var first = ScalarSet()
    private var byFirst: [UInt32: [[UInt32]]] = [:]
    private(set) var all: [[UInt32]] = []
    init() {}
    init(_ words: [String]) {
        var seen = Set<[UInt32]>()
        for w in words {
            let s = w.unicodeScalars.map(\.value)
            guard let f = s.first, seen.insert(s).inserted else { continue }
            all.append(s)
            first.insert(f)
            byFirst[f, default: []].append(s)
        }
        for k in byFirst.keys { byFirst[k]!.sort { $0.count > $1.count } }
    }
    /// The length of the longest word at `s[i...]` (0: none).
    @inline(__always) func match(_ s: [UInt32], _ i: Int) -> Int {
        guard i < s.count, first.contains(s[i]), let list = byFirst[s[i]] else { return 0 }
        outer: for w in list where i + w.count <= s.count {
            for k in 1..<w.count where s[i + k] != w[k] { continue outer }
            return w.count
        }
        return 0
    }
    var isEmpty: Bool { all.isEmpty }
    /// The words that start with `v`, longest first.
    func words(startingWith v: UInt32) -> [[UInt32]] { first.contains(v) ? byFirst[v] ?? [] : [] }
}
