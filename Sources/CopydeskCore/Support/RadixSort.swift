/// LSD radix sort of 64-bit keys. Large inputs take four passes of 16 bits; inputs of fewer than 65,536 keys take
/// eight passes of 8 bits, whose 16 KB of counters cost nothing to clear (the 16-bit passes' 2 MB of counters were
/// cleared and faulted in again for every draft of a batch: a fifth of the run on 7,135 article files). Passes whose
/// digit is the same in every key are skipped. For the millions of shingle keys of a large draft it is several times
/// faster than `sort()`.
enum RadixSort {
    /// Sorts `a`; with `fromDigit` d > 0, by the bits above the lowest 16·d only (the passes are stable, so keys
    /// equal in those bits keep their order: a caller whose keys come in order of their low bits skips those passes).
    static func sort(_ a: inout [UInt64], fromDigit: Int = 0) {
        let n = a.count
        guard n > 256 else { a.sort(); return }
        if n < 65_536 { sort8(&a, fromDigit: 2 * fromDigit); return }
        var buffer = [UInt64](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 65_536 * 4)
        a.withUnsafeBufferPointer { src in
            counts.withUnsafeMutableBufferPointer { c in
                for k in src { for d in 0..<4 { c[d << 16 | Int((k >> (16 * UInt64(d))) & 0xFFFF)] += 1 } }
            }
        }
        var inA = true
        for d in fromDigit..<4 {
            let base = d << 16
            // Every key has the same digit: nothing to move.
            let first = Int((a[0] >> (16 * UInt64(d))) & 0xFFFF)
            if counts[base + first] == n { continue }
            var sum = 0
            for v in 0..<65_536 { let c = counts[base + v]; counts[base + v] = sum; sum += c }
            let shift = UInt64(16 * d)
            counts.withUnsafeMutableBufferPointer { c in
                a.withUnsafeMutableBufferPointer { pa in
                    buffer.withUnsafeMutableBufferPointer { pb in
                        let (from, to) = inA ? (pa, pb) : (pb, pa)
                        for k in from {
                            let slot = base + Int((k >> shift) & 0xFFFF)
                            to[c[slot]] = k
                            c[slot] += 1
                        }
                    }
                }
            }
            inA.toggle()
        }
        if !inA { a = buffer }
    }

    /// The same with 8-bit digits (`fromDigit` counts 8-bit digits), for inputs of fewer than 65,536 keys, and for
    /// keys of any width (the duplicates pack's 32-bit pair keys).
    static func sort8<K: FixedWidthInteger & UnsignedInteger>(_ a: inout [K], fromDigit: Int = 0) {
        let n = a.count
        guard n > 0 else { return }
        let digits = K.bitWidth / 8
        var buffer = [K](repeating: 0, count: n)
        var counts = [Int32](repeating: 0, count: 256 * digits)
        a.withUnsafeBufferPointer { src in
            counts.withUnsafeMutableBufferPointer { c in
                for k in src { for d in 0..<digits { c[d << 8 | Int(truncatingIfNeeded: (k >> (8 * d)) & 0xFF)] += 1 } }
            }
        }
        let inA = passes(&a, &buffer, &counts, digits: (fromDigit..<digits).map { ($0 << 8, 8 * $0) })
        if !inA { a = buffer }
    }

    /// One stable counting pass of 8-bit digits per `digits` entry (where its counts start in `counts`, its
    /// shift), a digit every key has alike skipped; the keys go back and forth between `a` and `buffer`.
    /// Returns whether they end in `a`.
    @inline(__always)
    private static func passes<K: FixedWidthInteger & UnsignedInteger>(_ a: inout [K], _ buffer: inout [K], _ counts: inout [Int32],
                                                                      digits: [(base: Int, shift: Int)]) -> Bool {
        let n = a.count
        var inA = true
        counts.withUnsafeMutableBufferPointer { c in
            a.withUnsafeMutableBufferPointer { pa in
                buffer.withUnsafeMutableBufferPointer { pb in
                    for (base, shift) in digits {
                        if Int(c[base + Int(truncatingIfNeeded: (pa[0] >> shift) & 0xFF)]) == n { continue }
                        var sum: Int32 = 0
                        for v in 0..<256 { let x = c[base + v]; c[base + v] = sum; sum += x }
                        let (from, to) = inA ? (pa, pb) : (pb, pa)
                        for k in from {
                            let slot = base + Int(truncatingIfNeeded: (k >> shift) & 0xFF)
                            to[Int(c[slot])] = k
                            c[slot] += 1
                        }
                        inA.toggle()
                    }
                }
            }
        }
        return inA
    }

    /// The same order as `sort(&a, fromDigit: 1)` (stable by the bits above the lowest 16), found with fewer
    /// passes: a stable LSD sort by the top 24 bits (three 8-bit digits, a digit that is the same in every key
    /// skipped), then each run of keys equal in those bits — nearly always a single hash, already in order — put in
    /// order by the bits above the lowest 16, stably. The duplicate rules' shingle keys are hashes: keys that share
    /// their top 24 bits but differ below are rare, so the second step mostly only reads the keys.
    static func sortAboveLow16(_ a: inout [UInt64]) {
        let n = a.count
        guard n > 256, n < Int(Int32.max) else { sort(&a, fromDigit: 1); return }
        var buffer = [UInt64](repeating: 0, count: n)
        var counts = [Int32](repeating: 0, count: 256 * 3)
        a.withUnsafeBufferPointer { src in
            counts.withUnsafeMutableBufferPointer { c in
                for k in src {
                    c[Int(truncatingIfNeeded: (k >> 40) & 0xFF)] += 1
                    c[256 | Int(truncatingIfNeeded: (k >> 48) & 0xFF)] += 1
                    c[512 | Int(truncatingIfNeeded: k >> 56)] += 1
                }
            }
        }
        let inA = passes(&a, &buffer, &counts, digits: [(0, 40), (256, 48), (512, 56)])
        if !inA { swap(&a, &buffer) }
        a.withUnsafeMutableBufferPointer { p in
            var r = 0
            while r < n {
                let top = p[r] >> 40
                var e = r + 1, sorted = true
                while e < n && p[e] >> 40 == top {
                    if p[e] >> 16 < p[e - 1] >> 16 { sorted = false }
                    e += 1
                }
                if !sorted {
                    if e - r <= 64 {
                        // Insertion sort: stable (a key moves only past keys greater in the compared bits).
                        for i in (r + 1)..<e {
                            let k = p[i]
                            var j = i
                            while j > r && p[j - 1] >> 16 > k >> 16 { p[j] = p[j - 1]; j -= 1 }
                            p[j] = k
                        }
                    } else {
                        // A long run (hashes that collide in their top bits): by the compared bits, then by place.
                        let run = (r..<e).map { (p[$0], $0) }.sorted { ($0.0 >> 16, $0.1) < ($1.0 >> 16, $1.1) }
                        for (i, x) in run.enumerated() { p[r + i] = x.0 }
                    }
                }
                r = e
            }
        }
    }
}
