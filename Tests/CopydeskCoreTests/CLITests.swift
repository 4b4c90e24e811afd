import Foundation
import Testing
@testable import CopydeskCore

/// End-to-end tests of the `copydesk` executable, run as a subprocess in a temporary folder.
enum CLI {
    /// The `copydesk` binary built next to this test bundle (`swift test` builds every product into the same
    /// `<scratch>/<triple>/debug` folder): walk up from the test bundle's path; fall back to the repository's
    /// `.build*` folders.
    static let binary: URL? = {
        let fm = FileManager.default
        func candidate(in dir: URL) -> URL? {
            let c = dir.appendingPathComponent("copydesk")
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: c.path, isDirectory: &isDir), !isDir.boolValue, fm.isExecutableFile(atPath: c.path) { return c }
            return nil
        }
        var starts: [URL] = []
        if let e = Bundle.main.executableURL { starts.append(e) }
        starts.append(Bundle.main.bundleURL)
        if let a = CommandLine.arguments.first { starts.append(URL(fileURLWithPath: a)) }
        for start in starts {
            var dir = start.standardizedFileURL.deletingLastPathComponent()
            for _ in 0..<5 {
                if let c = candidate(in: dir) { return c }
                let up = dir.deletingLastPathComponent()
                if up.path == dir.path { break }
                dir = up
            }
        }
        // Fallback: the newest <repo>/.build*/<triple>/debug/copydesk.
        let root = TS.repoRoot
        var best: (URL, Date)? = nil
        for scratch in (try? fm.contentsOfDirectory(atPath: root.path)) ?? [] where scratch.hasPrefix(".build") {
            let s = root.appendingPathComponent(scratch)
            for triple in (try? fm.contentsOfDirectory(atPath: s.path)) ?? [] {
                if let c = candidate(in: s.appendingPathComponent(triple).appendingPathComponent("debug")),
                   let date = (try? fm.attributesOfItem(atPath: c.path))?[.modificationDate] as? Date,
                   best == nil || date > best!.1 { best = (c, date) }
            }
        }
        return best?.0
    }()

    struct Result {
        var status: Int32
        var stdoutData: Data
        var stderr: String
        var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    }

    /// `environment`: extra variables; `wrapper`: a command that runs the binary (e.g. `setpriv --reuid …`).
    static func run(_ args: [String], in dir: URL, stdin: Data? = nil, environment: [String: String] = [:], wrapper: [String] = [],
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let exe = try #require(binary, "the copydesk binary was not found next to the test bundle", sourceLocation: sourceLocation)
        let p = Process()
        if let w = wrapper.first {
            p.executableURL = URL(fileURLWithPath: w)
            p.arguments = Array(wrapper.dropFirst()) + [exe.path] + args
        } else {
            p.executableURL = exe
            p.arguments = args
        }
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        // The text report's words follow the locale: English unless a test asks otherwise.
        env["LC_ALL"] = nil; env["LC_MESSAGES"] = nil; env["LANG"] = "C.UTF-8"
        env.merge(environment) { $1 }
        p.environment = env
        // Output goes to files: no pipe-buffer deadlock whatever the size.
        let outURL = dir.appendingPathComponent(".out-\(UUID().uuidString)")
        let errURL = dir.appendingPathComponent(".err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        let inPipe = Pipe()
        p.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        try p.run()
        if let stdin {
            inPipe.fileHandleForWriting.write(stdin)
            try inPipe.fileHandleForWriting.close()
        }
        TS.finish(p, sourceLocation: sourceLocation)
        try out.close(); try err.close()
        let o = try Data(contentsOf: outURL), e = try Data(contentsOf: errURL)
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
        return Result(status: p.terminationStatus, stdoutData: o, stderr: String(decoding: e, as: UTF8.self))
    }
}

@Suite(.serialized) struct CLITests {
    /// A temporary folder holding `core.yml`, the configuration with exactly the core rules (see TS.coreRuleIDs).
    func withDir(_ body: (URL) throws -> Void) throws {
        let dir = try TS.makeTempDir("copydesk-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent("core.yml"))
        try body(dir.resolvingSymlinksInPath())
    }

    @Test func binaryIsFound() {
        #expect(CLI.binary != nil, "looked next to \(CommandLine.arguments.first ?? "?")")
    }

    @Test func exitCodes() throws {
        try withDir { dir in
            try TS.write("全力以赴。\n", to: dir.appendingPathComponent("clean.txt"))
            let bad = "正文，内容。\n全 力以赴。\n"
            try TS.write(bad, to: dir.appendingPathComponent("bad.txt"))
            try TS.write("正文，使用  Rust 构建。\n", to: dir.appendingPathComponent("warn.txt"))

            let clean = try CLI.run(["lint", "--config", "core.yml", "clean.txt"], in: dir)
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            #expect(!clean.stdout.contains("clean.txt:"))

            let r = try CLI.run(["lint", "--config", "core.yml", "bad.txt"], in: dir)
            #expect(r.status == 1)
            let p = try #require(TS.position(of: " 力", in: bad))
            #expect(r.stdout.contains("bad.txt:\(p.line):\(p.column): error: 汉字之间不应有空格 [spacing.han-space-han]"), "\(r.stdout)")

            // The default command is lint; the built-in defaults flag the same space.
            #expect(try CLI.run(["--config", "core.yml", "bad.txt"], in: dir).status == 1)
            let defaults = try CLI.run(["lint", "--no-config", "bad.txt"], in: dir)
            #expect(defaults.status == 1)
            #expect(defaults.stdout.contains("bad.txt:\(p.line):\(p.column): error: 汉字之间不应有空格 [spacing.han-space-han]"))

            // A warning fails only with a lower fail level.
            let w = try CLI.run(["lint", "--config", "core.yml", "warn.txt"], in: dir)
            #expect(w.status == 0, "\(w.stdout)")
            #expect(w.stdout.contains("spacing.multiple-spaces"))
            #expect(try CLI.run(["lint", "--config", "core.yml", "--fail-level", "warning", "warn.txt"], in: dir).status == 1)

            // A missing path is an I/O error; usage errors too.
            let missing = try CLI.run(["lint", "--config", "core.yml", "nope.txt"], in: dir)
            #expect(missing.status == 2)
            #expect(missing.stdout.contains("nope.txt"))
            let usage = try CLI.run(["lint", "--config", "core.yml", "--fix", "--diff", "bad.txt"], in: dir)
            #expect(usage.stderr.contains("cannot be used together"))
            #expect(usage.status == 2)
        }
    }

    /// A report file is written in place: `--output` through a symbolic link writes the link's target and leaves
    /// the link, and a report sent to a named pipe reaches the reader (a file renamed over the path, as
    /// Foundation's atomic `createFile` does, once replaced a root user's /dev/null by a plain file).
    @Test func reportFileIsWrittenInPlace() throws {
        try withDir { dir in
            try TS.write("全 力。\n", to: dir.appendingPathComponent("a.txt"))
            let target = dir.appendingPathComponent("real.json")
            try TS.write("old", to: target)
            let link = dir.appendingPathComponent("report.json")
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.json")
            let r = try CLI.run(["lint", "--config", "core.yml", "--format", "json", "--output", "report.json", "a.txt"], in: dir)
            #expect(r.status == 1)
            let kind = try FileManager.default.attributesOfItem(atPath: link.path)[.type] as? FileAttributeType
            #expect(kind == .typeSymbolicLink, "the link must stay a link")
            let written = try String(contentsOf: target, encoding: .utf8)
            #expect(written.contains("\"spacing.han-space-han\""))
            #expect(!written.hasPrefix("old"))

            let fifo = dir.appendingPathComponent("pipe")
            #expect(mkfifo(fifo.path, 0o600) == 0)
            // A reader on the pipe (opened before the writer, in the background), then the run.
            let reader = Process()
            reader.executableURL = URL(fileURLWithPath: "/bin/cat")
            reader.arguments = [fifo.path]
            let got = dir.appendingPathComponent("from-pipe.txt")
            _ = FileManager.default.createFile(atPath: got.path, contents: nil)
            reader.standardOutput = try FileHandle(forWritingTo: got)
            try reader.run()
            let r2 = try CLI.run(["lint", "--config", "core.yml", "--output", "pipe", "a.txt"], in: dir)
            // The reader ends when the writer closes the pipe; a report that never reached it leaves it waiting.
            let deadline = Date().addingTimeInterval(20)
            while reader.isRunning && Date() < deadline { usleep(20_000) }
            if reader.isRunning {
                reader.terminate()
                Issue.record("the report never reached the named pipe")
            }
            reader.waitUntilExit()
            #expect(r2.status == 1)
            var st = stat()
            #expect(lstat(fifo.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO, "the pipe must stay a pipe")
            #expect(try String(contentsOf: got, encoding: .utf8).contains("spacing.han-space-han"))
        }
    }

    @Test func jsonOutputHasPositions() throws {
        try withDir { dir in
            let text = "𠮷全 力。\n"
            try TS.write(text, to: dir.appendingPathComponent("a.txt"))
            let r = try CLI.run(["lint", "--config", "core.yml", "--format", "json", "a.txt"], in: dir)
            #expect(r.status == 1)
            let json = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
            #expect(json["tool"] as? String == "copydesk")
            let diags = try #require(json["diagnostics"] as? [[String: Any]])
            #expect(diags.count == 1)
            let d = try #require(diags.first)
            #expect(d["file"] as? String == "a.txt")
            #expect(d["rule"] as? String == "spacing.han-space-han")
            #expect(d["severity"] as? String == "error")
            let start = try #require(d["start"] as? [String: Any])
            let offset = try #require(TS.offset(of: " 力", in: text))
            let p = TS.lineColumn(in: text, byteOffset: offset)
            #expect(start["line"] as? Int == p.line)
            #expect(start["column"] as? Int == p.column)
            #expect(start["utf16Column"] as? Int == p.column + 1)   // 𠮷 takes two UTF-16 units
            #expect(start["byte"] as? Int == offset)
            let end = try #require(d["end"] as? [String: Any])
            #expect(end["byte"] as? Int == offset + 1)
            let fix = try #require(d["fix"] as? [String: Any])
            // Two characters between spaces are no letterspaced run: the fix needs --unsafe-fixes.
            #expect(fix["safety"] as? String == "unsafe")
            let summary = try #require(json["summary"] as? [String: Any])
            #expect(summary["errors"] as? Int == 1)
            #expect(summary["files"] as? Int == 1)
        }
    }

    @Test func brokenConfigIsExit2WithPosition() throws {
        try withDir { dir in
            let cfg = "style: print\nrules:\n  spacing.han-space-han: off\nstlye: pangu\n"
            try TS.write(cfg, to: dir.appendingPathComponent(".lintrc.yml"))
            try TS.write("全 力\n", to: dir.appendingPathComponent("a.txt"))
            let r = try CLI.run(["lint", "a.txt"], in: dir)
            #expect(r.status == 2)
            let p = try #require(TS.position(of: "stlye", in: cfg))
            #expect(r.stderr.contains(".lintrc.yml:\(p.line):\(p.column): error: unknown key 'stlye'"), "\(r.stderr)")
            #expect(r.stderr.contains("did you mean 'style'?"))
            #expect(!r.stdout.contains("a.txt:"))        // nothing was linted

            // An unknown rule id is reported at its key, through --config too.
            let cfg2 = "rules:\n  spacing.han-spce-han: off\n"
            try TS.write(cfg2, to: dir.appendingPathComponent("other.yml"))
            let r2 = try CLI.run(["lint", "--config", "other.yml", "a.txt"], in: dir)
            #expect(r2.status == 2)
            let p2 = try #require(TS.position(of: "spacing.han-spce-han", in: cfg2))
            #expect(r2.stderr.contains("other.yml:\(p2.line):\(p2.column): error: unknown rule"), "\(r2.stderr)")

            // A valid configuration is honoured: the rule is off.
            try TS.write("extends: core.yml\nrules:\n  spacing.han-space-han: off\n", to: dir.appendingPathComponent(".lintrc.yml"))
            let r3 = try CLI.run(["lint", "a.txt"], in: dir)
            #expect(r3.status == 0, "\(r3.stdout)\(r3.stderr)")
        }
    }

    @Test func unreadableFilesAreReportedAndOthersStillLinted() throws {
        try withDir { dir in
            let drafts = dir.appendingPathComponent("drafts")
            try TS.write("全 力\n", to: drafts.appendingPathComponent("good.txt"))
            try Data([0x61, 0x0A, 0xE5, 0xC0, 0x0A]).write(to: drafts.appendingPathComponent("gbk.txt"))
            try Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x00, 0x01]).write(to: drafts.appendingPathComponent("image.txt"))
            try TS.write("ignored 全 力\n", to: drafts.appendingPathComponent("notes.yml"))   // not a draft extension
            let r = try CLI.run(["lint", "--config", "core.yml", "drafts"], in: dir)
            #expect(r.status == 2)
            #expect(r.stdout.contains("drafts/good.txt:1:2: error:"), "\(r.stdout)")
            #expect(r.stdout.contains("drafts/gbk.txt: error: not valid UTF-8 at line 2, column 1"), "\(r.stdout)")
            // A binary file is no draft: skipped with a note (not an error of its own).
            #expect(r.stdout.contains("drafts/image.txt: note: skipped: looks like a binary file (NUL byte at byte 4)"), "\(r.stdout)")
            #expect(!r.stdout.contains("notes.yml"))
            let j = try CLI.run(["lint", "--config", "core.yml", "--format", "json", "drafts"], in: dir)
            #expect(j.status == 2)
            let json = try #require(try JSONSerialization.jsonObject(with: j.stdoutData) as? [String: Any])
            let errors = try #require(json["errors"] as? [[String: Any]])
            #expect(Set(errors.compactMap { $0["file"] as? String }) == ["drafts/gbk.txt"])
            let skipped = try #require(json["skipped"] as? [[String: Any]])
            #expect(skipped.compactMap { $0["file"] as? String } == ["drafts/image.txt"])
            #expect((json["diagnostics"] as? [Any])?.count == 1)
        }
    }

    @Test func stdinWithFilename() throws {
        try withDir { dir in
            let text = "`全 力` 以 赴\n"
            let md = try CLI.run(["lint", "--config", "core.yml", "--format", "json", "-", "--stdin-filename", "draft.md"], in: dir, stdin: Data(text.utf8))
            #expect(md.status == 1, "\(md.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: md.stdoutData) as? [String: Any])
            let diags = try #require(json["diagnostics"] as? [[String: Any]])
            // As Markdown, the code span is not linted.
            #expect(diags.count == 1)
            #expect(diags.first?["file"] as? String == "draft.md")
            let col = try #require(TS.position(of: " 赴", in: text)).column
            #expect((diags.first?["start"] as? [String: Any])?["column"] as? Int == col)
            // As plain text, it is.
            let txt = try CLI.run(["lint", "--config", "core.yml", "-", "--stdin-filename", "draft.txt"], in: dir, stdin: Data(text.utf8))
            #expect(txt.status == 1)
            #expect(txt.stdout.components(separatedBy: "[spacing.han-space-han]").count - 1 == 2, "\(txt.stdout)")
            #expect(txt.stdout.contains("draft.txt:1:"))
            // --fix on standard input writes the fixed text to stdout.
            let fixed = try CLI.run(["lint", "--config", "core.yml", "--fix", "-", "--stdin-filename", "draft.txt"], in: dir, stdin: Data("全 力 以 赴 。\n".utf8))
            #expect(fixed.stdout == "全力以赴。\n")
            #expect(fixed.status == 0, "\(fixed.stderr)")
        }
    }

    @Test func fixRewritesKeepingCRLFBOMAndMode() throws {
        try withDir { dir in
            let url = dir.appendingPathComponent("page.txt")
            let original: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("全 力 以\r\n赴 打 赢 。\r\n".utf8)
            try Data(original).write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: url.path)
            let r = try CLI.run(["lint", "--config", "core.yml", "--fix", "page.txt"], in: dir)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            let after = try [UInt8](Data(contentsOf: url))
            #expect(after == [0xEF, 0xBB, 0xBF] + Array("全力以\r\n赴打赢。\r\n".utf8))
            let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
            #expect(mode == 0o640)
            // No temporary files are left behind.
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".out-") && !$0.hasPrefix(".err-") }
            #expect(left.sorted() == ["core.yml", "page.txt"])
            // Fixing again changes nothing.
            let again = try CLI.run(["fix", "--config", "core.yml", "page.txt"], in: dir)
            #expect(again.status == 0)
            #expect(try [UInt8](Data(contentsOf: url)) == after)
        }
    }

    @Test func diffWritesNothing() throws {
        try withDir { dir in
            let url = dir.appendingPathComponent("page.md")
            let text = "全 力 以 赴\n\n其他。\n"
            try TS.write(text, to: url)
            let r = try CLI.run(["lint", "--config", "core.yml", "--diff", "page.md"], in: dir)
            #expect(r.status == 1)
            #expect(try String(contentsOf: url, encoding: .utf8) == text)
            #expect(r.stdout.hasPrefix("--- page.md\n+++ page.md\n@@ -1,"), "\(r.stdout)")
            #expect(r.stdout.contains("-全 力 以 赴\n+全力以赴\n"))
            // Nothing to change: empty diff, exit 0.
            try TS.write("全力以赴\n", to: url)
            let clean = try CLI.run(["lint", "--config", "core.yml", "--diff", "page.md"], in: dir)
            #expect(clean.status == 0)
            #expect(clean.stdout.isEmpty)
        }
    }

    /// `--diff` lints the original before fixing, counts its findings at once and reads the original back from the
    /// disk for the diff: its counts must be those of `lint`, for files in UTF-16 with CRLF as for plain ones, and
    /// with a baseline (which keeps the findings for filtering) as without.
    @Test func diffCountsAreThoseOfLint() throws {
        try withDir { dir in
            try TS.write("全 力 以 赴 ， 打 赢 。\n\n第二段 ， 还有 “引号” 。\n", to: dir.appendingPathComponent("a.txt"))
            let utf16 = Array("第 三 段\r\n其他 。\r\n".utf16)
            var raw: [UInt8] = [0xFF, 0xFE]
            for u in utf16 { raw.append(UInt8(u & 0xFF)); raw.append(UInt8(u >> 8)) }
            try Data(raw).write(to: dir.appendingPathComponent("b.txt"))
            try TS.write("全力以赴。\n", to: dir.appendingPathComponent("c.txt"))
            func counts(_ out: String) -> String? {
                out.split(separator: "\n").last { $0.contains(" checked)") }.map(String.init)
            }
            let lint = try CLI.run(["lint", "--config", "core.yml", "--color", "never", "."], in: dir)
            let diff = try CLI.run(["lint", "--config", "core.yml", "--diff", "."], in: dir)
            #expect(diff.status == 1)
            let lintCounts = try #require(counts(lint.stdout), "\(lint.stdout)")
            #expect(counts(diff.stderr)?.hasPrefix(String(lintCounts.prefix { $0 != ";" })) == true, "\(diff.stderr)\n\(lintCounts)")
            #expect(diff.stdout.contains("--- ./a.txt\n+++ ./a.txt\n"), "\(diff.stdout)")
            #expect(diff.stdout.contains("-第 三 段\r\n-其他 。\r\n+第三段\r\n+其他。\r\n"), "\(diff.stdout)")
            #expect(!diff.stdout.contains("c.txt"))
            // Nothing was written.
            #expect(try [UInt8](Data(contentsOf: dir.appendingPathComponent("b.txt"))) == raw)
            // A baseline of a.txt's findings: those are no longer counted, in --diff as in lint.
            let made = try CLI.run(["baseline", "create", "--config", "core.yml", "--output", "base.json", "a.txt"], in: dir)
            #expect(made.status == 0, "\(made.stderr)")
            let lintB = try CLI.run(["lint", "--config", "core.yml", "--color", "never", "--baseline", "base.json", "."], in: dir)
            let diffB = try CLI.run(["lint", "--config", "core.yml", "--diff", "--baseline", "base.json", "."], in: dir)
            let lintBCounts = try #require(counts(lintB.stdout), "\(lintB.stdout)")
            #expect(lintBCounts != lintCounts)
            #expect(counts(diffB.stderr)?.hasPrefix(String(lintBCounts.prefix { $0 != ";" })) == true, "\(diffB.stderr)\n\(lintBCounts)")
        }
    }

    /// `--fix -` lets standard input's bytes go once decoded: what it writes must still be the text as it came when
    /// nothing changes (a BOM and UTF-16 kept), and the bytes as they came when the input is not text.
    @Test func fixOfStandardInputKeepsWhatItDoesNotFix() throws {
        try withDir { dir in
            let clean = Data([0xEF, 0xBB, 0xBF] + Array("全力以赴。\r\n".utf8))
            let r1 = try CLI.run(["lint", "--config", "core.yml", "--fix", "-"], in: dir, stdin: clean)
            #expect(r1.status == 0, "\(r1.stderr)")
            #expect(r1.stdoutData == clean)
            var raw: [UInt8] = [0xFF, 0xFE]
            for u in "全 力 以 赴\r\n".utf16 { raw.append(UInt8(u & 0xFF)); raw.append(UInt8(u >> 8)) }
            var want: [UInt8] = [0xFF, 0xFE]
            for u in "全力以赴\r\n".utf16 { want.append(UInt8(u & 0xFF)); want.append(UInt8(u >> 8)) }
            let r2 = try CLI.run(["lint", "--config", "core.yml", "--fix", "-"], in: dir, stdin: Data(raw))
            #expect(r2.stdoutData == Data(want))
            let binary = Data([0x00, 0x01, 0xFF, 0xFE, 0x00, 0x00, 0x41])
            let r3 = try CLI.run(["lint", "--config", "core.yml", "--fix", "-"], in: dir, stdin: binary)
            #expect(r3.stderr.contains("binary"), "\(r3.stderr)")   // skipped, its bytes passed through
            #expect(r3.stdoutData == binary)
        }
    }

    @Test func testCommandReportsFailingHouseRule() throws {
        try withDir { dir in
            let good = """
            kind: phrases
            severity: warning
            message: 不要用“{match}”
            description: 套话
            scope: [body]
            phrases: [隆重召开]
            examples:
              valid:
                - 会议召开
              invalid:
                - 大会[[隆重召开]]
            """
            let bad = """
            kind: phrases
            severity: warning
            message: 不要用“{match}”
            description: 套话
            scope: [body]
            phrases: [胜利闭幕]
            examples:
              invalid:
                - 大会胜[[利闭幕]]
            """
            try TS.write(good, to: dir.appendingPathComponent("house/good.yml"))
            let ok = try CLI.run(["test", "house"], in: dir)
            #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
            #expect(ok.stdout.contains("all passed"))
            try TS.write(bad, to: dir.appendingPathComponent("house/style/bad.yml"))
            let r = try CLI.run(["test", "house"], in: dir)
            #expect(r.status == 1)
            let line = try #require(TS.position(of: "大会胜", in: bad)).line
            #expect(r.stdout.contains("house/style/bad.yml:\(line):"), "\(r.stdout)")
            #expect(r.stdout.contains("house.style.bad") || r.stdout.contains("style.bad"))
            #expect(!r.stdout.contains("good.yml"))
            // A rule file that does not load: exit 2 with its position.
            let broken = "kind: phrases\nseverity: loud\n"
            try TS.write(broken, to: dir.appendingPathComponent("broken/x.yml"))
            let b = try CLI.run(["test", "broken"], in: dir)
            #expect(b.status == 2)
            let p = try #require(TS.position(of: "loud", in: broken))
            #expect(b.stderr.contains("x.yml:\(p.line):\(p.column): error:"), "\(b.stderr)")
        }
    }

    @Test func initWritesAConfigThatLoads() throws {
        try withDir { dir in
            let r = try CLI.run(["init"], in: dir)
            #expect(r.status == 0)
            let path = dir.appendingPathComponent(".lintrc.yml").path
            let c = try Config.load(path: path)
            #expect(c.packs == ["copydesk:recommended"])
            #expect(c.style == "print")
            _ = try RuleSet.build(config: c, catalog: RuleCatalog.loadBuiltIn())
            // Refuses to overwrite without --force.
            #expect(try CLI.run(["init"], in: dir).status == 2)
            #expect(try CLI.run(["init", "--force"], in: dir).status == 0)
            // And the CLI runs with it.
            try TS.write("全 力\n", to: dir.appendingPathComponent("a.txt"))
            let lint = try CLI.run(["lint", "a.txt"], in: dir)
            #expect(lint.status == 1, "\(lint.stderr)")
        }
    }

    @Test func rulesAndExplain() throws {
        try withDir { dir in
            let r = try CLI.run(["rules", "--no-config"], in: dir)
            #expect(r.status == 0)
            #expect(r.stdout.hasPrefix("style: print\n"))
            let catalog = try RuleCatalog.loadBuiltIn()
            for rule in catalog.rules where rule.recommended && (rule.styles.isEmpty || rule.styles.contains("print")) {
                #expect(r.stdout.contains(rule.id))
            }
            let j = try CLI.run(["rules", "--no-config", "--format", "json"], in: dir)
            let items = try #require(try JSONSerialization.jsonObject(with: j.stdoutData) as? [[String: Any]])
            #expect(Set(items.compactMap { $0["id"] as? String }).isSuperset(of: ["spacing.han-space-han"]))
            #expect(items.first { $0["id"] as? String == "spacing.han-space-han" }?["fix"] as? String == "safe")

            try TS.write("rules:\n  spacing.han-space-han: off\n", to: dir.appendingPathComponent(".lintrc.yml"))
            let active = try CLI.run(["rules"], in: dir)
            #expect(!active.stdout.contains("spacing.han-space-han"))
            let all = try CLI.run(["rules", "--all"], in: dir)
            #expect(all.stdout.contains("off spacing.han-space-han"), "\(all.stdout)")

            let e = try CLI.run(["explain", "spacing.han-space-han", "--no-config"], in: dir)
            #expect(e.status == 0)
            let rule = try #require(catalog.rule("spacing.han-space-han"))
            #expect(e.stdout.hasPrefix("spacing.han-space-han  (boundary, error, fix: safe)"))
            #expect(e.stdout.contains(rule.message))
            #expect(e.stdout.contains(try #require(rule.authority)))
            let example = try #require(rule.examples.invalid.first)
            #expect(e.stdout.contains("✗ " + MarkedExample(example.text).text.replacingOccurrences(of: "\n", with: "⏎")))
            let unknown = try CLI.run(["explain", "spacing.han-spce-han", "--no-config"], in: dir)
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("did you mean 'spacing.han-space-han'?"))
        }
    }
}
