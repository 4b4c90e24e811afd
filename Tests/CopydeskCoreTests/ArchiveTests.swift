import Foundation
import Testing
@testable import CopydeskCore

/// The published archive (issue 12): the store, the `duplicates.published` rule, the `archive` commands, and what
/// happens under kill -9 and concurrent processes. The store tests run against every backend this build has
/// (`ArchiveBackend.all`: SQLite; PostgreSQL only in a build with the `PostgreSQL` trait).
enum ArchiveBackend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite
    #if PostgreSQL
    case postgres
    #endif
    var description: String { rawValue }
    static var all: [ArchiveBackend] { allCases }

    /// The location of this backend's test archive: a file in `dir`, or the server `.ci/run` starts
    /// (`COPYDESK_TEST_POSTGRES`, e.g. `postgres://postgres@/copydesk_test?host=/tmp/pg-sock`).
    func location(_ dir: URL) throws -> String {
        switch self {
        case .sqlite: return dir.appendingPathComponent("archive.sqlite").path
        #if PostgreSQL
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["COPYDESK_TEST_POSTGRES"], !url.isEmpty else {
                Issue.record("built with the PostgreSQL trait but COPYDESK_TEST_POSTGRES is not set: no PostgreSQL server to test against (.ci/run starts one)")
                throw ArchiveError.usage("no test server")
            }
            return url
        #endif
        }
    }

    /// A new, empty archive of this backend.
    func make(_ dir: URL) throws -> any ArchiveStore {
        let store = try openArchive(try ArchiveLocation.parse(location(dir), directory: dir.path), create: true)
        #if PostgreSQL
        if let pg = store as? PostgresArchive { try pg.truncate() }
        #endif
        return store
    }
}

enum ArchiveFixture {
    /// Held by every archive test (both suites): the PostgreSQL tests share one test database (each test empties it)
    /// and one server (the server-gone test stops it), and the two `.serialized` suites would otherwise run in
    /// parallel with each other.
    static let oneAtATime = NSLock()

    static let oldParagraph = "县农业农村局近日召开春耕备耕工作会议，全面部署今年粮食生产任务，要求各乡镇抓紧落实种子、化肥、农药等农资供应，加强技术指导服务，确保不误农时。"
    static let otherParagraph = "会上通报了去年全县粮食生产情况，全县粮食播种面积稳中有升，总产量创近五年新高，种粮大户和家庭农场数量持续增加。"
    static let published = "春耕备耕有序推进\n\n" + oldParagraph + "\n\n" + otherParagraph + "\n"
    /// A new draft with the published paragraph pasted in as its third paragraph (punctuation changed).
    static let pasted = oldParagraph.replacingOccurrences(of: "，", with: ", ").replacingOccurrences(of: "。", with: ".")
    static let draft = "春耕生产进入关键期\n\n记者近日走访了几个乡镇，田间地头一派繁忙景象。\n\n" + pasted + "\n"

    static func article(_ id: String, text: String, date: String?) throws -> ArchiveArticle {
        try ArchiveArticleReader.read(Document(path: id, source: SourceText(text)), path: id, date: date)
    }

    /// A synthetic article: `n` paragraphs of distinct text (seeded).
    static func synthetic(_ seed: Int, paragraphs n: Int = 3) -> String {
        var rng = SplitMix64(seed: UInt64(seed) &+ 1)
        let han = Array("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府思队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞".unicodeScalars)
        var out = "合成稿件第\(seed)号\n"
        for p in 0..<n {
            var s = ""
            for k in 0..<60 { s.unicodeScalars.append(han[Int(rng.next() % UInt64(han.count))]); if k % 15 == 14 { s += "，" } }
            out += "\n" + s + "第\(seed)号第\(p)段。\n"
        }
        return out
    }
}

@Suite(.serialized) struct ArchiveStoreTests {
    func withDir(_ body: (URL) throws -> Void) throws {
        ArchiveFixture.oneAtATime.lock()
        defer { ArchiveFixture.oneAtATime.unlock() }
        let dir = try TS.makeTempDir("copydesk-archive")
        defer { try? FileManager.default.removeItem(at: dir) }
        try body(dir.resolvingSymlinksInPath())
    }

    /// The built-in rule with its defaults, as a one-rule linter.
    static func linter() throws -> Linter {
        let rule = try #require(RuleCatalog.loadBuiltIn().rules.first { $0.id == "duplicates.published" })
        return Linter(rules: [rule], unusedDisable: nil)
    }

    static func lint(_ text: String, path: String = "drafts/new.txt", archive: (any ArchiveStore)?) throws -> [Diagnostic] {
        try linter().lint(Document(path: path, source: SourceText(text)), cache: CheckCache(archive: archive))
    }

    @Test(arguments: ArchiveBackend.all)
    func publishedParagraphIsReportedAtItsLineWithIdAndDate(_ backend: ArchiveBackend) throws {
        try withDir { dir in
            let store = try backend.make(dir)
            _ = try store.add([try ArchiveFixture.article("2025/chungeng.txt", text: ArchiveFixture.published, date: "2025-03-12")])
            let ds = try Self.lint(ArchiveFixture.draft, archive: store)
            #expect(ds.count == 1)
            let d = try #require(ds.first)
            let start = try #require(TS.offset(of: ArchiveFixture.pasted, in: ArchiveFixture.draft))
            #expect(d.range.lowerBound == start)
            #expect(SourceText(ArchiveFixture.draft).position(of: d.range.lowerBound).line == 5)
            #expect(d.message.contains("2025/chungeng.txt") && d.message.contains("2025-03-12") && d.message.contains("春耕备耕有序推进"))
            #expect(d.message.contains("100%"))
            let r = try #require(d.related.first)
            #expect(r.file == "2025/chungeng.txt")
            #expect(r.start?.line == 3 && r.end?.line == 3)
            // The same draft with the archive off: nothing.
            #expect(try Self.lint(ArchiveFixture.draft, archive: nil).isEmpty)
            // A draft that is itself the archived article is not compared with itself.
            #expect(try Self.lint(ArchiveFixture.published, path: "2025/chungeng.txt", archive: store).isEmpty)
        }
    }

    @Test(arguments: ArchiveBackend.all)
    func nearCopyIsReportedWithItsSimilarityAndOtherNumbersAreNot(_ backend: ArchiveBackend) throws {
        try withDir { dir in
            let store = try backend.make(dir)
            _ = try store.add([try ArchiveFixture.article("a.txt", text: ArchiveFixture.published, date: "2025-03-12")])
            let near = ArchiveFixture.oldParagraph.replacingOccurrences(of: "全面部署", with: "认真部署")
            let ds = try Self.lint("新稿标题\n\n" + near + "\n", archive: store)
            #expect(ds.count == 1)
            // The 5-gram Jaccard, computed here on the Han characters (the texts have no other letters or digits).
            func grams(_ t: String) -> Set<String> {
                let h = Array(t.unicodeScalars.filter { $0.value >= 0x4E00 && $0.value <= 0x9FFF })
                return Set((0...(h.count - 5)).map { String(String.UnicodeScalarView(h[$0..<($0 + 5)])) })
            }
            let a = grams(ArchiveFixture.oldParagraph), b = grams(near)
            let percent = Int((Double(a.intersection(b).count) / Double(a.union(b).count) * 100).rounded(.down))
            #expect(percent >= 80 && percent < 100)
            #expect(ds.first?.message.contains("（相似度 \(percent)%）") == true, "\(percent): \(ds.map(\.message))")
            let withNumbers = "新稿标题\n\n" + ArchiveFixture.otherParagraph.replacingOccurrences(of: "近五年", with: "近5年") + "\n"
            #expect(try Self.lint(withNumbers, archive: store).isEmpty)
        }
    }

    @Test(arguments: ArchiveBackend.all)
    func addingAnArticleAgainReplacesIt(_ backend: ArchiveBackend) throws {
        try withDir { dir in
            let store = try backend.make(dir)
            var r = try store.add([try ArchiveFixture.article("a.txt", text: ArchiveFixture.published, date: "2025-03-12")])
            #expect(r.added == 1 && r.replaced == 0)
            let second = "春耕备耕有序推进\n\n" + ArchiveFixture.otherParagraph + "\n"
            r = try store.add([try ArchiveFixture.article("a.txt", text: second, date: "2025-03-13")])
            #expect(r.added == 0 && r.replaced == 1)
            let s = try store.stats()
            #expect(s.articles == 1 && s.paragraphs == 1 && s.bandRows == 20)
            #expect(s.newest == "2025-03-13")
            // The replaced paragraph is gone from both indexes; the new one is found.
            #expect(try Self.lint(ArchiveFixture.draft, archive: store).isEmpty)
            let ds = try Self.lint("新稿\n\n记者走访。\n\n" + ArchiveFixture.otherParagraph + "\n", archive: store)
            #expect(ds.count == 1 && ds.first?.message.contains("2025-03-13") == true)
        }
    }

    /// One `add` larger than a batch of the PostgreSQL backend (2,000 paragraphs), with an id given twice (its last
    /// version is kept, counted once) and an id already archived (replaced): the same counts, rows and findings on
    /// every backend.
    @Test(arguments: ArchiveBackend.all)
    func oneAddSpanningBatchesWithARepeatedId(_ backend: ArchiveBackend) throws {
        try withDir { dir in
            let store = try backend.make(dir)
            var r = try store.add([try ArchiveFixture.article("s5.txt", text: ArchiveFixture.synthetic(9_000), date: "2023-01-01")])
            #expect(r.added == 1 && r.replaced == 0)
            var arts = try (0..<700).map { try ArchiveFixture.article("s\($0).txt", text: ArchiveFixture.synthetic($0), date: $0 == 7 ? nil : "2024-02-01") }
            // s0 again at the end, one paragraph only: that version is stored.
            arts.append(try ArchiveFixture.article("s0.txt", text: "合成稿件\n\n" + ArchiveFixture.oldParagraph + "\n", date: "2024-03-01"))
            r = try store.add(arts)
            #expect(r.added == 699 && r.replaced == 1, "\(r)")
            let s = try store.stats()
            #expect(s.articles == 700 && s.paragraphs == 699 * 3 + 1 && s.bandRows == (699 * 3 + 1) * Fingerprint.bands, "\(s)")
            #expect(s.oldest == "2024-02-01" && s.newest == "2024-03-01")
            // s0's first version is gone, its last is found; s5's old text is gone, its new text and the article
            // without a date (s7) are found.
            #expect(try Self.lint(ArchiveFixture.synthetic(0), path: "x.txt", archive: store).isEmpty)
            let ds = try Self.lint(ArchiveFixture.draft, archive: store)
            #expect(ds.count == 1 && ds.first?.message.contains("s0.txt") == true, "\(ds.map(\.message))")
            #expect(try Self.lint(ArchiveFixture.synthetic(9_000), path: "x.txt", archive: store).isEmpty)
            #expect(try Self.lint(ArchiveFixture.synthetic(5), path: "x.txt", archive: store).count == 3)
            #expect(try Self.lint(ArchiveFixture.synthetic(7), path: "x.txt", archive: store).count == 3)
            #expect(try Self.lint(ArchiveFixture.synthetic(699), path: "x.txt", archive: store).count == 3)
        }
    }

    @Test(arguments: ArchiveBackend.all)
    func removeAndStats(_ backend: ArchiveBackend) throws {
        try withDir { dir in
            let store = try backend.make(dir)
            let arts = try (0..<5).map { try ArchiveFixture.article("s\($0).txt", text: ArchiveFixture.synthetic($0), date: "2024-01-0\($0 + 1)") }
            _ = try store.add(arts)
            var s = try store.stats()
            #expect(s.articles == 5 && s.paragraphs == 15 && s.bandRows == 15 * Fingerprint.bands)
            #expect(s.schema == SQLiteArchive.schemaVersions && s.oldest == "2024-01-01" && s.newest == "2024-01-05")
            #expect(s.bytes > 0)
            #expect(try store.remove(["s1.txt", "nope.txt", "s3.txt"]) == ["s1.txt", "s3.txt"])
            s = try store.stats()
            #expect(s.articles == 3 && s.paragraphs == 9 && s.bandRows == 9 * Fingerprint.bands)
            // A removed article is no longer found; a kept one is.
            #expect(try Self.lint(ArchiveFixture.synthetic(1), path: "x.txt", archive: store).isEmpty)
            #expect(try Self.lint(ArchiveFixture.synthetic(2), path: "x.txt", archive: store).count == 3)
        }
    }

    @Test func lookupsAreIndexProbesNotScans() throws {
        try withDir { dir in
            let store = try #require(try ArchiveBackend.sqlite.make(dir) as? SQLiteArchive)
            _ = try store.add([try ArchiveFixture.article("a.txt", text: ArchiveFixture.published, date: nil)])
            let q = SQLiteArchive.lookupSQL
            for (sql, args) in [(q.exact, [Int64(1), 50]), (q.band, [Int64(1)]), (q.fetch, [Int64(1)])] {
                let plan = try store.queryPlan(sql, args)
                #expect(!plan.isEmpty)
                for line in plan {
                    #expect(line.hasPrefix("SEARCH"), "\(sql): \(plan)")
                    #expect(line.contains("INDEX") || line.contains("PRIMARY KEY"), "\(sql): \(plan)")
                }
            }
        }
    }

    @Test func aFileFromANewerCopydeskIsRefused() throws {
        try withDir { dir in
            let path = dir.appendingPathComponent("archive.sqlite").path
            let store = try #require(try openArchive(.sqlite(path: path), create: true) as? SQLiteArchive)
            try store.execute("INSERT INTO grdb_migrations (identifier) VALUES ('v2-from-the-future')")
            do {
                _ = try openArchive(.sqlite(path: path), create: false)
                Issue.record("a newer archive was opened")
            } catch let e as ArchiveError {
                #expect(e.description.contains("newer copydesk") && e.description.contains("v2-from-the-future") && e.description.contains(path))
            }
            // Not an SQLite file, and a missing file.
            let junk = dir.appendingPathComponent("junk.sqlite")
            try TS.write(String(repeating: "not a database ", count: 300), to: junk)
            #expect(throws: ArchiveError.self) { _ = try openArchive(.sqlite(path: junk.path), create: false) }
            #expect(throws: ArchiveError.self) { _ = try openArchive(.sqlite(path: dir.appendingPathComponent("none.sqlite").path), create: false) }
        }
    }

    @Test func locations() throws {
        #expect(try ArchiveLocation.parse("sqlite:a/b.sqlite", directory: "/x") == .sqlite(path: "/x/a/b.sqlite"))
        #expect(try ArchiveLocation.parse("/abs.sqlite", directory: "/x") == .sqlite(path: "/abs.sqlite"))
        #expect(try ArchiveLocation.parse("postgres://ed@db:5432/news", directory: "/x") == .postgres(url: "postgres://ed@db:5432/news"))
        #expect(throws: ArchiveError.self) { _ = try ArchiveLocation.parse("postgres://ed:secret@db/news", directory: "/x") }
        #expect(ArchiveLocation.defaultLocation(directory: "/x") == .sqlite(path: "/x/.copydesk/archive.sqlite"))
        let c = try Config.parse("archive: on\n", file: "/cfg/.lintrc.yml", directory: "/cfg")
        #expect(c.archive == .sqlite(path: "/cfg/.copydesk/archive.sqlite"))
        let e = TS.configError { _ = try Config.parse("archive: 'postgres://a:pw@h/db'\n", file: "/cfg/.lintrc.yml", directory: "/cfg") }
        #expect(e?.mark.line == 1 && e?.message.contains("password") == true && e?.message.contains("pw") == false)
    }
}

/// The `archive` commands and `lint --archive`, as subprocesses.
@Suite(.serialized) struct ArchiveCLITests {
    func withDir(_ body: (URL) throws -> Void) throws {
        ArchiveFixture.oneAtATime.lock()
        defer { ArchiveFixture.oneAtATime.unlock() }
        let dir = try TS.makeTempDir("copydesk-archive-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write("extends: []\n", to: dir.appendingPathComponent(".lintrc.yml"))
        try body(dir.resolvingSymlinksInPath())
    }

    @Test func addLintCheckStatsRemove() throws {
        try withDir { dir in
            try TS.write(ArchiveFixture.published, to: dir.appendingPathComponent("published/chungeng.txt"))
            try TS.write("---\nid: wire-7\ntitle: 通稿\ndate: 2024-12-30\n---\n\n" + ArchiveFixture.otherParagraph + "\n",
                         to: dir.appendingPathComponent("published/wire.md"))
            try TS.write(ArchiveFixture.draft, to: dir.appendingPathComponent("draft.txt"))
            var r = try CLI.run(["archive", "add", "--date", "2025-03-12", "published/chungeng.txt"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            r = try CLI.run(["archive", "add", "published/wire.md"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".copydesk/archive.sqlite").path))
            // Off by default: nothing reported.
            r = try CLI.run(["lint", "draft.txt"], in: dir)
            #expect(r.status == 0 && !r.stdout.contains("duplicates.published"), "\(r.stdout)")
            // --archive: reported at its line with the archived id and date.
            r = try CLI.run(["lint", "--archive", ".copydesk/archive.sqlite", "--format", "json", "draft.txt"], in: dir)
            let json = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any], "\(r.stdout) \(r.stderr)")
            let ds = (json["diagnostics"] as? [[String: Any]] ?? []).filter { $0["rule"] as? String == "duplicates.published" }
            #expect(ds.count == 1)
            #expect((ds.first?["start"] as? [String: Any])?["line"] as? Int == 5)
            let message = ds.first?["message"] as? String ?? ""
            #expect(message.contains("published/chungeng.txt") && message.contains("2025-03-12"))
            let related = (ds.first?["related"] as? [[String: Any]])?.first
            #expect(related?["file"] as? String == "published/chungeng.txt")
            #expect((related?["start"] as? [String: Any])?["line"] as? Int == 3)
            // SARIF: a related location in the archived article.
            r = try CLI.run(["lint", "--archive", "sqlite:.copydesk/archive.sqlite", "--format", "sarif", "draft.txt"], in: dir)
            #expect(r.stdout.contains("relatedLocations") && r.stdout.contains("published/chungeng.txt"), "\(r.stdout)")
            // The configuration's `archive: on` (the default location), and `archive check`.
            try TS.write("extends: []\narchive: on\n", to: dir.appendingPathComponent(".lintrc.yml"))
            r = try CLI.run(["lint", "draft.txt"], in: dir)
            #expect(r.stdout.contains("draft.txt:5:1") && r.stdout.contains("duplicates.published"), "\(r.stdout)")
            try TS.write("新稿\n\n记者走访。\n\n" + ArchiveFixture.otherParagraph + "\n", to: dir.appendingPathComponent("draft2.txt"))
            r = try CLI.run(["archive", "check", "draft2.txt"], in: dir)
            #expect(r.stdout.contains("wire-7") && r.stdout.contains("通稿") && r.stdout.contains("2024-12-30"), "\(r.stdout)")
            #expect(!r.stdout.contains("article."), "archive check runs archive rules only: \(r.stdout)")
            // Stats.
            r = try CLI.run(["archive", "stats", "--json"], in: dir)
            let stats = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any], "\(r.stdout)")
            #expect(stats["articles"] as? Int == 2 && stats["paragraphs"] as? Int == 3)
            #expect(stats["schema"] as? [String] == ["v1"])
            // Remove.
            r = try CLI.run(["archive", "remove", "wire-7"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            r = try CLI.run(["archive", "check", "draft2.txt"], in: dir)
            #expect(r.status == 0 && !r.stdout.contains("wire-7"), "\(r.stdout)")
            r = try CLI.run(["archive", "remove", "wire-7"], in: dir)
            #expect(r.status == 1 && r.stderr.contains("not in the archive: wire-7"))
        }
    }

    /// `--fix` (and `--diff`) with an archive: the fixer changes the pasted paragraph's punctuation, and the
    /// archive finding (which has no fix) is still reported on the fixed text, as `lint` reports it.
    @Test func fixReportsArchiveFindings() throws {
        try withDir { dir in
            try TS.write(ArchiveFixture.published, to: dir.appendingPathComponent("published/chungeng.txt"))
            var r = try CLI.run(["archive", "add", "--date", "2025-03-12", "published/chungeng.txt"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            // A safe fix elsewhere in the draft: trailing spaces on line 3.
            try TS.write("extends: []\nrules:\n  spacing.trailing-whitespace: on\n", to: dir.appendingPathComponent(".lintrc.yml"))
            let draft = dir.appendingPathComponent("draft.txt")
            let text = ArchiveFixture.draft.replacingOccurrences(of: "繁忙景象。\n", with: "繁忙景象。  \n")
            try TS.write(text, to: draft)
            r = try CLI.run(["lint", "--fix", "--archive", ".copydesk/archive.sqlite", "draft.txt"], in: dir)
            let fixed = try String(contentsOf: draft, encoding: .utf8)
            #expect(fixed == ArchiveFixture.draft, "the draft was not fixed: \(r.stdout) \(r.stderr)")
            #expect(r.stdout.contains("draft.txt:5:1") && r.stdout.contains("duplicates.published") && r.stdout.contains("2025-03-12"),
                    "\(r.stdout) \(r.stderr)")
            r = try CLI.run(["fix", "--archive", ".copydesk/archive.sqlite", "--format", "json", "draft.txt"], in: dir)
            let json = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any], "\(r.stdout) \(r.stderr)")
            let ds = (json["diagnostics"] as? [[String: Any]] ?? []).filter { $0["rule"] as? String == "duplicates.published" }
            #expect(ds.count == 1 && (ds.first?["start"] as? [String: Any])?["line"] as? Int == 5, "\(r.stdout)")
            // Without the archive, --fix reports nothing of it.
            r = try CLI.run(["fix", "draft.txt"], in: dir)
            #expect(!r.stdout.contains("duplicates.published"), "\(r.stdout)")
        }
    }

    @Test func errorsAreOneMessageAndExit2() throws {
        try withDir { dir in
            try TS.write(ArchiveFixture.draft, to: dir.appendingPathComponent("draft.txt"))
            var r = try CLI.run(["lint", "--archive", "missing.sqlite", "draft.txt"], in: dir)
            #expect(r.status == 2 && r.stderr.contains("no archive at \(dir.path)/missing.sqlite"), "\(r.stderr)")
            r = try CLI.run(["archive", "stats", "--archive", "postgres://ed:hunter2@localhost/news"], in: dir)
            #expect(r.status == 2 && r.stderr.contains("password") && !r.stderr.contains("hunter2"), "\(r.stderr)")
            // A file that cannot be read: nothing is added.
            try TS.write(ArchiveFixture.published, to: dir.appendingPathComponent("ok.txt"))
            r = try CLI.run(["archive", "add", "ok.txt", "nope.txt"], in: dir)
            #expect(r.status == 2 && r.stderr.contains("nope.txt") && r.stderr.contains("nothing added"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(".copydesk/archive.sqlite").path))
            r = try CLI.run(["archive", "add", "--date", "12/03/2025", "ok.txt"], in: dir)
            #expect(r.status == 2 && r.stderr.contains("YYYY-MM-DD"), "\(r.stderr)")
        }
    }

    /// kill -9 while `archive add` holds its transaction (all rows written, not committed): the archive is as it
    /// was before, and the next add works.
    @Test(arguments: ArchiveBackend.all)
    func killDuringAddLeavesTheArchiveAsBefore(_ backend: ArchiveBackend) throws {
        try withDir { dir in
            _ = try backend.make(dir)
            let loc = try backend.location(dir)
            for i in 0..<3 { try TS.write(ArchiveFixture.synthetic(i), to: dir.appendingPathComponent("first/\(i).txt")) }
            for i in 3..<40 { try TS.write(ArchiveFixture.synthetic(i), to: dir.appendingPathComponent("second/\(i).txt")) }
            var r = try CLI.run(["archive", "add", "--archive", loc, "--date", "2025-01-01", "first"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            r = try CLI.run(["archive", "stats", "--archive", loc, "--json"], in: dir)
            let before = r.stdout
            #expect(before.contains("\"articles\":3,"))
            let marker = dir.appendingPathComponent("paused").path
            let p = Process()
            p.executableURL = try #require(CLI.binary)
            p.arguments = ["archive", "add", "--archive", loc, "--date", "2025-02-02", "second", "first/0.txt"]
            p.currentDirectoryURL = dir
            var env = ProcessInfo.processInfo.environment
            env["COPYDESK_TEST_ARCHIVE_PAUSE"] = marker
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let deadline = Date().addingTimeInterval(120)
            while !FileManager.default.fileExists(atPath: marker) && Date() < deadline && p.isRunning { Thread.sleep(forTimeInterval: 0.05) }
            #expect(FileManager.default.fileExists(atPath: marker), "the add never reached its commit")
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(p.terminationReason == .uncaughtSignal)
            r = try CLI.run(["archive", "stats", "--archive", loc, "--json"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            // Same counts and dates (the size may differ: the WAL file).
            func counts(_ s: String) -> [String] { s.split(separator: ",").filter { !$0.contains("bytes") }.map(String.init) }
            #expect(counts(r.stdout) == counts(before), "\(r.stdout) vs \(before)")
            r = try CLI.run(["archive", "add", "--archive", loc, "--date", "2025-02-02", "second"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            r = try CLI.run(["archive", "stats", "--archive", loc, "--json"], in: dir)
            #expect(r.stdout.contains("\"articles\":40,"), "\(r.stdout)")
        }
    }

    /// Two `archive add` processes and four `lint --archive` processes at once: no "database is locked", nothing
    /// lost.
    @Test(arguments: ArchiveBackend.all)
    func concurrentAddsAndLints(_ backend: ArchiveBackend) throws {
        try withDir { dir in
            _ = try backend.make(dir)
            let loc = try backend.location(dir)
            for i in 0..<60 { try TS.write(ArchiveFixture.synthetic(100 + i), to: dir.appendingPathComponent("a/\(i).txt")) }
            for i in 0..<60 { try TS.write(ArchiveFixture.synthetic(200 + i), to: dir.appendingPathComponent("b/\(i).txt")) }
            for i in 0..<10 { try TS.write(ArchiveFixture.synthetic(300 + i), to: dir.appendingPathComponent("seed/\(i).txt")) }
            var r = try CLI.run(["archive", "add", "--archive", loc, "seed"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            // Drafts that copy seeded articles: every lint must find them, whatever the writers do meanwhile.
            for i in 0..<10 { try TS.write(ArchiveFixture.synthetic(300 + i), to: dir.appendingPathComponent("drafts/\(i).txt")) }
            let exe = try #require(CLI.binary)
            var procs: [(Process, URL, String)] = []
            func start(_ args: [String], _ tag: String) throws {
                let p = Process()
                p.executableURL = exe
                p.arguments = args
                p.currentDirectoryURL = dir
                let err = dir.appendingPathComponent(".err-\(tag)")
                FileManager.default.createFile(atPath: err.path, contents: nil)
                p.standardError = try FileHandle(forWritingTo: err)
                p.standardOutput = try FileHandle(forWritingTo: { FileManager.default.createFile(atPath: err.path + ".out", contents: nil); return URL(fileURLWithPath: err.path + ".out") }())
                try p.run()
                procs.append((p, err, tag))
            }
            try start(["archive", "add", "--archive", loc, "a"], "add-a")
            try start(["archive", "add", "--archive", loc, "b"], "add-b")
            for k in 0..<4 { try start(["lint", "--archive", loc, "--format", "json", "drafts"], "lint-\(k)") }
            for (p, err, tag) in procs {
                TS.finish(p)
                let e = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
                #expect(!e.contains("locked"), "\(tag): \(e)")
                if tag.hasPrefix("add") {
                    #expect(p.terminationStatus == 0, "\(tag): \(e)")
                } else {
                    #expect(p.terminationStatus == 0 || p.terminationStatus == 1, "\(tag): \(e)")
                    let out = (try? Data(contentsOf: URL(fileURLWithPath: err.path + ".out"))) ?? Data()
                    let json = try JSONSerialization.jsonObject(with: out) as? [String: Any]
                    let n = (json?["diagnostics"] as? [[String: Any]] ?? []).filter { $0["rule"] as? String == "duplicates.published" }.count
                    #expect(n == 30, "\(tag): \(n) findings")
                }
            }
            r = try CLI.run(["archive", "stats", "--archive", loc, "--json"], in: dir)
            #expect(r.stdout.contains("\"articles\":130,") && r.stdout.contains("\"paragraphs\":390,"), "\(r.stdout)")
        }
    }

    /// Three `archive add` processes of the same 40 articles at once (the first add of each id, then replaces): every
    /// one succeeds (no duplicate key, no "database is locked") and the archive holds each article once.
    @Test(arguments: ArchiveBackend.all)
    func concurrentAddsOfTheSameArticles(_ backend: ArchiveBackend) throws {
        try withDir { dir in
            _ = try backend.make(dir)
            let loc = try backend.location(dir)
            for i in 0..<40 { try TS.write(ArchiveFixture.synthetic(600 + i), to: dir.appendingPathComponent("same/\(i).txt")) }
            var runs: [(Process, URL, URL)] = []
            for k in 0..<3 { runs.append(try launch(["archive", "add", "--archive", loc, "same"], in: dir, env: [:], tag: "same-\(k)")) }
            for (p, _, err) in runs {
                TS.finish(p, limit: 300)
                let e = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
                #expect(p.terminationStatus == 0 && e.contains("archived 40 article(s)"), "\(e)")
            }
            let r = try CLI.run(["archive", "stats", "--archive", loc, "--json"], in: dir)
            #expect(r.stdout.contains("\"articles\":40,") && r.stdout.contains("\"paragraphs\":120,")
                    && r.stdout.contains("\"bandRows\":\(120 * Fingerprint.bands),"), "\(r.stdout)")
        }
    }

    /// Starts copydesk with `env` added, its standard output and error going to files in `dir`.
    func launch(_ args: [String], in dir: URL, env extra: [String: String], tag: String) throws -> (Process, URL, URL) {
        let p = Process()
        p.executableURL = try #require(CLI.binary)
        p.arguments = args
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["LANG"] = "C.UTF-8"
        for (k, v) in extra { env[k] = v }
        p.environment = env
        let out = dir.appendingPathComponent(".\(tag).out"), err = dir.appendingPathComponent(".\(tag).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        return (p, out, err)
    }

    /// Waits until a paused process has written its marker (it waits until the marker is removed).
    func waitForMarker(_ marker: String, _ p: Process) -> Bool {
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: marker) && Date() < deadline && p.isRunning { Thread.sleep(forTimeInterval: 0.02) }
        return FileManager.default.fileExists(atPath: marker)
    }

    #if PostgreSQL
    /// The PostgreSQL server goes away (immediate shutdown) in the middle of `archive add`, after every row is
    /// written and before the commit, and in the middle of `lint --archive`, between connecting and the first
    /// lookup: one message naming the location, exit 2; after a restart the archive is as it was (the add's
    /// transaction died with its connection) and works.
    /// Each child is waited for 120 s at most (`TS.finish` kills it and fails): before the fix in
    /// `PostgresArchive.send`, the add hung forever in its COMMIT.
    @Test(.timeLimit(.minutes(10)))
    func postgresServerGoneMidRun() throws {
        try withDir { dir in
            guard let pgDir = ProcessInfo.processInfo.environment["COPYDESK_TEST_PG_DIR"], !pgDir.isEmpty else {
                Issue.record("COPYDESK_TEST_PG_DIR is not set (scripts/pg-test-server.sh start prints it): the server-gone test was not run")
                return
            }
            let script = TS.repoRoot.appendingPathComponent("scripts/pg-test-server.sh").path
            func server(_ verb: String) throws {
                let (status, text) = try TS.run("/bin/bash", [script, verb, pgDir])
                #expect(status == 0, "pg-test-server.sh \(verb): \(text)")
            }
            _ = try ArchiveBackend.postgres.make(dir)
            let loc = try ArchiveBackend.postgres.location(dir)
            for i in 0..<3 { try TS.write(ArchiveFixture.synthetic(500 + i), to: dir.appendingPathComponent("first/\(i).txt")) }
            for i in 3..<30 { try TS.write(ArchiveFixture.synthetic(500 + i), to: dir.appendingPathComponent("second/\(i).txt")) }
            var r = try CLI.run(["archive", "add", "--archive", loc, "first"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            r = try CLI.run(["archive", "stats", "--archive", loc, "--json"], in: dir)
            func counts(_ s: String) -> [String] { s.split(separator: ",").filter { !$0.contains("bytes") }.map(String.init) }
            let before = counts(r.stdout)
            #expect(r.stdout.contains("\"articles\":3,"), "\(r.stdout)")

            // `archive add`: the server goes away before the commit.
            var marker = dir.appendingPathComponent("paused-add").path
            var (p, out, err) = try launch(["archive", "add", "--archive", loc, "second", "first/0.txt"], in: dir,
                                           env: ["COPYDESK_TEST_ARCHIVE_PAUSE": marker], tag: "add")
            #expect(waitForMarker(marker, p), "the add never reached its commit")
            try server("kill")
            try FileManager.default.removeItem(atPath: marker)
            TS.finish(p, limit: 120)
            var e = try String(contentsOf: err, encoding: .utf8)
            #expect(p.terminationStatus == 2, "\(e)")
            #expect(e.contains("archive \(loc): cannot add: the server closed the connection") && e.contains("nothing added"), "\(e)")
            #expect(e.split(separator: "\n").count == 1, "\(e)")
            try server("restart")
            r = try CLI.run(["archive", "stats", "--archive", loc, "--json"], in: dir)
            #expect(r.status == 0 && counts(r.stdout) == before, "\(r.stdout) \(r.stderr)")

            // `lint --archive`: the server goes away between connecting and the first lookup.
            try TS.write(ArchiveFixture.synthetic(501), to: dir.appendingPathComponent("drafts/d.txt"))
            marker = dir.appendingPathComponent("paused-read").path
            (p, out, err) = try launch(["lint", "--archive", loc, "drafts/d.txt"], in: dir,
                                       env: ["COPYDESK_TEST_ARCHIVE_PAUSE_READ": marker], tag: "lint")
            #expect(waitForMarker(marker, p), "the lint never reached its lookup")
            try server("kill")
            try FileManager.default.removeItem(atPath: marker)
            TS.finish(p, limit: 120)
            let o = try String(contentsOf: out, encoding: .utf8)
            e = try String(contentsOf: err, encoding: .utf8)
            #expect(p.terminationStatus == 2, "\(o) \(e)")
            #expect(o.contains("drafts/d.txt:1:1: error: archive \(loc): cannot read: the server closed the connection"), "\(o) \(e)")
            try server("restart")
            r = try CLI.run(["archive", "stats", "--archive", loc, "--json"], in: dir)
            #expect(r.status == 0 && counts(r.stdout) == before, "\(r.stdout) \(r.stderr)")
            // And the archive works again: the draft (a copy of an archived article) is reported.
            r = try CLI.run(["lint", "--archive", loc, "--format", "json", "drafts/d.txt"], in: dir)
            let json = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
            let n = (json?["diagnostics"] as? [[String: Any]] ?? []).filter { $0["rule"] as? String == "duplicates.published" }.count
            #expect(n == 3, "\(r.stdout) \(r.stderr)")
        }
    }
    #endif

    #if PostgreSQL
    /// A server that is not there, or a wrong password: one message naming the location (never the password), exit 2,
    /// nothing written.
    @Test func postgresConnectionErrors() throws {
        try withDir { dir in
            try TS.write(ArchiveFixture.published, to: dir.appendingPathComponent("ok.txt"))
            var r = try CLI.run(["archive", "add", "--archive", "postgres://editor@127.0.0.1:1/news", "ok.txt"], in: dir,
                                environment: ["PGPASSWORD": "hunter2"])
            #expect(r.status == 2 && r.stderr.contains("postgres://editor@127.0.0.1:1/news") && r.stderr.contains("cannot connect"), "\(r.stderr)")
            #expect(!r.stderr.contains("hunter2"))
            guard let url = ProcessInfo.processInfo.environment["COPYDESK_TEST_POSTGRES"], var c = URLComponents(string: url) else {
                Issue.record("COPYDESK_TEST_POSTGRES is not set: the wrong-password case was not run")
                return
            }
            c.user = "copydesk_pw_test"
            r = try CLI.run(["lint", "--archive", c.string!, "ok.txt"], in: dir, environment: ["PGPASSWORD": "wrong-secret"])
            #expect(r.status == 2 && r.stderr.contains("copydesk_pw_test") && !r.stderr.contains("wrong-secret"), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
    }
    #endif
}
