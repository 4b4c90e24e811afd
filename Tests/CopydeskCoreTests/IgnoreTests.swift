import Foundation
import Testing
@testable import CopydeskCore

/// `.gitignore` / `.copydeskignore` in folder walks (`Ignore/IgnoreRules.swift`, `Runner.discover`).
@Suite struct IgnoreTests {
    func ignored(_ patterns: String, _ path: String, dir: Bool = false) -> Bool {
        var stack = IgnoreStack(root: "/nonexistent-root-for-tests")
        stack.files = [IgnoreFile(base: "/r", text: patterns)]
        return stack.ignores("/r/" + path, isDirectory: dir)
    }

    @Test func basenamePatternsMatchAtAnyDepth() {
        #expect(ignored("*.txt", "a.txt"))
        #expect(ignored("*.txt", "x/y/a.txt"))
        #expect(!ignored("*.txt", "a.md"))
        #expect(ignored("草稿", "x/草稿", dir: true))
        #expect(ignored("a?c.md", "abc.md"))
        #expect(!ignored("a?c.md", "ac.md"))
        #expect(ignored("[a-c]*.md", "b1.md"))
        #expect(!ignored("[!a-c]*.md", "b1.md"))
        #expect(ignored("[^a-c]*.md", "d1.md"))
    }

    @Test func anchoredPatterns() {
        #expect(ignored("/old.txt", "old.txt"))
        #expect(!ignored("/old.txt", "sub/old.txt"))
        #expect(ignored("drafts/old.txt", "drafts/old.txt"))
        #expect(!ignored("drafts/old.txt", "x/drafts/old.txt"))
        #expect(ignored("drafts/*.txt", "drafts/a.txt"))
        #expect(!ignored("drafts/*.txt", "drafts/sub/a.txt"), "* does not cross /")
        #expect(ignored("**/tmp.txt", "a/b/tmp.txt"))
        #expect(ignored("**/tmp.txt", "tmp.txt"))
        #expect(ignored("a/**/b.txt", "a/b.txt"))
        #expect(ignored("a/**/b.txt", "a/x/y/b.txt"))
        #expect(ignored("a/**", "a/x.txt"))
        #expect(!ignored("a/**", "a", dir: true), "/** at the end: what is inside, not the folder")
    }

    @Test func directoryOnlyPatterns() {
        #expect(ignored("build/", "build", dir: true))
        #expect(ignored("build/", "x/build", dir: true))
        #expect(!ignored("build/", "build"), "a file named build is not a folder")
        #expect(ignored("/out/", "out", dir: true))
        #expect(!ignored("/out/", "x/out", dir: true))
    }

    @Test func negationCommentsAndEscapes() {
        let p = "# drafts\n*.txt\n!keep.txt\n\n\\#hash.txt\n\\!bang.txt\nspace.txt   \nesc\\ \n"
        #expect(ignored(p, "a.txt"))
        #expect(!ignored(p, "keep.txt"))
        #expect(!ignored(p, "sub/keep.txt"))
        #expect(ignored("*.md\n\\#hash.md", "#hash.md"))
        #expect(ignored("\\!bang.md", "!bang.md"))
        #expect(ignored("space.md   ", "space.md"), "trailing spaces are dropped")
        #expect(ignored("esc\\ ", "esc "), "an escaped trailing space is kept")
        #expect(!ignored("# comment.md", "# comment.md"))
        #expect(ignored("\\*.md", "*.md"))
        #expect(!ignored("\\*.md", "a.md"))
        // The last matching line decides.
        #expect(ignored("!keep.txt\n*.txt", "keep.txt"))
        #expect(ignored("a.txt\r\nb.txt\r\n", "b.txt"), "CRLF lines")
    }

    /// A walk through a git repository with nested .gitignore files and a .copydeskignore.
    @Test func walkHonoursIgnoreFiles() throws {
        let dir = try TS.makeTempDir("copydesk-ignore").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = ["a.txt", "old.txt", "keep.txt", "notes/n.txt", "notes/deep/d.txt", "build/b.txt", "x/build/b2.txt",
                     "drafts/one.md", "drafts/two.md", "drafts/wip/w.md", "drafts/sub/old.txt", "arch/2020/x.txt", "private.md"]
        for f in files { try TS.write("正文。\n", to: dir.appendingPathComponent(f)) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".git/info"), withIntermediateDirectories: true)
        try TS.write("private.md\n", to: dir.appendingPathComponent(".git/info/exclude"))
        // Root: anchored file, folders only, a negation, an anchored folder pattern.
        try TS.write("/old.txt\nbuild/\n*.txt\n!keep.txt\n!a.txt\n!/notes/**\n!drafts/**\narch/2020/\n", to: dir.appendingPathComponent(".gitignore"))
        // Nested: overrides the root for its folder.
        try TS.write("two.md\nwip/\n!sub/old.txt\n", to: dir.appendingPathComponent("drafts/.gitignore"))
        try TS.write("deep/\n", to: dir.appendingPathComponent("notes/.copydeskignore"))
        var opts = Runner.Options(); opts.noConfig = true
        let runner = try Runner(options: opts)
        let root = dir.path
        let found = try runner.discover([root]).files.map { String($0.dropFirst(root.count + 1)) }
        #expect(Set(found) == ["a.txt", "keep.txt", "notes/n.txt", "drafts/one.md", "drafts/sub/old.txt"], "\(found.sorted())")

        // --no-ignore: every draft.
        opts.ignoreFiles = false
        let all = try Runner(options: opts).discover([root]).files.map { String($0.dropFirst(root.count + 1)) }
        #expect(Set(all) == Set(files))

        // A walk that starts below the repository's top reads the ignore files above it.
        let sub = try runner.discover([dir.appendingPathComponent("drafts").path]).files.map { URL(fileURLWithPath: $0).lastPathComponent }
        #expect(Set(sub) == ["one.md", "old.txt"], "\(sub)")

        // Files named on the command line are linted even when ignored.
        let named = try runner.discover([dir.appendingPathComponent("old.txt").path, dir.appendingPathComponent("drafts/two.md").path]).files
        #expect(named.count == 2)
    }

    /// Outside a git repository .gitignore is not read (as in ripgrep); .copydeskignore is.
    @Test func gitignoreNeedsARepository() throws {
        let dir = try TS.makeTempDir("copydesk-ignore").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        for f in ["a.txt", "b.txt", "c.txt"] { try TS.write("正文。\n", to: dir.appendingPathComponent(f)) }
        try TS.write("a.txt\n", to: dir.appendingPathComponent(".gitignore"))
        try TS.write("b.txt\n", to: dir.appendingPathComponent(".copydeskignore"))
        var opts = Runner.Options(); opts.noConfig = true
        let found = try Runner(options: opts).discover([dir.path]).files.map { URL(fileURLWithPath: $0).lastPathComponent }
        let hasGitAbove = FileManager.default.fileExists(atPath: dir.deletingLastPathComponent().appendingPathComponent(".git").path)
        #expect(Set(found) == (hasGitAbove ? ["c.txt"] : ["a.txt", "c.txt"]), "\(found)")
    }

    @Test func cliNoIgnoreAndNamedFiles() throws {
        let dir = try TS.makeTempDir("copydesk-ignore").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent(".lintrc.yml"))
        try TS.write("全 力以赴。\n", to: dir.appendingPathComponent("drafts/old/a.txt"))
        try TS.write("全力以赴。\n", to: dir.appendingPathComponent("drafts/b.txt"))
        try TS.write("old/\n", to: dir.appendingPathComponent("drafts/.copydeskignore"))
        let plain = try CLI.run(["lint", "drafts"], in: dir)
        #expect(plain.status == 0, "\(plain.stdout)")
        #expect(!plain.stdout.contains("a.txt"))
        let all = try CLI.run(["lint", "--no-ignore", "drafts"], in: dir)
        #expect(all.status == 1)
        #expect(all.stdout.contains("drafts/old/a.txt:1:2: error"), "\(all.stdout)")
        let named = try CLI.run(["lint", "drafts/old/a.txt"], in: dir)
        #expect(named.status == 1)
        #expect(named.stdout.contains("drafts/old/a.txt:1:2: error"), "\(named.stdout)")
    }
}
