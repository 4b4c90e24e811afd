import Foundation
import Testing
@testable import CopydeskCore

/// Title-anchored names, the roster-free `names` rules and the `roster` rules (`Names/`, `Checks/NamesCheck`,
/// `Checks/RosterCheck`). Texts composed for the pitfalls of newsroom-rules §4.1, and the OCR county page with a
/// roster written here.
@Suite struct NamesTests {
    func mentions(_ text: String) -> [NameExtractor.Mention] {
        NameExtractor(lexicon: .builtIn).mentions(Document(path: "t.txt", text: text))
    }
    func people(_ text: String) -> [String] { mentions(text).map { m in m.titles.map { $0.marker + $0.text }.joined(separator: "、") + "|" + m.name } }

    @Test func titleAnchoredNamesAndPitfalls() {
        // Not names after a post.
        #expect(people("市长热线12345开通。") == [])
        #expect(people("中央书记处召开会议。") == [])
        #expect(people("他是主任科员。委员会成立。") == [])
        // A place that starts with a surname character is no name; the name before it is.
        #expect(people("市委书记章旭升在金华市调研。") == ["市委书记|章旭升"])
        #expect(people("区委书记金华市人。") == [])
        // Acting and former posts.
        #expect(people("代市长王刚出席。") == ["代市长|王刚"])
        let acting = mentions("代市长王刚出席。")
        #expect(acting.first?.titles.first?.acting == true && acting.first?.titles.first?.core == "市长")
        #expect(people("原市委书记李国华、前市长周小平参加。") == ["原市委书记|李国华", "前市长|周小平"])
        #expect(mentions("原市委书记李国华出席。").first?.titles.first?.former == true)
        // Double titles of one person.
        #expect(people("市委副书记、市长赵俊民主持会议。") == ["市委副书记、市长|赵俊民"])
        #expect(people("金华市委常委、纪委书记、监委主任沈晓红来永督查。") == ["金华市委常委、纪委书记、监委主任|沈晓红"])
        #expect(people("董事长兼总经理欧阳明表示。") == ["董事长、总经理|欧阳明"])
        // Lists of people.
        let list = mentions("市领导章旭升、胡勇春、蒋华蒙一行出席。")
        #expect(list.map(\.name) == ["章旭升", "胡勇春", "蒋华蒙"])
        #expect(Set(list.compactMap(\.list)).count == 1 && list.allSatisfy { $0.anchor == .list })
        #expect(people("副市长刘明、张强陪同。") == ["副市长|刘明", "副市长|张强"])
        // A boundary word inside a would-be name: 王强 + 调研, not 王强调.
        #expect(people("市长王强调研时指出。") == ["市长|王强"])
        // A compound surname.
        #expect(people("副县长司马光明表示。") == ["副县长|司马光明"])
        // Not names: 先生/女士 after a surname, a place ending in 市, a post inside the would-be name.
        #expect(people("征迁办副主任张先生表示。") == [])
        #expect(people("出生于福建省长乐市，汉族。") == [])
        #expect(people("司法所长任站长说。") == [])
        // Former posts inside a title and after 时任.
        #expect(mentions("嘉祥县政府原副县长秦朝滨表示认罪。").first?.titles.first?.former == true)
        #expect(mentions("时任县委书记王醒主持。").first?.titles.first?.former == true)
        #expect(mentions("太原市委书记罗清宇出席。").first?.titles.first?.former == false)
    }

    @Test func ocrNameSplitByALineBreak() throws {
        let text = "本报讯 12 月 14 日夜，市领导章\n\n旭升、胡勇春、蒋华蒙一行，赴高铁站。\n"
        let ms = mentions(text)
        #expect(ms.map(\.name) == ["章旭升", "胡勇春", "蒋华蒙"])
        let first = try #require(ms.first)
        #expect(first.range.lowerBound == TS.offset(of: "章", in: text))
        #expect(first.range.upperBound == TS.offset(of: "旭升", in: text, plus: 6))
        #expect(first.line == 0)
        // Across a line break after a sentence end, nothing is joined.
        #expect(people("市委书记。\n\n章旭升指出。") == [])
    }

    @Test func spaceInsideAName() throws {
        let text = "市委书记章 旭升出席会议。章旭升指出，要抓好落实。"
        let m = try #require(mentions(text).first)
        #expect(m.name == "章旭升")
        #expect(m.space == TS.offset(of: " ", in: text).map { $0..<($0 + 1) })
        // A letterspaced run is no name.
        #expect(people("扎紧扎密疫情防控篱笆 墙 ，全 力 以 赴 打 赢") == [])
    }

    @Test func secondPassFindsANameBeforeAnUnknownWord() {
        // 关切 is no boundary word, but 章旭升 stands with a boundary elsewhere.
        #expect(people("市委书记章旭升关切询问。章旭升指出，要抓好落实。") == ["市委书记|章旭升"])
        #expect(people("市委书记章旭升关切询问。") == [])
    }

    @Test func lexiconExtendsFromTheConfiguration() throws {
        let dir = try TS.makeTempDir("names-lexicon")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write("extends: []\nnames:\n  surnames: [仉]\n  posts: [首席执行官]\n", to: dir.appendingPathComponent(".lintrc.yml"))
        let config = try Config.load(path: dir.appendingPathComponent(".lintrc.yml").path)
        let set = try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn())
        let doc = Document(path: "t.txt", text: "首席执行官仉立新表示。市委书记章旭升出席。")
        #expect(NameExtractor(lexicon: set.names.lexicon).mentions(doc).map(\.name) == ["仉立新", "章旭升"])
        #expect(NameExtractor(lexicon: .builtIn).mentions(doc).map(\.name) == ["章旭升"])
        // A mistake in the lexicon is a positioned error.
        try TS.write("extends: []\nnames:\n  surnames: [欧阳]\n  postz: [a]\n", to: dir.appendingPathComponent(".lintrc.yml"))
        do {
            _ = try Config.load(path: dir.appendingPathComponent(".lintrc.yml").path)
            Issue.record("expected an error")
        } catch let e as ConfigError {
            let lines = e.all.map(\.line)
            #expect(lines.contains { $0.contains(":3:") && $0.contains("1 characters") }, "\(lines)")
            #expect(lines.contains { $0.contains(":4:3") && $0.contains("unknown key 'postz'") }, "\(lines)")
        }
    }

    @Test func builtInLexiconIsNoRule() throws {
        let catalog = try RuleCatalog.loadBuiltIn()
        #expect(!catalog.ids.contains { $0.hasPrefix("lexicons.") })
        #expect(NameLexicon.builtIn.posts.contains("副书记") && NameLexicon.builtIn.compoundSurnames.contains("欧阳"))
    }

    @Test func postsCompatibility() {
        #expect(NameExtractor.rankVariants("书记", "副书记") && NameExtractor.rankVariants("常务副市长", "市长"))
        #expect(!NameExtractor.rankVariants("书记", "市长") && !NameExtractor.rankVariants("副市长", "副市长"))
        #expect(NameExtractor.compatible("书记", "党委书记"))
        #expect(NameExtractor.compatible("常务副市长", "副市长"))
        #expect(!NameExtractor.compatible("副书记", "书记"))
        #expect(!NameExtractor.compatible("总书记", "书记"))
        #expect(!NameExtractor.compatible("市长", "书记"))
    }

    // MARK: the OCR county page

    static let sampleURL = TS.sharedSampleURL ?? TS.repoRoot.deletingLastPathComponent().appendingPathComponent("shared/samples/ocr-county-page.txt")
    static let sampleMissing = "needs the shared OCR sample ocr-county-page.txt (../shared/samples, $COPYDESK_SHARED/samples or /work/shared/samples)"

    func sample() throws -> String {
        let url = Self.sampleURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            Issue.record("the OCR sample \(url.path) is missing: the names tests need it")
            throw CancellationError()
        }
        return try SourceText(validating: [UInt8](Data(contentsOf: url))).string
    }

    /// A roster for the page, written for the test (not built in).
    static let rosterYAML = """
    people:
      - name: 章旭升
        positions: [{title: 市委书记, accept: [永康市委书记], rank: 1, valid-from: 2021-01-01}]
        mention: title-required
      - name: 胡勇春
        positions: [{title: 市长, rank: 2}]
      - name: 陈建勋
        positions: [{title: 市人大常委会主任, rank: 3}]
      - name: 俞兰
        positions: [{title: 市政协主席, rank: 4}]
      - name: 卢轶
        positions: [{title: 市委副书记, rank: 5}]
      - name: 蒋华蒙
        positions: [{title: 副市长, rank: 6}]
      - name: 蒋震雷
        positions: [{title: 副市长, rank: 7}]
      - name: 沈晓红
        positions: [{title: 金华市委常委}, {title: 纪委书记}, {title: 监委主任}]
        mention: title-required
        title-order: [金华市委常委, 纪委书记, 监委主任]
    staff:
      - name: 陈晓苏
        roles: [融媒首席记者]
    """

    func linter(roster: Bool, rules: [String]) throws -> Linter {
        let catalog = try RuleCatalog.loadBuiltIn()
        var l = Linter(rules: rules.map { catalog.rule($0)! }, unusedDisable: nil)
        if roster {
            var r = Roster()
            try r.add(YAMLValue.parse(Self.rosterYAML, file: "roster.yml"), file: "roster.yml")
            #expect(r.problems().isEmpty)
            l.names.roster = r
        }
        l.names.date = Day(20211215)
        return l
    }

    static let rosterRules = ["names.roster-title", "names.roster-first-mention", "names.roster-near-miss", "names.leader-order",
                              "names.title-join", "names.roster-space-in-name", "names.watchlist", "names.roster-unknown-staff"]
    static let freeRules = ["names.two-titles", "names.near-miss", "names.space-in-name", "names.stroke-order"]

    func lint(_ text: String, _ l: Linter) -> [Diagnostic] { l.lint(Document(path: "ocr-county-page.txt", text: text)) }

    func replacing(_ text: String, _ old: String, _ new: String, nth: Int = 0) throws -> (String, Int) {
        let o = try #require(TS.offset(of: old, in: text, nth: nth), "'\(old)' not in the sample")
        var b = Array(text.utf8)
        b.replaceSubrange(o..<(o + old.utf8.count), with: Array(new.utf8))
        return (String(decoding: b, as: UTF8.self), o)
    }

    @Test(.enabled(if: TS.sharedSampleURL != nil, Comment(rawValue: NamesTests.sampleMissing))) func cleanPageHasNoNameFindings() throws {
        let text = try sample()
        let withRoster = lint(text, try linter(roster: true, rules: Self.rosterRules + Self.freeRules))
        #expect(withRoster.isEmpty, "\(withRoster.map { "\($0.ruleID) \($0.message)" })")
        let free = lint(text, try linter(roster: false, rules: Self.freeRules))
        #expect(free.isEmpty, "\(free.map { "\($0.ruleID) \($0.message)" })")
        // What the page holds: the people of both articles.
        let names = Set(NameExtractor(lexicon: .builtIn).mentions(Document(path: "p.txt", text: text)).map(\.name))
        #expect(names == ["章旭升", "胡勇春", "蒋华蒙", "陈建勋", "俞兰", "卢轶", "沈晓红", "蒋震雷"])
    }

    @Test(.enabled(if: TS.sharedSampleURL != nil, Comment(rawValue: NamesTests.sampleMissing))) func wrongTitleInjected() throws {
        let (text, at) = try replacing(try sample(), "市委书记章旭升关切", "市长章旭升关切")
        let ds = lint(text, try linter(roster: true, rules: Self.rosterRules))
        #expect(ds.map(\.ruleID) == ["names.roster-title"], "\(ds.map { "\($0.ruleID) \($0.message)" })")
        #expect(ds.first?.range == at..<(at + "市长".utf8.count))
        #expect(ds.first?.message.contains("市委书记") == true)
    }

    @Test func expiredTitleWithoutFormer() throws {
        var l = try linter(roster: true, rules: ["names.roster-title"])
        l.names.date = Day(20201231)   // before 章旭升's valid-from
        let ds = lint("市委书记章旭升出席会议。", l)
        #expect(ds.count == 1 && ds[0].message.contains("尚未任职"))
    }

    @Test(.enabled(if: TS.sharedSampleURL != nil, Comment(rawValue: NamesTests.sampleMissing))) func oneCharacterNameErrorInjected() throws {
        let (text, at) = try replacing(try sample(), "章旭升强调，全市", "章旭生强调，全市")
        let r = lint(text, try linter(roster: true, rules: Self.rosterRules))
        #expect(r.map(\.ruleID) == ["names.roster-near-miss"], "\(r.map { "\($0.ruleID) \($0.message)" })")
        #expect(r.first?.range == at..<(at + "章旭生".utf8.count))
        #expect(r.first?.message.contains("章旭升") == true)
        // Without a roster: the frequent 章旭升 of the same article.
        let f = lint(text, try linter(roster: false, rules: Self.freeRules))
        #expect(f.map(\.ruleID) == ["names.near-miss"], "\(f.map { "\($0.ruleID) \($0.message)" })")
        #expect(f.first?.range == at..<(at + "章旭生".utf8.count))
    }

    @Test(.enabled(if: TS.sharedSampleURL != nil, Comment(rawValue: NamesTests.sampleMissing))) func reorderedLeaderListInjected() throws {
        let (text, at) = try replacing(try sample(), "胡勇春、陈建勋、俞兰", "陈建勋、胡勇春、俞兰")
        let ds = lint(text, try linter(roster: true, rules: Self.rosterRules))
        #expect(ds.map(\.ruleID) == ["names.leader-order"], "\(ds.map { "\($0.ruleID) \($0.message)" })")
        #expect(ds.first?.range.lowerBound == at)
        #expect(ds.first?.message.contains("应为“胡勇春、陈建勋、俞兰、卢轶、蒋华蒙”") == true, "\(ds.first?.message ?? "")")
        #expect(lint(text, try linter(roster: false, rules: Self.freeRules)).isEmpty)
    }

    @Test(.enabled(if: TS.sharedSampleURL != nil, Comment(rawValue: NamesTests.sampleMissing))) func secondTitleForOnePersonInjected() throws {
        let (text, at) = try replacing(try sample(), "。章旭升强调，全市", "。市委副书记章旭升强调，全市")
        let f = lint(text, try linter(roster: false, rules: Self.freeRules))
        #expect(f.map(\.ruleID) == ["names.two-titles"], "\(f.map { "\($0.ruleID) \($0.message)" })")
        #expect(f.first?.range.lowerBound == at + "。".utf8.count)
        #expect(f.first?.message.contains("市委书记") == true)
        let r = lint(text, try linter(roster: true, rules: Self.rosterRules))
        #expect(r.map(\.ruleID) == ["names.roster-title"])
    }

    @Test(.enabled(if: TS.sharedSampleURL != nil, Comment(rawValue: NamesTests.sampleMissing))) func commaBetweenTitlesAndSpaceInRosteredName() throws {
        let (text, _) = try replacing(try sample(), "纪委书记、监委主任沈晓红", "纪委书记，监委主任沈晓红")
        let ds = lint(text, try linter(roster: true, rules: Self.rosterRules))
        #expect(ds.map(\.ruleID) == ["names.title-join"], "\(ds.map { "\($0.ruleID) \($0.message)" })")
        let fixed = FixApplier.fix(SourceText(text), path: "p.txt", linter: try linter(roster: true, rules: ["names.title-join"]), allowUnsafe: false)
        #expect(String(decoding: fixed.bytes, as: UTF8.self) == (try sample()))
        let (spaced, _) = try replacing(try sample(), "融媒首席记者 陈晓苏", "融媒首席记者 陈 晓苏")
        let s = lint(spaced, try linter(roster: true, rules: ["names.roster-space-in-name"]))
        #expect(s.count == 1)
    }

    @Test func firstMentionWithoutTitle() throws {
        let l = try linter(roster: true, rules: ["names.roster-first-mention"])
        let text = "章旭升指出，要抓好落实。市委书记章旭升强调，要压实责任。"
        let ds = lint(text, l)
        #expect(ds.count == 1 && ds.first?.range == 0..<"章旭升".utf8.count)
    }

    @Test func rosterErrorsArePositionedAndConflictsFound() throws {
        var r = Roster()
        do {
            try r.add(YAMLValue.parse("people:\n  - name: 章旭升\n    positions: [{title: 市委书记, valid-from: 2021-13-01}]\n    kindd: leader\n", file: "r.yml"), file: "r.yml")
            Issue.record("expected errors")
        } catch let e as ConfigError {
            let lines = e.all.map(\.line)
            #expect(lines.contains { $0.hasPrefix("r.yml:4:5") && $0.contains("kindd") }, "\(lines)")
        }
        var ok = Roster()
        try ok.add(YAMLValue.parse("""
        people:
          - name: 章旭升
            positions: [{title: 市委书记, rank: 1}]
          - name: 胡勇春
            positions: [{title: 市长, rank: 1}]
          - name: 章旭升
        watchlist:
          - name: 胡勇春
        """, file: "r.yml"), file: "r.yml")
        let ps = ok.problems().map(\.line)
        #expect(ps.count == 3, "\(ps)")
        #expect(ps.contains { $0.hasPrefix("r.yml:6:") && $0.contains("already in the roster") })
        #expect(ps.contains { $0.contains("rank 1") })
        #expect(ps.contains { $0.contains("watch list") })
    }

    @Test func watchlistUsesItsOwnSeverity() throws {
        var l = try linter(roster: true, rules: ["names.watchlist"])
        var r = l.names.roster!
        try r.add(YAMLValue.parse("watchlist:\n  - name: 王某某\n    note: 立案审查\n    severity: warning\n", file: "w.yml"), file: "w.yml")
        l.names.roster = r
        let ds = lint("王某某出席会议。", l)
        #expect(ds.count == 1 && ds[0].severity == .warning && ds[0].message.contains("立案审查"))
    }

    @Test func namesCommandAndRosterCheck() throws {
        let dir = try TS.makeTempDir("names-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write("市委书记章旭升出席会议。市领导章旭升、胡勇春出席。\n", to: dir.appendingPathComponent("a.txt"))
        let r = try CLI.run(["names", "--no-config", "a.txt"], in: dir)
        #expect(r.status == 0)
        #expect(r.stdout.contains("章旭升\n  市委书记  a.txt:1\n"), "\(r.stdout)")
        let y = try CLI.run(["names", "--no-config", "--format", "yaml", "a.txt"], in: dir)
        try TS.write(y.stdout, to: dir.appendingPathComponent("roster.yml"))
        let c = try CLI.run(["roster", "check", "roster.yml"], in: dir)
        #expect(c.status == 0, "\(c.stdout)\(c.stderr)")
        #expect(c.stdout.contains("2 people"))
        try TS.write("people:\n  - name: 章旭升\n  - name: 章旭升\n", to: dir.appendingPathComponent("dup.yml"))
        let d = try CLI.run(["roster", "check", "dup.yml"], in: dir)
        #expect(d.status == 1 && d.stdout.contains("dup.yml:3:5"), "\(d.stdout)")
        // A configuration naming a roster: the roster rules read it.
        try TS.write("extends: [copydesk:names]\nroster: [roster.yml]\n", to: dir.appendingPathComponent(".lintrc.yml"))
        try TS.write("市长章旭升出席会议。\n", to: dir.appendingPathComponent("b.txt"))
        let l = try CLI.run(["lint", "--date", "2021-12-15", "b.txt"], in: dir)
        #expect(l.status == 1 && l.stdout.contains("names.roster-title"), "\(l.stdout)\(l.stderr)")
    }
}

/// `kind: consistency`: per article, the minority form named with the majority and where it first stands.
@Suite struct ConsistencyTests {
    func lint(_ text: String, _ ids: [String]) throws -> [Diagnostic] {
        let catalog = try RuleCatalog.loadBuiltIn()
        return Linter(rules: ids.map { catalog.rule($0)! }, unusedDisable: nil).lint(Document(path: "p.txt", text: text))
    }

    @Test func minorityNamesTheMajorityAndItsLine() throws {
        let text = "标题一\n\n本报讯 微信用户增长。\n\n微信支付上线。WeChat海外版也在增长。微信小程序上线。\n"
        let ds = try lint(text, ["consistency.terms"])
        #expect(ds.count == 1)
        #expect(ds.first?.range.lowerBound == TS.offset(of: "WeChat", in: text))
        #expect(ds.first?.message.contains("“微信”（3处，首见第3行）") == true, "\(ds.first?.message ?? "")")
    }

    @Test func eachArticleOnItsOwn() throws {
        // Two articles, each consistent in itself: nothing to report; the same text as one article: reported.
        let two = "微信用户增长\n□融媒记者 张三\n\n本报讯 微信用户增长。微信支付上线。\n\nWeChat用户增长\n□融媒记者 李四\n\n本报讯 WeChat用户增长。WeChat Pay上线。\n"
        let page = Document(path: "p.txt", text: two)
        #expect(page.structure.articles.count == 2)
        #expect(try lint(two, ["consistency.terms"]).isEmpty)
        let one = "本报讯 微信用户增长。微信支付上线。WeChat用户增长。\n"
        #expect(try lint(one, ["consistency.terms"]).count == 1)
    }

    @Test func fullFormMayIntroduceTheShortOne() throws {
        #expect(try lint("新型冠状病毒肺炎（简称新冠肺炎）疫情。新冠肺炎防控。新冠肺炎救治。", ["consistency.terms"]).isEmpty)
        let late = "新冠肺炎疫情。新冠肺炎防控。新型冠状病毒肺炎救治。"
        let ds = try lint(late, ["consistency.terms"])
        #expect(ds.map(\.range.lowerBound) == [TS.offset(of: "新型", in: late)])
    }

    @Test func dateNumeralsAndThousands() throws {
        let text = "2021年12月14日开会。2022年1月1日施行。十二月十五日闭幕。腊月二十三过小年，三个月后。\n审判员　张三二〇一八年五月十四日书记员　李四\n"
        let ds = try lint(text, ["consistency.date-numerals"])
        #expect(ds.map(\.range.lowerBound) == [TS.offset(of: "十二月十五日", in: text)], "\(ds.map(\.message))")
        let nums = "收入12,500元，支出10,300元，结余2200000元，热线12345。\n"
        let ns = try lint(nums, ["consistency.thousands"])
        #expect(ns.map(\.range.lowerBound) == [TS.offset(of: "2200000", in: nums)])
    }

    @Test func aGroupNeedsTwoForms() throws {
        let yaml = "kind: consistency\nseverity: info\nmessage: m\ndescription: d\nscope: [body]\ngroups:\n  - [微信]\n"
        #expect(throws: ConfigError.self) { try RuleLoader.load(text: yaml, file: "x.yml", relativePath: "x.yml", builtIn: false) }
    }
}
