/// An Aho–Corasick automaton over UTF-8 bytes, compiled to a dense DFA over byte equivalence classes
/// (only bytes that occur in some pattern get a class of their own), so matching costs one table load per byte
/// whatever the number of patterns. Reports leftmost-longest, non-overlapping matches.
public struct AhoCorasick: Sendable {
    private let classOf: [UInt8]          // 256 entries
    private let classCount: Int
    /// state * classCount + class -> next state * classCount (premultiplied: no multiply in the hot loop), with the
    /// sign bit set when the next state has an output (one load per byte).
    private let delta: [Int32]
    /// Bytes at which, in the root state, no pattern can start: a character led by such a byte is skipped whole
    /// without walking the automaton (most Han text, for punctuation and OCR phrase lists).
    private let rootSkip: [Bool]
    /// For three-byte characters whose lead byte some pattern starts with: one bit per BMP scalar, set when no
    /// pattern starts with that character (`，` may start one, `“` may not, though both lead with a byte some
    /// pattern starts with).
    private let rootSkipScalar: [UInt64]
    /// Pattern index whose match ends at this state (the longest), or -1; chain to shorter outputs.
    private let output: [Int32]
    private let outputLink: [Int32]       // next state on the suffix chain that has an output, or -1
    private let patternLengths: [Int]
    public let patternCount: Int
    /// Sixteen bytes at a time in the root state: the places where a pattern's first character may start (see
    /// `RootFilter`); nil when the byte classifier does it (`rootClasses`), or when the first characters are too many
    /// for a few compares.
    private let rootFilter: RootFilter?
    /// Whether the root state is scanned sixteen bytes at a time (tests).
    var hasRootFilter: Bool { rootFilter != nil }
    /// Sixteen places at a time, by the patterns' first four bytes, when every pattern has four and they are few
    /// (`PrefixFilter`): taken before `rootFilter` and the classifier, which flag every character a pattern starts
    /// with (`，` for `，。`: one character in twenty-four of web news).
    private let prefixFilter: PrefixFilter?
    /// Whether the root state is scanned by the patterns' first four bytes (tests).
    var hasPrefixFilter: Bool { prefixFilter != nil }
    /// Unless the prefix filter is made, the byte classifier's tables for the places where the automaton may leave the
    /// root state (`ByteClassifier`, where the CPU runs it): the bytes and characters the root does not skip. Nil on a
    /// CPU without it: then `rootFilter`, when the first characters are few enough for its compares.
    private let rootClasses: [UInt8]?
    /// Whether the root state is scanned by the byte classifier (tests).
    var hasRootClasses: Bool { rootClasses != nil }

    /// - Parameter caseInsensitiveASCII: fold A–Z onto a–z in patterns and text.
    public init(patterns: [[UInt8]], caseInsensitiveASCII: Bool = false) {
        self.init(patterns: patterns, caseInsensitiveASCII: caseInsensitiveASCII, classifier: true)
    }

    /// `classifier: false` leaves the byte classifier out (the tests' way to the sixteen-byte `RootFilter`, which the
    /// classifier replaces where the CPU runs it).
    init(patterns: [[UInt8]], caseInsensitiveASCII: Bool, classifier: Bool) {
        var classes = [UInt8](repeating: 0, count: 256)
        var next: UInt8 = 1
        func fold(_ b: UInt8) -> UInt8 { caseInsensitiveASCII && b >= 0x41 && b <= 0x5A ? b + 0x20 : b }
        for p in patterns { for b in p where classes[Int(fold(b))] == 0 {
            classes[Int(fold(b))] = next
            next = next == 255 ? 255 : next + 1
        } }
        if caseInsensitiveASCII { for b in 0x41...0x5A { classes[b] = classes[b + 0x20] } }
        let k = Int(next)
        // Trie with sparse children first.
        var children: [[Int32]] = [[Int32](repeating: -1, count: k)]
        var out: [Int32] = [-1]
        for (pi, p) in patterns.enumerated() where !p.isEmpty {
            var s = 0
            for b in p {
                let c = Int(classes[Int(fold(b))])
                if children[s][c] < 0 {
                    children[s][c] = Int32(children.count)
                    children.append([Int32](repeating: -1, count: k))
                    out.append(-1)
                }
                s = Int(children[s][c])
            }
            if out[s] < 0 || patterns[Int(out[s])].count < p.count { out[s] = Int32(pi) }
        }
        let n = children.count
        var fail = [Int32](repeating: 0, count: n)
        var link = [Int32](repeating: -1, count: n)
        var dfa = [Int32](repeating: 0, count: n * k)
        var queue: [Int] = []
        queue.reserveCapacity(n)
        for c in 0..<k {
            let t = children[0][c]
            if t >= 0 { dfa[c] = t; fail[Int(t)] = 0; queue.append(Int(t)) } else { dfa[c] = 0 }
        }
        var head = 0
        while head < queue.count {
            let s = queue[head]; head += 1
            let f = Int(fail[s])
            link[s] = out[f] >= 0 ? Int32(f) : link[f]
            for c in 0..<k {
                let t = children[s][c]
                if t >= 0 {
                    fail[Int(t)] = dfa[f * k + c]
                    dfa[s * k + c] = t
                    queue.append(Int(t))
                } else {
                    dfa[s * k + c] = dfa[f * k + c]
                }
            }
        }
        classOf = classes
        classCount = k
        let outputs = (0..<n).map { out[$0] >= 0 || link[$0] >= 0 }
        delta = dfa.map { t in (t * Int32(k)) | (outputs[Int(t)] ? Int32.min : 0) }
        var skip = [Bool](repeating: true, count: 256)
        // Case-insensitive: a pattern that starts with a letter starts with either case of it in the text (the
        // upper case of a pattern written `Zz` was skipped before, so `ZZ` did not match it).
        for p in patterns { if let f = p.first { skip[Int(fold(f))] = false; if caseInsensitiveASCII && f | 0x20 >= 0x61 && f | 0x20 <= 0x7A { skip[Int(f | 0x20)] = false; skip[Int(f & 0xDF)] = false } } }
        for b in 0x80..<0xC0 { skip[b] = false }   // continuation bytes: never skipped on their own
        rootSkip = skip
        var scalarSkip = [UInt64](repeating: ~0, count: 0x10000 / 64)
        for p in patterns where p.count >= 3 && p[0] >= 0xE0 && p[0] < 0xF0 {
            let first = (UInt32(p[0] & 0x0F) << 12) | (UInt32(p[1] & 0x3F) << 6) | UInt32(p[2] & 0x3F)
            scalarSkip[Int(first >> 6)] &= ~(1 << UInt64(first & 63))
        }
        // A pattern that starts with a lone lead byte (not valid UTF-8): never skip by scalar.
        if patterns.contains(where: { $0.count < 3 && ($0.first ?? 0) >= 0xE0 && ($0.first ?? 0) < 0xF0 }) {
            scalarSkip = [UInt64](repeating: 0, count: 0x10000 / 64)
        }
        rootSkipScalar = scalarSkip
        prefixFilter = caseInsensitiveASCII ? nil : PrefixFilter(patterns: patterns)
        // The byte classifier before the sixteen-byte filter: it reads 32 bytes per step with one table look-up per
        // nibble, where the filter compares each of its bytes and pairs (up to 44 vectors, more than the registers
        // hold); with the classifier for every automaton the filter took, the recommended rules' lint of the 25 MB
        // page on one core went from 160 to 144 ms.
        let filterClasses = !classifier || prefixFilter != nil || patterns.contains(where: { ($0.first ?? 0) & 0xC0 == 0x80 }) ? nil
            : (caseInsensitiveASCII ? nil : AhoCorasick.prefixClasses(patterns))
                ?? AhoCorasick.rootClasses(rootSkip: skip, rootSkipScalar: scalarSkip)
        rootClasses = filterClasses
        rootFilter = prefixFilter != nil || filterClasses != nil ? nil : RootFilter(rootSkip: skip, rootSkipScalar: scalarSkip, patterns: patterns)
        output = out
        outputLink = link
        patternLengths = patterns.map(\.count)
        patternCount = patterns.count
    }

    /// The classifier's tables by the patterns' first four bytes, when some pattern has four (nil otherwise, or when
    /// their prefixes fall into too many groups: then `rootClasses`). Every place a pattern starts at is marked, and a
    /// character that only begins patterns of two characters is marked only before a character those can go on
    /// with: the recommended rules' fixing phrases (`，，` `、、` `。。` `”、` `第一`…) marked every `，` `、` `。` `”`
    /// `第`, ~1.9 million places in a `--fix` of the 24.8 MB web news for 93,000 matches, each walked by the automaton.
    private static func prefixClasses(_ patterns: [[UInt8]]) -> [UInt8]? {
        guard patterns.contains(where: { $0.count >= 4 }) else { return nil }
        return ByteClassifier.tables(patterns, places: 4, maximumGroups: 48)
    }

    /// Whether the root state is scanned by the classifier on four places (tests).
    var hasPrefixClasses: Bool { rootClasses?.count == 128 }

    /// The classifier's tables for the places the root state does not skip: an ASCII byte or the lead of a two- or
    /// four-byte character by itself; a three-byte character by its three bytes (its lead alone when more than 64
    /// characters of that lead may start a pattern). A superset of the places where the automaton leaves the root.
    private static func rootClasses(rootSkip: [Bool], rootSkipScalar: [UInt64]) -> [UInt8]? {
        var patterns: [[UInt8]] = []
        for b in 0..<256 where !rootSkip[b] && b & 0xC0 != 0x80 {
            guard b >= 0xE0 && b < 0xF0 else { patterns.append([UInt8(b)]); continue }
            var own: [[UInt8]] = []
            for c1 in 0x80..<0xC0 {
                let word = rootSkipScalar[(b & 0x0F) << 6 | (c1 & 0x3F)]
                guard word != ~0 else { continue }
                for c2 in 0x80..<0xC0 where (word >> UInt64(c2 & 63)) & 1 == 0 { own.append([UInt8(b), UInt8(c1), UInt8(c2)]) }
            }
            if own.count > 64 { patterns.append([UInt8(b)]) } else { patterns += own }
        }
        return ByteClassifier.tables(patterns)
    }

    public struct Match: Sendable, Equatable {
        public var pattern: Int
        public var range: Range<Int>
    }

    /// Leftmost-longest non-overlapping matches inside `range` of `bytes`.
    public func matches(in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, into result: inout [Match]) {
        var all: [Match] = []
        allMatches(in: bytes, range: range, into: &all)
        AhoCorasick.selectLeftmostLongest(&all, from: range.lowerBound, into: &result)
    }

    /// Keeps the leftmost-longest non-overlapping matches of `all` (any order), appending them to `result`.
    public static func selectLeftmostLongest(_ all: inout [Match], from start: Int, into result: inout [Match]) {
        guard !all.isEmpty else { return }
        all.sort { $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound : $0.range.count > $1.range.count }
        var lastEnd = start
        for m in all where m.range.lowerBound >= lastEnd {
            result.append(m)
            lastEnd = m.range.upperBound
        }
    }

    /// Every match (overlapping ones included) inside `range`, in order of their end.
    public func allMatches(in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, into all: inout [Match]) {
        var s = 0   // premultiplied state (state * classCount)
        let k = classCount
        var i = range.lowerBound
        let end = range.upperBound
        delta.withUnsafeBufferPointer { delta in
        classOf.withUnsafeBufferPointer { classOf in
        output.withUnsafeBufferPointer { output in
        outputLink.withUnsafeBufferPointer { outputLink in
        rootSkip.withUnsafeBufferPointer { rootSkip in
        rootSkipScalar.withUnsafeBufferPointer { rootSkipScalar in
        RootFilter.withVectors(rootFilter) { filter in
        PrefixFilter.withVectors(prefixFilter) { prefix in
        (rootClasses ?? []).withUnsafeBufferPointer { classes in
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { marks in
        // The last block the filter read: its first byte and its flagged places (bit k: byte blockStart + k).
        var blockStart = -32, blockBits: UInt32 = 0
        // The classifier's marked places `marks[mi..<mn]`, of the places before `scanned`.
        var mi = 0, mn = 0, scanned = i
        let classify = rootClasses != nil
        while i < end {
            if s == 0, let prefix {
                // As with `filter`, by the places where a pattern's first four bytes stand: no match starts
                // elsewhere, so the root state may skip the rest (the automaton, walked from the root at each
                // flagged place until it is back there, reports every match from there). The last 18 bytes of the
                // range are read byte by byte (below), as the other filters' tails are.
                let rel = i &- blockStart
                if rel < 16, case let bits = blockBits & (~0 << UInt32(truncatingIfNeeded: rel)), bits != 0 {
                    i = blockStart &+ bits.trailingZeroBitCount
                } else {
                    if rel < 16 { i = blockStart &+ 16 }
                    while i &+ 19 <= end {
                        let bits = prefix.candidates(bytes.baseAddress! + i)
                        if bits != 0 { blockStart = i; blockBits = bits; i &+= bits.trailingZeroBitCount; break }
                        i &+= 16
                    }
                    if i >= end { break }
                }
            } else if s == 0, classify {
                // As with the filter: no place before the next marked one leaves the root state.
                while mi < mn && marks[mi] < i { mi &+= 1 }
                if mi == mn {
                    if scanned < i { scanned = i }
                    var found = false
                    while scanned < end {
                        let (got, next) = ByteClassifier.scan(bytes, from: scanned, to: end, classes, into: marks)
                        scanned = next
                        if got > 0 { mi = 0; mn = got; found = true; break }
                    }
                    if !found { break }
                }
                i = marks[mi]
            } else if s == 0, let filter {
                // Every character before the next flagged byte is one no pattern starts with, and the root state
                // stays the root over it (no pattern starts with a continuation byte): go to that byte.
                let rel = i &- blockStart
                if rel < 16, case let bits = blockBits & (~0 << UInt32(truncatingIfNeeded: rel)), bits != 0 {
                    i = blockStart &+ bits.trailingZeroBitCount
                } else {
                    if rel < 16 { i = blockStart &+ 16 }
                    while i &+ 17 < end {
                        let bits = filter.candidates(bytes.baseAddress! + i)
                        if bits != 0 { blockStart = i; blockBits = bits; i &+= bits.trailingZeroBitCount; break }
                        i &+= 16
                    }
                    if i >= end { break }
                }
            }
            let b = bytes[i]
            if s == 0 {
                if rootSkip[Int(b)] {
                    // In the root state before a character no pattern starts with: skip the character (a Han
                    // run costs one test per character). A three-byte character steps by a constant under a
                    // (predicted) branch, so the next character's load does not wait for this one's lead byte.
                    if b &- 0xE0 < 0x10 { i &+= 3; continue }
                    i &+= b < 0x80 ? 1 : b < 0xE0 ? 2 : 4
                    continue
                }
                if b >= 0xE0 && b < 0xF0 && i &+ 2 < end {
                    let v = (UInt32(b & 0x0F) << 12) | (UInt32(bytes[i &+ 1] & 0x3F) << 6) | UInt32(bytes[i &+ 2] & 0x3F)
                    if rootSkipScalar[Int(v >> 6)] & (1 << UInt64(v & 63)) != 0 { i &+= 3; continue }
                }
            }
            let e = delta[s &+ Int(classOf[Int(b)])]
            s = Int(e & Int32.max)
            i &+= 1
            if e < 0 {
                let state = s / k
                var t = output[state] >= 0 ? state : Int(outputLink[state])
                while t >= 0 {
                    let pi = Int(output[t])
                    let len = patternLengths[pi]
                    let start = i - len
                    if start >= range.lowerBound { all.append(Match(pattern: pi, range: start..<i)) }
                    t = Int(outputLink[t])
                }
            }
        }
        } } } } } } } } } }
    }
}

/// Where, in the root state, a pattern may start: bytes that lead a pattern's first character, found sixteen at a
/// time with SSE2 compares. An ASCII byte, or the lead of a two- or four-byte character, counts by itself (at most
/// four such bytes); the lead of a three-byte character only together with a second byte that some pattern's first
/// character has and a third byte between the least and the greatest such first characters have (at most ten such
/// pairs; a lead with more than four second bytes counts by itself): `０`–`ｚ` start patterns, `，` `（` `！`,
/// which share their first two bytes with them, do not get flagged (a character in twenty of Chinese text). Every place is
/// flagged where the automaton, walked from the root, could leave it (a superset: the loop then tests the character
/// as before), so the matches are the same. Nil for a set of first characters that needs more compares (house phrase
/// lists of Han words, case-folded letters), or when some pattern starts with a continuation byte (never for
/// patterns made from strings). The built-in punctuation phrases need four bytes and nine pairs.
struct RootFilter: Sendable {
    /// Four single bytes and ten (lead, second byte, least third byte, span of third bytes) pairs, each byte in all
    /// sixteen lanes; unused slots hold 0xFF, which valid UTF-8 never has.
    let vectors: [SIMD16<UInt8>]

    init?(rootSkip: [Bool], rootSkipScalar: [UInt64], patterns: [[UInt8]]) {
        if patterns.contains(where: { ($0.first ?? 0) & 0xC0 == 0x80 }) { return nil }
        var alone: [UInt8] = [], pairs: [(lead: UInt8, second: UInt8, low: UInt8, span: UInt8)] = []
        for b in 0..<256 where !rootSkip[b] && b & 0xC0 != 0x80 {
            guard b >= 0xE0 && b < 0xF0 else { alone.append(UInt8(b)); continue }
            var own: [UInt8] = []
            for c in 0x80..<0xC0 where rootSkipScalar[(b & 0x0F) << 6 | (c & 0x3F)] != ~0 { own.append(UInt8(c)) }
            if own.count > 4 { alone.append(UInt8(b)); continue }
            for c in own {
                // The third bytes of the first characters with these two (bit k clear: 0x80 + k starts a pattern).
                let word = rootSkipScalar[(b & 0x0F) << 6 | (Int(c) & 0x3F)]
                let low = UInt8(0x80 + (~word).trailingZeroBitCount), high = UInt8(0x80 + 63 - (~word).leadingZeroBitCount)
                pairs.append((UInt8(b), c, low, high - low))
            }
        }
        guard alone.count <= 4, pairs.count <= 10 else { return nil }
        alone += [UInt8](repeating: 0xFF, count: 4 - alone.count)
        pairs += [(lead: UInt8, second: UInt8, low: UInt8, span: UInt8)](repeating: (0xFF, 0xFF, 0xFF, 0), count: 10 - pairs.count)
        vectors = (alone + pairs.map(\.lead) + pairs.map(\.second) + pairs.map(\.low) + pairs.map(\.span)).map { SIMD16(repeating: $0) }
    }

    struct Vectors {
        let v: UnsafeBufferPointer<SIMD16<UInt8>>

        /// Bit `k` set when byte `p[k]` may start a pattern (reads `p[0...17]`).
        @inline(__always)
        func candidates(_ p: UnsafePointer<UInt8>) -> UInt32 {
            typealias V = SIMD16<UInt8>
            let x = UnsafeRawPointer(p).loadUnaligned(as: V.self)
            let y = UnsafeRawPointer(p + 1).loadUnaligned(as: V.self)
            let z = UnsafeRawPointer(p + 2).loadUnaligned(as: V.self)
            let v = self.v.baseAddress!
            @inline(__always) func eq(_ a: V, _ k: Int) -> V { unsafeBitCast(a .== v[k], to: V.self) }
            // The third byte within [low, low + span] (wrapping below `low`: one compare).
            @inline(__always) func within(_ k: Int) -> V { unsafeBitCast((z &- v[24 &+ k]) .<= v[34 &+ k], to: V.self) }
            @inline(__always) func pair(_ k: Int) -> V { eq(x, 4 &+ k) & eq(y, 14 &+ k) & within(k) }
            var m = (eq(x, 0) | eq(x, 1)) | (eq(x, 2) | eq(x, 3))
            m |= (pair(0) | pair(1)) | (pair(2) | pair(3)) | (pair(4) | pair(5))
            m |= (pair(6) | pair(7)) | (pair(8) | pair(9))
            return maskBits(unsafeBitCast(m, to: SIMDMask<SIMD16<Int8>>.self))
        }
    }

    static func withVectors<R>(_ f: RootFilter?, _ body: (Vectors?) -> R) -> R {
        guard let f else { return body(nil) }
        return f.vectors.withUnsafeBufferPointer { body(Vectors(v: $0)) }
    }
}

/// Where, in the root state, a match may start: the places where the first four bytes of some pattern stand, found
/// sixteen at a time with SSE2 compares of four shifted loads. Made when every pattern has at least four bytes
/// (two Chinese characters, or one and a byte) and they begin in at most `maxPrefixes` ways, none with a
/// continuation byte: the report-only punctuation phrases (`，。`, `》、《`, `”、“`, `……等`), whose first
/// characters alone (`，` `”`) flagged a character in ten of web news (those three rules cost 37 ms of `--fix`'s CPU
/// on the 25 MB page, 6–21 ms with this filter).
/// Every place where a match starts is flagged (a superset), so the matches are the same.
struct PrefixFilter: Sendable {
    static let maxPrefixes = 6
    /// Four vectors per prefix, its bytes 0…3, each byte in all sixteen lanes.
    let vectors: [SIMD16<UInt8>]
    let count: Int

    init?(patterns: [[UInt8]]) {
        guard !patterns.isEmpty, patterns.allSatisfy({ $0.count >= 4 && $0[0] & 0xC0 != 0x80 }) else { return nil }
        var prefixes: [[UInt8]] = []
        for p in patterns where !prefixes.contains(where: { $0.elementsEqual(p[0..<4]) }) {
            prefixes.append(Array(p[0..<4]))
            if prefixes.count > PrefixFilter.maxPrefixes { return nil }
        }
        vectors = prefixes.flatMap { $0.map { SIMD16<UInt8>(repeating: $0) } }
        count = prefixes.count
    }

    struct Vectors {
        let v: UnsafeBufferPointer<SIMD16<UInt8>>
        let count: Int

        /// Bit `k` set when `p[k..<k+4]` is some pattern's first four bytes (reads `p[0..<19]`).
        @inline(__always)
        func candidates(_ p: UnsafePointer<UInt8>) -> UInt32 {
            typealias V = SIMD16<UInt8>
            let r = UnsafeRawPointer(p)
            let x0 = r.loadUnaligned(as: V.self), x1 = r.loadUnaligned(fromByteOffset: 1, as: V.self)
            let x2 = r.loadUnaligned(fromByteOffset: 2, as: V.self), x3 = r.loadUnaligned(fromByteOffset: 3, as: V.self)
            let v = self.v.baseAddress!
            @inline(__always) func eq(_ a: V, _ k: Int) -> V { unsafeBitCast(a .== v[k], to: V.self) }
            var m = V(repeating: 0)
            for k in 0..<count {
                let b = 4 &* k
                m |= (eq(x0, b) & eq(x1, b &+ 1)) & (eq(x2, b &+ 2) & eq(x3, b &+ 3))
            }
            return maskBits(unsafeBitCast(m, to: SIMDMask<SIMD16<Int8>>.self))
        }
    }

    static func withVectors<R>(_ f: PrefixFilter?, _ body: (Vectors?) -> R) -> R {
        guard let f else { return body(nil) }
        return f.vectors.withUnsafeBufferPointer { body(Vectors(v: $0, count: f.count)) }
    }
}
