import CByteClass

/// A three-byte classifier (`copydesk_byteclass_scan`, AVX2 in C): it marks the places of a text whose first three
/// bytes may begin one of a set of byte patterns, thirty-two places a step with six byte-shuffle table look-ups.
/// The patterns go into eight buckets by length and lead byte (neighbours merged while there are more than eight
/// groups, the smallest pair first); a place is marked when its three bytes' nibbles all fall in one bucket's.
/// Bytes past a pattern's end match any. A bucket's nibbles combine into more byte values than its patterns have,
/// so some marked places begin no pattern: callers test every marked place (the buckets decide how many, never
/// which places are found). The trigger scan (`SegmentTexts.scalarHits`) and the phrase automaton's root state
/// (`AhoCorasick`) use it.
enum ByteClassifier {
    /// Whether this CPU runs it (AVX2).
    static let available = copydesk_byteclass_available() != 0

    /// The six sixteen-byte tables for `patterns` (each at least one byte; only the first three count), or nil
    /// when the CPU cannot run the classifier or there are no patterns.
    static func tables(_ patterns: [[UInt8]]) -> [UInt8]? {
        guard available else { return nil }
        var groups: [(key: [UInt8], patterns: [[UInt8]])] = []
        for p in patterns where !p.isEmpty {
            let u = Array(p.prefix(3))
            let key = u.count == 1 ? [1] : [UInt8(u.count), u[0]]
            if let k = groups.firstIndex(where: { $0.key == key }) { groups[k].patterns.append(u) } else { groups.append((key, [u])) }
        }
        guard !groups.isEmpty else { return nil }
        groups.sort { $0.key.lexicographicallyPrecedes($1.key) }
        while groups.count > 8 {
            var best = 0
            for i in 0..<(groups.count - 1)
            where groups[i].patterns.count + groups[i + 1].patterns.count < groups[best].patterns.count + groups[best + 1].patterns.count {
                best = i
            }
            groups[best].patterns += groups[best + 1].patterns
            groups.remove(at: best + 1)
        }
        var t = [UInt8](repeating: 0, count: 96)
        for (b, g) in groups.enumerated() {
            let bit = UInt8(1) << UInt8(b)
            for u in g.patterns {
                for k in 0..<3 {
                    if k < u.count {
                        t[32 * k + Int(u[k] & 15)] |= bit
                        t[32 * k + 16 + Int(u[k] >> 4)] |= bit
                    } else {
                        for x in 0..<32 { t[32 * k + x] |= bit }
                    }
                }
            }
        }
        return t
    }

    /// The marked places in `from..<to` of `p`, at most `out.count` of them, written to `out`; returns how many and the
    /// first place not examined. `tables` from `tables(_:)`.
    @inline(__always)
    static func scan(_ p: UnsafeBufferPointer<UInt8>, from: Int, to: Int, _ tables: UnsafeBufferPointer<UInt8>,
                     into out: UnsafeMutableBufferPointer<Int>) -> (count: Int, next: Int) {
        var next = to
        let got = copydesk_byteclass_scan(p.baseAddress, p.count, from, to, tables.baseAddress, out.baseAddress, out.count, &next)
        return (got, next)
    }
}
