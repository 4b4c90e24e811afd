import Foundation
import Testing
@testable import CopydeskCore

/// Markdown and plain-text scanning: blocks, roles, content ranges, verbatim ranges, segments.
@Suite struct MarkdownDocumentTests {
    func doc(_ text: String) -> Document { Document(path: "draft.md", text: text) }

    /// The text rules read for a scope, segment by segment.
    func prose(_ d: Document, _ scope: Scope = .all) -> [String] {
        d.segments(for: scope).map { d.source.string($0.range) }
    }

    @Test func formatFollowsExtension() {
        #expect(Document.format(forPath: "a/B.MD") == .markdown)
        #expect(Document.format(forPath: "x.markdown") == .markdown)
        #expect(Document.format(forPath: "x.mdx") == .markdown)
        #expect(Document.format(forPath: "x.txt") == .plainText)
        #expect(Document.format(forPath: "md") == .plainText)
    }

    @Test func frontMatterHasItsOwnRole() throws {
        let text = "---\ntitle: 全 力\n---\n正文 内容\n"
        let d = doc(text)
        let fm = try #require(d.blocks.first)
        #expect(fm.kind == .frontMatter)
        #expect(fm.role == .frontMatter)
        #expect(fm.lines == 0..<3)
        #expect(d.source.string(fm.content[0]) == "title: 全 力")
        #expect(prose(d, .body) == ["正文 内容"])
        // Front matter is not body text: the body rule does not see it.
        let diags = try TS.lint(text, path: "draft.md").filter { $0.ruleID == "spacing.han-space-han" }
        #expect(diags.map(\.range.lowerBound) == [try #require(TS.offset(of: " 内容", in: text))])
    }

    @Test func unterminatedFrontMatterIsProse() {
        let d = doc("---\ntitle: x\n")
        #expect(!d.blocks.contains { $0.kind == .frontMatter })
    }

    @Test func fencedCodeIsNotLinted() throws {
        let text = "前文。\n\n```swift\nlet s = \"全 力 以 赴\"\n```\n\n~~~\n全 力\n~~~\n\n后 文\n"
        let d = doc(text)
        let code = d.blocks.filter { $0.kind == .code }
        #expect(code.count == 2)
        #expect(code.allSatisfy { $0.role == .code })
        #expect(code[0].lines == 2..<5)
        #expect(d.source.string(code[0].content[0]) == "let s = \"全 力 以 赴\"")
        #expect(!prose(d).joined().contains("全 力"))
        let diags = try TS.lint(text, path: "draft.md")
        #expect(diags.map(\.ruleID) == ["spacing.han-space-han"])
        #expect(diags.first?.range.lowerBound == TS.offset(of: "后 文", in: text, plus: 3))
        // A fence left open runs to the end of the document.
        let open = doc("```\n全 力\n")
        #expect(open.blocks.count == 1 && open.blocks[0].kind == .code)
    }

    @Test func indentedCodeIsCode() {
        let d = doc("正文。\n\n    全 力\n    以 赴\n\n后文")
        #expect(d.blocks.map(\.kind) == [.paragraph, .code, .paragraph])
        #expect(d.blocks[1].lines == 2..<4)
    }

    @Test func inlineCodeSpansAreCutOut() throws {
        let text = "使用`全 力`命令和``a ` 以 赴``完成 任务"
        let d = doc(text)
        #expect(prose(d) == ["使用", "命令和", "完成 任务"])
        let segs = d.segments(for: .all)
        #expect(segs[0].atLineStart && !segs[0].atLineEnd)
        #expect(!segs[1].atLineStart && !segs[1].atLineEnd)
        #expect(!segs[2].atLineStart && segs[2].atLineEnd)
        let diags = try TS.lint(text, path: "draft.md")
        #expect(diags.map(\.range.lowerBound) == [try #require(TS.offset(of: " 任务", in: text))])
        // The same text as plain text is linted everywhere.
        #expect(try TS.lint(text, path: "draft.txt").filter { $0.ruleID == "spacing.han-space-han" }.count == 3)
    }

    @Test func linkDestinationsAreVerbatimButLinkTextIsProse() throws {
        let text = "见[新华 网](https://example.com/全 力)报道。图![示 意](a.png)"
        let d = doc(text)
        let dest = try #require(TS.offset(of: "(https", in: text))
        #expect(d.verbatim.contains { $0.lowerBound == dest && d.source.string($0).hasSuffix("全 力)") })
        #expect(prose(d).joined() == "见[新华 网]报道。图![示 意]")
        let spaces = try TS.lint(text, path: "draft.md").filter { $0.ruleID == "spacing.han-space-han" }.map(\.range.lowerBound)
        #expect(spaces == [try #require(TS.offset(of: " 网", in: text)), try #require(TS.offset(of: " 意", in: text))])
    }

    @Test func htmlCommentsAreNotLinted() throws {
        let text = "正文<!-- 全 力 以 赴 -->正文\n\n<!--\n多 行\n注 释\n-->\n\n<div>\n块 级\n</div>\n"
        let d = doc(text)
        #expect(d.blocks.contains { $0.kind == .comment && $0.lines == 2..<6 && $0.role.isEmpty })
        #expect(d.blocks.contains { $0.kind == .html && $0.role.isEmpty })
        #expect(prose(d) == ["正文", "正文"])
        #expect(try TS.lint(text, path: "draft.md").isEmpty)
    }

    @Test func atxAndSetextHeadingsAreHeadlines() throws {
        let text = "# 全力以赴 #\n\n正文。\n\n副 标 题\n----\n\n####### 不是标题\n"
        let d = doc(text)
        let h1 = d.blocks[0]
        #expect(h1.kind == .heading(level: 1))
        #expect(h1.role == .headline)
        #expect(d.source.string(h1.content[0]) == "全力以赴")   // markers and closing #s cut off
        let setext = try #require(d.blocks.first { $0.kind == .heading(level: 2) })
        #expect(setext.role == .headline)
        #expect(setext.lines == 4..<6)
        #expect(d.source.string(setext.content[0]) == "副 标 题")
        // Seven #s is a paragraph.
        #expect(d.blocks.last?.kind == .paragraph)
        #expect(prose(d, .headline) == ["全力以赴", "副 标 题"])
        // han-space-han reads headlines.
        let diags = try TS.lint(text, path: "draft.md").filter { $0.ruleID == "spacing.han-space-han" }
        #expect(diags.count == 2)
        #expect(diags.allSatisfy { d.source.position(of: $0.range.lowerBound).line == 5 })
    }

    @Test func listItemsAndQuotesHaveMarkersCutOff() throws {
        let text = "- 第一 项\n  续行\n* 第二项\n1. 第三项\n10) 第四项\n\n> 引 文\n> > 嵌套\n继续\n"
        let d = doc(text)
        let items = d.blocks.filter { $0.kind == .listItem }
        #expect(items.count == 4)
        #expect(items.map { d.source.string($0.content[0]) } == ["第一 项", "第二项", "第三项", "第四项"])
        #expect(d.source.string(items[0].content[1]) == "续行")
        #expect(items.allSatisfy { $0.role == .body })
        let quote = try #require(d.blocks.first { $0.kind == .blockquote })
        #expect(quote.content.map { d.source.string($0) } == ["引 文", "嵌套", "继续"])
        // Segments start after the marker, so a line-start rule sees the text, not the marker.
        let segs = d.segments(for: .body)
        let first = try #require(segs.first)
        #expect(first.range.lowerBound == 2 && first.atLineStart)
        let diags = try TS.lint(text, path: "draft.md").filter { $0.ruleID == "spacing.han-space-han" }
        #expect(diags.map(\.range.lowerBound) == [try #require(TS.offset(of: " 项", in: text)), try #require(TS.offset(of: " 文", in: text))])
    }

    @Test func thematicBreakAndTables() {
        let d = doc("正文\n\n---\n\n| 列 一 | 列二 |\n|---|---|\n")
        #expect(d.blocks.map(\.kind) == [.paragraph, .thematicBreak, .table])
        #expect(d.blocks[1].role.isEmpty)
        #expect(d.blocks[2].role == .body)
    }

    @Test func bareURLsAndEmailsAreExcludedFromSegments() throws {
        let text = "请访问 https://example.com/a_b?x=1 或写信给 news.desk@example.com 。也可 www.example.org/路径。"
        for path in ["draft.md", "draft.txt"] {
            let d = Document(path: path, text: text)
            let all = d.segments(for: .all).map { d.source.string($0.range) }.joined(separator: "|")
            #expect(!all.contains("example"), "\(path): \(all)")
            #expect(!all.contains("news.desk"))
            #expect(all.hasPrefix("请访问 |"))
            let url = try #require(TS.offset(of: "https://", in: text))
            #expect(d.verbatim.contains { $0.lowerBound == url && d.source.string($0) == "https://example.com/a_b?x=1" })
            let mail = try #require(TS.offset(of: "news.desk", in: text))
            #expect(d.verbatim.contains { $0.lowerBound == mail && d.source.string($0) == "news.desk@example.com" })
        }
        // Trailing sentence punctuation is not part of a URL.
        let d = Document(path: "x.txt", text: "见 http://a.cn/x.")
        #expect(d.verbatim.map { d.source.string($0) } == ["http://a.cn/x"])
    }

    @Test func verbatimIsSortedAndDisjoint() {
        let d = doc("a `b` <!-- c --> [d](http://e.com) http://f.com `g`\n\n> h `i`\n")
        for (x, y) in zip(d.verbatim, d.verbatim.dropFirst()) { #expect(x.upperBound < y.lowerBound) }
        #expect(d.verbatim.count == 6)
    }

    @Test func blockIndexContaining() throws {
        let text = "甲\n\n乙乙\n"
        let d = doc(text)
        #expect(d.blockIndex(containing: 0) == 0)
        #expect(d.blockIndex(containing: try #require(TS.offset(of: "乙", in: text))) == 1)
    }

    /// Found by fuzz-document: an empty fenced code block has no content lines and the byte range 0..<0; the
    /// search by byte range landed on it and answered "the code block" for the first byte of the text.
    @Test func blockIndexPastAnEmptyCodeBlock() throws {
        let text = "甲\n\n乙乙\n\n```swift\n```\n\n丙\n\n丁\n"
        let d = doc(text)
        #expect(d.blocks.map(\.kind) == [.paragraph, .paragraph, .code, .paragraph, .paragraph])
        #expect(d.blocks[2].content.isEmpty)
        for (needle, block) in [("甲", 0), ("乙", 1), ("丙", 3), ("丁", 4)] {
            #expect(d.blockIndex(containing: try #require(TS.offset(of: needle, in: text))) == block, "\(needle)")
        }
        #expect(d.blockIndex(containing: try #require(TS.offset(of: "```", in: text))) == nil)
        // The crash input itself (saved by libFuzzer): every block is found from its own first byte.
        let crash = "正文见 [yde０sk-d 月\n\n网址:https://example.com/patisabme0 spacing.d*z检查。\n\n```swift代码 12:http\n```\n\n    缩进代码 12 月\n\n网址:https://example.com/path?q=1，邮件 a 力 = 12 月\n`` 月\n```\n"
        let c = doc(crash)
        #expect(c.blocks.contains { $0.content.isEmpty })
        for (i, b) in c.blocks.enumerated() where !b.content.isEmpty {
            #expect(c.blockIndex(containing: b.byteRange.lowerBound) == i)
        }
    }

    /// The credit of a dateline after an empty code block is a byline segment of the dateline's own block.
    @Test func datelineCreditSegmentAfterAnEmptyCodeBlock() throws {
        let text = "甲。\n\n本报讯（记者 张三）会议召开。\n\n```\n```\n\n乙。\n\n丙。\n"
        let d = doc(text)
        let credit = try #require(d.segments(for: .byline).first)
        #expect(d.source.string(credit.range).contains("记者 张三"))
        #expect(d.blocks[credit.block].role == .dateline)
    }
}

@Suite struct PlainTextDocumentTests {
    func isByline(_ s: String) -> Bool {
        let src = SourceText(s)
        return ArticleStructure.isByline(src, 0..<src.bytes.count)
    }

    func isDateline(_ s: String) -> Bool {
        let src = SourceText(s)
        return ArticleStructure.isDateline(src, 0..<src.bytes.count)
    }

    @Test(arguments: [
        "□融媒首席记者 陈晓苏", " □融媒首席记者 陈晓苏", "本报记者 张三 李四", "本报记者　张三　李四", "通讯员 王五",
        "本报记者 张三 通讯员 李四", "■见习记者 欧阳小明", "文/图 张三", "张三 摄", "口本报记者 张三", "新华社记者 张三、李四",
    ])
    func bylines(_ line: String) {
        #expect(isByline(line), "\(line)")
    }

    @Test(arguments: [
        "融媒记者开展疫情防控暗访“回头看”", "记者节快乐，大家辛苦了", "本报记者", "口罩要戴好", "沈晓红在永督导疫情防控工作时强调",
        "本报讯 12 月 14 日夜，市领导章", "记者 张三说今天很冷，明天更冷，后天也冷，大家多穿衣服注意保暖", "",
    ])
    func notBylines(_ line: String) {
        #expect(!isByline(line), "\(line)")
    }

    @Test(arguments: ["本报讯 12 月 14 日夜，市领导章", "新华社北京12月14日电 记者张三", "本报北京12月14日电", "据新华社北京12月14日电", "本报杭州讯 昨天"])
    func datelines(_ line: String) {
        #expect(isDateline(line), "\(line)")
    }

    @Test(arguments: ["市领导12月14日电话慰问", "本报记者 张三", "讯飞输入法", "新华社北京分社"])
    func notDatelines(_ line: String) {
        #expect(!isDateline(line), "\(line)")
    }

    func roles(_ text: String) -> [(String, Scope)] {
        let d = Document(path: "page.txt", text: text)
        return d.blocks.filter { !$0.role.isEmpty }.map { (d.source.string($0.byteRange), $0.role) }
    }

    func role(of needle: String, in text: String) -> Scope? {
        let d = Document(path: "page.txt", text: text)
        guard let o = TS.offset(of: needle, in: text), let i = d.blockIndex(containing: o) else { return nil }
        return d.blocks[i].role
    }

    @Test func ocrArticleHead() {
        let text = "\n沈晓红在永督导疫情防控工作时强调\n □融媒首席记者 陈晓苏\n\n本报讯 12 月 14 日夜，市领导章\n\n旭升、胡勇春、蒋华蒙一行，赴高铁站。\n"
        let r = roles(text)
        #expect(r.map(\.1) == [.headline, .byline, .dateline, .body])
        #expect(r[0].0 == "沈晓红在永督导疫情防控工作时强调")
    }

    @Test func firstLineIsAHeadline() {
        #expect(role(of: "标题", in: "标题在此\n\n正文第一段，内容。\n") == .headline)
        // …but not when it is a sentence.
        #expect(role(of: "正文", in: "正文第一段，内容。\n\n第二段。\n") == .body)
    }

    @Test func lineBeforeABylineIsAHeadline() {
        let text = "上一篇的结尾。\n\n另一篇报道的标题\n本报记者 张三 李四\n\n正文，内容。\n"
        #expect(role(of: "另一篇", in: text) == .headline)
        #expect(role(of: "本报记者", in: text) == .byline)
        #expect(role(of: "正文", in: text) == .body)
    }

    @Test func indentedLineAfterAFinishedSentenceStartsABlock() {
        let d = Document(path: "a.txt", text: "第一段结束。\n　　第二段开始，内容。\n第二段续行，完毕。\n  第三段。\n")
        #expect(d.blocks.map(\.lines) == [0..<1, 1..<3, 3..<4])
        // Without a finished sentence before it, an indented line continues the paragraph.
        let e = Document(path: "a.txt", text: "第一段没有结束，\n  继续写完。\n")
        #expect(e.blocks.map(\.lines) == [0..<2])
    }

    @Test func quotedDialogueOnItsOwnLineIsNotAHeadline() {
        let text = "上文结束。\n\n“每班在岗时间多长？”“防控操作\n\n流程规范落实得怎么样？有没有什么\n\n需要改进的地方？”\n"
        #expect(role(of: "“每班", in: text) == .body)
        #expect(role(of: "流程规范", in: text) == .body)
        // A question mark at the end (before closing quotes) is fine in a headline.
        let t2 = "上文结束。\n\n“谁来守护我们？”\n\n一线人员的心声\n"
        #expect(role(of: "“谁来", in: t2) == .headline)
        #expect(role(of: "一线人员", in: t2) == .headline)
        // Unbalanced quotation marks: running text.
        #expect(role(of: "他说", in: "上文结束。\n\n他说“我们一定\n\n完成任务”\n") == .body)
    }

    @Test func plainTextDirectiveLinesAreComments() {
        let text = "正文，内容。\n# copydesk-disable spacing -- OCR\n全 力，以赴。\n// copydesk-enable\n"
        let d = Document(path: "a.txt", text: text)
        #expect(d.blocks.map(\.kind) == [.paragraph, .comment, .paragraph, .comment])
        #expect(d.directives.map(\.kind) == [.disable, .enable])
        #expect(d.directives[0].rules == ["spacing"])
        #expect(d.directives[0].reason == "OCR")
        #expect(d.directives[0].line == 1)
        // `# 标题` without the keyword is text.
        #expect(Document(path: "a.txt", text: "# 标题\n").directives.isEmpty)
    }

    @Test func roleOverrideForExamples() {
        let d = Document(path: "x.txt", source: SourceText("标题\n\n正文，内容。"), format: .plainText, role: .body)
        #expect(d.blocks.allSatisfy { $0.role == .body })
    }
}

/// A large plain text's blocks, worked out in two halves cut at a blank line (`PlainTextScanner.scan`), are those of
/// one run over all its lines: with a headline stack just before the cut (an edge only because a byline follows the
/// cut), one just after it (prose before it, in the other half), a directive line at the cut, and random pages.
@Suite struct PlainTextHalvesTests {
    static let pieces = ["全县召开防汛工作会议", "本报记者 张三", "本报北京12月1日电 全县今天召开会议，部署工作。", "会议要求各单位认真落实。",
                         "　　各乡镇要加强值守，确保安全。", "一、加强组织领导", "（二）落实工作责任", "# copydesk-disable spacing", "", "",
                         "他说，今年的工作重点是", "Top News", "记者 李四 摄"]

    static func compare(_ lines: [String]) throws -> [Block] {
        let text = lines.joined(separator: "\n") + "\n"
        let source = SourceText(text)
        let facts = LineFacts.all(source)
        let (halves, whole) = Parallel.$limits.withValue(Parallel.Limits(threshold: 256, maxChunks: 2)) {
            (PlainTextScanner.scan(source, facts: facts), PlainTextScanner.scan(source, facts: facts, halves: false))
        }
        func key(_ b: Block) -> String { "\(b.lines) \(b.kind) \(b.role.rawValue) \(b.content)" }
        let first = (0..<min(halves.count, whole.count)).first { key(halves[$0]) != key(whole[$0]) }
        #expect(halves.count == whole.count && first == nil,
                "\(halves.count) vs \(whole.count) blocks; first difference at \(first.map { "\($0): \(key(halves[$0])) vs \(key(whole[$0]))" } ?? "-")")
        return whole
    }

    /// A page of about 5,000 lines of paragraphs and blank lines with `middle` in it, its line `at` the page's middle
    /// line (where the halves are cut when it is blank).
    static func page(_ middle: [String], at: Int) -> [String] {
        // Blank lines next to `middle` on both sides.
        func filler(_ n: Int, blankAt: Int) -> [String] { (0..<n).map { $0 % 3 == blankAt ? "" : "会议要求各单位认真落实第\($0)项工作。" } }
        let before = 2500, after = 2500 + 2 * at - middle.count
        let lines = filler(before, blankAt: (before - 1) % 3) + middle + filler(after, blankAt: 0)
        precondition(lines.count / 2 == before + at && middle[at].isEmpty)
        return lines
    }

    /// The lines of the block that holds line `k` of `middle` (placed by `page`).
    static func blockLines(_ blocks: [Block], _ k: Int) -> Range<Int>? { blocks.first { $0.lines.contains(2500 + k) }?.lines }

    @Test func headlineStacksAtTheCut() throws {
        typealias T = PlainTextHalvesTests
        // A stack that ends the first half is at an edge only because of the byline after the cut: split.
        let endsFirst = try T.compare(T.page(["全县召开防汛工作会议", "部署安全生产工作", "", "本报记者 张三", "会议要求各单位认真落实。"], at: 2))
        #expect(T.blockLines(endsFirst, 0)?.count == 1)
        let plainEnd = try T.compare(T.page(["全县召开防汛工作会议", "部署安全生产工作", "", "会议要求各单位认真落实。"], at: 2))
        #expect(T.blockLines(plainEnd, 0)?.count == 2)
        // A stack that starts the second half has prose before it (in the first half): no edge, not split.
        let startsSecond = try T.compare(T.page(["", "全县召开防汛工作会议", "部署安全生产工作", "", "会议要求各单位认真落实。"], at: 0))
        #expect(T.blockLines(startsSecond, 1)?.count == 2)
        // Before a dateline, after a directive line.
        _ = try T.compare(T.page(["全县召开防汛工作会议", "部署安全生产工作", "", "本报北京12月1日电 全县今天召开会议。"], at: 2))
        _ = try T.compare(T.page(["# copydesk-disable spacing", "", "全县召开防汛工作会议", "部署安全生产工作", "", "正文。"], at: 1))
    }

    @Test func randomPagesAgree() throws {
        var rng = SplitMix64(seed: 4096)
        for _ in 0..<12 {
            let n = 4200 + Int(rng.next() % 2000)
            let lines = (0..<n).map { _ in PlainTextHalvesTests.pieces[Int(rng.next() % UInt64(PlainTextHalvesTests.pieces.count))] }
            _ = try PlainTextHalvesTests.compare(lines)
        }
    }
}

/// A large page's segments, made in two halves of its blocks side by side (`Document.segments(for:)`), are those of
/// one walk: with URLs (verbatim ranges that cut lines) on both sides of the middle and in the middle block itself,
/// a dateline's credit (an inline role), for scopes with and without code.
@Suite struct SegmentHalvesTests {
    @Test func halvesAreOneWalk() throws {
        var rng = SplitMix64(seed: 140)
        let pieces = ["会议要求各单位认真落实。", "详见 https://example.com/a 的通知。", "联系 a@b.cn 或 www.example.org。",
                      "本报北京12月1日电（记者 张三）全县今天召开会议。", "全县召开防汛工作会议", "", "Top News"]
        for _ in 0..<6 {
            var lines: [String] = []
            for _ in 0..<(9000 + Int(rng.next() % 2000)) { lines.append(pieces[Int(rng.next() % UInt64(pieces.count))]) }
            // Most lines a block of their own (a blank line after them).
            let doc = Document(path: "a.txt", text: lines.map { rng.next() % 4 == 0 ? $0 + "\n" : $0 + "\n\n" }.joined())
            #expect(doc.blocks.count >= 1 << 12 && !doc.verbatim.isEmpty && !doc.inlineRoles.isEmpty)
            for scope in [Scope.body, Scope.all, Scope.body.union(.code), Scope.headline] {
                let (a, b) = Parallel.$limits.withValue(Parallel.Limits(threshold: 256, maxChunks: 2)) {
                    (doc.segments(for: scope), doc.segments(for: scope, halves: false))
                }
                #expect(a == b, "\(a.count) vs \(b.count) segments")
            }
        }
    }
}
