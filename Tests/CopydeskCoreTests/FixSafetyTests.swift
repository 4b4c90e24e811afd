import Foundation
import Testing
@testable import CopydeskCore

/// A safe fix never changes the structure of a page: paragraphs, articles, headlines, bylines and verse stay as they
/// were; only the hard wraps inside a paragraph are joined. Pages are composed here from parts (several articles,
/// blank-line separated paragraphs, some hard-wrapped at one column width, some ending without punctuation,
/// datelines, bylines, headlines, subheads, captions, poems) and fixed with every recommended rule on.
@Suite struct FixSafetyTests {
    static let clauses = ["县农业农村局组织技术人员深入田间地头", "指导农户做好冬季田间管理", "全县新建高标准农田三万亩",
                          "各乡镇抽调干部组成工作专班", "逐村逐户开展安全隐患排查", "对发现的问题建立台账限期整改",
                          "群众反映的困难得到及时解决", "今年以来共办结民生实事一百余件", "村里的道路硬化工程已经完工",
                          "老人们在新建的文化礼堂里看戏聊天", "合作社带动周边农户增收致富", "技术人员一一进行了登记",
                          "记者在现场看到", "工人们正在紧张施工", "项目预计明年春天投入使用", "这条路修好以后",
                          "孩子们上学再也不用绕远路了", "镇里还请来了农业专家", "为种植户讲解病虫害防治知识"]
    static let headlines = ["春耕备耕有序推进", "青山镇道路改造完工", "文化礼堂里的新年味", "冬季供暖保障有力",
                            "合作社里增收忙", "为民办实事 群众得实惠"]
    static let names = ["张三", "李四", "王五", "赵明", "陈晓红"]
    static let verse = ["归来的燕子飞过河滩", "山坡上，油菜花就开放了", "倔强地开放在", "土墙向阳的角落，在",
                        "古道旁边的石缝里", "风从山口吹过来", "母亲在灶前添柴", "炊烟升起的时候"]

    /// Cells as the broken-line rule counts them: Han two, Chinese punctuation one, ASCII one, spaces none.
    static func cells(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { w, u in
            let v = u.value
            if v == 0x20 || v == 0x3000 { return w }
            if v < 0x80 { return w + 1 }
            return w + (CharClass.of(v).isDisjoint(with: .fullwidthPunct) ? 2 : 1)
        }
    }

    /// Greedy hard wrap at `width` cells; the first line is `indentLoss` cells shorter (a lost indent); closing
    /// punctuation may hang one cell over, as print does.
    static func wrap(_ text: String, width: Int, indentLoss: Int) -> [String] {
        var lines: [String] = []
        var cur = ""
        var limit = width - indentLoss
        for ch in text {
            let s = String(ch)
            let w = cells(cur), cw = cells(s)
            // A space is never left at a line end (print drops it, and no one could restore it).
            if w + cw > limit && !cur.isEmpty && !cur.hasSuffix(" ") && ch != " " {
                if "，。、；：！？”）》".contains(ch) && w + cw <= limit + 1 { cur += s; continue }
                lines.append(cur); cur = ""; limit = width
            }
            cur += s
        }
        if !cur.isEmpty { lines.append(cur) }
        return lines
    }

    /// A page: the text as printed (wrapped) and the blocks it must have after `--fix`.
    /// `evidence`: lines printed at the column width (the rule's evidence); with fewer than three a wrapped
    /// paragraph may stay as printed (joining it needs --unsafe-fixes).
    /// `open`: the block ends mid-sentence (a paragraph cut short: joining it is a guess, left to --unsafe-fixes).
    /// `open` also holds for a block of three lines or more whose every line but the last ends with a clause mark
    /// (hanging punctuation can print prose so; verse is printed so): its join is unsafe too.
    struct Page { var text: String; var expected: [String]; var printed: [String]; var open: [Bool]; var wrapped: Int; var evidence: Int }

    static func page(seed: UInt64) -> Page {
        var r = SplitMix64(seed: seed)
        let width = r.int(20...36)
        var blocks: [(printed: String, fixed: String)] = []
        var wrapped = 0, evidence = 0
        func sentence() -> String {
            var s = ""
            for k in 0..<r.int(1...3) { s += (k > 0 ? r.pick(["，", "，", "、"]) : "") + r.pick(clauses) }
            return s
        }
        func paragraph(dateline: Bool) -> String {
            var p = dateline ? "本报讯（记者 \(r.pick(names))）" : ""
            for k in 0..<r.int(1...4) {
                if k > 0 { p += "。" }
                p += sentence()
            }
            // The defect of the issue: some paragraphs end without punctuation.
            // A paragraph of one clause could be a headline (`县农业农村局组织技术⏎人员深入田间地头！` is a two-line
            // headline as much as a paragraph): paragraphs here have at least two.
            if !p.contains("，") && !p.contains("。") && !p.contains("、") { p += "，" + r.pick(clauses) }
            if !r.chance(0.2) { p += r.pick(["。", "！", "。”"]) }
            if p.hasSuffix("。”") { p = "他说：“" + p }
            return p
        }
        for _ in 0..<r.int(1...3) {
            if r.chance(0.15) {
                // A poem: title, author, short lines with blank lines between them.
                blocks.append(("山里的春天（外一首）", "山里的春天（外一首）"))
                let author = r.pick(names)
                blocks.append((author, author))
                for _ in 0..<r.int(3...6) { let l = r.pick(verse); blocks.append((l, l)) }
                continue
            }
            // Headline group, byline on the line under it or after a blank line.
            // A headline's pause between phrases takes the house form (U+3000, `headline.pause`).
            let printedTitle = r.pick(headlines)
            let title = printedTitle.replacingOccurrences(of: " ", with: "\u{3000}")
            let byline = "\(r.pick(["本报记者", "□融媒记者", "通讯员"])) \(r.pick(names))"
            if r.chance(0.5) { blocks.append(("\(printedTitle)\n\(byline)", "\(title)\n\(byline)")) }
            else { blocks.append((printedTitle, title)); blocks.append((byline, byline)) }
            for k in 0..<r.int(1...5) {
                let p = paragraph(dateline: k == 0 && r.chance(0.6))
                if r.chance(0.7) {
                    let loss = r.pick([0, 4])
                    let lines = wrap(p, width: width, indentLoss: loss)
                    if lines.count > 1 { wrapped += 1; evidence += lines.count - 1 - (loss > 0 ? 1 : 0) }
                    blocks.append((lines.joined(separator: "\n"), p))
                } else {
                    blocks.append((p, p))
                }
                // A subhead (no pause: one followed by the next article's headline reads as a headline, and takes U+3000).
                if r.chance(0.15) { let s = r.pick(headlines.filter { !$0.contains(" ") }); blocks.append((s, s)) }
                if r.chance(0.1) {                                                              // caption
                    let c = "图为技术人员在田间指导农户 \(r.pick(names)) 摄"
                    blocks.append((c, c))
                }
            }
        }
        func everyLineAClause(_ printed: String) -> Bool {
            let lines = printed.components(separatedBy: "\n")
            return lines.count >= 3 && lines.dropLast().allSatisfy { l in
                ["，", "、", "；", "：", "。", "！", "？"].contains { l.hasSuffix($0) || (l.hasSuffix("”") && l.dropLast().hasSuffix($0)) }
            }
        }
        let open = blocks.map { b in !["。", "！", "”"].contains { b.fixed.hasSuffix($0) } || everyLineAClause(b.printed) }
        return Page(text: blocks.map(\.printed).joined(separator: "\n\n") + "\n", expected: blocks.map(\.fixed),
                    printed: blocks.map(\.printed), open: open, wrapped: wrapped, evidence: evidence)
    }

    static func recommendedLinter() throws -> Linter {
        let set = try RuleSet.build(config: Config.defaults(directory: "/p"), catalog: RuleCatalog.loadBuiltIn())
        return Linter(set)
    }

    static func blocks(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }
    }

    @Test func composedPagesKeepTheirParagraphs() throws {
        let linter = try FixSafetyTests.recommendedLinter()
        var joinedParagraphs = 0
        // FIXSAFETY_SEEDS=N runs more pages (300 by default, about a second).
        let seeds = UInt64(ProcessInfo.processInfo.environment["FIXSAFETY_SEEDS"].flatMap { Int($0) } ?? 300)
        for seed in UInt64(1)...seeds {
            let page = FixSafetyTests.page(seed: seed)
            for unsafe in [false, true] {
                let out = FixApplier.fix(SourceText(page.text), path: "page.txt", linter: linter, allowUnsafe: unsafe)
                let got = FixSafetyTests.blocks(out.bytes)
                if unsafe {
                    // Unsafe fixes may join more inside a paragraph, but never across a blank line.
                    #expect(got.count == page.expected.count, "seed \(seed) (unsafe): \(got.count) blocks, expected \(page.expected.count)\n\(page.text)")
                    continue
                }
                if page.evidence < 3 {
                    // Thin evidence: each paragraph is either joined or as printed, never merged or split.
                    #expect(got.count == page.expected.count && got.indices.allSatisfy { got[$0] == page.expected[$0] || got[$0] == page.printed[$0] },
                            "seed \(seed) (thin evidence)\n\(page.text)")
                    continue
                }
                // A paragraph that ends mid-sentence may stay as printed (its join is unsafe); every other one is joined.
                #expect(got.count == page.expected.count, "seed \(seed): \(got.count) blocks, expected \(page.expected.count)\n\(page.text)")
                let accepted = got.count == page.expected.count
                    && got.indices.allSatisfy { got[$0] == page.expected[$0] || (page.open[$0] && got[$0] == page.printed[$0]) }
                if ProcessInfo.processInfo.environment["FIXSAFETY_DEBUG"] != nil, !accepted {
                    FileHandle.standardError.write(Data("SEED \(seed) unsafe=\(unsafe) evidence=\(page.evidence)\n\(got)\n\(page.expected)\n".utf8))
                }
                #expect(accepted, "seed \(seed): \(zip(got, page.expected).first { $0 != $1 }.map { "got \($0)\nwant \($1)" } ?? "\(got.count) blocks, expected \(page.expected.count)")\n--- page ---\n\(page.text)")
                if accepted { joinedParagraphs += page.wrapped }
                let again = FixApplier.fix(try SourceText(validating: out.bytes), path: "page.txt", linter: linter, allowUnsafe: false)
                #expect(!again.changed, "seed \(seed): fixing twice changed the page")
            }
        }
        // The test is about something: most pages had hard-wrapped paragraphs that were joined.
        #expect(joinedParagraphs > 300)
    }

    /// The pages of the issue, as given there.
    static let twoArticles = "本报讯（记者 张三）记者近日从市交通部门获悉，去年全市公路建设取得新成绩，先后完成改造项目二十多个。\n\n市领导王一、李二等出席会议并讲话指出推进城乡公路建设是当前交通工作的关键，希望各地作出认真、积极、明确的回应\n\n本报讯（记者 李四）市\n农业农村局近日在接受本\n报记者采访时表示，今年\n将继续推进高标准农田建设。\n"
    static let poem = "山里的春天（外一首）\n\n王小明\n\n归来的燕子飞过河滩\n\n山坡上，油菜花就开放了\n\n倔强地开放在\n\n土墙向阳的角落，在\n\n古道旁边的石缝里\n"

    @Test func issuePagesKeepTheirStructure() throws {
        let linter = try FixSafetyTests.recommendedLinter()
        for unsafe in [false, true] {
            let page = FixApplier.fix(SourceText(FixSafetyTests.twoArticles), path: "d.txt", linter: linter, allowUnsafe: unsafe)
            let blocks = FixSafetyTests.blocks(page.bytes)
            #expect(blocks.count == 3)
            #expect(blocks[1].hasSuffix("明确的回应"))
            #expect(blocks[2].hasPrefix("本报讯（记者 李四）市"))
            let poem = FixApplier.fix(SourceText(FixSafetyTests.poem), path: "p.txt", linter: linter, allowUnsafe: unsafe)
            #expect(String(decoding: poem.bytes, as: UTF8.self) == FixSafetyTests.poem)
        }
        // The wrapped paragraph is joined by --unsafe-fixes (two lines show its column: thin evidence).
        let page = FixApplier.fix(SourceText(FixSafetyTests.twoArticles), path: "d.txt", linter: linter, allowUnsafe: true)
        #expect(FixSafetyTests.blocks(page.bytes)[2] == "本报讯（记者 李四）市农业农村局近日在接受本报记者采访时表示，今年将继续推进高标准农田建设。")
    }

    /// Classical verse prints a clause a line, every line at one width: the broken-line rule finds a column, but
    /// every line it would join ends with a clause mark, so the join needs --unsafe-fixes (a poem under its title and
    /// author, and one after an article on a page without an author line).
    @Test func classicalVerseIsNotJoinedBySafeFixes() throws {
        let linter = try FixSafetyTests.recommendedLinter()
        let poem = "床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。\n"
        for text in ["静夜思\n李白\n\n" + poem,
                     "春耕备耕有序推进\n\n本报讯（记者 张三）全县今年新建高标准农田三万亩。\n\n静夜思\n\n" + poem] {
            let safe = FixApplier.fix(SourceText(text), path: "p.txt", linter: linter, allowUnsafe: false)
            #expect(String(decoding: safe.bytes, as: UTF8.self).hasSuffix(poem), "\(text)")
            let ds = linter.lint(Document(path: "p.txt", text: text))
            #expect(ds.contains { $0.ruleID == "ocr.broken-line" && $0.fix?.safety == .unsafe }, "\(text)")
            let unsafe = FixApplier.fix(SourceText(text), path: "p.txt", linter: linter, allowUnsafe: true)
            #expect(String(decoding: unsafe.bytes, as: UTF8.self).hasSuffix("床前明月光，疑是地上霜。举头望明月，低头思故乡。\n"))
        }
    }

    @Test func verseIsNotReported() throws {
        let linter = try FixSafetyTests.recommendedLinter()
        let stanza = "归来的燕子飞过河滩\n山坡上，油菜花就开放了\n倔强地开放在\n土墙向阳的角落，在\n古道旁边的石缝里\n"
        for text in [FixSafetyTests.poem, stanza] {
            let ds = linter.lint(Document(path: "p.txt", text: text))
            #expect(!ds.contains { $0.ruleID == "ocr.broken-line" }, "\(text)")
        }
    }

    /// A column allows a tenth of its lines to be wider (an over-wide line among them, measured only up to the
    /// widest column): with one over-wide line in ten the wrapped paragraph is still found; with two in ten there is
    /// no column, and the measuring stops early with the same result.
    @Test func brokenLineToleratesATenthOfOverWideLines() throws {
        let linter = try FixSafetyTests.recommendedLinter()
        let source = Array("城区供暖季即将开始热力公司已完成全部主干管网的检修和试压工作确保居民按时用上暖气今年入夏以来公司组织了十二个检修小组对老旧小区的支线管网逐段排查")
        func line(_ k: Int, _ count: Int) -> String { String((0..<count).map { source[(k * 7 + $0) % source.count] }) }
        func page(overWide: Set<Int>) -> String {
            (0..<10).map { overWide.contains($0) ? line($0, 110) : line($0, 15) }.joined(separator: "\n") + "\n" + line(10, 15) + "。\n"
        }
        let one = linter.lint(Document(path: "a.txt", text: page(overWide: [4])))
        #expect(one.contains { $0.ruleID == "ocr.broken-line" })
        let two = linter.lint(Document(path: "a.txt", text: page(overWide: [2, 6])))
        #expect(!two.contains { $0.ruleID == "ocr.broken-line" })
    }

    @Test func subheadsAndCaptionsAreNotBrokenLines() throws {
        let linter = try FixSafetyTests.recommendedLinter()
        let text = """
        城区供暖季即将开始，热力公司已完成全部主干管网的检修和试压工作，确保居民按时用上暖气。

        提前谋划 确保管网安全

        今年入夏以来，公司组织了十二个检修小组，对老旧小区的支线管网逐段排查

        图为工作人员检修供暖管道 李四 摄

        公司负责人表示，供暖期间将实行二十四小时值班，群众反映的问题随报随修

        """
        let ds = linter.lint(Document(path: "a.txt", text: text))
        #expect(!ds.contains { $0.ruleID == "ocr.broken-line" })
        let out = FixApplier.fix(SourceText(text), path: "a.txt", linter: linter, allowUnsafe: true)
        #expect(FixSafetyTests.blocks(out.bytes).count == 5)
    }

    /// At several column widths, a page of one wrapped article: every paragraph comes back whole, and lines that
    /// end with 。 at the column are joined too.
    @Test func columnsOfSeveralWidths() throws {
        let linter = try FixSafetyTests.recommendedLinter()
        let paragraphs = ["全县今年新建高标准农田三万亩，带动周边农户一千余户增收。村民们说：“田成方、路相通，种地省心多了。”记者在田间看到，几台旋耕机正在作业。",
                          "镇里还请来了农业专家，为种植户讲解病虫害防治知识。合作社负责人表示，明年将扩大种植面积，带动更多农户增收致富。"]
        for width in stride(from: 16, through: 40, by: 2) {
            let text = "合作社里增收忙\n\n" + paragraphs.map { FixSafetyTests.wrap($0, width: width, indentLoss: 4).joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
            let out = FixApplier.fix(SourceText(text), path: "a.txt", linter: linter, allowUnsafe: false)
            #expect(FixSafetyTests.blocks(out.bytes) == ["合作社里增收忙"] + paragraphs, "width \(width)\n\(text)")
        }
    }

    @Test func blankLineWrappedOCRPage() throws {
        // Every printed line its own paragraph: the joins cross blank lines, but never into a dateline, a byline or
        // a headline, and a short line ending with 。 ends its paragraph.
        let linter = try FixSafetyTests.recommendedLinter()
        let p1 = "本报讯 3月5日上午，县农业农村局召开春耕备耕工作会议，部署今年粮食生产任务。会议要求各乡镇抓紧落实种子、化肥等农资供应，确保不误农时。"
        let p2 = "会上，县农业农村局负责人通报了去年粮食生产情况。去年全县粮食播种面积稳中有升，总产量创近五年新高，种粮大户和家庭农场数量持续增加。"
        let lines = FixSafetyTests.wrap(p1, width: 32, indentLoss: 4) + FixSafetyTests.wrap(p2, width: 32, indentLoss: 4)
        let text = "春耕备耕有序推进\n□融媒记者 张三\n\n" + lines.joined(separator: "\n\n") + "\n\n青山镇道路改造完工\n\n本报讯（记者 李四）青山镇道路改造工程近日完工。\n"
        let out = FixApplier.fix(SourceText(text), path: "a.txt", linter: linter, allowUnsafe: false)
        #expect(FixSafetyTests.blocks(out.bytes) == ["春耕备耕有序推进\n□融媒记者 张三", p1.replacingOccurrences(of: "本报讯 3月", with: "本报讯　3月"), p2,
                                                      "青山镇道路改造完工", "本报讯（记者 李四）青山镇道路改造工程近日完工。"])
    }
}
