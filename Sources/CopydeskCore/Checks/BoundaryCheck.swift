import CByteClass

/// `kind: boundary`: the spacing primitive. Between a character of class `left` and one of class `right`
/// (`symmetric: true` also matches the mirror order):
///   - `space: forbid`  flags any run of `spaces` characters between them (fix: delete it);
///   - `space: require` flags the two touching each other (fix: insert one ASCII space);
///   - `space: single`  flags a run of two or more (fix: one ASCII space);
///   - `characters:`    flags a listed character standing between them, with no space around
///                      (fix: its replacement, e.g. `":": "："`; with the ASCII spaces after it when a `space: forbid`
///                      rule of the same scan would delete them next to the replacement: `你好, 再见` → `你好，再见`
///                      in one pass instead of two).
/// All boundary rules of a document run together in one pass of `BoundaryScanner`.
public struct BoundaryCheck: Check {
    public enum SpaceMode: String, Sendable { case forbid, require, single, ignore }

    public var left: CharClass
    public var right: CharClass
    public var symmetric: Bool
    public var space: SpaceMode
    /// Which whitespace characters make up a "space" run.
    public var spaces: CharClass
    /// Character → replacement (nil: no fix).
    public var characters: [UInt32: String?]
    /// Characters next to which the rule never fires (`except-left: 年月日`).
    // Small character lists: a linear search beats hashing for the handful of characters they hold.
    public var exceptLeft: [UInt32]
    public var exceptRight: [UInt32]
    /// `only-left` / `only-right`: when given, the character on that side must be one of these (e.g. `%‰℃`).
    public var onlyLeft: [UInt32]?
    public var onlyRight: [UInt32]?
    /// `right-next`: the character after the right neighbour must be of these classes (`-5`: a sign before a digit).
    public var rightNext: CharClass?
    /// `safe-when: letterspaced`: the rule's safe fix stays safe only for letterspacing (one space with a single
    /// character on at least one side: `全 力 以 赴`, `篱笆 墙 ，`); a space between two words (`市委 书记`,
    /// `搬运 包装`) or a run of spaces (a flattened table) gets an unsafe fix, since it may separate fields or clauses.
    public var safeOnlyLetterspaced = false
    /// `safe-max-spaces: N`: a run of more than N whitespace characters (a flattened table) gets an unsafe fix.
    public var safeMaxSpaces = Int.max
    /// `replacement:` what a `space: forbid` fix puts in place of the spaces (default: nothing; `"　"` for the
    /// headline pause).
    public var replacement = ""
    /// `gaps: word-gaps`: only spaces between words count (letterspacing is another rule's).
    public var wordGapsOnly = false
    /// `skip-word-gaps-in: [headline]`: in these scopes a space between two words (not letterspacing) is left to
    /// another rule (the headline pause).
    public var skipWordGapsIn: Scope = []

    static let keys: Set<String> = ["replacement", "gaps", "skip-word-gaps-in", "left", "right", "symmetric", "space", "spaces", "characters", "except-left", "except-right", "only-left", "only-right", "right-next", "safe-when", "safe-max-spaces"]

    /// Reads a class or a list of classes (`han`, `[latin, digit]`).
    static func classes(_ v: YAMLValue, _ key: String) throws -> CharClass {
        var c: CharClass = []
        for item in try v.list(key) {
            let name = try item.string("a class in '\(key)'")
            guard let cls = CharClass.named(name) else {
                throw ConfigError(item.mark, "unknown character class '\(name)' in '\(key)'; expected one of: \(CharClass.names.map(\.0).joined(separator: ", "))")
            }
            c.formUnion(cls)
        }
        return c
    }

    init(_ m: StrictMapping) throws {
        left = try BoundaryCheck.classes(m.required("left"), "left")
        right = try BoundaryCheck.classes(m.required("right"), "right")
        symmetric = try m["symmetric"]?.bool("symmetric") ?? false
        let modeNode = m["space"]
        space = try SpaceMode(rawValue: modeNode?.choice("space", ["forbid", "require", "single", "ignore"]) ?? "ignore")!
        if let sp = m["spaces"] {
            var c: CharClass = []
            for item in try sp.list("spaces") {
                let name = try item.string("an entry of 'spaces'")
                guard let cls = CharClass.named(name), CharClass.whitespace.contains(cls) else {
                    throw ConfigError(item.mark, "'\(name)' is not a whitespace class; use space, tab, ideographic-space, nbsp or whitespace")
                }
                c.formUnion(cls)
            }
            spaces = c
        } else {
            spaces = [.space, .tab, .nbsp]
        }
        var chars: [UInt32: String?] = [:]
        if let cv = m["characters"] {
            switch cv {
            case .mapping(let pairs, _):
                for p in pairs {
                    guard p.key.unicodeScalars.count == 1 else { throw ConfigError(p.keyMark, "each key of 'characters' must be one character, found '\(p.key)'") }
                    if case .null = p.value { chars[p.key.unicodeScalars.first!.value] = .some(nil) }
                    else { chars[p.key.unicodeScalars.first!.value] = try p.value.string("the replacement of '\(p.key)'") }
                }
            default:
                for item in try cv.list("characters") {
                    let s = try item.string("an entry of 'characters'")
                    for u in s.unicodeScalars { chars[u.value] = .some(nil) }
                }
            }
        }
        characters = chars
        exceptLeft = try m["except-left"]?.string("except-left").unicodeScalars.map(\.value) ?? []
        exceptRight = try m["except-right"]?.string("except-right").unicodeScalars.map(\.value) ?? []
        onlyLeft = try m["only-left"].map { try $0.string("only-left").unicodeScalars.map(\.value) }
        onlyRight = try m["only-right"].map { try $0.string("only-right").unicodeScalars.map(\.value) }
        rightNext = try m["right-next"].map { try BoundaryCheck.classes($0, "right-next") }
        if rightNext != nil && !characters.isEmpty {
            throw ConfigError(m["right-next"]!.mark, "'right-next' works with 'space' rules, not with 'characters'")
        }
        if let w = m["safe-when"] { safeOnlyLetterspaced = try w.choice("safe-when", ["always", "letterspaced"]) == "letterspaced" }
        if let n = m["safe-max-spaces"] {
            safeMaxSpaces = try n.int("safe-max-spaces")
            guard safeMaxSpaces >= 1 else { throw ConfigError(n.mark, "'safe-max-spaces' must be at least 1") }
        }
        if let r = m["replacement"] {
            replacement = try r.string("replacement")
            guard space == .forbid else { throw ConfigError(r.mark, "'replacement' works with 'space: forbid'") }
        }
        if let g = m["gaps"] { wordGapsOnly = try g.choice("gaps", ["all", "word-gaps"]) == "word-gaps" }
        if let sk = m["skip-word-gaps-in"] {
            for item in try sk.list("skip-word-gaps-in") {
                let s = try item.string("a scope")
                guard let sc = Scope.named(s) else { throw ConfigError(item.mark, "unknown scope '\(s)'") }
                skipWordGapsIn.formUnion(sc)
            }
        }
        if space == .ignore && characters.isEmpty {
            throw ConfigError(m.value.mark, "a boundary rule needs 'space' (forbid, require or single) or 'characters'")
        }
        if space != .ignore && !characters.isEmpty {
            throw ConfigError(m.value.mark, "a boundary rule takes either 'space' or 'characters', not both: make two rules")
        }
    }

    /// Whether any of except-left/right, only-left/right is set (checked before hashing anything).
    var hasConditions: Bool { !exceptLeft.isEmpty || !exceptRight.isEmpty || onlyLeft != nil || onlyRight != nil }

    func conditionsHold(_ l: UInt32, _ r: UInt32) -> Bool {
        if exceptLeft.contains(l) || exceptRight.contains(r) { return false }
        if let o = onlyLeft, !o.contains(l) { return false }
        if let o = onlyRight, !o.contains(r) { return false }
        return true
    }

    /// Segments never cross a line.
    public var isLineLocal: Bool { true }

    public func deadReason() -> String? {
        if left.isEmpty || right.isEmpty { return "its left or right class is empty" }
        if left == .lineEnd || right == .lineStart { return "'line-end' can only stand on the right and 'line-start' on the left" }
        if space == .require && (left.isSubset(of: [.lineStart]) || right.isSubset(of: [.lineEnd])) {
            return "a space cannot be required at the start or end of a line"
        }
        if space != .ignore && (left.isSubset(of: .whitespace) || right.isSubset(of: .whitespace)) {
            return "a whitespace class on a side can never touch a space run (runs are maximal)"
        }
        return nil
    }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        BoundaryScanner(rules: [(context.ruleIndex, self, context.fixSafety, context.scope)]).scan(context.document, context.allSegments, into: &findings)
    }
}

/// One pass over the scalars of a document's segments that evaluates every boundary rule at once.
/// Pairs of classes are looked up in a table built once, so a run of Han text costs one lookup per character.
public struct BoundaryScanner: Sendable {
    typealias Entry = (rule: Int, check: BoundaryCheck, safety: FixSafety, scope: Scope)
    let rules: [Entry]
    /// Whether any rule cares about a (left, right) class pair: a flat table checked before the lists.
    private var spacedAny: [Bool]
    private var touchingAny: [Bool]
    /// For (left class index, right class index): indices into `rules` that care about that pair, split by whether a
    /// space run separates the two. Flat (`spacedList[spacedFrom[pair]..<spacedFrom[pair + 1]]`), so that reading a
    /// list retains nothing.
    private var spacedFrom: [Int] = []
    private var spacedList: [Int] = []
    private var touchingFrom: [Int] = []
    private var touchingList: [Int] = []
    /// The scalars of every rule's except/only lists, one after the other; `Compact` holds each rule's ranges.
    private var condScalars: [UInt32] = []
    /// What the hot loop needs of each rule, without references (copying it retains nothing).
    struct Compact {
        var rule: Int
        var safety: FixSafety
        var scope: Scope
        var spaces: UInt32
        var mode: BoundaryCheck.SpaceMode
        var letterspacedOnly: Bool
        var maxSpaces: Int
        var replacement: Int       // index into `replacements`; -1: delete
        var wordGapsOnly: Bool
        var skipWordGapsIn: Scope
        var rightNext: UInt32      // 0: no condition
        var hasConditions: Bool
        var left: UInt32
        var right: UInt32
        var symmetric: Bool
        /// Ranges in `condScalars`; nil for an absent `only-…` list.
        var exceptLeft: Range<Int>
        var exceptRight: Range<Int>
        var onlyLeft: Range<Int>?
        var onlyRight: Range<Int>?
    }
    private var compact: [Compact] = []
    private var charRules: [Int]
    private let chainedFixes: Bool
    /// For a scalar some `characters` rule names (BMP only): its slot in `specialEntries` (0: not special), i.e. the
    /// rules that name it, with its replacement. No hashing in the scan.
    private var specialSlot: [UInt16] = []
    /// Flat as above: the entries of slot `s` are `specialList[specialFrom[s]..<specialFrom[s + 1]]`.
    private var specialFrom: [Int] = []
    private var specialList: [SpecialEntry] = []
    struct SpecialEntry {
        var rule: Int            // index into `compact`
        var replacement: Int     // index into `replacements`, -1: no fix
        var replacementClass: Int
        /// The replacement when it is one scalar (0 otherwise): what a `space: forbid` rule sees on the left of the
        /// spaces after it once it is in place (`trimmedGap`).
        var replacementScalar: UInt32
    }
    private var replacements: [String] = []
    /// The `replacement:` strings of `space: forbid` rules (`Compact.replacement` indexes them).
    private var spaceReplacements: [String] = []
    /// Scopes where a `gaps: word-gaps` rule claims the pauses between phrases.
    private var wordGapScopes: Scope = []
    /// By index into `compact`: a rule some rule of the linter supersedes (its findings may be dropped, so no other
    /// fix does its work: see `trimmedGap`).
    private var superseded: [Bool] = []
    static let classCount = 32
    /// One bit per BMP scalar: quiet (see `scan`). Astral scalars are quiet when their class is (`quietAstral`).
    private var quietBits: [UInt64] = []
    private var quietAstral: UInt32 = 0
    /// Whether every scalar U+4000–U+9FFF is quiet (then runs of them are skipped by their lead byte alone).
    private var hanFast = false
    /// Three-byte characters by their first two bytes: bit `second & 0x3F` of word `lead` is set when all 64
    /// scalars those two bytes lead (one word of `quietBits`) are quiet. Runs of them are skipped without decoding:
    /// with `hanFast` off (pangu style, where the hexagram signs U+4DC0–U+4DFF of class `other` are not quiet)
    /// every Han block but that one.
    private var quietBlocks: [UInt64] = []   // 256 words, by lead byte (0 for other bytes)
    /// Runs of three-byte characters skipped thirty-two bytes a step (`copydesk_lead_run`, where the CPU has AVX2):
    /// the lead bytes `leadLow...leadLow + leadSpan` of blocks of quiet characters only, but for at most one block of
    /// 64 (`leadExcluded`, its first two bytes; (0, 0) for none): in pangu style E4–E9 but `E4 B7` (the hexagram
    /// signs). Nil: the loop above, character by character.
    private(set) var leadRuns: (low: UInt8, span: UInt8, excludedLead: UInt8, excludedSecond: UInt8)?

    /// - Parameter rules: (rule index, check, fix safety, scope). Segments outside a rule's scope are skipped for it,
    ///   so one scan serves rules of different scopes.
    ///   `quietRuns: false` looks at every character (the reference the tests compare the fast path with).
    ///   `superseded`: the rule indices (the first element of `rules`' entries) that a rule supersedes.
    ///   `chainedFixes: false` makes a `characters` fix replace the character alone (the reference the tests compare
    ///   `trimmedGap` with).
    ///   `vectorRuns: false` skips quiet runs character by character (the reference for `leadRuns`).
    public init(rules: [(Int, BoundaryCheck, FixSafety, Scope)], quietRuns: Bool = true, superseded: Set<Int> = [],
                chainedFixes: Bool = true, vectorRuns: Bool = true) {
        self.rules = rules.map { (rule: $0.0, check: $0.1, safety: $0.2, scope: $0.3) }
        self.chainedFixes = chainedFixes
        let n = BoundaryScanner.classCount
        var spaced: [[Int]] = Array(repeating: [], count: n * n)
        var touching: [[Int]] = Array(repeating: [], count: n * n)
        charRules = []
        spacedAny = []
        touchingAny = []
        for (k, e) in self.rules.enumerated() {
            let c = e.check
            if !c.characters.isEmpty {
                charRules.append(k)
                continue
            }
            for l in 0..<n { for r in 0..<n {
                let lc = CharClass(rawValue: 1 << UInt32(l)), rc = CharClass(rawValue: 1 << UInt32(r))
                let hit = (c.left.contains(lc) && c.right.contains(rc)) || (c.symmetric && c.right.contains(lc) && c.left.contains(rc))
                guard hit else { continue }
                switch c.space {
                case .forbid, .single: spaced[l * n + r].append(k)
                case .require: touching[l * n + r].append(k)
                case .ignore: break
                }
            } }
        }
        spacedAny = spaced.map { !$0.isEmpty }
        touchingAny = touching.map { !$0.isEmpty }
        func flatten(_ lists: [[Int]]) -> ([Int], [Int]) {
            var from = [0], list: [Int] = []
            for l in lists { list += l; from.append(list.count) }
            return (from, list)
        }
        (spacedFrom, spacedList) = flatten(spaced)
        (touchingFrom, touchingList) = flatten(touching)
        var cond: [UInt32] = []
        func add(_ a: [UInt32]) -> Range<Int> { let s = cond.count; cond += a; return s..<cond.count }
        var spaceReplacements: [String] = []
        // Word gaps are left alone only where a rule of this scan claims them (`gaps: word-gaps`): without the
        // headline pause rule (pangu style, or turned off) han-space-han reports them as before.
        let claimed = self.rules.reduce(Scope()) { $1.check.wordGapsOnly && $1.safety != .none ? $0.union($1.scope) : $0 }
        let compactRules = self.rules.map { e in
            let c = e.check
            var repl = -1
            if !c.replacement.isEmpty { repl = spaceReplacements.count; spaceReplacements.append(c.replacement) }
            return Compact(rule: e.rule, safety: e.safety, scope: e.scope, spaces: c.spaces.rawValue, mode: c.space,
                           letterspacedOnly: c.safeOnlyLetterspaced, maxSpaces: c.safeMaxSpaces,
                           replacement: repl, wordGapsOnly: c.wordGapsOnly, skipWordGapsIn: c.skipWordGapsIn.intersection(claimed),
                           rightNext: c.rightNext?.rawValue ?? 0, hasConditions: c.hasConditions,
                           left: c.left.rawValue, right: c.right.rawValue, symmetric: c.symmetric,
                           exceptLeft: add(c.exceptLeft), exceptRight: add(c.exceptRight),
                           onlyLeft: c.onlyLeft.map(add), onlyRight: c.onlyRight.map(add))
        }
        compact = compactRules
        self.superseded = compactRules.map { superseded.contains($0.rule) }
        wordGapScopes = claimed
        self.spaceReplacements = spaceReplacements
        condScalars = cond
        // Quiet classes: start from every character class and drop, for each pair of classes some rule cares about
        // when they touch, the rarer side (Han is kept as long as possible: it is most of the text).
        var quietClasses: UInt32 = CharClass.anyCharacter.rawValue
        let preference: [CharClass] = [.han, .fullwidthOther, .fullwidthClose, .fullwidthOpen, .latin, .digit, .other,
                                       .halfwidthOther, .kana, .hangul, .fullwidthAlnum, .halfwidthOpen, .halfwidthClose, .invisible]
        func rank(_ idx: Int) -> Int { preference.firstIndex(where: { $0.rawValue == 1 << UInt32(idx) }) ?? preference.count }
        for l in 0..<n { for r in 0..<n where touchingAny[l * n + r] {
            guard quietClasses & (1 << UInt32(l)) != 0, quietClasses & (1 << UInt32(r)) != 0 else { continue }
            let drop = rank(l) >= rank(r) ? l : r
            quietClasses &= ~(1 << UInt32(drop))
        } }
        quietAstral = quietClasses
        specialSlot = [UInt16](repeating: 0, count: 0x10000)
        var specialEntries: [[SpecialEntry]] = [[]]
        for k in charRules {
            for (scalar, repl) in self.rules[k].check.characters.sorted(by: { $0.key < $1.key }) where scalar < 0x10000 {
                if specialSlot[Int(scalar)] == 0 {
                    specialSlot[Int(scalar)] = UInt16(specialEntries.count)
                    specialEntries.append([])
                }
                var entry = SpecialEntry(rule: k, replacement: -1, replacementClass: -1, replacementScalar: 0)
                if let repl {
                    entry.replacement = replacements.count
                    replacements.append(repl)
                    entry.replacementClass = repl.unicodeScalars.first.map { CharClass.index(of: $0.value) } ?? -1
                    if repl.unicodeScalars.count == 1 { entry.replacementScalar = repl.unicodeScalars.first!.value }
                }
                specialEntries[Int(specialSlot[Int(scalar)])].append(entry)
            }
        }
        specialFrom = [0]
        for l in specialEntries { specialList += l; specialFrom.append(specialList.count) }
        quietBits = [UInt64](repeating: 0, count: 0x10000 / 64)
        let classIndex = CharClass.bmpIndex
        for v in 0..<0x10000 where quietClasses & (1 << UInt32(classIndex[v])) != 0 && specialSlot[v] == 0 {
            quietBits[v >> 6] |= 1 << UInt64(v & 63)
        }
        hanFast = (0x4000...0x9FFF).allSatisfy { quietBits[$0 >> 6] & (1 << UInt64($0 & 63)) != 0 }
        if !quietRuns {
            quietBits = [UInt64](repeating: 0, count: 0x10000 / 64)
            quietAstral = 0
            hanFast = false
        }
        quietBlocks = [UInt64](repeating: 0, count: 256)
        for w in 0x800 / 64..<0x10000 / 64 where quietBits[w] == ~0 {
            quietBlocks[0xE0 | w >> 6] |= 1 << UInt64(w & 63)
        }
        if vectorRuns && BoundaryScanner.vectorRunsAvailable { leadRuns = BoundaryScanner.leadRange(quietBlocks) }
    }

    /// Whether `copydesk_lead_run` runs here (an x86-64 CPU with AVX2).
    static let vectorRunsAvailable = copydesk_cpu_avx2() != 0

    /// The longest range of lead bytes E1–EC (every second byte 80–BF valid after them) whose blocks of 64 are all
    /// quiet but for at most one block: (first lead, span, the odd block's lead and second byte, or (0, 0)). Nil when
    /// no lead byte qualifies.
    static func leadRange(_ quietBlocks: [UInt64]) -> (low: UInt8, span: UInt8, excludedLead: UInt8, excludedSecond: UInt8)? {
        var best: (low: Int, high: Int, excluded: (Int, Int)?)? = nil
        for low in 0xE1...0xEC {
            var excluded: (Int, Int)? = nil
            var high = low - 1
            for lead in low...0xEC {
                let w = quietBlocks[lead]
                if w == ~0 { high = lead; continue }
                if excluded == nil && w.nonzeroBitCount == 63 {
                    excluded = (lead, 0x80 | (~w).trailingZeroBitCount)
                    high = lead
                    continue
                }
                break
            }
            if high >= low && (best.map { high - low > $0.high - $0.low } ?? true) { best = (low, high, excluded) }
        }
        guard let best else { return nil }
        return (UInt8(best.low), UInt8(best.high - best.low), UInt8(best.excluded?.0 ?? 0), UInt8(best.excluded?.1 ?? 0))
    }

    @inline(__always) static func index(_ c: CharClass) -> Int { c.rawValue.trailingZeroBitCount }

    /// On a large text (a chunk of 256 KB or more), room for one finding per 64 bytes up front: the boundary scan is
    /// the first check of a chunk and finds most of its findings (web news in pangu style: one per ~90 bytes, one
    /// per ~100 from this scan), and a list that doubles copies itself into fresh memory each time (blocks over
    /// 128 KB are mapped anew, see `Copydesk.tuneAllocator`; the kernel zero-fills every page). Room never used is
    /// never touched, so it costs address space, not resident memory.
    static func reserveForLargeText(_ segments: [Segment], _ findings: inout [Finding]) {
        var bytes = 0
        for s in segments { bytes &+= s.range.count }
        if bytes >= 256 << 10 { findings.reserveCapacity(findings.count + bytes / 64) }
    }

    public func scan(_ doc: Document, _ segments: [Segment], into findings: inout [Finding]) {
        BoundaryScanner.reserveForLargeText(segments, &findings)
        let n = BoundaryScanner.classCount
        let lineStartIdx = BoundaryScanner.index(.lineStart), lineEndIdx = BoundaryScanner.index(.lineEnd)
        let ws = CharClass.whitespace.rawValue
        let newline = CharClass.newline.rawValue
        let hasCharRules = !charRules.isEmpty
        // Directives may turn a rule off on some lines, where the spaces after a replaced character are not its.
        let chains = chainedFixes && hasCharRules && doc.directives.isEmpty
        let hanFast = self.hanFast
        let leadRuns = self.leadRuns
        let (leadLow, leadSpan, excludedLead, excludedSecond) = leadRuns ?? (0, 0, 0, 0)
        let vectorRuns = leadRuns != nil
        doc.source.bytes.withUnsafeBufferPointer { p in
          CharClass.bmpIndex.withUnsafeBufferPointer { classIndex in
          quietBits.withUnsafeBufferPointer { quietBits in
          specialSlot.withUnsafeBufferPointer { specialSlot in
          spacedAny.withUnsafeBufferPointer { spacedAny in
          touchingAny.withUnsafeBufferPointer { touchingAny in
          quietBlocks.withUnsafeBufferPointer { quietBlocks in
            /// A three-byte character (lead byte `c`, valid UTF-8: its second byte is at `k + 1`, read only after a
            /// lead byte) of a block of quiet characters only.
            @inline(__always) func inQuietBlock(_ c: UInt8, _ k: Int) -> Bool {
                let w = quietBlocks[Int(c)]
                return w != 0 && (w &>> UInt64(p[k &+ 1] & 0x3F)) & 1 != 0
            }
            @inline(__always) func isSpecial(_ v: UInt32) -> Bool { v < 0x10000 && specialSlot[Int(v)] != 0 }
            @inline(__always) func classIdx(_ v: UInt32) -> Int {
                v < 0x10000 ? Int(classIndex[Int(v)]) : CharClass.of(v).rawValue.trailingZeroBitCount
            }
            /// Quiet: not a space, named by no `characters` rule, and of a class that touches no other quiet class
            /// in any rule. A run of quiet characters cannot start or end any event.
            @inline(__always) func isQuiet(_ v: UInt32) -> Bool {
                v < 0x10000 ? quietBits[Int(v >> 6)] & (1 << UInt64(v & 63)) != 0 : quietAstral & (1 << UInt32(classIdx(v))) != 0
            }
            for seg in segments {
                let role = seg.role
                var i = seg.range.lowerBound
                let end = seg.range.upperBound
                /// Class bits of the character starting at `k` (the line end at the segment's end; 0 if unknown).
                func classAfter(_ k: Int) -> UInt32 {
                    if k < end {
                        let (nv, _) = decodeScalar(p, k)
                        return 1 << UInt32(classIdx(nv))
                    }
                    return seg.atLineEnd ? CharClass.lineEnd.rawValue : 0
                }
                // Previous non-space character: class index, scalar, start offset. -1: none known.
                var prevIdx = seg.atLineStart ? lineStartIdx : -1
                var prevScalar: UInt32 = 0
                var prevStart = i
                // Whether the previous character is quiet (then a quiet run may follow without a look at each pair).
                var prevQuiet = false
                // The one before it, for `characters` rules (only when it touches prev).
                var prev2Idx = -1
                var prev2Scalar: UInt32 = 0
                var prevTouches = false
                var spaceStart = -1
                var spaceUnion: UInt32 = 0
                var spaceCount = 0
                var onlyASCIISpace = true
                // A segment cut at a URL, inline code or markup (not at a line start) sees the character just
                // before the cut as its left neighbour (`访问https://…` → the URL's last character), read only:
                // no rule edits text outside the segment.
                var prevIsOutside = false
                if !seg.atLineStart && i > 0 {
                    var k = i - 1
                    while k > 0 && p[k] & 0xC0 == 0x80 { k -= 1 }
                    let (pv, _) = decodeScalar(p, k)
                    let pc: UInt32 = 1 << UInt32(classIdx(pv))
                    if pc & ws == 0 && pc & newline == 0 {
                        prevIdx = pc.trailingZeroBitCount; prevScalar = pv; prevStart = k; prevIsOutside = true
                    }
                }
                while i < end {
                    if prevQuiet && spaceStart < 0 {
                        // A run of quiet characters: nothing can happen inside it, only its last two characters
                        // matter afterwards. Han (U+4000–U+9FFF) is not even decoded.
                        var last = -1, last2 = -1
                        var k = i
                        while k < end {
                            let c = p[k]
                            if vectorRuns && c &- leadLow <= leadSpan {
                                // Thirty-two bytes a step; it stops at once at the excluded block (taken below).
                                let e = copydesk_lead_run(p.baseAddress!, k, end, leadLow, leadLow &+ leadSpan, excludedLead, excludedSecond)
                                if e > k {
                                    last2 = e - k >= 6 ? e - 6 : last
                                    last = e - 3
                                    k = e
                                    continue
                                }
                            }
                            if hanFast && c &- 0xE4 <= 5 {
                                // The innermost loop: one compare per character of U+4000–U+9FFF (lead bytes E4–E9:
                                // Han, and the 64 hexagram signs, all quiet); where the run ends decides its last
                                // two characters.
                                let runStart = k
                                k &+= 3
                                while k < end && p[k] &- 0xE4 <= 5 { k &+= 3 }
                                last2 = k - runStart >= 6 ? k - 6 : last
                                last = k - 3
                                continue
                            }
                            if inQuietBlock(c, k) {
                                // Likewise for any block of quiet three-byte characters, by its first two bytes.
                                let runStart = k
                                k &+= 3
                                while k < end && inQuietBlock(p[k], k) { k &+= 3 }
                                last2 = k - runStart >= 6 ? k - 6 : last
                                last = k - 3
                                continue
                            }
                            if c < 0x80 {
                                if quietBits[Int(c >> 6)] & (1 << UInt64(c & 63)) == 0 { break }
                                last2 = last; last = k; k &+= 1; continue
                            }
                            let (v, len) = decodeScalar(p, k)
                            if !isQuiet(v) { break }
                            last2 = last; last = k; k &+= len
                        }
                        if last >= 0 {
                            if last2 >= 0 {
                                prev2Scalar = decodeScalar(p, last2).0
                                prev2Idx = classIdx(prev2Scalar)
                            } else {
                                prev2Idx = prevIdx; prev2Scalar = prevScalar
                            }
                            prevScalar = decodeScalar(p, last).0
                            prevIdx = classIdx(prevScalar)
                            prevStart = last
                            prevTouches = true
                            prevIsOutside = false
                        }
                        i = k
                        if i >= end { break }
                    }
                    let (v, len) = decodeScalar(p, i)
                    let curIdx = classIdx(v)
                    let cls: UInt32 = 1 << UInt32(curIdx)
                    if cls & ws != 0 {
                        if spaceStart < 0 { spaceStart = i; spaceUnion = 0; spaceCount = 0; onlyASCIISpace = true }
                        spaceUnion |= cls
                        spaceCount += 1
                        if v != 0x20 { onlyASCIISpace = false }
                        i += len
                        continue
                    }
                    if prevIdx >= 0 {
                        let pair = prevIdx * n + curIdx
                        if spaceStart >= 0 {
                            // A space next to cut-out text (a URL, inline code) is left alone: it keeps a link
                            // apart from the words around it.
                            if spacedAny[pair] && !prevIsOutside {
                                // Is either neighbour a lone character (letterspacing)? Left: it does not touch
                                // another character of its class; right: likewise, looking one character ahead.
                                let leftSingle = !(prevTouches && prev2Idx == prevIdx)
                                let nextClass = classAfter(i + len)
                                let rightSingle = nextClass.trailingZeroBitCount != curIdx
                                let letterspaced = (leftSingle || rightSingle) && spaceCount == 1
                                    && BoundaryScanner.inLetterspacedRun(p, seg.range, spaceStart: spaceStart, spaceEnd: i)
                                // A pause between two headline phrases (only where a rule claims such gaps).
                                let pause = !letterspaced && !wordGapScopes.isDisjoint(with: role)
                                    && BoundaryScanner.isPhrasePause(p, seg.range, spaceStart: spaceStart, spaceEnd: i)
                                spaceRun(pair, role, spaceStart..<i, spaceUnion, spaceCount, onlyASCIISpace, prevScalar, v,
                                         letterspaced: letterspaced, pause: pause, next: nextClass, &findings)
                            }
                        } else if touchingAny[pair] {
                            insertion(pair, role, i, prevScalar, v, next: classAfter(i + len), &findings)
                        }
                    }
                    // `characters` rules: the nearest character on each side decides (spaces around are allowed).
                    if hasCharRules, prev2Idx >= 0, !prevIsOutside, isSpecial(prevScalar) {
                        // A converted character counts as its replacement for what follows, so a run such as
                        // `好!!` or `。? ? ?` is converted in one pass instead of one character per pass.
                        let gapEnd = chains && spaceStart >= 0 && onlyASCIISpace ? i : -1
                        if let replaced = charBetween(role, prev2Idx, prev2Scalar, prevScalar, prevStart, curIdx, v,
                                                      gapEnd: gapEnd, gapCount: spaceCount, &findings) {
                            prevIdx = replaced
                        }
                    }
                    prevTouches = spaceStart < 0 && prevIdx >= 0
                    prevIsOutside = false
                    prev2Idx = prevIdx; prev2Scalar = prevScalar
                    prevIdx = curIdx; prevScalar = v; prevStart = i
                    prevQuiet = isQuiet(v)
                    spaceStart = -1
                    i += len
                }
                // The right neighbour after the segment: the line end, or the first character of what was cut out
                // (read only, as on the left).
                var nextIdx = -1
                var nextScalar: UInt32 = 0
                if seg.atLineEnd { nextIdx = lineEndIdx }
                else if end < p.count {
                    let (nv, _) = decodeScalar(p, end)
                    let nc: UInt32 = 1 << UInt32(classIdx(nv))
                    if nc & ws == 0 && nc & newline == 0 { nextIdx = nc.trailingZeroBitCount; nextScalar = nv }
                }
                if nextIdx >= 0, prevIdx >= 0, !(prevIsOutside && spaceStart < 0) {
                    let pair = prevIdx * n + nextIdx
                    if spaceStart >= 0 {
                        if spacedAny[pair] && seg.atLineEnd {   // spaces before cut-out text stay
                            spaceRun(pair, role, spaceStart..<end, spaceUnion, spaceCount, onlyASCIISpace, prevScalar, nextScalar, letterspaced: true, pause: false, next: 0, &findings)
                        }
                    } else if touchingAny[pair] {
                        insertion(pair, role, end, prevScalar, nextScalar, next: 0, &findings)
                    }
                }
                if hasCharRules, nextIdx >= 0, prev2Idx >= 0, !prevIsOutside, isSpecial(prevScalar) {
                    charBetween(role, prev2Idx, prev2Scalar, prevScalar, prevStart, nextIdx, nextScalar, &findings)
                }
            }
          }
          }
          }
          }
          }
          }
        }
    }


    /// Letterspacing is a run: the one space at `spaceStart..<spaceEnd` separates single Han characters of a run of
    /// at least three, each from the next by one space or by punctuation (`民 事 裁 定 书`, `全 力 以 赴，打 赢`), or it
    /// sits at the edge of such a run (`篱笆 墙 ，全 力`). A lone character between two spaces next to a number or a word
    /// (`营收 2.8 亿 移动广告`, `1.8 万 无话费`: a headline pause, table cells) is no run, nor are names after a credit
    /// (`作者：申 琳 朱 虹`). Called only for a single space next to a lone character, so it is off the hot path; it looks
    /// at no more than three characters on each side (linear time on a letterspaced line of any length).
    static func inLetterspacedRun(_ p: UnsafeBufferPointer<UInt8>, _ segment: Range<Int>, spaceStart: Int, spaceEnd: Int) -> Bool {
        @inline(__always) func isSep(_ v: UInt32) -> Bool { v == 0x20 || v == 0x3000 || v == 0xA0 || v == 0x09 }
        @inline(__always) func isPunct(_ v: UInt32) -> Bool { !CharClass.of(v).isDisjoint(with: [.fullwidthPunct, .halfwidthPunct]) }
        @inline(__always) func isHan(_ v: UInt32) -> Bool { CharClass.of(v).contains(.han) }
        func before(_ k: Int) -> (UInt32, Int)? {
            guard k > segment.lowerBound else { return nil }
            var s = k - 1
            while s > segment.lowerBound && p[s] & 0xC0 == 0x80 { s -= 1 }
            return (decodeScalar(p, s).0, s)
        }
        func after(_ k: Int) -> (UInt32, Int)? {
            guard k < segment.upperBound else { return nil }
            let (v, n) = decodeScalar(p, k)
            return (v, k + n)
        }
        // Left: a Han character not touching another, then a separator (one space, or punctuation with at most one
        // space at a time), again.
        var left = 0
        var k = spaceStart
        while left < 3, let (c, s) = before(k), isHan(c) {
            if let (pc, _) = before(s), isHan(pc) { break }
            left += 1
            var j = s, length = 0, spaces = 0, punct = false
            while let (v, t) = before(j), isSep(v) || isPunct(v), length < 4 {
                if isSep(v) { spaces += 1; if spaces > 1 { break } } else { spaces = 0; punct = true }
                j = t; length += 1
            }
            if length == 0 || (spaces > 1) || (!punct && length > 1) { break }
            k = j
        }
        var right = 0
        k = spaceEnd
        while right < 3, let (c, e) = after(k), isHan(c) {
            if let (nc, _) = after(e), isHan(nc) { break }
            right += 1
            var j = e, length = 0, spaces = 0, punct = false
            while let (v, t) = after(j), isSep(v) || isPunct(v), length < 4 {
                if isSep(v) { spaces += 1; if spaces > 1 { break } } else { spaces = 0; punct = true }
                j = t; length += 1
            }
            if length == 0 || (spaces > 1) || (!punct && length > 1) { break }
            k = j
        }
        guard (left > 0 || right > 0) && left + right >= 3 else { return false }
        // Names after a credit (`作者：申 琳 朱 虹`, `通讯员 李 鹏 常 纯`): a two-character name takes a space to line up
        // with three-character ones, so single characters there are names side by side, not letterspacing.
        // Looked for from the space back (`图/文 李 燕`: the credit may end inside the run).
        return !followsCredit(p, segment, spaceStart)
    }

    /// A pause between two phrases (a headline's `坚守阵地连续作战 坚决守牢疫情防线`): the runs of non-space characters on
    /// both sides of the spaces hold at least three Han characters each. `市委 书记`, `国道 花街`, `农户 王五 摄` are
    /// no pauses (two-character words, names, a credit). Looks at no more than 40 characters on each side.
    static func isPhrasePause(_ p: UnsafeBufferPointer<UInt8>, _ segment: Range<Int>, spaceStart: Int, spaceEnd: Int) -> Bool {
        @inline(__always) func isSep(_ v: UInt32) -> Bool { v == 0x20 || v == 0x3000 || v == 0xA0 || v == 0x09 }
        var han = 0, seen = 0
        var k = spaceStart
        while k > segment.lowerBound && seen < 40 {
            var s = k - 1
            while s > segment.lowerBound && p[s] & 0xC0 == 0x80 { s -= 1 }
            let v = decodeScalar(p, s).0
            if isSep(v) { break }
            if CharClass.of(v).contains(.han) { han += 1 }
            seen += 1; k = s
        }
        guard han >= 3 else { return false }
        han = 0; seen = 0
        k = spaceEnd
        while k < segment.upperBound && seen < 40 {
            let (v, n) = decodeScalar(p, k)
            if isSep(v) { break }
            if CharClass.of(v).contains(.han) { han += 1 }
            seen += 1; k += n
        }
        return han >= 3
    }

    /// 记者 通讯员 作者 编辑 摄影 撰稿 责编 实习生 校对 图/文 文/图: a credit within the fourteen characters before `offset`.
    static func followsCredit(_ p: UnsafeBufferPointer<UInt8>, _ segment: Range<Int>, _ offset: Int) -> Bool {
        var prev: [UInt32] = []
        var k = offset
        while k > segment.lowerBound && prev.count < 14 {
            var s = k - 1
            while s > segment.lowerBound && p[s] & 0xC0 == 0x80 { s -= 1 }
            prev.append(decodeScalar(p, s).0)
            k = s
        }
        // `prev` runs backwards: a pair (a, b) of the text is (b, a) here.
        for i in 0..<max(0, prev.count - 1) {
            switch (prev[i + 1], prev[i]) {
            case (0x8BB0, 0x8005), (0x8BAF, 0x5458), (0x4F5C, 0x8005), (0x7F16, 0x8F91), (0x6444, 0x5F71), (0x64B0, 0x7A3F),
                 (0x8D23, 0x7F16), (0x4E60, 0x751F), (0x6821, 0x5BF9), (0x2F, 0x6587), (0x2F, 0x56FE), (0xFF0F, 0x6587), (0xFF0F, 0x56FE):
                return true
            default: continue
            }
        }
        return false
    }

    /// Whether the rule's except/only lists allow the pair (left scalar, right scalar).
    @inline(__always) private func conditionsHold(_ c: Compact, _ l: UInt32, _ r: UInt32) -> Bool {
        if condScalars[c.exceptLeft].contains(l) || condScalars[c.exceptRight].contains(r) { return false }
        if let o = c.onlyLeft, !condScalars[o].contains(l) { return false }
        if let o = c.onlyRight, !condScalars[o].contains(r) { return false }
        return true
    }

    private func spaceRun(_ pair: Int, _ currentRole: Scope, _ range: Range<Int>, _ union: UInt32, _ count: Int, _ plain: Bool,
                          _ l: UInt32, _ r: UInt32, letterspaced: Bool, pause: Bool, next: UInt32, _ findings: inout [Finding]) {
        for j in spacedFrom[pair]..<spacedFrom[pair + 1] {
            let c = compact[spacedList[j]]
            guard !c.scope.isDisjoint(with: currentRole), union & ~c.spaces == 0 else { continue }
            if c.hasConditions && !conditionsHold(c, l, r) { continue }
            if c.rightNext != 0 && c.rightNext & next == 0 { continue }
            switch c.mode {
            case .forbid:
                if c.wordGapsOnly && !pause { continue }
                if pause && !c.skipWordGapsIn.isDisjoint(with: currentRole) { continue }
                var safety = c.safety
                if safety == .safe && ((c.letterspacedOnly && !letterspaced) || count > c.maxSpaces) { safety = .unsafe }
                findings.append(Finding(rule: c.rule, range: range,
                                        fix: safety == .none ? nil : Fix(edit: Edit(range: range, replacement: c.replacement < 0 ? "" : spaceReplacements[c.replacement]), safety: safety)))
            case .single:
                if count >= 2 || !plain {
                    findings.append(Finding(rule: c.rule, range: range,
                                            fix: c.safety == .none ? nil : Fix(edit: Edit(range: range, replacement: " "), safety: c.safety)))
                }
            default: break
            }
        }
    }

    private func insertion(_ pair: Int, _ currentRole: Scope, _ at: Int, _ l: UInt32, _ r: UInt32, next: UInt32, _ findings: inout [Finding]) {
        for j in touchingFrom[pair]..<touchingFrom[pair + 1] {
            let c = compact[touchingList[j]]
            if c.scope.isDisjoint(with: currentRole) { continue }
            if c.hasConditions && !conditionsHold(c, l, r) { continue }
            if c.rightNext != 0 && c.rightNext & next == 0 { continue }
            findings.append(Finding(rule: c.rule, range: at..<at,
                                    fix: c.safety == .none ? nil : Fix(edit: Edit(range: at..<at, replacement: " "), safety: c.safety)))
        }
    }

    /// Whether a rule of this scan deletes, with a safe fix, a run of `count` ASCII spaces between `entry`'s replacement
    /// and the character `r` (class index `rIdx`) in `role`: what it would report on the next pass once the
    /// replacement is in place (`space-around-fullwidth-punct` after `,` made `，`). The fix of the character then
    /// takes the spaces too, and the fixed text is the same with one pass fewer. Not for a rule some rule
    /// supersedes, nor one whose verdict depends on more than the two characters (letterspacing, word gaps, the
    /// character after the right one).
    private func trimmedGap(_ role: Scope, _ entry: SpecialEntry, _ count: Int, _ rIdx: Int, _ r: UInt32) -> Bool {
        guard entry.replacementScalar != 0, entry.replacementClass >= 0 else { return false }
        let pair = entry.replacementClass * BoundaryScanner.classCount + rIdx
        for j in spacedFrom[pair]..<spacedFrom[pair + 1] {
            let k = spacedList[j]
            let s = compact[k]
            guard s.mode == .forbid, s.safety == .safe, s.replacement < 0, !s.letterspacedOnly, count <= s.maxSpaces,
                  !s.wordGapsOnly, s.skipWordGapsIn.isEmpty, s.rightNext == 0, s.spaces & CharClass.space.rawValue != 0,
                  !s.scope.isDisjoint(with: role), !superseded[k] else { continue }
            if s.hasConditions && !conditionsHold(s, entry.replacementScalar, r) { continue }
            return true
        }
        return false
    }

    /// Reports `mid` for every `characters` rule that matches; returns the class index of the replacement of the
    /// last fix made, if any. `gapEnd` (-1: none): where the run of `gapCount` ASCII spaces after `mid` ends, at the
    /// character `r`, on the same segment.
    @discardableResult
    private func charBetween(_ currentRole: Scope, _ lIdx: Int, _ l: UInt32, _ mid: UInt32, _ midStart: Int, _ rIdx: Int, _ r: UInt32,
                             gapEnd: Int = -1, gapCount: Int = 0, _ findings: inout [Finding]) -> Int? {
        guard mid < 0x10000 else { return nil }
        let lc: UInt32 = 1 << UInt32(lIdx), rc: UInt32 = 1 << UInt32(rIdx)
        var replacedClass: Int? = nil
        let slot = Int(specialSlot[Int(mid)])
        let range = midStart..<(midStart + (mid < 0x80 ? 1 : mid < 0x800 ? 2 : 3))
        for j in specialFrom[slot]..<specialFrom[slot + 1] {
            let entry = specialList[j]
            let c = compact[entry.rule]
            guard !c.scope.isDisjoint(with: currentRole) else { continue }
            let hit = (c.left & lc != 0 && c.right & rc != 0) || (c.symmetric && c.right & lc != 0 && c.left & rc != 0)
            guard hit, !c.hasConditions || conditionsHold(c, l, r) else { continue }
            let fixable = entry.replacement >= 0 && c.safety != .none
            // A fix that leaves a space the next pass deletes deletes it now (`你好, 再见` → `你好，再见`).
            var edit = range
            if fixable && gapEnd > range.upperBound && trimmedGap(currentRole, entry, gapCount, rIdx, r) { edit = range.lowerBound..<gapEnd }
            findings.append(Finding(rule: c.rule, range: range,
                                    fix: fixable ? Fix(edit: Edit(range: edit, replacement: replacements[entry.replacement]), safety: c.safety) : nil))
            if fixable && entry.replacementClass >= 0 { replacedClass = entry.replacementClass }
        }
        return replacedClass
    }
}
