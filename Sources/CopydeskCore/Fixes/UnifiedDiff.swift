/// A unified diff of two texts (Myers' algorithm on lines), for `--diff`.
public enum UnifiedDiff {
    public static func render(old: [UInt8], new: [UInt8], path: String, context: Int = 3) -> String {
        let a = lines(old), b = lines(new)
        let ops = diff(a, b)
        guard ops.contains(where: { $0.kind != .same }) else { return "" }
        var out = "--- \(path)\n+++ \(path)\n"
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
            let oldCount = hunk.filter { $0.kind != .insert }.count, newCount = hunk.filter { $0.kind != .delete }.count
            out += "@@ -\(oldCount == 0 ? oldStart - 1 : oldStart),\(oldCount) +\(newCount == 0 ? newStart - 1 : newStart),\(newCount) @@\n"
            for op in hunk {
                switch op.kind {
                case .same: out += " " + show(a[op.oldIndex])
                case .delete: out += "-" + show(a[op.oldIndex])
                case .insert: out += "+" + show(b[op.newIndex])
                }
            }
            i = end
        }
        return out
    }

    static func show(_ line: [UInt8]) -> String {
        // A line ended by a lone CR (old Mac files) is shown ended by LF: a bare CR would send the terminal back
        // to the start of the line.
        if line.last == 0x0D { return String(decoding: line.dropLast(), as: UTF8.self) + "\n" }
        var s = String(decoding: line, as: UTF8.self)
        // Test the last byte: Swift sees "\r\n" as one Character, so hasSuffix("\n") is false for CRLF lines.
        if line.last != 0x0A { s += "\n\\ No newline at end of file\n" }
        return s
    }

    /// Lines with their terminators: LF, CRLF or a lone CR.
    static func lines(_ b: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var start = 0
        for (i, c) in b.enumerated() where c == 0x0A || (c == 0x0D && (i + 1 == b.count || b[i + 1] != 0x0A)) {
            out.append(Array(b[start...i])); start = i + 1
        }
        if start < b.count { out.append(Array(b[start...])) }
        return out
    }

    struct Op { enum Kind { case same, delete, insert }; var kind: Kind; var oldIndex: Int; var newIndex: Int }

    static func diff(_ a: [[UInt8]], _ b: [[UInt8]]) -> [Op] {
        // Trim the common prefix and suffix, then Myers on the middle.
        var pre = 0
        while pre < a.count && pre < b.count && a[pre] == b[pre] { pre += 1 }
        var suf = 0
        while suf < a.count - pre && suf < b.count - pre && a[a.count - 1 - suf] == b[b.count - 1 - suf] { suf += 1 }
        let x = Array(a[pre..<(a.count - suf)]), y = Array(b[pre..<(b.count - suf)])
        var ops: [Op] = (0..<pre).map { Op(kind: .same, oldIndex: $0, newIndex: $0) }
        ops += myers(x, y).map { Op(kind: $0.kind, oldIndex: $0.oldIndex + pre, newIndex: $0.newIndex + pre) }
        ops += (0..<suf).map { Op(kind: .same, oldIndex: a.count - suf + $0, newIndex: b.count - suf + $0) }
        return ops
    }

    static func myers(_ a: [[UInt8]], _ b: [[UInt8]]) -> [Op] {
        let n = a.count, m = b.count
        if n == 0 { return (0..<m).map { Op(kind: .insert, oldIndex: 0, newIndex: $0) } }
        if m == 0 { return (0..<n).map { Op(kind: .delete, oldIndex: $0, newIndex: 0) } }
        let max = n + m
        var v = [Int](repeating: 0, count: 2 * max + 2)
        var trace: [[Int]] = []
        outer: for d in 0...max {
            trace.append(v)
            for k in stride(from: -d, through: d, by: 2) {
                var x: Int
                if k == -d || (k != d && v[max + k - 1] < v[max + k + 1]) { x = v[max + k + 1] } else { x = v[max + k - 1] + 1 }
                var y = x - k
                while x < n && y < m && a[x] == b[y] { x += 1; y += 1 }
                v[max + k] = x
                if x >= n && y >= m { break outer }
            }
        }
        // Backtrack.
        var ops: [Op] = []
        var x = n, y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let vv = trace[d]
            let k = x - y
            let prevK = (k == -d || (k != d && vv[max + k - 1] < vv[max + k + 1])) ? k + 1 : k - 1
            let prevX = vv[max + prevK], prevY = prevX - prevK
            while x > prevX && y > prevY { x -= 1; y -= 1; ops.append(Op(kind: .same, oldIndex: x, newIndex: y)) }
            if d > 0 {
                if x == prevX { y -= 1; ops.append(Op(kind: .insert, oldIndex: x, newIndex: y)) }
                else { x -= 1; ops.append(Op(kind: .delete, oldIndex: x, newIndex: y)) }
            }
        }
        return ops.reversed()
    }
}
