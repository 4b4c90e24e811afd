import Foundation
import Testing
@testable import CopydeskCore

/// The third round of the names work: near misses only with evidence (same reading, the person's own title),
/// candidates whose first character is the slip, rostered names after a title without a boundary word, org-level
/// short titles.
extension NamesTests {
    @Test func nearMissNeedsEvidence() throws {
        let l = try linter(roster: true, rules: ["names.roster-near-miss"])
        func at(_ text: String) -> [Int] { lint(text, l).map(\.range.lowerBound) }
        // Same reading: an input-method slip, at any name position.
        #expect(at("章旭生指出，要抓好落实。") == [0])
        #expect(lint("章旭生指出，要抓好落实。", l).first?.message.contains("读音相同") == true)
        // One character away but read differently, with no title of the person: another person (a big roster holds
        // many near names).
        #expect(at("胡勇强指出，要抓好落实。").isEmpty)
        #expect(at("书记章旭全出席会议。").isEmpty)
        // The person's own title with its organisation: the person expected there, whatever the slip.
        let titled = "市委书记章旭全出席会议。"
        #expect(at(titled) == [TS.offset(of: "章旭全", in: titled)!])
        #expect(lint(titled, l).first?.message.contains("只差一个字，") == true)
        // A former post is no evidence; nor is a post of another rank (副大队长 is not 大队长).
        #expect(at("原市委书记章旭全出席会议。").isEmpty)
        // Another title for the same string in the article: another person.
        #expect(at("局长胡永春表示，要抓好落实。").isEmpty)
        // Written twice in the article without the rostered name: what the writer means.
        #expect(at("章旭生指出，要抓好落实。章旭生强调，要压实责任。").isEmpty)
        let beside = "章旭升指出，要抓好落实。章旭生强调，要压实责任。"
        #expect(at(beside) == [TS.offset(of: "章旭生", in: beside)!])
        // After a post, no boundary word is needed behind a three-character name; a place suffix still ends nothing.
        let glued = "市委书记章旭生关切询问。"
        #expect(at(glued) == [TS.offset(of: "章旭生", in: glued)!])
        #expect(at("市委书记章旭生市场监管局。").isEmpty)
        // A credit name is compared with the staff only: a reporter is no slip for a leader.
        #expect(at("全力以赴保障供应\n本报记者 胡永春\n\n本报讯　昨日开会。\n").isEmpty)
    }

    @Test func nearMissWhoseFirstCharacterIsTheSlip() throws {
        let l = try linter(roster: true, rules: ["names.roster-near-miss"])
        // 湖 is no surname of the lexicon: found by the other characters of the rostered name.
        let text = "市长湖勇春出席会议。"
        let ds = lint(text, l)
        #expect(ds.map(\.range) == [TS.offset(of: "湖勇春", in: text)!..<TS.offset(of: "出席", in: text)!], "\(ds.map(\.message))")
        #expect(ds.first?.message.contains("胡勇春") == true)
        #expect(lint("市领导章旭升、湖勇春出席。", l).count == 1)
        // Read differently, no title of the person: nothing; nor inside a word (no name position).
        #expect(lint("市长李勇春出席会议。", l).isEmpty)
        #expect(lint("江湖勇春色满园。", l).isEmpty)
        // A two-character name read the same after the person's own post; after another post it is someone else.
        #expect(lint("市政协主席于兰出席会议。", l).count == 1)
        #expect(lint("市长于兰出席会议。", l).isEmpty)
    }
}

extension NamesTests {
    @Test func rosteredNameAfterATitleWithoutABoundaryWord() throws {
        var l = try linter(roster: true, rules: ["names.roster-title"])
        // No boundary word after the name (关切 is none): found by the roster's names, not by the extractor.
        let text = "市长章旭升关切询问群众生活。"
        #expect(people(text).isEmpty)
        let ds = lint(text, l)
        #expect(ds.map(\.range) == [0..<"市长".utf8.count], "\(ds.map(\.message))")
        #expect(ds.first?.message.contains("市委书记") == true)
        #expect(lint("市委书记章旭升关切询问群众生活。", l).isEmpty)
        #expect(lint("金华市委常委、纪委书记沈晓红深入一线督查。", l).isEmpty)
        // An alias counts as the person.
        var r = try #require(l.names.roster)
        r.people[0].aliases = ["章旭昇"]
        l.names.roster = r
        #expect(lint("市长章旭昇关切询问群众生活。", l).count == 1)
        // A name inside a longer word: a two-character name must end at a boundary, a longer one not before a
        // place suffix.
        var places = Roster()
        try places.add(YAMLValue.parse("people:\n  - name: 江华\n    positions: [{title: 县长}]\n  - name: 蒋华蒙\n    positions: [{title: 副市长}]\n", file: "r.yml"), file: "r.yml")
        l.names.roster = places
        #expect(lint("市长江华瑶族自治县调研。", l).isEmpty)
        #expect(lint("县委书记蒋华蒙市人。", l).isEmpty)
        #expect(lint("县委书记蒋华蒙深入一线。", l).count == 1)
        // A street read after a post inside a place (`蜀山区长江西路`): a rostered "name" ending like a street is skipped.
        try places.add(YAMLValue.parse("people:\n  - name: 江西路\n    positions: [{title: 区长}]\n", file: "r4.yml"), file: "r4.yml")
        l.names.roster = places
        #expect(lint("地址：合肥市蜀山区长江西路189号。", l).isEmpty)
        #expect(people("地址：合肥市蜀山区长江西路189号。").isEmpty)
        #expect(people("地址：合肥市蜀山区长江西路１８９号。").isEmpty)
        #expect(people("区长江西路表示，要抓好落实。") == ["区长|江西路"])
        // A chain with one of the person's titles: the others are posts the roster does not list; a former post
        // that is not on the roster is a past post. A chain none of whose titles fits is reported title by title.
        let r0 = try linter(roster: true, rules: ["names.roster-title"])
        #expect(lint("中共中央政治局委员、市委书记章旭升出席会议。", r0).isEmpty)
        #expect(lint("原市长章旭升出席会议。", r0).isEmpty)
        #expect(lint("市委副书记、市长章旭升出席会议。", r0).count == 2)
        // No title right before it: nothing to judge.
        #expect(lint("会上章旭升关切询问群众生活。", try linter(roster: true, rules: ["names.roster-title"])).isEmpty)
    }
}

extension ServerTests {
    /// `copydesk server --date`: the publication date of the roster rules in the editor (else front matter, else today).
    @Test func serverTakesThePublicationDate() throws {
        func run(_ args: [String]) throws -> [[String: Any]] {
            let dir = try TS.makeTempDir("copydesk-lsp-date").resolvingSymlinksInPath()
            defer { try? FileManager.default.removeItem(at: dir) }
            try TS.write("people:\n  - name: 章旭升\n    positions: [{title: 市长, valid-to: 2020-12-31}, {title: 市委书记, valid-from: 2021-01-01}]\n",
                         to: dir.appendingPathComponent("roster.yml"))
            try TS.write("extends: []\nroster: roster.yml\nrules:\n  names.roster-title: on\n", to: dir.appendingPathComponent(".lintrc.yml"))
            let c = try LSPClient(in: dir, args: args)
            _ = c.initialize(encodings: nil)
            let uri = dir.appendingPathComponent("a.txt").absoluteString
            c.open(uri, "市长章旭升出席会议。\n")
            return try #require(c.diagnostics(for: uri))
        }
        // Today (after valid-to): 市长 is a former post and needs 原.
        let today = try run([])
        #expect(today.count == 1 && (today.first?["message"] as? String)?.contains("已卸任") == true, "\(today)")
        // On a date when he was mayor: clean.
        #expect(try run(["--date", "2020-06-01"]).isEmpty)
        // A bad date is a usage error.
        let bad = try TS.run(try #require(CLI.binary).path, ["server", "--date", "June"])
        #expect(bad.status != 0 && bad.output.contains("--date"), "\(bad)")
    }
}

extension NamesTests {
    @Test func organisationLevelTitles() throws {
        #expect(NameExtractor.orgKey("金华市纪委") == "金华纪委")
        #expect(NameExtractor.orgKey("中共永康市委") == "永康委")
        #expect(NameExtractor.orgKey("市委") == "市委")
        #expect(NameExtractor.sameOrg("金华纪委", "金华市纪委"))
        #expect(NameExtractor.sameOrg("金华市纪委", "金华市纪委"))
        #expect(NameExtractor.sameOrg("浙江省金华市纪委", "金华市纪委"))
        #expect(NameExtractor.sameOrg("市纪委", "金华市纪委"))
        #expect(NameExtractor.sameOrg("", "金华市纪委"))
        #expect(NameExtractor.sameOrg("市委", "中共永康市委"))
        #expect(!NameExtractor.sameOrg("县委", "中共永康市委"))
        #expect(!NameExtractor.sameOrg("永康纪委", "金华市纪委"))
        #expect(!NameExtractor.sameOrg("金华市委", "中共永康市委"))

        var l = try linter(roster: true, rules: ["names.roster-title"])
        var r = try #require(l.names.roster)
        try r.add(YAMLValue.parse("""
        people:
          - name: 王立群
            positions:
              - {title: 纪委书记, org: 金华市纪委}
              - {title: 市委书记, org: 中共永康市委}
          - name: 李晓明
            positions: [{title: 金华市委常委}]
          - name: 赵国庆
            positions: [{title: 常务副市长}, {title: 书记处书记, org: 中央书记处}]
        """, file: "r2.yml"), file: "r2.yml")
        l.names.roster = r
        // The organisation with its level dropped, generic, or in full: the same post.
        #expect(lint("金华纪委书记王立群出席会议。", l).isEmpty)
        #expect(lint("金华市纪委书记王立群出席会议。", l).isEmpty)
        #expect(lint("市纪委书记王立群出席会议。", l).isEmpty)
        #expect(lint("永康市委书记王立群出席会议。", l).isEmpty)
        #expect(lint("金华市委常委李晓明出席会议。", l).isEmpty)
        #expect(lint("金华市委常委、纪委书记王立群出席会议。", l).isEmpty)
        // Another organisation for the same post: reported.
        let other = "永康纪委书记王立群出席会议。"
        #expect(lint(other, l).map(\.range) == [0..<"永康纪委书记".utf8.count], "\(lint(other, l).map(\.message))")
        #expect(lint("兰溪市委书记王立群出席会议。", l).count == 1)
        #expect(lint("县委书记王立群出席会议。", l).count == 1)
        #expect(lint("义乌市委常委李晓明出席会议。", l).count == 1)
        // Words before a post that name no organisation (外逃, 正如) are no organisation.
        #expect(NameExtractor.sameOrg("外逃", "金华市纪委"))
        #expect(lint("外逃常委李晓明被抓获。", l).isEmpty)
        // A title prefix that names no organisation (常务) is no organisation; 书记处 is one.
        #expect(lint("市政府副市长赵国庆出席会议。", l).isEmpty)
        #expect(lint("中央书记处书记赵国庆出席会议。", l).isEmpty)
        // Pitfalls: 市长热线, 书记处 are no titles before a name.
        #expect(lint("赵国庆接听市长热线。市长热线王立群接通。", l).isEmpty)
        #expect(lint("中央书记处王立群同志。", l).isEmpty)
    }
}

extension NamesTests {
    @Test func polyphonesReadEitherWay() throws {
        func sc(_ s: String) -> UInt32 { s.unicodeScalars.first!.value }
        // ICU reads 单 as dan; the lexicon adds shan (the surname), so 善 (shan) can be a slip for it.
        #expect(Pinyin.reading(sc("单")) == "dan")
        #expect(NameLexicon.builtIn.sameReading(sc("善"), sc("单")))
        #expect(NameLexicon.builtIn.sameReading(sc("丹"), sc("单")))
        #expect(!NameLexicon.builtIn.sameReading(sc("王"), sc("单")))
        var l = try linter(roster: true, rules: ["names.roster-near-miss"])
        var r = try #require(l.names.roster)
        try r.add(YAMLValue.parse("people:\n  - name: 单晓明\n    positions: [{title: 副县长}]\n", file: "r3.yml"), file: "r3.yml")
        l.names.roster = r
        let text = "副市长善晓明出席会议。"
        #expect(lint(text, l).map(\.range.lowerBound) == [TS.offset(of: "善晓明", in: text)!])
        // A newsroom adds readings; a key is one character, a reading lower-case pinyin.
        let lex = try NameLexicon.parse(YAMLValue.parse("readings:\n  覃: [xun]\n", file: "n.yml"), base: .builtIn)
        #expect(lex.sameReading(sc("寻"), sc("覃")))
        #expect(throws: ConfigError.self) { try NameLexicon.parse(YAMLValue.parse("readings:\n  单晓: [shan]\n", file: "n.yml"), base: .builtIn) }
        #expect(throws: ConfigError.self) { try NameLexicon.parse(YAMLValue.parse("readings:\n  单: [Shàn]\n", file: "n.yml"), base: .builtIn) }
    }
}
