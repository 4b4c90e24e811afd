import Foundation
import CByteClass

/// How serious a finding is. Ordered: info < warning < error.
public enum Severity: String, Sendable, Comparable, CaseIterable {
    case info, warning, error
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    var rank: Int { switch self { case .info: 0; case .warning: 1; case .error: 2 } }
}

/// Whether a rule's fix may be applied by `--fix` (safe), only with `--unsafe-fixes` (unsafe), or not at all.
public enum FixSafety: String, Sendable { case none, safe, unsafe }

/// One replacement of a byte range. An insertion has an empty range.
public struct Edit: Sendable, Hashable {
    public var range: Range<Int>
    public var replacement: String
    public init(range: Range<Int>, replacement: String) { self.range = range; self.replacement = replacement }
}

public struct Fix: Sendable, Hashable {
    /// Most fixes are one edit: it is stored inline, so making such a fix allocates nothing (the scanners make
    /// one per finding).
    private var single: Edit?
    private var many: [Edit]
    public var safety: FixSafety
    public var edits: [Edit] { single.map { [$0] } ?? many }
    /// The number of edits and the first one, without building an array.
    public var editCount: Int { single == nil ? many.count : 1 }

    /// The same fix with every edit moved by `delta` bytes.
    public func shifted(by delta: Int) -> Fix {
        var f = self
        if let e = single { f.single = Edit(range: (e.range.lowerBound + delta)..<(e.range.upperBound + delta), replacement: e.replacement) }
        f.many = many.map { Edit(range: ($0.range.lowerBound + delta)..<($0.range.upperBound + delta), replacement: $0.replacement) }
        return f
    }
    public var firstEdit: Edit? { single ?? many.first }

    /// Edit `k`'s range and its replacement's UTF-8 bytes, read in place (no array of edits built, no string copied):
    /// the fixer's plan reads a quarter of a million of them on a large page.
    @inline(__always) func withEdit<R>(_ k: Int, _ body: (Range<Int>, UnsafeBufferPointer<UInt8>) -> R) -> R {
        if k == 0, let e = single { return Fix.withUTF8(e, body) }
        return Fix.withUTF8(many[k], body)
    }

    @inline(__always) private static func withUTF8<R>(_ e: Edit, _ body: (Range<Int>, UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = e.replacement.utf8.withContiguousStorageIfAvailable({ body(e.range, $0) }) { return r }
        return Array(e.replacement.utf8).withUnsafeBufferPointer { body(e.range, $0) }
    }

    public init(edits: [Edit], safety: FixSafety) {
        if edits.count == 1 { single = edits[0]; many = [] } else { single = nil; many = edits }
        self.safety = safety
    }

    public init(edit: Edit, safety: FixSafety) {
        single = edit; many = []; self.safety = safety
    }
}

/// What a check reports: a byte range, optionally its own message (else the rule's) and a fix.
/// 72 bytes: the fields are laid out so that the small ones fill the fix's tail, and what few findings have (a
/// message of their own, related places) is kept in one shared box (`FindingExtra`), set anew on every change. A
/// large page has a quarter of a million findings, all held at once before they become diagnostics (88 bytes each
/// with those fields inline: 4 MB more of fresh pages in the fixer's first pass).
public struct Finding: Sendable {
    public var range: Range<Int>
    public var fix: Fix?
    /// The rule failed here (see `Diagnostic.isRuleFailure`); `message` says why.
    public var isRuleFailure = false
    /// A severity of its own (a watch-list entry's), else the rule's.
    public var severity: Severity? = nil
    private var rule32: Int32
    private var extra: FindingExtra?
    /// The index of the finding's rule in its linter.
    public var rule: Int {
        get { Int(rule32) }
        set { rule32 = Int32(truncatingIfNeeded: newValue) }
    }
    /// A message of its own (else the rule's).
    public var message: String? {
        get { extra?.message }
        set { extra = FindingExtra.make(message: newValue, related: extra?.related ?? []) }
    }
    /// Other places the finding refers to (the earlier copy of a duplicate).
    public var related: [RelatedLocation] {
        get { extra?.related ?? [] }
        set { extra = FindingExtra.make(message: extra?.message, related: newValue) }
    }
    /// The message and the related places, moved out (nil and empty left here).
    mutating func takeExtras() -> (message: String?, related: [RelatedLocation]) {
        guard let e = extra else { return (nil, []) }
        extra = nil
        return (e.message, e.related)
    }
    public init(rule: Int, range: Range<Int>, message: String? = nil, fix: Fix? = nil) {
        self.rule32 = Int32(truncatingIfNeeded: rule); self.range = range; self.fix = fix
        self.extra = message.map { FindingExtra(message: $0, related: []) }
    }
}

/// A finding's message of its own and its related places, immutable (a finding that changes either gets a new one).
final class FindingExtra: Sendable {
    let message: String?
    let related: [RelatedLocation]
    init(message: String?, related: [RelatedLocation]) { self.message = message; self.related = related }
    static func make(message: String?, related: [RelatedLocation]) -> FindingExtra? {
        message == nil && related.isEmpty ? nil : FindingExtra(message: message, related: related)
    }
}

/// An example text of a rule, with where it stands in its YAML file.
public struct RuleExample: Sendable {
    public var text: String
    public var mark: SourceMark
}

public struct ArchiveExampleArticle: Sendable {
    public var id: String
    public var title: String
    public var date: String?
    public var text: String
}

public struct FixExample: Sendable {
    public var before: String
    public var after: String
    /// What `--fix` gives with safe fixes only (`safe:` in YAML), when the pair needs `--unsafe-fixes` for `after`
    /// or shows that a safe fix stops short of it.
    public var safeOnly: String? = nil
    public var mark: SourceMark
}

public struct RuleExamples: Sendable {
    public var valid: [RuleExample] = []
    /// Texts with the expected findings marked as `[[…]]` (an empty `[[]]` marks an insertion point).
    public var invalid: [RuleExample] = []
    public var fixes: [FixExample] = []
    /// Variants the examples cannot take (e.g. a prefix for a rule about line starts), with a comment saying why.
    public var skipVariants: [String] = []
    /// Published articles the examples are checked against (`archive:`, for `kind: published`).
    public var archive: [ArchiveExampleArticle] = []
    /// A roster and a publication date for the examples of roster rules (`examples.roster`, `examples.date`).
    public var roster: Roster? = nil
    public var date: Day? = nil
    /// `format: markdown`: the examples are Markdown drafts (front matter, headings), not plain text.
    public var format: Document.Format = .plainText
    public var isEmpty: Bool { valid.isEmpty && invalid.isEmpty && fixes.isEmpty }
}

/// A rule's examples: parsed already (house rules: their mistakes are reported when the rule loads), or parsed on
/// first read from the rule's YAML (built-in rules: start-up parses no examples; `StartupTests` checks that every
/// built-in rule's examples parse, so the lazy parse cannot fail).
final class RuleExamplesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var parsed: RuleExamples?
    private let node: YAMLValue?
    private let rule: String
    init(_ examples: RuleExamples) { parsed = examples; node = nil; rule = "" }
    init(parsingLater node: YAMLValue?, rule: String) { self.node = node; self.rule = rule }

    var value: RuleExamples {
        lock.lock(); defer { lock.unlock() }
        if let parsed { return parsed }
        do {
            let v = try RuleLoader.parseExamples(node)
            parsed = v
            return v
        } catch {
            fatalError("the examples of the built-in rule \(rule) do not load: \(error)")
        }
    }
}

/// A rule as declared in YAML, compiled and ready to run.
public struct Rule: Sendable {
    public var id: String
    /// The file the rule came from (`rules/spacing/han-space-han.yml`, or `builtin:spacing/han-space-han.yml`).
    public var file: String
    public var kind: String
    public var severity: Severity
    public var message: String
    public var description: String
    public var authority: String?
    public var link: String?
    public var scope: Scope
    public var fixSafety: FixSafety
    /// House styles the rule belongs to (`print`, `pangu`); empty means every style.
    public var styles: [String]
    /// Whether `copydesk:recommended` turns it on.
    public var recommended: Bool
    /// Read only by `copydesk test` and `explain`, the example runner and the tests: a built-in rule's are parsed
    /// when first read (see `RuleExamplesBox`), not at every start.
    public var examples: RuleExamples { examplesBox.value }
    var examplesBox: RuleExamplesBox
    public var check: any Check
    /// The rule's YAML, kept to recompile it with options from a configuration.
    public var source: YAMLValue
    public var builtIn: Bool
    /// `supersedes: [rule ids]`: a finding of those rules that lies inside a finding of this one is dropped (one
    /// character, one report: `enumeration-comma` over `halfwidth-in-chinese`'s comma).
    public var supersedes: [String] = []

    public var pack: String { id.split(separator: ".").first.map(String.init) ?? id }
}

/// A document shared by the contexts of one run of the checks: a `CheckContext` is made for every rule and every
/// document, and holding the document's fields directly made each one retain (and release) every array of the
/// document and its structure — a tenth of the samples on a folder of small files.
final class SharedDocument: @unchecked Sendable {
    let document: Document
    init(_ document: Document) { self.document = document }
}

/// The context a check runs in.
public struct CheckContext {
    private let shared: SharedDocument
    public var document: Document { _read { yield shared.document } }
    // The rule's fields can be set (`Linter` passes one context from rule to rule of a document instead of making one
    // per rule: making and dropping a context retained and released each of its shared fields).
    public internal(set) var ruleIndex: Int
    public internal(set) var fixSafety: FixSafety
    /// The rule's message template (`{match}`, `{1}`… are filled in by checks that know them).
    public var message: String { _read { yield messages[messageIndex] } }
    /// The messages of the linter's rules, and this rule's place among them: passing the context from rule to rule
    /// moves the index, where setting the message retained one rule's string and released another's — strings every
    /// thread's contexts share — for every rule of every file.
    private let messages: [String]
    var messageIndex: Int
    /// The rule's scope: checks read only `segments`, the ones whose role is in it.
    public internal(set) var scope: Scope
    /// Segments of the whole document (shared by all checks; indices match `texts`).
    public let allSegments: [Segment]
    /// The text of each segment, built on first use and shared by all checks that need `String`s.
    public let texts: SegmentTexts
    /// Work shared by the checks of one lint (the duplicate rules' units).
    public var cache: CheckCache
    /// The names lexicon, roster and publication date (`names` and `roster` rules).
    public var names: NamesSetup
    /// The characters of the one trigger scan the `numbers`, `punctuation-forms` and `pairs` checks of this lint share
    /// (`Linter.triggerScan`: the triggers of its own rules; `NumbersCheck.shared`, all of them, by default).
    let triggers: [UInt32]

    public init(document: Document, ruleIndex: Int, fixSafety: FixSafety, message: String, scope: Scope, allSegments: [Segment],
                texts: SegmentTexts, cache: CheckCache? = nil, names: NamesSetup = .builtIn) {
        self.init(shared: SharedDocument(document), ruleIndex: ruleIndex, fixSafety: fixSafety, messages: [message], messageIndex: 0,
                  scope: scope, allSegments: allSegments, texts: texts, cache: cache ?? CheckCache(), names: names)
    }

    init(shared: SharedDocument, ruleIndex: Int, fixSafety: FixSafety, messages: [String], messageIndex: Int, scope: Scope,
         allSegments: [Segment], texts: SegmentTexts, cache: CheckCache, names: NamesSetup, triggers: [UInt32] = NumbersCheck.shared) {
        self.triggers = triggers
        self.shared = shared
        self.ruleIndex = ruleIndex
        self.fixSafety = fixSafety
        self.messages = messages
        self.messageIndex = messageIndex
        self.scope = scope
        self.allSegments = allSegments
        self.texts = texts
        self.cache = cache
        self.names = names
    }

    /// The segments in the rule's scope, with their indices into `allSegments`/`texts`.
    public var segments: LazyFilterSequence<EnumeratedSequence<[Segment]>> {
        let scope = self.scope
        return allSegments.enumerated().lazy.filter { !$0.element.role.isDisjoint(with: scope) }
    }
}

/// Where given characters stand in each segment: `pos[start[k]..<start[k + 1]]` (byte offsets of the scalars, in
/// order) for segment `k`.
public struct ScalarHits: Sendable {
    public var start: [Int]
    public var pos: [Int]
    /// The character at each offset of `pos`.
    public var vals: [UInt32]
}

/// The look-up tables of `SegmentTexts.scalarHits` for one set of characters, built once per process (a check
/// asks for the same few sets in every document).
enum ScalarHitTables {
    /// `steps[first byte << 8 | second byte]`: the length of the character that starts with those bytes (an ASCII
    /// character's entry ignores the second byte; a stray continuation byte counts two), with the high bit set when
    /// a wanted character starts with them (then it is decoded and looked up in `bmp`/`astral`).
    typealias Tables = (steps: [UInt8], bmp: [UInt64], astral: [UInt32], blocks: PunctuationBlocks?, classes: [UInt8]?)
    private static let lock = NSLock()
    nonisolated(unsafe) private static var built: [[UInt32]: Tables] = [:]
    /// The first few sets, compared with `==` (the same array buffer compares at once): hashing a set of fifty
    /// characters for every document and rule was 2–3% of a folder of small files.
    nonisolated(unsafe) private static var first: [(key: [UInt32], tables: Tables)] = []

    static func of(_ scalars: [UInt32]) -> Tables {
        if let t = lock.withLock({ first.first { $0.key == scalars }?.tables ?? built[scalars] }) { return t }
        var bmp = [UInt64](repeating: 0, count: 1024)
        for v in scalars where v < 0x10000 { bmp[Int(v >> 6)] |= 1 << UInt64(v & 63) }
        let astral = scalars.filter { $0 >= 0x10000 }
        var steps = [UInt8](repeating: 0, count: 65536)
        steps.withUnsafeMutableBufferPointer { t in
            for b0 in 0..<256 {
                var n: UInt8 = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
                if b0 < 0x80 && (bmp[b0 >> 6] >> UInt64(b0 & 63)) & 1 != 0 { n |= 0x80 }
                (t.baseAddress! + b0 << 8).update(repeating: n, count: 256)
            }
        }
        for v in scalars where v >= 0x80 {
            let u = Array(String(Unicode.Scalar(v)!).utf8)
            steps[Int(u[0]) << 8 | Int(u[1])] = 0x80 | UInt8(u.count)
        }
        let blocks = PunctuationBlocks(scalars)
        // The byte classifier for the other sets (each character's first three bytes), where the CPU runs it.
        let classes = blocks != nil ? nil : ByteClassifier.tables(scalars.compactMap { Unicode.Scalar($0).map { Array(String($0).utf8) } })
        let t = (steps, bmp, astral, blocks, classes)
        lock.withLock {
            if first.count < 8 { first.append((scalars, t)) } else if built.count < 256 { built[scalars] = t }
        }
        return t
    }
}

/// `scalarHits` for a set of punctuation (`pairs`' marks: every character three bytes long, not led by E4–E9, in at
/// most three lead-and-second-byte groups with at most eight last bytes between them), sixteen bytes at a time:
/// SSE2 compares of the bytes at each place and the two after it give the places where such a character may start
/// (a lead-and-second pair of one character with the last byte of another is checked against the set). Text is valid
/// UTF-8, so a place that holds a character's bytes starts that character. Twice as fast as the walk, which steps
/// from character to character.
struct PunctuationBlocks: @unchecked Sendable {
    // Splatted (lead, second) pairs, padded with 0xFF (never a UTF-8 byte), and last bytes, padded with the first.
    private let p0: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
    private let p1: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
    private let t: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)

    init?(_ scalars: [UInt32]) {
        var pre: [(UInt8, UInt8)] = [], last: [UInt8] = []
        for v in scalars {
            guard v >= 0x800, v < 0x10000, let s = Unicode.Scalar(v) else { return nil }
            let u = Array(String(s).utf8)
            guard u.count == 3, u[0] &- 0xE4 > 5 else { return nil }
            if !pre.contains(where: { $0 == (u[0], u[1]) }) { pre.append((u[0], u[1])) }
            if !last.contains(u[2]) { last.append(u[2]) }
        }
        guard !pre.isEmpty, pre.count <= 3, last.count <= 8 else { return nil }
        while pre.count < 3 { pre.append((0xFF, 0xFF)) }
        while last.count < 8 { last.append(last[0]) }
        func s(_ b: UInt8) -> SIMD16<UInt8> { SIMD16(repeating: b) }
        p0 = (s(pre[0].0), s(pre[1].0), s(pre[2].0))
        p1 = (s(pre[0].1), s(pre[1].1), s(pre[2].1))
        t = (s(last[0]), s(last[1]), s(last[2]), s(last[3]), s(last[4]), s(last[5]), s(last[6]), s(last[7]))
    }

    /// Bit `k`: a character of the set may start at `raw + k` (reads 18 bytes).
    @inline(__always)
    private func candidates(_ raw: UnsafeRawPointer) -> UInt32 {
        let v0 = raw.loadUnaligned(as: SIMD16<UInt8>.self)
        let v1 = raw.loadUnaligned(fromByteOffset: 1, as: SIMD16<UInt8>.self)
        let v2 = raw.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self)
        let pre = ((v0 .== p0.0) .& (v1 .== p1.0)) .| ((v0 .== p0.1) .& (v1 .== p1.1)) .| ((v0 .== p0.2) .& (v1 .== p1.2))
        let end = (v2 .== t.0) .| (v2 .== t.1) .| (v2 .== t.2) .| (v2 .== t.3) .| (v2 .== t.4) .| (v2 .== t.5) .| (v2 .== t.6) .| (v2 .== t.7)
        return maskBits(pre .& end)
    }

    /// The hits of every segment (a character counts when it ends within its segment, as in the walk); the last
    /// bytes of the buffer, where a block would read past its end, one place at a time.
    func scan(_ p: UnsafeBufferPointer<UInt8>, _ segs: UnsafeBufferPointer<Segment>, _ m: UnsafeBufferPointer<UInt64>,
              _ start: inout [Int], _ pos: inout [Int], _ vals: inout [UInt32]) {
        let n = p.count
        @inline(__always) func check(_ q: Int) {
            let v = decodeScalar(p, q).0
            if (m[Int(v >> 6)] >> UInt64(v & 63)) & 1 != 0 { pos.append(q); vals.append(v) }
        }
        for k in 0..<segs.count {
            start[k] = pos.count
            guard let b = p.baseAddress else { continue }
            let base = UnsafeRawPointer(b)
            var j = segs[k].range.lowerBound
            let last = segs[k].range.upperBound &- 2   // a three-byte character starts before this
            while j < last {
                if j &+ 18 > n {
                    if p[j] &- 0xE0 < 0x10 { check(j) }
                    j &+= 1
                    continue
                }
                var bits = candidates(base + j)
                if last &- j < 16 { bits &= (1 << UInt32(last &- j)) &- 1 }
                while bits != 0 { check(j &+ bits.trailingZeroBitCount); bits &= bits &- 1 }
                j &+= 16
            }
        }
    }
}

/// The `SegmentTexts` of one document's segment lists (by whether the list includes code), shared by the runs of
/// the line-local and whole-text checks when they read the same lists (`Linter`): a trigger scan made for the
/// numbers rules then serves `pairs` too.
final class SharedTexts {
    var byCode: [Bool: SegmentTexts] = [:]
}

public final class SegmentTexts {
    private var cache: [Int: String] = [:]
    /// The scans made, by set (a few per document: compared with `==`, which takes the same array buffer at once,
    /// instead of hashing each set's characters at every look-up).
    private var hitCache: [(key: [UInt32], hits: ScalarHits)] = []

    /// The offsets of the characters `scalars` (sorted) in every segment, found in one pass over the text and
    /// shared by the checks that ask for the same set (the `numbers` rules and `pairs`). The byte classifier marks
    /// the places where a wanted character may start (`ByteClassifier`, where the CPU runs it); else, for the pairs'
    /// marks, sixteen-byte compares (`PunctuationBlocks`); else a walk that steps by characters with one table
    /// look-up of each character's first two bytes. Only the places found are decoded.
    public func scalarHits(_ scalars: [UInt32]) -> ScalarHits { scalarHits(scalars, classify: true) }

    /// As above; `classify: false` walks where the classifier would run (the tests compare both with a reference).
    func scalarHits(_ scalars: [UInt32], classify: Bool) -> ScalarHits {
        if let h = scannedHits(scalars) { return h }
        var start = [Int](repeating: 0, count: segments.count + 1)
        var pos: [Int] = [], vals: [UInt32] = []
        // A large text: room for a hit per 64 bytes up front (web news: one per ~70 for the numbers rules' set), so
        // that the lists do not copy themselves into fresh pages as they double; unused room is never touched.
        var bytes = 0
        for s in segments { bytes &+= s.range.count }
        if bytes >= 256 << 10 { pos.reserveCapacity(bytes / 64); vals.reserveCapacity(bytes / 64) }
        let (steps, bmp, astral, blocks, classes) = ScalarHitTables.of(scalars)
        if let classes, classify {
            // The marked places of each segment from the classifier, a buffer at a time; each decoded and kept when
            // wanted and within the segment (as the walk counts).
            // The wanted ones are moved to the front of the buffer (and their characters into `found`) and appended
            // a buffer at a time: an append per hit, through the closures' captured lists, checked their uniqueness
            // every time and cost more than finding the places.
            // Not zeroed: only what the classifier writes is read (zeroing these 48 KB for every call was a fifth of
            // the cost of a small file in a folder of them).
            var marked = [Int](unsafeUninitializedCapacity: 4096) { _, n in n = 4096 }
            var found = [UInt32](unsafeUninitializedCapacity: 4096) { _, n in n = 4096 }
            document.source.bytes.withUnsafeBufferPointer { p in
                bmp.withUnsafeBufferPointer { m in
                  classes.withUnsafeBufferPointer { t in
                    marked.withUnsafeMutableBufferPointer { c in
                      found.withUnsafeMutableBufferPointer { f in
                        for k in 0..<segments.count {
                            start[k] = pos.count
                            guard p.baseAddress != nil else { continue }
                            var from = segments[k].range.lowerBound
                            let end = segments[k].range.upperBound
                            while from < end {
                                let (got, next) = ByteClassifier.scan(p, from: from, to: end, t, into: c)
                                var kept = 0
                                for i in 0..<got {
                                    let q = c[i]
                                    guard p[q] & 0xC0 != 0x80 else { continue }
                                    let (v, len) = decodeScalar(p, q)
                                    guard q &+ len <= end else { continue }
                                    if v < 0x10000 ? (m[Int(v >> 6)] >> UInt64(v & 63)) & 1 != 0 : astral.contains(v) {
                                        c[kept] = q; f[kept] = v; kept &+= 1
                                    }
                                }
                                if kept > 0 {
                                    pos.append(contentsOf: UnsafeBufferPointer(rebasing: c[..<kept]))
                                    vals.append(contentsOf: UnsafeBufferPointer(rebasing: f[..<kept]))
                                }
                                if next <= from && got == 0 { break }   // (never: the classifier always moves on)
                                from = next
                            }
                        }
                      }
                    }
                  }
                }
            }
        } else if let blocks {
            document.source.bytes.withUnsafeBufferPointer { p in
                bmp.withUnsafeBufferPointer { m in
                    segments.withUnsafeBufferPointer { segs in
                        blocks.scan(p, segs, m, &start, &pos, &vals)
                    }
                }
            }
        } else {
            document.source.bytes.withUnsafeBufferPointer { p in
                steps.withUnsafeBufferPointer { t in
                  bmp.withUnsafeBufferPointer { m in
                    segments.withUnsafeBufferPointer { segs in
                      @inline(__always) func wanted(_ v: UInt32) -> Bool {
                          v < 0x10000 ? (m[Int(v >> 6)] >> UInt64(v & 63)) & 1 != 0 : astral.contains(v)
                      }
                      for k in 0..<segs.count {
                        start[k] = pos.count
                        var i = segs[k].range.lowerBound
                        let end = segs[k].range.upperBound
                        while i &+ 1 < end {
                            let a = t[Int(p[i]) << 8 | Int(p[i &+ 1])]
                            // Most characters are three bytes long and not wanted: a branch on that (predicted) lets
                            // the next character's loads start before this one's table load returns, instead of
                            // stepping by the loaded length (a chain of dependent loads, a third of the time).
                            if a == 3 { i &+= 3; continue }
                            if a < 0x80 { i &+= Int(a); continue }
                            if a == 0x83 {
                                // A three-byte character some wanted one shares its first two bytes with: its word of
                                // `bmp` follows from those two bytes, its bit from the last one (no decoding first).
                                if i &+ 3 <= end {
                                    let b0 = p[i], b1 = p[i &+ 1], b2 = p[i &+ 2]
                                    if (m[Int(b0 & 0x0F) &<< 6 | Int(b1 & 0x3F)] &>> UInt64(b2 & 0x3F)) & 1 != 0 {
                                        pos.append(i)
                                        vals.append(UInt32(b0 & 0x0F) &<< 12 | UInt32(b1 & 0x3F) &<< 6 | UInt32(b2 & 0x3F))
                                    }
                                }
                                i &+= 3
                                continue
                            }
                            let n = Int(a & 0x7F)
                            if i &+ n <= end {
                                let v = decodeScalar(p, i).0
                                if wanted(v) { pos.append(i); vals.append(v) }
                            }
                            i &+= n
                        }
                        // The segment's last byte: an ASCII character (a lead byte there has no character after it).
                        if i < end, p[i] < 0x80, wanted(UInt32(p[i])) { pos.append(i); vals.append(UInt32(p[i])) }
                      }
                    }
                  }
                }
            }
        }
        start[segments.count] = pos.count
        let h = ScalarHits(start: start, pos: pos, vals: vals)
        hitCache.append((scalars, h))
        return h
    }
    /// A small number for each hit of `scalars` (`group` of its character), made once per document and shared by
    /// the checks that ask for it with the same set: a check then finds its own characters among the hits sixteen
    /// at a time (`NumbersCheck`: one group per form's triggers). One grouping per set.
    /// Inlined into the caller, so that `group` is no call per hit.
    @inline(__always)
    public func hitGroups(_ scalars: [UInt32], _ group: (UInt32) -> UInt8) -> [UInt8] {
        if let g = groupCache.first(where: { $0.key == scalars })?.groups { return g }
        let vals = scalarHits(scalars).vals
        let g = [UInt8](unsafeUninitializedCapacity: vals.count) { out, n in
            for j in 0..<vals.count { out[j] = group(vals[j]) }
            n = vals.count
        }
        groupCache.append((scalars, g))
        return g
    }
    private var groupCache: [(key: [UInt32], groups: [UInt8])] = []

    /// The hits of `scalars` if some check asked for them already, else nil.
    public func scannedHits(_ scalars: [UInt32]) -> ScalarHits? {
        // In place: `first(where:)` copied each entry (its key and its lists) to test it.
        hitCache.withUnsafeBufferPointer { p in
            for i in p.indices where p[i].key == scalars { return p[i].hits }
            return nil
        }
    }
    let document: Document
    let segments: [Segment]
    init(document: Document, segments: [Segment]) { self.document = document; self.segments = segments }
    public func text(_ i: Int) -> String {
        if let s = cache[i] { return s }
        let s = document.source.string(segments[i].range)
        cache[i] = s
        return s
    }
}

/// The lanes of a SIMD mask as the bits of an integer (lane `k` → bit `k`). On x86-64 one PMOVMSKB through an inline C
/// function (`copydesk_movemask16`: Swift's SIMD types do not reach the instruction); elsewhere each byte keeps the
/// bit of its lane and a multiply adds the eight bytes of each half.
@inline(__always)
func maskBits(_ m: SIMDMask<SIMD16<Int8>>) -> UInt32 {
    #if arch(x86_64)
    return copydesk_movemask16(unsafeBitCast(m, to: SIMD16<UInt8>.self))
    #else
    return maskBitsPortable(m)
    #endif
}

/// `maskBits` without the instruction (the reference its test compares with, and other CPUs).
@inline(__always)
func maskBitsPortable(_ m: SIMDMask<SIMD16<Int8>>) -> UInt32 {
    let w = unsafeBitCast(m, to: SIMD16<UInt8>.self) & SIMD16<UInt8>(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128)
    let q = unsafeBitCast(w, to: SIMD2<UInt64>.self)
    let lo = (q[0] &* 0x0101_0101_0101_0101) >> 56, hi = (q[1] &* 0x0101_0101_0101_0101) >> 56
    return UInt32(truncatingIfNeeded: lo | hi << 8)
}

/// A compiled rule check. Checks report findings; they never format output.
public protocol Check: Sendable {
    func run(_ context: CheckContext, into findings: inout [Finding])
    /// Load-time diagnosis: why the rule can never match, if it cannot.
    func deadReason() -> String?
    /// Whether every finding depends only on the text of the line it stands on (and the role of that line's
    /// block): then the fixer re-checks only the lines its edits touched. False for checks that compare lines.
    var isLineLocal: Bool { get }
}

extension Check {
    public func deadReason() -> String? { nil }
    public var isLineLocal: Bool { false }
}

/// Fills `{name}` slots of a message template.
public func substitute(_ template: String, _ values: [String: String]) -> String {
    // On UTF-8 bytes (slot names are ASCII): no grapheme breaking of the Chinese text around the slots.
    let t = Array(template.utf8)
    guard t.contains(0x7B) else { return template }   // `{`
    var out: [UInt8] = []
    out.reserveCapacity(t.count + 16)
    var i = 0
    while i < t.count {
        if t[i] == 0x7B, let close = t[(i + 1)...].firstIndex(of: 0x7D) {   // `{name}`
            if let v = values[String(decoding: t[(i + 1)..<close], as: UTF8.self)] { out += v.utf8 } else { out += t[i...close] }
            i = close + 1
        } else {
            out.append(t[i]); i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// Findings built the same way by the byte-scanning checks (`NumbersCheck`, `PunctuationFormsCheck`): a fix no
/// safer than the rule's `fix:` (none without edits), and the message's `{slots}` filled only when it has any.
protocol SlotFindings {}

extension SlotFindings {
    func text(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: p[r]), as: UTF8.self) }

    func add(_ context: CheckContext, _ range: Range<Int>, _ edits: [Edit], _ safety: FixSafety, _ slots: [String: String], into findings: inout [Finding]) {
        let s: FixSafety = context.fixSafety == .none || edits.isEmpty ? .none : (context.fixSafety == .unsafe ? .unsafe : safety)
        let fix: Fix? = s == .none ? nil : Fix(edits: edits, safety: s)
        let message: String? = context.message.utf8.contains(0x7B) ? substitute(context.message, slots) : nil
        findings.append(Finding(rule: context.ruleIndex, range: range, message: message, fix: fix))
    }
}
