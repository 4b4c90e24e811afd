import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import CopydeskCore

/// The editor and CI formats of issue 13: HTML and JUnit on the shared reporter fixture (astral 𠮷 and CJK before
/// the findings, deleting and inserting fixes, a clean and an unreadable file).
@Suite struct ReportFormatsTests {
    /// The data document an HTML report carries (the JSON inside `<script id="copydesk-data">`).
    static func htmlData(_ page: String) throws -> [String: Any] {
        let open = "<script type=\"application/json\" id=\"copydesk-data\">"
        let start = try #require(page.range(of: open)).upperBound
        let end = try #require(page.range(of: "</script>", range: start..<page.endIndex)).lowerBound
        return try #require(try JSONSerialization.jsonObject(with: Data(page[start..<end].utf8)) as? [String: Any])
    }

    /// Every finding of every file, as the page will highlight it: the UTF-16 slice of its piece, its rule id.
    static func highlighted(_ data: [String: Any]) throws -> [[(text: String, rule: String, line: Int, column: Int)]] {
        let rules = try #require(data["rules"] as? [[Any]])
        let files = try #require(data["files"] as? [[String: Any]])
        return try files.map { f in
            let pieces = try #require(f["pieces"] as? [Any])
            let fs = try #require(f["findings"] as? [Int])
            #expect(fs.count % HTMLReporter.findingWidth == 0)
            return try stride(from: 0, to: fs.count, by: HTMLReporter.findingWidth).map { i in
                let text = try #require(pieces[3 * fs[i] + 2] as? String) as NSString
                let s = fs[i + 1], e = fs[i + 2]
                #expect(0 <= s && s <= e && e <= text.length)
                return (text.substring(with: NSRange(location: s, length: e - s)), try #require(rules[fs[i + 3]][0] as? String), fs[i + 9], fs[i + 10])
            }
        }
    }

    @Test func htmlHighlightsEveryFindingAtItsText() throws {
        let report = try ReporterTests.report()
        let page = HTMLReporter(baseDirectory: ReporterTests.base).render(report)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<meta charset=\"utf-8\">") && page.contains("Noto Sans CJK SC") && page.contains("@media print"))
        // Self-contained: nothing is fetched.
        for external in ["<script src", "<link", "<img", "@import", "url("] { #expect(!page.contains(external), "\(external)") }
        let data = try Self.htmlData(page)
        let files = try #require(data["files"] as? [[String: Any]])
        #expect(files.map { $0["path"] as? String } == ["drafts/晚报 第2版.txt", "drafts/clean.txt", "drafts/bad.txt"])
        #expect(files[2]["error"] as? String != nil)
        #expect(data["counts"] as? [Int] == [report.count(.error), report.count(.warning), report.count(.info)])
        let marks = try Self.highlighted(data)
        let a = report.files[0], src = try #require(a.source)
        #expect(marks[0].count == a.diagnostics.count && marks[1].isEmpty && marks[2].isEmpty)
        for (m, d) in zip(marks[0], a.diagnostics) {
            #expect(m.rule == d.ruleID)
            #expect(m.text == src.string(d.range.clamped(to: src.lineContent(src.lineIndex(of: d.range.lowerBound)))))
            let p = src.position(of: d.range.lowerBound)
            #expect((m.line, m.column) == (p.line, p.column))
        }
        // The deleting fix of line 1 is shown with its neighbours: before has the space, after does not.
        let texts = try #require(files[0]["texts"] as? [String])
        let fs = try #require(files[0]["findings"] as? [Int])
        let before = texts[fs[6]], after = texts[fs[7]]
        let strings = try #require(data["strings"] as? [String])
        #expect(strings[fs[5]] == a.diagnostics[0].message)
        #expect(before == "防控篱笆 墙" || before.hasSuffix("篱笆 墙"))
        #expect(after == before.replacingOccurrences(of: " ", with: ""))
        #expect(fs[8] == (a.diagnostics[0].fix?.safety == .safe ? 1 : 2))
        // The house rule's authority travels with the rule.
        let rules = try #require(data["rules"] as? [[Any]])
        #expect(rules.contains { ($0[0] as? String) == "house.latin-space" && ($0[3] as? String) == "本报体例" })
    }

    @Test func htmlEscapesTheDraftOutOfTheScript() throws {
        let rules = try ReporterTests.rules()
        let text = "正文</script><script>alert(1)</script>全 力\n<!-- 注释 -->\u{2028}行\n"
        let r = RunReport(files: [ReporterTests.lint("x.txt", text, Linter(rules: rules))], rules: rules)
        let page = HTMLReporter(baseDirectory: nil).render(r)
        #expect(!page.contains("alert(1)</script>") && !page.contains("<!-- 注释"))
        let data = try Self.htmlData(page)
        let pieces = try #require((data["files"] as? [[String: Any]])?.first?["pieces"] as? [Any])
        #expect(pieces[2] as? String == "正文</script><script>alert(1)</script>全 力")
        #expect(try Self.highlighted(data)[0].contains { $0.text == " " && $0.rule == "spacing.han-space-han" })
    }

    /// A large draft is shown as windows around its findings: the page grows with the findings, not the text, and
    /// the windows still put every finding at its own text.
    @Test func htmlExcerptsLargeDraftsLinearlyInFindings() throws {
        let rules = try ReporterTests.rules()
        let linter = Linter(rules: rules)
        let clean = String(repeating: "全力以赴保障冬季供暖，确保群众温暖过冬。𠮷田记者报道。\n", count: 20_000)   // ~1.2 MB
        func page(findings n: Int) throws -> (String, RunReport) {
            var text = ""
            for i in 0..<n { text += "第\(i)段扎紧 扎密防控篱笆。\n" + String(repeating: "全力以赴保障冬季供暖。\n", count: 3) }
            let r = RunReport(files: [ReporterTests.lint("big.txt", clean + text, linter)], rules: rules)
            return (HTMLReporter(baseDirectory: nil, fullTextLimit: 1 << 20).render(r), r)
        }
        let (p0, _) = try page(findings: 1)
        let (p1, r1) = try page(findings: 2_000)
        let (p2, _) = try page(findings: 4_000)
        #expect(p0.utf8.count < 40_000, "a 1.2 MB draft with one finding: \(p0.utf8.count) bytes")
        let perFinding1 = Double(p1.utf8.count - p0.utf8.count) / 2_000, perFinding2 = Double(p2.utf8.count - p0.utf8.count) / 4_000
        #expect(abs(perFinding1 - perFinding2) / perFinding1 < 0.1, "\(perFinding1) vs \(perFinding2) bytes per finding")
        #expect(perFinding1 < 400)
        let data = try Self.htmlData(p1)
        let f = try #require((data["files"] as? [[String: Any]])?.first)
        #expect(f["full"] as? Bool == false)
        let marks = try Self.highlighted(data)[0]
        let diags = r1.files[0].diagnostics
        #expect(marks.count == diags.count && diags.count == 2_000)
        let src = try #require(r1.files[0].source)
        for (m, d) in zip(marks, diags) { #expect(m.text == src.string(d.range)) }
        // Pieces carry their line numbers: the first shown line is where the first finding is.
        let pieces = try #require(f["pieces"] as? [Any])
        #expect(pieces[0] as? Int == src.lineIndex(of: diags[0].range.lowerBound))
    }

    // MARK: JUnit

    @Test func junitIsWellFormedAndEscaped() throws {
        let report = try ReporterTests.report()
        let text = JUnitReporter(baseDirectory: ReporterTests.base).render(report)
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"))
        let doc = try XMLDocument(xmlString: text, options: [])
        let root = try #require(doc.rootElement())
        #expect(root.name == "testsuites")
        #expect(root.attribute(forName: "tests")?.stringValue == "3")
        #expect(root.attribute(forName: "failures")?.stringValue == "1")
        #expect(root.attribute(forName: "errors")?.stringValue == "1")
        let suite = try #require(root.elements(forName: "testsuite").first)
        let cases = suite.elements(forName: "testcase")
        #expect(cases.map { $0.attribute(forName: "name")?.stringValue } == ["drafts/晚报 第2版.txt", "drafts/clean.txt", "drafts/bad.txt"])
        let failures = cases[0].elements(forName: "failure")
        #expect(failures.map { $0.attribute(forName: "type")?.stringValue } == ["spacing.han-space-han", "house.latin-space", "spacing.trailing-whitespace"])
        #expect(failures[1].attribute(forName: "message")?.stringValue == "2 findings: " + ReporterTests.houseMessage)
        let body = try #require(failures[0].stringValue)
        #expect(body == "drafts/晚报 第2版.txt:1:\(ReporterTests.scalarColumn): error: 汉字之间不应有空格")
        #expect(failures[1].stringValue?.split(separator: "\n").count == 2)
        #expect(cases[1].children == nil || cases[1].children?.isEmpty == true)
        #expect(cases[2].elements(forName: "error").first?.attribute(forName: "message")?.stringValue?.contains("not valid UTF-8") == true)
        #expect(JUnitReporter.escapeText("a<b>&\u{1}\nc") == "a&lt;b&gt;&amp;\u{FFFD}\nc")
    }

    @Test func junitSnapshot() throws {
        let text = JUnitReporter(baseDirectory: ReporterTests.base).render(try ReporterTests.tinyReport())
        let expected = """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites name="copydesk" tests="2" failures="1" errors="1">
          <testsuite name="copydesk" tests="2" failures="1" errors="1" skipped="0">
            <testcase classname="copydesk" name="drafts/a,b:c.txt" file="drafts/a,b:c.txt">
              <failure type="spacing.han-space-han" message="1 finding: 汉字之间不应有空格" severity="error">drafts/a,b:c.txt:1:2: error: 汉字之间不应有空格</failure>
              <failure type="house.latin-space" message="1 finding: 中文与 &quot;Latin&quot; &lt;字母&gt; &amp; 数字之间缺少空格: 100%, 见规范" severity="info">drafts/a,b:c.txt:1:6: info: 中文与 "Latin" &lt;字母&gt; &amp; 数字之间缺少空格: 100%, 见规范</failure>
            </testcase>
            <testcase classname="copydesk" name="drafts/bad.txt" file="drafts/bad.txt">
              <error type="copydesk" message="not valid UTF-8 at line 1, column 2 (byte 1 is 0xFF); skipped. If it is GB18030/GBK text, convert it: iconv -f GB18030 -t UTF-8"/>
            </testcase>
          </testsuite>
        </testsuites>

        """
        #expect(text == expected)
    }
}

/// Every JSON report validates against `docs/json-schema.json` (JSON Schema 2020-12), checked with python3's
/// `jsonschema` package; when it is missing the test says so (it is skipped with that reason, not passed).
@Suite struct JSONSchemaTests {
    static let schema = TS.repoRoot.appendingPathComponent("docs/json-schema.json").path

    static let script = """
    import json, sys
    try:
        import jsonschema
    except ImportError:
        sys.exit(3)
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    bad = 0
    for path in sys.argv[2:]:
        doc = json.load(open(path, encoding="utf-8"))
        for e in sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path)):
            bad += 1
            print(path + ": /" + "/".join(str(p) for p in e.absolute_path) + ": " + e.message)
    sys.exit(1 if bad else 0)
    """

    static func validate(_ documents: [String]) throws -> (status: Int32, output: String) {
        let dir = try TS.makeTempDir("copydesk-schema")
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (i, d) in documents.enumerated() {
            let u = dir.appendingPathComponent("r\(i).json"); try TS.write(d, to: u); paths.append(u.path)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, schema] + paths
        let pipe = Pipe()
        p.standardOutput = pipe; p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let missing: String? = {
        guard let r = try? validate([]) else { return "python3 could not be started" }
        if r.status == 3 { return "python3 has no jsonschema module (pip install jsonschema)" }
        if r.status == 127 { return "python3 not found" }
        return r.status == 0 ? nil : "the schema itself is invalid: \(r.output)"
    }()

    @Test(.enabled(if: missing == nil, "JSON schema validation needs python3 with jsonschema; docs/json-schema.json was NOT checked"))
    func everyJSONReportValidates() throws {
        var docs = [try ReporterTests.report(), try ReporterTests.tinyReport(), RunReport(files: [], rules: [], toolVersion: "0.1.0")]
            .map { JSONReporter().render($0) }
        // Real runs: the examples, a configuration error, a skipped binary file, a fix with several edits.
        let dir = try TS.makeTempDir("copydesk-schema-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write("rules: {nope: on}\n", to: dir.appendingPathComponent("broken/.lintrc.yml"))
        try TS.write("正文，全 力。\n", to: dir.appendingPathComponent("broken/a.txt"))
        try TS.write("正文(内容)，使用Rust。\n", to: dir.appendingPathComponent("ok/b.txt"))
        try Data([0x41, 0x00, 0x42]).write(to: dir.appendingPathComponent("ok/bin.txt"))
        try Docx.write(try Docx.make(WordTests.draftBody), to: dir.appendingPathComponent("ok/c.docx"))   // JSON's `word`
        for args in [["lint", "--format", "json", TS.repoRoot.appendingPathComponent("examples").path], ["lint", "--format", "json", "broken", "ok"]] {
            let r = try CLI.run(args, in: dir)
            #expect(r.status != 0)
            docs.append(r.stdout)
        }
        let result = try Self.validate(docs)
        #expect(result.status == 0, "\(result.output)")
        // The check can fail: a column of 0 and an unknown severity are rejected.
        let broken = docs[0].replacingOccurrences(of: "\"column\":", with: "\"column\":0,\"x\":").replacingOccurrences(of: "\"severity\":\"error\"", with: "\"severity\":\"fatal\"")
        let bad = try Self.validate([broken])
        #expect(bad.status == 1 && bad.output.contains("fatal"), "\(bad.output)")
    }
}

/// `--format codequality` (GitLab Code Quality) on the shared reporter fixture: the fields GitLab documents, one issue
/// per finding, fingerprints unique and tied to the line's text (not its number).
@Suite struct CodeQualityFormatTests {
    static func issues(_ report: RunReport) throws -> [[String: Any]] {
        let text = CodeQualityReporter(baseDirectory: ReporterTests.base).render(report)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "\(text)")
    }

    @Test func gitlabFieldsForEveryFinding() throws {
        let report = try ReporterTests.report()
        let issues = try Self.issues(report)
        let findings = report.files.reduce(0) { $0 + $1.diagnostics.count } + report.files.filter { $0.error != nil }.count
        #expect(issues.count == findings)
        var prints = Set<String>()
        for i in issues {
            #expect((i["description"] as? String)?.isEmpty == false)
            #expect((i["check_name"] as? String)?.isEmpty == false)
            let f = try #require(i["fingerprint"] as? String)
            #expect(prints.insert(f).inserted, "fingerprint \(f) twice")
            #expect(["info", "minor", "major", "critical", "blocker"].contains(i["severity"] as? String ?? ""))
            let loc = try #require(i["location"] as? [String: Any])
            #expect((loc["path"] as? String)?.hasPrefix("drafts/") == true)
            #expect(((loc["lines"] as? [String: Any])?["begin"] as? Int ?? 0) >= 1)
        }
        // The han-space-han error of the fixture's first line (after astral and CJK text): major, line 1.
        let han = issues.first { $0["check_name"] as? String == "spacing.han-space-han" }
        #expect(han?["severity"] as? String == "major")
        #expect(((han?["location"] as? [String: Any])?["lines"] as? [String: Any])?["begin"] as? Int == 1)
        #expect(issues.contains { $0["check_name"] as? String == "copydesk" && $0["severity"] as? String == "critical" })
    }

    @Test func fingerprintsFollowTheLineNotItsNumber() throws {
        let linter = Linter(rules: try ReporterTests.rules())
        let before = try Self.issues(RunReport(files: [ReporterTests.lint("drafts/a.txt", "扎紧篱笆 墙。\n", linter)], rules: []))
        let after = try Self.issues(RunReport(files: [ReporterTests.lint("drafts/a.txt", "新的导语。\n\n扎紧篱笆 墙。\n", linter)], rules: []))
        let f0 = before.compactMap { $0["fingerprint"] as? String }, f1 = after.compactMap { $0["fingerprint"] as? String }
        #expect(!f0.isEmpty && f0 == f1, "\(before) \(after)")
        #expect(((after.first?["location"] as? [String: Any])?["lines"] as? [String: Any])?["begin"] as? Int == 3)
    }

    @Test func codequalitySnapshot() throws {
        let text = CodeQualityReporter(baseDirectory: ReporterTests.base).render(try ReporterTests.tinyReport())
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "[" && lines.last == "]" && lines.count == 5, "\(text)")
        #expect(lines[1].hasPrefix(#"{"description":"汉字之间不应有空格","check_name":"spacing.han-space-han","fingerprint":""#)
                && lines[1].hasSuffix(#","severity":"major","location":{"path":"drafts/a,b:c.txt","lines":{"begin":1}}},"#), "\(text)")
        #expect(lines[2].hasPrefix(#"{"description":"中文与 \"Latin\" <字母> & 数字之间缺少空格: 100%, 见规范","check_name":"house.latin-space","fingerprint":""#)
                && lines[2].hasSuffix(#","severity":"info","location":{"path":"drafts/a,b:c.txt","lines":{"begin":1}}},"#), "\(text)")
        #expect(lines[3].hasPrefix(#"{"description":"not valid UTF-8 at line 1, column 2 (byte 1 is 0xFF); skipped."#)
                && lines[3].hasSuffix(#""severity":"critical","location":{"path":"drafts/bad.txt","lines":{"begin":1}}}"#), "\(text)")
    }
}
