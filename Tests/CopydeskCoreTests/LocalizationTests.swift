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
