import Foundation
import Testing
@testable import CopydeskCore

/// Bytes of `text` in UTF-16 (by Swift's own encoder, not copydesk's), little- or big-endian, with or without a BOM.
func utf16Bytes(_ text: String, bigEndian: Bool, bom: Bool) -> [UInt8] {
    var out: [UInt8] = []
    for u in (bom ? [UInt16(0xFEFF)] : []) + Array(text.utf16) {
        let hi = UInt8(u >> 8), lo = UInt8(u & 0xFF)
        out += bigEndian ? [hi, lo] : [lo, hi]
    }
    return out
}

/// Creates a file whose name is given as raw bytes (which a Swift string cannot hold when they are not UTF-8).
func createFile(inDirectory dir: URL, nameBytes: [UInt8], contents: [UInt8]) -> Bool {
    let path = Array(dir.path.utf8) + [0x2F] + nameBytes + [0]
    return path.withUnsafeBufferPointer { p in
        p.withMemoryRebound(to: CChar.self) { c -> Bool in
            let fd = open(c.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            return contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) == contents.count }
        }
    }
}

func removeFile(inDirectory dir: URL, nameBytes: [UInt8]) {
    let path = Array(dir.path.utf8) + [0x2F] + nameBytes + [0]
    path.withUnsafeBufferPointer { p in p.withMemoryRebound(to: CChar.self) { _ = unlink($0.baseAddress!) } }
}

/// A corpus of bad inputs, generated here (no binary file is committed), each run end to end through the CLI with
/// the message and exit code it must give.
@Suite(.serialized) struct BadInputCLITests {
    struct Case {
        var name: String
        var files: [String: [UInt8]]
        var args: [String]
        var status: Int32
        var stdout: [String] = []
        var stderr: [String] = []
        var notInStdout: [String] = []
    }

    static func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }

    static let longLine = String(repeating: "全", count: 400_000) + " 力\n"

    static let cases: [Case] = [
        Case(name: "invalid UTF-8 (GBK bytes)", files: ["gbk.txt": utf8("正文\n") + [0xC4, 0xE3] + utf8("\n")],
             args: ["gbk.txt"], status: 2,
             stdout: ["gbk.txt: error: not valid UTF-8 at line 2, column 1 (byte 7 is 0xC4); skipped. If it is GB18030/GBK text, convert it: iconv -f GB18030 -t UTF-8",
                      "1 file could not be linted"],
             notInStdout: ["No problems found"]),
        Case(name: "UTF-16LE with BOM", files: ["le.txt": utf16Bytes("正文。\n全 力。\n", bigEndian: false, bom: true)],
             args: ["le.txt"], status: 1,
             stdout: ["le.txt:2:2: error: 汉字之间不应有空格 [spacing.han-space-han]", " 2 | 全 力。\n"],
             notInStdout: ["binary", "GB18030"]),
        Case(name: "UTF-16BE without BOM", files: ["be.txt": utf16Bytes("正文。\n全 力。\n", bigEndian: true, bom: false)],
             args: ["be.txt"], status: 1,
             stdout: ["be.txt:2:2: error: 汉字之间不应有空格 [spacing.han-space-han]"], notInStdout: ["binary", "GB18030"]),
        Case(name: "lone CR line ends", files: ["mac.txt": utf8("第一行。\r全 力。\r")],
             args: ["mac.txt"], status: 1,
             stdout: ["mac.txt:2:2: error: 汉字之间不应有空格", " 2 | 全 力。\n"], notInStdout: ["?", "mac.txt:1:"]),
        Case(name: "mixed line ends", files: ["mixed.txt": utf8("甲。\n乙 丙。\r\n丁 戊。\r己 庚。")],
             args: ["mixed.txt"], status: 1,
             stdout: ["mixed.txt:2:2: error:", "mixed.txt:3:2: error:", "mixed.txt:4:2: error:", "3 errors"]),
        Case(name: "binary file", files: ["image.txt": [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]],
             args: ["image.txt"], status: 0,
             stdout: ["image.txt: note: skipped: looks like a binary file (NUL byte at byte 8)", "1 file skipped (not text)"],
             notInStdout: ["No problems found"]),
        Case(name: "empty file", files: ["empty.txt": []], args: ["empty.txt"], status: 0, stdout: ["No problems found in 1 file"]),
        Case(name: "BOM only", files: ["bom.txt": [0xEF, 0xBB, 0xBF]], args: ["bom.txt"], status: 0, stdout: ["No problems found in 1 file"]),
        Case(name: "over --max-file-size", files: ["huge.txt": [UInt8](repeating: 0x61, count: 300 * 1024)],
             args: ["--max-file-size", "256K", "huge.txt"], status: 2,
             stdout: ["huge.txt: error: file is 300.0 KB (307200 bytes), above the limit of 256.0 KB; skipped. Raise it with --max-file-size (e.g. --max-file-size 1M)"],
             notInStdout: ["No problems found"]),
        Case(name: "a 1.2 MB line", files: ["long.txt": utf8(longLine)], args: ["long.txt"], status: 1,
             stdout: ["long.txt:1:400001: error: 汉字之间不应有空格", " 1 | …全全全", "全全 力\n"]),
        Case(name: "NUL byte after the first 8 KB", files: ["nul.txt": utf8(String(repeating: "正文。", count: 1000) + "\n甲\u{0}乙 丙。\n")],
             args: ["nul.txt"], status: 1, stdout: ["nul.txt:2:4: error: 汉字之间不应有空格", " 2 | 甲␀乙 丙。\n"]),
        Case(name: "missing path", files: [:], args: ["nope.txt"], status: 2, stdout: ["nope.txt: error: no such file or directory"]),
        Case(name: "bad --max-file-size", files: ["a.txt": utf8("甲\n")], args: ["--max-file-size", "lots", "a.txt"], status: 2,
             stderr: ["--max-file-size must be a size in bytes, or with K, M or G (e.g. 64M); found 'lots'"]),
    ]

    @Test func badFilesCorpus() throws {
        for c in Self.cases {
            let dir = try TS.makeTempDir("copydesk-bad").resolvingSymlinksInPath()
            defer { try? FileManager.default.removeItem(at: dir) }
            try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent("core.yml"))
            for (name, bytes) in c.files { try Data(bytes).write(to: dir.appendingPathComponent(name)) }
            let r = try CLI.run(["lint", "--config", "core.yml"] + c.args, in: dir)
            #expect(r.status == c.status, "\(c.name): exit \(r.status)\n\(r.stdout)\(r.stderr)")
            for s in c.stdout { #expect(r.stdout.contains(s), "\(c.name): missing \(s)\n\(r.stdout.prefix(3000))") }
            for s in c.stderr { #expect(r.stderr.contains(s), "\(c.name): missing \(s)\n\(r.stderr)") }
            for s in c.notInStdout { #expect(!r.stdout.contains(s), "\(c.name): unexpected \(s)\n\(r.stdout.prefix(3000))") }
        }
    }

    /// All the bad files of the corpus in one folder: each gets its message, the good file is still linted, and
    /// the run exits with 2.
    @Test func oneFolderOfBadFiles() throws {
        let dir = try TS.makeTempDir("copydesk-bad").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent("core.yml"))
        let walk = dir.appendingPathComponent("walk")
        try TS.write("全 力\n", to: walk.appendingPathComponent("good.txt"))
        for c in Self.cases { for (name, bytes) in c.files where name != "huge.txt" { try Data(bytes).write(to: walk.appendingPathComponent(name)) } }
        #expect(mkfifo(walk.appendingPathComponent("pipe.txt").path, 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: walk.appendingPathComponent("loop.txt").path, withDestinationPath: "loop.txt")
        try FileManager.default.createSymbolicLink(atPath: walk.appendingPathComponent("dangling.txt").path, withDestinationPath: "nowhere.txt")
        try FileManager.default.createDirectory(at: walk.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: walk.appendingPathComponent("sub/up").path, withDestinationPath: "..")
        let latin1Name = Array("caf".utf8) + [0xE9] + Array(".txt".utf8)
        #expect(createFile(inDirectory: walk, nameBytes: latin1Name, contents: Array("全 力\n".utf8)))
        defer { removeFile(inDirectory: walk, nameBytes: latin1Name) }

        let r = try CLI.run(["lint", "--config", "core.yml", "walk"], in: dir)
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        for s in ["walk/good.txt:1:2: error: 汉字之间不应有空格",
                  "walk/le.txt:2:2: error:", "walk/be.txt:2:2: error:", "walk/mac.txt:2:2: error:",
                  "walk/gbk.txt: error: not valid UTF-8 at line 2, column 1",
                  "walk/image.txt: note: skipped: looks like a binary file",
                  "walk/pipe.txt: note: skipped: not a regular file (a named pipe)",
                  "walk/loop.txt: error: cannot read: symbolic link loop",
                  "walk/dangling.txt: error: cannot read: broken symbolic link",
                  "walk/caf\\xE9.txt: error: file name is not valid UTF-8; cannot be linted (rename it)",
                  "2 files skipped (not text)"] {
            #expect(r.stdout.contains(s), "missing \(s)\n\(r.stdout.prefix(4000))")
        }
        // The link to the parent folder is not followed: nothing is linted twice.
        #expect(!r.stdout.contains("walk/sub/"))
        #expect(r.stdout.components(separatedBy: "walk/good.txt:1:2").count == 2)
        // Named on the command line, the loop is reported the same way.
        let named = try CLI.run(["lint", "--config", "core.yml", "walk/loop.txt", "walk/good.txt"], in: dir)
        #expect(named.status == 2)
        #expect(named.stdout.contains("walk/loop.txt: error: symbolic link loop"), "\(named.stdout)")
        #expect(named.stdout.contains("walk/good.txt:1:2: error:"))
    }

    @Test func unreadableFolderIsReportedAndTheRestLinted() throws {
        let dir = try TS.makeTempDir("copydesk-bad").resolvingSymlinksInPath()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.appendingPathComponent("drafts/locked").path)
            try? FileManager.default.removeItem(at: dir)
        }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent("core.yml"))
        try TS.write("全 力\n", to: dir.appendingPathComponent("drafts/a.txt"))
        try TS.write("全 力\n", to: dir.appendingPathComponent("drafts/locked/b.txt"))
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: dir.appendingPathComponent("drafts/locked").path)
        // Root reads every folder: run as nobody then (setpriv), which is how a real user meets this.
        var prefix: [String] = []
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
            prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            // Only where that user can reach the binary and the folder (a checkout under /root cannot).
            guard (try? CLI.run(["lint", "--config", "core.yml", "drafts/a.txt"], in: dir, wrapper: prefix))?.status == 1 else { return }
        }
        let r = try CLI.run(["lint", "--config", "core.yml", "drafts"], in: dir, wrapper: prefix)
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("drafts/locked: error: cannot read folder: Permission denied"), "\(r.stdout)")
        #expect(r.stdout.contains("drafts/a.txt:1:2: error:"))
    }

    @Test func utf16AndCRDraftsAreFixedInTheirOwnEncodingAndLineEnds() throws {
        let dir = try TS.makeTempDir("copydesk-bad").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent("core.yml"))
        // Letterspacing (a run of three single characters) is safe to fix.
        let before = "正文𠮷。\n全 力 以。\r\n赴 打 赢。\r"
        let after = "正文𠮷。\n全力以。\r\n赴打赢。\r"
        let files: [(String, [UInt8], [UInt8])] = [
            ("le-bom.txt", utf16Bytes(before, bigEndian: false, bom: true), utf16Bytes(after, bigEndian: false, bom: true)),
            ("be.txt", utf16Bytes(before, bigEndian: true, bom: false), utf16Bytes(after, bigEndian: true, bom: false)),
            ("mixed.txt", Array(before.utf8), Array(after.utf8)),
        ]
        for (name, bytes, _) in files { try Data(bytes).write(to: dir.appendingPathComponent(name)) }
        // --diff shows the decoded text, writes nothing, and says "fixable", never "fixed".
        let d = try CLI.run(["lint", "--config", "core.yml", "--diff", "le-bom.txt"], in: dir)
        #expect(d.status == 1)
        // The lone CR is shown as a line end (a bare CR would rewind the terminal line).
        #expect(d.stdout.contains(" 正文𠮷。\n-全 力 以。\r\n-赴 打 赢。\n+全力以。\r\n+赴打赢。\n"), "\(d.stdout)")
        #expect(d.stderr.contains("4 problems fixable with --fix"), "\(d.stderr)")
        #expect(!d.stderr.contains("fixed"))
        #expect(try [UInt8](Data(contentsOf: dir.appendingPathComponent("le-bom.txt"))) == files[0].1)

        let r = try CLI.run(["lint", "--config", "core.yml", "--fix"] + files.map(\.0), in: dir)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("fixed 12 problems"), "\(r.stdout)")
        for (name, _, expected) in files {
            #expect(try [UInt8](Data(contentsOf: dir.appendingPathComponent(name))) == expected, "\(name)")
        }
    }

    @Test func oneLineFileTooLargeForTheDefaultLimitNamesTheFlag() throws {
        // The default limit (256 MB) and its message, without writing 256 MB: ask for a limit below the file.
        #expect(Runner.Options().maxFileSize == ByteSize.parse("256M"))
        #expect(InputError.tooLarge(200 << 20, limit: 256 << 20).description.contains("--max-file-size"))
        #expect(InputError.tooLarge(300 << 20, limit: 256 << 20).description
                == "file is 300.0 MB (314572800 bytes), above the limit of 256.0 MB; skipped. Raise it with --max-file-size (e.g. --max-file-size 451M)")
    }
}

/// Configuration and rule files that are wrong in every way the issue lists, end to end.
@Suite(.serialized) struct BadConfigCLITests {
    func withDir(_ body: (URL) throws -> Void) throws {
        let dir = try TS.makeTempDir("copydesk-badcfg").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent("core.yml"))
        try TS.write("全 力\n", to: dir.appendingPathComponent("a.txt"))
        try body(dir)
    }

    static func patternRule(_ pattern: String, extra: String = "") -> String {
        "kind: pattern\nseverity: warning\nmessage: 测试\ndescription: d\nscope: [all]\npattern: \(pattern)\n\(extra)"
    }

    struct Case {
        var name: String
        var config: String
        var extra: [String: String] = [:]
        /// Expected stderr lines: `(needle in file, scalars after it, file name, message)`; the position is the needle's.
        var errors: [(String, Int, String, String)]
    }

    static let bomb = (["a: &a [x, x, x, x, x, x, x, x, x]"] + "bcdefgh".map { c -> String in
        let prev = Character(UnicodeScalar(c.unicodeScalars.first!.value - 1)!)
        return "\(c): &\(c) [" + Array(repeating: "*\(prev)", count: 9).joined(separator: ", ") + "]"
    }).joined(separator: "\n") + "\n"

    static let cases: [Case] = [
        Case(name: "malformed YAML", config: "rules: [a, b\nstyle: print\n",
             errors: [(": print", 0, ".lintrc.yml", "invalid YAML: did not find expected ',' or ']'")]),
        Case(name: "wrong type", config: "style: [print]\nfail-level: loud\n",
             errors: [("[print]", 0, ".lintrc.yml", "style must be a string, found a list"),
                      ("loud", 0, ".lintrc.yml", "fail-level must be one of info, warning, error; found 'loud'")]),
        Case(name: "duplicate key", config: "style: print\nrules: {}\nstyle: pangu\n",
             errors: [("style: pangu", 0, ".lintrc.yml", "duplicate key 'style' (first at line 1)")]),
        Case(name: "recursive extends", config: "extends: [b.yml]\n", extra: ["b.yml": "extends: c.yml\n", "c.yml": "extends: b.yml\n"],
             errors: [("b.yml", 0, "c.yml", "'extends' loops back: DIR/.lintrc.yml → b.yml → c.yml → b.yml")]),
        Case(name: "deep nesting", config: "style: " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n",
             // The mapping is the first level: the 64th bracket is the 65th.
             errors: [("[", 63, ".lintrc.yml", "YAML nested too deeply (more than 64 levels)")]),
        Case(name: "very deep nesting", config: "style: " + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000) + "\n",
             errors: [("[", 1, ".lintrc.yml", "YAML nested too deeply")]),   // where libyaml's own limit stops it
        Case(name: "alias bomb", config: bomb,
             // a…e stand for 74,718 nodes; the first *e of f passes 100,000.
             errors: [("*e", 0, ".lintrc.yml", "YAML aliases expand to more than 100000 nodes (an alias bomb?)")]),
        Case(name: "invalid regular expressions, all reported", config: "rule-paths: [house]\n",
             extra: ["house/open.yml": patternRule("'(全力'"), "house/star.yml": patternRule("'*全'"),
                     "house/brace.yml": patternRule("'全{2'"), "house/close.yml": patternRule("'全力)'")],
             errors: [("'全{2'", 0, "house/brace.yml", "invalid regular expression '全{2' (column 2 of the pattern): '{' must start a repeat count like {2}, {1,3} or {2,}"),
                      ("'全力)'", 0, "house/close.yml", "invalid regular expression '全力)' (column 3 of the pattern): unbalanced ')': no '(' opens it"),
                      ("'(全力'", 0, "house/open.yml", "invalid regular expression '(全力' (column 1 of the pattern): unbalanced '('"),
                      ("'*全'", 0, "house/star.yml", "invalid regular expression '*全' (column 1 of the pattern): dangling quantifier '*'")]),
    ]

    @Test func badConfigurationCorpus() throws {
        for c in Self.cases {
            try withDir { dir in
                try TS.write(c.config, to: dir.appendingPathComponent(".lintrc.yml"))
                for (name, text) in c.extra { try TS.write(text, to: dir.appendingPathComponent(name)) }
                let started = Date()
                let r = try CLI.run(["lint", "a.txt"], in: dir)
                #expect(Date().timeIntervalSince(started) < 20, "\(c.name) is slow")
                #expect(r.status == 2, "\(c.name): exit \(r.status)\n\(r.stdout)\(r.stderr)")
                #expect(!r.stdout.contains("a.txt:1:2"), "\(c.name): linted with a broken configuration")
                #expect(r.stdout.contains("1 file not linted because of configuration errors"), "\(c.name): \(r.stdout)")
                #expect(!r.stdout.contains("No problems found"))
                var lastIndex = r.stderr.startIndex
                for (needle, plus, file, message) in c.errors {
                    let text = file == ".lintrc.yml" ? c.config : (c.extra[file] ?? "")
                    let p = try #require(TS.position(of: needle, in: text, plusScalars: plus), "\(c.name): \(needle) not in \(file)")
                    let path = dir.appendingPathComponent(file).path
                    let line = "copydesk: \(path):\(p.line):\(p.column): error: \(message.replacingOccurrences(of: "DIR", with: dir.path))"
                    // In the order of files and positions.
                    if let found = r.stderr.range(of: line, range: lastIndex..<r.stderr.endIndex) { lastIndex = found.upperBound } else {
                        Issue.record("\(c.name): missing (in order) \(line)\n\(r.stderr)")
                    }
                }
                #expect(r.stderr.components(separatedBy: "error:").count - 1 == c.errors.count, "\(c.name): \(r.stderr)")
            }
        }
    }

    /// Errors of every configuration and rule file of a run are all shown, and files under a configuration that
    /// loads are still linted.
    @Test func allErrorsShownAndOtherFilesLinted() throws {
        try withDir { dir in
            try TS.write("extends: [../core.yml]\nstlye: pangu\nfail-level: loud\n", to: dir.appendingPathComponent("web/.lintrc.yml"))
            try TS.write("全 力\n", to: dir.appendingPathComponent("web/b.txt"))
            try TS.write("extends: [../core.yml]\nrule-paths: [house]\n", to: dir.appendingPathComponent("ocr/.lintrc.yml"))
            try TS.write("全 力\n", to: dir.appendingPathComponent("ocr/c.txt"))
            try TS.write("kind: phrases\nseverity: loud\nmessage: m\ndescription: d\nscope: [nowhere]\nphrases: [甲]\n", to: dir.appendingPathComponent("ocr/house/one.yml"))
            try TS.write(Self.patternRule("'(乙'"), to: dir.appendingPathComponent("ocr/house/two.yml"))
            try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent(".lintrc.yml"))
            let r = try CLI.run(["lint", "a.txt", "web", "ocr"], in: dir)
            #expect(r.status == 2)
            #expect(r.stdout.contains("a.txt:1:2: error: 汉字之间不应有空格"), "\(r.stdout)")
            #expect(r.stdout.contains("2 files not linted because of configuration errors"), "\(r.stdout)")
            for s in ["web/.lintrc.yml:2:1: error: unknown key 'stlye' in the configuration (did you mean 'style'?)",
                      "web/.lintrc.yml:3:13: error: fail-level must be one of",
                      "ocr/house/one.yml:2:11: error: severity must be one of",
                      "ocr/house/one.yml:5:9: error: unknown scope 'nowhere'",
                      "ocr/house/two.yml:6:10: error: invalid regular expression '(乙'"] {
                #expect(r.stderr.contains(s), "missing \(s)\n\(r.stderr)")
            }
            // JSON carries them too, with positions.
            let j = try CLI.run(["lint", "--format", "json", "a.txt", "web"], in: dir)
            let json = try #require(try JSONSerialization.jsonObject(with: j.stdoutData) as? [String: Any])
            let errors = try #require(json["errors"] as? [[String: Any]])
            #expect(errors.contains { ($0["file"] as? String)?.hasSuffix("web/.lintrc.yml") == true && $0["line"] as? Int == 2 && $0["column"] as? Int == 1 })
            #expect((json["summary"] as? [String: Any])?["notLinted"] as? Int == 1)
        }
    }

    @Test func slowPatternIsStoppedAndReported() throws {
        try withDir { dir in
            try TS.write("extends: [core.yml]\nrule-paths: [house]\nrules: {slow: on}\n", to: dir.appendingPathComponent(".lintrc.yml"))
            try TS.write(Self.patternRule("'^(a+)+$'", extra: "time-limit: 0.2\nexamples:\n  invalid: ['[[aaa]]']\n"),
                         to: dir.appendingPathComponent("house/slow.yml"))
            let text = "正文。\n" + String(repeating: "a", count: 40) + "b\n\naaa\n"
            try TS.write(text, to: dir.appendingPathComponent("slow.txt"))
            try TS.write("全 力\n", to: dir.appendingPathComponent("b.txt"))
            let started = Date()
            let r = try CLI.run(["lint", "slow.txt", "b.txt"], in: dir)
            #expect(Date().timeIntervalSince(started) < 20)   // 2^40 steps without the limit
            #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
            #expect(r.stdout.contains("slow.txt:2:1: error: rule stopped: its pattern ran past its time limit of 0.2 s on this file (catastrophic backtracking?)"), "\(r.stdout)")
            #expect(r.stdout.contains("[slow]"))
            #expect(r.stdout.contains("b.txt:1:2: error: 汉字之间不应有空格"))
            #expect(r.stdout.contains("rules stopped over their time limit in 1 file"))
        }
    }

    @Test func hugePhraseListLoadsAndMatches() throws {
        try withDir { dir in
            let phrases = (0..<20_000).map { "词\($0)条" }
            let rule = "kind: phrases\nseverity: warning\nmessage: 不要用“{match}”\ndescription: d\nscope: [body]\nphrases:\n"
                + phrases.map { "  - \($0)\n" }.joined() + "examples:\n  invalid: ['他说[[词19999条]]很好。']\n"
            try TS.write(rule, to: dir.appendingPathComponent("house/big.yml"))
            try TS.write("extends: [core.yml]\nrule-paths: [house]\nrules: {big: on}\n", to: dir.appendingPathComponent(".lintrc.yml"))
            let text = "第一段。\n\n他说词19999条和词7条都不好。\n"
            try TS.write(text, to: dir.appendingPathComponent("p.txt"))
            let r = try CLI.run(["lint", "p.txt"], in: dir)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            let p = try #require(TS.position(of: "词19999条", in: text))
            #expect(r.stdout.contains("p.txt:\(p.line):\(p.column): warning: 不要用“词19999条” [big]"), "\(r.stdout)")
            #expect(r.stdout.contains("不要用“词7条”"))
        }
    }

    @Test func mistypedSubcommandIsAUsageError() throws {
        try withDir { dir in
            let r = try CLI.run(["lnt", "a.txt"], in: dir)
            #expect(r.status == 2)
            #expect(r.stderr.contains("unknown command 'lnt' (did you mean 'lint'?)"), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(try CLI.run(["tets"], in: dir).stderr.contains("did you mean 'test'?"))
            // A path of that name is linted as before.
            try TS.write("全 力\n", to: dir.appendingPathComponent("lnt"))
            let path = try CLI.run(["lnt", "--config", "core.yml"], in: dir)
            #expect(path.status == 1, "\(path.stdout)\(path.stderr)")
            #expect(path.stdout.contains("lnt:1:2: error:"))
        }
    }

    /// `copydesk test` and `lint` read rule examples the same way: a body rule whose one-line example passes
    /// `test` loads in `lint` (it used to be refused as "flags none of its invalid examples": the line was read
    /// as a headline).
    @Test func testAndLintAgreeOnOneLineExamples() throws {
        try withDir { dir in
            let rule = "kind: phrases\nseverity: warning\nmessage: 不要用“{match}”\ndescription: 套话\nscope: [body]\n"
                + "phrases: [隆重召开]\nexamples:\n  valid: [会议召开]\n  invalid: ['大会[[隆重召开]]']\n"
            try TS.write(rule, to: dir.appendingPathComponent("house/stock.yml"))
            let t = try CLI.run(["test", "house"], in: dir)
            #expect(t.status == 0, "\(t.stdout)\(t.stderr)")
            try TS.write("extends: [core.yml]\nrule-paths: [house]\nrules: {stock: on}\n", to: dir.appendingPathComponent(".lintrc.yml"))
            try TS.write("第一段。\n\n今天大会隆重召开。\n", to: dir.appendingPathComponent("d.txt"))
            let l = try CLI.run(["lint", "d.txt"], in: dir)
            #expect(l.status == 0, "\(l.stdout)\(l.stderr)")
            #expect(l.stdout.contains("d.txt:3:5: warning: 不要用“隆重召开” [stock]"), "\(l.stdout)")
        }
    }
}

@Suite struct BadInputUnitTests {
    @Test func loneCRAndMixedLineEndsMakeLines() throws {
        let s = try SourceText(validating: Array("甲\r乙\r\n丙\n丁\r\r戊".utf8))
        #expect(s.lineCount == 6)
        #expect((0..<s.lineCount).map { s.string(s.lineContent($0)) } == ["甲", "乙", "丙", "丁", "", "戊"])
        #expect(s.position(of: try #require(TS.offset(of: "戊", in: "甲\r乙\r\n丙\n丁\r\r戊"))) == (6, 1))
        // A CRLF file is not taken for lone CRs.
        let crlf = SourceText("a\r\nb\r\n")
        #expect(crlf.lineStarts == [0, 3, 6])
        #expect(crlf.usesCRLF)
        // Invalid UTF-8 after lone CRs is placed on its line.
        do {
            _ = try SourceText(validating: Array("a\rb\r\n".utf8) + [0xFF])
            Issue.record("accepted")
        } catch {
            guard case .invalidUTF8(let line, let column, let offset, _) = error else { Issue.record("\(error)"); return }
            #expect((line, column, offset) == (3, 1, 5))
        }
    }

    @Test func utf16IsDecodedAndEncodedBack() throws {
        let text = "𠮷一丁 Ā\r\n第二行"
        for (be, bom) in [(false, true), (true, true), (false, false), (true, false)] {
            let raw = utf16Bytes(text, bigEndian: be, bom: bom)
            let s = try SourceText(validating: raw)
            #expect(s.string == text)
            #expect(s.encoding == (be ? .utf16BE : .utf16LE))
            #expect(s.hasBOM == bom)
            #expect(SourceText.fileBytes(s.bytes, hasBOM: s.hasBOM, encoding: s.encoding) == raw)
            #expect(SourceText.displayBytes(raw) == Array(text.utf8))
        }
        // An unpaired surrogate is an error naming its byte; a NUL character makes the file binary.
        let lone = [0xFF, 0xFE] + utf16Bytes("甲", bigEndian: false, bom: false) + [0x00, 0xD8] + utf16Bytes("乙", bigEndian: false, bom: false)
        #expect(throws: InputError.self) { try SourceText(validating: lone) }
        do { _ = try SourceText(validating: lone) } catch {
            #expect(error.description == "not valid UTF-16LE at byte 4 (an unpaired surrogate); skipped. Re-save the file as UTF-8")
        }
        do { _ = try SourceText(validating: [0xFF, 0xFE, 0x32, 0x75, 0x00, 0x00]) } catch {
            #expect(error.isNotice)
            #expect(error.description.contains("binary"))
        }
        // UTF-8 text and binary data are not taken for UTF-16.
        #expect(try SourceText(validating: Array("全力\n以赴\n".utf8)).encoding == .utf8)
    }

    @Test func regexProblemsNameTheColumn() {
        func p(_ s: String) -> String? { RegexProblem.find(in: s).map { "\($0.column): \($0.message)" } }
        #expect(p("(全力")?.hasPrefix("1: unbalanced '('") == true)
        #expect(p("全(?:a)(b")?.hasPrefix("7: unbalanced '('") == true)
        #expect(p("全力)")?.hasPrefix("3: unbalanced ')'") == true)
        #expect(p("[全力")?.hasPrefix("1: unclosed '['") == true)
        #expect(p("+全")?.hasPrefix("1: dangling quantifier '+'") == true)
        #expect(p("a|*b")?.hasPrefix("3: dangling quantifier '*'") == true)
        #expect(p("a**")?.hasPrefix("3: quantifier '*' follows another quantifier") == true)
        #expect(p("a{2")?.hasPrefix("2: '{' must start a repeat count") == true)
        #expect(p("a{3,1}")?.hasPrefix("2: repeat count {3,1} has its maximum below its minimum") == true)
        #expect(p("全\\")?.hasPrefix("2: the pattern ends with a lone backslash") == true)
        #expect(p("\\q")?.hasPrefix("1: unknown escape '\\q'") == true)
        // Correct patterns give nothing (lazy and possessive quantifiers, sets, groups, escapes).
        for ok in ["(\\d+)千元", "a*?b++c{1,3}?", "[(*]+", "(?<=全)力", "(?i)abc", "\\Q(*\\E", "[[a-z]&&[^x]]", "\\p{Han}+"] {
            #expect(p(ok) == nil, "\(ok)")
            #expect((try? NSRegularExpression(pattern: ok)) != nil, "\(ok)")
        }
    }

    @Test func byteSizesAndEscapedNames() {
        #expect(ByteSize.parse("1048576") == 1 << 20)
        #expect(ByteSize.parse("512K") == 512 << 10)
        #expect(ByteSize.parse("64m") == 64 << 20)
        #expect(ByteSize.parse("1GiB") == 1 << 30)
        #expect(ByteSize.parse("lots") == nil)
        #expect(ByteSize.parse("-1") == nil)
        #expect(escapedFileName(Array("caf".utf8) + [0xE9] + Array("全.txt".utf8)) == "caf\\xE9全.txt")
        #expect(escapedFileName([0x01, 0xFF, 0x41]) == "\u{1}\\xFFA")
    }

    @Test func fileRemovedDuringTheRunIsAnErrorAndTheOthersAreLinted() throws {
        let dir = try TS.makeTempDir("copydesk-vanish").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent(".lintrc.yml"))
        try TS.write("全 力\n", to: dir.appendingPathComponent("gone.txt"))
        try TS.write("全 力\n", to: dir.appendingPathComponent("kept.txt"))
        let runner = try Runner(options: Runner.Options())
        let (files, missing) = try runner.discover([dir.path])
        #expect(missing.isEmpty)
        #expect(files.map { URL(fileURLWithPath: $0).lastPathComponent } == ["gone.txt", "kept.txt"])
        try FileManager.default.removeItem(at: dir.appendingPathComponent("gone.txt"))
        let results = runner.run(files: files, write: false)
        #expect(results[0].0.error == "cannot read: no such file (was it removed during the run?)")
        #expect(results[1].0.error == nil)
        #expect(results[1].0.diagnostics.map(\.ruleID) == ["spacing.han-space-han"])
    }

    @Test func yamlLimits() throws {
        // Depth: a little nesting is fine, more than the limit is an error at the deepest opening.
        _ = try YAMLValue.parse("a: " + String(repeating: "[", count: 60) + String(repeating: "]", count: 60), file: "x.yml")
        let deep = "a:\n" + (1...70).map { String(repeating: "  ", count: $0) + "k\($0):\n" }.joined()
        let e = TS.configError { _ = try YAMLValue.parse(deep, file: "x.yml") }
        #expect(e?.message.hasPrefix("YAML nested too deeply") == true, "\(String(describing: e))")
        // Aliases: ordinary reuse is fine.
        let v = try YAMLValue.parse("base: &b {x: 1}\nuse: [*b, *b]\n", file: "x.yml")
        #expect(v["use"]?.kindName == "a list")
    }

    @Test func checkCanMatchReadsExamplesLikeTheTestCommand() throws {
        let rule = try TS.rule(TS.ruleYAML(kind: "phrases", extra: "phrases: [隆重召开]\nexamples:\n  invalid: ['大会[[隆重召开]]']\n", scope: "[body]"))
        #expect(ExampleRunner.run(rule).isEmpty)
        #expect(throws: Never.self) { try RuleCatalog.checkCanMatch(rule) }
    }
}

/// The read-ahead for a batch whose files are not in the page cache (`Prefetcher`). The files are written to a
/// folder on disk (not /tmp, which may be memory) and dropped from the cache with `POSIX_FADV_DONTNEED`.
@Suite(.serialized) struct PrefetchTests {
    /// A folder under the package's `.build` (on the disk the build uses).
    static func diskDir() throws -> URL {
        let url = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent(".build/prefetch-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes the file to disk and drops its pages from the cache; false when they stay (the test says so). A few
    /// tries: pages still under writeback, or read again by someone else, are not dropped at once.
    static func evict(_ path: String) -> Bool {
        for attempt in 0..<5 {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return false }
            fsync(fd)
            _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
            var byte: UInt8 = 0
            var cold = false
            // Still cached when a cached-only read gets data.
            let evicted = Prefetcher.readCached(fd, &byte, 1, cold: &cold) == nil && cold
            close(fd)
            if evicted { return true }
            if attempt < 4 { usleep(50_000) }
        }
        return false
    }

    /// The system would not drop the files from its page cache (the kernel's choice, not copydesk's): the test says
    /// so as a known issue in its output instead of failing the run.
    static func notEvicted(_ what: String) {
        withKnownIssue("the system kept \(what) in the page cache (or cannot read cached data only): the cold path was not tested") {
            Issue.record("not evicted: \(what)")
        }
    }

    @Test func aCachedFileIsReadWithoutWaitingAndAnEvictedOneStartsTheReadAhead() throws {
        let dir = try Self.diskDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a.txt").path
        try TS.write(String(repeating: "县农业农村局召开会议。\n", count: 200), to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var cold = false
        let n = buf.withUnsafeMutableBytes { Prefetcher.readCached(fd, $0.baseAddress!, $0.count, cold: &cold) }
        // Just written: in the cache, read whole without waiting.
        #expect(n == 200 * Array("县农业农村局召开会议。\n".utf8).count && !cold)
        guard Self.evict(path) else { Self.notEvicted("the file"); return }
        let p = Prefetcher(files: [path, dir.appendingPathComponent("missing.txt").path, dir.path, path])
        #expect(!p.didStart)
        p.cold(at: 0)
        #expect(p.didStart)
        p.stop()
    }

    /// A batch of files not in the cache gives the same reports as when they are.
    @Test func anEvictedBatchGivesTheSameReports() throws {
        let dir = try Self.diskDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent(".lintrc.yml"))
        for i in 0..<(Prefetcher.minFiles * 3) {
            try TS.write("第\(i)篇 全 力 以 赴，\(String(repeating: "县里召开会议。", count: i % 7))\n", to: dir.appendingPathComponent(String(format: "f%03d.txt", i)))
        }
        let runner = try Runner(options: Runner.Options())
        let (files, missing) = try runner.discover([dir.path])
        #expect(missing.isEmpty && files.count == Prefetcher.minFiles * 3)
        func summary() -> [String] {
            runner.run(files: files, write: false).map { r in
                "\(r.0.path) \(r.0.error ?? "") " + r.0.diagnostics.map { "\($0.ruleID)@\($0.range)" }.joined(separator: ",")
            }
        }
        let warm = summary()
        let evicted = files.filter { Self.evict($0) }.count
        guard evicted > 0 else { Self.notEvicted("the batch's files"); return }
        #expect(summary() == warm)
        #expect(warm.allSatisfy { $0.contains("spacing.han-space-han") })
    }
}
