import Foundation
import Testing
@testable import CopydeskCore

/// The house options and rule interplay of the GB/T 15834/15835 forms (`punctuation-forms` and the later `numbers`
/// forms). The rules' own examples run in `RuleExamplesTests`; these cover what examples cannot: options laid over
/// a rule by a configuration, two rules competing for one character, a document-wide choice.
@Suite struct StandardsFormsTests {
    func linter(_ rules: String) throws -> Linter {
        let yaml = "extends: []\nrules:\n" + rules
        let config = try Config.parse(yaml, file: "/t/.lintrc.yml", directory: "/t")
        return Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
    }

    func fixed(_ text: String, _ rules: String, unsafe: Bool = false) throws -> String {
        let out = FixApplier.fix(SourceText(text), path: "draft.txt", linter: try linter(rules), allowUnsafe: unsafe)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    func found(_ text: String, _ rules: String) throws -> [(id: String, text: String)] {
        let bytes = Array(text.utf8)
        return try linter(rules).lint(Document(path: "draft.txt", text: text)).map {
            ($0.ruleID, String(decoding: bytes[$0.range], as: UTF8.self))
        }
    }

    @Test func enumerationCommaWinsOverTheFullWidthComma() throws {
        let rules = "  punctuation.enumeration-comma: on\n  punctuation.halfwidth-in-chinese: on\n"
        // A list of names: 、 (its fix starts before the plain `,` → `，` one and wins the overlap).
        #expect(try fixed("市领导章旭升,胡勇春,蒋华蒙一行来到现场,看望群众", rules) == "市领导章旭升、胡勇春、蒋华蒙一行来到现场，看望群众")
        // One comma between two names: unclear, so safe fixes leave it for the editor (reported once, by the
        // enumeration rule, which supersedes the full-width comma there); unsafe ones give 、.
        #expect(try fixed("（记者 张三,李四）", rules) == "（记者 张三,李四）")
        #expect(try fixed("（记者 张三,李四）", rules, unsafe: true) == "（记者 张三、李四）")
        #expect(try found("（记者 张三,李四）", rules).map(\.id) == ["punctuation.enumeration-comma"])
        // Each comma of a list is reported once; a comma after the list still by the full-width rule.
        #expect(try found("市领导章旭升,胡勇春,蒋华蒙一行来到现场,看望群众", rules).map(\.id)
                == ["punctuation.enumeration-comma", "punctuation.halfwidth-in-chinese"])
        // A region where the enumeration rule is disabled: the full-width rule reports the comma there.
        let disabled = "<!-- copydesk-disable punctuation.enumeration-comma -->\n\n（记者 张三,李四）\n\n<!-- copydesk-enable punctuation.enumeration-comma -->\n\n（记者 王五,赵六）\n"
        let ds = try linter(rules).lint(Document(path: "draft.md", text: disabled))
        #expect(ds.map(\.ruleID) == ["punctuation.halfwidth-in-chinese", "punctuation.enumeration-comma"])
        // The same page without the comments: the first paragraph is read as a credit (an inline segment, listed
        // after the block segments); a list further down must not hide its comma.
        let both = try linter(rules).lint(Document(path: "draft.md", text: "（记者 张三,李四）\n\n（记者 王五,赵六）\n"))
        #expect(both.map(\.ruleID) == ["punctuation.enumeration-comma", "punctuation.enumeration-comma"])
        // Without the enumeration rule the full-width rule reports every comma, as before.
        #expect(try found("（记者 张三,李四）", "  punctuation.halfwidth-in-chinese: on\n").map(\.text) == [","])
        // A clause before the list is not part of it.
        #expect(try fixed("他说,张三,李四,王五都来了", rules) == "他说，张三、李四、王五都来了")
        // Clauses stay clauses.
        #expect(try fixed("他说,我们明天出发,大家准备好", rules) == "他说，我们明天出发，大家准备好")
    }

    /// The same on a page large enough to be linted in chunks on several cores (the superseded findings are read in
    /// place, list by list): every paragraph as it is alone, in the report and in the fixed text.
    @Test func enumerationCommaWinsOnALargePage() throws {
        let rules = "  punctuation.enumeration-comma: on\n  punctuation.halfwidth-in-chinese: on\n"
        let paragraphs = ["市领导章旭升,胡勇春,蒋华蒙一行来到现场,看望群众", "（记者 张三,李四）", "他说,张三,李四,王五都来了"]
        var text = "", n = 0
        while text.utf8.count < 1 << 20 { text += paragraphs[n % 3] + "\n\n"; n += 1 }
        #expect(Parallel.chunks(forBytes: text.utf8.count) > 1 || Parallel.cores == 1)
        let alone = try paragraphs.map { try found($0, rules).map(\.id) }
        let page = try found(text, rules).map(\.id)
        #expect(page == (0..<n).flatMap { alone[$0 % 3] })
        let fixedAlone = try paragraphs.map { try fixed($0, rules) }
        #expect(try fixed(text, rules) == (0..<n).map { fixedAlone[$0 % 3] + "\n\n" }.joined())
    }

    @Test func wordListsOfPlacesAndThings() throws {
        let rules = "  punctuation.enumeration-comma: on\n  punctuation.enumeration-comma-words: on\n  punctuation.halfwidth-in-chinese: on\n"
        let text = "在北京,上海,广州等城市,大家都买了苹果,香蕉,橘子。"
        #expect(try found(text, rules).map(\.id) == ["punctuation.enumeration-comma-words", "punctuation.halfwidth-in-chinese",
                                                      "punctuation.enumeration-comma-words"])
        #expect(try found(text, rules).map(\.text) == ["北京,上海,广州", ",", "苹果,香蕉,橘子"])
        // Always unsafe: safe fixes change only the comma that ends the list.
        #expect(try fixed(text, rules) == "在北京,上海,广州等城市，大家都买了苹果,香蕉,橘子。")
        #expect(try fixed(text, rules, unsafe: true) == "在北京、上海、广州等城市，大家都买了苹果、香蕉、橘子。")
        // Names stay with the names rule (safe), reported once.
        #expect(try found("市领导章旭升,胡勇春,蒋华蒙一行", rules).map(\.id) == ["punctuation.enumeration-comma"])
        // Clauses, sentence openers and four-character parallel phrases are no list.
        #expect(try found("据了解,目前,该市已建成", rules).allSatisfy { $0.id == "punctuation.halfwidth-in-chinese" })
        #expect(try found("事实清楚,证据充分,程序合法", rules).allSatisfy { $0.id == "punctuation.halfwidth-in-chinese" })
        #expect(try found("好的,谢谢,再见", rules).allSatisfy { $0.id == "punctuation.halfwidth-in-chinese" })
        let bad = TS.configError { _ = try self.linter("  punctuation.quote-style: {items: words}\n") }
        #expect(bad?.message.contains("'items' works with") == true)
    }

    @Test func supersedesIsAListOfRuleIDs() throws {
        // A house rule may supersede a built-in one; `supersedes` takes a list of strings.
        let ok = try RuleLoader.load(text: "kind: phrases\nseverity: warning\nmessage: m\ndescription: d\nscope: [body]\nphrases: [张三]\nsupersedes: [a.b]\n",
                                     file: "x.yml", relativePath: "house/x.yml", builtIn: false)
        #expect(ok.supersedes == ["a.b"])
        #expect(throws: ConfigError.self) {
            _ = try RuleLoader.load(text: "kind: phrases\nseverity: warning\nmessage: m\ndescription: d\nscope: [body]\nphrases: [张三]\nsupersedes: {a: 1}\n",
                                    file: "x.yml", relativePath: "house/x.yml", builtIn: false)
        }
    }

    @Test func captionAboveItsOwnCreditLine() throws {
        let rules = "  punctuation.caption-period-credit-line: on\n"
        // The credit the page structure reads as a photo credit (`张三 摄` right under the caption).
        let text = "这是一段正文，记者来到现场。\n\n工作人员检修供暖管道。\n张三 摄\n"
        #expect(try found(text, rules).map(\.text) == ["。"])
        #expect(try fixed(text, rules, unsafe: true) == "这是一段正文，记者来到现场。\n\n工作人员检修供暖管道\n张三 摄\n")
        // Web copy, a paragraph a line: a short caption line after a finished sentence.
        #expect(try found("记者来到现场。\n图为当地消防集结待命。\n孙米添 摄\n", rules).map(\.text) == ["。"])
        // A long paragraph above a credit of the article's pictures is no caption; nor the end of a wrapped paragraph.
        #expect(try found("据当地人讲述，地震发生时震感强烈，在房间里能够明显感觉到桌子、板凳摇晃，大家纷纷跑到楼下空旷的地方避险。\n孙米添 摄\n", rules).isEmpty)
        #expect(try found("记者来到现场，看到工作人员\n检修供暖管道。\n孙米添 摄\n", rules).isEmpty)
    }

    @Test func quoteNestingAcrossALineBreak() throws {
        let rules = "  punctuation.quote-nesting: on\n"
        // A hard-wrapped paragraph: the quotation goes on over the break.
        #expect(try found("他说：“大家都叫它“小巨\n人”。”\n", rules).map(\.text) == ["“小巨\n人”"])
        #expect(try fixed("他说：“大家都叫它“小巨\n人”。”\n", rules, unsafe: true) == "他说：“大家都叫它‘小巨\n人’。”\n")
        // A blank-line wrapped OCR page: across the blank line too.
        let page = "本报讯 市领导昨天来到现场，看望慰\n\n问防疫一线工作人员。他说：“大家都叫\n\n它“小巨人”，这个名字\n\n好听。”大家都很高兴，决心再接再\n\n厉、坚守阵地、毫不松懈、连续作战。\n"
        #expect(try found(page, rules).map(\.text) == ["“小巨人”"])
        // The same lines as paragraphs of a normal page (one blank line between few paragraphs): not carried.
        #expect(try found("他说：“大家都叫它\n\n“小巨人”真好。”\n", rules).isEmpty)
        // A line that ends a sentence ends the quotation's line (web copy, a paragraph a line).
        #expect(try found("他说：“大家都叫它。”\n“小巨人”真好。”\n", rules).isEmpty)
    }

    @Test(.enabled(if: TS.sharedSampleURL != nil, "needs ocr-county-page.txt of the shared samples (../shared, $COPYDESK_SHARED or /work/shared)"))
    func splitNumberAcrossABlankLineOnTheOCRPage() throws {
        let url = try #require(TS.sharedSampleURL)
        let page = try String(contentsOf: url, encoding: .utf8)
        // The real page is blank-line wrapped (every printed line its own block): cut a number there as OCR does.
        let line = "人员、志愿者致以衷心感谢和崇高敬"
        #expect(page.contains(line))
        let cut = page.replacingOccurrences(of: line, with: "人员、志愿者共1\n\n200人致以衷心感谢和崇高敬")
        let rules = "  numbers.split-number-line: on\n"
        #expect(try found(page, rules).isEmpty)
        #expect(try found(cut, rules).map(\.text) == ["1\n\n200"])
        #expect(try fixed(cut, rules, unsafe: true) == page.replacingOccurrences(of: line, with: "人员、志愿者共1200人致以衷心感谢和崇高敬"))
        // The same cut on a page of ordinary paragraphs is a paragraph break: not reported.
        #expect(try found("全市志愿者共1\n\n200人参加。\n", rules).isEmpty)
    }

    @Test func quoteStyleFollowsTheHouseChoice() throws {
        let curly = "  punctuation.quote-style: on\n"
        let corner = "  punctuation.quote-style: {quotes: corner}\n"
        #expect(try fixed("实施「双减」政策", curly) == "实施“双减”政策")
        #expect(try found("实施“双减”政策", curly).isEmpty)
        #expect(try fixed("实施“双减”政策，他说：“叫它‘小巨人’。”", corner) == "实施「双减」政策，他说：「叫它『小巨人』。」")
        #expect(try found("实施「双减」政策", corner).isEmpty)
        // An English apostrophe is no quotation mark, even for a corner-quote house.
        #expect(try fixed("他读了 it’s fine 这句", corner) == "他读了 it’s fine 这句")
        let bad = TS.configError { _ = try self.linter("  punctuation.list-marker: {quotes: corner}\n") }
        #expect(bad?.message.contains("'quotes' works with") == true)
    }

    @Test func quoteNestingInTheCornerStyle() throws {
        let rules = "  punctuation.quote-nesting: {quotes: corner}\n"
        #expect(try fixed("他说：『大家都叫它「小巨人」。』", rules, unsafe: true) == "他说：「大家都叫它『小巨人』。」")
        #expect(try found("他说：「大家都叫它『小巨人』。」", rules).isEmpty)
        // Curly marks are not this house's: left to quote-style.
        #expect(try found("他说：‘大家都叫它“小巨人”。’", rules).isEmpty)
    }

    @Test func listMarkersOneFormPerDocument() throws {
        let text = "1、加强领导\n2、压实责任\n3.做好保障\n"
        // consistent: the majority (、) wins; the fix needs --unsafe-fixes.
        let c = "  punctuation.list-marker: on\n"
        #expect(try found(text, c).map(\.text) == ["."])
        #expect(try fixed(text, c) == text)
        #expect(try fixed(text, c, unsafe: true) == "1、加强领导\n2、压实责任\n3、做好保障\n")
        // A house that writes 1.: every 、 marker, safely.
        let dot = "  punctuation.list-marker: {marker: dot}\n"
        #expect(try fixed(text, dot) == "1.加强领导\n2.压实责任\n3.做好保障\n")
        // A tie: the first marker decides.
        #expect(try found("1.加强领导\n2、压实责任\n", c).map(\.text) == ["、"])
        // Two levels of one outline are no mix: `1.` sections with `1、` items under them.
        #expect(try found("1.政治局常委\n1、周某\n2、李某\n2.政治局委员\n1、王某\n", c).isEmpty)
        // Two lists of one article, each in its own form: the minority list is reported.
        #expect(try found("1、行车时保持车距\n2、雨天减速\n看图\n1.避人\n2.避车\n3.避水\n", c).map(\.text) == ["、", "、"])
        // Not markers: a decimal, a pair of months.
        #expect(try found("1.5米高的围栏\n1、2月份销售额增长\n3.做好保障\n", "  punctuation.list-marker: {marker: dunhao}\n").map(\.text) == ["."])
    }

    @Test func splitNumberGroupsFollowTheHouseChoice() throws {
        let none = "  numbers.split-number: on\n"
        let thin = "  numbers.split-number: {groups: thin-space}\n"
        // NBSP groups before a unit: safe; an ASCII space may part two numbers: unsafe.
        #expect(try fixed("收取100\u{A0}000元股金", none) == "收取100000元股金")
        #expect(try fixed("共计12 500元", none) == "共计12 500元")
        #expect(try fixed("共计12 500元", none, unsafe: true) == "共计12500元")
        // A thin-space house: U+2009 groups are right, other separators become U+2009.
        #expect(try found("共计12\u{2009}500元", thin).isEmpty)
        #expect(try fixed("收取100\u{A0}000元股金", thin) == "收取100\u{2009}000元股金")
        #expect(try found("共计12\u{2009}500元", none).map(\.text) == ["12\u{2009}500"])
        // Telephone numbers and irregular groups are left alone.
        #expect(try found("热线电话：910 299 008", none).isEmpty)
        #expect(try found("拨打1595225 0000咨询", none).isEmpty)
        let bad = TS.configError { _ = try self.linter("  numbers.leading-zero: {groups: none}\n") }
        #expect(bad?.message.contains("'groups' works with") == true)
    }

    @Test func splitNumberAcrossALineBreakInOneParagraph() throws {
        let rules = "  numbers.split-number-line: on\n"
        let text = "截至昨天，全市报名人数达12\n500人，比去年同期增加两成。\n"
        #expect(try found(text, rules).map(\.text) == ["12\n500"])
        #expect(try fixed(text, rules, unsafe: true) == "截至昨天，全市报名人数达12500人，比去年同期增加两成。\n")
        // Two paragraphs (a blank line between): no finding; a year opening the next line: none either.
        #expect(try found("截至昨天，全市报名人数达12\n\n500人到场。\n", rules).isEmpty)
        #expect(try found("无锡一公民来信反映情况，电话1506\n2019年1月3日\n", rules).isEmpty)
    }

    @Test func lunarDatesAndLeadingZeros() throws {
        let rules = "  numbers.lunar-arabic: on\n  numbers.leading-zero: on\n"
        #expect(try fixed("农历12月30日除夕，正月初10返程，增长.5%", rules, unsafe: true) == "农历十二月三十除夕，正月初十返程，增长0.5%")
        // A lost full stop before a date is no decimal.
        #expect(try found("目前4人失踪.1日14时，霍山县", rules).isEmpty)
    }
}
