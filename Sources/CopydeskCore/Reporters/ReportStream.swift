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

    /// With `fd` -1: what is written is kept in `collected` (a document rendered whole by its stream writer).
    public private(set) var collected: [UInt8] = []

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
        if fd < 0 { collected.append(contentsOf: p); return }
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

    /// Renders items `0..<count` in blocks of `block` on `workers` threads, each taking the next block as soon as
    /// it is free (no wave to wait for), into `2 × workers` buffers used in turn; `render(k, items, out)` gets
    /// the worker's number `k` (what it may use alone: a locator) and fills `out`. Finished blocks are handed to
    /// `write` in order, by the worker that finishes the next one to write, while the others go on rendering (one
    /// writer at a time, without the lock). A worker waits only when every buffer is rendered and not yet written.
    /// The bytes are those of one pass over the items.
    static func renderPipelined(count: Int, block: Int, workers: Int,
                                render: (_ k: Int, _ items: Range<Int>, _ out: inout [UInt8]) -> Void, write: ([UInt8]) -> Void) {
        renderPipelined(count: count, block: block, workers: workers, before: { _, _ in () }, inOrder: { _, _ in },
                        render: { k, items, _, out in render(k, items, &out) }, write: write)
    }

    /// `renderPipelined` with two steps before a block is rendered: `before(k, items)`, on the worker (the
    /// block's fingerprints), then `inOrder(items, &value)`, one block at a time in block order (numbering the
    /// repeats of fingerprints), while the other workers go on with their blocks; `render` gets the value.
    static func renderPipelined<T>(count: Int, block: Int, workers: Int,
                                   before: (_ k: Int, _ items: Range<Int>) -> T,
                                   inOrder: (_ items: Range<Int>, _ value: inout T) -> Void,
                                   render: (_ k: Int, _ items: Range<Int>, _ value: T, _ out: inout [UInt8]) -> Void,
                                   write: ([UInt8]) -> Void) {
        let ring = 2 * workers
        let buffers = BlockBuffers(ring)
        let blocks = (count + block - 1) / block
        let state = PipelineState(ring)
        withoutActuallyEscaping(before) { before in
        withoutActuallyEscaping(inOrder) { inOrder in
        withoutActuallyEscaping(render) { render in
        withoutActuallyEscaping(write) { write in
            let calls = UncheckedPair((before, inOrder), (render, write))
            DispatchQueue.concurrentPerform(iterations: max(1, min(workers, blocks))) { k in
                let (before, inOrder) = calls.a, (render, write) = calls.b
                while true {
                    state.lock.lock()
                    let b = state.next
                    guard b < blocks else { state.lock.unlock(); break }
                    state.next += 1
                    while b - state.written >= ring { state.lock.wait() }
                    state.lock.unlock()
                    let items = (b * block)..<min(count, (b + 1) * block)
                    var value = before(k, items)
                    // The in-order step: after the block before this one's (only this worker runs it now).
                    state.lock.lock()
                    while state.ordered != b { state.lock.wait() }
                    state.lock.unlock()
                    inOrder(items, &value)
                    state.lock.lock()
                    state.ordered += 1
                    state.lock.broadcast()
                    state.lock.unlock()
                    buffers.fill(b % ring) { render(k, items, value, &$0) }
                    state.lock.lock()
                    state.done[b % ring] = true
                    // The next block to write is done and nobody writes: write it and those done after it.
                    if !state.writing {
                        state.writing = true
                        while state.written < blocks && state.done[state.written % ring] {
                            let slot = state.written % ring
                            state.lock.unlock()
                            write(buffers[slot])
                            state.lock.lock()
                            state.done[slot] = false
                            state.written += 1
                            state.lock.broadcast()
                        }
                        state.writing = false
                    }
                    state.lock.unlock()
                }
            }
        }
        }
        }
        }
    }
}

/// Where `BlockBuffers.renderPipelined` stands: the next block to take, how many are written and how many went
/// through the in-order step, which buffers hold a finished block, whether a worker is writing. Read and changed
/// under `lock`.
private final class PipelineState: @unchecked Sendable {
    let lock = NSCondition()
    var next = 0, written = 0, ordered = 0
    var done: [Bool]
    var writing = false
    init(_ ring: Int) { done = [Bool](repeating: false, count: ring) }
}

/// Two closures the caller promises may be called from several threads (each worker renders with its own
/// resources; `write` is called by one thread at a time, in order).
private struct UncheckedPair<A, B>: @unchecked Sendable {
    let a: A, b: B
    init(_ a: A, _ b: B) { self.a = a; self.b = b }
}

/// The first bytes of a finding's object that depend only on its rule, severity and message (and the file being
/// written), kept for the last eight such triples: a file's findings come mostly from a few rules, and those bytes
/// (the rule id, the level, the escaped message) are then copied instead of written field by field again.
struct HeadCache {
    private var rules: [String] = [], messages: [String] = [], severities: [Severity] = []
    private var heads: [[UInt8]] = []
    private var labels: [ObjectIdentifier] = []
    private var next = 0

    /// Appends `d`'s head: a copy of the one kept for its rule, severity and message, else what `make` writes.
    mutating func append(_ out: inout [UInt8], _ d: Diagnostic, _ make: (inout [UInt8]) -> Void) {
        for i in rules.indices where severities[i] == d.severity && rules[i] == d.ruleID && messages[i] == d.message {
            out += heads[i]
            return
        }
        let start = out.count
        make(&out)
        let head = Array(out[start...])
        keep(d, head)
    }

    /// `append` into a `ByteWriter` (the head made in an array, on a miss only).
    mutating func put(_ w: inout ByteWriter, _ d: UnsafePointer<Diagnostic>, _ make: (inout [UInt8]) -> Void) {
        // The same label (most findings share their rule's): no strings compared.
        let id = d.pointee.labelIdentity, severity = d.pointee.severity
        for i in labels.indices where labels[i] == id && severities[i] == severity {
            w.put(heads[i])
            return
        }
        for i in rules.indices where severities[i] == d.pointee.severity && rules[i] == d.pointee.ruleID
            && messages[i] == d.pointee.message {
            w.put(heads[i])
            return
        }
        var head: [UInt8] = []
        make(&head)
        w.put(head)
        keep(d.pointee, head)
    }

    private mutating func keep(_ d: Diagnostic, _ head: [UInt8]) {
        if rules.count < 8 {
            rules.append(d.ruleID); messages.append(d.message); severities.append(d.severity); heads.append(head)
            labels.append(d.labelIdentity)
        } else {
            rules[next] = d.ruleID; messages[next] = d.message; severities[next] = d.severity; heads[next] = head
            labels[next] = d.labelIdentity
            next = (next + 1) & 7
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
        stringBody(&out, s)
        out.append(0x22)
    }

    /// `string` without its quotes (escaping goes scalar by scalar: the body of a concatenation is the
    /// concatenation of the bodies).
    static func stringBody(_ out: inout [UInt8], _ s: String) {
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
    }
}


/// Byte arrays for the reports rendered ahead in the workers (`FileReport.rendered`), handed back once written:
/// a fresh array per file and format was fresh memory every time (malloc, and above 128 KB a mapping of its own
/// and its page faults; on the 7,135 article files SARIF's page faults were about a tenth of the run's time).
/// At most `keep` arrays of at most `maxCapacity` bytes are kept.
public final class RenderedBuffers: @unchecked Sendable {
    public static let shared = RenderedBuffers()
    private let lock = NSLock()
    private var free: [[UInt8]] = []
    private let keep = 8
    private let maxCapacity = 2 << 20

    /// An empty array with at least `minimumCapacity` bytes of room.
    public func take(minimumCapacity: Int = 0) -> [UInt8] {
        lock.lock()
        var b = free.popLast() ?? []
        lock.unlock()
        // Emptied here, not when given back: the one who gave it may still hold a copy until its call returns
        // (the emitter's result), and emptying a shared array would allocate a new one.
        b.removeAll(keepingCapacity: true)
        if b.capacity < minimumCapacity { b.reserveCapacity(minimumCapacity) }
        return b
    }

    /// Gives `b` back for a later `take` (its memory is reused).
    public func give(_ b: consuming [UInt8]) {
        guard b.capacity >= 4096, b.capacity <= maxCapacity else { return }
        lock.lock()
        if free.count < keep { free.append(b) }
        lock.unlock()
    }

    /// Gives back every array of `rendered` (emptied).
    public func give(_ rendered: inout [[UInt8]?]) {
        while let b = rendered.popLast() { if let b { give(b) } }
    }
}

/// A one-document format written as the run goes (GitHub annotations, checkstyle, Code Quality, JUnit, HTML): each
/// file's part as soon as the file is done, in input order, the rest by `finish`. The bytes are those of the
/// format's `Reporter.render` of the whole run; memory holds what the document's end needs (counts, interned
/// strings), not the run's findings. The run also writes its one-document reports through these at the end, when
/// it could not stream them (findings between files come after the last file).
public protocol DocumentStreamWriter: AnyObject {
    /// One file's report (after any baseline or changed-lines filtering), with its text when the format shows it.
    func add(_ f: FileReport)
    /// More findings of a file already added: the duplicates between files of the run, known only after the last
    /// file (a second part of that file, as the text report prints them; the file is not counted again).
    func addMore(_ f: FileReport)
    /// Ends the document: configuration errors and the files not linted because of them.
    func finish(configErrors: [ConfigError], notLinted: [String])
}

extension DocumentStreamWriter {
    /// Formats whose entries are findings, not files (a second part is more of the same).
    public func addMore(_ f: FileReport) { add(f) }
}

/// The repeat numbers of fingerprints (SARIF, Code Climate) carried from a file's first part to its second: a finding
/// between files with the same rule and line text as one already written in the file must not get its number again.
/// Only the findings of `rules` (those that can also come between files) are remembered, per file: a few.
struct RepeatCarry {
    var rules: Set<String> = []
    private var byPath: [String: [UInt64: Int]] = [:]

    /// Counts the fingerprints of `f`'s findings of `rules`.
    mutating func remember(_ f: FileReport, _ src: Locator) {
        guard !rules.isEmpty else { return }
        var seen: [UInt64: Int] = [:]
        for d in f.diagnostics where rules.contains(d.ruleID) {
            seen[src.fingerprintValue(ruleID: d.ruleID, offset: d.range.lowerBound), default: 0] += 1
        }
        if !seen.isEmpty { byPath[f.path] = seen }
    }

    /// The counts remembered for `path` (let go: a file has one second part).
    mutating func take(_ path: String) -> [UInt64: Int] { byPath.removeValue(forKey: path) ?? [:] }
}

extension OutputFormat {
    /// The writer of this format's document into `sink`, or nil for the formats written otherwise (text, and the
    /// JSON, SARIF and rdjson writers, which have their own rendering ahead). `configErrors`: known before any
    /// file (GitHub annotations list them first).
    public func documentWriter(sink: ByteSink, rules: [Rule], configErrors: [ConfigError],
                               baseDirectory: String? = FileManager.default.currentDirectoryPath) -> (any DocumentStreamWriter)? {
        switch self {
        case .github: return GitHubStreamWriter(sink: sink, configErrors: configErrors, baseDirectory: baseDirectory)
        case .checkstyle: return CheckstyleStreamWriter(sink: sink, baseDirectory: baseDirectory)
        case .codequality: return CodeQualityStreamWriter(sink: sink, baseDirectory: baseDirectory)
        case .junit: return JUnitStreamWriter(sink: sink, baseDirectory: baseDirectory)
        case .html: return HTMLStreamWriter(sink: sink, rules: rules, baseDirectory: baseDirectory)
        case .text, .json, .sarif, .rdjson, .rdjsonl: return nil
        }
    }
}

/// Escaping written straight as UTF-8 bytes, the same bytes as the `String` escapers of the formats.
enum EscapeBytes {
    /// `XML.escape(s, attribute:)`: `&`, `<`, `>`; in attribute values quotes, LF and tab as references; CR as a
    /// reference; other controls, U+FFFE and U+FFFF as U+FFFD.
    static func xml(_ out: inout [UInt8], _ s: String, attribute: Bool) {
        var s = s
        s.withUTF8 { xml(&out, $0, attribute: attribute) }
    }

    static func xml(_ out: inout [UInt8], _ p: UnsafeBufferPointer<UInt8>, attribute: Bool) {
        var run = 0, i = 0
        let n = p.count
        @inline(__always) func flush(_ upTo: Int) { if run < upTo { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[run..<upTo])) } }
        while i < n {
            let b = p[i]
            var rep: StaticString? = nil
            var skip = 1
            switch b {
            case 0x26: rep = "&amp;"
            case 0x3C: rep = "&lt;"
            case 0x3E: rep = "&gt;"
            case 0x22 where attribute: rep = "&quot;"
            case 0x27 where attribute: rep = "&apos;"
            case 0x0A where attribute: rep = "&#10;"
            case 0x09 where attribute: rep = "&#9;"
            case 0x0D: rep = "&#13;"
            case 0x0A, 0x09: break
            case 0xEF where i + 2 < n && p[i + 1] == 0xBF && (p[i + 2] == 0xBE || p[i + 2] == 0xBF):
                rep = "\u{FFFD}"; skip = 3
            default: if b < 0x20 { rep = "\u{FFFD}" }
            }
            if let rep {
                flush(i)
                rep.withUTF8Buffer { out.append(contentsOf: $0) }
                i += skip
                run = i
            } else {
                i += 1
            }
        }
        flush(n)
    }

    /// `GitHubReporter.escapeData` (`property: false`) or `escapeProperty`: `%`, CR, LF (and `:`, `,`) as `%XX`.
    static func github(_ out: inout [UInt8], _ s: String, property: Bool) {
        var s = s
        s.withUTF8 { p in
            var run = 0
            for i in 0..<p.count {
                let b = p[i]
                let rep: StaticString
                switch b {
                case 0x25: rep = "%25"
                case 0x0D: rep = "%0D"
                case 0x0A: rep = "%0A"
                case 0x3A where property: rep = "%3A"
                case 0x2C where property: rep = "%2C"
                default: continue
                }
                if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[run..<i])) }
                rep.withUTF8Buffer { out.append(contentsOf: $0) }
                run = i + 1
            }
            if run < p.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[run..<p.count])) }
        }
    }

    /// A JSON string literal as `JSONBytes.string` writes it, with `<` as `\u003c` (JSON inside an HTML `<script>`).
    static func jsonForScript(_ out: inout [UInt8], _ s: String) {
        var s = s
        s.withUTF8 { jsonForScript(&out, $0) }
    }

    static func jsonForScript(_ out: inout [UInt8], _ p: UnsafeBufferPointer<UInt8>) {
        out.append(0x22)
        var run = 0, i = 0
        let n = p.count
        while i < n {
            let b = p[i]
            guard b < 0x20 || b == 0x22 || b == 0x5C || b == 0x3C || b == 0xE2 else { i += 1; continue }
            var rep: StaticString? = nil
            var code = -1, skip = 1
            switch b {
            case 0x22: rep = "\\\""
            case 0x5C: rep = "\\\\"
            case 0x0A: rep = "\\n"
            case 0x0D: rep = "\\r"
            case 0x09: rep = "\\t"
            case 0x3C: code = 0x3C
            case 0xE2 where i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9):
                code = p[i + 2] == 0xA8 ? 0x2028 : 0x2029; skip = 3
            case 0xE2: break
            default: code = Int(b)
            }
            guard rep != nil || code >= 0 else { i += 1; continue }
            if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[run..<i])) }
            if let rep { rep.withUTF8Buffer { out.append(contentsOf: $0) } } else {
                let hex: StaticString = "0123456789abcdef"
                hex.withUTF8Buffer { h in
                    out.append(0x5C); out.append(0x75)
                    out.append(h[(code >> 12) & 15]); out.append(h[(code >> 8) & 15]); out.append(h[(code >> 4) & 15]); out.append(h[code & 15])
                }
            }
            i += skip
            run = i
        }
        if run < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[run..<n])) }
        out.append(0x22)
    }

    /// Appends `v` in decimal.
    @inline(__always) static func int(_ out: inout [UInt8], _ v: Int) { JSONBytes.int(&out, v) }

    @inline(__always) static func ascii(_ out: inout [UInt8], _ s: StaticString) { s.withUTF8Buffer { out.append(contentsOf: $0) } }
}
