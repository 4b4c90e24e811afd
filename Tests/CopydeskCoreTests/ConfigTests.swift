import Foundation
import Testing
@testable import CopydeskCore

@Suite struct ConfigTests {
    let catalog: RuleCatalog = try! RuleCatalog.loadBuiltIn()

    func parse(_ text: String, file: String = "/proj/.lintrc.yml") throws -> Config {
        try Config.parse(text, file: file, directory: "/proj")
    }

    /// Asserts that `e` points at the first occurrence of `needle` in `text`.
    func expectMark(_ e: ConfigError?, at needle: String, in text: String, file: String = "/proj/.lintrc.yml",
                    sourceLocation: SourceLocation = #_sourceLocation) {
        guard let e else { return }
        guard let p = TS.position(of: needle, in: text) else { Issue.record("needle not found", sourceLocation: sourceLocation); return }
        #expect(e.mark.file == file, sourceLocation: sourceLocation)
        #expect(e.mark.line == p.line, "\(e)", sourceLocation: sourceLocation)
        #expect(e.mark.column == p.column, "\(e)", sourceLocation: sourceLocation)
        #expect(e.description.hasPrefix("\(file):\(p.line):\(p.column): error: "), sourceLocation: sourceLocation)
    }

    @Test func emptyConfigMeansRecommended() throws {
        let c = try parse("")
        #expect(c.packs == ["copydesk:recommended"])
        #expect(c.style == "print")
        let c2 = try parse("style: pangu\n")
        #expect(c2.packs == ["copydesk:recommended"])
        #expect(c2.style == "pangu")
    }

    @Test func unknownKeySuggestsTheNearestOne() {
        let text = "style: print\nstlye: pangu\n"
        let e = TS.configError { _ = try parse(text) }
        expectMark(e, at: "stlye", in: text)
        #expect(e?.message.contains("unknown key 'stlye'") == true)
        #expect(e?.message.contains("did you mean 'style'?") == true)
        // Far from every key: the list of keys instead.
        let text2 = "rules: {}\nzzzzzzzzzz: 1\n"
        let e2 = TS.configError { _ = try parse(text2) }
        expectMark(e2, at: "zzzz", in: text2)
        #expect(e2?.message.contains("expected one of:") == true)
    }

    @Test func badStyleValue() {
        let text = "# comment\nstyle:   newspaper\n"
        let e = TS.configError { _ = try parse(text) }
        expectMark(e, at: "newspaper", in: text)
        #expect(e?.message.contains("print, pangu") == true)
    }

    @Test func badSeverityInRules() {
        let text = "rules:\n  spacing.han-space-han: loud\n"
        let e = TS.configError { _ = try parse(text) }
        expectMark(e, at: "loud", in: text)
        #expect(e?.message.contains("'spacing.han-space-han'") == true)
        let text2 = "fail-level: fatal\n"
        expectMark(TS.configError { _ = try parse(text2) }, at: "fatal", in: text2)
    }

    @Test func yamlSyntaxErrorHasPosition() {
        let text = "style: print\nrules: [a, b\nexclude: x\n"
        let e = TS.configError { _ = try parse(text) }
        #expect(e?.mark.file == "/proj/.lintrc.yml")
        #expect((e?.mark.line ?? 0) >= 2)
        #expect(e?.message.hasPrefix("invalid YAML") == true)
    }

    @Test func duplicateKeyIsAnError() throws {
        let text = "style: print\nstyle: pangu\n"
        let e = TS.configError { _ = try parse(text) }
        // The second occurrence is the one at fault.
        #expect(e?.mark.line == 2)
        #expect(e?.mark.column == 1)
        #expect(e?.message.contains("duplicate key 'style'") == true)
        // Inside a nested mapping of a list item.
        let nested = "style: print\noverrides:\n  - files: [a]\n    rules: {}\n    files: [b]\n"
        let e2 = TS.configError { _ = try parse(nested) }
        let second = try #require(TS.offset(of: "files", in: nested, nth: 1))
        let p = TS.lineColumn(in: nested, byteOffset: second)
        #expect((e2?.mark.line, e2?.mark.column) == (p.line, p.column))
        #expect(e2?.message.contains("duplicate key 'files'") == true)
        // In a rule file too.
        let rule = TS.ruleYAML(kind: "phrases", extra: "phrases: [x]\nseverity: error")
        let e3 = TS.configError { _ = try TS.rule(rule) }
        #expect(e3?.mark.line == TS.position(of: "severity: error", in: rule)?.line)
    }

    @Test func unknownRuleIsReportedByRuleSetBuildAtTheKey() throws {
        let text = "style: print\nrules:\n  spacing.trailing-whitespace: off\n  spacing.han-spce-han: off\n"
        let c = try parse(text)   // parsing does not know the catalog
        let e = TS.configError { _ = try RuleSet.build(config: c, catalog: catalog) }
        expectMark(e, at: "spacing.han-spce-han", in: text)
        #expect(e?.message.contains("unknown rule 'spacing.han-spce-han'") == true)
        #expect(e?.message.contains("did you mean 'spacing.han-space-han'?") == true)
    }

    @Test func unknownRuleInAnOverrideIsReportedOnlyWhereItApplies() throws {
        let text = "overrides:\n  - files: [\"web/**\"]\n    rules:\n      nope.rule: off\n"
        let c = try parse(text)
        #expect(c.overrides.count == 1)
        _ = try RuleSet.build(config: c, catalog: catalog, overrides: [])
        let e = TS.configError { _ = try RuleSet.build(config: c, catalog: catalog, overrides: c.matchingOverrides("/proj/web/a.md")) }
        expectMark(e, at: "nope.rule", in: text)
    }

    @Test func unknownPackInExtends() throws {
        let c = try parse("extends: [copydesk:nosuchpack]\n")
        let e = TS.configError { _ = try RuleSet.build(config: c, catalog: catalog) }
        #expect(e?.message.contains("unknown built-in pack 'copydesk:nosuchpack'") == true)
        #expect(e?.message.contains("copydesk:spacing") == true)
        let text = "extends: [\"copydesk:\"]\n"
        expectMark(TS.configError { _ = try parse(text) }, at: "\"copydesk:\"", in: text)
    }

    @Test func packOffTurnsOffTheWholePack() throws {
        let c = try parse("rules: {spacing: off}\n")
        let set = try RuleSet.build(config: c, catalog: catalog)
        #expect(!set.rules.contains { $0.pack == "spacing" })
        let warn = try RuleSet.build(config: try parse("rules:\n  spacing: warning\n"), catalog: catalog)
        // A severity for a pack turns on every rule of the pack.
        let spacing = catalog.rules.filter { $0.pack == "spacing" }
        #expect(!spacing.isEmpty)
        #expect(warn.rules.filter { $0.pack == "spacing" }.count == spacing.count)
        #expect(warn.rules.filter { $0.pack == "spacing" }.allSatisfy { $0.severity == .warning })
        // Options cannot be given to a pack.
        let text = "rules:\n  spacing: {severity: info}\n"
        expectMark(TS.configError { _ = try RuleSet.build(config: try parse(text), catalog: catalog) }, at: "spacing", in: text)
    }

    @Test func defaultsEnableRecommendedRules() throws {
        let set = try RuleSet.build(config: Config.defaults(directory: "/proj"), catalog: catalog)
        #expect(Set(set.rules.map(\.id)) == Set(catalog.rules.filter { $0.recommended && ($0.styles.isEmpty || $0.styles.contains("print")) }.map(\.id)))
        #expect(set.rules.contains { $0.id == "spacing.han-space-han" })
        #expect(set.unusedDisable == .info)
        let off = try RuleSet.build(config: try parse("rules:\n  copydesk.unused-disable: off\n"), catalog: catalog)
        #expect(off.unusedDisable == nil)
    }

    @Test func optionsRecompileTheRule() throws {
        let text = "rules:\n  spacing.han-space-han:\n    severity: warning\n    scope: [body]\n"
        let set = try RuleSet.build(config: try parse(text), catalog: catalog)
        let r = try #require(set.rules.first { $0.id == "spacing.han-space-han" })
        #expect(r.severity == .warning)
        #expect(r.scope == .body)
        #expect(catalog.rule("spacing.han-space-han")?.severity == .error)   // the catalog is untouched
        // The new scope takes effect: the headline (first line) is no longer checked, the body still is.
        let draft = "全 力以赴\n\n正文 内容，完毕。\n"
        let diags = Linter(set).lint(Document(path: "a.txt", text: draft)).filter { $0.ruleID == r.id }
        #expect(diags.map(\.range.lowerBound) == [try #require(TS.offset(of: " 内容", in: draft))])
        #expect(diags.allSatisfy { $0.severity == .warning })
        let defaults = try TS.lint(draft).filter { $0.ruleID == r.id }
        #expect(defaults.count == 2)
    }

    @Test func optionErrorsPointIntoTheConfiguration() throws {
        let text = "rules:\n  spacing.han-space-han:\n    kind: pattern\n"
        expectMark(TS.configError { _ = try RuleSet.build(config: try parse(text), catalog: catalog) }, at: "kind", in: text)
        let text2 = "rules:\n  spacing.han-space-han:\n    scope: [bodyy]\n"
        let e2 = TS.configError { _ = try RuleSet.build(config: try parse(text2), catalog: catalog) }
        expectMark(e2, at: "bodyy", in: text2)
        #expect(e2?.message.contains("unknown scope 'bodyy'") == true)
    }

    @Test func extendsAnotherFile() throws {
        let dir = try TS.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write("style: pangu\nrules:\n  spacing.trailing-whitespace: off\nexclude: [\"archive/**\"]\n", to: dir.appendingPathComponent("base.yml"))
        try TS.write("extends: base.yml\nrules:\n  spacing.multiple-spaces: error\n", to: dir.appendingPathComponent(".lintrc.yml"))
        let c = try Config.load(path: dir.appendingPathComponent(".lintrc.yml").path)
        #expect(c.style == "pangu")                       // inherited
        #expect(c.packs == ["copydesk:recommended"])      // the base's implicit default
        #expect(c.rules.map(\.key) == ["spacing.trailing-whitespace", "spacing.multiple-spaces"])
        #expect(!c.admits(dir.appendingPathComponent("archive/a.md").path))
        #expect(c.admits(dir.appendingPathComponent("drafts/a.md").path))
        let set = try RuleSet.build(config: c, catalog: catalog)
        #expect(!set.rules.contains { $0.id == "spacing.trailing-whitespace" })
        #expect(set.rules.first { $0.id == "spacing.multiple-spaces" }?.severity == .error)
        #expect(set.style == "pangu")
        // The child's own style wins.
        try TS.write("extends: base.yml\nstyle: print\n", to: dir.appendingPathComponent("child2.yml"))
        #expect(try Config.load(path: dir.appendingPathComponent("child2.yml").path).style == "print")
    }

    @Test func extendsErrors() throws {
        let dir = try TS.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = "extends:\n  - copydesk:recommended\n  - nowhere.yml\n"
        try TS.write(missing, to: dir.appendingPathComponent("a.yml"))
        let e = TS.configError { _ = try Config.load(path: dir.appendingPathComponent("a.yml").path) }
        expectMark(e, at: "nowhere.yml", in: missing, file: dir.appendingPathComponent("a.yml").path)
        try TS.write("extends: c.yml\n", to: dir.appendingPathComponent("b.yml"))
        try TS.write("extends: b.yml\n", to: dir.appendingPathComponent("c.yml"))
        let loop = TS.configError { _ = try Config.load(path: dir.appendingPathComponent("b.yml").path) }
        #expect(loop?.message.contains("loops back") == true)
        // An error inside the extended file is reported in that file.
        let broken = "style: bold\n"
        try TS.write(broken, to: dir.appendingPathComponent("broken.yml"))
        try TS.write("extends: broken.yml\n", to: dir.appendingPathComponent("d.yml"))
        let inner = TS.configError { _ = try Config.load(path: dir.appendingPathComponent("d.yml").path) }
        expectMark(inner, at: "bold", in: broken, file: dir.appendingPathComponent("broken.yml").path)
    }

    @Test func overridesByGlob() throws {
        let text = """
        style: print
        overrides:
          - files: ["web/**", "*.pangu.md"]
            style: pangu
            rules:
              spacing.han-space-han: off
          - files: "web/live/*.md"
            rules:
              spacing.multiple-spaces: info
        """
        let c = try parse(text)
        #expect(c.matchingOverrides("/proj/web/a.md") == [0])
        #expect(c.matchingOverrides("/proj/web/live/a.md") == [0, 1])
        #expect(c.matchingOverrides("/proj/print/x.pangu.md") == [0])
        #expect(c.matchingOverrides("/proj/print/a.md") == [])
        #expect(c.matchingOverrides("/elsewhere/web/a.md") == [])
        let web = try RuleSet.build(config: c, catalog: catalog, overrides: c.matchingOverrides("/proj/web/live/a.md"))
        #expect(web.style == "pangu")
        #expect(!web.rules.contains { $0.id == "spacing.han-space-han" })
        #expect(web.rules.first { $0.id == "spacing.multiple-spaces" }?.severity == .info)
        let print = try RuleSet.build(config: c, catalog: catalog, overrides: c.matchingOverrides("/proj/print/a.md"))
        #expect(print.style == "print")
        #expect(print.rules.contains { $0.id == "spacing.han-space-han" })
        // Override entries are validated too.
        let bad = "overrides:\n  - files: []\n"
        #expect(TS.configError { _ = try parse(bad) }?.message.contains("empty") == true)
        let bad2 = "overrides:\n  - file: [a]\n"
        let e2 = TS.configError { _ = try parse(bad2) }
        expectMark(e2, at: "file", in: bad2)
        #expect(e2?.message.contains("did you mean 'files'?") == true)
    }

    @Test func includeExcludeAndRelativePaths() throws {
        let c = try parse("include: [\"drafts/**\"]\nexclude: [\"*.old.md\"]\n")
        #expect(c.admits("/proj/drafts/a.md"))
        #expect(!c.admits("/proj/drafts/a.old.md"))
        #expect(!c.admits("/proj/notes/a.md"))
        #expect(c.admits("/outside/a.md"))     // outside the config folder: not filtered
        #expect(c.relativePath("/proj/drafts/../drafts/a.md") == "drafts/a.md")
        #expect(c.relativePath("/project/a.md") == nil)
    }

    @Test func rulePathsMustBeFolders() {
        let text = "rule-paths: [does-not-exist]\n"
        let e = TS.configError { _ = try parse(text) }
        expectMark(e, at: "does-not-exist", in: text)
    }

    @Test func discoverFindsTheNearestConfig() throws {
        let dir = try TS.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write("style: pangu\n", to: dir.appendingPathComponent(".lintrc.yml"))
        let deep = dir.appendingPathComponent("a/b/c")
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        #expect(Config.discover(from: deep.path) == dir.appendingPathComponent(".lintrc.yml").standardizedFileURL.path)
        try TS.write("style: print\n", to: dir.appendingPathComponent("a/.lintrc.yaml"))
        #expect(Config.discover(from: deep.path) == dir.appendingPathComponent("a/.lintrc.yaml").standardizedFileURL.path)
    }
}

@Suite struct RuleLoaderErrorTests {
    func load(_ yaml: String) throws -> Rule { try TS.rule(yaml, id: "house/r.yml") }

    func expectMark(_ e: ConfigError?, at needle: String, in text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let e else { return }
        guard let p = TS.position(of: needle, in: text) else { Issue.record("needle not found", sourceLocation: sourceLocation); return }
        #expect(e.mark.file == "house/r.yml", sourceLocation: sourceLocation)
        #expect((e.mark.line, e.mark.column) == (p.line, p.column), "\(e)", sourceLocation: sourceLocation)
    }

    @Test func validRuleLoads() throws {
        let r = try load(TS.ruleYAML(kind: "phrases", extra: "phrases: [隆重召开]"))
        #expect(r.id == "house.r")
        #expect(r.kind == "phrases")
        #expect(r.severity == .warning)
        #expect(r.scope == .all)
        #expect(r.pack == "house")
        #expect(RuleLoader.id(forRelativePath: "spacing/han-space-han.yml") == "spacing.han-space-han")
        #expect(RuleLoader.id(forRelativePath: "a/b/c.yaml") == "a.b.c")
    }

    @Test func unknownKey() {
        let text = TS.ruleYAML(kind: "phrases", extra: "phrases: [隆重召开]\nphrase-list: [x]")
        let e = TS.configError { _ = try load(text) }
        expectMark(e, at: "phrase-list", in: text)
        #expect(e?.message.contains("unknown key 'phrase-list'") == true)
    }

    @Test func missingRequiredKey() {
        let text = "kind: phrases\nseverity: warning\ndescription: d\nscope: [body]\nphrases: [x]\n"
        let e = TS.configError { _ = try load(text) }
        #expect(e?.message.contains("missing the required key 'message'") == true)
        // Reported at the rule's mapping (its first key).
        expectMark(e, at: "kind", in: text)
        let noKind = "severity: warning\nmessage: m\n"
        #expect(TS.configError { _ = try load(noKind) }?.message.contains("'kind'") == true)
    }

    @Test func badKindAndSeverity() {
        let text = "kind: regex\nseverity: warning\n"
        let e = TS.configError { _ = try load(text) }
        expectMark(e, at: "regex", in: text)
        let text2 = TS.ruleYAML(kind: "phrases", extra: "phrases: [x]", severity: "fatal")
        expectMark(TS.configError { _ = try load(text2) }, at: "fatal", in: text2)
    }

    @Test func invalidRegex() {
        let text = TS.ruleYAML(kind: "pattern", extra: "pattern: '(\\d+千元'")
        let e = TS.configError { _ = try load(text) }
        expectMark(e, at: "'(\\d+", in: text)
        #expect(e?.message.contains("invalid regular expression") == true)
    }

    @Test func patternMatchingTheEmptyStringCanNeverMatch() {
        let text = TS.ruleYAML(kind: "pattern", extra: "pattern: 'a*'")
        let e = TS.configError { _ = try load(text) }
        #expect(e?.message.contains("can never match") == true)
        #expect(e?.message.contains("empty string") == true)
        expectMark(e, at: "pattern", in: text)   // the `kind: pattern` value
    }

    @Test func replaceNamingAMissingGroup() {
        let text = TS.ruleYAML(kind: "pattern", extra: "pattern: '(\\d+)千元'\nreplace: '$2000元'", fix: "safe")
        let e = TS.configError { _ = try load(text) }
        expectMark(e, at: "'$2000", in: text)
    }

    @Test func boundaryWithUnknownClass() {
        let text = TS.ruleYAML(kind: "boundary", extra: "left: han\nright: [latin, hanzi]\nspace: forbid")
        let e = TS.configError { _ = try load(text) }
        expectMark(e, at: "hanzi", in: text)
        #expect(e?.message.contains("unknown character class 'hanzi'") == true)
    }

    @Test func boundaryThatCanNeverMatch() {
        let text = TS.ruleYAML(kind: "boundary", extra: "left: line-end\nright: han\nspace: forbid")
        let e = TS.configError { _ = try load(text) }
        #expect(e?.message.contains("can never match") == true)
    }

    @Test func badScopeAndEmptyPhrases() {
        let text = TS.ruleYAML(kind: "phrases", extra: "phrases: [x]", scope: "[body, footer]")
        expectMark(TS.configError { _ = try load(text) }, at: "footer", in: text)
        let text2 = TS.ruleYAML(kind: "phrases", extra: "phrases:\n  - 甲\n  - 乙\n  - 甲")
        let e2 = TS.configError { _ = try load(text2) }
        #expect(e2?.message.contains("listed twice") == true)
        #expect(e2?.mark.line == (TS.position(of: "甲", in: text2)?.line ?? 0) + 2)
    }

    @Test func invalidExampleWithoutMarks() {
        let text = TS.ruleYAML(kind: "phrases", extra: "phrases: [隆重召开]\nexamples:\n  invalid:\n    - 会议隆重召开")
        let e = TS.configError { _ = try load(text) }
        expectMark(e, at: "会议隆重召开", in: text)
    }

    @Test func yamlThatIsNotAMapping() {
        let e = TS.configError { _ = try load("- a\n- b\n") }
        #expect(e?.message.contains("must be a mapping") == true)
    }
}

@Suite struct ConfigLayeringTests {
    @Test func severityFromAnEarlierEntrySurvivesLaterOptions() throws {
        let yaml = """
        rules:
          spacing.han-digit: warning
        overrides:
          - files: ["web/**"]
            rules:
              spacing.han-digit: {scope: [body]}
        """
        let config = try Config.parse(yaml, file: "c.yml", directory: "/proj")
        let set = try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn(), overrides: [0])
        let rule = try #require(set.rules.first { $0.id == "spacing.han-digit" })
        #expect(rule.severity == .warning)
        #expect(rule.scope == .body)
    }
}
