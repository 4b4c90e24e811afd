import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import CopydeskCore

/// Issue 13 end to end: several reports from one run, --output, baselines, --max-warnings, and the HTML report in
/// a real headless browser.
@Suite(.serialized) struct CIWorkflowTests {
    func withDir(_ body: (URL) throws -> Void) throws {
        let dir = try TS.makeTempDir("copydesk-ci")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent(".lintrc.yml"))
        try body(dir.resolvingSymlinksInPath())
    }

    static func read(_ url: URL) throws -> String { String(decoding: try Data(contentsOf: url), as: UTF8.self) }

    @Test func severalReportsFromOneRun() throws {
        try withDir { dir in
            try TS.write("正文，全 力以赴。\n", to: dir.appendingPathComponent("a.txt"))
            let r = try CLI.run(["lint", "--format", "json=out/r.json", "--format", "sarif=r.sarif", "--format", "junit=r.xml",
                                 "--format", "html=r.html", "--format", "text", "a.txt"], in: dir.appendingPathComponent(".").standardizedFileURL)
            // out/ does not exist: the report file cannot be created, and nothing is linted.
            #expect(r.status == 2 && r.stderr.contains("out/r.json"), "\(r.stderr)")
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("out"), withIntermediateDirectories: true)
            let ok = try CLI.run(["lint", "--format", "json=out/r.json", "--format", "sarif=r.sarif", "--format", "junit=r.xml",
                                  "--format", "html=r.html", "--format", "text", "a.txt"], in: dir)
            #expect(ok.status == 1)
            #expect(ok.stdout.contains("a.txt:1:5: error: 汉字之间不应有空格 [spacing.han-space-han]"), "\(ok.stdout)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/r.json"))) as? [String: Any])
            #expect((json["diagnostics"] as? [Any])?.count == 1)
            let sarif = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("r.sarif"))) as? [String: Any])
            #expect(((sarif["runs"] as? [[String: Any]])?.first?["results"] as? [Any])?.count == 1)
            // SARIF's fingerprints need the text, which the run no longer keeps: they must still be real hashes.
            #expect(try Self.read(dir.appendingPathComponent("r.sarif")).contains("primaryLocationLineHash"))
            let xml = try XMLDocument(data: Data(contentsOf: dir.appendingPathComponent("r.xml")), options: [])
            #expect(xml.rootElement()?.attribute(forName: "failures")?.stringValue == "1")
            let page = try ReportFormatsTests.htmlData(try Self.read(dir.appendingPathComponent("r.html")))
            #expect(try ReportFormatsTests.highlighted(page)[0].map(\.text) == [" "])

            // --output names the file of the one report without its own; text to a file has no colour codes.
            let o = try CLI.run(["lint", "--format", "text", "--output", "r.txt", "--color", "always", "a.txt"], in: dir)
            #expect(o.status == 1 && o.stdout.isEmpty)
            let txt = try Self.read(dir.appendingPathComponent("r.txt"))
            #expect(txt.contains("a.txt:1:5: error:") && !txt.contains("\u{1B}["))
            let h = try CLI.run(["lint", "--format", "html", "--output", "r2.html", "a.txt"], in: dir)
            #expect(h.status == 1 && h.stdout.isEmpty)
            #expect(try Self.read(dir.appendingPathComponent("r2.html")).hasPrefix("<!DOCTYPE html>"))

            // Usage errors.
            for bad in [["--format", "yaml"], ["--format", "json", "--format", "sarif"], ["--format", "json=r.json", "--output", "x"],
                        ["--format", "json="], ["--format", "json=x", "--format", "sarif=x"], ["--max-warnings", "-1"]] {
                let u = try CLI.run(["lint"] + bad + ["a.txt"], in: dir)
                #expect(u.status == 2, "\(bad): \(u.stderr)")
                #expect(!u.stderr.isEmpty)
            }
        }
    }

    @Test func maxWarnings() throws {
        try withDir { dir in
            // Two warnings (multiple spaces), no errors.
            try TS.write("正文，使用  Rust 构建。\n正文，使用  Go 构建。\n", to: dir.appendingPathComponent("w.txt"))
            #expect(try CLI.run(["lint", "w.txt"], in: dir).status == 0)
            #expect(try CLI.run(["lint", "--max-warnings", "2", "w.txt"], in: dir).status == 0)
            let over = try CLI.run(["lint", "--max-warnings", "1", "w.txt"], in: dir)
            #expect(over.status == 1)
            #expect(over.stderr.contains("2 warning(s), more than --max-warnings 1"), "\(over.stderr)")
        }
    }

    @Test func baselineReportsOnlyNewFindings() throws {
        try withDir { dir in
            let draft = dir.appendingPathComponent("drafts/a.txt")
            let old = "正文，全 力以赴。\n第二段，扎紧 扎密。\n第二段，扎紧 扎密。\n"
            try TS.write(old, to: draft)
            let create = try CLI.run(["baseline", "create", "drafts"], in: dir)
            #expect(create.status == 0, "\(create.stderr)")
            #expect(create.stderr.contains("wrote 3 finding(s)"))
            let file = dir.appendingPathComponent(".copydesk-baseline.json")
            let text = try Self.read(file)
            let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(root["baselineVersion"] as? Int == 1)
            let rows = try #require(root["findings"] as? [[String: Any]])
            // Two identical lines with the same finding: one entry counted twice.
            #expect(rows.count == 2 && rows.map { $0["count"] as? Int }.sorted { ($0 ?? 0) < ($1 ?? 0) } == [1, 2])
            #expect(rows.allSatisfy { $0["file"] as? String == "drafts/a.txt" && $0["text"] as? String == " " })
            // Stable: the same findings write the same bytes.
            #expect(try CLI.run(["baseline", "create", "drafts"], in: dir).status == 0)
            #expect(try Self.read(file) == text)

            let clean = try CLI.run(["lint", "--baseline", ".copydesk-baseline.json", "drafts"], in: dir)
            #expect(clean.status == 0, "\(clean.stdout)")
            #expect(!clean.stdout.contains("error:") && clean.stderr.contains("3 finding(s) in the baseline not reported"))

            // A paragraph inserted above moves every line: still nothing new.
            try TS.write("新导语，内容。\n\n" + old, to: draft)
            #expect(try CLI.run(["lint", "--baseline", ".copydesk-baseline.json", "drafts"], in: dir).status == 0)

            // A third copy of a baselined line is new (counts are used up); so is a new finding on a new line.
            try TS.write(old + "第二段，扎紧 扎密。\n新段落，保 障。\n", to: draft)
            let new = try CLI.run(["lint", "--baseline", ".copydesk-baseline.json", "--format", "json", "drafts"], in: dir)
            #expect(new.status == 1)
            let diags = try #require((try JSONSerialization.jsonObject(with: new.stdoutData) as? [String: Any])?["diagnostics"] as? [[String: Any]])
            #expect(diags.compactMap { ($0["start"] as? [String: Any])?["line"] as? Int } == [4, 5])

            // A finding on an edited line is new: the line's text is part of the match.
            try TS.write("正文，全 力以赴！\n第二段，扎紧 扎密。\n第二段，扎紧 扎密。\n", to: draft)
            #expect(try CLI.run(["lint", "--baseline", ".copydesk-baseline.json", "drafts"], in: dir).status == 1)

            // A broken baseline is an error that names the file.
            try TS.write("{\"findings\": 3}", to: dir.appendingPathComponent("bad.json"))
            let bad = try CLI.run(["lint", "--baseline", "bad.json", "drafts"], in: dir)
            #expect(bad.status == 2 && bad.stderr.contains("bad.json: not a copydesk baseline"), "\(bad.stderr)")
            let missing = try CLI.run(["lint", "--baseline", "nope.json", "drafts"], in: dir)
            #expect(missing.status == 2 && missing.stderr.contains("nope.json"))
        }
    }

    // MARK: the HTML report in a real browser

    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: chromium != nil, "Chromium is not installed: scripts/check-html-report.sh (which installs it with apt-get) did not run; the HTML report was not checked in a browser"))
    func htmlReportInHeadlessChromium() throws {
        let bin = try #require(CLI.binary)
        let (status, text) = try TS.run("/bin/bash", [TS.repoRoot.appendingPathComponent("scripts/check-html-report.sh").path, "--binary", bin.path])
        #expect(status == 0, "\(text)")
        #expect(text.contains("check-html-report: OK"), "\(text)")
    }
}

/// `--changed-since` / `--changed-lines` on a real git repository and a shallow clone of it.
@Suite(.serialized) struct ChangedSinceTests {
    static let gitMissing: String? = FileManager.default.isExecutableFile(atPath: "/usr/bin/git") ? nil : "git is not installed"

    @discardableResult
    static func git(_ args: [String], in dir: URL) throws -> String {
        let (status, text) = try TS.run("/usr/bin/git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main",
                                                          "-c", "protocol.file.allow=always"] + args, in: dir)
        #expect(status == 0, "git \(args): \(text)")
        return text
    }

    static func lines(_ r: CLI.Result) throws -> [String] {
        let root = try #require(try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any])
        let diags = try #require(root["diagnostics"] as? [[String: Any]])
        return diags.map { d in "\(d["file"] as? String ?? "?"):\((d["start"] as? [String: Any])?["line"] as? Int ?? 0)" }
    }

    @Test(.enabled(if: gitMissing == nil, "git is not installed: --changed-since was not tested"))
    func changedFilesAndLines() throws {
        let dir = try TS.makeTempDir("copydesk-git").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        let repo = dir.appendingPathComponent("repo")
        try TS.write(TS.coreConfigYAML, to: repo.appendingPathComponent(".lintrc.yml"))
        try TS.write("正文，全 力以赴。\n第二段，扎紧 扎密。\n", to: repo.appendingPathComponent("drafts/a.txt"))
        try TS.write("正文，保 障。\n", to: repo.appendingPathComponent("drafts/b.txt"))
        try TS.write("正文，稿 件。\n", to: repo.appendingPathComponent("drafts/晚报 c.txt"))
        try Self.git(["init", "-q"], in: repo)
        try Self.git(["add", "."], in: repo)
        try Self.git(["commit", "-qm", "one"], in: repo)
        try Self.git(["tag", "base"], in: repo)
        // a.txt: a new line with a finding between the old ones (committed); c renamed and changed (uncommitted);
        // an untracked d.txt.
        try TS.write("正文，全 力以赴。\n新加，一 段。\n第二段，扎紧 扎密。\n", to: repo.appendingPathComponent("drafts/a.txt"))
        try Self.git(["commit", "-qam", "two"], in: repo)
        try Self.git(["mv", "drafts/晚报 c.txt", "drafts/晚报 e.txt"], in: repo)
        try TS.write("正文，稿 件。\n再加，一 行。\n", to: repo.appendingPathComponent("drafts/晚报 e.txt"))
        try TS.write("未跟踪，文 件。\n", to: repo.appendingPathComponent("drafts/d.txt"))

        let all = try CLI.run(["lint", "--format", "json", "drafts"], in: repo)
        #expect(try Self.lines(all).count == 7)
        let files = try CLI.run(["lint", "--format", "json", "--changed-since", "base", "drafts"], in: repo)
        #expect(files.status == 1, "\(files.stderr)")
        #expect(try Self.lines(files) == ["drafts/a.txt:1", "drafts/a.txt:2", "drafts/a.txt:3", "drafts/d.txt:1", "drafts/晚报 e.txt:1", "drafts/晚报 e.txt:2"])
        let lines = try CLI.run(["lint", "--format", "json", "--changed-since", "base", "--changed-lines", "drafts"], in: repo)
        #expect(try Self.lines(lines) == ["drafts/a.txt:2", "drafts/d.txt:1", "drafts/晚报 e.txt:2"])
        // Nothing changed since HEAD in a.txt: only the uncommitted and untracked files.
        let head = try CLI.run(["lint", "--format", "json", "--changed-since", "HEAD", "--changed-lines", "drafts"], in: repo)
        #expect(try Self.lines(head) == ["drafts/d.txt:1", "drafts/晚报 e.txt:2"])

        let missing = try CLI.run(["lint", "--changed-since", "no-such-ref", "drafts"], in: repo)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("'no-such-ref' is not a commit in this repository"), "\(missing.stderr)")
        let usage = try CLI.run(["lint", "--changed-lines", "drafts"], in: repo)
        #expect(usage.status == 2 && usage.stderr.contains("--changed-lines needs --changed-since"))

        // A shallow clone as CI makes it: the parent commit is not there (a clear error); HEAD is.
        try Self.git(["clone", "-q", "--depth", "1", "file://" + repo.path, "shallow"], in: dir)
        let shallow = dir.appendingPathComponent("shallow")
        let noParent = try CLI.run(["lint", "--changed-since", "HEAD~1", "drafts"], in: shallow)
        #expect(noParent.status == 2)
        #expect(noParent.stderr.contains("shallow clone"), "\(noParent.stderr)")
        try TS.write("正文，全 力以赴。\n新加，一 段。\n第二段，扎紧 扎密。\n又加，一 段。\n", to: shallow.appendingPathComponent("drafts/a.txt"))
        let pr = try CLI.run(["lint", "--format", "json", "--changed-since", "HEAD", "--changed-lines", "drafts"], in: shallow)
        #expect(try Self.lines(pr) == ["drafts/a.txt:4"], "\(pr.stderr)")
        // Outside a repository: an error, not a silent full run.
        let outside = try CLI.run(["lint", "--changed-since", "HEAD", "x.txt"], in: dir)
        #expect(outside.status == 2 && outside.stderr.contains("--changed-since"), "\(outside.stderr)")
    }
}

@Suite struct CIExamplesTests {
    /// examples/ci/github-workflow.yml's lint step, run as the workflow runs it (shallow clone, base fetched with
    /// depth 1, committed baseline) by scripts/check-ci-examples.sh.
    @Test(.enabled(if: ChangedSinceTests.gitMissing == nil, "git is not installed: the CI examples were not exercised"))
    func githubWorkflowSteps() throws {
        let bin = try #require(CLI.binary)
        let (status, text) = try TS.run("/bin/bash", [TS.repoRoot.appendingPathComponent("scripts/check-ci-examples.sh").path, "--binary", bin.path])
        #expect(status == 0 && text.contains("check-ci-examples: OK"), "\(text)")
    }
}

@Suite struct ReadmeTests {
    /// The sample output at the top of README is what `copydesk lint examples/ocr-page.txt` prints.
    @Test func readmeSampleMatchesTheCommand() throws {
        let readme = String(decoding: try Data(contentsOf: TS.repoRoot.appendingPathComponent("README.md")), as: UTF8.self)
        let parts = readme.components(separatedBy: "```\n")
        let sample = try #require(parts.count > 2 ? parts[1] : nil)
        #expect(sample.hasPrefix("examples/ocr-page.txt:"))
        let r = try CLI.run(["lint", "examples/ocr-page.txt"], in: TS.repoRoot)
        #expect(r.status == 1)
        #expect(r.stdout.contains(sample), "README shows:\n\(sample)\nthe command prints:\n\(r.stdout.prefix(600))")
    }
}
