import CByteClass

/// A three-byte classifier (`copydesk_byteclass_scan`, AVX2 in C): it marks the places of a text whose first three
/// bytes may begin one of a set of byte patterns, thirty-two places a step with six byte-shuffle table look-ups.
/// The patterns go into at most eight buckets (`tables`: as finely as the buckets allow, the groups that add the
/// fewest marked places merged first); a place is marked when its three bytes' nibbles all fall in one bucket's.
/// Bytes past a pattern's end match any. A bucket's nibbles combine into more byte values than its patterns have,
/// so some marked places begin no pattern: callers test every marked place (the buckets decide how many, never
/// which places are found). The trigger scan (`SegmentTexts.scalarHits`) and the phrase automaton's root state
/// (`AhoCorasick`) use it.
enum ByteClassifier {
    /// Whether this CPU runs it (AVX2).
    static let available = copydesk_byteclass_available() != 0

    /// The six sixteen-byte tables for `patterns` (each at least one byte; only the first three count), or nil
    /// when the CPU cannot run the classifier or there are no patterns.
    ///
    /// The patterns go into groups first by their first three bytes as far as a group can tell them (single bytes
    /// together; two bytes by both; three by the first two and the high half of the third), then, while there are
    /// more than eight, the two groups whose union marks the fewest places more than the two apart are merged: a
    /// group marks every combination of its patterns' nibbles, place by place. Grouped by lead byte alone, the 62
    /// full-width letters and digits of `width.fullwidth-alnum` (`EF BC 90`…, `EF BD 81`…) shared one bucket that
    /// marked every full-width punctuation mark too (`，` is `EF BC 8C`): 426,725 marked places on the 24.8 MB web
    /// news for 801 letters, each walked by the phrase automaton, on every fixer pass.
    /// `places: 4` reads a place's first four bytes (eight tables, `copydesk_byteclass_scan4`): the phrase automaton's
    /// patterns of two characters and more, whose second character's lead byte then counts too (`，，` marks a `，`
    /// before a full-width mark, not every `，`). Patterns of four bytes and more are grouped by their first three
    /// bytes and the high half of the fourth. Nil too when `places: 4` starts more than `maximumGroups` groups
    /// (merging them would cost more than the scan saves: the caller falls back to three places).
    static func tables(_ patterns: [[UInt8]], places: Int = 3, maximumGroups: Int = .max) -> [UInt8]? {
        guard available, places == 3 || places == 4 else { return nil }
        var byKey: [[UInt8]: [[UInt8]]] = [:]
        for p in patterns where !p.isEmpty {
            let u = Array(p.prefix(places))
            let key: [UInt8] = u.count == 1 ? [1] : u.count == 2 ? [2, u[0], u[1]] : u.count == 3 ? [3, u[0], u[1], u[2] >> 4]
                : [4, u[0], u[1], u[2], u[3] >> 4]
            byKey[key, default: []].append(u)
        }
        guard !byKey.isEmpty, byKey.count <= maximumGroups else { return nil }
        var groups = byKey.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { NibbleGroup(byKey[$0]!, places: places) }
        while groups.count > 8 {
            var best = (cost: Int.max, i: 0, j: 1)
            for i in 0..<groups.count {
                for j in (i + 1)..<groups.count {
                    let added = groups[i].union(groups[j]).places - groups[i].places - groups[j].places
                    if added < best.cost { best = (added, i, j) }
                }
            }
            groups[best.i] = groups[best.i].union(groups[best.j])
            groups.remove(at: best.j)
        }
        var t = [UInt8](repeating: 0, count: 32 * places)
        for (b, g) in groups.enumerated() {
            let bit = UInt8(1) << UInt8(b)
            for k in 0..<places {
                for x in 0..<16 {
                    if g.wild & (1 << k) != 0 || g.low[k] & (1 << x) != 0 { t[32 * k + x] |= bit }
                    if g.wild & (1 << k) != 0 || g.high[k] & (1 << x) != 0 { t[32 * k + 16 + x] |= bit }
                }
            }
        }
        return t
    }

    /// A bucket of patterns as the classifier sees it: per byte place, the low and high nibbles its patterns have
    /// there, or any byte (`wild`, a bit per place) where one of them has ended. Fixed-size (no allocation): the
    /// grouping above compares every pair of groups.
    struct NibbleGroup {
        var low = SIMD4<UInt16>(), high = SIMD4<UInt16>()
        var wild: UInt8 = 0
        let count: Int

        init(_ patterns: [[UInt8]], places: Int = 3) {
            count = places
            for u in patterns {
                for k in 0..<places {
                    if k < u.count { low[k] |= 1 << UInt16(u[k] & 15); high[k] |= 1 << UInt16(u[k] >> 4) } else { wild |= 1 << k }
                }
            }
        }
        private init(low: SIMD4<UInt16>, high: SIMD4<UInt16>, wild: UInt8, count: Int) {
            self.low = low; self.high = high; self.wild = wild; self.count = count
        }

        /// How many byte sequences of `count` places the bucket marks.
        var places: Int {
            (0..<count).reduce(1) { $0 * (wild & (1 << $1) != 0 ? 256 : low[$1].nonzeroBitCount * high[$1].nonzeroBitCount) }
        }

        func union(_ o: NibbleGroup) -> NibbleGroup {
            NibbleGroup(low: low | o.low, high: high | o.high, wild: wild | o.wild, count: count)
        }
    }

    /// The marked places in `from..<to` of `p`, at most `out.count` of them, written to `out`; returns how many and the
    /// first place not examined. `tables` from `tables(_:places:)` (by their size: three or four places).
    @inline(__always)
    static func scan(_ p: UnsafeBufferPointer<UInt8>, from: Int, to: Int, _ tables: UnsafeBufferPointer<UInt8>,
                     into out: UnsafeMutableBufferPointer<Int>) -> (count: Int, next: Int) {
        var next = to
        let got = tables.count == 128
            ? copydesk_byteclass_scan4(p.baseAddress, p.count, from, to, tables.baseAddress, out.baseAddress, out.count, &next)
            : copydesk_byteclass_scan(p.baseAddress, p.count, from, to, tables.baseAddress, out.baseAddress, out.count, &next)
        return (got, next)
    }
}
