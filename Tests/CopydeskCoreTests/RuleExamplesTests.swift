import Foundation
import Testing
@testable import CopydeskCore

/// One test over every built-in rule: its YAML examples (valid, invalid with marked positions, fix pairs) in all
/// variants (plain, CRLF, multibyte prefix, disabled region). A rule without examples fails here.
@Suite struct RuleExamplesTests {
    static let rules: [Rule] = (try? RuleCatalog.loadBuiltIn().rules) ?? []

    @Test func builtInRulesLoad() throws {
        let catalog = try RuleCatalog.loadBuiltIn()
        #expect(catalog.rules.count >= 4)
        // Ids come from paths under rules/ and are unique.
        #expect(Set(catalog.ids).count == catalog.ids.count)
        #expect(catalog.rule("spacing.han-space-han") != nil)
    }

    /// The binary carries what is in rules/ (SwiftPM notices new or removed rule files only when it re-plans the
    /// build: after adding one, `touch Package.swift`).
    @Test func embeddedRulesMatchTheRulesFolder() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let rulesDir = root.appendingPathComponent("rules")
        var onDisk: Set<String> = []
        if let walker = FileManager.default.enumerator(at: rulesDir, includingPropertiesForKeys: nil) {
            for case let url as URL in walker where ["yml", "yaml"].contains(url.pathExtension) {
                onDisk.insert(String(url.standardizedFileURL.path.dropFirst(rulesDir.standardizedFileURL.path.count + 1)))
            }
        }
        let embedded = Set(EmbeddedRules.files.map(\.path))
        #expect(embedded == onDisk, "embedded rules differ from rules/: run `touch Package.swift` and build again")
    }

    @Test(arguments: rules.map(\.id))
    func examples(_ id: String) throws {
        let rule = try #require(Self.rules.first { $0.id == id })
        #expect(!rule.examples.invalid.isEmpty, "\(rule.file): rule has no invalid examples")
        let failures = ExampleRunner.run(rule)
        for f in failures { Issue.record("\(f)") }
    }

    @Test func ruleWithoutExamplesFails() throws {
        let yaml = """
        kind: phrases
        severity: warning
        message: 不要用“{match}”
        description: test
        scope: [body]
        phrases: [隆重召开]
        """
        let rule = try RuleLoader.load(text: yaml, file: "house/x.yml", relativePath: "x.yml", builtIn: false)
        let failures = ExampleRunner.run(rule)
        #expect(failures.contains { $0.message.contains("no examples") })
    }

    @Test func wrongMarkedPositionFails() throws {
        let yaml = """
        kind: boundary
        severity: error
        message: 汉字之间不应有空格
        description: test
        scope: [body]
        fix: safe
        left: han
        right: han
        space: forbid
        examples:
          invalid:
            - "全[[力]] 以赴"
          fixes:
            - {before: "全 力", after: "全力"}
        """
        let rule = try RuleLoader.load(text: yaml, file: "house/x.yml", relativePath: "x.yml", builtIn: false)
        let failures = ExampleRunner.run(rule, variants: [.plain])
        #expect(failures.count == 1)
        #expect(failures.first?.mark.line == 12)
    }

    /// Markdown examples that open with front matter run in the multibyte-prefix variant too: the prefix is a
    /// front-matter line of its own, and the findings after it still have to be where the marks say.
    @Test func markdownExamplesRunWithTheMultibytePrefix() throws {
        func rule(_ mark: String) throws -> Rule {
            let yaml = """
            kind: article
            check: title-mismatch
            severity: warning
            message: 不一致
            description: test
            scope: [headline]
            examples:
              format: markdown
              invalid:
                - "---\\ntitle: 青山镇召开供暖会议\\n---\\n\\n# \(mark)\\n\\n昨天，青山镇召开会议。\\n"
            """
            return try RuleLoader.load(text: yaml, file: "house/x.yml", relativePath: "x.yml", builtIn: false)
        }
        #expect(ExampleRunner.run(try rule("[[花街镇召开供暖会议]]"), variants: [.prefix]).isEmpty)
        let wrong = ExampleRunner.run(try rule("花[[街镇召开供暖会议]]"), variants: [.prefix])
        #expect(wrong.count == 1 && wrong.first?.variant == .prefix)
    }
}
