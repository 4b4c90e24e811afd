import Foundation
import Testing
@testable import CopydeskCore

/// The unsafe fix of `duplicates.paragraph` (deleting the later copy) and disable comments that only suppress
/// cross-file findings.
extension DuplicatesTests {
    static func fixed(_ text: String, unsafe: Bool) throws -> String {
        let outcome = FixApplier.fix(try SourceText(validating: Array(text.utf8)), path: "draft.txt", linter: try Self.linter(), allowUnsafe: unsafe)
        return String(decoding: outcome.bytes, as: UTF8.self)
    }

    @Test func exactCopyFixDeletesTheLaterParagraphOnlyWhenUnsafe() throws {
        let m = Self.meeting, r = Self.report
        // Blank-line separated paragraphs: the copy and one blank line go.
        let text = "春耕\n\n\(m)\n\n\(r)\n\n\(m)\n\n结尾一段。\n"
        let ds = try Self.lint(text)
        let d = try #require(ds.first { $0.ruleID == "duplicates.paragraph" })
        #expect(d.fix?.safety == .unsafe)
        #expect(try Self.fixed(text, unsafe: false) == text, "never a safe fix")
        #expect(try Self.fixed(text, unsafe: true) == "春耕\n\n\(m)\n\n\(r)\n\n结尾一段。\n")
        // One paragraph a line (web text), CRLF, the copy in the middle.
        let web = "春耕\r\n\(m)\r\n\(m)\r\n\(r)\r\n"
        #expect(try Self.fixed(web, unsafe: true) == "春耕\r\n\(m)\r\n\(r)\r\n")
        // The copy at the end, with and without a final line break: the text ends as it did.
        #expect(try Self.fixed("春耕\n\n\(m)\n\n\(m)\n", unsafe: true) == "春耕\n\n\(m)\n")
        #expect(try Self.fixed("春耕\n\n\(m)\n\n\(m)", unsafe: true) == "春耕\n\n\(m)")
        // Three copies: both later ones go.
        #expect(try Self.fixed("春耕\n\n\(m)\n\n\(m)\n\n\(m)\n\n\(r)\n", unsafe: true) == "春耕\n\n\(m)\n\n\(r)\n")
        // Markdown list item: the whole item with its marker.
        let md = "# 春耕\n\n- \(m)\n- \(r)\n- \(m)\n"
        #expect(try Self.fixed(md, unsafe: true).components(separatedBy: m).count == 2)
        // A near copy has no fix.
        #expect(try Self.lint("春耕\n\n\(m)\n\n\(m.replacingOccurrences(of: "全面", with: "认真"))\n").allSatisfy { $0.fix == nil })
    }

    @Test func disablesOfCrossFileFindingsAreNotReportedUnusedWhenTheyAreUsed() throws {
        let a = "稿件甲\n\n\(Self.meeting)\n"
        // b's comment suppresses the copy of a's paragraph: used, though nothing in b alone repeats.
        let b = "稿件乙\n\n# copydesk-disable duplicates -- 转载稿\n\(Self.meeting)\n"
        // c's comment covers a duplicates rule but nothing in the run: unused, reported after the batch.
        let c = "稿件丙\n\n# copydesk-disable-next-line duplicates.paragraph\n\(Self.report)\n"
        // d's comment names another rule: reported in the file's own lint as before.
        let d = "稿件丁\n\n# copydesk-disable-next-line spacing.han-space-han\n秋粮收购工作全面展开。\n"
        let reports = try runBatch(["a.txt": a, "b.txt": b, "c.txt": c, "d.txt": d])
        func ids(_ name: String) -> [String] { reports.filter { $0.path == name }.flatMap(\.diagnostics).map(\.ruleID) }
        #expect(ids("a.txt") == ["duplicates.paragraph"])
        #expect(ids("b.txt").isEmpty, "\(ids("b.txt"))")
        #expect(ids("c.txt") == ["copydesk.unused-disable"])
        #expect(ids("d.txt") == ["copydesk.unused-disable"])
        let unusedC = try #require(reports.first { $0.path == "c.txt" }?.diagnostics.first)
        #expect(unusedC.range.lowerBound == TS.offset(of: "# copydesk-disable-next-line", in: c))
        // One file alone: no batch, the comment is unused at once.
        let alone = try Self.lint(b)
        #expect(alone.map(\.ruleID) == ["copydesk.unused-disable"])
    }
}

/// Standard input takes part in the cross-file pass (`copydesk lint - drafts/`).
@Suite(.serialized) struct DuplicatesStdinTests {
    @Test func standardInputIsComparedWithTheFilesOfTheRun() throws {
        let dir = try TS.makeTempDir("copydesk-dup-stdin").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(DuplicatesTests.configYAML, to: dir.appendingPathComponent(".lintrc.yml"))
        try TS.write("稿件甲\n\n\(DuplicatesTests.meeting)\n", to: dir.appendingPathComponent("a.txt"))
        try TS.write("稿件乙\n\n秋粮收购工作全面展开，各收储企业按照国家标准敞开收购，确保农民卖粮不难。\n", to: dir.appendingPathComponent("b.txt"))
        let input = Data("稿件丙\n\n本报讯 昨天下午，县里召开了一次会议。\n\n\(DuplicatesTests.meeting)\n".utf8)
        let r = try CLI.run(["lint", "--format", "json", "-", "a.txt", "b.txt"], in: dir, stdin: input)
        #expect(r.status == 1, "\(r.stdout) \(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        let diags = try #require(json["diagnostics"] as? [[String: Any]])
        func rules(_ path: String) -> [String] {
            diags.filter { ($0["file"] as? String) == path }.compactMap { $0["rule"] as? String }
        }
        #expect(rules("<stdin>") == ["duplicates.paragraph"], "\(r.stdout)")
        #expect(rules("a.txt") == ["duplicates.paragraph"], "\(r.stdout)")
        #expect(rules("b.txt").isEmpty)
        #expect(r.stdout.contains("“a.txt”第 3 行第 1 列"), "\(r.stdout)")
        // Text output names the copy in standard input.
        let t = try CLI.run(["lint", "--stdin-filename", "来稿.txt", "-", "a.txt"], in: dir, stdin: input)
        #expect(t.stdout.contains("a.txt:3:1: error: 段落重复：与“来稿.txt”第 5 行第 1 列的段落相同"), "\(t.stdout)")
        // A file's own findings are printed too when standard input is among the paths (text rendered at the end).
        try TS.write("稿件丁\n\n\(DuplicatesTests.report)\n\n\(DuplicatesTests.report)\n", to: dir.appendingPathComponent("d.txt"))
        let own = try CLI.run(["lint", "-", "d.txt"], in: dir, stdin: Data("稿件戊\n\n全力以赴。\n".utf8))
        #expect(own.stdout.contains("d.txt:5:1: error: 段落重复：与第 3 行第 1 列的段落相同"), "\(own.stdout)")
    }
}

@Suite struct RadixSortTests {
    @Test func sortsLikeTheStandardSort() {
        var rng = SplitMix64(seed: 11)
        for n in [0, 1, 5, 300, 5_000, 70_000] {
            for shape in 0..<3 {
                var a = (0..<n).map { _ -> UInt64 in
                    let x = rng.next()
                    switch shape {
                    case 0: return x
                    case 1: return x & 0xFFFF_0000_0000_FFFF    // digits that never vary are skipped
                    default: return x % 7                        // many equal keys
                    }
                }
                let expected = a.sorted()
                RadixSort.sort(&a)
                #expect(a == expected, "n \(n), shape \(shape)")
            }
        }
    }
}
