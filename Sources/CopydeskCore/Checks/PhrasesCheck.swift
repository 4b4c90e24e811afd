import Foundation

/// `kind: phrases`: a list of literal phrases, each flagged or replaced (`wrong: right`), matched with one
/// Aho–Corasick automaton over UTF-8 bytes: thousands of phrases cost about as much as ten.
///
///     phrases:
///       - 北朝鲜: 朝鲜        # wrong → right ({match} and {replacement} in the message)
///       - 隆重召开            # flagged only
///     ignore-case: true       # ASCII letters only
///
/// A phrase that starts or ends with an ASCII letter or digit matches only at a word boundary on that side.
/// Context classes restrict where phrases count (same class names as `boundary`, plus `line-start`/`line-end`):
///
///     left: cjk            # the character before the phrase must be Chinese…
///     right: [cjk, line-end]
///     symmetric: true      # …or the mirror: left side matches `right` and right side matches `left`
///     either: true         # only one side has to match (a phrase next to Chinese on either side)
///
/// `allow`: phrases that are fine although they contain a flagged one (a white list: `allow: [天王星]` next to the
/// flagged `天王`); the longest match at the leftmost position wins, so an allowed phrase hides what it contains.
///
/// `except-left`/`except-right`: characters next to which a phrase never counts (`第一、` is an ordinal, but not
/// in `第一、二位`: `except-right: 一二三四五六七八九十第`).
///
/// `absorb-repeats: true`: a match takes in the characters after it while they repeat its last one, so a run is
/// one finding with one fix (`，，，，` → `，`, `。。。。。` → `……`). Without it a run is several matches side
/// by side, and what their fixes leave (`，，`, `……。。`) needs another pass of the fixer, or is left.
/// `absorb-repeats: N`: the same, and a run of more than N characters is decoration (a dotted line), not reported.
public struct PhrasesCheck: Check {
    public var phrases: [String]
    public var replacements: [String?]
    public var automaton: AhoCorasick
    var boundaryStart: [Bool]
    var boundaryEnd: [Bool]
    var ignoreCase = false

    var left: CharClass?
    var right: CharClass?
    var either = false
    /// `continued-line: skip`: a match at the start of a line that continues the sentence of the line before it is
    /// not reported (the line-start `一一` of a hard-wrapped sentence is the word "one by one", not a dash); after a
    /// finished sentence or a colon the fix is unsafe (a quotation or an answer may start there, or the word);
    /// in a headline and after a headline (a subtitle) the fix is as declared.
    var skipContinuedLines = false
    /// Characters before (after) a match that cancel it.
    var exceptLeft: Set<UInt32> = []
    var exceptRight: Set<UInt32> = []
    /// `absorb-repeats`: a match extends over repeats of its last character.
    var absorbRepeats = false
    /// With `absorbRepeats`: the longest run (in characters) that is still reported; 0 for no limit.
    var maxRun = 0
    /// Phrases from `allow` (listed after the flagged ones): matched, never reported.
    var allowed: [Bool] = []
    /// No two phrases are the same pattern (after case folding with `ignore-case`): `automaton` is then exactly
    /// the automaton a scanner of this rule alone would build, and `run` uses it instead of building one per text.
    var phrasesDistinct = false
    /// With distinct phrases: the automaton and its owners as `PhrasesScanner.single` uses them, built once (a rule
    /// run on its own built them for every file: a few thousand instructions and an array per phrase).
    var single: PhrasesScanner.Compiled?
    /// A rule whose phrases count only at line starts compares them there in place (false: scans those places
    /// with the automaton, as other rules do; tests compare the two).
    var comparesLineStarts = true
    /// The phrases' UTF-8 bytes (made once, not on each run of the rule).
    var phraseBytes: [[UInt8]] = []

    static let keys: Set<String> = ["phrases", "ignore-case", "left", "right", "either", "continued-line", "except-left", "except-right", "allow",
                                       "absorb-repeats"]

    init(_ m: StrictMapping) throws {
        let list = try m.required("phrases")
        var ph: [String] = [], rep: [String?] = []
        var seen: [String: SourceMark] = [:]
        for item in try list.list("phrases") {
            let (p, r): (String, String?)
            switch item {
            case .mapping(let pairs, let mark):
                guard pairs.count == 1 else { throw ConfigError(mark, "each entry of 'phrases' is a phrase or a single 'wrong: right' pair") }
                p = pairs[0].key
                if case .null = pairs[0].value { r = nil } else { r = try pairs[0].value.string("the replacement of '\(p)'") }
            default:
                p = try item.string("an entry of 'phrases'"); r = nil
            }
            let phrase = PhrasesCheck.unescape(p)
            let replacement = r.map(PhrasesCheck.unescape)
            guard !phrase.isEmpty else { throw ConfigError(item.mark, "empty phrase") }
            if let first = seen[phrase] { throw ConfigError(item.mark, "phrase '\(p)' is listed twice (first at line \(first.line))") }
            seen[phrase] = item.mark
            ph.append(phrase); rep.append(replacement)
        }
        guard !ph.isEmpty else { throw ConfigError(list.mark, "'phrases' is empty: the rule could never match") }
        var allow = [Bool](repeating: false, count: ph.count)
        for item in try m["allow"]?.list("allow") ?? [] {
            let phrase = PhrasesCheck.unescape(try item.string("an entry of 'allow'"))
            guard !phrase.isEmpty else { throw ConfigError(item.mark, "empty phrase") }
            if let first = seen[phrase] { throw ConfigError(item.mark, "phrase '\(phrase)' is listed twice (first at line \(first.line))") }
            seen[phrase] = item.mark
            ph.append(phrase); rep.append(nil); allow.append(true)
        }
        allowed = allow
        phrases = ph
        replacements = rep
        let ci = try m["ignore-case"]?.bool("ignore-case") ?? false
        ignoreCase = ci
        let bytes = ph.map { Array($0.utf8) }
        phraseBytes = bytes
        automaton = AhoCorasick(patterns: bytes, caseInsensitiveASCII: ci)
        let keys = ci ? bytes.map { $0.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } } : bytes
        phrasesDistinct = !keys.isEmpty && Set(keys).count == keys.count
        if phrasesDistinct {
            single = PhrasesScanner.Compiled(automaton, bytes.indices.map { [(entry: 0, phrase: $0)] })
        }
        func alnum(_ b: UInt8?) -> Bool { guard let b else { return false }; return (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) }
        left = try m["left"].map { try BoundaryCheck.classes($0, "left") }
        right = try m["right"].map { try BoundaryCheck.classes($0, "right") }
        either = try m["either"]?.bool("either") ?? false
        if let c = m["continued-line"] { skipContinuedLines = try c.choice("continued-line", ["match", "skip"]) == "skip" }
        exceptLeft = Set(try m["except-left"]?.string("except-left").unicodeScalars.map(\.value) ?? [])
        exceptRight = Set(try m["except-right"]?.string("except-right").unicodeScalars.map(\.value) ?? [])
        if let a = m["absorb-repeats"] {
            if let n = try? a.int("absorb-repeats") {
                guard n >= 2 else { throw ConfigError(a.mark, "'absorb-repeats' must be true, false or a run length of at least 2, found \(n)") }
                absorbRepeats = true; maxRun = n
            } else {
                do { absorbRepeats = try a.bool("absorb-repeats") } catch {
                    throw ConfigError(a.mark, "'absorb-repeats' must be true, false or the longest run to report (a whole number)")
                }
            }
        }
        boundaryStart = bytes.map { alnum($0.first) }
        boundaryEnd = bytes.map { alnum($0.last) }
    }

    /// `\u{FEFF}` in a phrase or replacement stands for that character (for characters a YAML file cannot hold
    /// literally, such as U+FEFF, which the YAML reader drops; write it in single quotes).
    static func unescape(_ s: String) -> String {
        guard s.contains("\\u{") else { return s }
        var out = String.UnicodeScalarView()
        var rest = Substring(s)
        while let r = rest.range(of: "\\u{") {
            out.append(contentsOf: rest[..<r.lowerBound].unicodeScalars)
            let after = rest[r.upperBound...]
            if let close = after.firstIndex(of: "}"), let v = UInt32(after[..<close], radix: 16), let u = Unicode.Scalar(v) {
                out.append(u)
                rest = after[after.index(after: close)...]
            } else {
                out.append(contentsOf: rest[r].unicodeScalars)
                rest = after
            }
        }
        out.append(contentsOf: rest.unicodeScalars)
        return String(out)
    }

    /// Segments never cross a line; with `continued-line: skip` a finding depends on the line before.
    public var isLineLocal: Bool { !skipContinuedLines }

    public func run(_ context: CheckContext, into findings: inout [Finding]) {
        if left == .lineStart && !either {
            // Matches only at line starts (a rule run on its own, e.g. with `continued-line`): only the first bytes
            // of each line in the rule's scope are read, not the whole text, on every pass of the fixer.
            let patterns = phraseBytes
            let keep = (patterns.map(\.count).max() ?? 0) + 4
            @inline(__always) func trimmed(_ s: Segment) -> Segment {
                var t = s
                let end = min(s.range.upperBound, s.range.lowerBound + keep)
                if end < s.range.upperBound { t.range = s.range.lowerBound..<end; t.atLineEnd = false }
                return t
            }
            guard phrasesDistinct && comparesLineStarts else {
                var starts: [Segment] = []
                for s in context.allSegments where s.atLineStart && !context.scope.isDisjoint(with: s.role) { starts.append(trimmed(s)) }
                scanner(context).scan(context.document, starts, into: &findings)
                return
            }
            // Only a match at a segment's start can have a line start on its left: the longest phrase there is the
            // leftmost-longest match the automaton's scan picks (the others it finds are refused by `left`).
            // Compared in place (a scan of the automaton per line, and a list of the lines' segments, cost more).
            let doc = context.document
            doc.source.bytes.withUnsafeBufferPointer { p in
                context.allSegments.withUnsafeBufferPointer { all in
                    for s in all where s.atLineStart && !context.scope.isDisjoint(with: s.role) {
                        let at = s.range.lowerBound, limit = min(s.range.upperBound, at + keep)
                        var best = -1
                        for (k, q) in patterns.enumerated() where at + q.count <= limit && (best < 0 || q.count > patterns[best].count) {
                            var same = true
                            for j in q.indices {
                                let b = p[at + j], c = q[j]
                                if b == c { continue }
                                if ignoreCase && b | 0x20 == c | 0x20 && b | 0x20 >= 0x61 && b | 0x20 <= 0x7A { continue }
                                same = false; break
                            }
                            if same { best = k }
                        }
                        guard best >= 0 else { continue }
                        report([AhoCorasick.Match(pattern: best, range: at..<(at + patterns[best].count))], rule: context.ruleIndex,
                               safety: context.fixSafety, message: context.message, doc: doc, segment: trimmed(s), bytes: p, into: &findings)
                    }
                }
            }
            return
        }
        scanner(context).scan(context.document, context.allSegments, into: &findings)
    }

    /// The scanner of this rule run on its own, made once per rule index, safety, message and scope (it was made
    /// for every file: the check copied whole into it, several arrays made and let go).
    private func scanner(_ c: CheckContext) -> PhrasesScanner {
        let box = scannerBox
        box.lock.lock()
        if let s = box.scanner, box.rule == c.ruleIndex, box.safety == c.fixSafety, box.scope == c.scope, box.message == c.message {
            box.lock.unlock()
            return s
        }
        box.lock.unlock()
        let s = PhrasesScanner.single((c.ruleIndex, self, c.fixSafety, c.message, c.scope))
        box.lock.lock()
        box.scanner = s; box.rule = c.ruleIndex; box.safety = c.fixSafety; box.scope = c.scope; box.message = c.message
        box.lock.unlock()
        return s
    }

    final class ScannerBox: @unchecked Sendable {
        let lock = NSLock()
        var scanner: PhrasesScanner?
        var rule = -1
        var safety = FixSafety.none
        var scope = Scope()
        var message = ""
    }
    /// Shared by the copies of this check (the key above tells whose scanner it holds).
    let scannerBox = ScannerBox()

    /// One rule's matches in one segment, filtered by boundaries and context, turned into findings.
    func report(_ ms: [AhoCorasick.Match], rule: Int, safety: FixSafety, message template: String, doc: Document,
                segment seg: Segment, bytes p: UnsafeBufferPointer<UInt8>, into findings: inout [Finding]) {
        @inline(__always) func alnum(_ i: Int) -> Bool {
            guard i >= 0 && i < p.count else { return false }
            let b = p[i]
            return (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A)
        }
        // A run absorbed by a match ends here: matches that start inside it are part of it.
        var absorbedTo = Int.min
        for var m in ms {
            if m.range.lowerBound < absorbedTo { continue }
            if allowed[m.pattern] { continue }
            if absorbRepeats {
                m.range = PhrasesCheck.absorbingRepeats(m.range, within: seg.range.upperBound, p)
                absorbedTo = m.range.upperBound
                if maxRun > 0 {
                    var chars = 0
                    for i in m.range where p[i] & 0xC0 != 0x80 { chars += 1 }
                    if chars > maxRun { continue }
                }
            }
            if boundaryStart[m.pattern] && alnum(m.range.lowerBound - 1) { continue }
            if boundaryEnd[m.pattern] && alnum(m.range.upperBound) { continue }
            if (left != nil || right != nil) && !contextMatches(m.range, seg, p) { continue }
            if !exceptLeft.isEmpty, m.range.lowerBound > seg.range.lowerBound {
                var i = m.range.lowerBound - 1
                while i > seg.range.lowerBound && p[i] & 0xC0 == 0x80 { i -= 1 }
                if exceptLeft.contains(decodeScalar(p, i).0) { continue }
            }
            if !exceptRight.isEmpty, m.range.upperBound < seg.range.upperBound,
               exceptRight.contains(decodeScalar(p, m.range.upperBound).0) { continue }
            var safety = safety
            if skipContinuedLines {
                switch continuation(m.range.lowerBound, seg, doc) {
                case .continues: continue
                case .afterSentence: if safety == .safe { safety = .unsafe }
                case .fresh: break
                }
            }
            let repl = replacements[m.pattern]
            var fix: Fix? = nil
            if let repl, safety != .none { fix = Fix(edit: Edit(range: m.range, replacement: repl), safety: safety) }
            var message: String? = nil
            if template.utf8.contains(0x7B) {
                message = substitute(template, ["match": doc.source.string(m.range), "replacement": repl ?? ""])
            }
            findings.append(Finding(rule: rule, range: m.range, message: message, fix: fix))
        }
    }

    /// `r` extended while the bytes after it repeat its last character (whole characters, up to `end`).
    static func absorbingRepeats(_ r: Range<Int>, within end: Int, _ p: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        guard !r.isEmpty else { return r }
        var start = r.upperBound - 1
        while start > r.lowerBound && p[start] & 0xC0 == 0x80 { start -= 1 }
        let n = r.upperBound - start
        var to = r.upperBound
        while to + n <= end {
            var same = true
            for k in 0..<n where p[to + k] != p[start + k] { same = false; break }
            if !same { break }
            to += n
        }
        return r.lowerBound..<to
    }

    enum Continuation { case fresh, afterSentence, continues }

    /// How the line of a match at `offset` relates to the text before it: `fresh` (a headline, the first line, or
    /// the line after a headline), `afterSentence` (the line before ends a sentence or with a colon), `continues`
    /// (the line before, blank lines skipped, ends mid-sentence: a hard wrap).
    func continuation(_ offset: Int, _ seg: Segment, _ doc: Document) -> Continuation {
        let src = doc.source
        guard !seg.role.contains(.headline), offset == seg.range.lowerBound || PlainTextScanner.isBlank(src, seg.range.lowerBound..<offset) else { return .fresh }
        // The nearest line before that belongs to a prose block (blank lines, comments and directives skipped).
        var l = src.lineIndex(of: offset) - 1
        var lo = doc.blocks.count
        while l >= 0 {
            var a = 0, b = doc.blocks.count
            while a < b {
                let mid = (a + b) / 2
                if doc.blocks[mid].lines.upperBound <= l { a = mid + 1 } else { b = mid }
            }
            if a < doc.blocks.count, doc.blocks[a].lines.contains(l), !doc.blocks[a].role.isEmpty,
               !PlainTextScanner.isBlank(src, src.lineContent(l)) { lo = a; break }
            l -= 1
        }
        guard l >= 0 else { return .fresh }
        // A headline above means this line is a subtitle.
        if doc.blocks[lo].role.contains(.headline) { return .fresh }
        guard let last = ArticleStructure.lastNonSpace(src, src.lineContent(l)) else { return .fresh }
        if ArticleStructure.isEnding(last) || last == 0xFF1A || last == 0x3A { return .afterSentence }
        return .continues
    }

    /// Whether the characters around a match satisfy `left`/`right` (`either`: one side is enough).
    func contextMatches(_ r: Range<Int>, _ seg: Segment, _ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var lc: CharClass = []
        if r.lowerBound > seg.range.lowerBound {
            var i = r.lowerBound - 1
            while i > seg.range.lowerBound && p[i] & 0xC0 == 0x80 { i -= 1 }
            lc = CharClass.of(decodeScalar(p, i).0)
        } else if seg.atLineStart { lc = .lineStart }
        var rc: CharClass = []
        if r.upperBound < seg.range.upperBound { rc = CharClass.of(decodeScalar(p, r.upperBound).0) }
        else if seg.atLineEnd { rc = .lineEnd }
        let l = left.map { !$0.isDisjoint(with: lc) }, rr = right.map { !$0.isDisjoint(with: rc) }
        if either { return (l ?? false) || (rr ?? false) }
        return (l ?? true) && (rr ?? true)
    }
}

/// All phrase rules of one scope in one automaton (per case mode): one pass over the bytes finds every rule's
/// phrases; each rule then keeps its own leftmost-longest matches.
struct PhrasesScanner: Sendable {
    typealias Entry = (rule: Int, check: PhrasesCheck, safety: FixSafety, message: String, scope: Scope)
    let rules: [Entry]
    /// Each automaton's patterns are distinct: a phrase listed by several rules (`--` in `punctuation.dash` and in
    /// `headline.subtitle-dash`) is one pattern with several owners, so no rule shadows another's.
    private var automata: [Compiled] = []
    /// An automaton and the owners of its patterns, held by reference (a scanner is copied with its linter).
    final class Compiled: Sendable {
        let automaton: AhoCorasick
        let owners: [[(entry: Int, phrase: Int)]]
        init(_ automaton: AhoCorasick, _ owners: [[(entry: Int, phrase: Int)]]) { self.automaton = automaton; self.owners = owners }
    }
    /// The rules by reference, for the same reason (`Entry` holds a whole `PhrasesCheck`).
    final class EntryRef: Sendable {
        let rule: Int, check: PhrasesCheck, safety: FixSafety, message: String, scope: Scope
        init(_ e: Entry) { rule = e.rule; check = e.check; safety = e.safety; message = e.message; scope = e.scope }
    }
    private let entries: [EntryRef]

    init(rules: [(Int, PhrasesCheck, FixSafety, String, Scope)]) {
        self.rules = rules.map { (rule: $0.0, check: $0.1, safety: $0.2, message: $0.3, scope: $0.4) }
        entries = self.rules.map(EntryRef.init)
        for ci in [false, true] {
            var patterns: [[UInt8]] = []
            var owners: [[(entry: Int, phrase: Int)]] = []
            var index: [[UInt8]: Int] = [:]
            for (k, e) in self.rules.enumerated() where e.check.ignoreCase == ci {
                for (pi, ph) in e.check.phrases.enumerated() {
                    let bytes = Array(ph.utf8)
                    let key = ci ? bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } : bytes
                    if let i = index[key] { owners[i].append((k, pi)); continue }
                    index[key] = patterns.count
                    patterns.append(bytes); owners.append([(k, pi)])
                }
            }
            if !patterns.isEmpty { automata.append(Compiled(AhoCorasick(patterns: patterns, caseInsensitiveASCII: ci), owners)) }
        }
    }

    /// One rule: its check's own automaton when its phrases are distinct (the patterns, their order and owners
    /// are then what `init(rules:)` would build), else `init(rules:)`.
    static func single(_ e: (Int, PhrasesCheck, FixSafety, String, Scope)) -> PhrasesScanner {
        guard e.1.phrasesDistinct, let compiled = e.1.single, compiled.owners.count == e.1.phrases.count else { return PhrasesScanner(rules: [e]) }
        return PhrasesScanner(entry: (rule: e.0, check: e.1, safety: e.2, message: e.3, scope: e.4), compiled: compiled)
    }

    private init(entry: Entry, compiled: Compiled) {
        rules = [entry]
        entries = [EntryRef(entry)]
        automata = [compiled]
    }

    /// Automaton by automaton (the struct is copied out of its box once per scan, not once per segment), segment by
    /// segment; a rule belongs to one automaton, so each rule's findings still come in text order.
    func scan(_ doc: Document, _ segments: [Segment], into findings: inout [Finding]) {
        var all: [AhoCorasick.Match] = []
        var perRule = [[AhoCorasick.Match]](repeating: [], count: rules.count)
        let entries = self.entries
        doc.source.bytes.withUnsafeBufferPointer { p in
            for c in automata {
                let automaton = c.automaton, owners = c.owners
                for seg in segments {
                    all.removeAll(keepingCapacity: true)
                    automaton.allMatches(in: p, range: seg.range, into: &all)
                    if all.isEmpty { continue }
                    for m in all {
                        for o in owners[m.pattern] {
                            if entries[o.entry].scope.isDisjoint(with: seg.role) { continue }
                            perRule[o.entry].append(AhoCorasick.Match(pattern: o.phrase, range: m.range))
                        }
                    }
                    for k in perRule.indices where !perRule[k].isEmpty {
                        var chosen: [AhoCorasick.Match] = []
                        AhoCorasick.selectLeftmostLongest(&perRule[k], from: seg.range.lowerBound, into: &chosen)
                        let e = entries[k]
                        e.check.report(chosen, rule: e.rule, safety: e.safety, message: e.message, doc: doc, segment: seg, bytes: p, into: &findings)
                        perRule[k].removeAll(keepingCapacity: true)
                    }
                }
            }
        }
    }
}
