import Foundation
import Testing
@testable import CopydeskCore

/// The linter's pipeline and in-document disables.
@Suite struct LinterDirectiveTests {
    let linter: Linter = try! TS.defaultLinter()

    func lint(_ text: String, _ path: String) -> [Diagnostic] { linter.lint(Document(path: path, text: text)) }

    func lines(_ ds: [Diagnostic], _ text: String, rule: String? = nil) -> [Int] {
        let src = SourceText(text)
        return ds.filter { rule == nil || $0.ruleID == rule }.map { src.position(of: $0.range.lowerBound).line }
    }

    @Test func diagnosticsAreSortedAndCarryRuleData() throws {
        let text = "正文 内容 ，完毕。\n"
        let ds = lint(text, "a.md")
        #expect(ds.map(\.ruleID) == ["spacing.han-space-han", "spacing.space-around-fullwidth-punct"])
        #expect(ds.map(\.range.lowerBound) == [try #require(TS.offset(of: " 内容", in: text)), try #require(TS.offset(of: " ，", in: text))])
        #expect(ds[0].severity == .error)
        #expect(ds[0].message == "汉字之间不应有空格")
        #expect(ds[0].fix?.edits == [Edit(range: ds[0].range, replacement: "")])
        // A space between two words (正文 内容) may be a lost separator: its fix is unsafe; letterspacing is safe.
        #expect(ds[0].fix?.safety == .unsafe)
        #expect(lint("正 文 内 容\n", "a.md").first?.fix?.safety == .safe)
        // Two characters are no run: a name or a pause, not letterspacing.
        #expect(lint("正 文\n", "a.md").first?.fix?.safety == .unsafe)
    }

    @Test func markdownDisableEnableRegion() {
        let text = """
        全 力

        <!-- copydesk-disable spacing.han-space-han -->
        以 赴

        <!-- copydesk-enable -->
        打 赢

        """
        let ds = lint(text, "a.md")
        #expect(lines(ds, text) == [1, 7])
        #expect(ds.allSatisfy { $0.ruleID == "spacing.han-space-han" })
    }

    @Test func disableOnlyTheNamedRule() throws {
        let text = "<!-- copydesk-disable spacing.han-space-han -->\n以 赴 ，打赢\n"
        let ds = lint(text, "a.md")
        #expect(ds.map(\.ruleID) == ["spacing.space-around-fullwidth-punct"])
    }

    @Test func disableWithoutEnableRunsToTheEnd() {
        let text = "全 力\n\n<!-- copydesk-disable -->\n\n以 赴\n\n打 赢\n"
        #expect(lines(lint(text, "a.md"), text) == [1])
    }

    @Test func disableNextLine() {
        let text = "<!-- copydesk-disable-next-line spacing.han-space-han -->\n以 赴\n打 赢\n"
        let ds = lint(text, "a.md")
        #expect(lines(ds, text) == [3])
    }

    @Test func disableNextLineSkipsBlankLines() {
        let text = "<!-- copydesk-disable-next-line spacing.han-space-han -->\n\n以 赴\n\n打 赢\n"
        #expect(lines(lint(text, "a.md"), text) == [5])
    }

    @Test func disableLineInline() {
        let text = "全 力 <!-- copydesk-disable-line spacing -->\n以 赴\n"
        let ds = lint(text, "a.md")
        #expect(lines(ds, text) == [2])
        #expect(!ds.contains { $0.ruleID == "copydesk.unused-disable" })
    }

    @Test func packPrefixDoesNotMatchOtherPacks() {
        // `spacing` covers spacing.*, but `spac` is not a prefix of a rule id segment.
        let text = "<!-- copydesk-disable spac -->\n\n以 赴\n"
        let ds = lint(text, "a.md")
        #expect(lines(ds, text, rule: "spacing.han-space-han") == [3])
        let unused = ds.filter { $0.ruleID == "copydesk.unused-disable" }
        #expect(unused.count == 1)
        #expect(unused.first?.message.contains("spac") == true)
    }

    @Test func plainTextDirectives() throws {
        let text = "正文，内容。\n\n# copydesk-disable spacing -- OCR 原文照录\n全 力 ，以 赴\n# copydesk-enable\n\n打 赢，完毕。\n"
        let doc = Document(path: "a.txt", text: text)
        #expect(doc.directives.count == 2)
        #expect(doc.directives[0].reason == "OCR 原文照录")
        #expect(doc.directives[0].rules == ["spacing"])
        let ds = linter.lint(doc)
        #expect(lines(ds, text) == [7])
        #expect(!ds.contains { $0.ruleID == "copydesk.unused-disable" })
        // `//` works too, and a reason with the full-width dash.
        let text2 = "正文，内容。\n// copydesk-disable-next-line spacing.han-space-han —— 人名\n欧阳 娜娜，你好。\n"
        let d2 = Document(path: "a.txt", text: text2)
        #expect(d2.directives.first?.reason == "人名")
        #expect(linter.lint(d2).isEmpty)
    }

    @Test func reasonIsNotARuleName() {
        let text = "<!-- copydesk-disable spacing.han-space-han -- 人名 spacing -->\n\n以 赴\n"
        let doc = Document(path: "a.md", text: text)
        #expect(doc.directives.first?.rules == ["spacing.han-space-han"])
        #expect(doc.directives.first?.reason == "人名 spacing")
        #expect(linter.lint(doc).isEmpty)
    }

    @Test func severalRulesInOneDirective() {
        let text = "<!-- copydesk-disable-next-line spacing.han-space-han, spacing.space-around-fullwidth-punct -->\n以 赴 ，打赢\n"
        let doc = Document(path: "a.md", text: text)
        #expect(doc.directives.first?.rules == ["spacing.han-space-han", "spacing.space-around-fullwidth-punct"])
        #expect(linter.lint(doc).isEmpty)
    }

    @Test func unusedDisableIsReportedAsInfo() throws {
        let text = "正文\n\n<!-- copydesk-disable spacing.han-space-han -->\n\n全力\n"
        let ds = lint(text, "a.md")
        #expect(ds.count == 1)
        let d = try #require(ds.first)
        #expect(d.ruleID == "copydesk.unused-disable")
        #expect(d.severity == .info)
        let start = try #require(TS.offset(of: "<!--", in: text))
        #expect(d.range == start..<(try #require(TS.offset(of: "-->", in: text, plus: 3))))
        #expect(SourceText(text).position(of: d.range.lowerBound) == (3, 1))
        // Off when the rule set says so, and with the configured severity otherwise.
        #expect(Linter(rules: linter.rules, unusedDisable: nil).lint(Document(path: "a.md", text: text)).isEmpty)
        #expect(Linter(rules: linter.rules, unusedDisable: .warning).lint(Document(path: "a.md", text: text)).first?.severity == .warning)
    }

    @Test func enableIsNeverUnused() {
        let text = "全力\n\n<!-- copydesk-enable -->\n"
        #expect(lint(text, "a.md").isEmpty)
    }

    @Test func unknownRuleInADirective() throws {
        let text = "<!-- copydesk-disable-next-line spacing.no-such-rule -->\n以 赴\n"
        let ds = lint(text, "a.md")
        #expect(lines(ds, text, rule: "spacing.han-space-han") == [2])
        let u = try #require(ds.first { $0.ruleID == "copydesk.unused-disable" })
        #expect(u.message.contains("spacing.no-such-rule"))
        #expect(u.message.contains("不存在"))
    }

    @Test func directivesInsideCodeAreIgnored() {
        let text = "```\n<!-- copydesk-disable -->\n```\n\n以 赴\n\n`<!-- copydesk-disable -->` 打 赢\n"
        let doc = Document(path: "a.md", text: text)
        #expect(doc.directives.isEmpty)
        #expect(lines(linter.lint(doc), text) == [5, 7])
    }

    @Test func enableOfOneRuleKeepsOthersDisabled() {
        let text = """
        <!-- copydesk-disable spacing.han-space-han, spacing.space-around-fullwidth-punct -->

        以 赴 ，打赢

        <!-- copydesk-enable spacing.han-space-han -->

        以 赴 ，打赢

        """
        let ds = lint(text, "a.md")
        #expect(ds.map(\.ruleID) == ["spacing.han-space-han"])
        #expect(lines(ds, text) == [7])
    }

    @Test func crlfDocumentsGiveTheSamePositions() {
        let lf = "<!-- copydesk-disable-next-line spacing -->\n以 赴\n打 赢\n"
        let crlf = lf.replacingOccurrences(of: "\n", with: "\r\n")
        let a = lint(lf, "a.md"), b = lint(crlf, "a.md")
        #expect(lines(a, lf) == [3])
        #expect(lines(b, crlf) == [3])
        #expect(a.map(\.ruleID) == b.map(\.ruleID))
    }

    @Test func trailingWhitespaceAtLineEndOnly() throws {
        let text = "正文。  \n正文。\t\r\n"
        let ds = lint(text, "a.txt").filter { $0.ruleID == "spacing.trailing-whitespace" }
        #expect(ds.map(\.range) == [try #require(TS.offset(of: "  \n", in: text)).advanced(by: 0)..<(try #require(TS.offset(of: "\n", in: text))),
                                    try #require(TS.offset(of: "\t", in: text))..<(try #require(TS.offset(of: "\r", in: text)))])
    }
}

@Suite struct ReEnableTests {
    func lint(_ text: String) throws -> [Diagnostic] {
        let cat = try RuleCatalog.loadBuiltIn()
        let rules = ["spacing.han-space-han", "spacing.han-digit"].compactMap { cat.rule($0) }
        return Linter(rules: rules, unusedDisable: .info, knownIDs: Set(cat.ids)).lint(Document(path: "a.md", text: text))
    }

    @Test func enablingOneRuleInsideAPackDisable() throws {
        let text = """
        <!-- copydesk-disable spacing -->
        全 力 12 月

        <!-- copydesk-enable spacing.han-digit -->
        全 力 12 月

        <!-- copydesk-enable -->
        全 力

        """
        let ds = try lint(text)
        let src = SourceText(text)
        let found = ds.map { "\(src.position(of: $0.range.lowerBound).line):\($0.ruleID)" }
        // Line 2: everything off. Line 5: han-digit back on, han-space-han still off. Line 8: all on again.
        #expect(found == ["5:spacing.han-digit", "5:spacing.han-digit", "8:spacing.han-space-han"])
    }

    @Test func enablingOneRuleInsideADisableAll() throws {
        let text = "<!-- copydesk-disable -->\n全 力 12 月\n\n<!-- copydesk-enable spacing.han-space-han -->\n全 力 12 月\n"
        let ds = try lint(text)
        let src = SourceText(text)
        #expect(ds.map { "\(src.position(of: $0.range.lowerBound).line):\($0.ruleID)" } == ["5:spacing.han-space-han"])
    }
}

/// A large document is parsed and linted in chunks on several threads. Lowering the size at which that starts to
/// a few hundred bytes must change nothing in the findings or the fixes.
@Suite struct ParallelDocumentTests {
    @Test func chunkedParsingAndLintingChangeNothing() throws {
        let config = try Config.parse("style: print\n", file: "/par/.lintrc.yml", directory: "/par")
        let linter = Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
        var texts = [("p.txt", ConformanceFixture.pairs.filter { $0.format != "markdown" }.map(\.before).joined(separator: "\n\n"))]
        texts += IncrementalFixTests.inputs().filter { $0.0.hasSuffix(".txt") }.prefix(60).map { ("p.txt", $0.1) }
        // Markdown too (the line-local checks over Markdown segments run in chunks as well).
        texts.append(("p.md", ConformanceFixture.pairs.filter { $0.format == "markdown" }.map(\.before).joined(separator: "\n\n")))
        texts += IncrementalFixTests.inputs().filter { $0.0.hasSuffix(".md") }.map { ("p.md", $0.1) }
        let key = { (d: Diagnostic) in "\(d.ruleID) \(d.range) \(d.message) \(d.fix?.edits.map { "\($0.range)=\($0.replacement)" } ?? [])" }
        var compared = 0, markdown = 0
        for (path, text) in texts where text.utf8.count > 600 {
            let whole = linter.lint(Document(path: path, text: text)).map(key)
            let fixedWhole = FixApplier.fix(SourceText(text), path: path, linter: linter, allowUnsafe: false).bytes
            // For this task only: other tests run concurrently and keep the real limits (scripts/sanitize.sh runs
            // this under ThreadSanitizer).
            let (chunked, fixedChunked, chunks) = Parallel.$limits.withValue(Parallel.Limits(threshold: 256, maxChunks: 4)) {
                (linter.lint(Document(path: path, text: text)).map(key),
                 FixApplier.fix(SourceText(text), path: path, linter: linter, allowUnsafe: false).bytes,
                 Parallel.chunks(forBytes: text.utf8.count))
            }
            #expect(chunks > 1, "the text must take the parallel path")
            #expect(whole == chunked)
            #expect(fixedWhole == fixedChunked)
            compared += 1
            if path.hasSuffix(".md") { markdown += 1 }
        }
        #expect(compared >= 2 && markdown >= 1)
    }
}
