import Foundation
import Testing
@testable import CopydeskCore

/// The structure scopes (`kicker`, `subtitle`, `credit`) and the article checks added with them.
@Suite struct StructurePartsTests {
    let page = """
    章旭升在看望慰问防疫一线工作人员时指出
    坚守阵地连续作战　坚决守牢疫情防线
    ——记青山镇疫情防控一线
    □融媒首席记者 陈晓苏

    本报讯（记者 王五）12月14日夜，市领导一行赴高铁站看望慰问防疫一线工作人员。

    当晚，市领导在指挥部连线各乡镇。（记者 赵六）

    （通讯员 李四）

    """

    func texts(_ doc: Document, _ scope: Scope) -> [String] {
        doc.segments(for: scope).sorted { $0.range.lowerBound < $1.range.lowerBound }.map { doc.source.string($0.range) }
    }

    func lint(_ yaml: String, _ text: String, path: String = "page.txt") throws -> [String] {
        let rule = try TS.rule(yaml)
        let doc = Document(path: path, source: SourceText(text))
        return Linter(rules: [rule], unusedDisable: nil).lint(doc).map { doc.source.string($0.range) }
    }

    @Test func segmentsCarryTheStructureParts() {
        let doc = Document(path: "page.txt", text: page)
        #expect(texts(doc, .kicker) == ["章旭升在看望慰问防疫一线工作人员时指出"])
        #expect(texts(doc, .subtitle) == ["——记青山镇疫情防控一线"])
        // Byline line, dateline credit, the credit at the end of a paragraph, closing credit line.
        #expect(texts(doc, .credit) == ["□融媒首席记者 陈晓苏", "（记者 王五）", "（记者 赵六）", "（通讯员 李四）"])
        // The paragraph's credit is cut out of its body segment and is a `[body, credit]` segment of its own.
        #expect(texts(doc, .body).contains("当晚，市领导在指挥部连线各乡镇。"))
        #expect(doc.segments(for: .credit).filter { $0.role == [.body, .credit] }.map { doc.source.string($0.range) }.sorted() == ["（记者 赵六）", "（通讯员 李四）"].sorted())
        // `headline` still holds lead-in and subtitle.
        #expect(texts(doc, .headline).count == 3)
        let kicker = doc.segments(for: .kicker)[0]
        #expect(kicker.role == [.headline, .kicker])
        #expect(doc.segments(for: .credit).contains { $0.role == [.body, .credit] })
        #expect(Scope.named("kicker") == .kicker && Scope.named("credit") == .credit && Scope.named("subtitle") == .subtitle)
    }

    @Test func creditsInsideParagraphsAreCreditSegments() throws {
        let text = "青山镇召开供暖会议\n\n本报记者刘涛 通讯员马媛报道 昨天，青山镇召开会议。\n\n会议要求，各村做好准备。（完）责任编辑：卞磊\n"
        let doc = Document(path: "a.txt", text: text)
        #expect(texts(doc, .credit) == ["本报记者刘涛 通讯员马媛", "责任编辑：卞磊"])
        #expect(doc.inlineRoles.map(\.role) == [[.body, .credit], [.body, .credit]])
        // A house rule scoped to credits reads them; one scoped to the body still reads them too (as before).
        func rule(_ scope: String) -> String { TS.ruleYAML(kind: "phrases", extra: "phrases: [刘涛, 卞磊, 会议]", scope: scope) }
        #expect(try lint(rule("[credit]"), text) == ["刘涛", "卞磊"])
        #expect(try lint(rule("[body]"), text).count == 4)
        // A credit the dateline already has is not cut twice.
        let short = Document(path: "a.txt", text: "青山镇召开供暖会议\n\n本报讯 昨天开会。（记者 张三）\n")
        #expect(short.inlineRoles.count == 1)
        #expect(texts(short, .credit) == ["（记者 张三）"])
    }

    /// A space after 、 in a credit is reported once: by byline.dunhao-space in byline lines and dateline credits,
    /// by spacing.space-around-fullwidth-punct in closing credits (body text), never by both.
    @Test func dunhaoSpaceInACreditIsReportedOnce() throws {
        let config = try Config.parse("extends: []\nrules:\n  byline.dunhao-space: on\n  spacing.space-around-fullwidth-punct: on\n",
                                      file: "/c/.lintrc.yml", directory: "/c")
        let linter = Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
        func ids(_ text: String) -> [String] { linter.lint(Document(path: "a.txt", text: text)).map(\.ruleID) }
        let head = "青山镇召开供暖会议\n\n本报讯 昨天，青山镇召开会议。\n\n"
        #expect(ids(head + "（记者孙茂庆、 徐壮志）\n") == ["spacing.space-around-fullwidth-punct"])
        #expect(ids(head + "会议要求，各村做好准备。（记者孙茂庆、 徐壮志）\n") == ["spacing.space-around-fullwidth-punct"])
        #expect(ids("青山镇召开供暖会议\n\n本报讯（记者孙茂庆、 徐壮志）昨天，青山镇召开会议。\n") == ["byline.dunhao-space"])
        #expect(ids("青山镇召开供暖会议\n□融媒记者 张三、 李四\n\n本报讯 昨天，青山镇召开会议。\n") == ["byline.dunhao-space"])
        #expect(ids(head + "张三、 李四参加会议。\n") == ["spacing.space-around-fullwidth-punct"])
    }

    /// Print: the space after 本报讯 is dateline.separator's (U+3000), and spacing.han-digit leaves it alone, so it
    /// is reported once and fixed to U+3000; the spaces inside the date are still han-digit's.
    @Test func theSpaceAfterADatelineIsReportedOnce() throws {
        let config = try Config.parse("extends: []\nstyle: print\nrules:\n  dateline.separator: on\n  spacing.han-digit: on\n",
                                      file: "/c/.lintrc.yml", directory: "/c")
        let linter = Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
        let text = "本报讯 12 月 14 日夜，市领导赴现场。\n"
        let ds = linter.lint(Document(path: "a.txt", text: text))
        let after = try #require(TS.offset(of: " ", in: text))
        #expect(ds.filter { $0.range.lowerBound == after }.map(\.ruleID) == ["dateline.separator"])
        #expect(ds.filter { $0.ruleID == "spacing.han-digit" }.count == 3)
        let fixed = FixApplier.fix(SourceText(text), path: "a.txt", linter: linter, allowUnsafe: false)
        #expect(String(decoding: fixed.bytes, as: UTF8.self) == "本报讯　12月14日夜，市领导赴现场。\n")
    }

    /// Before a Han character the same space is also a gap spacing.han-space-han forbids: dateline.separator
    /// supersedes it there (one report, a warning, fixed to U+3000), while han-space-han still reports other gaps.
    @Test func theSpaceAfterADatelineBeforeHanIsReportedOnce() throws {
        let config = try Config.parse("extends: []\nstyle: print\nrules:\n  dateline.separator: on\n  spacing.han-space-han: on\n",
                                      file: "/c/.lintrc.yml", directory: "/c")
        let linter = Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
        let text = "标题\n\n本报讯 今天下午，市领导来到现场。\n\n市委 书记来到现场。\n"
        let ds = linter.lint(Document(path: "a.md", text: text))
        let after = try #require(TS.offset(of: " ", in: text))
        #expect(ds.filter { $0.range.lowerBound == after }.map(\.ruleID) == ["dateline.separator"])
        #expect(ds.map(\.ruleID) == ["dateline.separator", "spacing.han-space-han"])
        // Without dateline.separator the space is han-space-han's, as before.
        let alone = Linter(try RuleSet.build(config: try Config.parse("extends: []\nstyle: print\nrules:\n  spacing.han-space-han: on\n",
                                                                       file: "/c/.lintrc.yml", directory: "/c"), catalog: RuleCatalog.loadBuiltIn()))
        #expect(alone.lint(Document(path: "a.md", text: text)).filter { $0.range.lowerBound == after }.map(\.ruleID) == ["spacing.han-space-han"])
        for incremental in [true, false] {
            let fixed = FixApplier.fix(SourceText(text), path: "a.md", linter: linter, allowUnsafe: true, incremental: incremental)
            #expect(String(decoding: fixed.bytes, as: UTF8.self) == "标题\n\n本报讯　今天下午，市领导来到现场。\n\n市委书记来到现场。\n")
        }
    }

    @Test func aHouseRuleCanTargetEachPart() throws {
        let text = "保民生　暖人心\n青山镇保民生全力以赴\n——保民生的青山实践\n□融媒记者 保民生\n\n本报讯 昨天，青山镇召开保民生会议。\n"
        func rule(_ scope: String) -> String { TS.ruleYAML(kind: "phrases", extra: "phrases: [保民生]", scope: scope) }
        #expect(try lint(rule("[kicker]"), text).count == 1)
        #expect(try lint(rule("[subtitle]"), text).count == 1)
        #expect(try lint(rule("[credit]"), text).count == 1)
        #expect(try lint(rule("[headline]"), text).count == 3)
        #expect(try lint(rule("[kicker, subtitle]"), text).count == 2)
        #expect(try lint(rule("[all]"), text).count == 5)
        // One headline: a main title, no kicker.
        #expect(try lint(rule("[kicker]"), "青山镇保民生全力以赴\n□融媒记者 张三\n\n本报讯 昨天，青山镇召开会议。\n").isEmpty)
    }

    @Test func fixesOnPartsAreTheSameIncrementally() throws {
        let text = "社区里的“守门人”\n--记永康市疫情防控志愿者\n□融媒记者 张三、 李四\n\n本报讯 12月14日夜，青山镇召开会议。\n\n全力以赴保障供暖\n□记者 王五\n\n本报讯昨天，花街镇召开会议。\n"
        // The recommended rules with dateline.separator turned on (U+3000).
        let config = try Config.parse("rules:\n  dateline.separator: on\n", file: "/p/.lintrc.yml", directory: "/p")
        let linter = Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
        #expect(linter.rules.contains { $0.id == "dateline.separator" } && linter.rules.contains { $0.id == "punctuation.dash" })
        let a = FixApplier.fix(SourceText(text), path: "p.txt", linter: linter, allowUnsafe: false, incremental: true)
        let b = FixApplier.fix(SourceText(text), path: "p.txt", linter: linter, allowUnsafe: false, incremental: false)
        let fixed = String(decoding: a.bytes, as: UTF8.self)
        #expect(fixed == String(decoding: b.bytes, as: UTF8.self))
        #expect(fixed.contains("\n——记永康市疫情防控志愿者\n"))
        #expect(fixed.contains("□融媒记者 张三、李四\n"))
        #expect(fixed.contains("本报讯\u{3000}12月14日夜"))
        #expect(fixed.contains("本报讯\u{3000}昨天"))
    }

    @Test func roleOrderIsConfigurable() throws {
        let text = "青山镇召开供暖会议\n\n本报讯（记者 张三 通讯员 李四 实习生 王五）昨天，青山镇召开会议。\n"
        let base = "check: role-order\n"
        #expect(try lint(TS.ruleYAML(kind: "article", extra: base, scope: "[byline]"), text) == ["实习生"])
        #expect(try lint(TS.ruleYAML(kind: "article", extra: base + "order: [记者, 通讯员, 实习生]", scope: "[byline]"), text).isEmpty)
        #expect(TS.configError { _ = try TS.rule(TS.ruleYAML(kind: "article", extra: base + "order: [记者]", scope: "[byline]")) } != nil)
        #expect(TS.configError { _ = try TS.rule(TS.ruleYAML(kind: "article", extra: "check: fragment\norder: [记者, 通讯员]", scope: "[byline]")) } != nil)
    }

    @Test func datelineSeparatorForms() throws {
        func rule(_ sep: String) -> String { TS.ruleYAML(kind: "article", extra: "check: dateline-separator\nseparator: \(sep)", scope: "[dateline]", fix: "safe") }
        let spaced = "青山镇召开供暖会议\n\n本报讯 昨天，青山镇召开会议。\n"
        #expect(try lint(rule("space"), spaced).isEmpty)
        #expect(try lint(rule("none"), spaced) == [" "])
        #expect(try lint(rule("ideographic-space"), spaced) == [" "])
        #expect(try lint(rule("none"), "青山镇召开供暖会议\n\n本报讯昨天，青山镇召开会议。\n").isEmpty)
        #expect(TS.configError { _ = try TS.rule(rule("tab")) } != nil)
    }

    @Test func missingBylineCreditLineCounts() throws {
        func rule(_ extra: String = "") -> String {
            TS.ruleYAML(kind: "article", extra: "check: missing-byline" + (extra.isEmpty ? "" : "\n" + extra), scope: "[body]")
        }
        // Five text lines after the headline; the closing credit is the last of them.
        let body = "一段。\n\n二段。\n\n三段。\n\n四段。\n\n"
        let closing = "青山镇召开供暖会议\n\n" + body + "（记者 张三）\n"
        #expect(try lint(rule(), closing).isEmpty)
        #expect(try lint(rule("last-lines: 0"), closing) == ["一"])
        // A credit as the third text line counts (first 3), as the fourth of six it does not (BYL-001: 3 / 2).
        let third = "青山镇召开供暖会议\n\n一段。\n\n二段。\n\n张三 摄\n\n四段。\n\n五段。\n\n六段。\n"
        #expect(try lint(rule(), third).isEmpty)
        let fourth = "青山镇召开供暖会议\n\n一段。\n\n二段。\n\n三段。\n\n张三 摄\n\n五段。\n\n六段。\n"
        #expect(try lint(rule(), fourth) == ["一"])
        #expect(try lint(rule("first-lines: 4"), fourth).isEmpty)
        // Headline lines are not counted: a byline under a three-line headline group is the first text line.
        let top = "保民生　暖人心\n青山镇召开供暖会议\n——记青山镇供暖保障\n□融媒记者 张三\n\n一段。\n\n二段。\n\n三段。\n\n四段。\n"
        #expect(try lint(rule(), top).isEmpty)
        #expect(try lint(rule("first-lines: 0"), top) == ["一"])
        // A credit at the end of a paragraph that spans lines stands on its last line.
        let trailing = "青山镇召开供暖会议\n\n一段。\n\n二段。\n\n三段。\n\n四段，\n五段。（记者 张三）\n"
        #expect(try lint(rule(), trailing).isEmpty)
        #expect(TS.configError { _ = try TS.rule(rule("first-lines: 0\nlast-lines: 0")) } != nil)
        #expect(TS.configError { _ = try TS.rule(rule("first-lines: -1")) } != nil)
        #expect(TS.configError { _ = try TS.rule(rule("credit-at: [top]")) } != nil)
    }

    @Test func sectionGivesTypeAndExemption() throws {
        let rule = TS.ruleYAML(kind: "article", extra: "check: missing-byline\nexempt-types: [评论]\nexempt-sections: [读者之声]", scope: "[body]")
        func draft(_ fm: String) -> String { "---\ntitle: 供暖要暖到百姓心里\n\(fm)\n---\n\n冬季供暖关系千家万户。\n" }
        #expect(try lint(rule, draft("section: 要闻"), path: "a.md") == ["冬"])
        // A section named like an article type gives the article that type (no `type:`).
        #expect(try lint(rule, draft("section: 短评"), path: "a.md").isEmpty)
        #expect(Document(path: "a.md", text: draft("section: 短评")).structure.articles.first?.type == "评论")
        #expect(Document(path: "a.md", text: draft("section: 短评\ntype: 消息")).structure.articles.first?.type == "消息")
        // A section exempted by name.
        #expect(try lint(rule, draft("section: 读者之声"), path: "a.md").isEmpty)
        let doc = Document(path: "a.md", text: draft("section: 读者之声"))
        #expect(doc.structure.articles.first?.section == "读者之声")
        #expect(StructureReport.text(doc, path: "a.md").contains("section 读者之声"))
        #expect(StructureReport.json(doc, path: "a.md").contains("\"section\":\"读者之声\""))
        #expect(TS.configError { _ = try TS.rule(TS.ruleYAML(kind: "article", extra: "check: fragment\nexempt-sections: [a]", scope: "[headline]")) } != nil)
    }

    @Test func bylineOpeningAParagraphIsNoDateline() throws {
        // The 讯 of 通讯员 made this a dateline (issue 9, noticed on web news).
        let text = "青山镇召开供暖会议\n\n本报记者刘涛 通讯员马媛报道 昨天，青山镇召开会议。\n"
        let doc = Document(path: "a.txt", text: text)
        #expect(!doc.blocks.contains { $0.role == .dateline })
        #expect(!ArticleStructure.isDateline(doc.source, doc.source.lineContent(2)))
        #expect(ArticleStructure.isDateline(SourceText("本报讯 昨天，通讯员报道。"), 0..<"本报讯 昨天，通讯员报道。".utf8.count))
        // The credit that opens the paragraph is the article's byline.
        let a = try #require(doc.structure.articles.first)
        #expect(a.credits.map { doc.source.string($0.range) } == ["本报记者刘涛 通讯员马媛"])
        #expect(a.credits.first?.kind == .byline)
        let missing = TS.ruleYAML(kind: "article", extra: "check: missing-byline", scope: "[body]")
        #expect(try lint(missing, text).isEmpty)
        // Running text that starts with a role is no credit.
        #expect(try lint(missing, "青山镇召开供暖会议\n\n记者昨天从青山镇获悉，会议报道了供暖。\n") == ["记"])
    }

    @Test func subtitleDashByArticleType() throws {
        let rule = TS.ruleYAML(kind: "article", extra: "check: subtitle-dash-presence", scope: "[subtitle]", fix: "unsafe")
        func md(_ type: String, _ sub: String) -> String { "---\ntitle: 社区里的守门人\nsubtitle: \(sub)\ntype: \(type)\n---\n\n昨天，青山镇召开会议。\n" }
        #expect(try lint(rule, md("通讯", "——记永康市疫情防控志愿者"), path: "a.md").isEmpty)
        #expect(try lint(rule, md("通讯", "记永康市疫情防控志愿者"), path: "a.md") == ["记"])
        #expect(try lint(rule, md("特写", "记永康市疫情防控志愿者"), path: "a.md") == ["记"])
        #expect(try lint(rule, md("消息", "——全市新增供暖面积十万平方米"), path: "a.md") == ["——"])
        #expect(try lint(rule, md("消息", "全市新增供暖面积十万平方米"), path: "a.md").isEmpty)
        // No type: nothing to judge.
        #expect(try lint(rule, "---\ntitle: 社区里的守门人\nsubtitle: 记永康市\n---\n\n昨天。\n", path: "a.md").isEmpty)
        // Plain text: a three-line group with a type marker.
        #expect(try lint(rule, "【消息】青山镇供暖\n青山镇召开供暖会议\n一一全市新增供暖面积十万平方米\n□融媒记者 张三\n\n本报讯 昨天，青山镇召开会议。\n") == ["一一"])
        // Configurable, and a type on both lists is an error.
        let swapped = TS.ruleYAML(kind: "article", extra: "check: subtitle-dash-presence\ndash-types: [消息]\nno-dash-types: [通讯]", scope: "[subtitle]")
        #expect(try lint(swapped, md("通讯", "——记永康市疫情防控志愿者"), path: "a.md") == ["——"])
        #expect(TS.configError { _ = try TS.rule(TS.ruleYAML(kind: "article", extra: "check: subtitle-dash-presence\ndash-types: [通讯]\nno-dash-types: [通讯]", scope: "[subtitle]")) } != nil)
    }

    @Test func markdownTitleAndDatelineDate() throws {
        let title = TS.ruleYAML(kind: "article", extra: "check: title-mismatch", scope: "[headline]")
        let same = "---\ntitle: \"青山镇 召开供暖会议\"\n---\n\n# 青山镇召开**供暖**会议 #\n\n昨天，青山镇召开会议。\n"
        #expect(try lint(title, same, path: "a.md").isEmpty)
        // Plain text has no front matter.
        #expect(try lint(title, same, path: "a.txt").isEmpty)
        let differ = "---\ntitle: 青山镇召开供暖会议\n---\n\n# 花街镇召开供暖会议\n\n昨天，青山镇召开会议。\n"
        #expect(try lint(title, differ, path: "a.md") == ["花街镇召开供暖会议"])

        let date = TS.ruleYAML(kind: "article", extra: "check: dateline-date", scope: "[dateline]")
        func draft(_ d: String, _ line: String) -> String { "---\ntitle: 青山镇召开供暖会议\ndate: \(d)\n---\n\n\(line)昨天，青山镇召开会议。\n" }
        #expect(try lint(date, draft("2021-12-14T08:00:00+08:00", "本报北京12月15日电（记者 张三）"), path: "a.md") == ["12月15日电"])
        #expect(try lint(date, draft("2021年12月14日", "新华社北京12月14日电 "), path: "a.md").isEmpty)
        #expect(try lint(date, draft("2022/01/02", "新华社北京12月30日电 "), path: "a.md").isEmpty)
        #expect(try lint(date, draft("2021-12-31", "新华社北京1月2日电 "), path: "a.md").isEmpty)
        #expect(try lint(date, draft("2021-02-28", "新华社北京3月1日电 "), path: "a.md") == ["3月1日电"])
        // No date in the front matter, or one that cannot be read: nothing to compare.
        #expect(try lint(date, draft("next week", "本报北京12月15日电 "), path: "a.md").isEmpty)
    }

    @Test func creditPlacement() throws {
        let rule = TS.ruleYAML(kind: "article", extra: "check: credit-placement", scope: "[credit]")
        let mid = "青山镇召开供暖会议\n\n本报讯 昨天，青山镇召开会议。\n\n（记者 李四）\n\n会议要求，各村做好准备。\n"
        #expect(try lint(rule, mid) == ["（记者 李四）"])
        let end = "青山镇召开供暖会议\n\n本报讯 昨天，青山镇召开会议。\n\n会议要求，各村做好准备。\n\n（记者 李四）\n"
        #expect(try lint(rule, end).isEmpty)
    }

    @Test func phraseRulesSharingAPhraseBothReport() throws {
        // `headline.subtitle-dash` lists `--` like `punctuation.dash`: one automaton, both rules keep their matches.
        let a = try TS.rule(TS.ruleYAML(kind: "phrases", extra: "phrases: [\"--\": \"——\"]", scope: "[body]"), id: "t/a.yml")
        let b = try TS.rule(TS.ruleYAML(kind: "phrases", extra: "phrases: [\"--\", 青山]", scope: "[body]"), id: "t/b.yml")
        let doc = Document(path: "p.txt", text: "他--一个青山人。\n")
        let ids = Linter(rules: [a, b], unusedDisable: nil).lint(doc).map(\.ruleID).sorted()
        #expect(ids == ["t.a", "t.b", "t.b"])
    }

    @Test func roleNameSpacingForms() throws {
        func rule(_ sp: String) -> String { TS.ruleYAML(kind: "article", extra: "check: role-name-spacing\nspacing: \(sp)", scope: "[byline]", fix: "safe") }
        let text = "青山镇召开供暖会议\n□融媒记者张三 通讯员　李四\n\n本报讯（记者 王五）昨天，青山镇召开会议。\n"
        #expect(try lint(rule("none"), text) == ["\u{3000}", " "])
        #expect(try lint(rule("space"), text) == ["者", "\u{3000}"])
        #expect(try lint(rule("ideographic-space"), text) == ["者", " "])
        // A photo credit's 摄 is no name; 责任编辑：is not bracketed.
        #expect(try lint(rule("space"), "青山镇召开供暖会议\n\n本报讯 昨天，青山镇召开会议。\n\n会场一角。\n\n本报记者 张三 摄\n\n责任编辑：李四\n").isEmpty)
        #expect(TS.configError { _ = try TS.rule(rule("tab")) } != nil)
    }
}
