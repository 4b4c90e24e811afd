import Foundation

/// A unified diff of two texts, for `--diff`: lines compared by a 64-bit hash and then their bytes, Myers' algorithm
/// on what lies between the common prefix and suffix while the edit distance stays small, and past that a greedy
/// walk that pairs each changed line with its replacement and resynchronises on the nearest equal lines (the
/// fixer's output: most changed lines are edited in place). Memory is linear in the lines (Myers' trace of every
/// step, kept for all of them, took 24 GB on a 25 MB page with 21k changed lines).
public enum UnifiedDiff {
    /// The diff as a string (empty when the texts are equal).
    public static func render(old: [UInt8], new: [UInt8], path: String, context: Int = 3) -> String {
        var out: [UInt8] = []
        render(old: old, new: new, path: path, context: context) { out.append(contentsOf: $0) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The diff written piece by piece (at most about 64 KB each) to `write`; returns whether the texts differ.
    @discardableResult
    public static func render(old: [UInt8], new: [UInt8], path: String, context: Int = 3,
                              write: (UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        let a = Lines(old), b = Lines(new)
        let ops = diff(a, b)
        guard ops.contains(where: { $0.kind != .same }) else { return false }
        var out: [UInt8] = []
        func flush(_ force: Bool) {
            guard force || out.count >= 1 << 16 else { return }
            out.withUnsafeBufferPointer { write($0) }
            out.removeAll(keepingCapacity: true)
        }
        out += "--- \(path)\n+++ \(path)\n".utf8
        // Group into hunks.
        var i = 0
        while i < ops.count {
            guard let firstChange = ops[i...].firstIndex(where: { $0.kind != .same }) else { break }
            let start = max(i, firstChange - context)
            var end = firstChange
            var lastChange = firstChange
            while end < ops.count {
                if ops[end].kind != .same { lastChange = end }
                if end - lastChange > 2 * context { break }
                end += 1
            }
            end = min(ops.count, lastChange + context + 1)
            let hunk = ops[start..<end]
            let oldStart = (hunk.first?.oldIndex ?? 0) + 1, newStart = (hunk.first?.newIndex ?? 0) + 1
            var oldCount = 0, newCount = 0
            for op in hunk { if op.kind != .insert { oldCount += 1 }; if op.kind != .delete { newCount += 1 } }
            out += "@@ -\(oldCount == 0 ? oldStart - 1 : oldStart),\(oldCount) +\(newCount == 0 ? newStart - 1 : newStart),\(newCount) @@\n".utf8
            for op in hunk {
                switch op.kind {
                case .same: out.append(0x20); show(a, op.oldIndex, into: &out)
                case .delete: out.append(0x2D); show(a, op.oldIndex, into: &out)
                case .insert: out.append(0x2B); show(b, op.newIndex, into: &out)
                }
                flush(false)
            }
            i = end
        }
        flush(true)
        return true
    }

    /// Line `k` of `lines` as the diff shows it. A line ended by a lone CR (old Mac files) is shown ended by LF: a
    /// bare CR would send the terminal back to the start of the line. A last line without a terminator gets the
    /// usual marker.
    static func show(_ lines: Lines, _ k: Int, into out: inout [UInt8]) {
        let r = lines.ranges[k]
        lines.text.withUnsafeBufferPointer { p in
            let line = UnsafeBufferPointer(rebasing: p[r])
            if line.last == 0x0D {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: line.dropLast()))
                out.append(0x0A)
                return
            }
            out.append(contentsOf: line)
            if line.last != 0x0A { out += "\n\\ No newline at end of file\n".utf8 }
        }
    }

    /// The lines of a text with their terminators (LF, CRLF or a lone CR), as ranges, each with a hash.
    struct Lines {
        let text: [UInt8]
        var ranges: [Range<Int>] = []
        var hashes: [UInt64] = []
        var count: Int { ranges.count }

        init(_ text: [UInt8]) {
            self.text = text
            text.withUnsafeBufferPointer { p in
                var start = 0
                func add(_ end: Int) {
                    var h: UInt64 = 0xcbf2_9ce4_8422_2325
                    for i in start..<end { h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01B3 }
                    ranges.append(start..<end); hashes.append(h)
                    start = end
                }
                var i = 0
                while i < p.count {
                    let c = p[i]
                    if c == 0x0A || (c == 0x0D && (i + 1 == p.count || p[i + 1] != 0x0A)) { add(i + 1) }
                    i += 1
                }
                if start < p.count { add(p.count) }
            }
        }
    }

    /// Whether line `i` of `a` and line `j` of `b` are the same bytes.
    @inline(__always) static func same(_ a: Lines, _ i: Int, _ b: Lines, _ j: Int) -> Bool {
        guard a.hashes[i] == b.hashes[j] else { return false }
        let ra = a.ranges[i], rb = b.ranges[j]
        guard ra.count == rb.count else { return false }
        return a.text.withUnsafeBufferPointer { p in
            b.text.withUnsafeBufferPointer { q in ra.isEmpty || memcmp(p.baseAddress! + ra.lowerBound, q.baseAddress! + rb.lowerBound, ra.count) == 0 }
        }
    }

    struct Op { enum Kind { case same, delete, insert }; var kind: Kind; var oldIndex: Int; var newIndex: Int }

    /// Myers' trace holds (d + 1)² entries after step d: past this many steps the greedy walk takes over.
    static let maxMyersSteps = 1_500

    static func diff(_ a: Lines, _ b: Lines) -> [Op] {
        // Trim the common prefix and suffix, then the middle.
        var pre = 0
        while pre < a.count && pre < b.count && same(a, pre, b, pre) { pre += 1 }
        var suf = 0
        while suf < a.count - pre && suf < b.count - pre && same(a, a.count - 1 - suf, b, b.count - 1 - suf) { suf += 1 }
        var ops: [Op] = (0..<pre).map { Op(kind: .same, oldIndex: $0, newIndex: $0) }
        let x = pre..<(a.count - suf), y = pre..<(b.count - suf)
        ops += myers(a, x, b, y, maxSteps: maxMyersSteps) ?? greedy(a, x, b, y)
        ops += (0..<suf).map { Op(kind: .same, oldIndex: a.count - suf + $0, newIndex: b.count - suf + $0) }
        return ops
    }

    /// The shortest edit script of `a[x]` into `b[y]` (Myers), or nil when it takes more than `maxSteps` steps.
    /// Each step keeps only its own diagonals (2d + 1 entries), not the whole vector.
    static func myers(_ a: Lines, _ x: Range<Int>, _ b: Lines, _ y: Range<Int>, maxSteps: Int) -> [Op]? {
        let n = x.count, m = y.count
        let x0 = x.lowerBound, y0 = y.lowerBound
        if n == 0 { return (0..<m).map { Op(kind: .insert, oldIndex: x0, newIndex: y0 + $0) } }
        if m == 0 { return (0..<n).map { Op(kind: .delete, oldIndex: x0 + $0, newIndex: y0) } }
        // trace[d][k + d] = the furthest x on diagonal k after step d.
        var trace: [[Int]] = []
        var found = false
        for d in 0...min(n + m, maxSteps) {
            var v = [Int](repeating: 0, count: 2 * d + 1)
            let prev = d > 0 ? trace[d - 1] : []
            for k in stride(from: -d, through: d, by: 2) {
                var px: Int
                if d == 0 { px = 0 } else if k == -d || (k != d && prev[k - 1 + d - 1] < prev[k + 1 + d - 1]) {
                    px = prev[k + 1 + d - 1]
                } else {
                    px = prev[k - 1 + d - 1] + 1
                }
                var py = px - k
                while px < n && py < m && same(a, x0 + px, b, y0 + py) { px += 1; py += 1 }
                v[k + d] = px
                if px >= n && py >= m { found = true; break }
            }
            trace.append(v)
            if found { break }
        }
        guard found else { return nil }
        // Backtrack.
        var ops: [Op] = []
        var px = n, py = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let k = px - py
            if d == 0 {
                while px > 0 && py > 0 { px -= 1; py -= 1; ops.append(Op(kind: .same, oldIndex: x0 + px, newIndex: y0 + py)) }
                break
            }
            let prev = trace[d - 1]
            let prevK = (k == -d || (k != d && prev[k - 1 + d - 1] < prev[k + 1 + d - 1])) ? k + 1 : k - 1
            let prevX = prev[prevK + d - 1], prevY = prevX - prevK
            while px > prevX && py > prevY { px -= 1; py -= 1; ops.append(Op(kind: .same, oldIndex: x0 + px, newIndex: y0 + py)) }
            if px == prevX { py -= 1; ops.append(Op(kind: .insert, oldIndex: x0 + px, newIndex: y0 + py)) }
            else { px -= 1; ops.append(Op(kind: .delete, oldIndex: x0 + px, newIndex: y0 + py)) }
        }
        return ops.reversed()
    }

    /// A linear walk for large differences: equal lines are kept; at a difference the nearest pair of equal lines
    /// within `window` lines on either side is the next common point (the lines before it are deleted, then those
    /// after it inserted, as `diff -u` shows a changed block); without one, the two current lines are taken as one
    /// changed line (or the rest of both sides as one block, when it is that short).
    static func greedy(_ a: Lines, _ x: Range<Int>, _ b: Lines, _ y: Range<Int>, window: Int = 32) -> [Op] {
        var ops: [Op] = []
        var i = x.lowerBound, j = y.lowerBound
        while i < x.upperBound || j < y.upperBound {
            if i < x.upperBound && j < y.upperBound && same(a, i, b, j) {
                ops.append(Op(kind: .same, oldIndex: i, newIndex: j)); i += 1; j += 1
                continue
            }
            var sync: (Int, Int)? = nil
            search: for s in 1...(2 * window) {
                for p in max(0, s - window)...min(s, window) {
                    let q = s - p
                    if i + p < x.upperBound && j + q < y.upperBound && same(a, i + p, b, j + q) { sync = (p, q); break search }
                }
            }
            // No equal lines ahead: the rest as one block when it is within the window, else one changed line.
            let restA = x.upperBound - i, restB = y.upperBound - j
            let (p, q) = sync ?? (restA <= window && restB <= window ? (restA, restB) : (min(1, restA), min(1, restB)))
            for k in 0..<p { ops.append(Op(kind: .delete, oldIndex: i + k, newIndex: j)) }
            for k in 0..<q { ops.append(Op(kind: .insert, oldIndex: i + p, newIndex: j + k)) }
            i += p; j += q
        }
        return ops
    }
}
