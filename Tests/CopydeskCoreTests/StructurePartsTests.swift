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
        // Byline line, dateline credit, closing credit line; not the credit at the end of a paragraph.
        #expect(texts(doc, .credit) == ["□融媒首席记者 陈晓苏", "（记者 王五）", "（通讯员 李四）"])
        // `headline` still holds lead-in and subtitle.
        #expect(texts(doc, .headline).count == 3)
        let kicker = doc.segments(for: .kicker)[0]
        #expect(kicker.role == [.headline, .kicker])
        #expect(doc.segments(for: .credit).contains { $0.role == [.body, .credit] })
        #expect(Scope.named("kicker") == .kicker && Scope.named("credit") == .credit && Scope.named("subtitle") == .subtitle)
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

    @Test func missingBylineCreditPlaces() throws {
        let closing = "青山镇召开供暖会议\n\n昨天，青山镇召开冬季供暖保障工作会议。\n\n会议要求，各村做好准备。\n\n（记者 张三）\n"
        func rule(_ at: String) -> String { TS.ruleYAML(kind: "article", extra: "check: missing-byline\ncredit-at: \(at)", scope: "[body]") }
        #expect(try lint(rule("[top, middle, bottom]"), closing).isEmpty)
        #expect(try lint(rule("[bottom]"), closing).isEmpty)
        #expect(try lint(rule("[top]"), closing) == ["昨"])
        let top = "青山镇召开供暖会议\n□融媒记者 张三\n\n昨天，青山镇召开冬季供暖保障工作会议。\n"
        #expect(try lint(rule("[top]"), top).isEmpty)
        #expect(try lint(rule("[bottom]"), top) == ["昨"])
        #expect(TS.configError { _ = try TS.rule(rule("[left]")) } != nil)
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
