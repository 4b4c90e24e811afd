/// Glob patterns for `include`, `exclude` and `overrides`: `*` (within a path segment), `**` (any number of
/// segments), `?`, `[abc]`/`[!abc]`. A pattern without `/` matches the file name at any depth, as in .gitignore.
public struct Glob: Sendable, Hashable {
    public let pattern: String
    private let segments: [[UInt32]]
    private let anyDepth: Bool

    public init(_ pattern: String) {
        var p = pattern
        if p.hasPrefix("./") { p = String(p.dropFirst(2)) }
        if p.hasSuffix("/") { p += "**" }
        self.pattern = pattern
        anyDepth = !p.contains("/")
        segments = p.split(separator: "/", omittingEmptySubsequences: true).map { $0.unicodeScalars.map(\.value) }
    }

    /// `path` is relative to the configuration's directory, with `/` separators.
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { $0.unicodeScalars.map(\.value) }
        if anyDepth, let name = parts.last { return Glob.matchSegment(segments.first ?? [], name[...]) }
        return Glob.match(segments[...], parts[...])
    }

    private static func match(_ pat: ArraySlice<[UInt32]>, _ path: ArraySlice<[UInt32]>) -> Bool {
        guard let first = pat.first else { return path.isEmpty }
        if first == [0x2A, 0x2A] {
            let rest = pat.dropFirst()
            var p = path
            while true {
                if match(rest, p) { return true }
                if p.isEmpty { return false }
                p = p.dropFirst()
            }
        }
        guard let seg = path.first, matchSegment(first, seg[...]) else { return false }
        return match(pat.dropFirst(), path.dropFirst())
    }

    static func matchSegment(_ p: [UInt32], _ s: ArraySlice<UInt32>) -> Bool {
        var pi = 0, si = s.startIndex
        var starP = -1, starS = s.startIndex
        while si < s.endIndex {
            if pi < p.count {
                let c = p[pi]
                if c == 0x2A { starP = pi; starS = si; pi += 1; continue }
                if c == 0x3F { pi += 1; si += 1; continue }
                if c == 0x5B, let (ok, next) = matchClass(p, pi, s[si]) {
                    if ok { pi = next; si += 1; continue }
                } else if c == s[si] { pi += 1; si += 1; continue }
            }
            if starP >= 0 { pi = starP + 1; starS += 1; si = starS; continue }
            return false
        }
        while pi < p.count && p[pi] == 0x2A { pi += 1 }
        return pi == p.count
    }

    private static func matchClass(_ p: [UInt32], _ start: Int, _ c: UInt32) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < p.count && (p[i] == 0x21 || p[i] == 0x5E) { negate = true; i += 1 }
        var hit = false
        var first = true
        while i < p.count && (p[i] != 0x5D || first) {
            first = false
            if i + 2 < p.count && p[i + 1] == 0x2D && p[i + 2] != 0x5D {
                if p[i] <= c && c <= p[i + 2] { hit = true }
                i += 3
            } else {
                if p[i] == c { hit = true }
                i += 1
            }
        }
        guard i < p.count else { return nil }
        return (hit != negate, i + 1)
    }
}
