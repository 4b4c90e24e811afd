import Foundation
import Testing
@testable import CopydeskCore

/// The second round of the names work: same-pinyin near misses, stroke-ordered lists, unknown staff in credits, the
/// first mention after a headline, the starter roster's kinds, and a roster seen through the language server.
extension NamesTests {
    @Test func pinyinReadingsComeFromFoundation() {
        func sc(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }
        #expect(Pinyin.reading(sc("章")[0]) == "zhang")
        #expect(Pinyin.readings(sc("张旭升")) == ["zhang", "xu", "sheng"])
        #expect(Pinyin.homophones(sc("章旭升"), sc("张旭升")))
        #expect(Pinyin.homophones(sc("章旭升"), sc("张旭生")))
        #expect(!Pinyin.homophones(sc("章旭升"), sc("张旭生"), maxDiffering: 1))
        #expect(Pinyin.homophones(sc("章旭升"), sc("张旭升"), maxDiffering: 1))
        #expect(!Pinyin.homophones(sc("章旭升"), sc("章旭升")))
        #expect(!Pinyin.homophones(sc("章旭升"), sc("章旭")))
        #expect(Pinyin.homophones(sc("胡勇春"), sc("胡永纯")))   // hu yong chun, both
        #expect(!Pinyin.homophones(sc("胡勇春"), sc("胡勇强")))
        #expect(Pinyin.reading(0x41) == nil)
    }

    @Test func sameReadingAtANamePositionIsANearMiss() throws {
        let l = try linter(roster: true, rules: ["names.roster-near-miss"])
        let text = "市委书记张旭升出席会议。市领导胡勇春、江华蒙一行参加。"
        let ds = lint(text, l)
        #expect(ds.map(\.range.lowerBound) == [TS.offset(of: "张旭升", in: text)!, TS.offset(of: "江华蒙", in: text)!], "\(ds.map(\.message))")
        #expect(ds.first?.message.contains("读音相同") == true && ds.first?.message.contains("章旭升") == true)
        // Rostered names and names read differently are no miss; nor is a homophone outside a name position.
        #expect(lint("市委书记章旭升出席会议。副市长王刚陪同。", l).isEmpty)
        #expect(lint("张旭升起一面旗。", l).isEmpty)
        // Two characters changed: mostly another person; an anonymised name is no name.
        #expect(lint("市委书记张旭生出席会议。", l).isEmpty)
        #expect(lint("市委书记章某升出席会议。", l).isEmpty)
    }

    @Test func creditsAreNamePositions() throws {
        let l = try linter(roster: true, rules: ["names.roster-near-miss", "names.roster-unknown-staff"])
        let page = { (byline: String) in "全力以赴保障供应\n\(byline)\n\n本报讯　昨日，市委书记章旭升出席会议。\n" }
        let typo = page("□融媒首席记者 陈晓酥")
        let ds = lint(typo, l)
        #expect(ds.map(\.ruleID) == ["names.roster-near-miss"], "\(ds.map { "\($0.ruleID) \($0.message)" })")
        #expect(ds.first?.range.lowerBound == TS.offset(of: "陈晓酥", in: typo))
        // Someone not on the staff list: unknown staff (a warning), at the name.
        let other = page("□融媒首席记者 陈晓苏　通讯员 王小明")
        let u = lint(other, l)
        #expect(u.map(\.ruleID) == ["names.roster-unknown-staff"], "\(u.map { "\($0.ruleID) \($0.message)" })")
        #expect(u.first?.range.lowerBound == TS.offset(of: "王小明", in: other))
        // A closing credit and a photo credit are credits too.
        let closing = "本报讯　昨日，市委书记章旭升出席会议。（记者 王小明）\n"
        #expect(lint(closing, l).map(\.ruleID) == ["names.roster-unknown-staff"])
        // Another outlet's credit names none of our staff.
        #expect(lint(page("新华社记者 王小明"), l).isEmpty)
        #expect(lint(page("□融媒首席记者 陈晓苏"), l).isEmpty)
        // No staff in the roster: nothing to compare with, nothing reported.
        var noStaff = l
        noStaff.names.roster?.staff = []
        #expect(lint(other, noStaff).isEmpty)
        // The credit parser itself.
        let doc = Document(path: "p.txt", text: "标题在这里\n本报记者 张三 李四　通讯员 王五\n\n本报讯　昨日开会。赵六 摄\n")
        let names = BylineNames.names(doc, otherOutlets: ["新华社"]).map(\.name)
        #expect(names.starts(with: ["张三", "李四", "王五"]), "\(names)")
    }

    @Test func strokeOrderedLists() throws {
        #expect(StrokeCount.of("一".unicodeScalars.first!.value) == 1)
        #expect(StrokeCount.of("王".unicodeScalars.first!.value) == 4)
        #expect(StrokeCount.of("章".unicodeScalars.first!.value) == 11)
        #expect(StrokeCount.of(0x41) == nil)
        let l = try linter(roster: false, rules: ["names.stroke-order"])
        let good = "出席会议的有（按姓氏笔画为序）：丁一、王芳、李明、张华、陈红、胡兵、章程。"
        #expect(lint(good, l).isEmpty)
        let bad = "出席会议的有（按姓氏笔画为序）：丁一、章程、王芳、李明。"
        let ds = lint(bad, l)
        #expect(ds.map(\.range.lowerBound) == [TS.offset(of: "王芳", in: bad)], "\(ds.map(\.message))")
        #expect(ds.first?.message.contains("章程") == true)
        // One stroke apart (CLDR counts 艹 and 阝 one more than GB): not judged.
        #expect(lint("名单（以姓氏笔画为序）：范伟、周强。", l).isEmpty)
        // Groups after labels are ordered each on their own; a bracket after a name is skipped; no announcement, no check.
        #expect(lint("名单（以姓氏笔画为序）\n一等奖：王芳（市一中）、李明\n\n二等奖：丁一、胡兵\n", l).isEmpty)
        #expect(lint("出席会议的有：丁一、章程、王芳、李明。", l).isEmpty)
        // The list ends at the sentence end.
        #expect(lint("委员（按姓氏笔画为序）：王芳、李明。章程表示，马上落实。", l).isEmpty)
    }

    @Test func firstMentionCountsTheBodyNotTheHeadline() throws {
        let l = try linter(roster: true, rules: ["names.roster-first-mention"])
        // A headline names the leader without a title (normal); the body introduces them: nothing to report.
        let ok = "章旭升调研农村工作\n□融媒首席记者 陈晓苏\n\n本报讯　昨日，市委书记章旭升到乡镇调研。章旭升指出，要抓好落实。\n"
        #expect(Document(path: "p.txt", text: ok).structure.articles.first?.headlines.isEmpty == false)
        #expect(lint(ok, l).isEmpty, "\(lint(ok, l).map(\.message))")
        // A title in the headline does not introduce the leader in the body: the first body mention is reported.
        let bad = "市委书记章旭升调研农村工作\n□融媒首席记者 陈晓苏\n\n本报讯　昨日，章旭升到乡镇调研。市委书记章旭升指出，要抓好落实。\n"
        let ds = lint(bad, l)
        #expect(ds.map(\.range.lowerBound) == [TS.offset(of: "章旭升", in: bad, nth: 1)], "\(ds.map(\.message))")
        // An alias introduced first (text order over the name and its aliases): the later bare name is fine.
        var aliased = l
        aliased.names.roster?.people[0].aliases = ["章旭昇"]
        #expect(lint("本报讯　昨日，市委书记章旭昇到乡镇调研。章旭升指出，要抓好落实。", aliased).isEmpty)
        #expect(lint("本报讯　昨日，章旭昇到乡镇调研。市委书记章旭升指出，要抓好落实。", aliased).count == 1)
        // Each article on its own.
        let two = ok + "\n胡勇春检查防汛工作\n□融媒首席记者 陈晓苏\n\n本报讯　昨日，章旭升检查防汛工作。\n"
        let t = lint(two, l)
        #expect(t.map(\.range.lowerBound) == [TS.offset(of: "章旭升", in: two, nth: 3)], "\(t.map(\.message))")
    }

    @Test func starterRosterKnowsKinds() throws {
        var listing = NameListing()
        let doc = Document(path: "a.txt", text: "全力以赴保障供应\n□融媒首席记者 陈晓苏\n\n本报讯　昨日，市委书记章旭升出席会议。董事长欧阳明表示赞同。市消防支队全勤指挥部指挥长王刚表示。\n")
        listing.add(NameExtractor(lexicon: .builtIn).mentions(doc), file: "a.txt")
        listing.addCredits(BylineNames.names(doc, otherOutlets: []), file: "a.txt")
        let y = listing.yaml()
        var r = Roster()
        try r.add(YAMLValue.parse(y, file: "r.yml"), file: "r.yml")
        #expect(r.people.first { $0.name == "章旭升" }?.kind == .leader, "\(y)")
        #expect(r.people.first { $0.name == "欧阳明" }?.kind == .other, "\(y)")
        #expect(r.staff.map(\.name) == ["陈晓苏"], "\(y)")
        // A title longer than the roster allows keeps its end.
        #expect(r.people.first { $0.name == "王刚" }?.positions.first?.title == "消防支队全勤指挥部指挥长", "\(y)")
        #expect(r.staff.first?.roles == ["融媒首席记者"], "\(y)")
        #expect(listing.text().contains("融媒首席记者"))
    }
}

extension ServerTests {
    @Test func rosterFindingsReachTheEditor() throws {
        try ServerTests.start({ c, dir in
            try TS.write("people:\n  - name: 章旭升\n    positions: [{title: 市委书记}]\n", to: dir.appendingPathComponent("roster.yml"))
            try TS.write("roster: roster.yml\n", to: dir.appendingPathComponent(".lintrc.yml"))
            c.notify("workspace/didChangeWatchedFiles", ["changes": [["uri": dir.appendingPathComponent(".lintrc.yml").absoluteString, "type": 2]]])
            let uri = dir.appendingPathComponent("a.txt").absoluteString
            c.open(uri, "市长章旭升出席会议。\n")
            let ds = try #require(c.diagnostics(for: uri))
            let title = ds.filter { ($0["code"] as? String) == "names.roster-title" }
            #expect(title.count == 1, "\(ds)")
            #expect(ServerTests.character(title.first ?? [:]) == 0 && ServerTests.character(title.first ?? [:], "end") == 2)
            #expect((title.first?["message"] as? String)?.contains("市委书记") == true)
            // The roster changes on disk: the server reads it again.
            try TS.write("people:\n  - name: 章旭升\n    positions: [{title: 市长}]\n", to: dir.appendingPathComponent("roster.yml"))
            c.notify("workspace/didChangeWatchedFiles", ["changes": [["uri": dir.appendingPathComponent("roster.yml").absoluteString, "type": 2]]])
            let after = try #require(c.diagnostics(for: uri))
            #expect(after.filter { ($0["code"] as? String) == "names.roster-title" }.isEmpty, "\(after)")
        }, encodings: nil)
    }
}
