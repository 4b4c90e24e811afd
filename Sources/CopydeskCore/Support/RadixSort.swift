/// LSD radix sort of 64-bit keys (four passes of 16 bits; passes whose digit is the same in every key are
/// skipped). For the millions of shingle keys of a large draft it is several times faster than `sort()`.
enum RadixSort {
    /// Sorts `a`; with `fromDigit` d > 0, by the bits above the lowest 16·d only (the passes are stable, so keys
    /// equal in those bits keep their order: a caller whose keys come in order of their low bits skips those passes).
    static func sort(_ a: inout [UInt64], fromDigit: Int = 0) {
        let n = a.count
        guard n > 256 else { a.sort(); return }
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
}
