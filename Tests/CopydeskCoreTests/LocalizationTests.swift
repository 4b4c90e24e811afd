import Foundation
import Testing
@testable import CopydeskCore

/// The text report's own words in Chinese or English (`Localization/ReportLanguage.swift`, `--lang`, the locale).
@Suite struct LocalizationTests {
    @Test func languageFromTheLocale() {
        #expect(ReportLanguage.fromEnvironment([:]) == .en)
        #expect(ReportLanguage.fromEnvironment(["LANG": "zh_CN.UTF-8"]) == .zh)
        #expect(ReportLanguage.fromEnvironment(["LANG": "zh_TW.Big5"]) == .zh)
        #expect(ReportLanguage.fromEnvironment(["LANG": "en_US.UTF-8"]) == .en)
        #expect(ReportLanguage.fromEnvironment(["LANG": "C.UTF-8"]) == .en)
        // LC_ALL, then LC_MESSAGES, then LANG; empty values do not count.
        #expect(ReportLanguage.fromEnvironment(["LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"]) == .en)
        #expect(ReportLanguage.fromEnvironment(["LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"]) == .zh)
        #expect(ReportLanguage.fromEnvironment(["LC_ALL": "", "LC_MESSAGES": "zh_HK.UTF-8", "LANG": "C"]) == .zh)
        #expect(ReportLanguage(option: "zh") == .zh)
        #expect(ReportLanguage(option: "EN") == .en)
        #expect(ReportLanguage(option: "fr") == nil)
        #expect(ReportLanguage(option: "zhx") == nil)
    }

    func report(_ text: String) throws -> RunReport {
        let doc = Document(path: "稿件.txt", text: text)
        let diags = try TS.defaultLinter().lint(doc)
        return RunReport(files: [FileReport(path: "稿件.txt", source: doc.source, diagnostics: diags)], rules: [])
    }

    @Test func chineseLabelsAndSummary() throws {
        let r = try report("扎紧篱笆 墙。\n全力以赴。 \n")
        let zh = TextReporter(color: false, language: .zh).render(r)
        let en = TextReporter(color: false).render(r)
        #expect(zh.contains("稿件.txt:1:5: 错误: 汉字之间不应有空格 [spacing.han-space-han]"), "\(zh)")
        #expect(en.contains("稿件.txt:1:5: error: 汉字之间不应有空格 [spacing.han-space-han]"), "\(en)")
        let errors = r.count(.error), warnings = r.count(.warning)
        #expect(zh.hasSuffix("\(errors) 个错误，\(warnings) 个警告，0 个提示，分布在 1 个文件中（共检查 1 个文件）\n"), "\(zh)")
        #expect(en.hasSuffix("in 1 file (1 checked)\n"), "\(en)")
        #expect(!zh.contains(" error") && !zh.contains("warning"))

        let clean = try report("全力以赴。\n")
        #expect(TextReporter(color: false, language: .zh).summary(clean) == "未发现问题（共 1 个文件）\n")
        #expect(TextReporter(color: false).summary(clean) == "No problems found in 1 file\n")

        var missing = RunReport(files: [FileReport(path: "无.txt", source: nil, diagnostics: [], error: "no such file or directory")], rules: [])
        missing.preview = false
        let m = TextReporter(color: false, language: .zh).render(missing)
        #expect(m.contains("无.txt: 错误: 文件或文件夹不存在"), "\(m)")
        #expect(m.contains("1 个文件无法检查"), "\(m)")
    }

    @Test func cliFollowsLangAndTheOption() throws {
        let dir = try TS.makeTempDir("copydesk-lang").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent(".lintrc.yml"))
        try TS.write("扎紧篱笆 墙。\n", to: dir.appendingPathComponent("a.txt"))
        try TS.write("全力以赴。\n", to: dir.appendingPathComponent("clean.txt"))
        let zh = try CLI.run(["lint", "a.txt", "missing.txt"], in: dir, environment: ["LANG": "zh_CN.UTF-8"])
        #expect(zh.status == 2)
        #expect(zh.stdout.contains("a.txt:1:5: 错误: 汉字之间不应有空格"), "\(zh.stdout)")
        #expect(zh.stdout.contains("missing.txt: 错误: 文件或文件夹不存在"), "\(zh.stdout)")
        #expect(zh.stdout.contains("1 个错误，0 个警告，0 个提示，分布在 1 个文件中（共检查 1 个文件）；1 个文件无法检查"), "\(zh.stdout)")
        let clean = try CLI.run(["lint", "--lang", "zh", "clean.txt"], in: dir)
        #expect(clean.stdout == "未发现问题（共 1 个文件）\n", "\(clean.stdout)")
        let en = try CLI.run(["lint", "--lang", "en", "a.txt"], in: dir, environment: ["LC_ALL": "zh_CN.UTF-8"])
        #expect(en.stdout.contains("a.txt:1:5: error:"), "\(en.stdout)")
        #expect(en.stdout.contains("1 error, 0 warnings, 0 infos in 1 file (1 checked)"), "\(en.stdout)")
        // Machine formats never change.
        let json = try CLI.run(["lint", "--format", "json", "a.txt"], in: dir, environment: ["LANG": "zh_CN.UTF-8"])
        #expect(json.stdout.contains("\"severity\" : \"error\"") || json.stdout.contains("\"severity\":\"error\""), "\(json.stdout)")
        #expect(!json.stdout.contains("错误:"))
        let bad = try CLI.run(["lint", "--lang", "fr", "a.txt"], in: dir)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--lang must be zh or en"), "\(bad.stderr)")
    }
}

/// Every error and notice the text report prints has a Chinese form with `--lang zh` (issue 13): each case is
/// made for real (files, folders, a configuration, an archive, Word packages, a read-only file) or, where it cannot
/// be made on demand (write failures, a newer archive, a time-out), from its error value; each line must hold no
/// English word beyond the values it names (paths, encodings, options, commands).
@Suite struct ChineseErrorTests {
    /// English words left in a Chinese line once the allowed values are taken out (runs of 3+ ASCII letters).
    static func english(_ line: String, allowing allowed: [String] = []) -> [String] {
        var s = line
        let kept = allowed + ["UTF-8", "UTF-16LE", "UTF-16BE", "UTF-16", "GB18030/GBK", "iconv -f GB18030 -t UTF-8", "--max-file-size",
                              "chmod u+w", "copydesk archive add", "copydesk", "NUL", ".docx", ".doc", "Word", "OLE", "ZIP", "XML",
                              "word/document.xml", "time-limit", "swift build --traits PostgreSQL", "PostgreSQL", "0xFF", "0xD8"]
        for a in kept.sorted(by: { $0.count > $1.count }) { s = s.replacingOccurrences(of: a, with: " ") }
        var words: [String] = [], cur = ""
        for u in s.unicodeScalars {
            if (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") { cur.unicodeScalars.append(u) } else { if cur.count >= 3 { words.append(cur) }; cur = "" }
        }
        if cur.count >= 3 { words.append(cur) }
        return words
    }

    @Test func everyFileErrorOfARunIsChinese() throws {
        let dir = try TS.makeTempDir("copydesk-zh-errors").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write("extends: []\n", to: dir.appendingPathComponent(".lintrc.yml"))
        let fm = FileManager.default
        func put(_ bytes: [UInt8], _ name: String) throws {
            try fm.createDirectory(at: dir.appendingPathComponent(name).deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: dir.appendingPathComponent(name))
        }
        try put(Array("正文。\n第二行".utf8) + [0xFF, 0x0A], "bad-utf8.txt")
        try put([0xFF, 0xFE, 0x2D, 0x4E, 0x00, 0xD8, 0x0A, 0x00], "bad-utf16.txt")    // UTF-16LE, an unpaired high surrogate
        try put(Array(repeating: 0x41, count: 3000) + [0x0A], "big.txt")
        try put([0x41, 0x00, 0x42, 0x0A] + Array(repeating: 0x41, count: 100), "walk/binary.txt")
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("walk/broken.txt").path, withDestinationPath: "nowhere.txt")
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("walk/loop.txt").path, withDestinationPath: "loop.txt")
        #expect(mkfifo(dir.appendingPathComponent("walk/pipe.txt").path, 0o644) == 0)
        try put(Array("not a zip".utf8), "fake.docx")
        try put([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 64), "ole.docx")
        try put(Array("---\n".utf8), "bad-config/.lintrc.yml")
        try TS.write("rules:\n  no-such-rule: on\nunknown-key: 1\n", to: dir.appendingPathComponent("bad-config/.lintrc.yml"))
        try TS.write("扎紧篱笆墙。\n", to: dir.appendingPathComponent("bad-config/draft.txt"))
        let args = ["lint", "--lang", "zh", "--max-file-size", "2K", "bad-utf8.txt", "bad-utf16.txt", "big.txt",
                    "missing.txt", "walk", "fake.docx", "ole.docx", "bad-config/draft.txt"]
        let r = try CLI.run(args, in: dir)
        #expect(r.status == 2)
        let english = try CLI.run(["lint", "--lang", "en"] + args.dropFirst(3), in: dir)
        let out = r.stdout + r.stderr
        // Each case is there (the English run names it), and in Chinese.
        let expected: [(String, String)] = [
            ("bad-utf8.txt", "第 2 行第 4 列不是有效的 UTF-8"), ("bad-utf16.txt", "不是有效的 UTF-16LE（不成对的代理项）"),
            ("big.txt", "文件大小为 2.9 KB（3001 字节），超过上限 2.0 KB，已跳过"),
            ("missing.txt", "文件或文件夹不存在"), ("walk/binary.txt", "已跳过：看来是二进制文件"),
            ("walk/broken.txt", "无法读取：符号链接指向的文件不存在"), ("walk/loop.txt", "无法读取：符号链接循环"),
            ("walk/pipe.txt", "已跳过：不是普通文件（命名管道）"), ("fake.docx", "不是 .docx 文件包（不是 ZIP 文件）"),
            ("ole.docx", "这是 OLE 复合文件"), ("bad-config/.lintrc.yml", "配置错误"),
        ]
        for (name, zh) in expected {
            #expect(english.stdout.contains(name) || english.stderr.contains(name), "no English case for \(name): \(english.stdout) \(english.stderr)")
            #expect(out.split(separator: "\n").contains { $0.contains(name) && $0.contains(zh) }, "\(name): \(zh) not in \(out)")
        }
        #expect(r.stdout.contains("个文件无法检查"), "\(r.stdout)")
        for line in out.split(separator: "\n").map(String.init) where !line.contains("配置错误") {
            #expect(Self.english(line, allowing: expected.map(\.0) + ["bad-config/draft.txt", "walk/nowhere.txt"]).isEmpty, "English left: \(line)")
        }
        // Configuration errors: the position and a Chinese label; the loader's detail (quoting keys) stays English.
        #expect(out.contains("bad-config/.lintrc.yml:3:1：配置错误：unknown key"), "\(out)")
    }

    @Test func archiveAndFixErrorsAreChinese() throws {
        let dir = try TS.makeTempDir("copydesk-zh-errors2").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent(".lintrc.yml"))
        try TS.write("扎紧篱笆 墙。\n", to: dir.appendingPathComponent("ro.txt"))
        chmod(dir.appendingPathComponent("ro.txt").path, 0o444)
        var r = try CLI.run(["lint", "--lang", "zh", "--archive", "missing.sqlite", "ro.txt"], in: dir)
        #expect(r.status == 2 && r.stderr.contains("\(dir.path)/missing.sqlite 处没有存档"), "\(r.stderr)")
        #expect(Self.english(r.stderr, allowing: [dir.path + "/missing.sqlite"]).isEmpty, "\(r.stderr)")
        r = try CLI.run(["lint", "--lang", "zh", "--config", ".lintrc.yml", "--fix", "--unsafe-fixes", "ro.txt"], in: dir)
        #expect(r.stdout.contains("ro.txt: 错误: 只读文件（权限 444），未修复"), "\(r.stdout)")
        for line in r.stdout.split(separator: "\n").map(String.init) where line.hasPrefix("ro.txt: ") {
            #expect(Self.english(line, allowing: ["ro.txt"]).isEmpty, "English left: \(line)")
        }
    }

    /// The cases that cannot be made on demand, from their error values: every `InputError`, `WriteRefusal` and
    /// `ArchiveError`, the walk's name errors, the Word package errors, a rule's time-out.
    @Test func everyErrorValueHasAChineseForm() throws {
        let loc = ArchiveLocation.sqlite(path: "/srv/a.sqlite")
        let values: [String] = [
            InputError.unreadable("permission denied").description, InputError.unreadable("Input/output error").description,
            InputError.binary(byteOffset: 7).description, InputError.notRegular("a socket").description,
            InputError.notRegular("a device").description,
            InputError.invalidUTF8(line: 3, column: 2, byteOffset: 40, bytes: [0xFF]).description,
            InputError.invalidUTF16(.utf16BE, byteOffset: 8).description, InputError.tooLarge(300 << 20, limit: 256 << 20).description,
            InputError.tooLarge(3000, limit: 100).description,
            "cannot read folder: Permission denied", "folder name is not valid UTF-8; not walked (rename it)",
            "file name is not valid UTF-8; cannot be linted (rename it)",
            WriteRefusal.readOnly(mode: 0o100444).description, WriteRefusal.notWritable.description, WriteRefusal.notRegularFile.description,
            WriteRefusal.changedOnDisk.description, WriteRefusal.io("No space left on device", kept: "/tmp/a.txt.copydesk-fixed").description,
            WriteRefusal.io("Read-only file system", kept: nil).description,
            ArchiveError.missing(loc).description, ArchiveError.newerSchema(loc, ["v9"]).description,
            ArchiveError.notAnArchive(loc, "no such table").description, ArchiveError.unsupported(.postgres(url: "postgres://ed@db/news")).description,
            ArchiveError.database(.postgres(url: "postgres://ed@db/news"), "cannot connect: 57P01").description,
            ArchiveError.database(loc, "cannot add: 13").description,
            "not a readable .docx package (x); the file is damaged", "word/document.xml inflates to 9 bytes, above the limit of 8 (--max-file-size)",
            "word/document.xml inflates beyond the limit of 8 bytes (--max-file-size)",
            "cannot read word/document.xml from the package (x); the file is damaged or its parts are encrypted",
            "not a Word document: the package has no word/document.xml", "could not build the fixed package",
            "word/document.xml is not well-formed XML (line 1, column 2: 5); the file is damaged",
            "word/document.xml is not UTF-8 (byte 4); copydesk reads Word files saved as UTF-8 XML",
            "word/document.xml is UTF-16 XML; copydesk reads Word files saved as UTF-8 XML",
            "word/document.xml has a document type declaration, which Word parts never have; the file is damaged or not a Word document",
            "word/document.xml: bad character reference at byte 9; the file is damaged",
            "word/document.xml: unknown entity &nbsp; at byte 9; the file is damaged",
            "the document's text: 5", "internal error: the fixed runs do not give the fixed text; nothing was written (please report this)",
            "skipped: a lock file Word keeps while the document is open",
            "rule stopped: its pattern ran past its time limit of 0.5 s on this file (catastrophic backtracking?), so its findings from here on are missing; simplify the pattern or raise its time-limit",
        ]
        for v in values {
            let zh = ReportLanguage.zh.fileError(v)
            #expect(zh != v, "no Chinese form: \(v)")
            #expect(Self.english(zh, allowing: ["/srv/a.sqlite", "postgres://ed@db/news", "/tmp/a.txt.copydesk-fixed", "nbsp", "57P01", "no such table"]).isEmpty,
                    "English left: \(zh)")
            #expect(ReportLanguage.en.fileError(v) == v)
        }
        // Values are kept in place.
        #expect(ReportLanguage.zh.fileError(InputError.invalidUTF8(line: 3, column: 2, byteOffset: 40, bytes: [0xFF]).description)
                .hasPrefix("第 3 行第 2 列不是有效的 UTF-8（第 40 字节为 0xFF）"))
        // A rule failure is printed in Chinese by the text report.
        let doc = Document(path: "a.txt", text: "正文。\n")
        let d = Diagnostic(ruleID: "x.y", severity: .error, message: "archive /srv/a.sqlite: cannot read: disk I/O error", range: 0..<0, fix: nil, isRuleFailure: true)
        let out = TextReporter(color: false, language: .zh).render(RunReport(files: [FileReport(path: "a.txt", source: doc.source, diagnostics: [d])], rules: []))
        #expect(out.contains("a.txt:1:1: 错误: 存档 /srv/a.sqlite：无法读取：disk I/O error [x.y]"), "\(out)")
    }
}
