/// Finds, sixteen bytes at a time, the places where a character of a given set may start: the scans that look for a
/// few characters in a long text (`SegmentTexts.scalarHits`, an `AhoCorasick` automaton in its root state) test
/// blocks of bytes with SSE2 compares instead of stepping from character to character (a chain of dependent loads:
/// each step's length comes from the byte the previous step found).
///
/// A character of the set is looked for by its first byte (ASCII, and characters whose lead byte is rare in Chinese
/// text: punctuation, symbols), or by its second and third bytes when it is led by E4–E9 (Han, where a lead byte
/// alone would match every character). The answer is a superset: every place where a character of the set starts
/// is in it; the caller checks each place (it may be a continuation byte, or another character with the same bytes).
/// Text is valid UTF-8, so a place that holds a lead byte starts a character whatever came before it.
struct CharStartFilter: @unchecked Sendable {
    /// Splatted first bytes.
    private let leads: [SIMD16<UInt8>]
    /// Splatted second and third bytes, one pair after the other.
    private let pairs: [SIMD16<UInt8>]

    /// The most compares a block may take before the filter costs more than the character walk it replaces.
    static let maxLeads = 12
    static let maxPairs = 12

    /// Nil when the set needs more compares than that (then the caller walks the characters).
    init?(_ scalars: [UInt32]) {
        var leadBytes: [UInt8] = [], pairBytes: [(UInt8, UInt8)] = []
        for v in scalars {
            guard let s = Unicode.Scalar(v) else { return nil }
            let u = Array(String(s).utf8)
            if u.count == 3 && u[0] >= 0xE4 && u[0] <= 0xE9 {
                if !pairBytes.contains(where: { $0 == (u[1], u[2]) }) { pairBytes.append((u[1], u[2])) }
            } else if !leadBytes.contains(u[0]) {
                leadBytes.append(u[0])
            }
        }
        guard leadBytes.count + pairBytes.count > 0, leadBytes.count <= CharStartFilter.maxLeads,
              pairBytes.count <= CharStartFilter.maxPairs else { return nil }
        leads = leadBytes.sorted().map { SIMD16(repeating: $0) }
        pairs = pairBytes.flatMap { [SIMD16(repeating: $0.0), SIMD16(repeating: $0.1)] }
    }

    /// Bytes a block reads from its start: sixteen places and the two bytes after the last.
    static let reach = 18

    /// Bit `k`: a character of the set may start at `at + k` (`at + reach` must be within the buffer).
    @inline(__always)
    func candidates(_ base: UnsafePointer<UInt8>, _ at: Int) -> UInt32 {
        let raw = UnsafeRawPointer(base + at)
        let v0 = raw.loadUnaligned(as: SIMD16<UInt8>.self)
        var m = SIMDMask<SIMD16<Int8>>(repeating: false)
        leads.withUnsafeBufferPointer { leads in
            for c in leads { m .|= v0 .== c }
        }
        if !pairs.isEmpty {
            let v1 = raw.loadUnaligned(fromByteOffset: 1, as: SIMD16<UInt8>.self)
            let v2 = raw.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self)
            pairs.withUnsafeBufferPointer { pairs in
                var k = 0
                while k < pairs.count { m .|= (v1 .== pairs[k]) .& (v2 .== pairs[k &+ 1]); k &+= 2 }
            }
        }
        return CharStartFilter.bits(m)
    }

    /// The lanes of a mask as bits of an integer (lane `k` → bit `k`): each byte keeps the bit of its lane, and a
    /// multiply adds the eight bytes of each half (PMOVMSKB is not reachable from Swift's SIMD types).
    @inline(__always)
    static func bits(_ m: SIMDMask<SIMD16<Int8>>) -> UInt32 {
        let w = unsafeBitCast(m, to: SIMD16<UInt8>.self) & SIMD16<UInt8>(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128)
        let q = unsafeBitCast(w, to: SIMD2<UInt64>.self)
        let lo = (q[0] &* 0x0101_0101_0101_0101) >> 56, hi = (q[1] &* 0x0101_0101_0101_0101) >> 56
        return UInt32(truncatingIfNeeded: lo | hi << 8)
    }
}
