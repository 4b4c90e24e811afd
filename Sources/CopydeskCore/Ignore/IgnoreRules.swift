import Foundation

/// `.gitignore` and `.copydeskignore` files, read as git reads `.gitignore` (gitignore(5)):
///
/// - blank lines and lines starting with `#` are skipped; `\#` and `\!` start a pattern with those characters;
///   trailing spaces are dropped unless escaped with `\`;
/// - `!` negates: a path the pattern matches is included again (a file inside an excluded folder cannot be: the
///   folder is not walked);
/// - a trailing `/` matches folders only;
/// - a pattern with a `/` at its start or in the middle is anchored to the folder of its file; otherwise it matches
///   a name at any depth below that folder;
/// - `*` and `?` do not match `/`; `[a-z]`, `[!a-z]`/`[^a-z]` match one character; `\x` matches `x`;
///   `**/` at the start matches in all folders, `/**/` matches zero or more folders, `/**` at the end everything
///   inside (not the folder itself).
///
/// The last matching pattern of a file decides; a file in a deeper folder decides before those of its parents.
public struct IgnoreFile: Sendable {
    struct Pattern: Sendable {
        var segments: [[Token]]
        var negated: Bool
        var directoryOnly: Bool
        /// No `/` before the end: matches the last name of a path at any depth.
        var basenameOnly: Bool
    }

    enum Token: Sendable, Equatable {
        case literal(UInt32)
        case any                 // ?
        case star                // *
        case globstar            // a whole segment `**`
        case set([ClosedRange<UInt32>], negated: Bool)
    }

    /// The folder the patterns are relative to (absolute, no trailing `/`).
    public let base: String
    var patterns: [Pattern]

    public init(base: String, text: String) {
        var b = base
        while b.count > 1 && b.hasSuffix("/") { b.removeLast() }
        self.base = b
        patterns = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .compactMap { IgnoreFile.parse(String($0)) }
    }

    /// Reads `name` in folder `base`; nil when there is no such (readable) file.
    public static func load(base: String, name: String) -> IgnoreFile? {
        let path = (base.hasSuffix("/") ? base : base + "/") + name
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let f = IgnoreFile(base: base, text: String(decoding: data, as: UTF8.self))
        return f.patterns.isEmpty ? nil : f
    }

    static func parse(_ raw: String) -> Pattern? {
        var line = Array(raw.unicodeScalars.map(\.value))
        if line.last == 0x0D { line.removeLast() }
        // Trailing spaces, unless escaped.
        while let last = line.last, last == 0x20 {
            if line.count >= 2 && line[line.count - 2] == 0x5C { line.removeLast(2); line.append(0x20); break }
            line.removeLast()
        }
        guard let first = line.first, first != 0x23 else { return nil }   // blank or comment
        var negated = false
        if first == 0x21 { negated = true; line.removeFirst() }
        else if first == 0x5C && line.count >= 2 && (line[1] == 0x23 || line[1] == 0x21) { line.removeFirst() }
        guard !line.isEmpty else { return nil }
        var directoryOnly = false
        if line.last == 0x2F { directoryOnly = true; while line.last == 0x2F { line.removeLast() } }
        guard !line.isEmpty else { return nil }
        let basenameOnly = !line.contains(0x2F)
        if line.first == 0x2F { line.removeFirst() }
        let segments = line.split(separator: 0x2F, omittingEmptySubsequences: true).map { seg -> [Token] in
            if seg.count == 2 && seg.allSatisfy({ $0 == 0x2A }) { return [.globstar] }
            return tokens(Array(seg))
        }
        guard !segments.isEmpty else { return nil }
        return Pattern(segments: segments, negated: negated, directoryOnly: directoryOnly, basenameOnly: basenameOnly)
    }

    static func tokens(_ s: [UInt32]) -> [Token] {
        var out: [Token] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            switch c {
            case 0x5C where i + 1 < s.count: out.append(.literal(s[i + 1])); i += 2
            case 0x3F: out.append(.any); i += 1
            case 0x2A:
                if out.last != .star { out.append(.star) }
                i += 1
            case 0x5B:
                // A class up to the next `]` (a `]` right after `[` or `[!` is a member); none: a literal `[`.
                var j = i + 1
                var negated = false
                if j < s.count && (s[j] == 0x21 || s[j] == 0x5E) { negated = true; j += 1 }
                var ranges: [ClosedRange<UInt32>] = []
                var firstMember = true
                var closed = false
                while j < s.count {
                    if s[j] == 0x5D && !firstMember { closed = true; j += 1; break }
                    firstMember = false
                    var lo = s[j]
                    if lo == 0x5C && j + 1 < s.count { j += 1; lo = s[j] }
                    if j + 2 < s.count && s[j + 1] == 0x2D && s[j + 2] != 0x5D {
                        let hi = s[j + 2]
                        if lo <= hi { ranges.append(lo...hi) }
                        j += 3
                    } else { ranges.append(lo...lo); j += 1 }
                }
                if closed { out.append(.set(ranges, negated: negated)); i = j } else { out.append(.literal(c)); i += 1 }
            default: out.append(.literal(c)); i += 1
            }
        }
        return out
    }

    /// Whether the patterns decide about `relative` (path below `base`, `/`-separated): true = ignored,
    /// false = included again by a negation, nil = no pattern matches.
    func decision(relative: [[UInt32]], isDirectory: Bool) -> Bool? {
        for p in patterns.reversed() {
            if p.directoryOnly && !isDirectory { continue }
            let hit: Bool
            if p.basenameOnly {
                hit = relative.last.map { IgnoreFile.matchSegment(p.segments[0][...], $0[...]) } ?? false
            } else {
                hit = IgnoreFile.match(p.segments[...], relative[...])
            }
            if hit { return !p.negated }
        }
        return nil
    }

    static func match(_ pat: ArraySlice<[Token]>, _ path: ArraySlice<[UInt32]>) -> Bool {
        guard let first = pat.first else { return path.isEmpty }
        if first == [.globstar] {
            let rest = pat.dropFirst()
            // `/**` at the end: everything inside, at least one name.
            if rest.isEmpty { return !path.isEmpty }
            var p = path
            while true {
                if match(rest, p) { return true }
                if p.isEmpty { return false }
                p = p.dropFirst()
            }
        }
        guard let seg = path.first, matchSegment(first[...], seg[...]) else { return false }
        return match(pat.dropFirst(), path.dropFirst())
    }

    static func matchSegment(_ p: ArraySlice<[Token].Element>, _ s: ArraySlice<UInt32>) -> Bool {
        var pi = p.startIndex, si = s.startIndex
        var starP = -1, starS = s.startIndex
        while si < s.endIndex {
            if pi < p.endIndex {
                switch p[pi] {
                case .star, .globstar: starP = pi; starS = si; pi += 1; continue
                case .any: pi += 1; si += 1; continue
                case .literal(let c) where c == s[si]: pi += 1; si += 1; continue
                case .set(let ranges, let negated) where ranges.contains(where: { $0.contains(s[si]) }) != negated:
                    pi += 1; si += 1; continue
                default: break
                }
            }
            if starP >= 0 { pi = starP + 1; starS += 1; si = starS; continue }
            return false
        }
        while pi < p.endIndex, p[pi] == .star || p[pi] == .globstar { pi += 1 }
        return pi == p.endIndex
    }
}

/// The ignore files that govern a folder walk: those of the folders above the walk's root (up to the git
/// repository's top, or to `/` for `.copydeskignore`), then one level more for each folder walked into.
/// `.gitignore` (and `.git/info/exclude`) count only inside a git repository, as in ripgrep; `.copydeskignore`
/// counts everywhere.
public struct IgnoreStack: Sendable {
    public static let names = [".gitignore", ".copydeskignore"]
    var files: [IgnoreFile] = []
    var inGit = false

    /// The stack for a walk starting at `root` (absolute).
    public init(root: String) {
        var chain: [String] = []
        var dir = root
        while true {
            chain.append(dir)
            if dir == "/" || dir.isEmpty { break }
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir { break }
            dir = parent
        }
        // From the top down; `.gitignore` only from the repository's top folder on.
        var gitTop: Int? = nil
        for (k, d) in chain.enumerated() where FileManager.default.fileExists(atPath: (d == "/" ? "" : d) + "/.git") { gitTop = k; break }
        inGit = gitTop != nil
        for (k, d) in chain.enumerated().reversed() {
            if let top = gitTop, k == top, let f = IgnoreFile.load(base: d, name: ".git/info/exclude") { files.append(f) }
            if k != 0 { enter(d, git: gitTop.map { k <= $0 } ?? false) }
        }
    }

    /// Adds the ignore files of folder `dir` (entered by the walk).
    public mutating func enter(_ dir: String) { enter(dir, git: inGit || FileManager.default.fileExists(atPath: dir + "/.git")) }

    private mutating func enter(_ dir: String, git: Bool) {
        if git, let f = IgnoreFile.load(base: dir, name: ".gitignore") { files.append(f); inGit = true }
        if let f = IgnoreFile.load(base: dir, name: ".copydeskignore") { files.append(f) }
    }

    /// Whether `path` (absolute) is ignored.
    public func ignores(_ path: String, isDirectory: Bool) -> Bool {
        for f in files.reversed() {
            guard path.hasPrefix(f.base), f.base == "/" || path.utf8.count > f.base.utf8.count
                    && path.utf8[path.utf8.index(path.utf8.startIndex, offsetBy: f.base.utf8.count)] == 0x2F else { continue }
            let rel = path.utf8.dropFirst(f.base.utf8.count).split(separator: 0x2F, omittingEmptySubsequences: true)
                .map { String(decoding: $0, as: UTF8.self).unicodeScalars.map(\.value) }
            if let d = f.decision(relative: rel, isDirectory: isDirectory) { return d }
        }
        return false
    }
}
