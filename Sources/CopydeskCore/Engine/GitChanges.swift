import Foundation

/// `--changed-since REF` and `--changed-lines`: which files, and which of their lines, changed since a git ref.
///
/// Files: `git diff --name-only --diff-filter=AMR -M REF` (the ref against the working tree: committed and
/// uncommitted changes; added, modified and renamed files) and untracked files git does not ignore. Lines: the
/// added side of `git diff -U0 REF` (an untracked file changed on every line). Comparing against REF itself, not a
/// merge base, needs only REF's commit, so a shallow clone works once REF is fetched (`git fetch --depth=1 origin
/// main`); a ref that is not there is an error that says so.
public struct GitChanges: Sendable {
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// Real paths of the changed files.
    public private(set) var files: Set<String> = []
    /// Per changed file (real path): the 1-based line numbers on the added side; nil without `--changed-lines`.
    public private(set) var lines: [String: Set<Int>]? = nil
    /// Untracked files: every line is new.
    public private(set) var untracked: Set<String> = []

    public static func load(ref: String, directory: String, lines wantLines: Bool) throws -> GitChanges {
        let top = try git(["rev-parse", "--show-toplevel"], in: directory, what: "find the git repository")
            .trimmingCharacters(in: .newlines)
        guard (try? git(["rev-parse", "--verify", "--quiet", ref + "^{commit}"], in: directory, what: "")) != nil else {
            let shallow = (try? git(["rev-parse", "--is-shallow-repository"], in: directory, what: ""))?.hasPrefix("true") == true
            throw Failure(description: "--changed-since: '\(ref)' is not a commit in this repository"
                + (shallow ? " (a shallow clone: fetch it first, e.g. git fetch --depth=1 origin \(ref.replacingOccurrences(of: "origin/", with: "")))"
                           : " (fetch it first, or check the name)"))
        }
        let root = realPath(top) ?? top
        var c = GitChanges()
        let names = try git(["-c", "core.quotePath=false", "diff", "--name-only", "-z", "--no-ext-diff", "--diff-filter=AMR", "-M", ref, "--"],
                            in: top, what: "list the files changed since \(ref)")
        for n in names.split(separator: "\0") where !n.isEmpty { c.files.insert(root + "/" + n) }
        let others = try git(["ls-files", "-z", "--others", "--exclude-standard"], in: top, what: "list untracked files")
        for n in others.split(separator: "\0") where !n.isEmpty {
            c.files.insert(root + "/" + n); c.untracked.insert(root + "/" + n)
        }
        if wantLines {
            let diff = try git(["-c", "core.quotePath=false", "diff", "-U0", "--no-color", "--no-ext-diff", "--diff-filter=AMR", "-M", ref, "--"],
                               in: top, what: "read the changes since \(ref)")
            c.lines = parseAddedLines(diff, root: root)
        }
        return c
    }

    /// Whether the file at `path` (as the run names it) changed.
    public func contains(_ path: String) -> Bool {
        guard let real = GitChanges.realPath(path) else { return false }
        return files.contains(real)
    }

    /// With `--changed-lines`: drops the findings that start on a line that did not change; returns how many.
    public func filter(_ report: inout FileReport) -> Int {
        guard let lines, let src = report.source, let real = GitChanges.realPath(report.path), !untracked.contains(real) else { return 0 }
        let changed = lines[real] ?? []
        let before = report.diagnostics.count
        report.diagnostics.removeAll { d in
            !d.isRuleFailure && !changed.contains(src.lineIndex(of: min(d.range.lowerBound, src.bytes.count)) + 1)
        }
        return before - report.diagnostics.count
    }

    /// The added-side line numbers of each file in a `git diff -U0` (hunk headers `@@ -a,b +c,d @@`).
    static func parseAddedLines(_ diff: String, root: String) -> [String: Set<Int>] {
        var out: [String: Set<Int>] = [:]
        var current: String? = nil
        for line in diff.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("+++ ") {
                // git ends a name holding a space with a tab.
                var raw = String(line.dropFirst(4))
                if raw.hasSuffix("\t") { raw.removeLast() }
                let name = unquote(raw)
                current = name == "/dev/null" ? nil : root + "/" + (name.hasPrefix("b/") ? String(name.dropFirst(2)) : name)
                if let current, out[current] == nil { out[current] = [] }
            } else if line.hasPrefix("@@ "), let current {
                // "@@ -a[,b] +c[,d] @@"
                guard let plus = line.split(separator: " ").first(where: { $0.hasPrefix("+") }) else { continue }
                let parts = plus.dropFirst().split(separator: ",")
                guard let start = Int(parts[0]) else { continue }
                let count = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
                if count > 0 { out[current]!.formUnion(start..<(start + count)) }
            }
        }
        return out
    }

    /// A path git quoted (`"b/caf\303\251.txt"`): C escapes and octal bytes undone.
    static func unquote(_ s: String) -> String {
        guard s.hasPrefix("\""), s.hasSuffix("\""), s.count >= 2 else { return s }
        var bytes: [UInt8] = []
        let u = Array(s.utf8.dropFirst().dropLast())
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "\\"), i + 1 < u.count {
                let n = u[i + 1]
                if n >= UInt8(ascii: "0") && n <= UInt8(ascii: "7"), i + 3 < u.count {
                    let a = Int(n) - 48, b = Int(u[i + 2]) - 48, c = Int(u[i + 3]) - 48
                    bytes.append(UInt8(truncatingIfNeeded: a * 64 + b * 8 + c)); i += 4; continue
                }
                switch n {
                case UInt8(ascii: "t"): bytes.append(9)
                case UInt8(ascii: "n"): bytes.append(10)
                default: bytes.append(n)
                }
                i += 2
            } else { bytes.append(u[i]); i += 1 }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func realPath(_ p: String) -> String? {
        guard let r = realpath(p, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    static func git(_ args: [String], in dir: String, what: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git"] + args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw Failure(description: "--changed-since needs git, which could not be run: \(error.localizedDescription)") }
        // Read both pipes to the end (stderr on another thread), so a large diff cannot block git.
        let errBox = ErrBox()
        let t = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        t.start()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errBox.done { usleep(1000) }
        guard p.terminationStatus == 0 else {
            let msg = String(decoding: errBox.data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(description: "--changed-since: could not \(what): \(msg.isEmpty ? "git exited with \(p.terminationStatus)" : msg)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

private final class ErrBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _data = Data()
    private var _done = false
    var data: Data {
        get { lock.lock(); defer { lock.unlock() }; return _data }
        set { lock.lock(); _data = newValue; _done = true; lock.unlock() }
    }
    var done: Bool { lock.lock(); defer { lock.unlock() }; return _done }
}
