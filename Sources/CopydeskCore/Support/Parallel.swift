import Foundation

#if os(Linux)
@_silgen_name("sched_getaffinity") private func cSchedGetAffinity(_ pid: Int32, _ size: Int, _ mask: UnsafeMutableRawPointer) -> Int32
#endif

/// Work on one large document spread over the cores: the text is cut into chunks at segment, line or block
/// boundaries, each chunk is worked on alone, and the results are put back in order. Small inputs stay on the
/// calling thread (a dispatch costs more than scanning a few kilobytes).
enum Parallel {
    /// Bytes below which a document is worked on by one thread.
    nonisolated(unsafe) static var threshold = 1 << 18
    /// At most this many chunks (set to 1 to measure one core). Two at least, on one core too: a large text's
    /// findings then come in several lists, each let go as soon as its findings are diagnostics. Cut in one chunk,
    /// a 25 MB page held all its findings beside all its diagnostics: bound to one core with the core count read
    /// from the affinity (`taskset -c 0`), as on a one-CPU runner, `lint --fix` of the 24.8 MB web news peaked at
    /// 102 MiB and `lint --diff` at 101 against 94 and 93 in two chunks (limit 97), in the same time.
    nonisolated(unsafe) static var maxChunks = min(8, max(2, cores))

    /// The cores this process may run on: Foundation's count, or fewer when the process is bound to fewer
    /// (`taskset`, a cpuset: Foundation counts the machine's).
    static let cores: Int = {
        let active = max(1, ProcessInfo.processInfo.activeProcessorCount)
        #if os(Linux)
        var mask = [UInt64](repeating: 0, count: 16)   // 1,024 CPUs
        if mask.withUnsafeMutableBytes({ cSchedGetAffinity(0, $0.count, $0.baseAddress!) }) == 0 {
            let bound = mask.reduce(0) { $0 + $1.nonzeroBitCount }
            if bound > 0 { return min(active, bound) }
        }
        #endif
        return active
    }()

    /// Limits for the current task only (tests lower the threshold to run small texts in chunks; setting the
    /// globals instead would race with the other tests, which run concurrently and read them).
    struct Limits: Sendable {
        var threshold: Int
        var maxChunks: Int
    }
    @TaskLocal static var limits: Limits? = nil

    /// How many chunks `bytes` of work deserve.
    /// `perCore`: chunks per core (more, smaller chunks when other work runs beside them).
    static func chunks(forBytes bytes: Int, perCore: Int = 1) -> Int {
        let (threshold, maxChunks) = limits.map { ($0.threshold, $0.maxChunks) } ?? (Parallel.threshold, Parallel.maxChunks)
        guard bytes >= threshold, maxChunks > 1 else { return 1 }
        return max(1, min(maxChunks * perCore, bytes / (threshold / 2)))
    }

    /// `body(0..<n)` concurrently, results in index order.
    static func map<T>(_ n: Int, _ body: (Int) -> T) -> [T] {
        if n <= 1 { return (0..<n).map(body) }
        let slots = Slots<T>(n)
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: n) { i in slots.set(i, box.value(i)) }
        }
        return slots.values()
    }

    /// Splits `0..<count` into `n` ranges whose weights (`weight(i)`, e.g. bytes) are about equal.
    static func split(_ count: Int, into n: Int, weight: (Int) -> Int) -> [Range<Int>] {
        guard n > 1, count > 1 else { return [0..<count] }
        var total = 0
        for i in 0..<count { total += weight(i) }
        var out: [Range<Int>] = []
        var start = 0, acc = 0
        for i in 0..<count {
            acc += weight(i)
            if out.count < n - 1 && acc * n >= total * (out.count + 1) && i + 1 < count {
                out.append(start..<(i + 1)); start = i + 1
            }
        }
        out.append(start..<count)
        return out
    }
}

/// Knobs for measuring: how many threads may work on one large document (1: one core).
public enum Tuning {
    public static var threadsPerDocument: Int {
        get { Parallel.maxChunks }
        set { Parallel.maxChunks = max(1, newValue) }
    }
}

/// One slot per chunk, each written by exactly one thread.
private final class Slots<T>: @unchecked Sendable {
    private var items: [T?]
    private let lock = NSLock()
    init(_ n: Int) { items = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ v: T) { lock.lock(); items[i] = v; lock.unlock() }
    func values() -> [T] { items.map { $0! } }
}

private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
