import Foundation
import Testing
@testable import CopydeskCore

/// The structure model on composed pages: articles (headline group, credits, body) and fragments.
@Suite struct StructureTests {
    func page(_ text: String, path: String = "page.txt", vocabulary: StructureVocabulary = .builtIn) -> (Document, PageStructure) {
        let doc = Document(path: path, source: SourceText(text), vocabulary: vocabulary)
        return (doc, doc.structure)
    }
    func str(_ doc: Document, _ r: Range<Int>) -> String { doc.source.string(r) }
    func heads(_ doc: Document, _ a: PageStructure.Article) -> [String] { a.headlines.map { "\($0.kind.rawValue):\(str(doc, $0.range))" } }
    func credits(_ doc: Document, _ cs: [PageStructure.Credit]) -> [String] { cs.map { "\($0.kind.rawValue):\(str(doc, $0.range))" } }

    @Test func oneArticle() {
        let (doc, s) = page("青山镇召开冬季供暖保障会议\n□融媒记者 张三\n\n本报讯 12月3日上午，青山镇召开冬季供暖保障工作会议。\n\n会议要求，各村做好准备。\n")
        #expect(s.articles.count == 1)
        #expect(s.fragments.isEmpty)
        let a = s.articles[0]
        #expect(heads(doc, a) == ["main:青山镇召开冬季供暖保障会议"])
        #expect(credits(doc, a.credits) == ["byline:□融媒记者 张三", "dateline:本报讯 12月3日上午，青山镇召开冬季供暖保障工作会议。"])
        #expect(a.body.count == 2)
        #expect(a.lines == 0..<6)
    }

    @Test func severalArticlesWithHeadlineGroupsAndFragments() {
        let text = """
        章旭升在看望慰问防疫一线工作人员时指出

        坚守阵地连续作战 坚决守牢疫情防线

        ——记青山镇疫情防控一线

        □融媒首席记者 陈晓苏

        本报讯 12月14日夜，市领导一行赴高铁站看望慰问防疫一线工作人员。

        当晚，市领导在指挥部连线各乡镇。

        青山镇：全力以赴　保障供暖
        本报记者 张三 通讯员 李四

        本报讯（记者 王五）昨天，青山镇召开冬季供暖保障工作会议。

        整改基本到位 细节有待完善

        党员干部为疫情防控贡献力量

        """
        let (doc, s) = page(text)
        #expect(s.articles.count == 2)
        #expect(heads(doc, s.articles[0]) == ["lead-in:章旭升在看望慰问防疫一线工作人员时指出", "main:坚守阵地连续作战 坚决守牢疫情防线",
                                             "subtitle:——记青山镇疫情防控一线"])
        #expect(heads(doc, s.articles[1]) == ["main:青山镇：全力以赴　保障供暖"])
        #expect(credits(doc, s.articles[1].credits) == ["byline:本报记者 张三 通讯员 李四", "dateline:本报讯（记者 王五）昨天，青山镇召开冬季供暖保障工作会议。",
                                                      "dateline-credit:（记者 王五）"])
        // Two headlines on lines of their own at the end: two fragments.
        #expect(s.fragments.map { $0.headlines.map { str(doc, $0.range) } } == [["整改基本到位 细节有待完善"], ["党员干部为疫情防控贡献力量"]])
        #expect(s.fragments.allSatisfy { $0.kind == .headline })
    }

    @Test func adjacentHeadlinesAtTheEndAreOneFragment() {
        let (doc, s) = page("青山镇召开会议\n\n本报讯 昨天，青山镇召开会议。\n\n花街镇开通老人接种专车\n——记花街镇的暖心服务\n")
        #expect(s.articles.count == 1)
        #expect(s.fragments.count == 1)
        #expect(s.fragments.first?.headlines.map { "\($0.kind.rawValue):\(str(doc, $0.range))" } == ["main:花街镇开通老人接种专车", "subtitle:——记花街镇的暖心服务"])
    }

    @Test func wireCopy() {
        let (doc, s) = page("我国成功发射新一代气象卫星\n\n新华社酒泉12月14日电（记者 张三 李四）12月14日，我国在酒泉卫星发射中心成功发射气象卫星。\n\n卫星顺利进入预定轨道。（完）\n")
        #expect(s.articles.count == 1)
        let a = s.articles[0]
        #expect(a.hasDateline && a.hasByline)
        #expect(credits(doc, a.credits).last == "dateline-credit:（记者 张三 李四）")
        #expect(a.body.count == 2)
    }

    @Test func aDatelineStartsANewArticleEvenAfterAnUnpunctuatedParagraph() {
        // The long paragraph ends without punctuation; the dateline after the blank line still opens a new article.
        let long = "会议强调要进一步压实责任落实落细各项防控措施全面排查风险隐患持续补短板堵漏洞确保社会大局平稳有序各项工作落到实处"
        let (_, s) = page("青山镇召开会议\n□记者 张三\n\n本报讯 昨天，青山镇召开会议。\n\n\(long)\n\n本报讯 今天，花街镇开通老人接种专车。\n")
        #expect(s.articles.count == 2)
        #expect(s.articles[0].body.count == 2)
        #expect(s.articles[1].hasDateline)
        #expect(s.articles[1].headlines.isEmpty)
    }

    @Test func photoAndClosingCredits() {
        let (doc, s) = page("""
        文化礼堂里的新年味

        村民们在文化礼堂里看戏聊天，孩子们在院子里放鞭炮。

        图为村民在文化礼堂看戏 张三 摄

        张三 摄

        节目一直演到深夜。

        （记者 李四）

        责任编辑：王五

        """)
        #expect(s.articles.count == 1)
        let a = s.articles[0]
        #expect(credits(doc, a.credits) == ["photo:张三 摄", "closing:（记者 李四）", "closing:责任编辑：王五"])
        // The caption is part of the body, not a headline.
        #expect(a.body.count == 3)
        #expect(s.fragments.isEmpty)
    }

    @Test func bylineAfterABodyOpensAnArticleOnlyWhenTextFollows() {
        let (doc, s) = page("第一篇的标题\n\n第一篇的正文。\n\n□记者 张三\n\n第二篇的正文。\n")
        #expect(s.articles.count == 2)
        #expect(credits(doc, s.articles[1].credits) == ["byline:□记者 张三"])
        let (doc2, s2) = page("第一篇的标题\n\n第一篇的正文。\n\n记者 张三\n")
        #expect(s2.articles.count == 1)
        #expect(credits(doc2, s2.articles[0].credits) == ["closing:记者 张三"])
    }

    @Test func articleTypes() {
        let (_, s) = page("【评论】供暖要暖到百姓心里\n\n冬季供暖关系千家万户。\n")
        #expect(s.articles.first?.type == "评论")
        let (_, s2) = page("简讯：青山镇召开会议\n\n昨天，青山镇召开会议。\n")
        #expect(s2.articles.first?.type == "简讯")
    }

    @Test func markdownWithFrontMatter() {
        let md = """
        ---
        title: 青山镇召开冬季供暖保障会议
        kicker: 保民生
        author: 张三
        type: 消息
        ---

        # 青山镇召开冬季供暖保障会议

        昨天，青山镇召开冬季供暖保障工作会议。

        ## 会议要求

        各村做好准备。

        """
        let (doc, s) = page(md, path: "draft.md")
        #expect(s.frontMatter.map(\.key) == ["title", "kicker", "author", "type"])
        #expect(s.articles.count == 1)
        let a = s.articles[0]
        #expect(a.type == "消息")
        #expect(a.hasByline)
        #expect(a.headlines.map { "\($0.kind.rawValue):\(str(doc, $0.range))" } == ["main:青山镇召开冬季供暖保障会议", "lead-in:保民生", "main:青山镇召开冬季供暖保障会议"])
        // The level-2 heading inside the article is a subhead: body, not a new article.
        #expect(a.body.count == 3)
    }

    @Test func theVocabularyIsExtendedInYAML() throws {
        let node = try YAMLValue.parse("roles: [主播]\nrole-prefixes: [台]\nmarkers: [◆]\narticle-types: {来信: [群众来信]}\n", file: "house.yml")
        let v = try StructureVocabulary.parse(node, base: .builtIn)
        #expect(v.roles.contains("记者") && v.roles.contains("主播"))
        let text = "青山镇召开会议\n◆台主播 张三\n\n昨天，青山镇召开会议。\n"
        #expect(page(text).1.articles.first?.hasByline == false)
        #expect(page(text, vocabulary: v).1.articles.first?.hasByline == true)
        #expect(page("群众来信：路灯坏了\n\n小区路灯坏了。\n", vocabulary: v).1.articles.first?.type == "来信")
        // Unknown keys and bad values are errors with positions.
        let bad = try YAMLValue.parse("roles: [主播]\nrolez: [x]\nmarkers: [◆◆]\n", file: "house.yml")
        let e = TS.configError { _ = try StructureVocabulary.parse(bad, base: .builtIn) }
        #expect(e?.all.map(\.mark.line) == [2, 3])
        #expect(e?.all.first?.message.contains("unknown key 'rolez'") == true)
    }

    @Test func configurationStructureKey() throws {
        let dir = try TS.makeTempDir("copydesk-structure")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write("roles: [主播]\n", to: dir.appendingPathComponent("vocab.yml"))
        let c = try Config.parse("structure: vocab.yml\n", file: dir.appendingPathComponent(".lintrc.yml").path, directory: dir.path)
        let set = try RuleSet.build(config: c, catalog: RuleCatalog.loadBuiltIn())
        #expect(set.vocabulary.roles.contains("主播"))
        #expect(Linter(set).vocabulary.roles.contains("主播"))
        let inline = try Config.parse("structure:\n  markers: [◆]\n", file: "/x/.lintrc.yml", directory: "/x")
        #expect(try RuleSet.build(config: inline, catalog: RuleCatalog.loadBuiltIn()).vocabulary.markers.contains("◆"))
        let e = TS.configError { _ = try Config.parse("structure:\n  rolez: [x]\n", file: "/x/.lintrc.yml", directory: "/x") }
        #expect(e?.mark.line == 2)
    }

    @Test func theSamplePage() throws {
        let url = OCRSampleTests.sampleURL
        guard FileManager.default.fileExists(atPath: url.path) else { print("note: sample absent; skipping"); return }
        let text = try SourceText(validating: [UInt8](Data(contentsOf: url))).string
        let (doc, s) = page(text, path: "ocr-county-page.txt")
        #expect(s.articles.count == 2)
        for a in s.articles {
            #expect(a.credits.contains { $0.kind == .byline && str(doc, $0.range).hasSuffix("陈晓苏") })
            #expect(a.credits.contains { $0.kind == .dateline && str(doc, $0.range).hasPrefix("本报讯") })
        }
        #expect(heads(doc, s.articles[1]).map { $0.split(separator: ":")[0] } == ["lead-in", "main", "subtitle"])
        #expect(s.fragments.count == 4)
        #expect(s.fragments.map { str(doc, $0.headlines[0].range) } == ["融媒记者开展疫情防控暗访“回头看”", "整改基本到位 细节有待完善",
                                                                         "党员干部为疫情防控贡献力量", "花街镇开通老人疫苗接种“专车”"])
        // The rules: four fragments, no missing byline, the headline pause fixed in print style.
        let linter = try FixSafetyTests.recommendedLinter()
        let ds = linter.lint(doc)
        #expect(ds.filter { $0.ruleID == "article.fragment" }.count == 4)
        #expect(!ds.contains { $0.ruleID == "article.missing-byline" })
        let out = FixApplier.fix(SourceText(text), path: "ocr-county-page.txt", linter: linter, allowUnsafe: false)
        #expect(String(decoding: out.bytes, as: UTF8.self).contains("坚守阵地连续作战\u{3000}坚决守牢疫情防线"))
        // The text and JSON reports.
        let report = StructureReport.text(doc, path: "p.txt")
        #expect(report.hasPrefix("p.txt: 2 articles, 4 fragments\n"))
        let json = try JSONSerialization.jsonObject(with: Data(StructureReport.json(doc, path: "p.txt").utf8)) as? [String: Any]
        #expect((json?["articles"] as? [Any])?.count == 2)
        #expect((json?["fragments"] as? [Any])?.count == 4)
    }

    @Test func structureFollowsTheIncrementalReparse() throws {
        // After fixes, the updated document's structure equals a fresh parse's.
        let text = "全 力 以 赴 保 障 供 暖\n口融媒记者 张三\n\n本报讯 12 月 3 日 ，青山镇召开会议。\n\n整改基本到位 细节有待完善\n"
        let linter = try FixSafetyTests.recommendedLinter()
        let out = FixApplier.fix(SourceText(text), path: "p.txt", linter: linter, allowUnsafe: false)
        let fixed = String(decoding: out.bytes, as: UTF8.self)
        #expect(fixed.hasPrefix("全力以赴保障供暖\n□融媒记者 张三\n"))
        #expect(fixed.contains("整改基本到位\u{3000}细节有待完善"))
        let fresh = Document(path: "p.txt", text: fixed)
        #expect(fresh.structure.articles.count == 1 && fresh.structure.fragments.count == 1)
        #expect(fresh.structure.articles[0].credits.first?.kind == .byline)
    }
}

@Suite(.serialized) struct StructureCLITests {
    @Test func structureCommandTextAndJSON() throws {
        let dir = try TS.makeTempDir("copydesk-structure-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write("青山镇召开供暖会议\n□融媒记者 张三\n\n本报讯 昨天，青山镇召开会议。\n\n整改基本到位 细节有待完善\n", to: dir.appendingPathComponent("p.txt"))
        let text = try CLI.run(["structure", "--no-config", "p.txt"], in: dir)
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("p.txt: 1 article, 1 fragment\n"))
        #expect(text.stdout.contains("byline                2      □融媒记者 张三"))
        let json = try CLI.run(["structure", "--no-config", "--format", "json", "p.txt", "missing.txt"], in: dir)
        #expect(json.status == 2)
        #expect(json.stderr.contains("missing.txt"))
        let obj = try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any]
        let files = try #require(obj?["files"] as? [[String: Any]])
        #expect(files.count == 1)
        let a = try #require((files[0]["articles"] as? [[String: Any]])?.first)
        #expect((a["credits"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["byline", "dateline"])
        #expect((files[0]["fragments"] as? [Any])?.count == 1)
        let bad = try CLI.run(["structure", "--format", "sarif", "p.txt"], in: dir)
        #expect(bad.status == 2)
    }
}
