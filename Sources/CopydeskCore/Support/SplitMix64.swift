/// SplitMix64: a small seeded generator with the same sequence on every platform, for reproducible random tests,
/// fuzz seeds and generated benchmark corpora.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// 0 ..< n.
    public mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    public mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + int(r.count) }
    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
    public mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
}
