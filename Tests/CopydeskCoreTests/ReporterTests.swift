import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import CopydeskCore

/// Every machine format rendered from the same real lint of the same fixtures: a draft with an astral character
/// (𠮷) and CJK before its findings (so byte, scalar and UTF-16 columns all differ), a deleting fix and an
/// inserting fix, a clean file and an unreadable one.
@Suite struct ReporterTests {
    static let base = "/repo"

    /// A house rule whose fix inserts a space, with a message full of characters the formats must escape.
    static let houseMessage = "中文与 \"Latin\" <字母> & 数字之间缺少空格: 100%, 见规范"
    static let houseYAML = """
    id: house.latin-space
    kind: boundary
    severity: info
    message: '中文与 "Latin" <字母> & 数字之间缺少空格: 100%, 见规范'
    description: 中文与拉丁字母之间加一个空格。
    authority: 本报体例
    scope: [body, headline, dateline]
    fix: safe
    left: han
    right: latin
    symmetric: true
    space: require
    examples:
      invalid:
        - 使用[[]]Rust
    """

    static func rules() throws -> [Rule] {
        let builtIn = try RuleCatalog.loadBuiltIn()
        let house = try RuleLoader.load(text: houseYAML, file: "house/latin-space.yml", relativePath: "latin-space.yml", builtIn: false)
        // A fixed selection, so rules added later do not change these expectations.
        return [try #require(builtIn.rule("spacing.han-space-han")), try #require(builtIn.rule("spacing.trailing-whitespace")), house]
    }

    static func lint(_ path: String, _ text: String, _ linter: Linter) -> FileReport {
        let src = SourceText(text)
        return FileReport(path: path, source: src, diagnostics: linter.lint(Document(path: path, source: src)))
    }

    static func unreadable(_ path: String) -> FileReport {
        do {
            _ = try SourceText(validating: [0x41, 0xFF, 0x0A])
            return FileReport(path: path, source: nil, diagnostics: [], error: "unexpectedly valid")
        } catch {
            return FileReport(path: path, source: nil, diagnostics: [], error: error.description)
        }
    }

    // Draft A. Line 1: a space between two Han characters after 𠮷 and full-width text (deleting fix).
    // Line 2: Han touching Latin on both sides (two inserting fixes), then trailing whitespace (deleting fix).
    static let pathA = "./drafts/晚报 第2版.txt"
    static let line1Prefix = "𠮷田记者报道：扎紧扎密疫情防控篱笆"
    static let textA = line1Prefix + " 墙\n使用Rust构建 \n"

    static func report() throws -> RunReport {
        let rules = try rules()
        let linter = Linter(rules: rules)
        return RunReport(files: [
            lint(pathA, textA, linter),
            lint(base + "/drafts/clean.txt", "全力以赴。\n", linter),
            unreadable("drafts/bad.txt"),
        ], rules: rules, toolVersion: "0.1.0")
    }

    static func tinyReport() throws -> RunReport {
        let rules = try rules()
        let linter = Linter(rules: rules)
        return RunReport(files: [lint("drafts/a,b:c.txt", "𠮷 田使用Go\n", linter), unreadable("drafts/bad.txt")],
                         rules: rules, toolVersion: "0.1.0")
    }

    static func json(_ s: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(s.utf8))
    }

    // Expected columns of the han-space-han finding on line 1, computed from the line itself.
    static var scalarColumn: Int { line1Prefix.unicodeScalars.count + 1 }
    static var utf16Column: Int { line1Prefix.utf16.count + 1 }
    static var byteColumn: Int { line1Prefix.utf8.count + 1 }

    @Test func fixtureReallyHasTheCases() throws {
        let r = try Self.report()
        let a = r.files[0]
        #expect(Self.scalarColumn != Self.utf16Column && Self.utf16Column != Self.byteColumn)
        #expect(a.diagnostics.map(\.ruleID) == ["spacing.han-space-han", "house.latin-space", "house.latin-space", "spacing.trailing-whitespace"])
        #expect(a.diagnostics.contains { $0.fix?.edits.first?.replacement == "" })
        #expect(a.diagnostics.contains { $0.fix?.edits.first?.range.isEmpty == true && $0.fix?.edits.first?.replacement == " " })
        #expect(r.files[1].diagnostics.isEmpty)
        #expect(r.files[2].error != nil)
    }

    // MARK: SARIF

    @Test func sarifStructureAndColumns() throws {
        let report = try Self.report()
        let text = SARIFReporter(baseDirectory: Self.base).render(report)
        let root = try #require(try Self.json(text) as? [String: Any])
        #expect(root["version"] as? String == "2.1.0")
        #expect((root["$schema"] as? String)?.hasSuffix("sarif-schema-2.1.0.json") == true)
        let run = try #require((root["runs"] as? [[String: Any]])?.first)
        #expect(run["columnKind"] as? String == "unicodeCodePoints")

        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "copydesk")
        #expect(driver["semanticVersion"] as? String == "0.1.0")
        #expect(driver["informationUri"] == nil)
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["id"] as? String } == report.rules.map(\.id))
        let house = try #require(rules.last)
        #expect((house["shortDescription"] as? [String: Any])?["text"] as? String == Self.houseMessage)
        #expect((house["fullDescription"] as? [String: Any])?["text"] as? String == "中文与拉丁字母之间加一个空格。")
        let help = try #require((house["help"] as? [String: Any])?["text"] as? String)
        #expect(help.contains("中文与拉丁字母之间加一个空格。") && help.contains("本报体例"))
        #expect((house["defaultConfiguration"] as? [String: Any])?["level"] as? String == "note")

        let results = try #require(run["results"] as? [[String: Any]])
        let total = report.files.reduce(0) { $0 + $1.diagnostics.count }
        #expect(results.count == total && total == 4)
        for r in results {
            let id = try #require(r["ruleId"] as? String)
            let index = try #require(r["ruleIndex"] as? Int)
            #expect(rules[index]["id"] as? String == id)
        }
        #expect(results.map { $0["level"] as? String } == ["error", "note", "note", "warning"])

        func region(_ r: [String: Any]) throws -> [String: Int] {
            let loc = try #require((r["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
            return try #require(loc["region"] as? [String: Int])
        }
        func uri(_ r: [String: Any]) -> String? {
            (((r["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any])?["uri"] as? String
        }
        let first = try region(results[0])
        #expect(first == ["startLine": 1, "startColumn": Self.scalarColumn, "endLine": 1, "endColumn": Self.scalarColumn + 1])
        // Insertion between 用 and R: an empty region at R (line 2, scalar column 3).
        #expect(try region(results[1]) == ["startLine": 2, "startColumn": 3, "endLine": 2, "endColumn": 3])
        // Relative, forward slashes, no leading ./, percent-encoded.
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")
        #expect(uri(results[0]) == "drafts/晚报 第2版.txt".addingPercentEncoding(withAllowedCharacters: allowed))
        #expect(uri(results[0])?.hasPrefix("drafts/%E6%99%9A") == true)

        // Fixes: a deletion (empty insertedContent) and an insertion (empty deletedRegion).
        func replacement(_ r: [String: Any]) throws -> [String: Any] {
            let fix = try #require((r["fixes"] as? [[String: Any]])?.first)
            let change = try #require((fix["artifactChanges"] as? [[String: Any]])?.first)
            return try #require((change["replacements"] as? [[String: Any]])?.first)
        }
        let del = try replacement(results[0])
        #expect((del["insertedContent"] as? [String: Any])?["text"] as? String == "")
        #expect(del["deletedRegion"] as? [String: Int] == first)
        let ins = try replacement(results[1])
        #expect((ins["insertedContent"] as? [String: Any])?["text"] as? String == " ")
        let insRegion = try #require(ins["deletedRegion"] as? [String: Int])
        #expect(insRegion["startColumn"] == insRegion["endColumn"] && insRegion["startColumn"] == 3)

        // Fingerprints: the two findings of one rule on one line share the hash, numbered :1 and :2.
        let prints = results.map { ($0["partialFingerprints"] as? [String: String])?["primaryLocationLineHash"] ?? "" }
        let lineText = "使用Rust构建"
        let expectedHash = StableHash.fnv1a64("house.latin-space\u{0}" + lineText)
        #expect(prints[1] == expectedHash + ":1")
        #expect(prints[2] == expectedHash + ":2")
        #expect(Set(prints).count == 4)

        // The unreadable file.
        let invocation = try #require((run["invocations"] as? [[String: Any]])?.first)
        #expect(invocation["executionSuccessful"] as? Bool == false)
        let notes = try #require(invocation["toolExecutionNotifications"] as? [[String: Any]])
        #expect(notes.count == 1)
        #expect((notes[0]["message"] as? [String: Any])?["text"] as? String == report.files[2].error)

        // Deterministic.
        #expect(SARIFReporter(baseDirectory: Self.base).render(report) == text)
    }

    @Test func stableHashIsFNV1a() {
        // Published FNV-1a 64 test vectors: the same in every process (Swift's Hasher is seeded per process).
        #expect(StableHash.fnv1a64("") == "cbf29ce484222325")
        #expect(StableHash.fnv1a64("a") == "af63dc4c8601ec8c")
        #expect(StableHash.fnv1a64("foobar") == "85944171f73967e8")
    }

    @Test func reportPaths() {
        #expect(ReportPath.display("./drafts/a.txt", base: "/repo") == "drafts/a.txt")
        #expect(ReportPath.display("/repo/drafts/a.txt", base: "/repo") == "drafts/a.txt")
        #expect(ReportPath.display("/repo/drafts/a.txt", base: "/repo/") == "drafts/a.txt")
        #expect(ReportPath.display("/repository/a.txt", base: "/repo") == "/repository/a.txt")
        #expect(ReportPath.uri("/elsewhere/a b.txt") == "file:///elsewhere/a%20b.txt")
        #expect(ReportPath.uri("drafts/50%#1.txt") == "drafts/50%25%231.txt")
    }

    // MARK: SARIF schema validation (python3 + jsonschema, against ../shared/schemas)

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let schemaPath = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/schemas/sarif-schema-2.1.0.json").path

    static let validatorScript = """
    import json, sys
    try:
        import jsonschema
    except ImportError:
        sys.exit(3)
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    doc = json.load(open(sys.argv[2], encoding="utf-8"))
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors:
        print("/".join(str(p) for p in e.absolute_path) + ": " + e.message)
    sys.exit(1 if errors else 0)
    """

    /// Runs python3 with the script; nil when python3 cannot be started.
    static func python(_ args: [String]) -> (status: Int32, output: String)? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", validatorScript] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Why schema validation cannot run here, or nil when it can.
    static let validatorMissing: String? = {
        guard FileManager.default.fileExists(atPath: schemaPath) else { return "no SARIF schema at \(schemaPath)" }
        guard let r = python([schemaPath, schemaPath]) else { return "python3 not found" }
        if r.status == 3 { return "python3 has no jsonschema module" }
        if r.status == 127 { return "python3 not found" }
        return nil
    }()

    @Test(.enabled(if: validatorMissing == nil, "SARIF schema validation needs ../shared/schemas and python3 with jsonschema"))
    func sarifValidatesAgainstSchema() throws {
        for report in [try Self.report(), try Self.tinyReport(), RunReport(files: [], rules: [], toolVersion: "0.1.0")] {
            let text = SARIFReporter(baseDirectory: Self.base).render(report)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("copydesk-\(UUID().uuidString).sarif")
            try text.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let r = try #require(Self.python([Self.schemaPath, file.path]))
            #expect(r.status == 0, "SARIF does not validate:\n\(r.output)")
        }
    }

    // MARK: rdjson / rdjsonl

    @Test func rdjsonByteColumns() throws {
        let report = try Self.report()
        let root = try #require(try Self.json(RDJSONReporter(baseDirectory: Self.base).render(report)) as? [String: Any])
        #expect((root["source"] as? [String: Any])?["name"] as? String == "copydesk")
        let diags = try #require(root["diagnostics"] as? [[String: Any]])
        #expect(diags.count == 5)   // 4 findings + the unreadable file
        func range(_ d: [String: Any]) throws -> (start: [String: Int], end: [String: Int]) {
            let r = try #require((d["location"] as? [String: Any])?["range"] as? [String: Any])
            return (try #require(r["start"] as? [String: Int]), try #require(r["end"] as? [String: Int]))
        }
        let first = diags[0]
        #expect((first["location"] as? [String: Any])?["path"] as? String == "drafts/晚报 第2版.txt")
        #expect(first["severity"] as? String == "ERROR")
        #expect((first["code"] as? [String: Any])?["value"] as? String == "spacing.han-space-han")
        let (s, e) = try range(first)
        #expect(s == ["line": 1, "column": Self.byteColumn])
        #expect(e == ["line": 1, "column": Self.byteColumn + 1])
        let sug = try #require((first["suggestions"] as? [[String: Any]])?.first)
        #expect(sug["text"] as? String == "")

        // Insertion between 用 and R: "使用" is 6 bytes, so byte column 7, start == end.
        let ins = diags[1]
        #expect(ins["severity"] as? String == "INFO")
        let insSug = try #require((ins["suggestions"] as? [[String: Any]])?.first)
        #expect(insSug["text"] as? String == " ")
        let insRange = try #require(insSug["range"] as? [String: Any])
        #expect(insRange["start"] as? [String: Int] == ["line": 2, "column": "使用".utf8.count + 1])
        #expect(insRange["end"] as? [String: Int] == ["line": 2, "column": "使用".utf8.count + 1])
        // The one between t and 构.
        #expect(try range(diags[2]).start == ["line": 2, "column": "使用Rust".utf8.count + 1])
        #expect(diags[3]["severity"] as? String == "WARNING")

        let bad = diags[4]
        #expect((bad["location"] as? [String: Any])?["path"] as? String == "drafts/bad.txt")
        #expect((bad["location"] as? [String: Any])?["range"] == nil)
    }

    @Test func rdjsonlOneObjectPerLine() throws {
        let report = try Self.report()
        let text = RDJSONLReporter(baseDirectory: Self.base).render(report)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 5)
        let envelope = try #require(try Self.json(RDJSONReporter(baseDirectory: Self.base).render(report)) as? [String: Any])
        let expected = try #require(envelope["diagnostics"] as? [[String: Any]])
        for (k, line) in lines.enumerated() {
            let d = try #require(try Self.json(String(line)) as? [String: Any])
            #expect((d["source"] as? [String: Any])?["name"] as? String == "copydesk")
            #expect(d["message"] as? String == expected[k]["message"] as? String)
            #expect(NSDictionary(dictionary: d["location"] as? [String: Any] ?? [:]).isEqual(to: expected[k]["location"] as? [String: Any] ?? [:]))
        }
    }

    // MARK: GitHub

    @Test func githubEscapingAndColumns() throws {
        let text = GitHubReporter(baseDirectory: Self.base).render(try Self.report())
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines.allSatisfy { $0.hasPrefix("::") })
        #expect(lines[0] == "::error file=drafts/晚报 第2版.txt,line=1,endLine=1,col=\(Self.utf16Column),endColumn=\(Self.utf16Column + 1),title=spacing.han-space-han::汉字之间不应有空格")
        #expect(lines[1].hasPrefix("::notice file="))
        #expect(lines[1].hasSuffix("::中文与 \"Latin\" <字母> & 数字之间缺少空格: 100%25, 见规范"))
        #expect(lines[3].hasPrefix("::warning "))
        #expect(lines[4].hasPrefix("::error file=drafts/bad.txt,title=copydesk::"))
        #expect(GitHubReporter.escapeData("50%\r\n: ,") == "50%25%0D%0A: ,")
        #expect(GitHubReporter.escapeProperty("a%b,c:d\ne") == "a%25b%2Cc%3Ad%0Ae")
    }

    // MARK: checkstyle

    @Test func checkstyleIsWellFormedAndEscaped() throws {
        let report = try Self.report()
        let text = CheckstyleReporter(baseDirectory: Self.base).render(report)
        #expect(text.contains("message=\"中文与 &quot;Latin&quot; &lt;字母&gt; &amp; 数字之间缺少空格: 100%, 见规范\""))
        #expect(text.contains("source=\"copydesk.house.latin-space\""))
        #expect(!text.contains("clean.txt"))
        #if canImport(FoundationXML) || os(macOS)
        let doc = try XMLDocument(xmlString: text, options: [])
        let root = try #require(doc.rootElement())
        #expect(root.name == "checkstyle")
        #expect(root.attribute(forName: "version")?.stringValue == "4.3")
        let files = root.elements(forName: "file")
        #expect(files.map { $0.attribute(forName: "name")?.stringValue } == ["drafts/晚报 第2版.txt", "drafts/bad.txt"])
        let errors = files[0].elements(forName: "error")
        #expect(errors.count == 4)
        #expect(errors[0].attribute(forName: "column")?.stringValue == "\(Self.scalarColumn)")
        #expect(errors[0].attribute(forName: "source")?.stringValue == "copydesk.spacing.han-space-han")
        #expect(errors[1].attribute(forName: "message")?.stringValue == Self.houseMessage)
        #expect(errors[1].attribute(forName: "severity")?.stringValue == "info")
        #endif
    }

    @Test func checkstyleEscapesControlCharacters() {
        #expect(CheckstyleReporter.escape("a\nb\u{1}c'") == "a&#10;b\u{FFFD}c&apos;")
    }

    // MARK: snapshots (tiny fixture)

    @Test func githubSnapshot() throws {
        let text = GitHubReporter(baseDirectory: Self.base).render(try Self.tinyReport())
        // 𠮷 is two UTF-16 code units: the space is at UTF-16 column 3, the insertion point before G at 7.
        let expected = """
        ::error file=drafts/a%2Cb%3Ac.txt,line=1,endLine=1,col=3,endColumn=4,title=spacing.han-space-han::汉字之间不应有空格
        ::notice file=drafts/a%2Cb%3Ac.txt,line=1,endLine=1,col=7,endColumn=7,title=house.latin-space::中文与 "Latin" <字母> & 数字之间缺少空格: 100%25, 见规范
        ::error file=drafts/bad.txt,title=copydesk::not valid UTF-8 at line 1, column 2 (byte 1 is 0xFF); skipped. If it is GB18030/GBK text, convert it: iconv -f GB18030 -t UTF-8

        """
        #expect(text == expected)
    }

    @Test func checkstyleSnapshot() throws {
        let text = CheckstyleReporter(baseDirectory: Self.base).render(try Self.tinyReport())
        let expected = """
        <?xml version="1.0" encoding="utf-8"?>
        <checkstyle version="4.3">
          <file name="drafts/a,b:c.txt">
            <error line="1" column="2" severity="error" message="汉字之间不应有空格" source="copydesk.spacing.han-space-han"/>
            <error line="1" column="6" severity="info" message="中文与 &quot;Latin&quot; &lt;字母&gt; &amp; 数字之间缺少空格: 100%, 见规范" source="copydesk.house.latin-space"/>
          </file>
          <file name="drafts/bad.txt">
            <error line="0" severity="error" message="not valid UTF-8 at line 1, column 2 (byte 1 is 0xFF); skipped. If it is GB18030/GBK text, convert it: iconv -f GB18030 -t UTF-8" source="copydesk"/>
          </file>
        </checkstyle>

        """
        #expect(text == expected)
    }

    // MARK: registration

    /// The machine formats are written once at the end of a run, so the CLI keeps only each file's positions
    /// (`detachSource`): every format must print exactly what it prints with the whole text at hand.
    @Test func detachedSourcesPrintTheSame() throws {
        let full = try Self.report()
        #expect(full.files.contains { !$0.diagnostics.isEmpty && $0.source != nil })
        var detached = full
        for i in detached.files.indices { detached.files[i].detachSource() }
        #expect(detached.files.allSatisfy { $0.source == nil })
        for format in OutputFormat.allCases where format != .text && !format.needsText {
            let a = format.reporter(color: false).render(full), b = format.reporter(color: false).render(detached)
            #expect(a == b, "\(format)")
            #expect(a.count > 200)
        }
    }

    @Test func formatsAreRegistered() {
        let names = OutputFormat.allCases.map(\.rawValue)
        for f in ["sarif", "rdjson", "rdjsonl", "github", "checkstyle"] { #expect(names.contains(f)) }
        #expect(OutputFormat.sarif.reporter(color: false) is SARIFReporter)
        #expect(OutputFormat.rdjsonl.reporter(color: false) is RDJSONLReporter)
        #expect(!OutputFormat.github.isHumanReadable)
    }
}
