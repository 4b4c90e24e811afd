import Foundation
import Testing
@testable import CopydeskCore

/// The JSON and SARIF reports written as the run goes (issue 16) are byte for byte what the one-document
/// reporters print for the same run, and a parallel run streams them in input order.
@Suite struct StreamingReportTests {
    /// Writes through a `ByteSink` into a temporary file and returns what was written.
    static func captured(_ body: (ByteSink) -> Void) throws -> String {
        let dir = try TS.makeTempDir("copydesk-stream")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        let sink = ByteSink(fd: fd, capacity: 256)   // small: the buffer is flushed many times
        body(sink)
        sink.flush()
        close(fd)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    static func streamJSON(_ report: RunReport) throws -> String {
        try captured { sink in
            let w = JSONStreamWriter(sink: sink, toolVersion: report.toolVersion)
            for f in report.files { w.add(f) }
            w.finish(configErrors: report.configErrors, notLinted: report.notLinted.count)
        }
    }

    static func streamSARIF(_ report: RunReport, base: String?) throws -> String {
        try captured { sink in
            let w = SARIFStreamWriter(sink: sink, rules: report.rules, toolVersion: report.toolVersion, baseDirectory: base)
            for f in report.files { w.add(f) }
            w.finish()
        }
    }

    /// A report with every case: multibyte text and an astral character before findings, deleting and inserting
    /// fixes, a clean file, an unreadable one, a skipped one, an unused disable (an id no rule of the run has),
    /// and characters JSON must escape in a message.
    static func report(detached: Bool) throws -> RunReport {
        var r = try ReporterTests.report()
        let linter = Linter(rules: r.rules)
        let withDisable = "<!-- copydesk-disable spacing.multiple-spaces -->\n全力\t以赴 \u{2028}「引号」 \n"
        r.files.append(ReporterTests.lint("drafts/disable.md", withDisable, linter))
        var skipped = FileReport(path: "drafts/pic.txt", source: nil, diagnostics: [])
        skipped.notice = "skipped: looks like a binary file"
        r.files.append(skipped)
        r.notLinted = ["x/y.txt"]
        if detached { for i in r.files.indices { r.files[i].detachSource() } }
        return r
    }

    @Test func jsonStreamIsTheSameBytes() throws {
        for detached in [false, true] {
            let r = try Self.report(detached: detached)
            #expect(r.files.contains { $0.diagnostics.contains { $0.ruleID == "copydesk.unused-disable" } })
            let expected = JSONReporter().render(r)
            #expect(expected.contains("\\\"Latin\\\""))   // a message with quotes to escape
            #expect(try Self.streamJSON(r) == expected)
        }
        let empty = RunReport(files: [], rules: [])
        #expect(try Self.streamJSON(empty) == JSONReporter().render(empty))
    }

    /// Reports rendered ahead in the linting workers (`prepare`, then `add(_:prepared:)`) are the bytes of the
    /// documents rendered whole; a file naming a rule the SARIF table lacks is not rendered ahead (its id must
    /// join the table first), and the text of each file is the text renderer's.
    @Test func reportsRenderedAheadAreTheSameBytes() throws {
        for detached in [false, true] {
            let r = try Self.report(detached: detached)
            let json = try Self.captured { sink in
                let w = JSONStreamWriter(sink: sink, toolVersion: r.toolVersion)
                for f in r.files { w.add(f, prepared: JSONStreamWriter.prepare(f)) }
                w.finish(configErrors: r.configErrors, notLinted: r.notLinted.count)
            }
            #expect(json == JSONReporter().render(r))
            #expect(r.files.filter { JSONStreamWriter.prepare($0) != nil }.count >= 2)
            var aheadSARIF = 0, notAhead = 0
            let sarif = try Self.captured { sink in
                let w = SARIFStreamWriter(sink: sink, rules: r.rules, toolVersion: r.toolVersion, baseDirectory: ReporterTests.base)
                for f in r.files {
                    let p = w.prepare(f)
                    if p != nil { aheadSARIF += 1 }
                    if f.diagnostics.contains(where: { $0.ruleID == "copydesk.unused-disable" }) {
                        #expect(p == nil, "an id the rule table does not have yet")
                        notAhead += 1
                    }
                    w.add(f, prepared: p)
                }
                w.finish()
            }
            #expect(sarif == SARIFReporter(baseDirectory: ReporterTests.base).render(r))
            #expect(aheadSARIF >= 1 && notAhead == 1)
            if !detached {
                for color in [false, true] {
                    let t = TextReporter(color: color)
                    for f in r.files { #expect(t.renderedBytes(f) == Array(t.renderFile(f).utf8)) }
                }
            }
        }
    }

    /// The locator counts columns from the places it was last asked about (no table per line): every offset, in
    /// order, backwards, repeated and at random, inside a scalar too, gives what the source's column tables give.
    @Test func locatorColumnsMatchTheSourceTables() {
        var text = "ab中文\r\n𠀀x\u{200B}字\t“q”\n\n"
        text += String(repeating: "全力以赴 Latin 𠀀 ", count: 300) + "\n末行"
        let src = SourceText(text)
        let n = src.bytes.count
        var orders: [[Int]] = [Array(0...n), Array((0...n).reversed())]
        var rng = SystemRandomNumberGenerator()
        orders.append((0..<3_000).map { _ in Int.random(in: 0...n, using: &rng) })
        orders.append((0...n).flatMap { [$0, min(n, $0 + 7), $0, max(0, $0 - 3)] })
        for order in orders {
            let loc = Locator(source: src, positions: [:], fingerprints: [:])
            for o in order {
                let a = loc.position(o), b = OutputPosition(src, o)
                #expect(a.line == b.line && a.column == b.column && a.utf16Column == b.utf16Column && a.byteColumn == b.byteColumn,
                        "offset \(o): \(a.line):\(a.column)/\(a.utf16Column) against \(b.line):\(b.column)/\(b.utf16Column)")
                if a.column != b.column || a.utf16Column != b.utf16Column || a.line != b.line { return }
            }
        }
    }

    @Test func sarifStreamIsTheSameBytes() throws {
        for detached in [false, true] {
            let r = try Self.report(detached: detached)
            let expected = SARIFReporter(baseDirectory: ReporterTests.base).render(r)
            #expect(expected.contains("copydesk.unused-disable"))
            #expect(try Self.streamSARIF(r, base: ReporterTests.base) == expected)
        }
        let empty = RunReport(files: [], rules: try ReporterTests.rules())
        #expect(try Self.streamSARIF(empty, base: nil) == SARIFReporter(baseDirectory: nil).render(empty))
    }

    static func streamRDJSON(_ report: RunReport, base: String?, lines: Bool) throws -> String {
        try captured { sink in
            let w = RDJSONStreamWriter(sink: sink, rules: report.rules, lines: lines, baseDirectory: base)
            for f in report.files { w.add(f) }
            w.finish()
        }
    }

    @Test func rdjsonStreamIsTheSameBytes() throws {
        for detached in [false, true] {
            var r = try Self.report(detached: detached)
            // An unreadable file is an ERROR diagnostic with a path and no range.
            r.files.append(FileReport(path: "drafts/gone.txt", source: nil, diagnostics: [], error: "cannot read \"gone\""))
            let doc = RDJSONReporter(baseDirectory: ReporterTests.base).render(r)
            #expect(doc.contains("\"suggestions\"") && doc.contains("\"ERROR\""))
            #expect(try Self.streamRDJSON(r, base: ReporterTests.base, lines: false) == doc)
            let lines = RDJSONLReporter(baseDirectory: ReporterTests.base).render(r)
            #expect(try Self.streamRDJSON(r, base: ReporterTests.base, lines: true) == lines)
        }
        let empty = RunReport(files: [], rules: [])
        #expect(try Self.streamRDJSON(empty, base: nil, lines: false) == RDJSONReporter(baseDirectory: nil).render(empty))
        #expect(try Self.streamRDJSON(empty, base: nil, lines: true) == RDJSONLReporter(baseDirectory: nil).render(empty))
    }

    @Test func jsonStringEscapingMatches() {
        for s in ["", "a", "\"\\\n\r\t", "\u{1}\u{1F}\u{7F}", "中\u{2028}文\u{2029}", "𠮷 \u{0}", "尾\\", "\u{E2}\u{2027}\u{202A}\u{80}"] {
            var out: [UInt8] = []
            JSONBytes.string(&out, s)
            #expect(out == Array(Self.referenceJSONString(s).utf8), "\(s.unicodeScalars.map(\.value))")
            #expect(Array(JSON.string(s).utf8) == Array(Self.referenceJSONString(s).utf8), "\(s.unicodeScalars.map(\.value))")
        }
        // Every scalar below U+3000 and a few above, one by one and all together.
        var all = ""
        for v in Array(0..<0x3000) + [0xFEFF, 0xFFFD, 0x1F600, 0x20BB7] {
            guard let u = Unicode.Scalar(UInt32(v)) else { continue }
            let s = "x" + String(Character(u)) + "y"
            all += s
            #expect(Array(JSON.string(s).utf8) == Array(Self.referenceJSONString(s).utf8), "\(v)")
        }
        #expect(Array(JSON.string(all).utf8) == Array(Self.referenceJSONString(all).utf8))
    }

    /// JSON string escaping written scalar by scalar (what `JSON.string` did before it wrote bytes).
    static func referenceJSONString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
                } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// The CLI over many files linted in parallel: the streamed report is the same on every run and the same as
    /// the one-document reporter's over the runner's results in input order.
    @Test func cliStreamsInInputOrder() throws {
        let dir = try TS.makeTempDir("copydesk-stream-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent("core.yml"))
        var rng = SystemRandomNumberGenerator()
        let pieces = ["全 力", "以赴", "扎紧扎密  篱笆", "。", "，", "使用Rust", "𠮷", "\n", "\n\n", " "]
        for k in 0..<60 {
            var text = ""
            // Sizes differ a lot, so workers finish out of order.
            for _ in 0..<(k % 7 == 0 ? 3000 : Int.random(in: 1...40, using: &rng)) { text += pieces.randomElement(using: &rng)! }
            try TS.write(text + "\n", to: dir.appendingPathComponent(String(format: "d/%03d.txt", k)))
        }
        try Data([0x61, 0xFF, 0x0A]).write(to: dir.appendingPathComponent("d/030-bad.txt"))
        var opts = Runner.Options()
        opts.configPath = dir.appendingPathComponent("core.yml").path
        let runner = try Runner(options: opts)
        // The oracle: the runner on absolute paths (no change of the test process's folder), rendered whole, with
        // the folder taken off the paths as the CLI, run in that folder, names them.
        let root = dir.resolvingSymlinksInPath().path
        let (files, _) = try runner.discover([root + "/d"])
        let results = runner.run(files: files, write: false)
        let rules = try runner.linter(for: root + "/x.txt").0.rules
        let run = RunReport(files: results.map(\.0), rules: rules)
        let json = JSONReporter().render(run).replacingOccurrences(of: "\"" + root + "/d/", with: "\"d/")
        for (format, expected) in [("json", json), ("sarif", SARIFReporter(baseDirectory: root).render(run)),
                                   ("rdjson", RDJSONReporter(baseDirectory: root).render(run)),
                                   ("rdjsonl", RDJSONLReporter(baseDirectory: root).render(run)),
                                   ("github", GitHubReporter(baseDirectory: root).render(run)),
                                   ("checkstyle", CheckstyleReporter(baseDirectory: root).render(run)),
                                   ("codequality", CodeQualityReporter(baseDirectory: root).render(run)),
                                   ("junit", JUnitReporter(baseDirectory: root).render(run)),
                                   ("html", HTMLReporter(baseDirectory: root).render(run))] {
            #expect(expected.count > 10_000)
            for _ in 0..<2 {
                let r = try CLI.run(["lint", "--config", "core.yml", "--format", format, "d"], in: dir.resolvingSymlinksInPath())
                #expect(r.status == 2)
                #expect(r.stdout == expected, "\(format)")
            }
            let out = dir.appendingPathComponent("report.\(format)")
            let r = try CLI.run(["lint", "--config", "core.yml", "--format", "\(format)=\(out.path)", "--format", "text", "d"], in: dir.resolvingSymlinksInPath())
            #expect(try String(contentsOf: out, encoding: .utf8) == expected, "\(format) to a file")
            #expect(r.stdout.contains("d/030-bad.txt: error:"))
        }
    }
}

/// A batch with duplicates between files streams in every format: each file's findings as soon as it is done, and
/// after the last file a second part for each file that has a copy elsewhere in the run (memory bounded by a file,
/// not the run). The findings must be those of the runner's results with the cross-file ones merged in, rendered
/// whole; the files counted once; and fingerprints unique where a finding between files shares its rule and line
/// text with one inside the file (their repeat numbers continue into the second part).
@Suite(.serialized) struct CrossFileStreamingTests {
    @Test func everyFormatStreamsABatchWithDuplicatesAcrossFiles() throws {
        let dir = try TS.makeTempDir("copydesk-stream-dup").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write("extends: [copydesk:recommended, copydesk:duplicates]\n", to: dir.appendingPathComponent(".lintrc.yml"))
        let meeting = DuplicatesTests.meeting, report = DuplicatesTests.report
        // a: the meeting twice (inside the file) and once more in b (between files: same rule, same line text).
        try TS.write("稿件甲\n\n\(meeting)\n\n\(report)\n\n\(meeting)\n\n全 力 以 赴 。\n", to: dir.appendingPathComponent("d/a.txt"))
        try TS.write("稿件乙\n\n\(meeting)\n\n扎紧扎密  篱笆 。\n", to: dir.appendingPathComponent("d/b.txt"))
        for k in 0..<12 {
            try TS.write("稿件\(k)\n\n第 \(k) 条消息 ， 使用Rust。\n", to: dir.appendingPathComponent(String(format: "d/n%02d.txt", k)))
        }
        let root = dir.path
        var opts = Runner.Options()
        opts.configPath = dir.appendingPathComponent(".lintrc.yml").path
        let runner = try Runner(options: opts)
        let (files, _) = try runner.discover([root + "/d"])
        var reports = runner.run(files: files, write: false).map(\.0)
        var index: [String: Int] = [:]
        for (k, r) in reports.enumerated() { index[r.path] = k }
        var seconds = 0
        runner.crossFileReports { r in reports[index[r.path]!].absorb(r); seconds += 1 }
        #expect(seconds == 2)
        let rules = try runner.linter(for: root + "/x.txt").0.rules
        let run = RunReport(files: reports, rules: rules)
        // The oracle ran on absolute paths: the CLI, run in the folder, names the files (in messages too) from it.
        func whole(_ s: String) -> String { s.replacingOccurrences(of: root + "/", with: "") }

        func cli(_ format: String) throws -> String {
            let r = try CLI.run(["lint", "--format", format, "d"], in: dir)
            #expect(r.status == 1, "\(format): \(r.stderr)")
            return r.stdout
        }
        func json(_ s: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(s.utf8)) }
        func canonical(_ v: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
        }
        func bag(_ items: [Any], dropping key: String? = nil) throws -> [String] {
            try items.map { item in
                guard let key, var o = item as? [String: Any] else { return try canonical(item) }
                o[key] = nil
                return try canonical(o)
            }.sorted()
        }

        // JSON: the same findings, the same summary (files counted once).
        let jStream = try #require(try json(try cli("json")) as? [String: Any])
        let jWhole = try #require(try json(whole(JSONReporter().render(run))) as? [String: Any])
        let jDiags = try #require(jStream["diagnostics"] as? [Any])
        #expect(try bag(jDiags) == bag(try #require(jWhole["diagnostics"] as? [Any])))
        #expect(jDiags.filter { (($0 as? [String: Any])?["rule"] as? String)?.hasPrefix("duplicates.") == true }.count == 3)
        for key in jWhole.keys where key != "diagnostics" {
            #expect(try canonical(jStream[key] as Any) == canonical(jWhole[key] as Any), "json \(key)")
        }
        // The same JSON when it is written to a file beside the text report (it missed the findings between files:
        // only their counts were added to the reports kept for it).
        let both = try CLI.run(["lint", "--format", "text", "--format", "json=out.json", "d"], in: dir)
        #expect(both.stdout.contains("“d/b.txt”第 3 行第 1 列"), "\(both.stdout)")
        let jFile = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out.json"))) as? [String: Any])
        #expect(try bag(try #require(jFile["diagnostics"] as? [Any])) == bag(jDiags))
        // SARIF: the same results but for the repeat numbers, which are unique per file and line hash.
        let sStream = try #require(((try json(try cli("sarif")) as? [String: Any])?["runs"] as? [[String: Any]])?.first)
        let sWhole = try #require(((try json(whole(SARIFReporter(baseDirectory: root).render(run))) as? [String: Any])?["runs"] as? [[String: Any]])?.first)
        let sResults = try #require(sStream["results"] as? [[String: Any]])
        #expect(try bag(sResults, dropping: "partialFingerprints") == bag(try #require(sWhole["results"] as? [Any]), dropping: "partialFingerprints"))
        let prints = sResults.map { r -> String in
            let uri = (((r["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any])?["uri"] as? String
            return (uri ?? "?") + " " + ((r["partialFingerprints"] as? [String: String])?["primaryLocationLineHash"] ?? "?")
        }
        #expect(Set(prints).count == prints.count, "\(prints.sorted())")
        for key in sWhole.keys where key != "results" {
            #expect(try canonical(sStream[key] as Any) == canonical(sWhole[key] as Any), "sarif \(key)")
        }
        // Code Climate: the same issues but for fingerprints, which are unique.
        let cq = try #require(try json(try cli("codequality")) as? [[String: Any]])
        #expect(try bag(cq, dropping: "fingerprint") == bag(try #require(try json(whole(CodeQualityReporter(baseDirectory: root).render(run))) as? [Any]), dropping: "fingerprint"))
        let cqPrints = cq.compactMap { $0["fingerprint"] as? String }
        #expect(cqPrints.count == cq.count && Set(cqPrints).count == cq.count)
        // rdjson, rdjsonl, GitHub annotations: the same entries.
        let rd = try #require(try json(try cli("rdjson")) as? [String: Any])
        let rdWhole = try #require(try json(whole(RDJSONReporter(baseDirectory: root).render(run))) as? [String: Any])
        #expect(try bag(try #require(rd["diagnostics"] as? [Any])) == bag(try #require(rdWhole["diagnostics"] as? [Any])))
        func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init).sorted() }
        #expect(lines(try cli("rdjsonl")) == lines(whole(RDJSONLReporter(baseDirectory: root).render(run))))
        #expect(lines(try cli("github")) == lines(whole(GitHubReporter(baseDirectory: root).render(run))))
        // Checkstyle: the same errors under each file's name (a second <file> element for a second part).
        func errors(_ xml: String) -> [String] {
            var file = "", out: [String] = []
            for l in xml.split(separator: "\n") {
                if l.hasPrefix("  <file name=") { file = String(l) } else if l.contains("<error ") { out.append(file + l) }
            }
            return out.sorted()
        }
        let cs = try cli("checkstyle")
        #expect(errors(cs) == errors(whole(CheckstyleReporter(baseDirectory: root).render(run))))
        #expect(cs.components(separatedBy: "<file name=\"d/a.txt\">").count - 1 == 2)
        // JUnit: a second test case for each of the two files, the same finding lines.
        let ju = try cli("junit")
        #expect(ju.contains("name=\"d/a.txt (duplicates across files)\" file=\"d/a.txt\""), "\(ju)")
        #expect(ju.contains("<testsuites name=\"copydesk\" tests=\"\(files.count + 2)\""), "\(ju)")
        func findingLines(_ xml: String) -> [String] {
            xml.split(separator: "\n").map { l -> String in
                // A failure's first finding follows its opening tag on the same line.
                if let r = l.range(of: "\">d/") { return "d/" + l[r.upperBound...] }
                return String(l)
            }.filter { $0.hasPrefix("d/") }.map { $0.replacingOccurrences(of: "</failure>", with: "") }.sorted()
        }
        #expect(findingLines(ju) == findingLines(whole(JUnitReporter(baseDirectory: root).render(run))))
        // HTML: a second entry for each of the two files, marked; the counts of the whole run.
        let html = try cli("html")
        #expect(html.components(separatedBy: "\"more\":true").count - 1 == 2)
        let counts = { (h: String) -> String? in
            h.range(of: "],\"counts\":").map { String(h[$0.upperBound...].prefix { $0 != "]" }) }
        }
        #expect(counts(html) != nil && counts(html) == counts(whole(HTMLReporter(baseDirectory: root).render(run))))
    }
}

/// The one-document CI formats written as the run goes (`DocumentStreamWriter`: GitHub annotations, checkstyle,
/// Code Quality, JUnit) are byte for byte what their reporters render for the whole run.
@Suite struct DocumentStreamTests {
    static func stream(_ format: OutputFormat, _ report: RunReport, base: String?) throws -> String {
        try StreamingReportTests.captured { sink in
            guard let w = format.documentWriter(sink: sink, rules: report.rules, configErrors: report.configErrors, baseDirectory: base) else {
                Issue.record("no writer for \(format)"); return
            }
            for f in report.files { w.add(f) }
            w.finish(configErrors: report.configErrors, notLinted: report.notLinted)
        }
    }

    static func rendered(_ format: OutputFormat, _ report: RunReport, base: String?) -> String {
        switch format {
        case .github: return GitHubReporter(baseDirectory: base).render(report)
        case .checkstyle: return CheckstyleReporter(baseDirectory: base).render(report)
        case .codequality: return CodeQualityReporter(baseDirectory: base).render(report)
        case .junit: return JUnitReporter(baseDirectory: base).render(report)
        default: return ""
        }
    }

    /// The rich report of the JSON tests, with an unreadable file, a configuration error and a file not linted; a
    /// path and messages with every character the formats escape.
    static func report(detached: Bool) throws -> RunReport {
        var r = try StreamingReportTests.report(detached: false)
        let linter = Linter(rules: r.rules)
        r.files.append(ReporterTests.lint("drafts/a&b<c>\"d'%e,f:g\r.txt", "全 力\t以赴 & <“引号”>\u{1}\u{FFFE}% , :\n第二行 全 力\n", linter))
        r.files.append(FileReport(path: "drafts/gone.txt", source: nil, diagnostics: [], error: "cannot read \"gone\" <&>\nsecond line"))
        r.configErrors = [ConfigError(SourceMark(file: "x/.lintrc.yml", line: 3, column: 5), "unknown key 'stlye' <here>, did you mean 'style'?")]
        r.notLinted = ["x/y.txt", "x/<z>.txt"]
        if detached { for i in r.files.indices { r.files[i].detachSource() } }
        return r
    }

    @Test(arguments: [OutputFormat.github, .checkstyle, .codequality, .junit])
    func streamIsTheSameBytes(_ format: OutputFormat) throws {
        for detached in [false, true] {
            let r = try Self.report(detached: detached)
            let expected = Self.rendered(format, r, base: ReporterTests.base)
            #expect(expected.utf8.count > 1_000)
            #expect(try Self.stream(format, r, base: ReporterTests.base) == expected, "\(format), detached: \(detached)")
        }
        let empty = RunReport(files: [], rules: [])
        #expect(try Self.stream(format, empty, base: nil) == Self.rendered(format, empty, base: nil))
    }

    /// A file with thousands of findings of several rules: JUnit's spool goes through its temporary file many
    /// times (64 KB at a time), Code Quality numbers the repeats on one line, GitHub's and checkstyle's per-rule
    /// tails change often.
    @Test(arguments: [OutputFormat.github, .checkstyle, .codequality, .junit])
    func manyFindings(_ format: OutputFormat) throws {
        let rules = try ReporterTests.rules()
        let linter = Linter(rules: rules)
        let line = "全 力 以 赴，数字 12 月 14 日 Go语言 “引号” & <标记>\n"
        let r = RunReport(files: [ReporterTests.lint("drafts/many.txt", String(repeating: line, count: 600), linter),
                                  ReporterTests.lint("drafts/few.txt", line, linter)],
                          rules: rules, toolVersion: "0.1.0")
        #expect(r.files[0].diagnostics.count >= 2_000)
        let expected = Self.rendered(format, r, base: nil)
        #expect(expected.utf8.count > 150_000)
        #expect(try Self.stream(format, r, base: nil) == expected)
    }

    @Test func byteEscapersMatchTheStringOnes() {
        var samples = ["", "a", "&<>\"'\n\t\r", "\u{1}\u{1F}\u{7F}\u{FFFE}\u{FFFF}\u{FFFD}\u{EFFFF}", "中文%:,\r\n", "𠮷 \u{0}尾",
                       "\u{2028}\u{2029}<script>"]
        var all = ""
        for v in Array(0..<0x800) + [0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF, 0x1F600, 0x20BB7] {
            guard let u = Unicode.Scalar(UInt32(v)) else { continue }
            all.unicodeScalars.append(u)
        }
        samples.append(all)
        for s in samples {
            for attribute in [false, true] {
                var out: [UInt8] = []
                EscapeBytes.xml(&out, s, attribute: attribute)
                #expect(out == Array(XML.escape(s, attribute: attribute).utf8), "\(s.unicodeScalars.map(\.value)) \(attribute)")
            }
            var data: [UInt8] = [], property: [UInt8] = []
            EscapeBytes.github(&data, s, property: false)
            EscapeBytes.github(&property, s, property: true)
            #expect(data == Array(GitHubReporter.escapeData(s).utf8))
            #expect(property == Array(GitHubReporter.escapeProperty(s).utf8))
            var script: [UInt8] = []
            EscapeBytes.jsonForScript(&script, s)
            #expect(script == Array(JSON.string(s).replacingOccurrences(of: "<", with: "\\u003c").utf8))
        }
    }
}
