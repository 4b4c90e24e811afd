import Foundation
import Testing
@testable import CopydeskCore

/// Start-up (issue 16): the built-in rules come from YAML trees composed at build time by EmbedRules, not from YAML
/// parsed at every start; the same rules, positions and values as parsing their text.
@Suite struct StartupTests {
    /// The first difference between two trees (kind, value, quoting, position, keys), or nil when they are equal.
    static func difference(_ a: YAMLValue, _ b: YAMLValue, at path: String = "") -> String? {
        if a.mark != b.mark { return "\(path): mark \(a.mark) vs \(b.mark)" }
        switch (a, b) {
        case (.null, .null): return nil
        case (.scalar(let x, _, let qx), .scalar(let y, _, let qy)):
            if x.utf8.elementsEqual(y.utf8) && qx == qy { return nil }
            return "\(path): scalar '\(x)' (quoted \(qx)) vs '\(y)' (quoted \(qy))"
        case (.sequence(let x, _), .sequence(let y, _)):
            guard x.count == y.count else { return "\(path): \(x.count) items vs \(y.count)" }
            for (i, (p, q)) in zip(x, y).enumerated() { if let d = difference(p, q, at: "\(path)[\(i)]") { return d } }
            return nil
        case (.mapping(let x, _), .mapping(let y, _)):
            guard x.count == y.count else { return "\(path): \(x.count) keys vs \(y.count)" }
            for (p, q) in zip(x, y) {
                guard p.key.utf8.elementsEqual(q.key.utf8), p.keyMark == q.keyMark else {
                    return "\(path): key '\(p.key)' at \(p.keyMark) vs '\(q.key)' at \(q.keyMark)"
                }
                if let d = difference(p.value, q.value, at: "\(path).\(p.key)") { return d }
            }
            return nil
        default: return "\(path): \(a.kindName) vs \(b.kindName)"
        }
    }

    @Test func embeddedTreesEqualTheirParsedText() throws {
        #expect(EmbeddedRules.trees.count == EmbeddedRules.files.count)
        #expect(EmbeddedRules.files.count > 90)
        for (f, tree) in zip(EmbeddedRules.files, EmbeddedRules.trees) {
            let file = "builtin:rules/" + f.path
            let parsed = try YAMLValue.parse(f.text, file: file, builtIn: true)
            let decoded = YAMLValue.decodeEmbedded(tree, file: file)
            if let d = Self.difference(parsed, decoded) { Issue.record("\(f.path)\(d)") }
        }
    }

    /// The comparison above can fail: it sees a changed value, quoting, position or key.
    @Test func treeComparisonSeesDifferences() throws {
        let a = try YAMLValue.parse("a: [x, 'y']\nb: ~\n", file: "t")
        #expect(Self.difference(a, a) == nil)
        for other in ["a: [x, y]\nb: ~\n", "a: [x, 'z']\nb: ~\n", "a:  [x, 'y']\nb: ~\n", "a: [x, 'y']\nc: ~\n", "a: [x, 'y']\nb: 1\n", "a: [x]\nb: ~\n"] {
            #expect(Self.difference(a, try YAMLValue.parse(other, file: "t")) != nil, "\(other)")
        }
    }

    /// Every node form of the compact tree occurs in the built-in files, so the test above covers each.
    @Test func embeddedTreesUseEveryNodeForm() {
        var kinds = Set<String>()
        func walk(_ v: YAMLValue) {
            switch v {
            case .null: kinds.insert("null")
            case .scalar(let s, _, let quoted):
                kinds.insert(quoted ? "quoted" : "plain")
                if s.unicodeScalars.contains(where: { $0.value > 0x7F }) { kinds.insert("multibyte") }
                if s.contains("\n") { kinds.insert("newline") }
                if s.contains("\\") || s.contains("\"") { kinds.insert("escaped") }
            case .sequence(let items, _): kinds.insert("sequence"); items.forEach(walk)
            case .mapping(let pairs, _): kinds.insert("mapping"); pairs.forEach { walk($0.value) }
            }
        }
        for (f, tree) in zip(EmbeddedRules.files, EmbeddedRules.trees) { walk(YAMLValue.decodeEmbedded(tree, file: f.path)) }
        // No built-in file has a null value: `decoderReadsAHandWrittenTree` covers that form.
        #expect(kinds == ["quoted", "plain", "multibyte", "newline", "escaped", "sequence", "mapping"])
    }

    /// The compact form as EmbedRules writes it (see `encode` in Sources/EmbedRules/main.swift), every node kind.
    @Test func decoderReadsAHandWrittenTree() {
        let v = YAMLValue.decodeEmbedded("M1,1,3;1,1,1:aN1,4;2,1,1:bL2,4,3;S2,5,1:xQ2,8,3:中Q2,13,0:12,1,0:S12,3,4:a\nb\"", file: "t.yml")
        guard case .mapping(let pairs, let m) = v, pairs.count == 3 else { Issue.record("\(v)"); return }
        #expect(m == SourceMark(file: "t.yml", line: 1, column: 1))
        #expect(pairs.map(\.key) == ["a", "b", ""] && pairs.map(\.keyMark.line) == [1, 2, 12])
        guard case .null(let nm) = pairs[0].value else { Issue.record("\(pairs[0].value)"); return }
        #expect(nm.line == 1 && nm.column == 4)
        guard case .sequence(let items, _) = pairs[1].value, items.count == 3,
              case .scalar("x", let xm, quoted: false) = items[0], case .scalar("中", _, quoted: true) = items[1],
              case .scalar("", let em, quoted: true) = items[2] else { Issue.record("\(pairs[1].value)"); return }
        #expect(xm.column == 5 && em.column == 13)
        guard case .scalar("a\nb\"", let lm, quoted: false) = pairs[2].value else { Issue.record("\(pairs[2].value)"); return }
        #expect(lm.line == 12 && lm.column == 3)
    }

    /// The catalog built from the trees is the one built from the text: same rules, in the same order, with the
    /// same settings and examples.
    @Test func builtInCatalogEqualsTheOneParsedFromText() throws {
        let fromTrees = try RuleCatalog.loadBuiltIn()
        var fromText = RuleCatalog()
        for f in EmbeddedRules.files where !f.path.hasPrefix("lexicons/") {
            try fromText.add(RuleLoader.load(text: f.text, file: "builtin:rules/\(f.path)", relativePath: f.path, builtIn: true))
        }
        #expect(fromTrees.ids == fromText.ids)
        for (a, b) in zip(fromTrees.rules, fromText.rules) {
            #expect(a.file == b.file && a.kind == b.kind && a.severity == b.severity && a.message == b.message)
            #expect(a.scope == b.scope && a.fixSafety == b.fixSafety && a.styles == b.styles && a.recommended == b.recommended)
            #expect(a.examples.valid.map(\.text) == b.examples.valid.map(\.text) && a.examples.invalid.map(\.mark) == b.examples.invalid.map(\.mark))
            #expect(Self.difference(a.source, b.source) == nil, "\(a.id)")
        }
        #expect(NameLexicon.builtIn == (try NameLexicon.parse(YAMLValue.parse(EmbeddedRules.files.first { $0.path == NameLexicon.builtInPath }!.text,
                                                                               file: "builtin:rules/" + NameLexicon.builtInPath), base: nil)))
    }

    /// Lexicon lists keep their order and drop repeated words (within a list and against the base's).
    @Test func lexiconAdditionsKeepOrderWithoutRepeats() throws {
        let base = try NameLexicon.parse(YAMLValue.parse("posts: [书记, 市长, 书记]\nsurnames: [王, 李, 王]\n", file: "a.yml"), base: nil)
        #expect(base.posts == ["书记", "市长"])
        #expect(base.surnames == ["王", "李"])
        let more = try NameLexicon.parse(YAMLValue.parse("posts: [市长, 局长]\nsurnames: [张, 李, 张]\n", file: "b.yml"), base: base)
        #expect(more.posts == ["书记", "市长", "局长"])
        #expect(more.surnames == ["王", "李", "张"])
    }
}

/// The commands name themselves (start-up: no names derived from type names by reflection); each name must be the
/// one users type.
@Suite(.serialized) struct CommandNameTests {
    @Test func everyCommandAnswersToItsName() throws {
        let dir = try TS.makeTempDir("copydesk-names")
        defer { try? FileManager.default.removeItem(at: dir) }
        let commands = ["lint", "fix", "baseline", "baseline create", "rules", "explain", "test", "init", "server", "structure",
                        "archive", "archive add", "archive remove", "archive stats", "archive check", "names", "roster", "roster check"]
        let top = try CLI.run(["--help"], in: dir)
        #expect(top.status == 0)
        for c in commands {
            let words = c.split(separator: " ").map(String.init)
            if words.count == 1 { #expect(top.stdout.contains("\n  \(c) "), "\(c) missing from copydesk --help") }
            let r = try CLI.run(words + ["--help"], in: dir)
            #expect(r.status == 0 && r.stdout.contains("USAGE: copydesk \(c) "), "\(c): \(r.stdout.prefix(200))\(r.stderr)")
        }
        let typo = try CLI.run(["lnt", "x"], in: dir)
        #expect(typo.status == 2 && typo.stderr.contains("did you mean 'lint'?"))
    }
}

extension StartupTests {
    /// Built-in rules' examples are parsed when first read: each must parse (else reading it would stop the program).
    @Test func builtInExamplesParse() throws {
        for r in try RuleCatalog.loadBuiltIn().rules {
            guard case .mapping = r.source else { Issue.record("\(r.id): no source mapping"); continue }
            do { _ = try RuleLoader.parseExamples(r.source["examples"]) } catch { Issue.record("\(r.id): \(error)") }
        }
    }

    /// A house rule's broken examples are still reported when it loads, with their position.
    @Test func houseRuleExamplesAreCheckedAtLoad() {
        let yaml = """
        kind: phrases
        severity: warning
        message: 不要用“{match}”
        description: test
        scope: [body]
        phrases: [隆重召开]
        examples:
          invalid: [会议隆重召开]
        """
        #expect(throws: ConfigError.self) { try RuleLoader.load(text: yaml, file: "house/x.yml", relativePath: "x.yml", builtIn: false) }
        do { _ = try RuleLoader.load(text: yaml, file: "house/x.yml", relativePath: "x.yml", builtIn: false) } catch let e as ConfigError {
            #expect(e.mark.line == 8 && e.message.contains("[[…]]"), "\(e)")
        } catch { Issue.record("\(error)") }
    }

    @Test func pairSearchFindsDoubledBytes() {
        #expect(hasPair("a[[b", 0x5B) && hasPair("[[", 0x5B) && hasPair("中]]", 0x5D))
        #expect(!hasPair("a[b[", 0x5B) && !hasPair("", 0x5B) && !hasPair("[", 0x5B) && !hasPair("]]", 0x5B))
    }
}
