import Foundation

/// A buffered writer of bytes to a file descriptor: reports are written through one 64 KB buffer instead of one
/// `write(2)` (and one `Data`) per string. `flush()` before anything else writes to the same descriptor.
public final class ByteSink: @unchecked Sendable {
    public let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    /// The first write error (errno), if any; later writes are dropped.
    public private(set) var failure: Int32 = 0
    /// Bytes written so far (flushed or not).
    public private(set) var count = 0

    public init(fd: Int32, capacity: Int = 1 << 16) {
        self.fd = fd
        self.capacity = capacity
        buffer.reserveCapacity(capacity + 4096)
    }

    public func write(_ s: String) {
        var s = s
        s.withUTF8 { write(bytes: $0) }
    }

    public func write(bytes: [UInt8]) { bytes.withUnsafeBufferPointer { write(bytes: $0) } }

    public func write(bytes: ArraySlice<UInt8>) { bytes.withUnsafeBufferPointer { write(bytes: $0) } }

    public func write(bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.count >= capacity {
            // A large piece goes out as it is (after what is buffered), not through the buffer.
            flush()
            count += bytes.count
            writeAll(UnsafeRawBufferPointer(bytes))
            return
        }
        count += bytes.count
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    /// Appends what `body` writes into the sink's buffer itself (the stream writers build JSON there directly).
    public func append(_ body: (inout [UInt8]) -> Void) {
        let before = buffer.count
        body(&buffer)
        count += buffer.count - before
        if buffer.count >= capacity { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        buffer.withUnsafeBytes { writeAll($0) }
    }

    private func writeAll(_ p: UnsafeRawBufferPointer) {
        guard failure == 0, p.count > 0 else { return }
        var done = 0
        while done < p.count {
            let n = Foundation.write(fd, p.baseAddress! + done, p.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                return
            }
            done += n
        }
    }

    deinit { flush() }
}

/// Buffers for blocks of one report rendered on several cores, kept from one wave of blocks to the next: a fresh
/// array per block is a fresh mapping of memory and its page faults every time. Each index is used by one task
/// at a time (raw storage: no exclusivity check between the tasks, which touch different buffers).
final class BlockBuffers: @unchecked Sendable {
    let count: Int
    private let p: UnsafeMutablePointer<[UInt8]>
    init(_ n: Int) { count = n; p = .allocate(capacity: n); p.initialize(repeating: [], count: n) }
    deinit { p.deinitialize(count: count); p.deallocate() }
    /// Empties buffer `k` (keeping its memory) and lets `body` fill it.
    func fill(_ k: Int, _ body: (inout [UInt8]) -> Void) {
        p[k].removeAll(keepingCapacity: true)
        body(&p[k])
    }
    subscript(k: Int) -> [UInt8] { p[k] }

    /// How many cores a report of `count` findings is rendered on: nil below four blocks or on one core (then it
    /// is rendered in one pass).
    static func workers(forFindings count: Int, block: Int) -> Int? {
        let workers = Parallel.chunks(forBytes: count * 64)
        return workers > 1 && count >= 4 * block ? workers : nil
    }

    /// Renders items `0..<count` in blocks of `block`, a wave of `2 × workers` blocks at a time: `beforeWave` gets
    /// the wave's blocks (on this thread, in order), `render` fills block `k` of the wave into its buffer (on every
    /// core), then `write` gets each block's bytes in order. The bytes are those of one pass over the items.
    static func render(count: Int, block: Int, workers: Int, beforeWave: ([Range<Int>]) -> Void = { _ in },
                       render: (_ k: Int, _ items: Range<Int>, _ out: inout [UInt8]) -> Void, write: ([UInt8]) -> Void) {
        let buffers = BlockBuffers(2 * workers)
        let blocks = (count + block - 1) / block
        var b = 0
        while b < blocks {
            let wave = (0..<min(2 * workers, blocks - b)).map { k in ((b + k) * block)..<min(count, (b + k + 1) * block) }
            beforeWave(wave)
            _ = Parallel.map(wave.count) { k -> Bool in
                buffers.fill(k) { render(k, wave[k], &$0) }
                return true
            }
            for k in wave.indices { write(buffers[k]) }
            b += wave.count
        }
    }
}

/// JSON written straight as UTF-8 bytes, the same bytes `JSON.string`/`JSON.object` make (no `String` per value).
enum JSONBytes {
    @inline(__always) static func ascii(_ out: inout [UInt8], _ s: StaticString) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    static func int(_ out: inout [UInt8], _ v: Int) {
        if v < 0 { out.append(0x2D); int(&out, -v); return }
        if v < 10 { out.append(UInt8(0x30 + v)); return }
        // Digits from the end into a small buffer, then one append.
        var buf: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buf) { b in
            var i = b.count, x = UInt(v)
            repeat { i -= 1; b[i] = UInt8(0x30 + x % 10); x /= 10 } while x > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[i...]))
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Bytes that may need escaping (quote, backslash, controls, the lead byte of U+2028/U+2029): every other byte
    /// is copied as it is, found by one table look-up each.
    private static let special: [Bool] = (0..<256).map { b in b < 0x20 || b == 0x22 || b == 0x5C || b == 0xE2 }

    /// A JSON string literal, escaped as `JSON.string` escapes it.
    static func string(_ out: inout [UInt8], _ s: String) {
        out.append(0x22)
        var s = s
        special.withUnsafeBufferPointer { special in
        s.withUTF8 { p in
            var i = 0
            var run = 0
            let n = p.count
            while i < n {
                let b = p[i]
                if !special[Int(b)] { i += 1; continue }
                var esc: (UInt8, UInt8)? = nil
                var long = false
                switch b {
                case 0x22: esc = (0x5C, 0x22)
                case 0x5C: esc = (0x5C, 0x5C)
                case 0x0A: esc = (0x5C, 0x6E)
                case 0x0D: esc = (0x5C, 0x72)
                case 0x09: esc = (0x5C, 0x74)
                case 0xE2 where i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9): long = true
                default: if b < 0x20 { long = true }
                }
                if esc == nil && !long { i += 1; continue }
                if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[run..<i])) }
                if let (a, c) = esc { out.append(a); out.append(c); i += 1 } else {
                    let v: Int
                    if b == 0xE2 { v = p[i + 2] == 0xA8 ? 0x2028 : 0x2029; i += 3 } else { v = Int(b); i += 1 }
                    ascii(&out, "\\u")
                    out.append(hex[(v >> 12) & 15]); out.append(hex[(v >> 8) & 15]); out.append(hex[(v >> 4) & 15]); out.append(hex[v & 15])
                }
                run = i
            }
            if run < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[run..<n])) }
        }
        }
        out.append(0x22)
    }
}

