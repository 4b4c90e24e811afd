import CMinHash

/// The stable fingerprint of one paragraph, for finding duplicates across files (and, later, against an archive of
/// published stories). Every number in it is the same in every process and on every machine: no use of Swift's
/// seeded `Hasher`.
///
/// Definition (scheme version 1):
/// - **Text**: the paragraph normalised as `DuplicateUnits` describes (full-width ASCII folded, Latin lower-cased,
///   only Han, kana, hangul, Latin letters and digits kept), as Unicode scalars `c₀ c₁ …`.
/// - **exact**: 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over the UTF-8 of that text.
/// - **numbers**: FNV-1a 64 over the FNV-1a 64 values (8 bytes little-endian each) of its runs of ASCII digits, in
///   order; the basis alone when there are none.
/// - **Shingles**: every run of k = 5 characters (the whole text when shorter); a shingle's hash is
///   `mix64(Σᵢ cᵢ · P^(k−1−i) mod 2⁶⁴)` with P = 0x100000001b3 and `mix64` the SplitMix64 finaliser.
/// - **MinHash**: 120 permutations. For a shingle hash h let x = UInt32(truncating: h ⊕ (h >> 32)); permutation i
///   maps it to `v = aᵢ·x + bᵢ mod 2³²; v ⊕ (v >> 15)`, where (aᵢ | 1, bᵢ) are the low 32 bits of successive
///   SplitMix64 outputs from seed 0x636f70796465736b ("copydesk"), a first and b second. The signature keeps each
///   permutation's minimum (0xffffffff for an empty text).
/// - **LSH bands**: 20 bands of 6 rows (threshold ≈ (1/20)^(1/6) ≈ 0.61: pairs with Jaccard 0.8 become candidates
///   with probability 0.998). Band key j = FNV-1a 64 over the byte j followed by its 6 minima as 4 bytes
///   little-endian each.
/// - **Encoding** (`encoded`, 514 bytes, little-endian): "CDFP", version (1 byte), k (1), permutations
///   (2), bands (1), rows (1), then exact (8), numbers (8), Han count (4), shingle count (4), and the 120 minima (4
///   each). An archive stores it per paragraph and indexes the band keys (`bandKeys()`), a table
///   `(band, key, paragraph)` as datasketch keeps one per band.
public struct Fingerprint: Sendable, Hashable {
    public static let version: UInt8 = 1
    public static let permutations = 120
    public static let bands = 20
    public static let rows = 6
    static let seed: UInt64 = 0x636F_7079_6465_736B

    public var exact: UInt64
    public var numbers: UInt64
    public var hanCount: UInt32
    public var shingleCount: UInt32
    public var signature: [UInt32]

    /// The fingerprint of a normalised text (`shingles`: its sorted distinct shingle hashes).
    init(normalized: ArraySlice<UInt32>, han: Int, exact: UInt64, numbers: [UInt64], shingles: [UInt64]) {
        self.exact = exact
        self.numbers = Fingerprint.numbersHash(numbers)
        hanCount = UInt32(han)
        shingleCount = UInt32(shingles.count)
        signature = Fingerprint.minHash(shingles)
    }

    /// From its parts (the batch works out the signature and the count from the unsorted shingles).
    init(exact: UInt64, numbers: [UInt64], han: Int, shingleCount: Int, signature: [UInt32]) {
        self.exact = exact
        self.numbers = Fingerprint.numbersHash(numbers)
        hanCount = UInt32(han)
        self.shingleCount = UInt32(shingleCount)
        self.signature = signature
    }

    public init(text: String) {
        let doc = Document(path: "fingerprint.txt", source: SourceText(text), format: .plainText, role: .body)
        let u = DuplicateUnits.extract(doc, scope: .body)
        var all: [UInt32] = []
        var numbers: [UInt64] = []
        var han = 0
        var h = DuplicateUnits.fnvBasis
        for (i, p) in u.paragraphs.enumerated() {
            all += u.normalized(i); numbers += u.numbers(i); han += p.han
        }
        for c in all { DuplicateUnits.fnv(&h, c) }
        self.init(normalized: all[...], han: han, exact: h, numbers: numbers, shingles: DuplicateUnits.shingles(all[...]))
    }

    static func numbersHash(_ numbers: some Sequence<UInt64>) -> UInt64 {
        var h = DuplicateUnits.fnvBasis
        for n in numbers { for k in 0..<8 { h ^= (n >> (8 * UInt64(k))) & 0xFF; h = h &* 0x0000_0100_0000_01B3 } }
        return h
    }

    @inline(__always) static func mix64(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always) static func shingleHash(_ p: UnsafeBufferPointer<UInt32>, _ start: Int, _ k: Int) -> UInt64 {
        var h: UInt64 = 0
        for i in start..<(start + k) { h = h &* 0x0000_0100_0000_01B3 &+ UInt64(p[i]) }
        return mix64(h)
    }

    /// The permutations' (a, b) as 15 vectors of 8.
    static let coefficients: (a: [SIMD8<UInt32>], b: [SIMD8<UInt32>]) = {
        var s = seed
        func next() -> UInt64 {
            s = s &+ 0x9E37_79B9_7F4A_7C15
            return mix64(s)
        }
        var a = [UInt32](), b = [UInt32]()
        for _ in 0..<permutations { a.append(UInt32(truncatingIfNeeded: next()) | 1); b.append(UInt32(truncatingIfNeeded: next())) }
        func vectors(_ v: [UInt32]) -> [SIMD8<UInt32>] {
            stride(from: 0, to: v.count, by: 8).map { SIMD8<UInt32>(v[$0..<($0 + 8)]) }
        }
        return (vectors(a), vectors(b))
    }()

    /// The signature of `shingles` (repeats allowed: they do not change a minimum). Each vector of eight
    /// permutations is taken over all the shingles in turn, so its minima stay in registers (the loop the other way
    /// round loaded and stored the fifteen vectors of minima for every shingle).
    /// Where the CPU has AVX2, `CMinHash` works them out (eight multiplies and minima an instruction; the default
    /// x86-64 target has only SSE2, where each takes about six); otherwise `portableMinHash`. The same numbers.
    static func minHash(_ shingles: [UInt64]) -> [UInt32] {
        var xs = [UInt32](repeating: 0, count: shingles.count)
        for (i, h) in shingles.enumerated() { xs[i] = UInt32(truncatingIfNeeded: h ^ (h >> 32)) }
        var out = [UInt32](repeating: .max, count: permutations)
        let done = out.withUnsafeMutableBufferPointer { o in
            xs.withUnsafeBufferPointer { x in
                flatCoefficients.a.withUnsafeBufferPointer { a in
                    flatCoefficients.b.withUnsafeBufferPointer { b in
                        copydesk_minhash_avx2(x.baseAddress, x.count, a.baseAddress, b.baseAddress, permutations, o.baseAddress) == 1
                    }
                }
            }
        }
        return done ? out : portableMinHash(xs)
    }

    /// The permutations' (a, b) as two arrays of 120.
    static let flatCoefficients: (a: [UInt32], b: [UInt32]) = (coefficients.a.flatMap { v in (0..<8).map { v[$0] } },
                                                               coefficients.b.flatMap { v in (0..<8).map { v[$0] } })

    /// `minHash` in Swift's 8-lane vectors, from the shingles' 32-bit folds `xs`.
    static func portableMinHash(_ xs: [UInt32]) -> [UInt32] {
        let (a, b) = coefficients
        let n = permutations / 8
        var out = [UInt32](repeating: .max, count: permutations)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                xs.withUnsafeBufferPointer { xp in
                    for k in 0..<n {
                        let ak = a[k], bk = b[k]
                        var m0 = SIMD8<UInt32>(repeating: .max), m1 = m0
                        var i = 0
                        // Two shingles a step: two independent chains of minima.
                        while i + 1 < xp.count {
                            var v0 = ak &* SIMD8<UInt32>(repeating: xp[i]) &+ bk
                            var v1 = ak &* SIMD8<UInt32>(repeating: xp[i + 1]) &+ bk
                            v0 ^= v0 &>> 15; v1 ^= v1 &>> 15
                            m0 = pointwiseMin(m0, v0); m1 = pointwiseMin(m1, v1)
                            i += 2
                        }
                        if i < xp.count {
                            var v = ak &* SIMD8<UInt32>(repeating: xp[i]) &+ bk
                            v ^= v &>> 15
                            m0 = pointwiseMin(m0, v)
                        }
                        let m = pointwiseMin(m0, m1)
                        for l in 0..<8 { out[8 * k + l] = m[l] }
                    }
                }
            }
        }
        return out
    }

    /// One key per band (see the type's documentation).
    public func bandKeys() -> [UInt64] { Fingerprint.bandKeys(signature) }

    /// The band keys of a signature.
    static func bandKeys(_ signature: [UInt32]) -> [UInt64] {
        (0..<Fingerprint.bands).map { band in
            var h = DuplicateUnits.fnvBasis
            func byte(_ x: UInt32) { h ^= UInt64(x & 0xFF); h = h &* 0x0000_0100_0000_01B3 }
            byte(UInt32(band))
            for r in 0..<Fingerprint.rows {
                let v = signature[band * Fingerprint.rows + r]
                byte(v); byte(v >> 8); byte(v >> 16); byte(v >> 24)
            }
            return h
        }
    }

    /// The Jaccard similarity the signatures estimate (share of equal minima).
    public func estimatedJaccard(_ other: Fingerprint) -> Double {
        var n = 0
        for i in 0..<Fingerprint.permutations where signature[i] == other.signature[i] { n += 1 }
        return Double(n) / Double(Fingerprint.permutations)
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = Array("CDFP".utf8)
        out += [Fingerprint.version, UInt8(DuplicateUnits.shingleSize), UInt8(Fingerprint.permutations & 0xFF),
                UInt8(Fingerprint.permutations >> 8), UInt8(Fingerprint.bands), UInt8(Fingerprint.rows)]
        func put<T: FixedWidthInteger>(_ v: T) { for k in 0..<(T.bitWidth / 8) { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        put(exact); put(numbers); put(hanCount); put(shingleCount)
        for v in signature { put(v) }
        return out
    }

    /// Reads `encoded()`; nil for anything else (another scheme version or other parameters included).
    public init?(encoded b: [UInt8]) {
        let header: [UInt8] = Array("CDFP".utf8) + [Fingerprint.version, UInt8(DuplicateUnits.shingleSize),
                                                     UInt8(Fingerprint.permutations & 0xFF), UInt8(Fingerprint.permutations >> 8),
                                                     UInt8(Fingerprint.bands), UInt8(Fingerprint.rows)]
        guard b.count == header.count + 24 + 4 * Fingerprint.permutations, Array(b[0..<header.count]) == header else { return nil }
        var i = header.count
        func get<T: FixedWidthInteger>(_: T.Type) -> T {
            var v: T = 0
            for k in 0..<(T.bitWidth / 8) { v |= T(b[i + k]) << (8 * k) }
            i += T.bitWidth / 8
            return v
        }
        exact = get(UInt64.self); numbers = get(UInt64.self); hanCount = get(UInt32.self); shingleCount = get(UInt32.self)
        signature = (0..<Fingerprint.permutations).map { _ in get(UInt32.self) }
    }
}
