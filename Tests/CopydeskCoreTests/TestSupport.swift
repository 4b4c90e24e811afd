import Foundation
import Testing
@testable import CopydeskCore

/// Shared helpers for the engine tests. Expected positions are always derived from the text under test
/// (by searching for a needle), never typed in by hand.
enum TS {
    /// The built-in rules these engine tests exercise. The catalog grows while the project does, so the tests
    /// run a fixed selection instead of `copydesk:recommended` (whose members change).
    static let coreRuleIDs = ["spacing.han-space-han", "spacing.space-around-fullwidth-punct",
                              "spacing.trailing-whitespace", "spacing.multiple-spaces"]

    /// A configuration that turns on exactly `coreRuleIDs` (also written as `.lintrc.yml` by the CLI tests).
    static let coreConfigYAML = "extends: []\nrules:\n" + coreRuleIDs.map { "  \($0): on\n" }.joined()

    /// A linter with exactly the core rules (built through a configuration, as the CLI does).
    static func defaultLinter() throws -> Linter {
        let config = try Config.parse(coreConfigYAML, file: "/core/.lintrc.yml", directory: "/core")
        let set = try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn())
        #expect(Set(set.rules.map(\.id)) == Set(coreRuleIDs))
        return Linter(set)
    }

    static func lint(_ text: String, path: String = "draft.txt") throws -> [Diagnostic] {
        try defaultLinter().lint(Document(path: path, text: text))
    }

    /// UTF-8 byte offset of the `nth` (0-based) occurrence of `needle` in `text`, plus `plus` bytes.
    static func offset(of needle: String, in text: String, nth: Int = 0, plus: Int = 0) -> Int? {
        let t = Array(text.utf8), n = Array(needle.utf8)
        guard !n.isEmpty, t.count >= n.count else { return nil }
        var seen = 0
        for i in 0...(t.count - n.count) where t[i..<(i + n.count)].elementsEqual(n) {
            if seen == nth { return i + plus }
            seen += 1
        }
        return nil
    }

    /// Independent computation of a 1-based (line, Unicode-scalar column) for a byte offset: counts `\n`
    /// and scalars in the prefix, without using SourceText.
    static func lineColumn(in text: String, byteOffset: Int) -> (line: Int, column: Int) {
        let prefix = String(decoding: Array(text.utf8)[0..<byteOffset], as: UTF8.self)
        let lines = prefix.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.count, lines.last!.unicodeScalars.count + 1)
    }

    /// 1-based (line, column) of the first occurrence of `needle` (+ `plus` scalars) in `text`.
    static func position(of needle: String, in text: String, plusScalars: Int = 0) -> (line: Int, column: Int)? {
        guard let o = offset(of: needle, in: text) else { return nil }
        let p = lineColumn(in: text, byteOffset: o)
        return (p.line, p.column + plusScalars)
    }

    /// Runs a program (a script of the repository, git…) and returns its exit status and its output (stdout and
    /// stderr together).
    @discardableResult
    static func run(_ executable: String, _ args: [String], in dir: URL? = nil, environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let dir { p.currentDirectoryURL = dir }
        if let environment { p.environment = environment }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// How long a test waits for a child process (seconds; `COPYDESK_TEST_CHILD_LIMIT` overrides, 600 by default).
    static let childLimit: Double = ProcessInfo.processInfo.environment["COPYDESK_TEST_CHILD_LIMIT"].flatMap(Double.init) ?? 600

    /// Waits for a started child at most `limit` seconds: one still running then is killed (SIGKILL) and the test
    /// fails saying so, so a hung copydesk (a lost database connection, a deadlock) fails its test instead of hanging
    /// the suite and CI. Returns whether it finished by itself.
    @discardableResult
    static func finish(_ p: Process, limit: Double = childLimit, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let deadline = Date().addingTimeInterval(limit)
        var pause = 0.0005
        while p.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: pause)
            pause = min(pause * 2, 0.005)
        }
        guard p.isRunning else { return true }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        Issue.record("\(p.executableURL?.lastPathComponent ?? "child") \((p.arguments ?? []).joined(separator: " ")) did not finish within \(Int(limit)) s: killed",
                     sourceLocation: sourceLocation)
        return false
    }

    static func makeTempDir(_ tag: String = "copydesk-tests") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Runs `body` and returns the ConfigError it throws (nil, and an issue, when it throws nothing or something else).
    static func configError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        do {
            try body()
            Issue.record("expected a ConfigError, nothing was thrown", sourceLocation: sourceLocation)
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            Issue.record("expected a ConfigError, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// The root of the repository (three levels above this file: Tests/CopydeskCoreTests/TestSupport.swift).
    /// The real OCR'd page `ocr-county-page.txt` of the shared samples (not part of the repository: real newspaper text):
    /// beside the repository (`../shared/samples`), under `$COPYDESK_SHARED/samples`, or this workplace's `/work/shared`.
    /// Nil when none holds it; the tests that need it are then shown as skipped with the reason.
    static let sharedSampleURL: URL? = {
        var dirs = [repoRoot.deletingLastPathComponent().appendingPathComponent("shared")]
        if let e = ProcessInfo.processInfo.environment["COPYDESK_SHARED"] { dirs.append(URL(fileURLWithPath: e)) }
        dirs.append(URL(fileURLWithPath: "/work/shared"))
        return dirs.map { $0.appendingPathComponent("samples/ocr-county-page.txt") }
            .first { FileManager.default.fileExists(atPath: $0.path) }
    }()

    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A minimal rule file for tests (`extra` adds kind-specific keys).
    static func ruleYAML(kind: String, extra: String, scope: String = "[all]", fix: String = "none", severity: String = "warning") -> String {
        """
        kind: \(kind)
        severity: \(severity)
        message: 测试规则
        description: test
        scope: \(scope)
        fix: \(fix)
        \(extra)
        """
    }

    static func rule(_ yaml: String, id: String = "house/test.yml") throws -> Rule {
        try RuleLoader.load(text: yaml, file: id, relativePath: id, builtIn: false)
    }
}
